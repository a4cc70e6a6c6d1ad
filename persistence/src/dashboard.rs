//! The dashboard of the agency or a unit: how the rollout is going, from a handful of aggregate
//! queries over the agency, counted here for the employees in scope (the active employees with a
//! post in the unit and its sub-units, or in the agency).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use diesel::prelude::*;
use ekinerja_domain::agreement::{standing, AgreementStatus};
use ekinerja_domain::allowance::LineStatus;
use ekinerja_domain::evaluation::Predicate;
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId, PerformancePeriodId};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::evaluation::{Evaluation, EvaluationPeriod};
use crate::org_unit::OrgUnit;
use crate::schema::{
    agreements, allowance_lines, allowance_runs, employees, evaluation_periods, evaluations, org_units,
    performance_periods, positions,
};
use crate::{chart, DbConnection, StoreError};

/// Logging over some days.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Coverage {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Employees with at least one log not rejected.
    pub logged: i64,
    pub not_logged: i64,
    /// `logged` of the employees, in basis points.
    pub share_bp: i64,
    /// Minutes logged (not rejected).
    pub minutes: i64,
}

/// Agreements of the year by where they stand: per employee, `approved` when an approved
/// revision is in force, otherwise the state of their latest revision.
#[derive(Debug, Clone, Serialize)]
pub struct Agreements {
    /// The performance period of the agency's current year; none while none is open.
    pub period_id: Option<PerformancePeriodId>,
    pub year: i32,
    pub draft: i64,
    pub submitted: i64,
    pub returned: i64,
    pub approved: i64,
    pub without_agreement: i64,
}

/// Where the latest evaluation period that has begun stands.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluations {
    pub period: Option<EvaluationPeriod>,
    pub not_opened: i64,
    pub draft: i64,
    pub final_count: i64,
    /// Final predicates, in the order of `Predicate::ALL`.
    pub predicates: Vec<(Predicate, i64)>,
}

/// The latest month with an approved allowance run.
#[derive(Debug, Clone, Serialize)]
pub struct Allowance {
    /// Its first day; none when no run was approved yet.
    pub month: Option<NaiveDate>,
    /// Employees in scope with a computed line (the latest approved run that holds them).
    pub paid: i64,
    /// Employees in scope whose line waits (no final predicate, no base amount).
    pub pending: i64,
    /// Their amounts, rupiah.
    pub total: i64,
}

/// A unit's rollout.
#[derive(Debug, Clone, Serialize)]
pub struct Rollout {
    pub unit: OrgUnit,
    /// The month the unit is rolled out from (its own or inherited); none: not rolled out.
    pub rolled_out_from: Option<NaiveDate>,
    /// Whether it is rolled out this month.
    pub rolled_out: bool,
    pub employees: i64,
    pub with_approved_agreement: i64,
    pub logged_this_week: i64,
}

/// The whole dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// The agency's today.
    pub today: NaiveDate,
    pub unit: Option<OrgUnit>,
    /// Active employees with a post in a unit rolled out this month: whom the figures count.
    pub employees: i64,
    /// Active employees with a post in a unit not rolled out this month, left out of the figures.
    pub not_rolled_out: i64,
    pub today_logs: Coverage,
    pub week_logs: Coverage,
    pub agreements: Agreements,
    pub evaluations: Evaluations,
    pub allowance: Allowance,
    /// The units directly below (the OPDs, for the agency), by name.
    pub rollout: Vec<Rollout>,
}

fn share_bp(part: i64, whole: i64) -> i64 {
    ekinerja_domain::daily_log::share_bp(part, whole)
}

/// The agency's units, its active employees with a post and the unit of each.
struct Scope {
    units: Vec<OrgUnit>,
    /// Employee id → unit id, for everyone in the agency.
    unit_of: HashMap<EmployeeId, OrgUnitId>,
}

fn scope(conn: &mut DbConnection, agency: AgencyId) -> Result<Scope, StoreError> {
    let units: Vec<OrgUnit> = org_units::table
        .filter(org_units::agency_id.eq(crate::key::bind(agency)))
        .order((org_units::name.asc(), org_units::id.asc()))
        .select(OrgUnit::as_select())
        .load(conn)?;
    let unit_of = employees::table
        .inner_join(positions::table)
        .filter(employees::agency_id.eq(crate::key::bind(agency)))
        .filter(employees::active.eq(true))
        .select((employees::id, positions::org_unit_id))
        .load::<(EmployeeId, OrgUnitId)>(conn)?
        .into_iter()
        .collect();
    Ok(Scope { units, unit_of })
}

/// The ids of `root` and every unit below it.
fn below(units: &[OrgUnit], root: OrgUnitId) -> HashSet<OrgUnitId> {
    let mut children: HashMap<OrgUnitId, Vec<OrgUnitId>> = HashMap::new();
    for u in units {
        if let Some(p) = u.parent_id {
            children.entry(p).or_default().push(u.id);
        }
    }
    let mut out = HashSet::from([root]);
    let mut frontier = vec![root];
    while let Some(u) = frontier.pop() {
        for c in children.get(&u).into_iter().flatten() {
            if out.insert(*c) {
                frontier.push(*c);
            }
        }
    }
    out
}

