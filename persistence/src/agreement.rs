//! Performance agreements (SKP): one per employee, period and position; planned results (RHK)
//! that cascade from the supervisor's or from organisational goals; indicators with targets
//! and their monthly or quarterly breakdown; the approval workflow and revisions.
//!
//! Every change names the version it edits (`expected_version`, the ETag): a stale one is
//! refused with [`StoreError::Stale`] and changes nothing.

use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::field::Field;
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Decision, Reach, Standing, Subject};
use ekinerja_domain::agreement::{
    check_breakdown, check_link, closes_cycle, Actor, AgreementStatus, BreakdownKind, LinkSource, LinkTarget, Quantity,
    ResultKind, Transition,
};
use ekinerja_domain::id::{
    AgencyId, AgreementId, EmployeeId, GoalId, IndicatorId, OrgUnitId, PerformancePeriodId, PlannedResultId, PositionId,
};
use ekinerja_domain::supervision::OrgChart;
use ekinerja_domain::{Caller, Name, PositionType};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{
    agreements, employees, indicator_targets, indicators, organisational_goals, performance_periods, planned_results,
    positions,
};
use crate::{access, audit, Change, DbConnection, StoreError};

mod load;
pub use load::{load, Load, LoadIndicator, LoadResult};

/// A stored agreement.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = agreements, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct Agreement {
    #[diesel(serialize_as = crate::key::Bind<AgreementId>)]
    pub id: AgreementId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<PerformancePeriodId>)]
    pub period_id: PerformancePeriodId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    #[diesel(serialize_as = crate::key::Bind<PositionId>)]
    pub position_id: PositionId,
    #[diesel(serialize_as = crate::key::Bind<OrgUnitId>)]
    pub org_unit_id: OrgUnitId,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[diesel(serialize_as = crate::word::Bind<AgreementStatus>)]
    pub status: AgreementStatus,
    pub revision: i32,
    #[diesel(serialize_as = crate::key::BindOption<AgreementId>)]
    pub previous_revision_id: Option<AgreementId>,
    pub return_comment: Option<String>,
    pub version: i32,
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub approved_at: Option<chrono::NaiveDateTime>,
    #[diesel(serialize_as = crate::key::BindOption<EmployeeId>)]
    pub approved_by_employee_id: Option<EmployeeId>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A stored planned result (RHK).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = planned_results, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct PlannedResult {
    #[diesel(serialize_as = crate::key::Bind<PlannedResultId>)]
    pub id: PlannedResultId,
    #[diesel(serialize_as = crate::key::Bind<AgreementId>)]
    pub agreement_id: AgreementId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::word::Bind<ResultKind>)]
    pub kind: ResultKind,
    #[diesel(serialize_as = crate::key::Bind<PlannedResultId>)]
    pub lineage_id: PlannedResultId,
    pub description: String,
    #[diesel(serialize_as = crate::key::BindOption<PlannedResultId>)]
    pub parent_result_id: Option<PlannedResultId>,
    #[diesel(serialize_as = crate::key::BindOption<GoalId>)]
    pub goal_id: Option<GoalId>,
    pub ordinal: i32,
    pub created_at: chrono::NaiveDateTime,
}

/// A stored indicator.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = indicators, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Indicator {
    #[diesel(serialize_as = crate::key::Bind<IndicatorId>)]
    pub id: IndicatorId,
    #[diesel(serialize_as = crate::key::Bind<PlannedResultId>)]
    pub planned_result_id: PlannedResultId,
    #[diesel(serialize_as = crate::key::Bind<AgreementId>)]
    pub agreement_id: AgreementId,
    pub description: String,
    pub target_quantity: i64,
    pub target_unit: String,
    pub quality_target_bp: Option<i32>,
    pub time_target_months: Option<i32>,
    pub cost_target: Option<i64>,
    #[diesel(serialize_as = crate::word::BindOption<BreakdownKind>)]
    pub breakdown: Option<BreakdownKind>,
    pub ordinal: i32,
    pub created_at: chrono::NaiveDateTime,
}

/// An indicator with its breakdown parts (empty until broken down).
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorDetail {
    pub indicator: Indicator,
    pub targets: Vec<i64>,
}

/// A planned result with its indicators.
#[derive(Debug, Clone, Serialize)]
pub struct ResultDetail {
    pub result: PlannedResult,
    pub indicators: Vec<IndicatorDetail>,
}

/// An agreement with everything in it.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementDetail {
    pub agreement: Agreement,
    pub results: Vec<ResultDetail>,
}

/// A new agreement.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    /// Whose agreement: the caller's own by default (an admin may open one for anyone).
    pub employee_id: Option<Uuid>,
    pub period_id: Uuid,
    /// First day it covers: the period's start by default. After a change of position, the
    /// day the new position starts; the previous agreement ends the day before.
    pub starts_on: Option<NaiveDate>,
}

