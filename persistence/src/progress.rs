//! Progress against the month's (or quarter's) targets from accepted logs, before any evaluation
//! opens; and a unit's daily logging curve.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};
use ekinerja_domain::access::Area;
use ekinerja_domain::agreement::AgreementStatus;
use ekinerja_domain::daily_log::LogStatus;
use ekinerja_domain::evaluation::{achievement_bp, period_target, PeriodKind};
use ekinerja_domain::id::{EmployeeId, OrgUnitId, PlannedResultId, PositionId};
use ekinerja_domain::progress::{indicator_for, logging_curve, period_holding, CurveDay};
use ekinerja_domain::Caller;
use serde::Serialize;
use uuid::Uuid;

use crate::agreement::{Agreement, Indicator, PlannedResult, ResultDetail};
use crate::employee::Employee;
use crate::schema::agreements;
use crate::{chart, DbConnection, StoreError};

/// The accepted output of a planned result (all its revisions) over a span, split by the unit
/// each log states.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResultOutput {
    pub logs: i64,
    pub minutes: i64,
    pub output: i64,
    /// `(output_unit, output)` per unit the logs stated.
    pub by_unit: Vec<(Option<String>, i64)>,
}

impl ResultOutput {
    /// The output that counts for each of `result`'s indicators (by the domain's rule), and what
    /// fits none of them.
    pub fn attributed(&self, result: &ResultDetail) -> (Vec<i64>, i64) {
        let units: Vec<&str> = result.indicators.iter().map(|i| i.indicator.target_unit.as_str()).collect();
        let mut per = vec![0; units.len()];
        let mut unattributed = 0;
        for (unit, output) in &self.by_unit {
            match indicator_for(unit.as_deref(), &units).and_then(|i| per.get_mut(i)) {
                Some(slot) => *slot += output,
                None => unattributed += output,
            }
        }
        (per, unattributed)
    }
}

#[derive(QueryableByName)]
struct OutputRow {
    #[diesel(sql_type = crate::key::Key<PlannedResultId>)]
    lineage_id: PlannedResultId,
    #[diesel(sql_type = Nullable<Text>)]
    output_unit: Option<String>,
    #[diesel(sql_type = BigInt)]
    logs: i64,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
    #[diesel(sql_type = BigInt)]
    output: i64,
}

/// Accepted logs per planned-result lineage (so logs written against an earlier revision of the
/// agreement count for the same result) and stated unit.
const OUTPUT_SQL: &str = "
SELECT pr.lineage_id AS lineage_id, dl.output_unit AS output_unit, COUNT(*) AS logs,
       CAST(SUM(dl.duration_minutes) AS BIGINT) AS minutes, CAST(SUM(dl.output_quantity) AS BIGINT) AS output
FROM daily_logs dl JOIN planned_results pr ON pr.id = dl.planned_result_id
WHERE dl.employee_id = $1 AND dl.log_date >= $2 AND dl.log_date <= $3 AND dl.status = $4
GROUP BY pr.lineage_id, dl.output_unit";

/// An employee's accepted output from `from` to `to`, per planned-result lineage.
pub(crate) fn accepted_output(
    conn: &mut DbConnection,
    employee: EmployeeId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<PlannedResultId, ResultOutput>, StoreError> {
    let rows: Vec<OutputRow> = crate::prepared::sql(OUTPUT_SQL)
        .bind::<crate::key::Key<EmployeeId>, _>(crate::key::bind(employee))
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<crate::word::Word, _>(crate::word::bind(LogStatus::Accepted))
        .load(conn)?;
    let mut out: HashMap<PlannedResultId, ResultOutput> = HashMap::new();
    for r in rows {
        let o = out.entry(r.lineage_id).or_default();
        o.logs += r.logs;
        o.minutes += r.minutes;
        o.output += r.output;
        o.by_unit.push((r.output_unit, r.output));
    }
    Ok(out)
}

/// An indicator's progress in the period.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorProgress {
    pub indicator: Indicator,
    /// The part of the annual target falling in the period, from the breakdown; `None` where the
    /// breakdown does not split that finely (or is not set).
    pub period_target: Option<i64>,
    /// Accepted output counting for this indicator so far.
    pub realised: i64,
    /// `realised` against `period_target`, in basis points.
    pub achievement_bp: Option<i64>,
}

/// A planned result's progress in the period.
#[derive(Debug, Clone, Serialize)]
pub struct ResultProgress {
    pub result: PlannedResult,
    pub accepted_logs: i64,
    pub minutes: i64,
    pub output_quantity: i64,
    /// Output of logs whose unit fits none (or more than one) of the result's indicators.
    pub unattributed_output: i64,
    pub indicators: Vec<IndicatorProgress>,
}

/// An employee's progress in a month, quarter or year.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub employee: Employee,
    pub kind: PeriodKind,
    pub number: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The approved agreement the targets come from: the one covering the period for the post
    /// the employee holds, latest revision first; `None` when no approved agreement covers it.
    pub agreement: Option<Agreement>,
    pub results: Vec<ResultProgress>,
}

