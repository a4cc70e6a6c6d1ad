//! What a period's evaluations add up to: progress per unit, the distribution of predicates, and
//! the SIASN export for BKN.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::evaluation::{EvaluationStatus, PeriodKind, Predicate, Rating};
use ekinerja_domain::id::{EmployeeId, EvaluationPeriodId, PositionId};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{evaluation_periods, evaluations};
use crate::{access, chart, DbConnection, StoreError};

use super::{current_of, get_period, Evaluation, EvaluationPeriod};

/// One employee's standing in a period's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressRow {
    pub employee: crate::employee::Employee,
    /// The evaluation that counts, if opened.
    pub evaluation: Option<Evaluation>,
    /// Who the evaluation waits for: the direct supervisor now (`None`: the agency's admin, for
    /// the top official, or a post with no one above it).
    pub evaluator: Option<crate::employee::Employee>,
}

fn period_rows(conn: &mut DbConnection, period: &EvaluationPeriod) -> Result<Vec<Evaluation>, StoreError> {
    Ok(evaluations::table
        .filter(evaluations::evaluation_period_id.eq(crate::key::bind(period.id)))
        .select(Evaluation::as_select())
        .load(conn)?)
}

/// Tiered progress of a period in a unit (whoever reads the unit's views): every active employee of the unit
/// and its sub-units, their evaluation's state, and whom it waits for.
pub fn unit_progress(
    conn: &mut DbConnection,
    caller: &Caller,
    period_id: Uuid,
    unit_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(EvaluationPeriod, Vec<ProgressRow>), StoreError> {
    use crate::schema::employees;
    let period = get_period(conn, caller, period_id)?;
    let crate::org_unit::ReadStaff { agency, people, .. } = crate::org_unit::read_staff(conn, caller, unit_id, now)?;
    if period.agency_id != agency {
        return Err(StoreError::NotFound);
    }
    let mut current = current_of(period_rows(conn, &period)?);
    let chart = chart::load(conn, agency, now)?;
    let supervisors: Vec<(EmployeeId, Option<Uuid>)> =
        people.iter().map(|e| (e.id, chart.supervisor_of(e.id.uuid()).map(|o| o.employee_id))).collect();
    let wanted: Vec<EmployeeId> = supervisors.iter().filter_map(|(_, s)| s.map(EmployeeId::from)).collect();
    let bosses: std::collections::HashMap<EmployeeId, crate::employee::Employee> = employees::table
        .filter(employees::id.eq_any(crate::key::binds(wanted)))
        .select(crate::employee::Employee::as_select())
        .load::<crate::employee::Employee>(conn)?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let rows = people
        .into_iter()
        .zip(supervisors)
        .map(|(employee, (_, boss))| ProgressRow {
            evaluation: current.remove(&employee.id),
            evaluator: boss.and_then(|b| bosses.get(&EmployeeId::from(b)).cloned()),
            employee,
        })
        .collect();
    Ok((period, rows))
}

/// A unit's spread of final predicates in a period against the pattern for its rating.
#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub period: EvaluationPeriod,
    /// The unit's head (not counted in the spread: their predicate belongs to the level above).
    pub head: Option<crate::employee::Employee>,
    pub unit_rating: Option<ekinerja_domain::evaluation::UnitRating>,
    /// Employees of the unit below its head whose unit is rolled out by the period's last month.
    pub employees: i64,
    /// Employees below the head whose unit is not rolled out by then: left out of the spread.
    pub not_rolled_out: i64,
    /// Of `employees`, with a final predicate.
    pub finalised: i64,
    /// Count per predicate, in the order of `Predicate::ALL`.
    pub counts: Vec<(ekinerja_domain::evaluation::Predicate, i64)>,
    /// Each rule of the pattern and whether the spread keeps it; empty without a unit rating.
    pub checks: Vec<ekinerja_domain::evaluation::RuleCheck>,
}

/// The spread of a unit's final predicates in a period, against the agency's distribution pattern
/// (in force in the period's last month) of the unit's rating: the one given, or the one following
/// from its head's final predicate (whoever reads the unit's views).
pub fn unit_distribution(
    conn: &mut DbConnection,
    caller: &Caller,
    period_id: Uuid,
    unit_id: Uuid,
    unit_rating: Option<ekinerja_domain::evaluation::UnitRating>,
    now: DateTime<Utc>,
) -> Result<Distribution, StoreError> {
    let period = get_period(conn, caller, period_id)?;
    let crate::org_unit::ReadStaff { agency, people, posts, .. } =
        crate::org_unit::read_staff(conn, caller, unit_id, now)?;
    if period.agency_id != agency {
        return Err(StoreError::NotFound);
    }
    spread(conn, period, unit_id, people, posts, unit_rating)
}

