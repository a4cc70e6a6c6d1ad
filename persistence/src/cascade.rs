//! Read views over a period's agreements: the cascade tree under a goal or a planned result,
//! the alignment report of a unit, and the printable SKP document. Each costs a fixed number of
//! queries whatever the depth and width of the tree: the period's results are loaded at once
//! and the tree is built in memory.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Subject};
use ekinerja_domain::agreement::{AgreementStatus, ResultKind};
use ekinerja_domain::id::{
    AgencyId, AgreementId, EmployeeId, GoalId, OrgUnitId, PerformancePeriodId, PlannedResultId, PositionId,
};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::agreement::{self, Agreement, AgreementDetail};
use crate::schema::{
    agencies, agreements, employees, org_units, organisational_goals, performance_periods, planned_results, positions,
};
use crate::{chart, DbConnection, StoreError};

/// One planned result in a cascade, with the results that cascade from it.
#[derive(Debug, Clone, Serialize)]
pub struct CascadeNode {
    pub result_id: PlannedResultId,
    pub lineage_id: PlannedResultId,
    pub kind: ResultKind,
    pub description: String,
    /// The goal it supports, for the results at the top of a cascade.
    #[serde(skip)]
    pub goal_id: Option<GoalId>,
    pub agreement_id: AgreementId,
    pub agreement_status: AgreementStatus,
    pub employee_id: EmployeeId,
    pub employee_nip: String,
    pub employee_name: String,
    pub children: Vec<CascadeNode>,
}

/// A planned result as loaded for the cascade.
#[derive(Debug, Clone, Queryable)]
struct Row {
    id: PlannedResultId,
    lineage_id: PlannedResultId,
    kind: ResultKind,
    description: String,
    parent_result_id: Option<PlannedResultId>,
    goal_id: Option<GoalId>,
    agreement_id: AgreementId,
    status: AgreementStatus,
    revision: i32,
    employee_id: EmployeeId,
    position_id: PositionId,
}

/// The period's results, and which of them belong to the agreement in force for each
/// employee and position (the approved revision, else the latest).
struct PeriodResults {
    all: Vec<Row>,
    current: Vec<Row>,
    lineage_of: HashMap<PlannedResultId, PlannedResultId>,
}

fn load_period(
    conn: &mut DbConnection,
    agency: AgencyId,
    period: PerformancePeriodId,
) -> Result<PeriodResults, StoreError> {
    let all: Vec<Row> = planned_results::table
        .inner_join(agreements::table)
        .filter(agreements::agency_id.eq(crate::key::bind(agency)))
        .filter(agreements::period_id.eq(crate::key::bind(period)))
        .order((planned_results::ordinal.asc(), planned_results::id.asc()))
        .select((
            planned_results::id,
            planned_results::lineage_id,
            planned_results::kind,
            planned_results::description,
            planned_results::parent_result_id,
            planned_results::goal_id,
            agreements::id,
            agreements::status,
            agreements::revision,
            agreements::employee_id,
            agreements::position_id,
        ))
        .load(conn)?;
    let lineage_of = all.iter().map(|r| (r.id, r.lineage_id)).collect();
    // The agreement in force per employee and position.
    let mut chosen: HashMap<(EmployeeId, PositionId), (bool, i32, AgreementId)> = HashMap::new();
    for r in &all {
        if r.status == AgreementStatus::Superseded {
            continue;
        }
        let rank = (r.status == AgreementStatus::Approved, r.revision, r.agreement_id);
        let key = (r.employee_id, r.position_id);
        match chosen.get(&key) {
            Some(best) if *best >= rank => {}
            _ => {
                chosen.insert(key, rank);
            }
        }
    }
    let in_force: HashSet<AgreementId> = chosen.into_values().map(|(_, _, id)| id).collect();
    let current = all.iter().filter(|r| in_force.contains(&r.agreement_id)).cloned().collect();
    Ok(PeriodResults { all, current, lineage_of })
}

