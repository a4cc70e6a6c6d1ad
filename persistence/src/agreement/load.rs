//! Many agreements at once, for a loader that brings a whole regency (the demo, the benchmark's
//! regency). Each agreement is opened, planned, broken down, submitted and decided with the
//! checks of [`super::create`], [`super::add_result`], [`super::add_indicator`],
//! [`super::set_breakdown`] and [`super::transition`], by the same functions; what they read is
//! loaded for the whole set in a few statements (the agency's chart once), and the rows, their
//! audit events and notifications are written many to a statement. Through the single calls, an
//! agreement costs six transactions and a walk up the chart for each (issue 19).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Standing, Subject};
use ekinerja_domain::agreement::{check_breakdown, Actor, AgreementStatus, BreakdownKind, Transition};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{
    AgencyId, EmployeeId, GoalId, IndicatorId, OrgUnitId, PerformancePeriodId, PlannedResultId, PositionId,
};
use ekinerja_domain::supervision::OrgChart;
use ekinerja_domain::PositionType;
use uuid::Uuid;

use super::{
    check_owner, check_result_link, check_start, complete, draft, indicator_row, link_source, missing_breakdowns,
    result_row, workflow_error, Agreement, AgreementDetail, Indicator, IndicatorDetail, LinkFacts, LinkedResult,
    NewAgreement, NewIndicator, NewResult, PlannedResult, ResultDetail,
};
use crate::schema::{
    agreements, employees, indicator_targets, indicators, organisational_goals, performance_periods, planned_results,
    positions,
};
use crate::{access, audit, chart, Change, DbConnection, StoreError};

/// One agreement of a load: opened, planned, broken down and submitted by its owner's side (the
/// owner, or the agency admin on their behalf), then approved or left submitted.
#[derive(Debug, Clone)]
pub struct Load {
    pub change: Change,
    pub agreement: NewAgreement,
    /// Its planned results, in order.
    pub results: Vec<LoadResult>,
    /// The approval: the direct supervisor's change (the agency admin's for the top official).
    /// `None` leaves the agreement submitted.
    pub approval: Option<Change>,
}

/// A planned result of a loaded agreement, with its indicators in order.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub result: NewResult,
    pub indicators: Vec<LoadIndicator>,
}

/// An indicator of a loaded agreement and its breakdown. One without a breakdown makes the
/// submission refused, as through the API.
#[derive(Debug, Clone)]
pub struct LoadIndicator {
    pub indicator: NewIndicator,
    pub breakdown: Option<(BreakdownKind, Vec<i64>)>,
}

/// Ids asked for with `IN`, per statement.
const IDS_PER_STATEMENT: usize = 500;
/// Rows per insert on PostgreSQL: under its 65,535 bound values at 19 columns.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Stores every agreement of `loads` in one write transaction, or none: a refused step refuses
/// the load, with the error the API would give for it. Answers each agreement as stored, in the
/// order given.
///
/// Where a load differs from the single steps:
/// - It opens an employee's first agreement of a period: one who already has an agreement in it
///   (stored, or earlier in the load) is refused, where the API would end the earlier one at a
///   change of position (the same post gets the API's refusal).
/// - An approval dated before its submission is refused (field `approval`); through the API the
///   server's clock orders them.
/// - The access rule is asked on the agency's whole chart, read once, where a single step reads
///   the chart upward from the owner. Both give the same answer on opening and deciding an
///   agreement (self, direct supervisor, admin); where an acting official holds a post outside
///   the owner's upward chart, the officials above the owner can differ, so a refused approval
///   can be answered as forbidden rather than not found.
/// - The owners' rows are locked before the caller's right to them is checked (a loader's
///   function, with no route of its own).
///
/// A planned result links to a stored result or goal, or to a result earlier in the same load
/// (whose id the loader learns only afterwards, so a cascade loads top-down, a level a load).
pub fn load(conn: &mut DbConnection, loads: Vec<Load>, now: DateTime<Utc>) -> Result<Vec<AgreementDetail>, StoreError> {
    crate::db::write(conn, |conn| load_in(conn, loads, now))
}

