//! The dashboard of the agency and of a unit: daily-log coverage today and this week, agreements
//! by status, the latest evaluation period's progress and predicates, the latest approved
//! allowance month, and the rollout of the units below. The rollout table is also a CSV file
//! (`Accept: text/csv`).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::evaluation::Predicate;
use ekinerja_domain::id::{EvaluationPeriodId, PerformancePeriodId};
use ekinerja_persistence::dashboard::{self, Coverage, Dashboard};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::analysis::{csv, wants_csv, UnitRef};
use crate::call::Call;
use crate::csv_out;
use crate::error::ApiError;

/// Logging over some days.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Employees with at least one log that was not rejected.
    pub logged: i64,
    pub not_logged: i64,
    /// `logged` of the employees, in basis points.
    pub share_bp: i64,
    /// Minutes logged (logs not rejected).
    pub minutes: i64,
}

impl From<Coverage> for CoverageView {
    fn from(c: Coverage) -> Self {
        CoverageView {
            from: c.from,
            to: c.to,
            logged: c.logged,
            not_logged: c.not_logged,
            share_bp: c.share_bp,
            minutes: c.minutes,
        }
    }
}

/// Daily-log coverage.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogCoverage {
    pub today: CoverageView,
    /// Monday to today.
    pub this_week: CoverageView,
}

/// Agreements of the current year, one count per employee: `approved` when an approved revision
/// is in force, otherwise the state of the latest revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementCounts {
    /// The performance period of the current year; `null` while none is open.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub period_id: Option<PerformancePeriodId>,
    pub year: i32,
    pub draft: i64,
    pub submitted: i64,
    pub returned: i64,
    pub approved: i64,
    pub without_agreement: i64,
}

/// A predicate's count.
#[derive(Debug, Serialize, ToSchema)]
pub struct PredicateCount {
    pub predicate: Predicate,
    pub employees: i64,
}

/// The evaluation period shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: EvaluationPeriodId,
    pub kind: ekinerja_domain::evaluation::PeriodKind,
    pub number: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: ekinerja_domain::evaluation::PeriodStatus,
}

/// The latest evaluation period that has begun (the shortest, of those starting the same day).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationCounts {
    /// `null` when no period has begun.
    pub period: Option<PeriodRef>,
    pub not_opened: i64,
    pub draft: i64,
    #[serde(rename = "final")]
    #[schema(rename = "final")]
    pub final_count: i64,
    /// Final predicates, from `very_good` down.
    pub predicates: Vec<PredicateCount>,
}

/// The latest month with an approved allowance run.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllowanceTotals {
    /// `YYYY-MM`; `null` when no run was approved yet.
    #[schema(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// Employees with a computed line (the latest approved run holding them).
    pub paid: i64,
    /// Employees whose line is pending (no final predicate, no base amount); those not rolled out
    /// in the month are in neither count.
    pub pending: i64,
    /// Rupiah.
    pub total: i64,
}

/// A unit's rollout.
#[derive(Debug, Serialize, ToSchema)]
pub struct RolloutRow {
    pub unit: UnitRef,
    /// The month the unit is rolled out from (`YYYY-MM`, its own or inherited); `null`: not yet.
    #[schema(example = "2026-01")]
    pub rolled_out_from: Option<String>,
    /// Whether it is rolled out this month.
    pub rolled_out: bool,
    /// Active employees with a post in the unit and its sub-units.
    pub employees: i64,
    pub with_approved_agreement: i64,
    pub logged_this_week: i64,
}

/// A dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardView {
    /// The agency's today.
    pub today: NaiveDate,
    /// The unit; `null` for the agency.
    pub unit: Option<UnitRef>,
    /// Active employees with a post in a unit of the scope rolled out this month: whom the
    /// figures count.
    pub employees: i64,
    /// Active employees with a post in a unit of the scope not rolled out this month, left out of
    /// the figures (the rollout rows still list their units).
    pub not_rolled_out: i64,
    pub daily_logs: LogCoverage,
    pub agreements: AgreementCounts,
    pub evaluations: EvaluationCounts,
    pub allowance: AllowanceTotals,
    /// The units directly below (the OPDs, for the agency), by name.
    pub rollout: Vec<RolloutRow>,
}

