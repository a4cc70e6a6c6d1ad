//! Monthly allowance runs: the agency's admin computes a month for the agency or a unit as a
//! draft, recomputes it after late attendance or corrections, and approves it; an approved run
//! is frozen, and computing the month again makes a correction run that shows each difference.

mod stored;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Subject};
use ekinerja_domain::allowance::{compute, AgencyPolicy, LineStatus, PendingReason, RunStatus};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::evaluation::Predicate;
use ekinerja_domain::id::{AccountId, AgencyId, AllowancePolicyId, AllowanceRunId, EmployeeId, OrgUnitId, PositionId};
use ekinerja_domain::job::JobStage;
use ekinerja_domain::{Caller, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{agencies, allowance_lines, allowance_runs, evaluation_periods, evaluations, org_units, positions};
use crate::{access, audit, chart, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored run.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = allowance_runs, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Run {
    #[diesel(serialize_as = crate::key::Bind<AllowanceRunId>)]
    pub id: AllowanceRunId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::BindOption<OrgUnitId>)]
    pub org_unit_id: Option<OrgUnitId>,
    pub month: NaiveDate,
    #[diesel(serialize_as = crate::word::Bind<RunStatus>)]
    pub status: RunStatus,
    #[diesel(serialize_as = crate::key::BindOption<AllowanceRunId>)]
    pub previous_run_id: Option<AllowanceRunId>,
    #[diesel(serialize_as = crate::key::BindOption<AllowancePolicyId>)]
    pub policy_id: Option<AllowancePolicyId>,
    pub employees: i32,
    pub computed: i32,
    pub pending: i32,
    pub total: i64,
    pub computed_at: NaiveDateTime,
    pub approved_at: Option<NaiveDateTime>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub approved_by_account_id: Option<AccountId>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    /// The policy applied, as it was when computed.
    pub policy: Option<crate::document::Stored<AgencyPolicy>>,
    /// The account that computed the run last (unknown for runs older than the record of it).
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub computed_by_account_id: Option<AccountId>,
    /// Lines of people in units not rolled out in the month: no amount, not in the totals.
    pub not_rolled_out: i32,
}

/// One employee's line of a run.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = allowance_lines, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_default_value = false)]
pub struct RunLine {
    #[diesel(serialize_as = crate::key::Bind<AllowanceRunId>)]
    pub run_id: AllowanceRunId,
    #[diesel(serialize_as = crate::key::Bind<EmployeeId>)]
    pub employee_id: EmployeeId,
    pub nip: String,
    pub name: String,
    pub unit_name: Option<String>,
    pub class: Option<i32>,
    /// `computed`, `pending` (with `pending_reason`) or `not_rolled_out` (allowance.md's words).
    #[diesel(serialize_as = crate::word::Bind<LineStatus>)]
    pub status: LineStatus,
    pub base: i64,
    pub performance_factor_bp: i64,
    pub discipline_factor_bp: i64,
    pub deduction_bp: i64,
    pub performance_part: i64,
    pub discipline_part: i64,
    pub amount: i64,
    pub previous_amount: Option<i64>,
    /// The breakdown of a computed line in its stored form ([`stored`]); read it with
    /// [`RunLine::breakdown`].
    breakdown: Option<String>,
    /// Why a `pending` line has no amount: `no_final_predicate` or `no_base_amount`.
    #[diesel(serialize_as = crate::word::BindOption<PendingReason>)]
    pub pending_reason: Option<PendingReason>,
    /// The OPD (the unit at the top of the tree) of the post's unit.
    pub opd_name: Option<String>,
    /// Minutes of the employee's logs of the month still waiting for review when computed: they
    /// count for nothing until accepted.
    pub unreviewed_minutes: i64,
}

impl RunLine {
    /// How a computed line was reached; `None` for a line without an amount. A stored breakdown
    /// that does not read is an error, never dropped.
    pub fn breakdown(&self) -> Result<Option<ekinerja_domain::allowance::Breakdown>, StoreError> {
        self.breakdown
            .as_deref()
            .map(|text| {
                stored::read(text)
                    .map_err(|e| StoreError::Corrupt(format!("the run line of {}: {e}", self.employee_id)))
            })
            .transpose()
    }
}

/// A run, and the way to its lines for whoever was allowed to read it.
#[derive(Debug, Clone)]
pub struct RunDetail {
    pub run: Run,
    pub lines: Lines,
}

/// The lines of a run as computed last, read by name a page at a time ([`Lines::page`]) or all
/// at once ([`Lines::all`]). Only the functions that read or write a run for a caller allowed to
/// read it hand one out. A large agency's lines, each with its breakdown, are read back a page
/// at a time, so an answer with every line never holds them all in memory.
#[derive(Debug, Clone, Copy)]
pub struct Lines {
    run: AllowanceRunId,
    /// The run's version when it was read: a page is read only while the run is unchanged (a
    /// recomputed draft has other lines; an approval ends a draft's answer too, to be read again
    /// as approved).
    version: i32,
}

/// Where a page of lines ended: the last line's name, NIP and employee, in the order of
/// [`Lines::page`].
#[derive(Debug, Clone)]
pub struct LinesAfter {
    name: String,
    nip: String,
    employee: EmployeeId,
}