fn people(
    conn: &mut DbConnection,
    ids: HashSet<EmployeeId>,
) -> Result<HashMap<EmployeeId, (String, String)>, StoreError> {
    let ids: Vec<EmployeeId> = ids.into_iter().collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(5_000) {
        for (id, nip, name) in employees::table
            .filter(employees::id.eq_any(crate::key::binds(chunk.iter().copied())))
            .select((employees::id, employees::nip, employees::name))
            .load::<(EmployeeId, String, String)>(conn)?
        {
            out.insert(id, (nip, name));
        }
    }
    Ok(out)
}

fn build(
    roots: Vec<Row>,
    children_of: &HashMap<PlannedResultId, Vec<Row>>,
    people: &HashMap<EmployeeId, (String, String)>,
    depth: usize,
) -> Vec<CascadeNode> {
    roots
        .into_iter()
        .map(|r| {
            let children = if depth > 64 {
                Vec::new()
            } else {
                build(children_of.get(&r.lineage_id).cloned().unwrap_or_default(), children_of, people, depth + 1)
            };
            let (nip, name) = people.get(&r.employee_id).cloned().unwrap_or_default();
            CascadeNode {
                result_id: r.id,
                lineage_id: r.lineage_id,
                kind: r.kind,
                description: r.description,
                goal_id: r.goal_id,
                agreement_id: r.agreement_id,
                agreement_status: r.status,
                employee_id: r.employee_id,
                employee_nip: nip,
                employee_name: name,
                children,
            }
        })
        .collect()
}

fn tree(
    conn: &mut DbConnection,
    results: PeriodResults,
    roots: impl Fn(&Row) -> bool,
) -> Result<Vec<CascadeNode>, StoreError> {
    let mut children_of: HashMap<PlannedResultId, Vec<Row>> = HashMap::new();
    let mut top = Vec::new();
    for r in &results.current {
        if roots(r) {
            top.push(r.clone());
        }
        if let Some(parent_lineage) = r.parent_result_id.as_ref().and_then(|p| results.lineage_of.get(p)) {
            children_of.entry(*parent_lineage).or_default().push(r.clone());
        }
    }
    let who: HashSet<EmployeeId> = results.current.iter().map(|r| r.employee_id).collect();
    let people = people(conn, who)?;
    Ok(build(top, &children_of, &people, 0))
}

/// The whole cascade of a period: every organisational goal with the tree under it (agency
/// admins). One load of the period's results serves every goal.
pub fn under_period(
    conn: &mut DbConnection,
    caller: &Caller,
    period_id: Uuid,
) -> Result<Vec<(crate::goal::Goal, Vec<CascadeNode>)>, StoreError> {
    let period = crate::period::get(conn, caller, period_id)?;
    let agency = period.agency_id.uuid();
    crate::access::require_agency(conn, caller, agency, Area::AgencyViews, Access::Read)?;
    let goals: Vec<crate::goal::Goal> = organisational_goals::table
        .filter(organisational_goals::period_id.eq(crate::key::bind(period.id)))
        .order(organisational_goals::id.asc())
        .select(crate::goal::Goal::as_select())
        .load(conn)?;
    let results = load_period(conn, period.agency_id, period.id)?;
    let mut by_goal: HashMap<GoalId, Vec<CascadeNode>> = HashMap::new();
    for node in tree(conn, results, |r| r.goal_id.is_some())? {
        if let Some(goal) = node.goal_id {
            by_goal.entry(goal).or_default().push(node);
        }
    }
    Ok(goals
        .into_iter()
        .map(|g| {
            let nodes = by_goal.remove(&g.id).unwrap_or_default();
            (g, nodes)
        })
        .collect())
}

