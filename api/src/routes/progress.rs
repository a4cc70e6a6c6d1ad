//! How an employee stands against this month's (or quarter's) targets, from accepted daily logs,
//! before any evaluation opens; and a unit's daily logging curve.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::agreement::{BreakdownKind, ResultKind};
use ekinerja_domain::evaluation::PeriodKind;
use ekinerja_domain::id::{AgreementId, IndicatorId, OrgUnitId, PlannedResultId};
use ekinerja_persistence::progress::{self, Curve, Progress};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::analysis::{csv, wants_csv};
use super::employee::EmployeeView;
use crate::call::Call;
use crate::error::ApiError;

/// Which period to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// `monthly` (the default), `quarterly` or `annual`: the period holding `month`.
    pub kind: Option<PeriodKind>,
    /// `YYYY-MM`, a month of the period (default: the current month in the agency's time zone).
    #[param(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// The month asked for, as its first day.
fn month(text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    text.map(super::query_month).transpose()
}

/// An indicator's progress in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorProgressView {
    #[schema(value_type = String, format = Uuid)]
    pub indicator_id: IndicatorId,
    pub description: String,
    #[schema(example = "laporan")]
    pub target_unit: String,
    /// The annual target.
    pub annual_target: i64,
    /// How the annual target is split; `null` until broken down.
    pub breakdown: Option<BreakdownKind>,
    /// The part of the target falling in the period, from the breakdown; `null` where it does not
    /// split that finely (a quarterly breakdown read by month) or is not set.
    pub period_target: Option<i64>,
    /// Output of the period's accepted logs counting for this indicator: all of the result's for
    /// its only indicator; among several, the logs whose `output_unit` is this one's
    /// `target_unit` (compared without case).
    pub realised: i64,
    /// `realised` against `period_target`, in basis points (10,000 = met; more when exceeded).
    pub achievement_bp: Option<i64>,
}

/// A planned result's progress in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultProgressView {
    #[schema(value_type = String, format = Uuid)]
    pub planned_result_id: PlannedResultId,
    /// The same planned result across revisions: logs written against any revision count.
    #[schema(value_type = String, format = Uuid)]
    pub lineage_id: PlannedResultId,
    pub kind: ResultKind,
    pub description: String,
    /// Accepted daily logs of the period serving this result.
    pub accepted_logs: i64,
    pub minutes: i64,
    pub output_quantity: i64,
    /// Output of accepted logs whose unit fits none, or more than one, of the result's
    /// indicators: counted for no indicator, never guessed.
    pub unattributed_output: i64,
    pub indicators: Vec<IndicatorProgressView>,
}

/// An employee's progress against the period's targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeProgressView {
    pub employee: EmployeeView,
    pub kind: PeriodKind,
    /// The month (1–12), quarter (1–4) or 1 for the year.
    pub number: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The approved agreement the targets come from (the one covering the period for the post
    /// held now, latest revision first); `null` when no approved agreement covers the period, and
    /// then `results` is empty.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agreement_id: Option<AgreementId>,
    pub agreement_revision: Option<i32>,
    pub results: Vec<ResultProgressView>,
}

