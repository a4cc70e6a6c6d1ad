//! The per-OPD comparison leaders ask for: one row per OPD (a unit at the top of the agency's
//! tree) for a month, from the same figures as the agency's own views (discipline, maturity and
//! workload are computed by their modules, not again here).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use diesel::prelude::*;
use ekinerja_domain::allowance::LineStatus;
use ekinerja_domain::evaluation::Predicate;
use ekinerja_domain::id::{AgencyId, EmployeeId, OrgUnitId};
use ekinerja_domain::workload::Grade;
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::evaluation::{Evaluation, EvaluationPeriod};
use crate::org_unit::OrgUnit;
use crate::schema::{
    allowance_lines, allowance_runs, employees, evaluation_periods, evaluations, org_units, positions,
};
use crate::{chart, DbConnection, StoreError};

/// One OPD's month.
#[derive(Debug, Clone, Serialize)]
pub struct OpdRow {
    pub unit: OrgUnit,
    /// Active employees with a post in the OPD or below it, in units rolled out in the month:
    /// whom the figures count.
    pub employees: i64,
    /// Active employees with a post in the OPD in units not rolled out in the month, left out of
    /// the figures (roles.md, Rollout).
    pub not_rolled_out: i64,
    /// Whether the OPD is rolled out in the month (its own month; a sub-unit may set a later one).
    pub rolled_out: bool,
    /// The month the OPD is rolled out from.
    pub rolled_out_from: Option<NaiveDate>,
    /// Employees with at least one log of the month that was not rejected.
    pub logged: i64,
    /// `logged` of `employees`, in basis points.
    pub log_coverage_bp: i64,
    /// Minutes of accepted logs of the month per employee (rounded down).
    pub accepted_minutes_per_employee: i64,
    /// The mean of the employees' discipline deductions for the month, in basis points.
    pub average_deduction_bp: i64,
    /// The share of employees with any deduction, in basis points.
    pub with_deductions_bp: i64,
    /// Final predicates of the last closed evaluation period, in the order of `Predicate::ALL`.
    pub predicates: Vec<(Predicate, i64)>,
    /// Employees with a computed line in the month's approved runs (the run approved last).
    pub paid: i64,
    /// Their amounts, rupiah.
    pub allowance_total: i64,
    /// `allowance_total` over `paid` (rounded down); 0 when no one was paid.
    pub allowance_average: i64,
    /// The OPD's maturity level over the month (1 to 6; 0 when no one reached level 1).
    pub maturity_level: u8,
    /// The OPD's workload grade over the month so far; none before a day of it has passed.
    pub workload_grade: Option<Grade>,
}

/// The comparison of a month.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The first day of the month.
    pub month: NaiveDate,
    /// The last closed evaluation period, whose predicates the rows count.
    pub evaluation_period: Option<EvaluationPeriod>,
    pub rows: Vec<OpdRow>,
}