fn load_in(conn: &mut DbConnection, loads: Vec<Load>, now: DateTime<Utc>) -> Result<Vec<AgreementDetail>, StoreError> {
    let mut owners = Vec::with_capacity(loads.len());
    for l in &loads {
        let employee =
            l.agreement.employee_id.or(l.change.caller.employee_id).ok_or_else(|| {
                StoreError::invalid("employee_id", "required for an account without an employee record")
            })?;
        owners.push(EmployeeId::from(employee));
    }
    // Every opener of an agreement holds its owner's row, as a create does.
    crate::db::lock_rows(conn, crate::db::LockTable::Employees, &owners)?;
    let mut facts = Facts::read(conn, &loads, &owners)?;
    let mut charts: HashMap<AgencyId, OrgChart> = HashMap::new();
    let mut actors: HashMap<Uuid, ekinerja_domain::Actor> = HashMap::new();
    // What the rule is given for a caller who cannot see the agency: no chart at all.
    let hidden = OrgChart::default();
    let mut opened: HashMap<(EmployeeId, PerformancePeriodId), PositionId> = HashMap::new();
    let mut stored = Vec::with_capacity(loads.len());
    let mut events = Vec::new();
    let mut approved = Vec::new();
    for (l, owner) in loads.into_iter().zip(owners) {
        let caller = &l.change.caller;
        let subject = |agency: AgencyId| Subject::Employee { agency: agency.uuid(), employee: owner.uuid() };
        // Opening: the owner is someone the caller may open an agreement for, active, in a post.
        let mut own: Option<Standing> = None;
        let (agency, position_id) = check_owner(caller, facts.employees.get(&owner).copied(), |agency| {
            let chart = chart_of(conn, &mut charts, agency, now)?;
            let actor = actor_of(conn, &mut actors, caller)?;
            let visible = if caller.can_see_agency(agency.uuid()) { chart } else { &hidden };
            let s = ekinerja_domain::access::standing(actor, visible, subject(agency));
            let decision = s.decide(Area::OwnAgreement, Access::Write);
            own = Some(s);
            Ok(decision)
        })?;
        let own = own.ok_or(StoreError::NotFound)?;
        let (unit, position_type) = facts.positions.get(&position_id).copied().ok_or(StoreError::NotFound)?;
        let period = PerformancePeriodId::from(l.agreement.period_id);
        let days = check_start(facts.periods.get(&period).copied(), agency, l.agreement.starts_on)?;
        let held = facts.existing.get(&(owner, period)).copied().or(opened.get(&(owner, period)).copied());
        if let Some(post) = held {
            return Err(StoreError::Conflict(if post == position_id {
                // The API's answer.
                "the employee already has an agreement for this position and period".into()
            } else {
                "the employee already has an agreement for this period; a load opens only an employee's first \
                 agreement of a period (a change of position goes through the API)"
                    .into()
            }));
        }
        opened.insert((owner, period), position_id);
        let mut a = draft(&l.change, agency, period, owner, position_id, unit, days);
        events.push(audit::event(
            &l.change,
            Some(agency),
            AuditAction::Create,
            AuditEntity::Agreement,
            a.id,
            None::<&()>,
            Some(&a),
        ));
        // Planning: each result's link as `add_result` checks it, each breakdown as
        // `set_breakdown` does; every step is a version, as through the API.
        let chart = charts.get(&agency).ok_or(StoreError::NotFound)?;
        let source = link_source(&a, position_type, chart);
        let mut results = Vec::with_capacity(l.results.len());
        for (ordinal, planned) in (1..).zip(l.results) {
            let new = planned.result;
            check_result_link(&mut facts, &source, owner.uuid(), new.kind, new.parent_result_id, new.goal_id)?;
            let rid = crate::key::new();
            let row = result_row(&l.change, &a, rid, new, ordinal);
            // A later agreement of the load may link to it.
            facts.results.insert(
                rid,
                LinkedResult {
                    agency_id: agency,
                    period_id: period,
                    owner,
                    status: AgreementStatus::Draft,
                    parent: row.parent_result_id,
                },
            );
            a = bumped(&a, &l.change);
            events.push(audit::event(
                &l.change,
                Some(agency),
                AuditAction::AddPlannedResult,
                AuditEntity::Agreement,
                a.id,
                None::<&()>,
                Some(&row),
            ));
            let mut indicators = Vec::with_capacity(planned.indicators.len());
            for (ordinal, ind) in (1..).zip(planned.indicators) {
                let mut row = indicator_row(&l.change, &a, rid, ind.indicator, ordinal);
                a = bumped(&a, &l.change);
                events.push(audit::event(
                    &l.change,
                    Some(agency),
                    AuditAction::AddIndicator,
                    AuditEntity::Agreement,
                    a.id,
                    None::<&()>,
                    Some(&row),
                ));
                let mut targets = Vec::new();
                if let Some((kind, parts)) = ind.breakdown {
                    check_breakdown(row.target_quantity, kind, &parts)
                        .map_err(|e| StoreError::invalid("targets", e.to_string()))?;
                    row.breakdown = Some(kind);
                    a = bumped(&a, &l.change);
                    events.push(audit::event(
                        &l.change,
                        Some(agency),
                        AuditAction::SetBreakdown,
                        AuditEntity::Agreement,
                        a.id,
                        None::<&()>,
                        Some(
                            &serde_json::json!({"indicator_id": row.id, "breakdown": kind.as_str(), "targets": parts}),
                        ),
                    ));
                    targets = parts;
                }
                indicators.push(IndicatorDetail { indicator: row, targets });
            }
            results.push(ResultDetail { result: row, indicators });
        }
        let mut content = AgreementDetail { agreement: a.clone(), results };
        // Submission, by the owner's side, as `transition` judges it.
        let actor = if own.allows(Area::OwnAgreement, Access::Write) { Actor::Owner } else { Actor::Other };
        let missing = missing_breakdowns(&content);
        if !missing.is_empty() {
            return Err(StoreError::Invalid(missing));
        }
        let whole = complete(&content);
        let before = a.clone();
        a.status = a.status.apply(Transition::Submit, actor, None, whole).map_err(workflow_error)?;
        a.version += 1;
        a.updated_at = l.change.at;
        a.submitted_at = Some(l.change.at);
        a.return_comment = None;
        events.push(audit::event(
            &l.change,
            Some(agency),
            AuditAction::Submit,
            AuditEntity::Agreement,
            a.id,
            Some(&before),
            Some(&a),
        ));
        // Approval, by whoever the rule lets decide it.
        if let Some(approval) = l.approval {
            if approval.at < l.change.at {
                return Err(StoreError::invalid(
                    "approval",
                    "a decision cannot come before the agreement was submitted",
                ));
            }
            let chart = chart_of(conn, &mut charts, agency, now)?;
            let actor = actor_of(conn, &mut actors, &approval.caller)?;
            let visible = if approval.caller.can_see_agency(agency.uuid()) { chart } else { &hidden };
            let s = ekinerja_domain::access::standing(actor, visible, subject(agency));
            if !s.sees(Area::AgreementDecision) {
                return Err(StoreError::NotFound);
            }
            let who =
                if s.allows(Area::AgreementDecision, Access::Write) { Actor::DirectSupervisor } else { Actor::Other };
            let before = a.clone();
            a.status = a.status.apply(Transition::Approve, who, None, whole).map_err(workflow_error)?;
            a.version += 1;
            a.updated_at = approval.at;
            a.approved_at = Some(approval.at);
            a.approved_by_employee_id = approval.caller.employee_id.map(EmployeeId::from);
            let note = serde_json::json!({
                "agreement_id": a.id, "employee_id": a.employee_id, "status": a.status, "comment": a.return_comment,
            });
            approved.push((approval.at, agency, note));
            events.push(audit::event(
                &approval,
                Some(agency),
                AuditAction::Approve,
                AuditEntity::Agreement,
                a.id,
                Some(&before),
                Some(&a),
            ));
        }
        content.agreement = a;
        stored.push(content);
    }
    insert(conn, &stored)?;
    crate::webhook::enqueue_all(conn, crate::webhook::EventType::AgreementApproved, &approved)?;
    audit::record_all(conn, events)?;
    Ok(stored)
}

