//! Maturity levels over a month, for an employee, a unit and the agency: the facts each rule of
//! `ekinerja_domain::maturity` reads, gathered with one query per kind of fact for the whole
//! agency (or the one employee).
//!
//! A month is read up to its last day that is over (yesterday in the agency's time zone), as
//! discipline is. Supervisors are the ones the structure gives today.

use foldhash::{HashMap, HashMapExt, HashSet};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Nullable, Text};
use ekinerja_domain::access::Area;
use ekinerja_domain::agreement::BreakdownKind;
use ekinerja_domain::maturity::{
    agreement_that_counts, employee_rules, level, AgreementFacts, DistributionFacts, EmployeeFacts, GroupFacts,
    MaturityPolicy, ResultLink, RuleCheck, RunFacts,
};
use ekinerja_domain::supervision::OrgChart;
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::employee::Employee;
use crate::org_unit::OrgUnit;
use crate::schema::{agencies, agreements, employees, evaluation_periods, evaluations, org_units};
use crate::{chart, DbConnection, StoreError};
use ekinerja_domain::id::{AgencyId, AgreementId, EmployeeId, GoalId, OrgUnitId, PositionId};
use ekinerja_domain::rollout::{month_end, RolloutTree};

/// The most months one history covers.
pub const MAX_HISTORY_MONTHS: u32 = 24;

/// One employee's standing.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeMaturity {
    pub employee: Employee,
    /// The unit of the employee's post.
    pub unit_id: Option<OrgUnitId>,
    pub level: u8,
    pub rules: Vec<RuleCheck>,
    /// Whether the employee's unit is rolled out in the month; a group's level counts only those
    /// who are (roles.md, Rollout).
    pub rolled_out: bool,
}

/// A unit's or the agency's standing: how many of its employees reached each level.
#[derive(Debug, Clone, Serialize)]
pub struct GroupMaturity {
    pub employees: i64,
    pub level: u8,
    pub rules: Vec<RuleCheck>,
}

/// The month read.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MonthSpan {
    /// The first day of the month.
    pub month: NaiveDate,
    /// The last day read: the month's last day that is over; none when no day is.
    pub to: Option<NaiveDate>,
}

/// An employee's report.
#[derive(Debug, Clone, Serialize)]
pub struct EmployeeReport {
    pub span: MonthSpan,
    pub policy: MaturityPolicy,
    pub maturity: EmployeeMaturity,
}

/// A unit's report: the unit and each of its employees.
#[derive(Debug, Clone, Serialize)]
pub struct UnitReport {
    pub span: MonthSpan,
    pub policy: MaturityPolicy,
    pub unit: OrgUnit,
    pub maturity: GroupMaturity,
    pub employees: Vec<EmployeeMaturity>,
}

/// The agency's report: the agency and each of its OPDs.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyReport {
    pub span: MonthSpan,
    pub policy: MaturityPolicy,
    pub maturity: GroupMaturity,
    /// Each OPD with the month it is rolled out from.
    pub units: Vec<(OrgUnit, Option<NaiveDate>, GroupMaturity)>,
}

/// One month of a history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    pub span: MonthSpan,
    pub employees: i64,
    pub level: u8,
    pub rules: Vec<RuleCheck>,
}

#[derive(QueryableByName)]
struct Guided {
    #[diesel(sql_type = crate::key::Key<EmployeeId>)]
    employee_id: EmployeeId,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
}

/// Minutes on planned results with a target for the month's part, of an agency's or one
/// employee's (`$1`, by `$who`) rows of `$from` (`$minutes` a row, dated by `$date`) from `$2` to
/// `$3`: `$5` the month (1–12) of a monthly breakdown (`$4`), `$7` its quarter of a quarterly one
/// (`$6`); rejected logs (`$8`) left out.
macro_rules! guided_sql {
    ($who:literal, $from:literal, $minutes:literal, $date:literal) => {
        concat!(
            "SELECT l.employee_id AS employee_id, CAST(SUM(l.",
            $minutes,
            ") AS BIGINT) AS minutes FROM ",
            $from,
            " l WHERE l.",
            $who,
            " = $1 AND l.",
            $date,
            " >= $2 AND l.",
            $date,
            " <= $3 AND l.planned_result_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM indicators i JOIN indicator_targets t ON t.indicator_id = i.id
              WHERE i.planned_result_id = l.planned_result_id AND t.quantity > 0
                AND ((i.breakdown = $4 AND t.part = $5) OR (i.breakdown = $6 AND t.part = $7)))
  AND l.status <> $8
GROUP BY l.employee_id"
        )
    };
}

/// [`guided_sql`] of an agency's and of one employee's logs, and of their stored months of logs
/// per planned result ([`crate::log_day::ResultMonth`], `$2` and `$3` both the month).
const GUIDED_DAYS: [&str; 2] = [
    guided_sql!("agency_id", "daily_logs", "duration_minutes", "log_date"),
    guided_sql!("employee_id", "daily_logs", "duration_minutes", "log_date"),
];
const GUIDED_MONTHS: [&str; 2] = [
    guided_sql!("agency_id", "log_result_months", "minutes", "month"),
    guided_sql!("employee_id", "log_result_months", "minutes", "month"),
];

/// Whose minutes [`guided`] reads.
#[derive(Debug, Clone, Copy)]
pub enum GuidedOf {
    Agency(AgencyId),
    Employee(EmployeeId),
}