/// Every OPD of the agency for the month of `month` (by default last month), for a leader and
/// the agency admin.
pub fn agency_month(
    conn: &mut DbConnection,
    caller: &Caller,
    agency_id: Uuid,
    month: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Comparison, StoreError> {
    crate::agency::read_view(conn, caller, agency_id, ekinerja_domain::access::Area::AgencyViews)?;
    let agency = AgencyId::from(agency_id);
    let today = chart::agency_today(conn, agency_id, now)?;
    let this_month = today.with_day(1).unwrap_or(today);
    let first = match month {
        Some(m) => m.with_day(1).unwrap_or(m),
        None => this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month),
    };
    if first > today {
        return Err(StoreError::invalid("month", "must not be after the current month"));
    }
    let last = first.checked_add_months(Months::new(1)).and_then(|m| m.pred_opt()).unwrap_or(first);

    // The OPDs and who is in each.
    let units: Vec<OrgUnit> = org_units::table
        .filter(org_units::agency_id.eq(crate::key::bind(agency)))
        .order((org_units::name.asc(), org_units::id.asc()))
        .select(OrgUnit::as_select())
        .load(conn)?;
    let top = crate::maturity::top_units(&units);
    let rollout = crate::rollout::tree(conn, agency)?;
    let placed: Vec<(EmployeeId, OrgUnitId, bool)> = employees::table
        .inner_join(positions::table)
        .filter(employees::agency_id.eq(crate::key::bind(agency)))
        .filter(employees::active.eq(true))
        .select((employees::id, positions::org_unit_id))
        .load::<(EmployeeId, OrgUnitId)>(conn)?
        .into_iter()
        .filter_map(|(e, u)| top.get(&u).map(|t| (e, *t, rollout.rolled_out(&u, first))))
        .collect();
    let waiting_rollout: HashMap<OrgUnitId, i64> =
        placed.iter().filter(|(_, _, r)| !r).fold(HashMap::new(), |mut m, (_, t, _)| {
            *m.entry(*t).or_default() += 1;
            m
        });
    // Every figure counts the people of units rolled out in the month.
    let opd_of: HashMap<EmployeeId, OrgUnitId> =
        placed.iter().filter(|(_, _, r)| *r).map(|(e, t, _)| (*e, *t)).collect();
    let mut rows: Vec<OpdRow> = units
        .iter()
        .filter(|u| u.parent_id.is_none())
        .map(|u| OpdRow {
            unit: u.clone(),
            employees: opd_of.values().filter(|t| **t == u.id).count() as i64,
            not_rolled_out: waiting_rollout.get(&u.id).copied().unwrap_or(0),
            rolled_out: rollout.rolled_out(&u.id, first),
            rolled_out_from: rollout.effective(&u.id),
            logged: 0,
            log_coverage_bp: 0,
            accepted_minutes_per_employee: 0,
            average_deduction_bp: 0,
            with_deductions_bp: 0,
            predicates: Vec::new(),
            paid: 0,
            allowance_total: 0,
            allowance_average: 0,
            maturity_level: 0,
            workload_grade: None,
        })
        .collect();
    let index: HashMap<OrgUnitId, usize> = rows.iter().enumerate().map(|(i, r)| (r.unit.id, i)).collect();
    let row_of = |employee: &EmployeeId| opd_of.get(employee).and_then(|t| index.get(t)).copied();

    // Logs of the month.
    let mut logged: Vec<HashSet<EmployeeId>> = vec![HashSet::new(); rows.len()];
    let mut accepted = vec![0i64; rows.len()];
    let whose = crate::log_day::Whose::Agency(agency);
    crate::log_day::each(conn, whose, crate::log_day::Statuses::NotRejected, first, last, |days| {
        for l in days {
            let Some(i) = row_of(&l.employee_id) else { continue };
            logged[i].insert(l.employee_id);
            if l.status == ekinerja_domain::daily_log::LogStatus::Accepted {
                accepted[i] += l.minutes;
            }
        }
    })?;

    // Discipline of the month, as the allowance run reads it.
    let people = crate::discipline::agency_people(conn, agency_id)?;
    let mut judge = crate::discipline::Judge::load(conn, agency_id, Some(first), now)?;
    judge.whole_agency(conn)?;
    let mut deductions: Vec<Vec<i64>> = vec![Vec::new(); rows.len()];
    for round in people.chunks(crate::discipline::PEOPLE_PER_ROUND) {
        for e in judge.months(conn, round.to_vec(), crate::discipline::Keep::Month)? {
            if let Some(i) = row_of(&e.employee.id) {
                deductions[i].push(e.month.deduction_bp);
            }
        }
    }

    // Predicates of the last closed evaluation period.
    let period: Option<EvaluationPeriod> = evaluation_periods::table
        .filter(evaluation_periods::agency_id.eq(crate::key::bind(agency)))
        .filter(evaluation_periods::status.eq(crate::word::bind(ekinerja_domain::evaluation::PeriodStatus::Closed)))
        .order((evaluation_periods::ends_on.desc(), evaluation_periods::starts_on.asc()))
        .select(EvaluationPeriod::as_select())
        .first(conn)
        .optional()?;
    let mut predicates: Vec<HashMap<Predicate, i64>> = vec![HashMap::new(); rows.len()];
    if let Some(p) = &period {
        let finals: Vec<Evaluation> = evaluations::table
            .filter(evaluations::evaluation_period_id.eq(crate::key::bind(p.id)))
            .select(Evaluation::as_select())
            .load(conn)?;
        for (employee, e) in crate::evaluation::current_of(finals) {
            let Some(i) = row_of(&employee) else { continue };
            if e.status != ekinerja_domain::evaluation::EvaluationStatus::Final {
                continue;
            }
            if let Some(pr) = e.predicate {
                *predicates[i].entry(pr).or_default() += 1;
            }
        }
    }

    // The month's approved runs: each employee's line from the run approved last.
    let lines: Vec<(EmployeeId, LineStatus, i64)> = allowance_lines::table
        .inner_join(allowance_runs::table)
        .filter(allowance_runs::agency_id.eq(crate::key::bind(agency)))
        .filter(allowance_runs::status.eq(crate::word::bind(ekinerja_domain::allowance::RunStatus::Approved)))
        .filter(allowance_runs::month.eq(first))
        .order((allowance_runs::approved_at.desc(), allowance_runs::created_at.desc()))
        .select((allowance_lines::employee_id, allowance_lines::status, allowance_lines::amount))
        .load(conn)?;
    let mut seen: HashSet<EmployeeId> = HashSet::new();
    let mut paid = vec![(0i64, 0i64); rows.len()];
    for (employee, status, amount) in lines {
        let Some(i) = row_of(&employee) else { continue };
        if seen.insert(employee) && status == LineStatus::Computed {
            paid[i].0 += 1;
            paid[i].1 += amount;
        }
    }

    // Maturity and workload, from their own modules.
    let maturity = crate::maturity::agency(conn, caller, agency_id, Some(first), now)?;
    let yesterday = today.pred_opt().unwrap_or(today);
    let workload = if yesterday >= first {
        Some(crate::workload::agency(conn, caller, agency_id, Some(first), Some(last.min(yesterday)), now)?)
    } else {
        None
    };

    for (i, r) in rows.iter_mut().enumerate() {
        r.logged = logged[i].len() as i64;
        r.log_coverage_bp = ekinerja_domain::daily_log::share_bp(r.logged, r.employees);
        r.accepted_minutes_per_employee = if r.employees > 0 { accepted[i] / r.employees } else { 0 };
        let d = &deductions[i];
        let n = d.len() as i64;
        r.average_deduction_bp = if n > 0 { d.iter().sum::<i64>() / n } else { 0 };
        r.with_deductions_bp = ekinerja_domain::daily_log::share_bp(d.iter().filter(|x| **x > 0).count() as i64, n);
        r.predicates = Predicate::ALL.iter().map(|p| (*p, predicates[i].get(p).copied().unwrap_or(0))).collect();
        (r.paid, r.allowance_total) = paid[i];
        r.allowance_average = if r.paid > 0 { r.allowance_total / r.paid } else { 0 };
        r.maturity_level =
            maturity.units.iter().find(|(u, _, _)| u.id == r.unit.id).map(|(_, _, g)| g.level).unwrap_or_default();
        r.workload_grade = workload
            .as_ref()
            .and_then(|w| w.units.iter().find(|l| l.unit.id == r.unit.id))
            .and_then(|l| l.workload.grade);
    }
    Ok(Comparison { month: first, evaluation_period: period, rows })
}