/// The agreement after a change to its content: the next version.
fn bumped(a: &Agreement, change: &Change) -> Agreement {
    Agreement { version: a.version + 1, updated_at: change.at, ..a.clone() }
}

/// The agency's whole chart, read once per load.
fn chart_of<'c>(
    conn: &mut DbConnection,
    charts: &'c mut HashMap<AgencyId, OrgChart>,
    agency: AgencyId,
    now: DateTime<Utc>,
) -> Result<&'c OrgChart, StoreError> {
    Ok(match charts.entry(agency) {
        std::collections::hash_map::Entry::Occupied(c) => c.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => v.insert(chart::load(conn, agency.uuid(), now)?),
    })
}

/// The caller's grants, read once for each caller the load names.
fn actor_of<'c>(
    conn: &mut DbConnection,
    actors: &'c mut HashMap<Uuid, ekinerja_domain::Actor>,
    caller: &ekinerja_domain::Caller,
) -> Result<&'c ekinerja_domain::Actor, StoreError> {
    let id = caller.account_id;
    if actors.get(&id).is_none_or(|a| a.caller != *caller) {
        actors.insert(id, access::actor(conn, caller)?);
    }
    actors.get(&id).ok_or(StoreError::NotFound)
}

/// A breakdown part as stored.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = indicator_targets)]
struct TargetRow {
    #[diesel(serialize_as = crate::key::Bind<IndicatorId>)]
    indicator_id: IndicatorId,
    part: i32,
    quantity: i64,
}