fn build(
    conn: &mut DbConnection,
    agency: Uuid,
    unit: Option<OrgUnit>,
    now: DateTime<Utc>,
) -> Result<Dashboard, StoreError> {
    let agency_id = AgencyId::from(agency);
    let today = chart::agency_today(conn, agency, now)?;
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let s = scope(conn, agency_id)?;
    let inside: Option<HashSet<OrgUnitId>> = unit.as_ref().map(|u| below(&s.units, u.id));
    let rollout_tree = crate::rollout::tree(conn, agency_id)?;
    let in_scope: Vec<(EmployeeId, OrgUnitId)> = s
        .unit_of
        .iter()
        .filter(|(_, u)| inside.as_ref().is_none_or(|i| i.contains(*u)))
        .map(|(e, u)| (*e, *u))
        .collect();
    // Rates count the people of units rolled out this month (roles.md, Rollout).
    let people: HashSet<EmployeeId> =
        in_scope.iter().filter(|(_, u)| rollout_tree.rolled_out(u, today)).map(|(e, _)| *e).collect();
    let employees = people.len() as i64;
    let not_rolled_out = in_scope.len() as i64 - employees;

    // Daily logs today and this week.
    let ids: Vec<EmployeeId> = people.iter().copied().collect();
    let whose = crate::log_day::Whose::people(agency_id, &ids);
    // Each employee's week and day summed by the database: a row an employee, not a row an
    // employee, day and status.
    let not_rejected = crate::log_day::Statuses::NotRejected;
    let mut week_people: HashSet<EmployeeId> = HashSet::new();
    let mut week_minutes = 0;
    for t in crate::log_day::totals(conn, whose, not_rejected, (monday, today), today)? {
        if people.contains(&t.employee_id) {
            week_people.insert(t.employee_id);
            week_minutes += t.minutes;
        }
    }
    let (mut today_people, mut today_minutes) = (0, 0);
    for t in crate::log_day::totals(conn, whose, not_rejected, (today, today), today)? {
        if people.contains(&t.employee_id) {
            today_people += 1;
            today_minutes += t.minutes;
        }
    }
    let coverage = |from, logged: usize, minutes| Coverage {
        from,
        to: today,
        logged: logged as i64,
        not_logged: employees - logged as i64,
        share_bp: share_bp(logged as i64, employees),
        minutes,
    };
    let today_logs = coverage(today, today_people, today_minutes);
    let week_logs = coverage(monday, week_people.len(), week_minutes);

    // Agreements of the current year.
    let period_id: Option<PerformancePeriodId> = performance_periods::table
        .filter(performance_periods::agency_id.eq(crate::key::bind(agency_id)))
        .filter(performance_periods::year.eq(today.year()))
        .select(performance_periods::id)
        .first(conn)
        .optional()?;
    let mut revisions: HashMap<EmployeeId, Vec<(AgreementStatus, i32)>> = HashMap::new();
    if let Some(p) = period_id {
        let rows: Vec<(EmployeeId, AgreementStatus, i32)> = agreements::table
            .filter(agreements::period_id.eq(crate::key::bind(p)))
            .select((agreements::employee_id, agreements::status, agreements::revision))
            .load(conn)?;
        for (employee, status, revision) in rows {
            if people.contains(&employee) {
                revisions.entry(employee).or_default().push((status, revision));
            }
        }
    }
    let standing: HashMap<EmployeeId, AgreementStatus> =
        revisions.into_iter().filter_map(|(e, r)| standing(&r).map(|s| (e, s))).collect();
    let mut agreements = Agreements {
        period_id,
        year: today.year(),
        draft: 0,
        submitted: 0,
        returned: 0,
        approved: 0,
        without_agreement: employees - standing.len() as i64,
    };
    for s in standing.values() {
        match s {
            AgreementStatus::Approved => agreements.approved += 1,
            AgreementStatus::Submitted => agreements.submitted += 1,
            AgreementStatus::Returned => agreements.returned += 1,
            AgreementStatus::Draft | AgreementStatus::Superseded => agreements.draft += 1,
        }
    }
    let approved_people: HashSet<EmployeeId> =
        standing.iter().filter(|(_, s)| **s == AgreementStatus::Approved).map(|(e, _)| *e).collect();

    // The period being evaluated: the one that ended last (of two ending together, the longer:
    // the year-end evaluation over the last quarter's); before any has ended, the shortest one
    // running today.
    let ended: Option<EvaluationPeriod> = evaluation_periods::table
        .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency_id)))
        .filter(evaluation_periods::ends_on.lt(today))
        .order((evaluation_periods::ends_on.desc(), evaluation_periods::starts_on.asc()))
        .select(EvaluationPeriod::as_select())
        .first(conn)
        .optional()?;
    let period = match ended {
        Some(p) => Some(p),
        None => evaluation_periods::table
            .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency_id)))
            .filter(evaluation_periods::starts_on.le(today))
            .order((evaluation_periods::ends_on.asc(), evaluation_periods::starts_on.desc()))
            .select(EvaluationPeriod::as_select())
            .first(conn)
            .optional()?,
    };
    let mut evaluations_view =
        Evaluations { period: None, not_opened: employees, draft: 0, final_count: 0, predicates: vec![] };
    let mut counts: HashMap<Predicate, i64> = HashMap::new();
    if let Some(p) = period {
        let rows: Vec<Evaluation> = evaluations::table
            .filter(evaluations::evaluation_period_id.eq(crate::key::bind(p.id)))
            .select(Evaluation::as_select())
            .load(conn)?;
        for (employee, e) in crate::evaluation::current_of(rows) {
            if !people.contains(&employee) {
                continue;
            }
            evaluations_view.not_opened -= 1;
            if e.status == ekinerja_domain::evaluation::EvaluationStatus::Final {
                evaluations_view.final_count += 1;
                if let Some(pr) = e.predicate {
                    *counts.entry(pr).or_default() += 1;
                }
            } else {
                evaluations_view.draft += 1;
            }
        }
        evaluations_view.period = Some(p);
    }
    evaluations_view.predicates = Predicate::ALL.iter().map(|p| (*p, counts.get(p).copied().unwrap_or(0))).collect();

    // The latest month with an approved run for the whole agency; before any, the latest with an
    // approved unit run.
    let whole: Option<NaiveDate> = allowance_runs::table
        .filter(allowance_runs::agency_id.eq(crate::key::bind(agency_id)))
        .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
        .filter(allowance_runs::org_unit_id.is_null())
        .select(diesel::dsl::max(allowance_runs::month))
        .first(conn)?;
    let month = match whole {
        Some(m) => Some(m),
        None => allowance_runs::table
            .filter(allowance_runs::agency_id.eq(crate::key::bind(agency_id)))
            .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
            .select(diesel::dsl::max(allowance_runs::month))
            .first(conn)?,
    };
    let mut allowance = Allowance { month, paid: 0, pending: 0, total: 0 };
    if let Some(m) = month {
        let lines: Vec<(EmployeeId, LineStatus, i64)> = allowance_lines::table
            .inner_join(allowance_runs::table)
            .filter(allowance_runs::agency_id.eq(crate::key::bind(agency_id)))
            .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
            .filter(allowance_runs::month.eq(m))
            .order((allowance_runs::approved_at.desc(), allowance_runs::created_at.desc()))
            .select((allowance_lines::employee_id, allowance_lines::status, allowance_lines::amount))
            .load(conn)?;
        let mut seen: HashSet<EmployeeId> = HashSet::new();
        for (employee, status, amount) in lines {
            // The latest approved run holding the employee counts (a correction replaces).
            if !people.contains(&employee) || !seen.insert(employee) {
                continue;
            }
            match status {
                LineStatus::Computed => {
                    allowance.paid += 1;
                    allowance.total += amount;
                }
                LineStatus::Pending => allowance.pending += 1,
                LineStatus::NotRolledOut => {}
            }
        }
    }

    // The rollout of the units directly below: each employee counted once, in the branch of
    // their unit.
    let parent = unit.as_ref().map(|u| u.id);
    let branch = crate::org_unit::branch_of(&s.units, parent);
    let mut branches: HashMap<OrgUnitId, (i64, i64, i64)> = HashMap::new();
    for (e, u) in &s.unit_of {
        let Some(top) = branch.get(u) else { continue };
        let c = branches.entry(*top).or_default();
        c.0 += 1;
        c.1 += i64::from(approved_people.contains(e));
        c.2 += i64::from(week_people.contains(e));
    }
    let rollout = s
        .units
        .iter()
        .filter(|u| u.parent_id == parent)
        .map(|u| {
            let (employees, with_approved_agreement, logged_this_week) =
                branches.get(&u.id).copied().unwrap_or_default();
            let from = rollout_tree.effective(&u.id);
            Rollout {
                unit: u.clone(),
                rolled_out_from: from,
                rolled_out: ekinerja_domain::rollout::rolled_out(from, today),
                employees,
                with_approved_agreement,
                logged_this_week,
            }
        })
        .collect();

    Ok(Dashboard {
        today,
        unit,
        employees,
        not_rolled_out,
        today_logs,
        week_logs,
        agreements,
        evaluations: evaluations_view,
        allowance,
        rollout,
    })
}

/// The agency's dashboard (a leader, the agency admin).
pub fn agency(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Dashboard, StoreError> {
    crate::agency::read_view(conn, caller, agency_id, ekinerja_domain::access::Area::AgencyViews)?;
    build(conn, agency_id, None, now)
}

/// A unit's dashboard, its sub-units included (whoever reads the unit's views).
pub fn unit(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Dashboard, StoreError> {
    let (unit, agency) = crate::org_unit::read_view(conn, caller, unit_id, now)?;
    build(conn, agency, Some(unit), now)
}
