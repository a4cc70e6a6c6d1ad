//! Read views over a period's agreements: the cascade tree under a goal or a planned result,
//! the alignment report of a unit, and the printable SKP document. Each costs a fixed number of
//! queries whatever the depth and width of the tree: the period's results are loaded at once,
//! with which of them cascade from which, and the tree is walked from them.

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

/// A planned result as loaded for the cascade.
#[derive(Debug, Queryable)]
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

/// The period's results that belong to the agreement in force for each employee and position
/// (the approved revision, else the latest), and the lineage of every result of the period.
struct PeriodResults {
    current: Vec<Row>,
    lineage_of: HashMap<PlannedResultId, PlannedResultId>,
}

/// The period's results in force. `keep` is a result kept even when its revision is not in force
/// (the root of a result's own cascade), then after the others; its absence is `NotFound`.
fn load_period(
    conn: &mut DbConnection,
    agency: AgencyId,
    period: PerformancePeriodId,
    keep: Option<PlannedResultId>,
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
    // The rows move from the load into the result; none is copied.
    let mut kept = None;
    let mut found = keep.is_none();
    let mut current = Vec::with_capacity(all.len());
    for r in all {
        let wanted = Some(r.id) == keep;
        found |= wanted;
        if in_force.contains(&r.agreement_id) {
            current.push(r);
        } else if wanted {
            kept = Some(r);
        }
    }
    if !found {
        return Err(StoreError::NotFound);
    }
    current.extend(kept);
    Ok(PeriodResults { current, lineage_of })
}

fn people(
    conn: &mut DbConnection,
    ids: HashSet<EmployeeId>,
) -> Result<HashMap<EmployeeId, (String, String)>, StoreError> {
    let ids: Vec<EmployeeId> = ids.into_iter().collect();
    let mut out = HashMap::with_capacity(ids.len());
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

/// Below this depth a cascade shows no more children: a guard against a cycle of links.
const DEEPEST: usize = 65;

/// A loaded cascade: the results in force, which of them cascade from which, and who holds each.
/// It is walked from its roots, a node at a time, so that a tree of a hundred thousand results is
/// never copied into a second tree (nor a third, the answer's) to be written out.
pub struct Cascade {
    rows: Vec<Row>,
    roots: Vec<usize>,
    /// The roots that support each goal, in the period's order.
    roots_of_goal: HashMap<GoalId, Vec<usize>>,
    /// The rows under each result lineage, in the period's order.
    children_of: HashMap<PlannedResultId, Vec<usize>>,
    people: HashMap<EmployeeId, (String, String)>,
}

impl Cascade {
    fn of(
        conn: &mut DbConnection,
        results: PeriodResults,
        roots: impl Fn(&Row) -> bool,
    ) -> Result<Cascade, StoreError> {
        let PeriodResults { current: rows, lineage_of } = results;
        let mut children_of: HashMap<PlannedResultId, Vec<usize>> = HashMap::new();
        let mut top = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            if roots(r) {
                top.push(i);
            }
            if let Some(parent_lineage) = r.parent_result_id.as_ref().and_then(|p| lineage_of.get(p)) {
                children_of.entry(*parent_lineage).or_default().push(i);
            }
        }
        drop(lineage_of);
        let mut roots_of_goal: HashMap<GoalId, Vec<usize>> = HashMap::new();
        for &i in &top {
            if let Some(goal) = rows[i].goal_id {
                roots_of_goal.entry(goal).or_default().push(i);
            }
        }
        let people = people(conn, rows.iter().map(|r| r.employee_id).collect())?;
        Ok(Cascade { rows, roots: top, roots_of_goal, children_of, people })
    }

    /// The results at the top, in the period's order.
    pub fn roots(&self) -> impl Iterator<Item = CascadeNode<'_>> {
        self.roots.iter().map(move |&i| CascadeNode { cascade: self, row: &self.rows[i], depth: 0 })
    }

    /// The results at the top that support `goal`.
    pub fn roots_under(&self, goal: GoalId) -> impl Iterator<Item = CascadeNode<'_>> {
        let roots = self.roots_of_goal.get(&goal).map_or(&[][..], Vec::as_slice);
        roots.iter().map(move |&i| CascadeNode { cascade: self, row: &self.rows[i], depth: 0 })
    }
}