/// Inserts the agreements with their results, indicators and breakdowns.
fn insert(conn: &mut DbConnection, stored: &[AgreementDetail]) -> Result<(), StoreError> {
    let rows: Vec<Agreement> = stored.iter().map(|d| d.agreement.clone()).collect();
    let results: Vec<PlannedResult> = stored.iter().flat_map(|d| d.results.iter().map(|r| r.result.clone())).collect();
    let inds: Vec<&IndicatorDetail> =
        stored.iter().flat_map(|d| d.results.iter().flat_map(|r| &r.indicators)).collect();
    let targets: Vec<TargetRow> = inds
        .iter()
        .flat_map(|i| {
            (1..).zip(&i.targets).map(|(part, q)| TargetRow { indicator_id: i.indicator.id, part, quantity: *q })
        })
        .collect();
    let inds: Vec<Indicator> = inds.into_iter().map(|i| i.indicator.clone()).collect();
    crate::db::insert_all!(conn, agreements::table, rows, ROWS_PER_STATEMENT);
    crate::db::insert_all!(conn, planned_results::table, results, ROWS_PER_STATEMENT);
    crate::db::insert_all!(conn, indicators::table, inds, ROWS_PER_STATEMENT);
    crate::db::insert_all!(conn, indicator_targets::table, targets, ROWS_PER_STATEMENT * 5);
    Ok(())
}

/// An employee as opening an agreement for them reads them: agency, post, active.
type Owner = (AgencyId, Option<PositionId>, bool);

/// What the checks of a load read, for all its agreements at once.
struct Facts {
    /// The owners.
    employees: HashMap<EmployeeId, Owner>,
    /// Their posts: unit and type.
    positions: HashMap<PositionId, (OrgUnitId, PositionType)>,
    /// The periods named: agency, first and last day.
    periods: HashMap<PerformancePeriodId, (AgencyId, NaiveDate, NaiveDate)>,
    /// The owners' agreements in force or in the making, by period: their posts.
    existing: HashMap<(EmployeeId, PerformancePeriodId), PositionId>,
    /// The goals linked to.
    goals: HashMap<GoalId, (AgencyId, PerformancePeriodId)>,
    /// The results linked to and every result above them.
    results: HashMap<PlannedResultId, LinkedResult>,
}

impl LinkFacts for Facts {
    fn result(&mut self, id: PlannedResultId) -> Result<Option<LinkedResult>, StoreError> {
        Ok(self.results.get(&id).copied())
    }

    fn goal(&mut self, id: GoalId) -> Result<Option<(AgencyId, PerformancePeriodId)>, StoreError> {
        Ok(self.goals.get(&id).copied())
    }
}

/// Sorted, without repeats.
fn distinct<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