/// The cascade under an organisational goal: every current planned result that supports it,
/// and everything below (agency admins).
pub fn under_goal(
    conn: &mut DbConnection,
    caller: &Caller,
    goal_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<CascadeNode>, StoreError> {
    let goal = crate::goal::get(conn, caller, goal_id)?;
    let agency = goal.agency_id.uuid();
    // A unit's goal is part of that unit's views; the agency's goals of the agency's.
    match goal.org_unit_id.map(OrgUnitId::uuid) {
        Some(unit) => {
            crate::access::require(conn, caller, Subject::Unit { agency, unit }, Area::UnitViews, Access::Read, now)?;
        }
        None => crate::access::require_agency(conn, caller, agency, Area::AgencyViews, Access::Read)?,
    }
    let results = load_period(conn, goal.agency_id, goal.period_id)?;
    tree(conn, results, |r| r.goal_id == Some(goal.id))
}

/// The cascade under a planned result (anyone who may read its agreement).
pub fn under_result(
    conn: &mut DbConnection,
    caller: &Caller,
    agreement_id: Uuid,
    result_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<CascadeNode>, StoreError> {
    let detail = agreement::get(conn, caller, agreement_id, now)?;
    let root =
        detail.results.iter().find(|r| r.result.id == result_id).map(|r| r.result.id).ok_or(StoreError::NotFound)?;
    let results = load_period(conn, detail.agreement.agency_id, detail.agreement.period_id)?;
    // The root itself, even when its revision is not the one in force.
    let root_row = results.all.iter().find(|r| r.id == root).cloned().ok_or(StoreError::NotFound)?;
    let mut results = results;
    if !results.current.iter().any(|r| r.id == root_row.id) {
        results.current.push(root_row.clone());
    }
    tree(conn, results, |r| r.id == root_row.id)
}

/// What a unit still has to align for a period.
#[derive(Debug, Clone, Serialize)]
pub struct Alignment {
    /// Main results in force that link to nothing in force (their link was revised away).
    pub unlinked_results: Vec<UnlinkedResult>,
    /// Goals of the unit (and the agency's own goals) that no result in force supports.
    pub unsupported_goals: Vec<crate::goal::Goal>,
    /// Active employees of the unit and its sub-units without an approved agreement.
    pub employees_without_approved_agreement: Vec<crate::employee::Employee>,
}

/// A result that does not cascade from anything.
#[derive(Debug, Clone, Serialize)]
pub struct UnlinkedResult {
    pub result_id: PlannedResultId,
    pub description: String,
    pub agreement_id: AgreementId,
    pub employee_id: EmployeeId,
}

/// The alignment report of a unit (and its sub-units) for a period (agency admins).
pub fn alignment(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    period_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Alignment, StoreError> {
    let (unit, _) = crate::org_unit::read_view(conn, caller, unit_id, now)?;
    let period = crate::period::get(conn, caller, period_id)?;
    if period.agency_id != unit.agency_id {
        return Err(StoreError::invalid("period_id", "no such performance period in this agency"));
    }
    let units = crate::org_unit::subtree(conn, unit.agency_id, unit.id)?;
    let unit_ids: Vec<OrgUnitId> = units.iter().copied().collect();
    let results = load_period(conn, unit.agency_id, period.id)?;
    let in_force_lineages: HashSet<&PlannedResultId> = results.current.iter().map(|r| &r.lineage_id).collect();
    let unit_agreements: HashSet<AgreementId> = agreements::table
        .filter(agreements::period_id.eq(crate::key::bind(period.id)))
        .filter(agreements::org_unit_id.eq_any(crate::key::binds(unit_ids.iter().copied())))
        .select(agreements::id)
        .load::<AgreementId>(conn)?
        .into_iter()
        .collect();
    let unlinked_results = results
        .current
        .iter()
        .filter(|r| unit_agreements.contains(&r.agreement_id) && r.kind == ResultKind::Main)
        .filter(|r| {
            r.goal_id.is_none()
                && r.parent_result_id
                    .as_ref()
                    .and_then(|p| results.lineage_of.get(p))
                    .is_none_or(|l| !in_force_lineages.contains(l))
        })
        .map(|r| UnlinkedResult {
            result_id: r.id,
            description: r.description.clone(),
            agreement_id: r.agreement_id,
            employee_id: r.employee_id,
        })
        .collect();
    let supported: HashSet<&GoalId> = results.current.iter().filter_map(|r| r.goal_id.as_ref()).collect();
    let unsupported_goals = organisational_goals::table
        .filter(organisational_goals::period_id.eq(crate::key::bind(period.id)))
        .filter(
            organisational_goals::org_unit_id
                .eq_any(crate::key::binds(unit_ids.iter().copied()))
                .or(organisational_goals::org_unit_id.is_null()),
        )
        .order(organisational_goals::id.asc())
        .select(crate::goal::Goal::as_select())
        .load::<crate::goal::Goal>(conn)?
        .into_iter()
        .filter(|g| !supported.contains(&g.id))
        .collect();
    let approved: HashSet<EmployeeId> = agreements::table
        .filter(agreements::period_id.eq(crate::key::bind(period.id)))
        .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
        .select(agreements::employee_id)
        .load::<EmployeeId>(conn)?
        .into_iter()
        .collect();
    let posts: Vec<PositionId> = positions::table
        .filter(positions::org_unit_id.eq_any(crate::key::binds(unit_ids.iter().copied())))
        .select(positions::id)
        .load(conn)?;
    let employees_without_approved_agreement = employees::table
        .filter(employees::position_id.eq_any(crate::key::binds(posts)))
        .filter(employees::active.eq(true))
        .order((employees::name.asc(), employees::nip.asc()))
        .select(crate::employee::Employee::as_select())
        .load::<crate::employee::Employee>(conn)?
        .into_iter()
        .filter(|e| !approved.contains(&e.id))
        .collect();
    Ok(Alignment { unlinked_results, unsupported_goals, employees_without_approved_agreement })
}

/// A person as printed on the SKP form.
#[derive(Debug, Clone, Serialize)]
pub struct Signatory {
    pub employee_id: EmployeeId,
    pub nip: String,
    pub name: String,
    pub rank: Option<String>,
    pub position: String,
    pub org_unit: String,
    /// Plt or Plh when signing as an acting official.
    pub acting: Option<ekinerja_domain::ActingKind>,
}

/// Everything the official SKP form prints.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub agency_name: String,
    pub year: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub employee: Signatory,
    /// The direct supervisor (pejabat penilai kinerja).
    pub supervisor: Option<Signatory>,
    /// The supervisor's supervisor (atasan pejabat penilai kinerja).
    pub supervisors_supervisor: Option<Signatory>,
    pub agreement: AgreementDetail,
}

fn signatory(
    conn: &mut DbConnection,
    employee_id: EmployeeId,
    position_id: Option<PositionId>,
    acting: Option<ekinerja_domain::ActingKind>,
) -> Result<Signatory, StoreError> {
    let (nip, name, rank, own_position): (String, String, Option<String>, Option<PositionId>) = employees::table
        .find(crate::key::bind(employee_id))
        .select((employees::nip, employees::name, employees::rank, employees::position_id))
        .first(conn)?;
    let post = position_id.or(own_position);
    let (position, org_unit) = match post {
        Some(p) => positions::table
            .inner_join(org_units::table)
            .filter(positions::id.eq(crate::key::bind(p)))
            .select((positions::name, org_units::name))
            .first::<(String, String)>(conn)?,
        None => (String::new(), String::new()),
    };
    Ok(Signatory { employee_id, nip, name, rank, position, org_unit, acting })
}

/// The printable SKP form of an agreement the caller may read.
pub fn document(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Document, StoreError> {
    let detail = agreement::get(conn, caller, id, now)?;
    let a: &Agreement = &detail.agreement;
    let agency = a.agency_id.uuid();
    let owner = a.employee_id.uuid();
    let agency_name: String = agencies::table.find(crate::key::bind(a.agency_id)).select(agencies::name).first(conn)?;
    let year: i32 =
        performance_periods::table.find(crate::key::bind(a.period_id)).select(performance_periods::year).first(conn)?;
    let employee = signatory(conn, a.employee_id, Some(a.position_id), None)?;
    let chain = chart::load_upward(conn, agency, owner, now)?.chain_of(owner);
    let mut signers = Vec::new();
    for o in chain.iter().take(2) {
        let p = PositionId::from(o.position_id);
        signers.push(Some(signatory(conn, EmployeeId::from(o.employee_id), Some(p), o.acting)?));
    }
    signers.resize(2, None);
    let supervisors_supervisor = signers.pop().flatten();
    let supervisor = signers.pop().flatten();
    Ok(Document {
        agency_name,
        year,
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        employee,
        supervisor,
        supervisors_supervisor,
        agreement: detail,
    })
}