/// A unit's spread in a period, from its active employees and posts (its sub-units' included).
pub(crate) fn spread(
    conn: &mut DbConnection,
    period: EvaluationPeriod,
    unit_id: Uuid,
    people: Vec<crate::employee::Employee>,
    posts: Vec<crate::position::Position>,
    unit_rating: Option<ekinerja_domain::evaluation::UnitRating>,
) -> Result<Distribution, StoreError> {
    use ekinerja_domain::evaluation::{check_distribution, Predicate, UnitRating};
    // The head: the holder of the unit's post whose supervisor sits outside the unit.
    let in_unit: std::collections::HashSet<PositionId> = posts.iter().map(|p| p.id).collect();
    let head_posts: Vec<PositionId> = posts
        .iter()
        .filter(|p| p.org_unit_id == unit_id)
        .filter(|p| p.supervisor_position_id.is_none_or(|s| !in_unit.contains(&s)))
        .map(|p| p.id)
        .collect();
    let head = people.iter().find(|e| e.position_id.is_some_and(|p| head_posts.contains(&p))).cloned();
    let current = current_of(period_rows(conn, &period)?);
    let final_of = |id: EmployeeId| current.get(&id).filter(|e| e.status == EvaluationStatus::Final);
    let unit_rating = unit_rating
        .or_else(|| head.as_ref().and_then(|h| final_of(h.id)).and_then(|e| e.predicate).map(UnitRating::from_head));
    let below_head: Vec<&crate::employee::Employee> =
        people.iter().filter(|e| head.as_ref().is_none_or(|h| h.id != e.id)).collect();
    // The spread counts those rolled out by the period's last month (roles.md, Rollout).
    let rollout = crate::rollout::load(conn, period.agency_id)?;
    let (staff, not_rolled_out): (Vec<&crate::employee::Employee>, Vec<&crate::employee::Employee>) =
        below_head.into_iter().partition(|e| rollout.employee_rolled_out(e.id, period.ends_on));
    let predicates: Vec<Predicate> = staff.iter().filter_map(|e| final_of(e.id)).filter_map(|e| e.predicate).collect();
    let counts = Predicate::ALL
        .iter()
        .map(|p| (*p, i64::try_from(predicates.iter().filter(|x| *x == p).count()).unwrap_or(0)))
        .collect();
    // The agency's pattern for the rating in force in the period's last month.
    let checks = match unit_rating {
        Some(r) => {
            let pattern = crate::distribution_pattern::pattern(conn, period.agency_id, r, period.ends_on)?;
            check_distribution(&predicates, &pattern.rules)
        }
        None => Vec::new(),
    };
    Ok(Distribution {
        period,
        head,
        unit_rating,
        employees: i64::try_from(staff.len()).unwrap_or(0),
        not_rolled_out: i64::try_from(not_rolled_out.len()).unwrap_or(0),
        finalised: i64::try_from(predicates.len()).unwrap_or(0),
        counts,
        checks,
    })
}

/// One employee's year for the national civil-service system (BKN's SIASN).
#[derive(Debug, Clone, Serialize)]
pub struct SiasnRow {
    pub nip: String,
    pub name: String,
    pub year: i32,
    pub results_rating: Rating,
    pub behaviour_rating: Rating,
    pub predicate: Predicate,
    pub assessor_nip: Option<String>,
    pub assessor_name: Option<String>,
}

/// The final results of a performance year, per employee with a final annual evaluation, for
/// the HR office to upload to SIASN (a leader, the agency admin). An export of a year that has
/// ended, with its employees in it, is recorded for the year (first and last time, by whom, how
/// many rows, how often): maturity level 6 asks whether the year's export was produced.
pub fn siasn_export(
    conn: &mut DbConnection,
    change: &crate::Change,
    performance_period_id: Uuid,
) -> Result<Vec<SiasnRow>, StoreError> {
    use diesel::sql_types::{Integer, Nullable, Text, Timestamp};
    let year = crate::period::get(conn, &change.caller, performance_period_id)?;
    let rows = siasn_rows(conn, &change.caller, &year)?;
    let today = chart::agency_today(conn, year.agency_id.uuid(), change.at.and_utc())?;
    if rows.is_empty() || today <= year.ends_on {
        return Ok(rows);
    }
    // One statement, so two first exports at once both count rather than one failing.
    crate::db::write(conn, |conn| {
        diesel::sql_query(
            "INSERT INTO siasn_exports (performance_period_id, agency_id, first_produced_at, last_produced_at,
                 last_produced_by_account_id, last_rows, times)
             VALUES ($1, $2, $3, $3, $4, $5, 1)
             ON CONFLICT (performance_period_id) DO UPDATE SET
                 last_produced_at = excluded.last_produced_at,
                 last_produced_by_account_id = excluded.last_produced_by_account_id,
                 last_rows = excluded.last_rows,
                 times = siasn_exports.times + 1",
        )
        .bind::<Text, _>(year.id.to_string())
        .bind::<Text, _>(year.agency_id.to_string())
        .bind::<Timestamp, _>(change.at)
        .bind::<Nullable<Text>, _>(Some(change.caller.account_id.to_string()))
        .bind::<Integer, _>(i32::try_from(rows.len()).unwrap_or(i32::MAX))
        .execute(conn)?;
        Ok::<_, StoreError>(())
    })?;
    Ok(rows)
}