/// Each employee's minutes on planned results with a target for the month from `first` (its
/// first day) to `to`, rejected logs left out: what level 3 of a month report weighs. A span that
/// [`crate::log_day::month_less_later`] chooses (no log is dated after `today`) is read from the
/// stored months per result, less the month's logs after it (as [`crate::log_day::totals`] reads
/// a month): a row per employee and result instead of every log of the month joined to its
/// result's targets, 1.4–2.4 s of PostgreSQL's time in a 100,000-employee agency's November
/// report. Any other span is read from its logs.
pub fn guided(
    conn: &mut DbConnection,
    of: GuidedOf,
    (first, to): (NaiveDate, NaiveDate),
    today: NaiveDate,
) -> Result<HashMap<EmployeeId, i64>, StoreError> {
    let (who, id) = match of {
        GuidedOf::Agency(a) => (0, a.to_string()),
        GuidedOf::Employee(e) => (1, e.to_string()),
    };
    let (month, quarter) = (first.month() as i32, (first.month() as i32 - 1) / 3 + 1);
    let mut load = |sql: &'static str, from: NaiveDate, to: NaiveDate| -> Result<Vec<Guided>, StoreError> {
        Ok(crate::prepared::sql(sql)
            .bind::<Text, _>(id.clone())
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<crate::word::Word, _>(crate::word::bind(BreakdownKind::Monthly))
            .bind::<Integer, _>(month)
            .bind::<crate::word::Word, _>(crate::word::bind(BreakdownKind::Quarterly))
            .bind::<Integer, _>(quarter)
            .bind::<crate::word::Word, _>(crate::word::bind(ekinerja_domain::daily_log::LogStatus::Rejected))
            .load(conn)?)
    };
    let end = month_end(first);
    // The stored month only for a span from the month's first day with fewer later days that can
    // hold logs; any other span (one a caller got wrong too) from the logs.
    if !crate::log_day::month_less_later(first, to, today) {
        return Ok(load(GUIDED_DAYS[who], first, to)?.into_iter().map(|g| (g.employee_id, g.minutes)).collect());
    }
    // Two statements, which must see one snapshot (a report's `db::snapshot`): otherwise, on
    // PostgreSQL, a log of a later day committed between them would be taken off without having
    // been counted (never below nothing).
    let mut kept: HashMap<EmployeeId, i64> =
        load(GUIDED_MONTHS[who], first, first)?.into_iter().map(|g| (g.employee_id, g.minutes)).collect();
    if let Some(after) = to.succ_opt().filter(|d| *d <= end) {
        for later in load(GUIDED_DAYS[who], after, end)? {
            // Never below nothing, even were the stored months out of step with the logs.
            if let Some(m) = kept.get_mut(&later.employee_id) {
                *m = (*m - later.minutes).max(0);
            }
        }
    }
    // Those whose minutes were all after the span have none in it, as read from the logs.
    kept.retain(|_, m| *m > 0);
    Ok(kept)
}

#[derive(QueryableByName)]
struct MainResult {
    #[diesel(sql_type = crate::key::Key<AgreementId>)]
    agreement_id: AgreementId,
    #[diesel(sql_type = Nullable<crate::key::Key<GoalId>>)]
    goal_id: Option<GoalId>,
    /// The result it supports is in force: some approved agreement holds its lineage.
    #[diesel(sql_type = diesel::sql_types::Bool)]
    parent_in_force: bool,
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::key::Key<EmployeeId>>)]
    parent_employee_id: Option<EmployeeId>,
}

/// The lineages in force are read once and joined: as a correlated `EXISTS`, PostgreSQL estimated
/// the statement at 1.7 million and spent half a second compiling it (JIT) before running it in
/// another half (100,000 results).
const RESULTS_SQL: &str = "
SELECT r.agreement_id AS agreement_id, r.goal_id AS goal_id,
       CASE WHEN f.lineage_id IS NOT NULL THEN TRUE ELSE FALSE END AS parent_in_force,
       pa.employee_id AS parent_employee_id
FROM planned_results r
JOIN agreements a ON a.id = r.agreement_id
LEFT JOIN planned_results p ON p.id = r.parent_result_id
LEFT JOIN agreements pa ON pa.id = p.agreement_id
LEFT JOIN (SELECT DISTINCT q.lineage_id FROM planned_results q JOIN agreements qa ON qa.id = q.agreement_id
           WHERE qa.status = $1) f ON f.lineage_id = p.lineage_id
WHERE a.agency_id = $2 AND a.status = $1 AND a.ends_on >= $3 AND a.starts_on <= $4 AND r.kind = $5";

const PAID_SQL: &str = "
SELECT DISTINCT l.employee_id AS employee_id
FROM allowance_lines l JOIN allowance_runs r ON r.id = l.run_id
WHERE r.agency_id = $1 AND r.month >= $2 AND r.month <= $3 AND r.status = $4 AND l.status = $5";

#[derive(QueryableByName)]
struct PaidEmployee {
    #[diesel(sql_type = crate::key::Key<EmployeeId>)]
    employee_id: EmployeeId,
}

/// The month asked for (its first day), by default the agency's current month; and the span read.
fn month_span(first: NaiveDate, today: NaiveDate) -> MonthSpan {
    let (_, _, to) = crate::discipline::judged_span(first, today);
    MonthSpan { month: first, to }
}

/// The first day of the twelve months of workload read for a month judged up to `to`.
fn workload_from(to: NaiveDate) -> NaiveDate {
    to.checked_sub_months(Months::new(12)).and_then(|d| d.succ_opt()).unwrap_or(to)
}

fn policy(conn: &mut DbConnection, agency: Uuid) -> Result<MaturityPolicy, StoreError> {
    let stored: Option<crate::document::Stored<MaturityPolicy>> =
        agencies::table.find(crate::key::bind(AgencyId::from(agency))).select(agencies::maturity_policy).first(conn)?;
    Ok(stored.map(crate::document::Stored::into_inner).unwrap_or_default())
}

/// The agency's approved agreements covering some day of a span, with their main results: read
/// once for every month of a report.
struct Agreed {
    approved: Vec<crate::agreement::Approved>,
    results: HashMap<AgreementId, Vec<MainResult>>,
    /// What each agreement's main results show, worked out when first needed: the same for
    /// every month of one report, which reads one list of people against one organisation chart.
    facts: HashMap<AgreementId, AgreementFacts>,
}