impl Lines {
    /// Up to `limit` lines (at least one) by name, NIP and employee, after `after` (from the
    /// start when `None`), with where the page ended (`None` after the last line). A run changed
    /// since it was read is a conflict: its lines may no longer be the ones read so far.
    pub fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&LinesAfter>,
        limit: usize,
    ) -> Result<(Vec<RunLine>, Option<LinesAfter>), StoreError> {
        let limit = limit.max(1);
        let mut q = allowance_lines::table
            .inner_join(allowance_runs::table)
            .filter(allowance_lines::run_id.eq(crate::key::bind(self.run)))
            .filter(allowance_runs::version.eq(self.version))
            .select(RunLine::as_select())
            .into_boxed::<crate::db::Backend>();
        if let Some(a) = after {
            // `name >= …`, implied by the rest, bounds the scan of the index: each page starts
            // where the last ended rather than at the run's first line.
            q = q.filter(allowance_lines::name.ge(a.name.clone())).filter(
                allowance_lines::name
                    .gt(a.name.clone())
                    .or(allowance_lines::name.eq(a.name.clone()).and(allowance_lines::nip.gt(a.nip.clone())))
                    .or(allowance_lines::name
                        .eq(a.name.clone())
                        .and(allowance_lines::nip.eq(a.nip.clone()))
                        .and(allowance_lines::employee_id.gt(crate::key::bind(a.employee)))),
            );
        }
        let lines: Vec<RunLine> = q
            .order((allowance_lines::name.asc(), allowance_lines::nip.asc(), allowance_lines::employee_id.asc()))
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .load(conn)?;
        if lines.len() < limit {
            // The last page, or none because the run has other lines now: which one is told by
            // the run as it is now.
            let now: Option<i32> = allowance_runs::table
                .find(crate::key::bind(self.run))
                .select(allowance_runs::version)
                .first(conn)
                .optional()?;
            if now != Some(self.version) {
                return Err(StoreError::Conflict("the run changed while its lines were read: read it again".into()));
            }
            return Ok((lines, None));
        }
        let next =
            lines.last().map(|l| LinesAfter { name: l.name.clone(), nip: l.nip.clone(), employee: l.employee_id });
        Ok((lines, next))
    }

    /// Every line, by name, NIP and employee.
    pub fn all(&self, conn: &mut DbConnection) -> Result<Vec<RunLine>, StoreError> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let (lines, next) = self.page(conn, after.as_ref(), LINES_PER_STEP)?;
            out.extend(lines);
            match next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }
}