/// A new planned result.
#[derive(Debug, Clone)]
pub struct NewResult {
    pub kind: ResultKind,
    pub description: Name,
    /// The supervisor's planned result it supports.
    pub parent_result_id: Option<Uuid>,
    /// The organisational goal it supports (heads of OPD).
    pub goal_id: Option<Uuid>,
}

/// A new indicator.
#[derive(Debug, Clone)]
pub struct NewIndicator {
    pub description: Name,
    pub target_quantity: Quantity,
    pub target_unit: Name,
    pub quality_target_bp: Option<i32>,
    pub time_target_months: Option<i32>,
    pub cost_target: Option<i64>,
}

/// Loads an agreement the caller may read (the access rule: its owner, their supervisors and
/// unit heads, leaders, the agency's admin) with the chart around its owner and how the caller
/// stands to them.
fn readable(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Agreement, OrgChart, Standing), StoreError> {
    let a: Agreement =
        agreements::table.find(crate::key::bind(AgreementId::from(id))).select(Agreement::as_select()).first(conn)?;
    let subject = Subject::Employee { agency: a.agency_id.uuid(), employee: a.employee_id.uuid() };
    let (s, chart) = access::standing(conn, caller, subject, now)?;
    if !s.sees(Area::AgreementDecision) {
        return Err(StoreError::NotFound);
    }
    Ok((a, chart, s))
}

/// Reads an agreement with its results, indicators and breakdowns.
pub fn get(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<AgreementDetail, StoreError> {
    let (a, _, _) = readable(conn, caller, id, now)?;
    detail(conn, a)
}

/// Loads the content of an agreement: three queries whatever its size.
pub fn detail(conn: &mut DbConnection, agreement: Agreement) -> Result<AgreementDetail, StoreError> {
    let results: Vec<PlannedResult> = planned_results::table
        .filter(planned_results::agreement_id.eq(crate::key::bind(agreement.id)))
        .order((planned_results::ordinal.asc(), planned_results::id.asc()))
        .select(PlannedResult::as_select())
        .load(conn)?;
    let inds: Vec<Indicator> = indicators::table
        .filter(indicators::agreement_id.eq(crate::key::bind(agreement.id)))
        .order((indicators::ordinal.asc(), indicators::id.asc()))
        .select(Indicator::as_select())
        .load(conn)?;
    let ids: Vec<IndicatorId> = inds.iter().map(|i| i.id).collect();
    let mut targets: HashMap<IndicatorId, Vec<(i32, i64)>> = HashMap::new();
    for (ind, part, q) in indicator_targets::table
        .filter(indicator_targets::indicator_id.eq_any(crate::key::binds(ids)))
        .select((indicator_targets::indicator_id, indicator_targets::part, indicator_targets::quantity))
        .load::<(IndicatorId, i32, i64)>(conn)?
    {
        targets.entry(ind).or_default().push((part, q));
    }
    let mut by_result: HashMap<PlannedResultId, Vec<IndicatorDetail>> = HashMap::new();
    for i in inds {
        let mut parts = targets.remove(&i.id).unwrap_or_default();
        parts.sort();
        by_result
            .entry(i.planned_result_id)
            .or_default()
            .push(IndicatorDetail { indicator: i, targets: parts.into_iter().map(|(_, q)| q).collect() });
    }
    let results = results
        .into_iter()
        .map(|r| {
            let indicators = by_result.remove(&r.id).unwrap_or_default();
            ResultDetail { result: r, indicators }
        })
        .collect();
    Ok(AgreementDetail { agreement, results })
}

/// List filters.
#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    pub period_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    pub status: Option<AgreementStatus>,
    /// Only those waiting for the caller: submitted to them for approval, or their own returned
    /// (what `/me/tasks` counts).
    pub awaiting_me: bool,
}

/// Lists the agreements the caller may read: their own and those of everyone below them; all
/// of the agency for its admin.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &AgreementFilter,
    page: &crate::PageRequest,
    now: DateTime<Utc>,
) -> Result<crate::Page<Agreement>, StoreError> {
    let mut q = agreements::table.select(Agreement::as_select()).into_boxed::<crate::db::Backend>();
    let Some(agency) = caller.agency_id else {
        return Ok(crate::Page::empty());
    };
    q = q.filter(agreements::agency_id.eq(crate::key::bind(AgencyId::from(agency))));
    if let Reach::Employees(visible) =
        access::reach(conn, caller, agency, &[Area::OwnAgreement, Area::AgreementDecision], now)?
    {
        q = q.filter(agreements::employee_id.eq_any(crate::key::binds(visible.iter().map(|e| EmployeeId::from(*e)))));
    }
    if filter.awaiting_me {
        q = q.filter(agreements::id.eq_any(crate::key::binds(crate::tasks::agreements_awaiting(conn, caller, now)?)));
    }
    if let Some(p) = filter.period_id {
        q = q.filter(agreements::period_id.eq(crate::key::bind(PerformancePeriodId::from(p))));
    }
    if let Some(e) = filter.employee_id {
        q = q.filter(agreements::employee_id.eq(crate::key::bind(EmployeeId::from(e))));
    }
    if let Some(s) = filter.status {
        q = q.filter(agreements::status.eq(crate::word::bind(s)));
    }
    if let Some(after) = &page.after {
        q = q.filter(agreements::id.gt(crate::key::bind(AgreementId::from(*after))));
    }
    let rows = q.order(agreements::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(crate::Page::from_rows(rows, page.limit, |r| &r.id))
}

/// A planned result of an approved agreement, and the employee whose agreement it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovedResult {
    pub employee_id: Uuid,
    pub result_id: PlannedResultId,
}