/// Whether `caller` may produce the SIASN export of a performance year (who reads the agency's
/// views, as [`siasn_export`] asks): the year's agency when so.
pub fn siasn_export_allowed(
    conn: &mut DbConnection,
    caller: &Caller,
    performance_period_id: Uuid,
) -> Result<Uuid, StoreError> {
    let year = crate::period::get(conn, caller, performance_period_id)?;
    access::require_agency(conn, caller, year.agency_id.uuid(), Area::AgencyViews, Access::Read)?;
    Ok(year.agency_id.uuid())
}

/// Stores the SIASN export of a performance year as a job (`Prefer: respond-async`), once the
/// caller may produce it; the worker makes it as [`siasn_export`] would.
pub fn enqueue_siasn_export(
    conn: &mut DbConnection,
    change: &crate::Change,
    performance_period_id: Uuid,
) -> Result<crate::job::Job, StoreError> {
    let agency_id = siasn_export_allowed(conn, &change.caller, performance_period_id)?;
    crate::job::enqueue(conn, change, crate::job::JobRequest::SiasnExport { agency_id, performance_period_id })
}

/// Whether the SIASN export of a performance year has been produced (after the year ended, with
/// its employees in it).
pub fn siasn_produced(
    conn: &mut DbConnection,
    performance_period_id: ekinerja_domain::id::PerformancePeriodId,
) -> Result<bool, StoreError> {
    use crate::schema::siasn_exports as x;
    let n: i64 = x::table
        .filter(x::performance_period_id.eq(crate::key::bind(performance_period_id)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

fn siasn_rows(
    conn: &mut DbConnection,
    caller: &Caller,
    year: &crate::period::Period,
) -> Result<Vec<SiasnRow>, StoreError> {
    use crate::schema::employees;
    access::require_agency(conn, caller, year.agency_id.uuid(), Area::AgencyViews, Access::Read)?;
    let annual: Vec<EvaluationPeriodId> = evaluation_periods::table
        .filter(evaluation_periods::performance_period_id.eq(crate::key::bind(year.id)))
        .filter(evaluation_periods::kind.eq(crate::word::bind(PeriodKind::Annual)))
        .select(evaluation_periods::id)
        .load(conn)?;
    let rows: Vec<Evaluation> = evaluations::table
        .filter(evaluations::evaluation_period_id.eq_any(crate::key::binds(annual)))
        .select(Evaluation::as_select())
        .load(conn)?;
    let finals: Vec<Evaluation> =
        current_of(rows).into_values().filter(|e| e.status == EvaluationStatus::Final).collect();
    let mut ids: Vec<EmployeeId> = finals.iter().map(|e| e.employee_id).collect();
    ids.extend(finals.iter().filter_map(|e| e.evaluator_employee_id));
    let people: std::collections::HashMap<EmployeeId, (String, String)> = employees::table
        .filter(employees::id.eq_any(crate::key::binds(ids)))
        .select((employees::id, employees::nip, employees::name))
        .load::<(EmployeeId, String, String)>(conn)?
        .into_iter()
        .map(|(id, nip, name)| (id, (nip, name)))
        .collect();
    let mut out: Vec<SiasnRow> = Vec::with_capacity(finals.len());
    for e in finals {
        let Some((nip, name)) = people.get(&e.employee_id).cloned() else { continue };
        // Finalising requires both ratings and sets the predicate: a final one without is corrupt.
        let (Some(results_rating), Some(behaviour_rating), Some(predicate)) =
            (e.results_rating, e.behaviour_rating, e.predicate)
        else {
            return Err(StoreError::Corrupt(format!("final evaluation {} without its ratings", e.id)));
        };
        let assessor = e.evaluator_employee_id.as_ref().and_then(|a| people.get(a)).cloned();
        out.push(SiasnRow {
            nip,
            name,
            year: year.year,
            results_rating,
            behaviour_rating,
            predicate,
            assessor_nip: assessor.as_ref().map(|a| a.0.clone()),
            assessor_name: assessor.map(|a| a.1),
        });
    }
    out.sort_by(|a, b| a.nip.cmp(&b.nip));
    Ok(out)
}