impl Agreed {
    fn load(conn: &mut DbConnection, agency: AgencyId, from: NaiveDate, to: NaiveDate) -> Result<Agreed, StoreError> {
        let approved = crate::agreement::approved_covering(conn, agency, None, from, to)?;
        let mut results: HashMap<AgreementId, Vec<MainResult>> = HashMap::new();
        for r in crate::prepared::sql(RESULTS_SQL)
            .bind::<crate::word::Word, _>(crate::word::bind(ekinerja_domain::agreement::AgreementStatus::Approved))
            .bind::<Text, _>(agency.to_string())
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<crate::word::Word, _>(crate::word::bind(ekinerja_domain::agreement::ResultKind::Main))
            .load::<MainResult>(conn)?
        {
            results.entry(r.agreement_id).or_default().push(r);
        }
        Ok(Agreed { approved, results, facts: HashMap::new() })
    }

    /// Those covering some day of one month.
    fn month(conn: &mut DbConnection, agency: AgencyId, first: NaiveDate) -> Result<Agreed, StoreError> {
        Agreed::load(conn, agency, first, month_end(first))
    }
}

/// What the agency's data shows of each of `people` over a month.
fn facts(
    conn: &mut DbConnection,
    agency: Uuid,
    people: &[(Employee, Option<OrgUnitId>)],
    span: MonthSpan,
    today: NaiveDate,
    org: &OrgChart,
    agreed: &mut Agreed,
) -> Result<HashMap<EmployeeId, EmployeeFacts>, StoreError> {
    let agency_id = AgencyId::from(agency);
    let first = span.month;
    let last = month_end(first);
    let mut out: HashMap<EmployeeId, EmployeeFacts> =
        people.iter().map(|(e, _)| (e.id, EmployeeFacts::default())).collect();

    // Levels 1 and 2: working days and logs, over the days that are over.
    if let Some(to) = span.to {
        let working = crate::discipline::working_days(conn, agency, people, first, to)?;
        let ids: Vec<EmployeeId> = people.iter().map(|(e, _)| e.id).collect();
        let whose = crate::log_day::Whose::people(agency_id, &ids);
        for (id, days) in &working {
            if let Some(f) = out.get_mut(id) {
                f.working_days = days.len() as i64;
            }
        }
        let of = match people {
            [(one, _)] => GuidedOf::Employee(one.id),
            _ => GuidedOf::Agency(agency_id),
        };
        for (employee, minutes) in guided(conn, of, (first, to), today)? {
            if let Some(f) = out.get_mut(&employee) {
                f.guided_minutes = minutes;
            }
        }
        // Summed by the database: an employee's days logged are those of their working days
        // with a log in either status.
        for t in crate::log_day::totals(conn, whose, crate::log_day::Statuses::NotRejected, (first, to), today)? {
            let Some(f) = out.get_mut(&t.employee_id) else { continue };
            f.minutes += t.minutes;
            f.linked_minutes += t.linked_minutes;
            f.days_logged += working.get(&t.employee_id).map_or(0, |d| d.count_of(first, t.days as u64)) as i64;
        }
    }

    // Levels 3 to 5: the approved agreement covering the month.
    let post_of: HashMap<EmployeeId, Option<PositionId>> = people.iter().map(|(e, _)| (e.id, e.position_id)).collect();
    let mut candidates: HashMap<EmployeeId, Vec<(AgreementId, PositionId, i32)>> = HashMap::new();
    for a in agreed.approved.iter().filter(|a| a.starts_on <= last && a.ends_on >= first) {
        if out.contains_key(&a.employee) {
            candidates.entry(a.employee).or_default().push((a.id, a.post, a.revision));
        }
    }
    let mut agreement_of: HashMap<EmployeeId, (AgreementId, PositionId, i32)> = HashMap::new();
    for (employee, mut list) in candidates {
        let keys: Vec<(PositionId, i32)> = list.iter().map(|(_, post, r)| (*post, *r)).collect();
        if let Some(i) = agreement_that_counts(post_of.get(&employee).copied().flatten(), &keys) {
            agreement_of.insert(employee, list.swap_remove(i));
        }
    }
    // What an agreement's main results show depends on the agreement alone (its holder, their
    // post and supervisor now), so a history works it out once for all its months.
    for (employee, (id, post, _)) in &agreement_of {
        let a = *agreed.facts.entry(*id).or_insert_with(|| {
            let supervisor = org.supervisor_of(employee.uuid()).map(|o| EmployeeId::from(o.employee_id));
            let mut a = AgreementFacts {
                on_current_post: post_of.get(employee).copied().flatten() == Some(*post),
                ..AgreementFacts::default()
            };
            for r in agreed.results.get(id).into_iter().flatten() {
                let link = ResultLink {
                    to_goal: r.goal_id.is_some(),
                    parent_in_force: r.parent_in_force,
                    parent_is_supervisors: r.parent_employee_id.is_some() && r.parent_employee_id == supervisor,
                };
                a.main_results += 1;
                a.cascaded += i64::from(link.cascades());
                a.follow_structure += i64::from(link.follows_structure());
            }
            a
        });
        if let Some(f) = out.get_mut(employee) {
            f.agreement = Some(a);
        }
    }

    // Level 6: the last evaluation period over by the month's end, and the allowance paid.
    let over_by = last.min(today.pred_opt().unwrap_or(today));
    let latest: Option<NaiveDate> = evaluation_periods::table
        .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency_id)))
        .filter(evaluation_periods::ends_on.le(over_by))
        .select(diesel::dsl::max(evaluation_periods::ends_on))
        .first(conn)?;
    if let Some(latest) = latest {
        let evaluated: Vec<EmployeeId> = evaluations::table
            .inner_join(evaluation_periods::table)
            .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency_id)))
            .filter(evaluation_periods::ends_on.eq(latest))
            .filter(evaluations::status.eq(crate::word::bind(ekinerja_domain::evaluation::EvaluationStatus::Final)))
            .filter(evaluations::superseded.eq(false))
            .select(evaluations::employee_id)
            .load(conn)?;
        for id in evaluated {
            if let Some(f) = out.get_mut(&id) {
                f.evaluated = true;
            }
        }
    }
    let previous = first.checked_sub_months(Months::new(1)).unwrap_or(first);
    let paid: Vec<PaidEmployee> = crate::prepared::sql(PAID_SQL)
        .bind::<Text, _>(agency_id.to_string())
        .bind::<Date, _>(previous)
        .bind::<Date, _>(first)
        .bind::<crate::word::Word, _>(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved))
        .bind::<crate::word::Word, _>(crate::word::bind(ekinerja_domain::allowance::LineStatus::Computed))
        .load(conn)?;
    for p in paid {
        if let Some(f) = out.get_mut(&p.employee_id) {
            f.allowance_paid = true;
        }
    }
    Ok(out)
}