fn view(d: Dashboard) -> DashboardView {
    let a = d.agreements;
    let e = d.evaluations;
    DashboardView {
        today: d.today,
        unit: d.unit.as_ref().map(UnitRef::from),
        employees: d.employees,
        not_rolled_out: d.not_rolled_out,
        daily_logs: LogCoverage { today: d.today_logs.into(), this_week: d.week_logs.into() },
        agreements: AgreementCounts {
            period_id: a.period_id,
            year: a.year,
            draft: a.draft,
            submitted: a.submitted,
            returned: a.returned,
            approved: a.approved,
            without_agreement: a.without_agreement,
        },
        evaluations: EvaluationCounts {
            period: e.period.map(|p| PeriodRef {
                id: p.id,
                kind: p.kind,
                number: p.number,
                starts_on: p.starts_on,
                ends_on: p.ends_on,
                status: p.status,
            }),
            not_opened: e.not_opened,
            draft: e.draft,
            final_count: e.final_count,
            predicates: e
                .predicates
                .into_iter()
                .map(|(predicate, employees)| PredicateCount { predicate, employees })
                .collect(),
        },
        allowance: AllowanceTotals {
            month: d.allowance.month.map(|m| m.format("%Y-%m").to_string()),
            paid: d.allowance.paid,
            pending: d.allowance.pending,
            total: d.allowance.total,
        },
        rollout: d
            .rollout
            .into_iter()
            .map(|r| RolloutRow {
                rolled_out_from: r.rolled_out_from.map(|m| m.format("%Y-%m").to_string()),
                rolled_out: r.rolled_out,
                unit: (&r.unit).into(),
                employees: r.employees,
                with_approved_agreement: r.with_approved_agreement,
                logged_this_week: r.logged_this_week,
            })
            .collect(),
    }
}

fn respond(req: &HttpRequest, d: Dashboard) -> Result<HttpResponse, ApiError> {
    if wants_csv(req) {
        let name = format!("rollout-{}.csv", d.today);
        return csv(
            &name,
            &["kode_unit", "unit", "mulai_bulan", "berjalan", "pegawai", "skp_disetujui", "mencatat_minggu_ini"],
            d.rollout.iter().map(|r| {
                vec![
                    csv_out::cell(&r.unit.code),
                    csv_out::cell(&r.unit.name),
                    r.rolled_out_from.map(|m| m.format("%Y-%m").to_string()).unwrap_or_default(),
                    if r.rolled_out { "ya" } else { "tidak" }.to_owned(),
                    r.employees.to_string(),
                    r.with_approved_agreement.to_string(),
                    r.logged_this_week.to_string(),
                ]
            }),
        );
    }
    Ok(HttpResponse::Ok().json(view(d)))
}

/// The agency's dashboard.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/dashboard", tag = "analysis", operation_id = "get_agency_dashboard",
    summary = "The agency's dashboard: log coverage, agreements, evaluation, allowance, rollout per OPD",
    description = "Counts over the agency's active employees with a post in a unit rolled out this month (the others \
        are counted apart and their units listed in the rollout rows). With `Accept: text/csv`, the rollout table.",
    params(("id" = Uuid, Path, description = "Agency id")),
    responses(
        (status = 200, description = "The dashboard", content((DashboardView = "application/json"), (String = "text/csv"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn agency(req: HttpRequest, call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), call.state.now());
    let d = call.report(move |conn, caller| dashboard::agency(conn, caller, id, now)).await?;
    respond(&req, d)
}

/// A unit's dashboard.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/dashboard", tag = "analysis", operation_id = "get_unit_dashboard",
    summary = "A unit's dashboard, its sub-units included",
    description = "As the agency's, over the unit and its sub-units; the rollout rows are its sub-units. With \
        `Accept: text/csv`, the rollout table.",
    params(("id" = Uuid, Path, description = "Org unit id")),
    responses(
        (status = 200, description = "The dashboard", content((DashboardView = "application/json"), (String = "text/csv"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn unit(req: HttpRequest, call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), call.state.now());
    let d = call.report(move |conn, caller| dashboard::unit(conn, caller, id, now)).await?;
    respond(&req, d)
}