/// One planned result in a loaded cascade; `children` walks what cascades from it.
#[derive(Clone, Copy)]
pub struct CascadeNode<'a> {
    cascade: &'a Cascade,
    row: &'a Row,
    depth: usize,
}

impl<'a> CascadeNode<'a> {
    pub fn result_id(self) -> PlannedResultId {
        self.row.id
    }
    pub fn lineage_id(self) -> PlannedResultId {
        self.row.lineage_id
    }
    pub fn kind(self) -> ResultKind {
        self.row.kind
    }
    pub fn description(self) -> &'a str {
        &self.row.description
    }
    pub fn agreement_id(self) -> AgreementId {
        self.row.agreement_id
    }
    pub fn agreement_status(self) -> AgreementStatus {
        self.row.status
    }
    pub fn employee_id(self) -> EmployeeId {
        self.row.employee_id
    }
    /// The holder's NIP, empty if the employee could not be read.
    pub fn employee_nip(self) -> &'a str {
        self.cascade.people.get(&self.row.employee_id).map_or("", |(nip, _)| nip)
    }
    /// The holder's name, empty if the employee could not be read.
    pub fn employee_name(self) -> &'a str {
        self.cascade.people.get(&self.row.employee_id).map_or("", |(_, name)| name)
    }
    /// The results that cascade from this one, in the period's order.
    pub fn children(self) -> impl Iterator<Item = CascadeNode<'a>> {
        let cascade = self.cascade;
        let depth = self.depth + 1;
        let below = if depth > DEEPEST { None } else { cascade.children_of.get(&self.row.lineage_id) };
        below.into_iter().flatten().map(move |&i| CascadeNode { cascade, row: &cascade.rows[i], depth })
    }
}

/// The whole cascade of a period: every organisational goal, and the one tree that holds what
/// supports each (agency admins). One load of the period's results serves every goal.
pub fn under_period(
    conn: &mut DbConnection,
    caller: &Caller,
    period_id: Uuid,
) -> Result<(Vec<crate::goal::Goal>, Cascade), StoreError> {
    let period = crate::period::get(conn, caller, period_id)?;
    let agency = period.agency_id.uuid();
    crate::access::require_agency(conn, caller, agency, Area::AgencyViews, Access::Read)?;
    let goals: Vec<crate::goal::Goal> = organisational_goals::table
        .filter(organisational_goals::period_id.eq(crate::key::bind(period.id)))
        .order(organisational_goals::id.asc())
        .select(crate::goal::Goal::as_select())
        .load(conn)?;
    let results = load_period(conn, period.agency_id, period.id, None)?;
    Ok((goals, Cascade::of(conn, results, |r| r.goal_id.is_some())?))
}

/// The cascade under an organisational goal: every current planned result that supports it,
/// and everything below (agency admins).
pub fn under_goal(
    conn: &mut DbConnection,
    caller: &Caller,
    goal_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Cascade, StoreError> {
    let goal = crate::goal::get(conn, caller, goal_id)?;
    let agency = goal.agency_id.uuid();
    // A unit's goal is part of that unit's views; the agency's goals of the agency's.
    match goal.org_unit_id.map(OrgUnitId::uuid) {
        Some(unit) => {
            crate::access::require(conn, caller, Subject::Unit { agency, unit }, Area::UnitViews, Access::Read, now)?;
        }
        None => crate::access::require_agency(conn, caller, agency, Area::AgencyViews, Access::Read)?,
    }
    let results = load_period(conn, goal.agency_id, goal.period_id, None)?;
    Cascade::of(conn, results, |r| r.goal_id == Some(goal.id))
}

/// The cascade under a planned result (anyone who may read its agreement).
pub fn under_result(
    conn: &mut DbConnection,
    caller: &Caller,
    agreement_id: Uuid,
    result_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Cascade, StoreError> {
    let detail = agreement::get(conn, caller, agreement_id, now)?;
    let root =
        detail.results.iter().find(|r| r.result.id == result_id).map(|r| r.result.id).ok_or(StoreError::NotFound)?;
    // The root itself, even when its revision is not the one in force.
    let results = load_period(conn, detail.agreement.agency_id, detail.agreement.period_id, Some(root))?;
    Cascade::of(conn, results, |r| r.id == root)
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
    let results = load_period(conn, unit.agency_id, period.id, None)?;
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