/// Whether one of a group's employees was there in the month: registered by its end, or with
/// logs or an agreement in it (data loaded for the time before they were registered).
fn present(employee: &Employee, facts: &HashMap<EmployeeId, EmployeeFacts>, last: NaiveDate) -> bool {
    employee.created_at.date() <= last
        || facts.get(&employee.id).is_some_and(|f| f.minutes > 0 || f.agreement.is_some())
}

/// Of a group's employees, those who were there in the month ([`present`]).
fn those_present(people: Placed, facts: &HashMap<EmployeeId, EmployeeFacts>, first: NaiveDate) -> Placed {
    let last = month_end(first);
    people.into_iter().filter(|(e, _)| present(e, facts, last)).collect()
}

/// Each employee's rules, and whether their unit is rolled out in the month, made into what a
/// report keeps of them by `keep`; each employee's rules are let go as they are kept or not.
fn assessed<T>(
    people: Placed,
    facts: &HashMap<EmployeeId, EmployeeFacts>,
    policy: &MaturityPolicy,
    rollout: &RolloutTree<OrgUnitId>,
    month: NaiveDate,
    keep: impl Fn(Employee, Option<OrgUnitId>, Vec<RuleCheck>, bool) -> T,
) -> Vec<T> {
    people
        .into_iter()
        .map(|(employee, unit_id)| {
            let f = facts.get(&employee.id).copied().unwrap_or_default();
            let rolled_out = unit_id.as_ref().is_some_and(|u| rollout.rolled_out(u, month));
            keep(employee, unit_id, employee_rules(&f, policy), rolled_out)
        })
        .collect()
}

impl EmployeeMaturity {
    /// An employee's standing from their rules.
    fn new(employee: Employee, unit_id: Option<OrgUnitId>, rules: Vec<RuleCheck>, rolled_out: bool) -> Self {
        EmployeeMaturity { level: level(&rules), rules, employee, unit_id, rolled_out }
    }

    /// Its id, level, and whether it counts.
    fn standing(&self) -> (EmployeeId, u8, bool) {
        (self.employee.id, self.level, self.rolled_out)
    }
}

/// What the agency's report keeps of each employee: their level and whether it counts, not
/// their rules nor their row (a hundred thousand of each, for an agency that large).
struct Standing {
    id: EmployeeId,
    unit_id: Option<OrgUnitId>,
    level: u8,
    rolled_out: bool,
}

impl Standing {
    /// The level of an employee's rules; the rules and the row are let go.
    fn new(employee: Employee, unit_id: Option<OrgUnitId>, rules: Vec<RuleCheck>, rolled_out: bool) -> Self {
        Standing { id: employee.id, unit_id, level: level(&rules), rolled_out }
    }

    /// Its id, level, and whether it counts.
    fn standing(&self) -> (EmployeeId, u8, bool) {
        (self.id, self.level, self.rolled_out)
    }
}

/// Of members' levels and whether each counts, those that count.
fn counted(members: impl IntoIterator<Item = (EmployeeId, u8, bool)>) -> Vec<EmployeeId> {
    members.into_iter().filter(|(_, _, counts)| *counts).map(|(id, _, _)| id).collect()
}

/// A group's standing over its members rolled out in the month (the others are listed but count
/// for no level, roles.md, Rollout) and its own facts for levels 4 to 6.
fn group(
    members: impl IntoIterator<Item = (EmployeeId, u8, bool)>,
    policy: &MaturityPolicy,
    facts: &GroupFacts,
) -> GroupMaturity {
    let levels = members.into_iter().filter(|(_, _, counts)| *counts).map(|(_, level, _)| level);
    let (employees, rules, level) = ekinerja_domain::maturity::group(levels, policy, facts);
    GroupMaturity { employees, level, rules }
}

/// Whom a group's facts are about: a unit with its sub-units, or the whole agency.
#[derive(Clone, Copy)]
enum Scope {
    Unit(OrgUnitId),
    Agency,
}

/// The agency's data over a month that groups' levels 4 to 6 read (workforce.md), loaded once for
/// every group of a report: its goals, the goals an approved result supports, each post's
/// workload over the twelve months to the month's last day read, the last closed evaluation
/// period, the month's approved allowance lines and the last performance year's SIASN export.
struct Shared {
    agency: AgencyId,
    units: Vec<OrgUnit>,
    goals: Vec<(GoalId, Option<OrgUnitId>)>,
    supported: HashSet<GoalId>,
    loads: Vec<(crate::position::Position, ekinerja_domain::workload::Workload, ekinerja_domain::workload::Workload)>,
    /// Per unit, the goals and the loads of its posts that lie in it or in a unit below it (by
    /// their index), found once: an agency's report reads every OPD's share of them.
    goals_under: HashMap<OrgUnitId, Vec<usize>>,
    loads_under: HashMap<OrgUnitId, Vec<usize>>,
    period: Option<crate::evaluation::EvaluationPeriod>,
    rollout: RolloutTree<OrgUnitId>,
    /// Per unit judged: its spread, read once.
    spreads: HashMap<OrgUnitId, Spread>,
    /// Whether the month has any run, and each employee's line in its latest approved run.
    any_run: bool,
    approved_lines: HashMap<EmployeeId, ekinerja_domain::allowance::LineStatus>,
    siasn: Option<(i32, bool)>,
    days_over: bool,
    month: NaiveDate,
}