/// The final predicate covering the month, per employee: of the current final evaluations whose
/// period contains the whole month, the one of the shortest period.
fn predicates(
    conn: &mut DbConnection,
    agency: AgencyId,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<HashMap<EmployeeId, Predicate>, StoreError> {
    let rows: Vec<(EmployeeId, Option<Predicate>, NaiveDate, NaiveDate, i32)> = evaluations::table
        .inner_join(evaluation_periods::table)
        .filter(evaluations::agency_id.eq(crate::key::bind(agency)))
        .filter(evaluations::status.eq(crate::word::bind(ekinerja_domain::evaluation::EvaluationStatus::Final)))
        .filter(evaluations::superseded.eq(false))
        .filter(evaluation_periods::starts_on.le(first))
        .filter(evaluation_periods::ends_on.ge(last))
        .select((
            evaluations::employee_id,
            evaluations::predicate,
            evaluation_periods::starts_on,
            evaluation_periods::ends_on,
            evaluations::revision,
        ))
        .load(conn)?;
    let mut best: HashMap<EmployeeId, (i64, i32, Predicate)> = HashMap::new();
    for (employee, predicate, from, to, revision) in rows {
        let Some(p) = predicate else { continue };
        let span = (to - from).num_days();
        let better = best.get(&employee).is_none_or(|(s, r, _)| span < *s || (span == *s && revision > *r));
        if better {
            best.insert(employee, (span, revision, p));
        }
    }
    Ok(best.into_iter().map(|(e, (_, _, p))| (e, p)).collect())
}

/// What a month's lines are computed from: the people, with their posts, units and final
/// predicates and the agency's daily cap, loaded once; each person's days and log minutes are
/// read a round of people at a time ([`MonthInputs::rounds`]).
struct MonthInputs {
    first: NaiveDate,
    people: crate::discipline::People,
    judge: crate::discipline::Judge,
    posts: HashMap<PositionId, (i32, OrgUnitId)>,
    unit_names: HashMap<OrgUnitId, String>,
    /// The OPD (top unit) of each unit.
    top: HashMap<OrgUnitId, OrgUnitId>,
    rollout: ekinerja_domain::rollout::RolloutTree<OrgUnitId>,
    predicates: HashMap<EmployeeId, Predicate>,
    daily_cap: i64,
}

/// One round's log minutes, by employee: `waiting` for review, and `accepted` by day.
struct RoundMinutes {
    waiting: HashMap<EmployeeId, i64>,
    accepted: HashMap<EmployeeId, Vec<(NaiveDate, i64)>>,
}

/// Each policy's lines of a round, in the order of the policies, each line with its OPD.
type RoundLines = Vec<Vec<(RunLine, Option<OrgUnitId>)>>;

impl MonthInputs {
    /// The inputs of the month of `first` for the agency, or for a unit and its sub-units (whom
    /// `caller` may read the discipline recap of).
    fn load(
        conn: &mut DbConnection,
        caller: &Caller,
        agency_id: Uuid,
        org_unit_id: Option<Uuid>,
        first: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Self, StoreError> {
        let agency = AgencyId::from(agency_id);
        let last = ekinerja_domain::rollout::month_end(first);
        let people = match org_unit_id {
            Some(u) => crate::discipline::unit_people(conn, caller, u, now)?.2,
            None => crate::discipline::agency_people(conn, agency_id)?,
        };
        let mut judge = crate::discipline::Judge::load(conn, agency_id, Some(first), now)?;
        if org_unit_id.is_none() {
            judge.whole_agency(conn)?;
        }
        let units: Vec<crate::org_unit::OrgUnit> = org_units::table
            .filter(org_units::agency_id.eq(crate::key::bind(agency)))
            .select(crate::org_unit::OrgUnit::as_select())
            .load(conn)?;
        let top = crate::maturity::top_units(&units);
        let unit_names: HashMap<OrgUnitId, String> = units.into_iter().map(|u| (u.id, u.name)).collect();
        let rollout = crate::rollout::tree(conn, agency)?;
        let posts: HashMap<PositionId, (i32, OrgUnitId)> = positions::table
            .filter(positions::agency_id.eq(crate::key::bind(agency)))
            .select((positions::id, positions::class, positions::org_unit_id))
            .load::<(PositionId, i32, OrgUnitId)>(conn)?
            .into_iter()
            .map(|(id, class, unit)| (id, (class, unit)))
            .collect();
        let predicates = predicates(conn, agency, first, last)?;
        let daily_cap = crate::allowance_policy::daily_cap(conn, agency_id)?;
        Ok(MonthInputs { first, people, judge, posts, unit_names, top, rollout, predicates, daily_cap })
    }

    /// Every employee's lines under each of `policies`, a round of people at a time: the round's
    /// days and log minutes are read, its lines handed to `each` with how many people are done,
    /// and its days dropped before the next round is read. A large agency's lines, day views and
    /// rules' records are never held in memory whole; on PostgreSQL its month of stored days is,
    /// twelve bytes a day ([`crate::discipline::Judge::whole_agency`]).
    fn rounds(
        mut self,
        conn: &mut DbConnection,
        run_id: AllowanceRunId,
        policies: &[&AgencyPolicy],
        each: &mut dyn FnMut(&mut DbConnection, usize, RoundLines) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        use crate::log_day::{Statuses, Whose};
        use ekinerja_domain::daily_log::LogStatus;
        let (first, last) = (self.first, ekinerja_domain::rollout::month_end(self.first));
        let mut people = std::mem::take(&mut self.people).into_iter().peekable();
        let mut done = 0;
        while people.peek().is_some() {
            let round: Vec<_> = people.by_ref().take(crate::discipline::PEOPLE_PER_ROUND).collect();
            let ids: Vec<EmployeeId> = round.iter().map(|(e, _)| e.id).collect();
            let months = self.judge.months(conn, round, crate::discipline::Keep::Records)?;
            let mut minutes = RoundMinutes { waiting: HashMap::new(), accepted: HashMap::new() };
            for d in crate::log_day::of(conn, Whose::Employees(&ids), Statuses::NotRejected, first, last)? {
                match d.status {
                    LogStatus::Submitted => *minutes.waiting.entry(d.employee_id).or_default() += d.minutes,
                    LogStatus::Accepted => {
                        minutes.accepted.entry(d.employee_id).or_default().push((d.log_date, d.minutes))
                    }
                    LogStatus::Rejected => {}
                }
            }
            done += months.len();
            each(conn, done, policies.iter().map(|p| self.lines(run_id, p, &months, &minutes)).collect())?;
        }
        Ok(())
    }

    /// The lines of `months` under `policy`, each with the OPD of the employee's post.
    fn lines(
        &self,
        run_id: AllowanceRunId,
        policy: &AgencyPolicy,
        months: &[crate::discipline::EmployeeMonth],
        minutes: &RoundMinutes,
    ) -> Vec<(RunLine, Option<OrgUnitId>)> {
        let mut out = Vec::with_capacity(months.len());
        for e in months {
            let post = e.employee.position_id.as_ref().and_then(|p| self.posts.get(p));
            let class = post.map(|(c, _)| *c);
            let unit_id = post.map(|(_, u)| *u);
            let opd = unit_id.and_then(|u| self.top.get(&u).copied());
            let name_of = |u: Option<OrgUnitId>| u.and_then(|u| self.unit_names.get(&u)).cloned();
            let mut line = RunLine {
                run_id,
                employee_id: e.employee.id,
                nip: e.employee.nip.clone(),
                name: e.employee.name.clone(),
                unit_name: name_of(unit_id),
                opd_name: name_of(opd),
                class,
                status: LineStatus::NotRolledOut,
                pending_reason: None,
                base: 0,
                performance_factor_bp: 0,
                discipline_factor_bp: 0,
                deduction_bp: 0,
                performance_part: 0,
                discipline_part: 0,
                amount: 0,
                previous_amount: None,
                breakdown: None,
                unreviewed_minutes: minutes.waiting.get(&e.employee.id).copied().unwrap_or(0),
            };
            // People of a unit not rolled out in the month get no amount (roles.md, Rollout).
            if unit_id.is_some_and(|u| self.rollout.rolled_out(&u, self.first)) {
                match compute(
                    policy,
                    self.daily_cap,
                    class.unwrap_or(0),
                    self.predicates.get(&e.employee.id).copied(),
                    &e.records,
                    minutes.accepted.get(&e.employee.id).map_or(&[][..], Vec::as_slice),
                ) {
                    Ok(b) => {
                        line.status = LineStatus::Computed;
                        line.base = b.base;
                        line.performance_factor_bp = b.performance_factor_bp;
                        line.discipline_factor_bp = b.discipline.factor_bp;
                        line.deduction_bp = b.discipline.deduction_bp;
                        line.performance_part = b.amount.performance_part;
                        line.discipline_part = b.amount.discipline_part;
                        line.amount = b.amount.total;
                        line.breakdown = Some(stored::write(&b));
                    }
                    Err(p) => {
                        line.status = LineStatus::Pending;
                        line.pending_reason = Some(p.reason());
                    }
                }
            }
            out.push((line, opd));
        }
        out
    }
}

/// Computes a month (the agency's admin): for the agency, or a unit and its sub-units. An open
/// draft for the same scope and month is recomputed in place; after an approved run, a new
/// correction run is made. Only a month that is over is computed. Returns the run and whether
/// it is new.
pub fn compute_run(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    org_unit_id: Option<Uuid>,
    first: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(RunDetail, bool), StoreError> {
    compute_run_reporting(conn, change, agency_id, org_unit_id, first, now, &mut |_, _, _| {})
}

/// Whether `caller` may compute the month of `first` for the agency or one of its units now:
/// the agency's admin, a unit of the agency, a month that is over. Returns the month's first day.
pub fn check_compute(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    org_unit_id: Option<Uuid>,
    first: NaiveDate,
    now: DateTime<Utc>,
) -> Result<NaiveDate, StoreError> {
    crate::agency::writable(conn, caller, agency_id, ekinerja_domain::access::Area::AllowanceCompute)?;
    let first = first.with_day(1).unwrap_or(first);
    let today = chart::agency_today(conn, agency_id, now)?;
    if ekinerja_domain::rollout::month_end(first) >= today {
        return Err(StoreError::invalid("month", "the month is not over yet: compute it from its last day on"));
    }
    if let Some(u) = org_unit_id {
        crate::org_unit::check_in_agency(conn, AgencyId::from(agency_id), OrgUnitId::from(u))?;
    }
    Ok(first)
}

/// Stores the computation of a month as a job ([`crate::job`]) after the checks of
/// [`check_compute`], so that a job is only stored for work its starter may do.
pub fn enqueue_compute(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    org_unit_id: Option<Uuid>,
    first: NaiveDate,
    now: DateTime<Utc>,
) -> Result<crate::job::Job, StoreError> {
    let month = check_compute(conn, &change.caller, agency_id, org_unit_id, first, now)?;
    crate::job::enqueue(conn, change, crate::job::JobRequest::AllowanceRun { agency_id, org_unit_id, month })
}

/// Lines stored a statement, and read back a page, at a time.
pub const LINES_PER_STEP: usize = 1_000;

/// [`compute_run`], telling `progress` each stage with the employees done of the total.
pub fn compute_run_reporting(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    org_unit_id: Option<Uuid>,
    first: NaiveDate,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(JobStage, usize, usize),
) -> Result<(RunDetail, bool), StoreError> {
    let first = check_compute(conn, &change.caller, agency_id, org_unit_id, first, now)?;
    let agency = AgencyId::from(agency_id);
    let unit = org_unit_id.map(OrgUnitId::from);
    crate::db::write(conn, |conn| {
        let scope = allowance_runs::table
            .filter(allowance_runs::agency_id.eq(crate::key::bind(agency)))
            .filter(allowance_runs::month.eq(first))
            .into_boxed::<crate::db::Backend>();
        let scope = match unit {
            Some(u) => scope.filter(allowance_runs::org_unit_id.eq(crate::key::bind(u))),
            None => scope.filter(allowance_runs::org_unit_id.is_null()),
        };
        let runs: Vec<Run> = scope.order(allowance_runs::created_at.desc()).select(Run::as_select()).load(conn)?;
        let draft = runs.iter().find(|r| r.status == RunStatus::Draft).cloned();
        let approved = runs.iter().find(|r| r.status == RunStatus::Approved).cloned();
        let policy_version = crate::allowance_policy::in_force(conn, agency_id, first)?;
        let policy = policy_version.as_ref().map(|v| v.policy().clone()).unwrap_or_default();
        let inputs = MonthInputs::load(conn, &change.caller, agency_id, org_unit_id, first, now)?;
        let employees = inputs.people.len();
        progress(JobStage::Loading, employees, employees);
        let previous: HashMap<EmployeeId, i64> = match &approved {
            Some(a) => allowance_lines::table
                .filter(allowance_lines::run_id.eq(crate::key::bind(a.id)))
                .select((allowance_lines::employee_id, allowance_lines::amount))
                .load::<(EmployeeId, i64)>(conn)?
                .into_iter()
                .collect(),
            None => HashMap::new(),
        };
        let run_id = draft.as_ref().map_or_else(crate::key::new, |d| d.id);
        let is_new = draft.is_none();
        // The counts and the total are set below from the lines as they are stored, in this
        // transaction: no one reads the run before they are.
        let mut run = Run {
            id: run_id,
            agency_id: agency,
            org_unit_id: unit,
            month: first,
            status: RunStatus::Draft,
            previous_run_id: approved.as_ref().map(|a| a.id),
            policy_id: policy_version.map(|v| v.id),
            employees: 0,
            computed: 0,
            pending: 0,
            not_rolled_out: 0,
            total: 0,
            computed_at: change.at,
            approved_at: None,
            approved_by_account_id: None,
            version: draft.as_ref().map_or(1, |d| d.version + 1),
            created_at: draft.as_ref().map_or(change.at, |d| d.created_at),
            policy: Some(policy.clone().into()),
            computed_by_account_id: Some(AccountId::from(change.caller.account_id)),
        };
        if is_new {
            diesel::insert_into(allowance_runs::table).values(run.clone()).execute(conn)?;
        } else {
            diesel::delete(allowance_lines::table.filter(allowance_lines::run_id.eq(crate::key::bind(run.id))))
                .execute(conn)?;
        }
        // Each round's lines are stored as they come, a thousand a statement (a COPY on
        // PostgreSQL, a statement a line on SQLite), and only counted here: a large agency's
        // lines, each with its breakdown, are never held in memory together.
        let mut tally = Tally::default();
        let mut waiting: Vec<RunLine> = Vec::with_capacity(LINES_PER_STEP);
        inputs.rounds(conn, run_id, &[&policy], &mut |conn, done, mut round| {
            for (mut line, _) in round.swap_remove(0) {
                line.previous_amount = previous.get(&line.employee_id).copied();
                tally.add(&line);
                waiting.push(line);
            }
            if waiting.len() >= LINES_PER_STEP {
                crate::db::copy_all!(conn, allowance_lines::table, waiting);
                waiting.clear();
            }
            progress(JobStage::Computing, done, employees);
            Ok(())
        })?;
        crate::db::copy_all!(conn, allowance_lines::table, waiting);
        progress(JobStage::Storing, employees, employees);
        let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        let Tally { totals, not_rolled_out } = tally;
        (run.employees, run.computed, run.pending, run.not_rolled_out, run.total) = (
            count(totals.computed + totals.pending + not_rolled_out),
            count(totals.computed),
            count(totals.pending),
            count(not_rolled_out),
            totals.total,
        );
        // Still the draft this computation began from (the row inserted above, for a new run): a
        // recompute or an approval that committed meanwhile makes this one a conflict, so an
        // approved run never takes another computation's lines.
        let began_at = if is_new { run.version } else { run.version - 1 };
        let updated = diesel::update(
            allowance_runs::table
                .filter(allowance_runs::id.eq(crate::key::bind(run.id)))
                .filter(allowance_runs::version.eq(began_at))
                .filter(allowance_runs::status.eq(crate::word::bind(RunStatus::Draft))),
        )
        .set((
            allowance_runs::previous_run_id.eq(crate::key::BindOption::from(run.previous_run_id)),
            allowance_runs::policy_id.eq(crate::key::BindOption::from(run.policy_id)),
            allowance_runs::employees.eq(run.employees),
            allowance_runs::computed.eq(run.computed),
            allowance_runs::pending.eq(run.pending),
            allowance_runs::not_rolled_out.eq(run.not_rolled_out),
            allowance_runs::total.eq(run.total),
            allowance_runs::computed_at.eq(run.computed_at),
            allowance_runs::version.eq(run.version),
            allowance_runs::policy.eq(&run.policy),
            allowance_runs::computed_by_account_id.eq(crate::key::BindOption::from(run.computed_by_account_id)),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(StoreError::Conflict(
                "the run was recomputed or approved while this computation ran: compute it again".into(),
            ));
        }
        audit::record(
            conn,
            change,
            Some(agency),
            if is_new { AuditAction::Compute } else { AuditAction::Recompute },
            AuditEntity::AllowanceRun,
            run.id,
            None::<&()>,
            Some(&run),
        )?;
        let lines = Lines { run: run.id, version: run.version };
        Ok((RunDetail { run, lines }, is_new))
    })
}

/// The lines of a run counted by status as they are stored: the [`Totals`] of the lines with
/// an amount or waiting for one, and those of units not rolled out.
#[derive(Debug, Default)]
struct Tally {
    totals: Totals,
    not_rolled_out: i64,
}

impl Tally {
    fn add(&mut self, line: &RunLine) {
        if line.status == LineStatus::NotRolledOut {
            self.not_rolled_out += 1;
        }
        self.totals.add(line);
    }
}

/// One OPD's lines of a month under one policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Lines with an amount.
    pub computed: i64,
    /// Lines waiting for a final predicate or a base amount.
    pub pending: i64,
    /// Rupiah, the sum of the computed lines.
    pub total: i64,
}

impl Totals {
    fn add(&mut self, line: &RunLine) {
        match line.status {
            LineStatus::Computed => {
                self.computed += 1;
                self.total += line.amount;
            }
            LineStatus::Pending => self.pending += 1,
            LineStatus::NotRolledOut => {}
        }
    }

    /// The total over the computed lines, rounded down to the rupiah; 0 without one.
    pub fn average(&self) -> i64 {
        if self.computed == 0 {
            0
        } else {
            self.total / self.computed
        }
    }
}

/// One OPD in a simulation: its lines under the policy in force and under the draft.
#[derive(Debug, Clone, Serialize)]
pub struct OpdSimulation {
    /// `None` for people who hold no post.
    pub org_unit_id: Option<OrgUnitId>,
    pub name: Option<String>,
    /// Active employees, rolled out or not.
    pub employees: i64,
    /// Employees of units not rolled out in the month: no amount under either policy.
    pub not_rolled_out: i64,
    pub in_force: Totals,
    pub simulated: Totals,
}

/// A month computed under a draft policy beside the policy in force, nothing stored.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub month: NaiveDate,
    /// The version in force in the month; `None` for the defaults.
    pub policy_in_force: Option<crate::allowance_policy::PolicyVersion>,
    /// By OPD name.
    pub opds: Vec<OpdSimulation>,
    pub in_force: Totals,
    pub simulated: Totals,
}

/// Computes a month of the whole agency under `draft` and under the policy in force, per OPD,
/// storing nothing (a leader, finance, the agency admin: whoever reads the payroll). The month
/// must be over, as for a run; the draft is held to the rules a policy is set by.
pub fn simulate(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    first: NaiveDate,
    draft: &AgencyPolicy,
    now: DateTime<Utc>,
) -> Result<Simulation, StoreError> {
    access::require_agency(conn, caller, agency_id, Area::PayrollExport, Access::Read)?;
    let first = first.with_day(1).unwrap_or(first);
    if ekinerja_domain::rollout::month_end(first) >= chart::agency_today(conn, agency_id, now)? {
        return Err(StoreError::invalid("month", "the month is not over yet: simulate it from its last day on"));
    }
    let problems = draft.problems(crate::allowance_policy::daily_cap(conn, agency_id)?);
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.into_iter().map(|(p, d)| crate::FieldError::new(p, d)).collect()));
    }
    let policy_in_force = crate::allowance_policy::in_force(conn, agency_id, first)?;
    let current = policy_in_force.as_ref().map(|v| v.policy().clone()).unwrap_or_default();
    let inputs = MonthInputs::load(conn, caller, agency_id, None, first, now)?;
    let mut opds: HashMap<Option<OrgUnitId>, OpdSimulation> = HashMap::new();
    let none = AllowanceRunId::from(Uuid::nil());
    let (mut in_force, mut simulated) = (Totals::default(), Totals::default());
    inputs.rounds(conn, none, &[&current, draft], &mut |_, _, round| {
        let [now_lines, draft_lines] =
            <[_; 2]>::try_from(round).map_err(|_| StoreError::Corrupt("two policies, two sets of lines".into()))?;
        for ((now_line, opd), (draft_line, _)) in now_lines.into_iter().zip(draft_lines) {
            let o = opds.entry(opd).or_insert_with(|| OpdSimulation {
                org_unit_id: opd,
                name: now_line.opd_name.clone(),
                employees: 0,
                not_rolled_out: 0,
                in_force: Totals::default(),
                simulated: Totals::default(),
            });
            o.employees += 1;
            if now_line.status == LineStatus::NotRolledOut {
                o.not_rolled_out += 1;
            }
            o.in_force.add(&now_line);
            o.simulated.add(&draft_line);
            in_force.add(&now_line);
            simulated.add(&draft_line);
        }
        Ok(())
    })?;
    let mut opds: Vec<OpdSimulation> = opds.into_values().collect();
    opds.sort_by(|a, b| (a.name.is_none(), &a.name).cmp(&(b.name.is_none(), &b.name)));
    Ok(Simulation { month: first, policy_in_force, opds, in_force, simulated })
}