impl Facts {
    fn read(conn: &mut DbConnection, loads: &[Load], owners: &[EmployeeId]) -> Result<Self, StoreError> {
        let people = distinct(owners.to_vec());
        let mut employees = HashMap::new();
        let mut existing = HashMap::new();
        for chunk in people.chunks(IDS_PER_STATEMENT) {
            let ids = || crate::key::binds(chunk.to_vec());
            let found: Vec<(EmployeeId, Owner)> = employees::table
                .filter(employees::id.eq_any(ids()))
                .select((employees::id, (employees::agency_id, employees::position_id, employees::active)))
                .load(conn)?;
            employees.extend(found);
            let held: Vec<(EmployeeId, PerformancePeriodId, PositionId)> = agreements::table
                .filter(agreements::employee_id.eq_any(ids()))
                .filter(agreements::status.ne(crate::word::bind(AgreementStatus::Superseded)))
                .select((agreements::employee_id, agreements::period_id, agreements::position_id))
                .load(conn)?;
            existing.extend(held.into_iter().map(|(e, p, post)| ((e, p), post)));
        }
        let posts = distinct(employees.values().filter_map(|(_, p, _)| *p).collect());
        let mut positions = HashMap::new();
        for chunk in posts.chunks(IDS_PER_STATEMENT) {
            let found: Vec<(PositionId, (OrgUnitId, PositionType))> = positions::table
                .filter(positions::id.eq_any(crate::key::binds(chunk.to_vec())))
                .select((positions::id, (positions::org_unit_id, positions::position_type)))
                .load(conn)?;
            positions.extend(found);
        }
        let named = distinct(loads.iter().map(|l| PerformancePeriodId::from(l.agreement.period_id)).collect());
        let mut periods = HashMap::new();
        for chunk in named.chunks(IDS_PER_STATEMENT) {
            let found: Vec<(PerformancePeriodId, (AgencyId, NaiveDate, NaiveDate))> = performance_periods::table
                .filter(performance_periods::id.eq_any(crate::key::binds(chunk.to_vec())))
                .select((
                    performance_periods::id,
                    (performance_periods::agency_id, performance_periods::starts_on, performance_periods::ends_on),
                ))
                .load(conn)?;
            periods.extend(found);
        }
        let linked = || loads.iter().flat_map(|l| l.results.iter().map(|r| &r.result));
        let named = distinct(linked().filter_map(|r| r.goal_id.map(GoalId::from)).collect());
        let mut goals = HashMap::new();
        for chunk in named.chunks(IDS_PER_STATEMENT) {
            let found: Vec<(GoalId, (AgencyId, PerformancePeriodId))> = organisational_goals::table
                .filter(organisational_goals::id.eq_any(crate::key::binds(chunk.to_vec())))
                .select((organisational_goals::id, (organisational_goals::agency_id, organisational_goals::period_id)))
                .load(conn)?;
            goals.extend(found);
        }
        // The results linked to, then the results those link to, up to the top of the cascade
        // (a round a level), for the cycle check.
        let mut results: HashMap<PlannedResultId, LinkedResult> = HashMap::new();
        let mut asked: HashSet<PlannedResultId> = HashSet::new();
        let mut wanted = distinct(linked().filter_map(|r| r.parent_result_id.map(PlannedResultId::from)).collect());
        while !wanted.is_empty() {
            for chunk in wanted.chunks(IDS_PER_STATEMENT) {
                let found: Vec<(PlannedResultId, LinkedResult)> = planned_results::table
                    .inner_join(agreements::table)
                    .filter(planned_results::id.eq_any(crate::key::binds(chunk.to_vec())))
                    .select((
                        planned_results::id,
                        (
                            agreements::agency_id,
                            agreements::period_id,
                            agreements::employee_id,
                            agreements::status,
                            planned_results::parent_result_id,
                        ),
                    ))
                    .load(conn)?;
                results.extend(found);
            }
            asked.extend(wanted.iter().copied());
            wanted = distinct(
                results
                    .values()
                    .filter_map(|r| r.parent)
                    .filter(|p| !results.contains_key(p) && !asked.contains(p))
                    .collect(),
            );
        }
        Ok(Facts { employees, positions, periods, existing, goals, results })
    }
}