/// A unit's spread in the closed period.
#[derive(Clone, Copy)]
struct Spread {
    /// Pattern rules kept and checked; none when the head has no final predicate (no rating).
    rules: Option<(i64, i64)>,
    /// Employees below the head, rolled out by the period's end, without a final predicate.
    without_predicate: i64,
}

impl Shared {
    fn load(
        conn: &mut DbConnection,
        agency: AgencyId,
        span: MonthSpan,
        today: NaiveDate,
        rollout: &RolloutTree<OrgUnitId>,
        by_month: Option<&crate::workload::ByMonth>,
    ) -> Result<Shared, StoreError> {
        use crate::schema::{
            allowance_lines, allowance_runs, organisational_goals, performance_periods, planned_results,
        };
        use ekinerja_domain::agreement::AgreementStatus;
        use ekinerja_domain::allowance::{LineStatus, RunStatus};
        let (first, last) = (span.month, month_end(span.month));
        let units: Vec<OrgUnit> = org_units::table
            .filter(org_units::agency_id.eq(crate::key::bind(agency)))
            .order((org_units::name.asc(), org_units::id.asc()))
            .select(OrgUnit::as_select())
            .load(conn)?;
        let parent: HashMap<OrgUnitId, Option<OrgUnitId>> = units.iter().map(|u| (u.id, u.parent_id)).collect();
        // The walk up stops after as many steps as there are units, should the data ever hold a
        // cycle.
        let above: HashMap<OrgUnitId, Vec<OrgUnitId>> = units
            .iter()
            .map(|u| {
                let chain: Vec<OrgUnitId> = std::iter::successors(Some(u.id), |at| parent.get(at).copied().flatten())
                    .take(units.len())
                    .collect();
                (u.id, chain)
            })
            .collect();
        let goals: Vec<(GoalId, Option<OrgUnitId>)> = organisational_goals::table
            .inner_join(performance_periods::table)
            .filter(organisational_goals::agency_id.eq(crate::key::bind(agency)))
            .filter(performance_periods::starts_on.le(last))
            .filter(performance_periods::ends_on.ge(first))
            .select((organisational_goals::id, organisational_goals::org_unit_id))
            .load(conn)?;
        let supported = planned_results::table
            .inner_join(agreements::table)
            .filter(agreements::agency_id.eq(crate::key::bind(agency)))
            .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
            .filter(agreements::starts_on.le(last))
            .filter(agreements::ends_on.ge(first))
            .filter(planned_results::goal_id.is_not_null())
            .select(planned_results::goal_id)
            .load::<Option<GoalId>>(conn)?
            .into_iter()
            .flatten()
            .collect();
        let loads = match span.to {
            Some(to) => crate::workload::post_loads(conn, agency, (workload_from(to), to), today, by_month)?,
            None => vec![],
        };
        // The last closed period ended by the month's end; of an annual period and its last quarter
        // or month, ending together, the annual one.
        let closed: Vec<crate::evaluation::EvaluationPeriod> = evaluation_periods::table
            .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency)))
            .filter(evaluation_periods::status.eq(crate::word::bind(ekinerja_domain::evaluation::PeriodStatus::Closed)))
            .filter(evaluation_periods::ends_on.le(last))
            .order((evaluation_periods::ends_on.desc(), evaluation_periods::created_at.desc()))
            .limit(4)
            .select(crate::evaluation::EvaluationPeriod::as_select())
            .load(conn)?;
        let latest_end = closed.first().map(|p| p.ends_on);
        let period = closed
            .iter()
            .filter(|p| Some(p.ends_on) == latest_end)
            .find(|p| p.kind == ekinerja_domain::evaluation::PeriodKind::Annual)
            .or(closed.first())
            .cloned();
        let lines: Vec<(EmployeeId, RunStatus, LineStatus, chrono::NaiveDateTime)> = allowance_lines::table
            .inner_join(allowance_runs::table)
            .filter(allowance_runs::agency_id.eq(crate::key::bind(agency)))
            .filter(allowance_runs::month.eq(first))
            .select((
                allowance_lines::employee_id,
                allowance_runs::status,
                allowance_lines::status,
                allowance_runs::computed_at,
            ))
            .load(conn)?;
        let any_run = !lines.is_empty();
        let mut latest: HashMap<EmployeeId, (chrono::NaiveDateTime, LineStatus)> = HashMap::new();
        for (employee, _, line, at) in lines.into_iter().filter(|l| l.1 == RunStatus::Approved) {
            let e = latest.entry(employee).or_insert((at, line));
            if at > e.0 {
                *e = (at, line);
            }
        }
        // The last performance year over by the month's last day read, as evaluations are.
        let over_by = last.min(today.pred_opt().unwrap_or(today));
        let year: Option<(ekinerja_domain::id::PerformancePeriodId, i32)> = performance_periods::table
            .filter(performance_periods::agency_id.eq(crate::key::bind(agency)))
            .filter(performance_periods::ends_on.le(over_by))
            .order(performance_periods::ends_on.desc())
            .select((performance_periods::id, performance_periods::year))
            .first(conn)
            .optional()?;
        let siasn = match year {
            Some((id, y)) => Some((y, crate::evaluation::siasn_produced(conn, id)?)),
            None => None,
        };
        // Each unit's share: an item in a unit lies in it and in every unit above it, once (a
        // chain cut short in a cycle names a unit more than once).
        let under = |of_item: &mut dyn Iterator<Item = Option<OrgUnitId>>| {
            let mut under: HashMap<OrgUnitId, Vec<usize>> = HashMap::new();
            for (i, unit) in of_item.enumerate() {
                for u in unit.and_then(|u| above.get(&u)).into_iter().flatten() {
                    let share = under.entry(*u).or_default();
                    if share.last() != Some(&i) {
                        share.push(i);
                    }
                }
            }
            under
        };
        let goals_under = under(&mut goals.iter().map(|(_, unit)| *unit));
        let loads_under = under(&mut loads.iter().map(|(post, _, _)| Some(post.org_unit_id)));
        Ok(Shared {
            agency,
            units,
            goals,
            supported,
            loads,
            goals_under,
            loads_under,
            period,
            rollout: rollout.clone(),
            spreads: HashMap::new(),
            any_run,
            approved_lines: latest.into_iter().map(|(e, (_, l))| (e, l)).collect(),
            siasn,
            days_over: span.to.is_some(),
            month: first,
        })
    }

    /// Of `all` (goals or loads), those in the scope: for a unit, those in it or in a unit below
    /// it, as `under` lists them; for the agency, all of them (an agency-wide goal included).
    fn within<'a, T>(all: &'a [T], under: &HashMap<OrgUnitId, Vec<usize>>, scope: Scope) -> Vec<&'a T> {
        match scope {
            Scope::Agency => all.iter().collect(),
            Scope::Unit(unit) => under.get(&unit).into_iter().flatten().filter_map(|i| all.get(*i)).collect(),
        }
    }

    /// A unit's spread in the closed period, read once.
    fn spread(
        &mut self,
        conn: &mut DbConnection,
        period: &crate::evaluation::EvaluationPeriod,
        unit: OrgUnitId,
    ) -> Result<Spread, StoreError> {
        if let Some(s) = self.spreads.get(&unit) {
            return Ok(*s);
        }
        let (posts, people) = crate::org_unit::staff(conn, self.agency, unit)?;
        let d = crate::evaluation::spread(conn, period.clone(), unit.uuid(), people, posts, None)?;
        let s = Spread {
            rules: d.unit_rating.map(|_| (d.checks.iter().filter(|c| c.met).count() as i64, d.checks.len() as i64)),
            without_predicate: d.employees - d.finalised,
        };
        self.spreads.insert(unit, s);
        Ok(s)
    }

    /// What a group's data shows for levels 4 to 6; `members` are those it counts (rolled out).
    fn facts(
        &mut self,
        conn: &mut DbConnection,
        scope: Scope,
        members: &[EmployeeId],
        facts: &HashMap<EmployeeId, EmployeeFacts>,
        policy: &MaturityPolicy,
    ) -> Result<GroupFacts, StoreError> {
        let mut out = GroupFacts {
            goals_required: matches!(scope, Scope::Agency),
            days_over: self.days_over,
            ..GroupFacts::default()
        };
        // Goals of units rolled out in the month (an agency-wide goal counts for the agency).
        for (id, unit) in Shared::within(&self.goals, &self.goals_under, scope) {
            let rolled_out = unit.as_ref().is_none_or(|u| self.rollout.rolled_out(u, self.month));
            if rolled_out {
                out.goals += 1;
                out.goals_supported += i64::from(self.supported.contains(id));
            }
        }
        for m in members {
            if let Some(a) = facts.get(m).and_then(|f| f.agreement) {
                out.main_results += a.main_results;
                out.cascaded += a.cascaded;
                out.agreements += 1;
                out.agreements_following += i64::from(a.follows_structure(policy));
            }
        }
        for (_, logged, standard) in Shared::within(&self.loads, &self.loads_under, scope) {
            let measured = logged.minutes > 0 || standard.minutes > 0;
            if logged.staff_present == 0 && !measured {
                continue;
            }
            out.posts += 1;
            out.posts_measured += i64::from(measured);
            out.staff_hundredths += logged.staff_present * 100;
            out.required_hundredths +=
                if standard.minutes > 0 { standard.staff_needed_hundredths } else { logged.staff_needed_hundredths };
        }
        if let Some(period) = self.period.clone() {
            // The unit itself, or each of the agency's OPDs; a unit is judged when rolled out by
            // the period's end (an OPD that is not yet counts for nothing in the agency).
            let candidates: Vec<(OrgUnitId, String)> = self
                .units
                .iter()
                .filter(|u| match scope {
                    Scope::Unit(id) => u.id == id,
                    Scope::Agency => u.parent_id.is_none(),
                })
                .map(|u| (u.id, u.name.clone()))
                .collect();
            let mut d = DistributionFacts {
                period: format!("{} to {}", period.starts_on, period.ends_on),
                ..DistributionFacts::default()
            };
            for (unit, name) in candidates {
                if !self.rollout.rolled_out(&unit, period.ends_on) {
                    if matches!(scope, Scope::Unit(_)) {
                        d.not_rolled_out.push(name);
                    }
                    continue;
                }
                let spread = self.spread(conn, &period, unit)?;
                d.units += 1;
                d.without_predicate += spread.without_predicate;
                match spread.rules {
                    None => d.unrated.push(name),
                    Some((kept, rules)) => {
                        d.kept += kept;
                        d.rules += rules;
                        if kept < rules {
                            d.breaking.push(name);
                        }
                    }
                }
            }
            out.distribution = Some(d);
        }
        if self.any_run {
            let mut run = RunFacts { employees: members.len() as i64, ..RunFacts::default() };
            for m in members {
                if let Some(line) = self.approved_lines.get(m) {
                    run.approved += 1;
                    run.pending += i64::from(*line == ekinerja_domain::allowance::LineStatus::Pending);
                }
            }
            out.run = Some(run);
        }
        out.siasn = self.siasn;
        Ok(out)
    }
}