/// Reads a run with its lines (leaders, finance, the agency's admin).
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<RunDetail, StoreError> {
    let run: Run =
        allowance_runs::table.find(crate::key::bind(AllowanceRunId::from(id))).select(Run::as_select()).first(conn)?;
    let agency = run.agency_id.uuid();
    access::require_agency(conn, caller, agency, Area::PayrollExport, Access::Read)?;
    let lines = Lines { run: run.id, version: run.version };
    Ok(RunDetail { run, lines })
}

/// An approved run with every line, for the files that go to payroll (who may read the run, as
/// [`get`]). A draft is a conflict: its lines may still change.
pub fn approved_with_lines(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(Run, Vec<RunLine>), StoreError> {
    let d = get(conn, caller, id)?;
    if d.run.status != RunStatus::Approved {
        return Err(StoreError::Conflict("only an approved run is exported: approve it first".into()));
    }
    let lines = d.lines.all(conn)?;
    Ok((d.run, lines))
}

/// Approves a draft (finance or the agency's admin; with separation of duties, not the account
/// that computed it): from then on it never changes.
pub fn approve(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
    now: DateTime<Utc>,
) -> Result<RunDetail, StoreError> {
    crate::db::write(conn, |conn| {
        let d = get(conn, &change.caller, id)?;
        let agency = d.run.agency_id.uuid();
        let separation_of_duties: bool = agencies::table
            .find(crate::key::bind(d.run.agency_id))
            .select(agencies::allowance_separation_of_duties)
            .first(conn)?;
        let computed_by = d.run.computed_by_account_id.map(AccountId::uuid);
        let subject = match computed_by {
            Some(computed_by) => Subject::AllowanceRun { agency, computed_by, separation_of_duties },
            None => Subject::Agency(agency),
        };
        access::require(conn, &change.caller, subject, Area::AllowanceApprove, Access::Write, now)?;
        let approved = d.run.status.approve().map_err(|e| StoreError::Conflict(e.to_string()))?;
        if d.run.version != version {
            return Err(StoreError::Stale);
        }
        let n = diesel::update(
            allowance_runs::table
                .filter(allowance_runs::id.eq(crate::key::bind(d.run.id)))
                .filter(allowance_runs::version.eq(version)),
        )
        .set((
            allowance_runs::status.eq(crate::word::bind(approved)),
            allowance_runs::approved_at.eq(Some(change.at)),
            allowance_runs::approved_by_account_id.eq(crate::key::bind(AccountId::from(change.caller.account_id))),
            allowance_runs::version.eq(version + 1),
        ))
        .execute(conn)?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        let after = get(conn, &change.caller, id)?;
        audit::record(
            conn,
            change,
            Some(after.run.agency_id),
            AuditAction::Approve,
            AuditEntity::AllowanceRun,
            after.run.id,
            Some(&d.run),
            Some(&after.run),
        )?;
        let note = serde_json::json!({
            "allowance_run_id": after.run.id, "month": after.run.month.format("%Y-%m").to_string(),
            "org_unit_id": after.run.org_unit_id, "employees": after.run.employees, "total": after.run.total,
        });
        crate::webhook::enqueue(conn, change, after.run.agency_id, crate::webhook::EventType::RunApproved, &note)?;
        Ok(after)
    })
}

/// The caller's own lines of approved runs of a month, newest first (a correction after the
/// first approval comes first).
pub fn mine(conn: &mut DbConnection, caller: &Caller, first: NaiveDate) -> Result<Vec<(Run, RunLine)>, StoreError> {
    let Some(me) = caller.employee_id else {
        return Err(StoreError::Forbidden("the account has no employee record".into()));
    };
    let rows: Vec<(Run, RunLine)> = allowance_lines::table
        .inner_join(allowance_runs::table)
        .filter(allowance_lines::employee_id.eq(crate::key::bind(EmployeeId::from(me))))
        .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
        .filter(allowance_runs::month.eq(first.with_day(1).unwrap_or(first)))
        .order(allowance_runs::approved_at.desc())
        .select((Run::as_select(), RunLine::as_select()))
        .load(conn)?;
    Ok(rows)
}

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub agency_id: Option<Uuid>,
    /// The first day of a month.
    pub month: Option<NaiveDate>,
    pub org_unit_id: Option<Uuid>,
    pub status: Option<RunStatus>,
}