/// Every planned result of the agency's approved agreements, newest first: the results its
/// people's daily logs may serve (`daily_log::create` refuses those of an agreement not
/// approved). For work done for the agency as a whole; a caller's view is [`list`].
pub fn approved_results(conn: &mut DbConnection, agency_id: Uuid) -> Result<Vec<ApprovedResult>, StoreError> {
    let rows: Vec<(EmployeeId, PlannedResultId)> = planned_results::table
        .inner_join(agreements::table)
        .filter(agreements::agency_id.eq(crate::key::bind(AgencyId::from(agency_id))))
        .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
        .select((agreements::employee_id, planned_results::id))
        .order(planned_results::id.desc())
        .load(conn)?;
    Ok(rows.into_iter().map(|(e, r)| ApprovedResult { employee_id: e.uuid(), result_id: r }).collect())
}

/// An approved agreement: whose, for which post, its revision and the days it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Approved {
    pub id: AgreementId,
    pub employee: EmployeeId,
    pub post: PositionId,
    pub revision: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// The agency's approved agreements covering some day from `from` to `to` (both included): all
/// of them, or those of `employees` ([`crate::summary::PER_STATEMENT`] of them a statement).
pub(crate) fn approved_covering(
    conn: &mut DbConnection,
    agency: AgencyId,
    employees: Option<&[EmployeeId]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Approved>, StoreError> {
    type Row = (AgreementId, EmployeeId, PositionId, i32, NaiveDate, NaiveDate);
    let query = || {
        agreements::table
            .filter(agreements::agency_id.eq(crate::key::bind(agency)))
            .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
            .filter(agreements::starts_on.le(to))
            .filter(agreements::ends_on.ge(from))
            .select((
                agreements::id,
                agreements::employee_id,
                agreements::position_id,
                agreements::revision,
                agreements::starts_on,
                agreements::ends_on,
            ))
            .into_boxed::<crate::db::Backend>()
    };
    let rows: Vec<Row> = match employees {
        None => query().load(conn)?,
        Some(ids) => crate::summary::per_statement(ids, |chunk| {
            query().filter(agreements::employee_id.eq_any(crate::key::binds(chunk.iter().copied()))).load(conn)
        })?,
    };
    Ok(rows
        .into_iter()
        .map(|(id, employee, post, revision, starts_on, ends_on)| Approved {
            id,
            employee,
            post,
            revision,
            starts_on,
            ends_on,
        })
        .collect())
}

/// Opens a draft agreement for an employee in a period, in their current position.
pub fn create(
    conn: &mut DbConnection,
    change: &Change,
    new: NewAgreement,
    now: DateTime<Utc>,
) -> Result<Agreement, StoreError> {
    let caller = &change.caller;
    let employee_id = new
        .employee_id
        .or(caller.employee_id)
        .ok_or_else(|| StoreError::invalid("employee_id", "required for an account without an employee record"))?;
    crate::db::write(conn, |conn| {
        let emp: Option<(AgencyId, Option<PositionId>, bool)> = employees::table
            .find(crate::key::bind(EmployeeId::from(employee_id)))
            .select((employees::agency_id, employees::position_id, employees::active))
            .first(conn)
            .optional()?;
        let (agency, position_id) = check_owner(caller, emp, |agency| {
            let subject = Subject::Employee { agency: agency.uuid(), employee: employee_id };
            access::decide(conn, caller, subject, Area::OwnAgreement, Access::Write, now)
        })?;
        let org_unit_id: OrgUnitId =
            positions::table.find(crate::key::bind(position_id)).select(positions::org_unit_id).first(conn)?;
        let period: Option<(AgencyId, NaiveDate, NaiveDate)> = performance_periods::table
            .find(crate::key::bind(PerformancePeriodId::from(new.period_id)))
            .select((performance_periods::agency_id, performance_periods::starts_on, performance_periods::ends_on))
            .first(conn)
            .optional()?;
        let (starts_on, period_end) = check_start(period, agency, new.starts_on)?;
        crate::db::lock_row(conn, crate::db::LockTable::Employees, employee_id.to_string())?;
        let existing: Vec<Agreement> = agreements::table
            .filter(agreements::employee_id.eq(crate::key::bind(EmployeeId::from(employee_id))))
            .filter(agreements::period_id.eq(crate::key::bind(PerformancePeriodId::from(new.period_id))))
            .filter(agreements::status.ne(crate::word::bind(AgreementStatus::Superseded)))
            .select(Agreement::as_select())
            .load(conn)?;
        if existing.iter().any(|a| a.position_id == position_id) {
            return Err(StoreError::Conflict(
                "the employee already has an agreement for this position and period".into(),
            ));
        }
        // A change of position mid-year: the earlier agreements end the day before.
        for earlier in existing.into_iter().filter(|a| a.ends_on >= starts_on) {
            if earlier.starts_on >= starts_on {
                return Err(StoreError::invalid(
                    "starts_on",
                    format!("must be after {}, when the agreement for the previous position starts", earlier.starts_on),
                ));
            }
            let mut ended = earlier.clone();
            ended.ends_on = starts_on - Duration::days(1);
            ended.version += 1;
            ended.updated_at = change.at;
            diesel::update(agreements::table.find(crate::key::bind(ended.id))).set(ended.clone()).execute(conn)?;
            audit::record(
                conn,
                change,
                Some(agency),
                AuditAction::End,
                AuditEntity::Agreement,
                ended.id,
                Some(&earlier),
                Some(&ended),
            )?;
        }
        let period_id = PerformancePeriodId::from(new.period_id);
        let owner = EmployeeId::from(employee_id);
        let row = draft(change, agency, period_id, owner, position_id, org_unit_id, (starts_on, period_end));
        diesel::insert_into(agreements::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::Agreement,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// The checks of opening an agreement for an employee (`found`: their agency, post and whether
/// they are active), with the access rule's answer for the caller on them: their agency and post.
fn check_owner(
    caller: &Caller,
    found: Option<(AgencyId, Option<PositionId>, bool)>,
    decide: impl FnOnce(AgencyId) -> Result<Decision, StoreError>,
) -> Result<(AgencyId, PositionId), StoreError> {
    let Some((agency, position, active)) = found.filter(|(a, _, _)| caller.can_see_agency(a.uuid())) else {
        return Err(StoreError::invalid("employee_id", "no such employee"));
    };
    match decide(agency)? {
        // Someone the caller may not know of is no employee to them.
        Decision::Hide => return Err(StoreError::invalid("employee_id", "no such employee")),
        other => access::decision_to_result(other)?,
    }
    if !active {
        return Err(StoreError::invalid("employee_id", "the employee is no longer active"));
    }
    let Some(position_id) = position else {
        return Err(StoreError::invalid("employee_id", "the employee holds no position"));
    };
    Ok((agency, position_id))
}

/// The first and last day of an agreement opened in `period` (its agency, start and end) of
/// `agency`, from `starts_on` (the period's start by default).
fn check_start(
    period: Option<(AgencyId, NaiveDate, NaiveDate)>,
    agency: AgencyId,
    starts_on: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), StoreError> {
    let Some((_, period_start, period_end)) = period.filter(|(a, _, _)| *a == agency) else {
        return Err(StoreError::invalid("period_id", "no such performance period in the employee's agency"));
    };
    let starts_on = starts_on.unwrap_or(period_start);
    if starts_on < period_start || starts_on > period_end {
        return Err(StoreError::invalid(
            "starts_on",
            format!("must fall within the period, {period_start} to {period_end}"),
        ));
    }
    Ok((starts_on, period_end))
}

/// A new draft, version 1, of `employee`'s agreement in `period` for `position` in `unit`, from
/// the first to the last of `days`, made by `change`.
fn draft(
    change: &Change,
    agency: AgencyId,
    period: PerformancePeriodId,
    employee: EmployeeId,
    position: PositionId,
    unit: OrgUnitId,
    (starts_on, ends_on): (NaiveDate, NaiveDate),
) -> Agreement {
    Agreement {
        id: crate::key::new(),
        agency_id: agency,
        period_id: period,
        employee_id: employee,
        position_id: position,
        org_unit_id: unit,
        starts_on,
        ends_on,
        status: AgreementStatus::Draft,
        revision: 1,
        previous_revision_id: None,
        return_comment: None,
        version: 1,
        submitted_at: None,
        approved_at: None,
        approved_by_employee_id: None,
        created_at: change.at,
        updated_at: change.at,
    }
}

/// A new planned result `id` of `a`, the `ordinal`-th, as `change` adds it (its own lineage).
fn result_row(change: &Change, a: &Agreement, id: PlannedResultId, new: NewResult, ordinal: i32) -> PlannedResult {
    PlannedResult {
        id,
        agreement_id: a.id,
        agency_id: a.agency_id,
        kind: new.kind,
        lineage_id: id,
        description: new.description.into_inner(),
        parent_result_id: new.parent_result_id.map(PlannedResultId::from),
        goal_id: new.goal_id.map(GoalId::from),
        ordinal,
        created_at: change.at,
    }
}

/// A new indicator of `result` in `a`, the `ordinal`-th, not yet broken down, as `change` adds it.
fn indicator_row(
    change: &Change,
    a: &Agreement,
    result: PlannedResultId,
    new: NewIndicator,
    ordinal: i32,
) -> Indicator {
    Indicator {
        id: crate::key::new(),
        planned_result_id: result,
        agreement_id: a.id,
        description: new.description.into_inner(),
        target_quantity: new.target_quantity.get(),
        target_unit: new.target_unit.into_inner(),
        quality_target_bp: new.quality_target_bp,
        time_target_months: new.time_target_months,
        cost_target: new.cost_target,
        breakdown: None,
        ordinal,
        created_at: change.at,
    }
}

/// Loads an agreement for a change by its owner: visible, the owner's, editable, and at the
/// expected version.
fn for_edit(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<(Agreement, OrgChart), StoreError> {
    let (a, chart, s) = readable(conn, &change.caller, id, now)?;
    access::decision_to_result(s.decide(Area::OwnAgreement, Access::Write))?;
    if a.version != expected_version {
        return Err(StoreError::Stale);
    }
    if !a.status.is_editable() {
        return Err(StoreError::Forbidden(format!(
            "an agreement that is {} cannot be edited; an approved one changes through a new revision",
            a.status
        )));
    }
    Ok((a, chart))
}

/// Bumps the version after a change to the content.
fn touch(conn: &mut DbConnection, change: &Change, a: &Agreement) -> Result<Agreement, StoreError> {
    let mut after = a.clone();
    after.version += 1;
    after.updated_at = change.at;
    diesel::update(agreements::table.find(crate::key::bind(after.id)))
        .filter(agreements::version.eq(a.version))
        .set((agreements::version.eq(after.version), agreements::updated_at.eq(after.updated_at)))
        .execute(conn)
        .and_then(|n| if n == 1 { Ok(()) } else { Err(diesel::result::Error::RollbackTransaction) })
        .map_err(|_| StoreError::Stale)?;
    Ok(after)
}

/// A planned result as a link to it is judged: its agreement's agency, period, owner and status,
/// and the result it links to in turn.
#[derive(Debug, Clone, Copy, Queryable)]
struct LinkedResult {
    agency_id: AgencyId,
    period_id: PerformancePeriodId,
    owner: EmployeeId,
    status: AgreementStatus,
    parent: Option<PlannedResultId>,
}

/// Where the link checks read the results and goals a planned result may link to: the database
/// for a single change, or what a load has read for all of its agreements (see `load`).
trait LinkFacts {
    fn result(&mut self, id: PlannedResultId) -> Result<Option<LinkedResult>, StoreError>;
    fn goal(&mut self, id: GoalId) -> Result<Option<(AgencyId, PerformancePeriodId)>, StoreError>;
}

impl LinkFacts for DbConnection {
    fn result(&mut self, id: PlannedResultId) -> Result<Option<LinkedResult>, StoreError> {
        Ok(planned_results::table
            .inner_join(agreements::table)
            .filter(planned_results::id.eq(crate::key::bind(id)))
            .select((
                agreements::agency_id,
                agreements::period_id,
                agreements::employee_id,
                agreements::status,
                planned_results::parent_result_id,
            ))
            .first(self)
            .optional()?)
    }

    fn goal(&mut self, id: GoalId) -> Result<Option<(AgencyId, PerformancePeriodId)>, StoreError> {
        Ok(organisational_goals::table
            .find(crate::key::bind(id))
            .select((organisational_goals::agency_id, organisational_goals::period_id))
            .first(self)
            .optional()?)
    }
}

/// The owners of the agreements met going up from a planned result through its links.
fn owners_above(facts: &mut impl LinkFacts, result_id: PlannedResultId) -> Result<Vec<Uuid>, StoreError> {
    let mut owners = Vec::new();
    let mut current = Some(result_id);
    // Bounded by the depth of the cascade; a corrupted loop stops at the first repeat.
    while let Some(r) = current.take() {
        let Some(found) = facts.result(r)? else { break };
        let owner = found.owner.uuid();
        if owners.contains(&owner) {
            owners.push(owner);
            break;
        }
        owners.push(owner);
        current = found.parent;
    }
    Ok(owners)
}

/// Checks where a planned result of `owner`'s agreement (`source`) may link.
fn check_result_link(
    facts: &mut impl LinkFacts,
    source: &LinkSource,
    owner: Uuid,
    kind: ResultKind,
    parent_result_id: Option<Uuid>,
    goal_id: Option<Uuid>,
) -> Result<(), StoreError> {
    let (target, pointer) = match (parent_result_id, goal_id) {
        (Some(_), Some(_)) => {
            return Err(StoreError::invalid("goal_id", "link to a supervisor's planned result or to a goal, not both"))
        }
        (Some(p), None) => {
            // Another agency's result is reported as such, without saying more about it.
            let Some(found) = facts.result(PlannedResultId::from(p))? else {
                return Err(StoreError::invalid("parent_result_id", "no such planned result"));
            };
            if found.status == AgreementStatus::Superseded {
                return Err(StoreError::invalid(
                    "parent_result_id",
                    "that planned result belongs to a superseded revision; link to the current one",
                ));
            }
            (
                Some(LinkTarget::Result {
                    agency_id: found.agency_id.uuid(),
                    period_id: found.period_id.uuid(),
                    owner_id: found.owner.uuid(),
                }),
                "parent_result_id",
            )
        }
        (None, Some(g)) => {
            let Some((agency, period)) = facts.goal(GoalId::from(g))? else {
                return Err(StoreError::invalid("goal_id", "no such organisational goal"));
            };
            (Some(LinkTarget::Goal { agency_id: agency.uuid(), period_id: period.uuid() }), "goal_id")
        }
        (None, None) => (None, "parent_result_id"),
    };
    check_link(source, kind, target).map_err(|e| StoreError::invalid(pointer, e.to_string()))?;
    if let Some(p) = parent_result_id {
        if closes_cycle(owner, &owners_above(facts, PlannedResultId::from(p))?) {
            return Err(StoreError::invalid(
                "parent_result_id",
                ekinerja_domain::agreement::LinkError::Cycle.to_string(),
            ));
        }
    }
    Ok(())
}

/// The link rules' view of an agreement: its agency, period, post's type and the owner's direct
/// supervisor on `chart`.
fn link_source(a: &Agreement, position_type: PositionType, chart: &OrgChart) -> LinkSource {
    LinkSource {
        agency_id: a.agency_id.uuid(),
        period_id: a.period_id.uuid(),
        position_type,
        supervisor_id: chart.supervisor_of(a.employee_id.uuid()).map(|o| o.employee_id),
    }
}

/// Adds a planned result to a draft (or returned) agreement.
pub fn add_result(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    expected_version: i32,
    new: NewResult,
    now: DateTime<Utc>,
) -> Result<(Agreement, PlannedResult), StoreError> {
    crate::db::write(conn, |conn| {
        let (a, chart) = for_edit(conn, change, id, expected_version, now)?;
        let position_type: PositionType =
            positions::table.find(crate::key::bind(a.position_id)).select(positions::position_type).first(conn)?;
        let source = link_source(&a, position_type, &chart);
        check_result_link(conn, &source, a.employee_id.uuid(), new.kind, new.parent_result_id, new.goal_id)?;
        let ordinal: Option<i32> = planned_results::table
            .filter(planned_results::agreement_id.eq(crate::key::bind(a.id)))
            .select(diesel::dsl::max(planned_results::ordinal))
            .first(conn)?;
        let rid = crate::key::new();
        let row = result_row(change, &a, rid, new, ordinal.unwrap_or(0) + 1);
        diesel::insert_into(planned_results::table).values(row.clone()).execute(conn)?;
        let after = touch(conn, change, &a)?;
        audit::record(
            conn,
            change,
            Some(a.agency_id),
            AuditAction::AddPlannedResult,
            AuditEntity::Agreement,
            a.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok((after, row))
    })
}

/// Removes a planned result (and its indicators) from a draft (or returned) agreement. A result
/// that others already cascade from cannot be removed.
pub fn remove_result(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    expected_version: i32,
    result_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Agreement, StoreError> {
    crate::db::write(conn, |conn| {
        let (a, _) = for_edit(conn, change, id, expected_version, now)?;
        let r: PlannedResult = planned_results::table
            .find(crate::key::bind(PlannedResultId::from(result_id)))
            .filter(planned_results::agreement_id.eq(crate::key::bind(a.id)))
            .select(PlannedResult::as_select())
            .first(conn)?;
        let children: i64 = planned_results::table
            .filter(planned_results::parent_result_id.eq(crate::key::bind(r.id)))
            .count()
            .get_result(conn)?;
        if children > 0 {
            return Err(StoreError::Conflict(format!(
                "{children} planned result(s) of subordinates cascade from this one"
            )));
        }
        let inds: Vec<IndicatorId> = indicators::table
            .filter(indicators::planned_result_id.eq(crate::key::bind(r.id)))
            .select(indicators::id)
            .load(conn)?;
        diesel::delete(
            indicator_targets::table
                .filter(indicator_targets::indicator_id.eq_any(crate::key::binds(inds.iter().copied()))),
        )
        .execute(conn)?;
        diesel::delete(indicators::table.filter(indicators::planned_result_id.eq(crate::key::bind(r.id))))
            .execute(conn)?;
        diesel::delete(planned_results::table.find(crate::key::bind(r.id))).execute(conn)?;
        let after = touch(conn, change, &a)?;
        audit::record(
            conn,
            change,
            Some(a.agency_id),
            AuditAction::RemovePlannedResult,
            AuditEntity::Agreement,
            a.id,
            Some(&r),
            None::<&()>,
        )?;
        Ok(after)
    })
}

/// Adds an indicator with its annual target to a planned result.
pub fn add_indicator(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    expected_version: i32,
    result_id: Uuid,
    new: NewIndicator,
    now: DateTime<Utc>,
) -> Result<(Agreement, Indicator), StoreError> {
    crate::db::write(conn, |conn| {
        let (a, _) = for_edit(conn, change, id, expected_version, now)?;
        let found: i64 = planned_results::table
            .filter(planned_results::id.eq(crate::key::bind(PlannedResultId::from(result_id))))
            .filter(planned_results::agreement_id.eq(crate::key::bind(a.id)))
            .count()
            .get_result(conn)?;
        if found == 0 {
            return Err(StoreError::NotFound);
        }
        let ordinal: Option<i32> = indicators::table
            .filter(indicators::planned_result_id.eq(crate::key::bind(PlannedResultId::from(result_id))))
            .select(diesel::dsl::max(indicators::ordinal))
            .first(conn)?;
        let row = indicator_row(change, &a, PlannedResultId::from(result_id), new, ordinal.unwrap_or(0) + 1);
        diesel::insert_into(indicators::table).values(row.clone()).execute(conn)?;
        let after = touch(conn, change, &a)?;
        audit::record(
            conn,
            change,
            Some(a.agency_id),
            AuditAction::AddIndicator,
            AuditEntity::Agreement,
            a.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok((after, row))
    })
}

/// Stores the parts of a breakdown, part 1 first. (Batch inserts do not go through a
/// MultiConnection; a breakdown has at most twelve rows.)
fn insert_targets(conn: &mut DbConnection, indicator_id: IndicatorId, parts: &[i64]) -> Result<(), StoreError> {
    for (n, q) in (1..).zip(parts) {
        diesel::insert_into(indicator_targets::table)
            .values((
                indicator_targets::indicator_id.eq(crate::key::bind(indicator_id)),
                indicator_targets::part.eq(n),
                indicator_targets::quantity.eq(*q),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Splits an indicator's annual target into monthly or quarterly targets that must add up.
#[allow(clippy::too_many_arguments)]
pub fn set_breakdown(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    expected_version: i32,
    indicator_id: Uuid,
    kind: BreakdownKind,
    parts: Vec<i64>,
    now: DateTime<Utc>,
) -> Result<Agreement, StoreError> {
    crate::db::write(conn, |conn| {
        let (a, _) = for_edit(conn, change, id, expected_version, now)?;
        let ind: Indicator = indicators::table
            .find(crate::key::bind(IndicatorId::from(indicator_id)))
            .filter(indicators::agreement_id.eq(crate::key::bind(a.id)))
            .select(Indicator::as_select())
            .first(conn)?;
        check_breakdown(ind.target_quantity, kind, &parts)
            .map_err(|e| StoreError::invalid("targets", e.to_string()))?;
        diesel::delete(indicator_targets::table.filter(indicator_targets::indicator_id.eq(crate::key::bind(ind.id))))
            .execute(conn)?;
        insert_targets(conn, ind.id, &parts)?;
        diesel::update(indicators::table.find(crate::key::bind(ind.id)))
            .set(indicators::breakdown.eq(crate::word::bind(kind)))
            .execute(conn)?;
        let after = touch(conn, change, &a)?;
        audit::record(
            conn,
            change,
            Some(a.agency_id),
            AuditAction::SetBreakdown,
            AuditEntity::Agreement,
            a.id,
            None::<&()>,
            Some(&serde_json::json!({"indicator_id": ind.id, "breakdown": kind.as_str(), "targets": parts})),
        )?;
        Ok(after)
    })
}

/// The error the API gives for a step the workflow refuses.
fn workflow_error(e: ekinerja_domain::agreement::WorkflowError) -> StoreError {
    use ekinerja_domain::agreement::WorkflowError;
    match e {
        WorkflowError::NotOwner | WorkflowError::NotDirectSupervisor => StoreError::Forbidden(e.to_string()),
        WorkflowError::CommentRequired => StoreError::invalid("comment", e.to_string()),
        other => StoreError::Conflict(other.to_string()),
    }
}

/// The indicators of `content` not yet broken down, which a submission refuses.
fn missing_breakdowns(content: &AgreementDetail) -> Vec<crate::FieldError> {
    content
        .results
        .iter()
        .flat_map(|r| r.indicators.iter())
        .filter(|i| i.targets.is_empty())
        .map(|i| {
            crate::FieldError::new(
                Field::named("indicators").key(i.indicator.id).then("targets"),
                "break the annual target down into monthly or quarterly targets before submitting",
            )
        })
        .collect()
}

/// Whether `content` can be submitted: a main planned result with an indicator.
fn complete(content: &AgreementDetail) -> bool {
    content.results.iter().any(|r| r.result.kind == ResultKind::Main && !r.indicators.is_empty())
}

/// Submits, approves or returns an agreement. Only the owner submits; only the direct
/// supervisor (an acting one where set) approves or returns. Approving a revision supersedes the
/// revision it replaces.
pub fn transition(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    expected_version: i32,
    t: Transition,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> Result<Agreement, StoreError> {
    crate::db::write(conn, |conn| {
        let (a, _, s) = readable(conn, &change.caller, id, now)?;
        // The workflow asks who acts: the employee's side (their own, or the admin on their
        // behalf) submits; the deciding side (the direct supervisor, the admin for the top
        // official) approves and returns.
        let actor = match t {
            Transition::Submit if s.allows(Area::OwnAgreement, Access::Write) => Actor::Owner,
            Transition::Approve | Transition::Return if s.allows(Area::AgreementDecision, Access::Write) => {
                Actor::DirectSupervisor
            }
            _ => Actor::Other,
        };
        if a.version != expected_version {
            return Err(StoreError::Stale);
        }
        let content = detail(conn, a.clone())?;
        let complete = complete(&content);
        if t == Transition::Submit && actor == Actor::Owner && a.status.is_editable() {
            let missing = missing_breakdowns(&content);
            if !missing.is_empty() {
                return Err(StoreError::Invalid(missing));
            }
        }
        let next = a.status.apply(t, actor, comment.as_deref(), complete).map_err(workflow_error)?;
        let mut after = a.clone();
        after.status = next;
        after.version += 1;
        after.updated_at = change.at;
        match t {
            Transition::Submit => {
                after.submitted_at = Some(change.at);
                after.return_comment = None;
            }
            Transition::Approve => {
                after.approved_at = Some(change.at);
                after.approved_by_employee_id = change.caller.employee_id.map(EmployeeId::from);
            }
            Transition::Return => after.return_comment = comment.map(|c| c.trim().to_owned()),
        }
        let n = diesel::update(agreements::table.find(crate::key::bind(after.id)))
            .filter(agreements::version.eq(a.version))
            .set(after.clone())
            .execute(conn)?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        let event = match t {
            Transition::Approve => Some(crate::webhook::EventType::AgreementApproved),
            Transition::Return => Some(crate::webhook::EventType::AgreementReturned),
            Transition::Submit => None,
        };
        if let Some(event) = event {
            let note = serde_json::json!({
                "agreement_id": after.id, "employee_id": after.employee_id, "status": after.status,
                "comment": after.return_comment,
            });
            crate::webhook::enqueue(conn, change, after.agency_id, event, &note)?;
        }
        if t == Transition::Approve {
            if let Some(prev) = a.previous_revision_id {
                diesel::update(agreements::table.find(crate::key::bind(prev)))
                    .set((
                        agreements::status.eq(crate::word::bind(AgreementStatus::Superseded)),
                        agreements::updated_at.eq(change.at),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    change,
                    Some(a.agency_id),
                    AuditAction::Supersede,
                    AuditEntity::Agreement,
                    prev,
                    None::<&()>,
                    Some(&serde_json::json!({"superseded_by": a.id})),
                )?;
            }
        }
        let action = match t {
            Transition::Submit => AuditAction::Submit,
            Transition::Approve => AuditAction::Approve,
            Transition::Return => AuditAction::Return,
        };
        audit::record(conn, change, Some(a.agency_id), action, AuditEntity::Agreement, a.id, Some(&a), Some(&after))?;
        Ok(after)
    })
}

/// Starts a new revision of an approved agreement: a draft copy of its content that goes
/// through approval again. The approved revision stays in force (and readable) until the new
/// one is approved.
pub fn revise(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    expected_version: i32,
    now: DateTime<Utc>,
) -> Result<Agreement, StoreError> {
    crate::db::write(conn, |conn| {
        let (a, _, s) = readable(conn, &change.caller, id, now)?;
        access::decision_to_result(s.decide(Area::OwnAgreement, Access::Write))?;
        if a.version != expected_version {
            return Err(StoreError::Stale);
        }
        if !a.status.can_revise() {
            return Err(StoreError::Conflict(format!(
                "an agreement that is {} is not revised; only an approved one is",
                a.status
            )));
        }
        let open: i64 = agreements::table
            .filter(agreements::previous_revision_id.eq(crate::key::bind(a.id)))
            .count()
            .get_result(conn)?;
        if open > 0 {
            return Err(StoreError::Conflict("a revision of this agreement is already under way".into()));
        }
        let content = detail(conn, a.clone())?;
        let new = Agreement {
            revision: a.revision + 1,
            previous_revision_id: Some(a.id),
            ..draft(
                change,
                a.agency_id,
                a.period_id,
                a.employee_id,
                a.position_id,
                a.org_unit_id,
                (a.starts_on, a.ends_on),
            )
        };
        diesel::insert_into(agreements::table).values(new.clone()).execute(conn)?;
        for r in content.results {
            let rid = crate::key::new();
            let copy = PlannedResult { id: rid, agreement_id: new.id, created_at: change.at, ..r.result };
            diesel::insert_into(planned_results::table).values(copy.clone()).execute(conn)?;
            for i in r.indicators {
                let iid = crate::key::new();
                let ind = Indicator {
                    id: iid,
                    planned_result_id: rid,
                    agreement_id: new.id,
                    created_at: change.at,
                    ..i.indicator
                };
                diesel::insert_into(indicators::table).values(ind.clone()).execute(conn)?;
                insert_targets(conn, iid, &i.targets)?;
            }
        }
        audit::record(
            conn,
            change,
            Some(a.agency_id),
            AuditAction::Revise,
            AuditEntity::Agreement,
            new.id,
            Some(&a),
            Some(&new),
        )?;
        Ok(new)
    })
}