impl From<Progress> for EmployeeProgressView {
    fn from(p: Progress) -> Self {
        EmployeeProgressView {
            employee: p.employee.into(),
            kind: p.kind,
            number: p.number,
            from: p.from,
            to: p.to,
            agreement_id: p.agreement.as_ref().map(|a| a.id),
            agreement_revision: p.agreement.as_ref().map(|a| a.revision),
            results: p
                .results
                .into_iter()
                .map(|r| ResultProgressView {
                    planned_result_id: r.result.id,
                    lineage_id: r.result.lineage_id,
                    kind: r.result.kind,
                    description: r.result.description,
                    accepted_logs: r.accepted_logs,
                    minutes: r.minutes,
                    output_quantity: r.output_quantity,
                    unattributed_output: r.unattributed_output,
                    indicators: r
                        .indicators
                        .into_iter()
                        .map(|i| IndicatorProgressView {
                            indicator_id: i.indicator.id,
                            description: i.indicator.description,
                            target_unit: i.indicator.target_unit,
                            annual_target: i.indicator.target_quantity,
                            breakdown: i.indicator.breakdown,
                            period_target: i.period_target,
                            realised: i.realised,
                            achievement_bp: i.achievement_bp,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

const PROGRESS_DESCRIPTION: &str = "Per planned result of the approved agreement and per indicator: the \
    period's target from the breakdown, the output of accepted logs so far and the share achieved. Only \
    accepted logs count; an evaluation's realisation starts from the same figures.";

/// An employee's progress.
#[utoipa::path(get, path = "/api/v1/employees/{id}/progress", tag = "evaluations", operation_id = "get_employee_progress",
    summary = "An employee's progress against the targets of a month, quarter or year, from accepted daily logs",
    description = PROGRESS_DESCRIPTION,
    params(("id" = Uuid, Path, description = "Employee id"), ProgressQuery),
    responses((status = 200, description = "The progress", body = EmployeeProgressView)),
    security(("bearer" = [])))]
pub async fn employee(call: Call, id: web::Path<Uuid>, q: web::Query<ProgressQuery>) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), call.state.now());
    let (kind, first) = (q.kind.unwrap_or(PeriodKind::Monthly), month(q.month.as_deref())?);
    let p = call.read(move |conn, caller| progress::employee(conn, caller, id, kind, first, now)).await?;
    Ok(HttpResponse::Ok().json(EmployeeProgressView::from(p)))
}

/// The caller's progress.
#[utoipa::path(get, path = "/api/v1/me/progress", tag = "evaluations", operation_id = "get_my_progress",
    summary = "My progress against the targets of a month, quarter or year, from accepted daily logs",
    description = PROGRESS_DESCRIPTION,
    params(ProgressQuery),
    responses(
        (status = 200, description = "The progress", body = EmployeeProgressView),
        (status = 403, description = "The account has no employee record", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn me(call: Call, q: web::Query<ProgressQuery>) -> Result<HttpResponse, ApiError> {
    let Some(id) = call.caller.employee_id else {
        return Err(ApiError::Forbidden("the account has no employee record".into()));
    };
    let now = call.state.now();
    let (kind, first) = (q.kind.unwrap_or(PeriodKind::Monthly), month(q.month.as_deref())?);
    let p = call.read(move |conn, caller| progress::employee(conn, caller, id, kind, first, now)).await?;
    Ok(HttpResponse::Ok().json(EmployeeProgressView::from(p)))
}

/// The month to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CurveQuery {
    /// `YYYY-MM` (default: the current month in the agency's time zone).
    #[param(example = "2026-11", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

/// One working day of the curve.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurveDayView {
    pub date: NaiveDate,
    /// Rolled-out staff for whom the day is a working day (their schedule or roster, not a
    /// holiday) and who are not on leave or official travel.
    pub expected: i64,
    /// Those of them with a log on the day that was not rejected.
    pub logged: i64,
    /// `logged` of `expected`, in basis points.
    pub share_bp: i64,
}

/// A unit's logging curve for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggingCurveView {
    #[schema(value_type = String, format = Uuid)]
    pub org_unit_id: OrgUnitId,
    /// The first day of the month.
    pub from: NaiveDate,
    /// The last day shown: the month's end, or yesterday (a day shows once it is over); `null`
    /// when no day of the month is over yet.
    pub to: Option<NaiveDate>,
    /// Active staff of the unit and its sub-units rolled out in the month: whom the curve counts.
    pub rolled_out: i64,
    /// Active staff not yet rolled out in the month, left out of the curve.
    pub not_rolled_out: i64,
    /// Each day of the month that is a working day of at least one of them, in order.
    pub days: Vec<CurveDayView>,
}

impl From<Curve> for LoggingCurveView {
    fn from(c: Curve) -> Self {
        LoggingCurveView {
            org_unit_id: c.org_unit_id,
            from: c.month,
            to: c.to,
            rolled_out: c.rolled_out,
            not_rolled_out: c.not_rolled_out,
            days: c
                .days
                .into_iter()
                .map(|d| CurveDayView { date: d.date, expected: d.expected, logged: d.logged, share_bp: d.share_bp })
                .collect(),
        }
    }
}

/// A unit's logging curve.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/logging-curve", tag = "analysis", operation_id = "get_unit_logging_curve",
    summary = "A unit's logging curve: the share of its rolled-out staff who logged, each working day of a month",
    description = "BKN's monitoring curve. Each person counts on their own working days only: holidays, days off \
        and days on leave or official travel are left out. With `Accept: text/csv` the days come as a CSV file.",
    params(("id" = Uuid, Path, description = "Org unit id"), CurveQuery),
    responses(
        (status = 200, description = "The curve", content((LoggingCurveView = "application/json"), (String = "text/csv"))),
        crate::openapi::RoleOnly,
    ),
    security(("bearer" = [])))]
pub async fn unit_curve(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<CurveQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), call.state.now());
    let first = month(q.month.as_deref())?;
    let c = call.report(move |conn, caller| progress::unit_curve(conn, caller, id, first, now)).await?;
    if wants_csv(&req) {
        let name = format!("kurva-pencatatan-{}.csv", c.month.format("%Y-%m"));
        let rows = c
            .days
            .iter()
            .map(|d| vec![d.date.to_string(), d.expected.to_string(), d.logged.to_string(), d.share_bp.to_string()]);
        return csv(&name, &["tanggal", "wajib_mencatat", "mencatat", "persentase_bp"], rows);
    }
    Ok(HttpResponse::Ok().json(LoggingCurveView::from(c)))
}