/// An employee's progress against the targets of the `kind` period holding `day` (by default the
/// agency's today), for whoever may read the employee's evaluations.
pub fn employee(
    conn: &mut DbConnection,
    caller: &Caller,
    employee_id: Uuid,
    kind: PeriodKind,
    day: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Progress, StoreError> {
    let employee = crate::employee::get_for(conn, caller, employee_id, Area::Evaluation, now)?;
    let day = match day {
        Some(d) => d,
        None => chart::agency_today(conn, employee.agency_id.uuid(), now)?,
    };
    let (number, from, to) = period_holding(kind, day);
    let approved: Vec<Agreement> = agreements::table
        .filter(agreements::employee_id.eq(crate::key::bind(employee.id)))
        .filter(agreements::status.eq(crate::word::bind(AgreementStatus::Approved)))
        .filter(agreements::starts_on.le(to))
        .filter(agreements::ends_on.ge(from))
        .select(Agreement::as_select())
        .load(conn)?;
    let keys: Vec<(PositionId, i32)> = approved.iter().map(|a| (a.position_id, a.revision)).collect();
    let Some(agreement) =
        ekinerja_domain::maturity::agreement_that_counts(employee.position_id, &keys).map(|i| approved[i].clone())
    else {
        return Ok(Progress { employee, kind, number, from, to, agreement: None, results: vec![] });
    };
    let detail = crate::agreement::detail(conn, agreement)?;
    let outputs = accepted_output(conn, employee.id, from, to)?;
    let results = detail
        .results
        .into_iter()
        .map(|r| {
            let o = outputs.get(&r.result.lineage_id).cloned().unwrap_or_default();
            let (per, unattributed) = o.attributed(&r);
            let indicators = r
                .indicators
                .into_iter()
                .zip(per)
                .map(|(i, realised)| {
                    let target =
                        period_target(i.indicator.target_quantity, i.indicator.breakdown, &i.targets, kind, number);
                    IndicatorProgress {
                        achievement_bp: achievement_bp(realised, target),
                        indicator: i.indicator,
                        period_target: target,
                        realised,
                    }
                })
                .collect();
            ResultProgress {
                result: r.result,
                accepted_logs: o.logs,
                minutes: o.minutes,
                output_quantity: o.output,
                unattributed_output: unattributed,
                indicators,
            }
        })
        .collect();
    Ok(Progress { employee, kind, number, from, to, agreement: Some(detail.agreement), results })
}

/// A unit's logging curve for a month.
#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    pub org_unit_id: OrgUnitId,
    /// The first day of the month.
    pub month: NaiveDate,
    /// The last day shown: the month's end, or yesterday (a day shows once it is over); `None`
    /// when no day of the month is over.
    pub to: Option<NaiveDate>,
    /// Active staff of the unit and its sub-units rolled out in the month: whom the curve counts.
    pub rolled_out: i64,
    /// Active staff not yet rolled out in the month, left out of the curve.
    pub not_rolled_out: i64,
    pub days: Vec<CurveDay>,
}

/// The share of a unit's rolled-out staff who logged, on each working day of the month that is
/// over (whoever reads the unit's views). Each person counts on their own working days: their
/// schedule or roster, not holidays, not days on leave or official travel.
pub fn unit_curve(
    conn: &mut DbConnection,
    caller: &Caller,
    unit_id: Uuid,
    first: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Curve, StoreError> {
    use chrono::Datelike;
    let (unit, agency) = crate::org_unit::read_view(conn, caller, unit_id, now)?;
    let today = chart::agency_today(conn, agency, now)?;
    let first = first.unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let (from, _, to) = crate::discipline::judged_span(first, today);
    let (_, staff) = crate::org_unit::staff(conn, unit.agency_id, unit.id)?;
    let rollout = crate::rollout::load(conn, unit.agency_id)?;
    let (people, left_out): (Vec<Employee>, Vec<Employee>) =
        staff.into_iter().partition(|e| rollout.employee_rolled_out(e.id, first));
    let mut curve = Curve {
        org_unit_id: unit.id,
        month: first,
        to,
        rolled_out: people.len() as i64,
        not_rolled_out: left_out.len() as i64,
        days: vec![],
    };
    let Some(to) = to else { return Ok(curve) };
    let people = crate::discipline::units_of(conn, people)?;
    let working = crate::discipline::working_days(conn, agency, &people, from, to)?;
    let staff_ids: Vec<EmployeeId> = people.iter().map(|(e, _)| e.id).collect();
    let ids: HashSet<EmployeeId> = staff_ids.iter().copied().collect();
    let whose = crate::log_day::Whose::people(unit.agency_id, &staff_ids);
    let mut logged: HashSet<(EmployeeId, NaiveDate)> = HashSet::new();
    crate::log_day::each(conn, whose, crate::log_day::Statuses::NotRejected, from, to, |days| {
        logged.extend(days.into_iter().filter(|d| ids.contains(&d.employee_id)).map(|d| (d.employee_id, d.log_date)))
    })?;
    curve.days = logging_curve(&working, &logged, from, to);
    Ok(curve)
}