/// Lists runs in the order they were first computed (leaders, finance, the agency's admin),
/// without their lines.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &RunFilter,
    page: &PageRequest,
) -> Result<Page<Run>, StoreError> {
    let mut q = allowance_runs::table.select(Run::as_select()).into_boxed::<crate::db::Backend>();
    match caller.list_scope(filter.agency_id) {
        Scope::All => {}
        Scope::Agency(a) => {
            access::require_agency(conn, caller, a, Area::PayrollExport, Access::Read)?;
            q = q.filter(allowance_runs::agency_id.eq(crate::key::bind(AgencyId::from(a))));
        }
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(m) = filter.month {
        q = q.filter(allowance_runs::month.eq(m.with_day(1).unwrap_or(m)));
    }
    if let Some(u) = filter.org_unit_id {
        q = q.filter(allowance_runs::org_unit_id.eq(crate::key::bind(OrgUnitId::from(u))));
    }
    if let Some(s) = &filter.status {
        q = q.filter(allowance_runs::status.eq(crate::word::bind(*s)));
    }
    if let Some(after) = &page.after {
        q = q.filter(allowance_runs::id.gt(crate::key::bind(AllowanceRunId::from(*after))));
    }
    let rows = q.order(allowance_runs::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// The lines of a month's approved runs for the people of a unit and its sub-units (its head, a
/// head above it, a leader, finance and the agency admin): each employee's line from the run
/// approved last, so a correction replaces what it corrects. The unit comes with its agency.
pub fn unit_lines(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    first: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<(Run, RunLine)>, StoreError> {
    let unit = crate::org_unit::get(conn, caller, unit_id)?;
    let agency = unit.agency_id.uuid();
    access::require(conn, caller, Subject::Unit { agency, unit: unit_id }, Area::AllowanceLines, Access::Read, now)?;
    let inside: Vec<OrgUnitId> = crate::org_unit::subtree(conn, unit.agency_id, unit.id)?.into_iter().collect();
    let people = crate::schema::employees::table
        .inner_join(positions::table)
        .filter(positions::org_unit_id.eq_any(crate::key::binds(inside)))
        .select(crate::schema::employees::id);
    let rows: Vec<(Run, RunLine)> = allowance_lines::table
        .inner_join(allowance_runs::table)
        .filter(allowance_runs::agency_id.eq(crate::key::bind(unit.agency_id)))
        .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
        .filter(allowance_runs::month.eq(first.with_day(1).unwrap_or(first)))
        .filter(allowance_lines::employee_id.eq_any(people))
        .order(allowance_runs::approved_at.desc())
        .select((Run::as_select(), RunLine::as_select()))
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    let mut latest: Vec<(Run, RunLine)> = rows.into_iter().filter(|(_, l)| seen.insert(l.employee_id)).collect();
    latest.sort_by(|a, b| a.1.name.cmp(&b.1.name).then_with(|| a.1.nip.cmp(&b.1.nip)));
    Ok(latest)
}

/// The approved runs of the key's agency (a payroll system, scope `allowance_read`), by month
/// when given, in the order they were approved; drafts are never shown to a system.
pub fn approved_for_key(
    conn: &mut DbConnection,
    key: &ekinerja_domain::Integration,
    month: Option<NaiveDate>,
    page: &PageRequest,
) -> Result<Page<Run>, StoreError> {
    access::require_scope(key, ekinerja_domain::IntegrationScope::AllowanceRead)?;
    let mut q = allowance_runs::table
        .filter(allowance_runs::agency_id.eq(crate::key::bind(AgencyId::from(key.agency_id))))
        .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
        .select(Run::as_select())
        .into_boxed::<crate::db::Backend>();
    if let Some(m) = month {
        q = q.filter(allowance_runs::month.eq(m.with_day(1).unwrap_or(m)));
    }
    if let Some(after) = &page.after {
        q = q.filter(allowance_runs::id.gt(crate::key::bind(AllowanceRunId::from(*after))));
    }
    let rows = q.order(allowance_runs::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// An approved run of the key's agency with its payroll lines (scope `allowance_read`); a
/// draft, or another agency's run, is not found.
pub fn approved_run_for_key(
    conn: &mut DbConnection,
    key: &ekinerja_domain::Integration,
    id: Uuid,
) -> Result<RunDetail, StoreError> {
    access::require_scope(key, ekinerja_domain::IntegrationScope::AllowanceRead)?;
    let run: Run = allowance_runs::table
        .find(crate::key::bind(AllowanceRunId::from(id)))
        .filter(allowance_runs::agency_id.eq(crate::key::bind(AgencyId::from(key.agency_id))))
        .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
        .select(Run::as_select())
        .first(conn)?;
    let lines = Lines { run: run.id, version: run.version };
    Ok(RunDetail { run, lines })
}

/// Whose review the logs of a month still wait for: a direct supervisor, or the agency admin for
/// the top official.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingReviews {
    /// The supervisor (none: the agency admin, who reviews the top official's logs).
    pub supervisor: Option<crate::employee::Employee>,
    /// Authors whose logs wait.
    pub employees: i64,
    pub logs: i64,
    pub minutes: i64,
    /// The oldest waiting log's date.
    pub oldest: NaiveDate,
}

/// One author's waiting logs of a month.
struct WaitingByAuthor {
    employee_id: EmployeeId,
    logs: i64,
    minutes: i64,
    oldest: NaiveDate,
}

/// The check before computing a month (leaders, finance, the agency admin): who still has logs of
/// the month waiting for review, of the people of the agency (or of a unit and its sub-units)
/// rolled out in the month; unreviewed logs count for nothing until accepted. Most minutes first.
pub fn waiting_reviews(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    org_unit_id: Option<Uuid>,
    first: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<WaitingReviews>, StoreError> {
    crate::agency::read_view(conn, caller, agency_id, Area::PayrollExport)?;
    let agency = AgencyId::from(agency_id);
    let first = first.with_day(1).unwrap_or(first);
    let last = ekinerja_domain::rollout::month_end(first);
    let inside = match org_unit_id {
        Some(u) => {
            crate::org_unit::check_in_agency(conn, agency, OrgUnitId::from(u))?;
            Some(crate::org_unit::subtree(conn, agency, OrgUnitId::from(u))?)
        }
        None => None,
    };
    let rollout = crate::rollout::load(conn, agency)?;
    let chart = chart::load(conn, agency_id, now)?;
    // Each author's waiting logs of the month: how many, their minutes, the oldest day.
    let mut waiting: std::collections::BTreeMap<EmployeeId, WaitingByAuthor> = std::collections::BTreeMap::new();
    let submitted = crate::log_day::Statuses::Only(ekinerja_domain::daily_log::LogStatus::Submitted);
    crate::log_day::each(conn, crate::log_day::Whose::Agency(agency), submitted, first, last, |days| {
        for d in days {
            let w = waiting.entry(d.employee_id).or_insert(WaitingByAuthor {
                employee_id: d.employee_id,
                logs: 0,
                minutes: 0,
                oldest: d.log_date,
            });
            w.logs += d.logs;
            w.minutes += d.minutes;
            w.oldest = w.oldest.min(d.log_date);
        }
    })?;
    let mut by_supervisor: HashMap<Option<Uuid>, WaitingReviews> = HashMap::new();
    for w in waiting.into_values() {
        let author = w.employee_id.uuid();
        if !rollout.employee_rolled_out(w.employee_id, first) {
            continue;
        }
        let unit = chart.unit_of(author);
        if let Some(inside) = &inside {
            if !unit.is_some_and(|u| inside.contains(&OrgUnitId::from(u))) {
                continue;
            }
        }
        let supervisor = chart.chain_of(author).first().map(|o| o.employee_id);
        let e = by_supervisor.entry(supervisor).or_insert(WaitingReviews {
            supervisor: None,
            employees: 0,
            logs: 0,
            minutes: 0,
            oldest: w.oldest,
        });
        e.employees += 1;
        e.logs += w.logs;
        e.minutes += w.minutes;
        e.oldest = e.oldest.min(w.oldest);
    }
    let ids: Vec<EmployeeId> = by_supervisor.keys().flatten().map(|e| EmployeeId::from(*e)).collect();
    let mut people: HashMap<EmployeeId, crate::employee::Employee> = crate::schema::employees::table
        .filter(crate::schema::employees::id.eq_any(crate::key::binds(ids)))
        .select(crate::employee::Employee::as_select())
        .load::<crate::employee::Employee>(conn)?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut out: Vec<WaitingReviews> = by_supervisor
        .into_iter()
        .map(|(s, mut w)| {
            w.supervisor = s.and_then(|s| people.remove(&EmployeeId::from(s)));
            w
        })
        .collect();
    out.sort_by(|a, b| {
        b.minutes
            .cmp(&a.minutes)
            .then_with(|| a.supervisor.as_ref().map(|s| &s.name).cmp(&b.supervisor.as_ref().map(|s| &s.name)))
    });
    Ok(out)
}