/// The month to read: the one asked (any day in it), or by default the month of yesterday, the
/// last day that is over (so the 1st of a month still shows the month just ended).
fn first_of(month: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
    let d = month.unwrap_or_else(|| today.pred_opt().unwrap_or(today));
    d.with_day(1).unwrap_or(d)
}

/// Every active employee of an agency with a post, with their post's unit, in no order: the
/// agency's reports count and sum over them, and ordering a hundred thousand rows by name cost
/// 0.3-0.4 s of each (a sort spilling to disk).
fn agency_people(conn: &mut DbConnection, agency: Uuid) -> Result<Placed, StoreError> {
    let people: Vec<Employee> = employees::table
        .filter(employees::agency_id.eq(crate::key::bind(AgencyId::from(agency))))
        .filter(employees::active.eq(true))
        .filter(employees::position_id.is_not_null())
        .select(Employee::as_select())
        .load(conn)?;
    crate::discipline::units_of(conn, people)
}

/// Employees with the unit of their post.
type Placed = Vec<(Employee, Option<OrgUnitId>)>;

/// The rows an employee's maturity is drawn from: their logs, as the employee or a reviewer reads them.
const LOG_ROWS: &[Area] = &[Area::DailyLogReview, Area::DailyLogWrite];

/// One employee's maturity over a month: figures drawn from their logs, so for whoever reads
/// their logs (themselves, those above them, their unit's head, a leader, the agency admin).
pub fn employee(
    conn: &mut DbConnection,
    caller: &Caller,
    employee_id: Uuid,
    month: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<EmployeeReport, StoreError> {
    let employee = crate::employee::get_for_any(conn, caller, employee_id, LOG_ROWS, now)?;
    let agency = employee.agency_id.uuid();
    let today = chart::agency_today(conn, agency, now)?;
    let span = month_span(first_of(month, today), today);
    let policy = policy(conn, agency)?;
    let org = chart::load(conn, agency, now)?;
    let people = crate::discipline::units_of(conn, vec![employee])?;
    let mut agreed = Agreed::month(conn, AgencyId::from(agency), span.month)?;
    let facts = facts(conn, agency, &people, span, today, &org, &mut agreed)?;
    let rollout = crate::rollout::tree(conn, AgencyId::from(agency))?;
    let maturity = assessed(people, &facts, &policy, &rollout, span.month, EmployeeMaturity::new)
        .pop()
        .ok_or(StoreError::NotFound)?;
    Ok(EmployeeReport { span, policy, maturity })
}

/// A unit's maturity over a month, with each of its employees' (whoever reads the unit's views).
pub fn unit(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    month: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<UnitReport, StoreError> {
    let (unit, agency, people) = crate::discipline::unit_people(conn, caller, unit_id, now)?;
    let today = chart::agency_today(conn, agency, now)?;
    let span = month_span(first_of(month, today), today);
    let policy = policy(conn, agency)?;
    let org = chart::load(conn, agency, now)?;
    let mut agreed = Agreed::month(conn, unit.agency_id, span.month)?;
    let facts = facts(conn, agency, &people, span, today, &org, &mut agreed)?;
    let people = those_present(people, &facts, span.month);
    let rollout = crate::rollout::tree(conn, unit.agency_id)?;
    let employees = assessed(people, &facts, &policy, &rollout, span.month, EmployeeMaturity::new);
    let counted = counted(employees.iter().map(EmployeeMaturity::standing));
    let own = Shared::load(conn, unit.agency_id, span, today, &rollout, None)?.facts(
        conn,
        Scope::Unit(unit.id),
        &counted,
        &facts,
        &policy,
    )?;
    let maturity = group(employees.iter().map(EmployeeMaturity::standing), &policy, &own);
    Ok(UnitReport { span, policy, unit, maturity, employees })
}

/// The agency's maturity over a month, with each OPD's (a leader, the agency admin).
pub fn agency(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    month: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<AgencyReport, StoreError> {
    crate::agency::read_view(conn, caller, agency_id, ekinerja_domain::access::Area::AgencyViews)?;
    let today = chart::agency_today(conn, agency_id, now)?;
    let span = month_span(first_of(month, today), today);
    let policy = policy(conn, agency_id)?;
    let org = chart::load(conn, agency_id, now)?;
    let people = agency_people(conn, agency_id)?;
    let mut agreed = Agreed::month(conn, AgencyId::from(agency_id), span.month)?;
    let facts = facts(conn, agency_id, &people, span, today, &org, &mut agreed)?;
    let people = those_present(people, &facts, span.month);
    let rollout = crate::rollout::tree(conn, AgencyId::from(agency_id))?;
    let employees = assessed(people, &facts, &policy, &rollout, span.month, Standing::new);
    let everyone = counted(employees.iter().map(Standing::standing));
    let mut shared = Shared::load(conn, AgencyId::from(agency_id), span, today, &rollout, None)?;
    let own = shared.facts(conn, Scope::Agency, &everyone, &facts, &policy)?;
    let maturity = group(employees.iter().map(Standing::standing), &policy, &own);
    // The agency's units, by name, as the group facts loaded them.
    let units = shared.units.clone();
    let top = top_units(&units);
    let mut members: HashMap<OrgUnitId, Vec<&Standing>> = HashMap::new();
    for e in &employees {
        if let Some(t) = e.unit_id.and_then(|u| top.get(&u)) {
            members.entry(*t).or_default().push(e);
        }
    }
    let mut opds = Vec::new();
    for u in units.iter().filter(|u| u.parent_id.is_none()) {
        let mine = members.remove(&u.id).unwrap_or_default();
        let counted = counted(mine.iter().map(|e| e.standing()));
        let own = shared.facts(conn, Scope::Unit(u.id), &counted, &facts, &policy)?;
        opds.push((u.clone(), rollout.effective(&u.id), group(mine.iter().map(|e| e.standing()), &policy, &own)));
    }
    let units = opds;
    Ok(AgencyReport { span, policy, maturity, units })
}

/// Each unit's top-level ancestor (its OPD).
pub(crate) fn top_units(units: &[OrgUnit]) -> std::collections::HashMap<OrgUnitId, OrgUnitId> {
    crate::org_unit::branch_of(units, None)
}

/// The months from `from` to `to` (first days), checked: in order, at most
/// [`MAX_HISTORY_MONTHS`]. By default the twelve months up to the current one, none before
/// January 2000: the API takes and gives months from 2000 to 2100, and nothing is dated before.
fn months(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> Result<Vec<NaiveDate>, StoreError> {
    let to = first_of(to, today);
    let from = match from {
        Some(f) => first_of(Some(f), today),
        None => {
            let year_back = to.checked_sub_months(Months::new(11)).unwrap_or(to);
            NaiveDate::from_ymd_opt(2000, 1, 1).map_or(year_back, |first| year_back.max(first.min(to)))
        }
    };
    if from > to {
        return Err(StoreError::invalid("to", "must not be before `from`"));
    }
    let mut out = vec![];
    let mut m = from;
    while m <= to {
        if out.len() as u32 == MAX_HISTORY_MONTHS {
            return Err(StoreError::invalid("to", format!("a history covers at most {MAX_HISTORY_MONTHS} months")));
        }
        out.push(m);
        let Some(next) = m.checked_add_months(Months::new(1)) else { break };
        m = next;
    }
    Ok(out)
}

/// Who a history is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Employee(Uuid),
    Unit(Uuid),
    Agency(Uuid),
}

/// The level per month, with each rule's figures.
pub fn history(
    conn: &mut DbConnection,
    caller: &Caller,
    subject: Subject,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Vec<HistoryPoint>, StoreError> {
    let single = matches!(subject, Subject::Employee(_));
    let (agency, people, scope) = match subject {
        Subject::Employee(id) => {
            let e = crate::employee::get_for_any(conn, caller, id, LOG_ROWS, now)?;
            let agency = e.agency_id.uuid();
            (agency, crate::discipline::units_of(conn, vec![e])?, Scope::Agency)
        }
        Subject::Unit(id) => {
            let (unit, agency, people) = crate::discipline::unit_people(conn, caller, id, now)?;
            (agency, people, Scope::Unit(unit.id))
        }
        Subject::Agency(id) => {
            crate::agency::read_view(conn, caller, id, ekinerja_domain::access::Area::AgencyViews)?;
            (id, agency_people(conn, id)?, Scope::Agency)
        }
    };
    let today = chart::agency_today(conn, agency, now)?;
    let months = months(from, to, today)?;
    let policy = policy(conn, agency)?;
    let org = chart::load(conn, agency, now)?;
    let rollout = crate::rollout::tree(conn, AgencyId::from(agency))?;
    let mut agreed = match (months.first(), months.last()) {
        (Some(from), Some(to)) => Agreed::load(conn, AgencyId::from(agency), *from, month_end(*to))?,
        _ => return Ok(vec![]),
    };
    // The twelve-month windows of workload overlap: their whole months are read once.
    let windows: Vec<NaiveDate> = months.iter().filter_map(|m| month_span(*m, today).to).collect();
    let by_month = match (windows.first(), windows.last()) {
        (Some(first), Some(last)) if !single => {
            Some(crate::workload::ByMonth::load(conn, AgencyId::from(agency), (workload_from(*first), *last), today)?)
        }
        _ => None,
    };
    let mut out = Vec::with_capacity(months.len());
    for first in months {
        let span = month_span(first, today);
        let facts = facts(conn, agency, &people, span, today, &org, &mut agreed)?;
        let point = if single {
            let (e, _) = people.first().ok_or(StoreError::NotFound)?;
            let rules = employee_rules(&facts.get(&e.id).copied().unwrap_or_default(), &policy);
            HistoryPoint { span, employees: 1, level: level(&rules), rules }
        } else {
            let last = month_end(first);
            // The level of each employee there and rolled out in the month: the others count for
            // no level (roles.md, Rollout).
            let counted: Vec<(EmployeeId, u8)> = people
                .iter()
                .filter(|(e, unit)| {
                    present(e, &facts, last) && unit.as_ref().is_some_and(|u| rollout.rolled_out(u, first))
                })
                .map(|(e, _)| (e.id, level(&employee_rules(&facts.get(&e.id).copied().unwrap_or_default(), &policy))))
                .collect();
            let ids: Vec<EmployeeId> = counted.iter().map(|(id, _)| *id).collect();
            let own = Shared::load(conn, AgencyId::from(agency), span, today, &rollout, by_month.as_ref())?
                .facts(conn, scope, &ids, &facts, &policy)?;
            let (employees, rules, level) =
                ekinerja_domain::maturity::group(counted.iter().map(|(_, l)| *l), &policy, &own);
            HistoryPoint { span, employees, level, rules }
        };
        out.push(point);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_default_history_is_the_year_to_its_end_and_begins_no_earlier_than_2000() {
        let today = day(2026, 12, 4);
        let year = months(None, Some(day(2026, 11, 1)), today).unwrap();
        assert_eq!((year.len(), year[0], year[11]), (12, day(2025, 12, 1), day(2026, 11, 1)));
        assert_eq!(months(None, Some(day(2000, 2, 1)), today).unwrap(), [day(2000, 1, 1), day(2000, 2, 1)]);
        assert_eq!(months(Some(day(2000, 1, 1)), Some(day(2000, 1, 1)), today).unwrap(), [day(2000, 1, 1)]);
        assert!(months(Some(day(2026, 2, 1)), Some(day(2026, 1, 1)), today).is_err());
        assert!(months(Some(day(2024, 1, 1)), Some(day(2026, 1, 1)), today).is_err());
    }
}
