//! The per-OPD comparison of a month, as JSON or CSV, sorted by any column.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::evaluation::Predicate;
use ekinerja_domain::id::EvaluationPeriodId;
use ekinerja_domain::workload::Grade;
use ekinerja_persistence::comparison::{self, OpdRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::analysis::{csv, wants_csv, UnitRef};
use super::dashboard::PredicateCount;
use crate::call::Call;
use crate::csv_out;
use crate::error::ApiError;

/// A column to sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    Name,
    Code,
    Employees,
    RolledOut,
    Logged,
    LogCoverageBp,
    AcceptedMinutesPerEmployee,
    AverageDeductionBp,
    WithDeductionsBp,
    VeryGood,
    Good,
    NeedsImprovement,
    Poor,
    VeryPoor,
    Paid,
    AllowanceTotal,
    AllowanceAverage,
    MaturityLevel,
    WorkloadGrade,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// The month and the order.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComparisonQuery {
    /// `YYYY-MM` (default: last month in the agency's time zone); not after the current month.
    #[param(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// The column to sort by (default `name`); ties go by name.
    #[param(inline)]
    pub sort: Option<SortColumn>,
    /// Default `asc`.
    #[param(inline)]
    pub order: Option<SortOrder>,
}

/// One OPD's month.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpdComparison {
    pub unit: UnitRef,
    /// Active employees with a post in the OPD or below it, in units rolled out in the month:
    /// whom every figure of the row counts.
    pub employees: i64,
    /// Active employees in units of the OPD not rolled out in the month, left out of the figures.
    pub not_rolled_out: i64,
    /// Whether the OPD itself is rolled out in the month.
    pub rolled_out: bool,
    /// The month the OPD is rolled out from (`YYYY-MM`); `null`: not rolled out.
    #[schema(example = "2026-01")]
    pub rolled_out_from: Option<String>,
    /// Employees with a log of the month not rejected.
    pub logged: i64,
    /// `logged` of `employees`, in basis points.
    pub log_coverage_bp: i64,
    /// Minutes of accepted logs of the month per employee.
    pub accepted_minutes_per_employee: i64,
    /// The mean discipline deduction of the month, in basis points.
    pub average_deduction_bp: i64,
    /// The share of employees with any deduction, in basis points.
    pub with_deductions_bp: i64,
    /// Final predicates of the last closed evaluation period.
    pub predicates: Vec<PredicateCount>,
    /// Employees with a computed line in the month's approved runs.
    pub paid: i64,
    /// Rupiah.
    pub allowance_total: i64,
    /// Rupiah per paid employee.
    pub allowance_average: i64,
    /// 1 to 6; 0 when no one reached level 1.
    pub maturity_level: u8,
    /// None before a day of the month has passed.
    pub workload_grade: Option<Grade>,
}

/// The comparison.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComparisonView {
    #[schema(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// The last closed evaluation period, whose predicates the rows count.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub evaluation_period_id: Option<EvaluationPeriodId>,
    pub rows: Vec<OpdComparison>,
}

fn predicate(r: &OpdRow, p: Predicate) -> i64 {
    r.predicates.iter().find(|(q, _)| *q == p).map_or(0, |(_, n)| *n)
}

/// Sorts `rows` by `column`, ties by name.
fn sort(rows: &mut [OpdRow], column: SortColumn, order: SortOrder) {
    use SortColumn::*;
    let key = |r: &OpdRow| -> i64 {
        match column {
            Name | Code => 0,
            Employees => r.employees,
            RolledOut => i64::from(r.rolled_out),
            Logged => r.logged,
            LogCoverageBp => r.log_coverage_bp,
            AcceptedMinutesPerEmployee => r.accepted_minutes_per_employee,
            AverageDeductionBp => r.average_deduction_bp,
            WithDeductionsBp => r.with_deductions_bp,
            VeryGood => predicate(r, Predicate::VeryGood),
            Good => predicate(r, Predicate::Good),
            NeedsImprovement => predicate(r, Predicate::NeedsImprovement),
            Poor => predicate(r, Predicate::Poor),
            VeryPoor => predicate(r, Predicate::VeryPoor),
            Paid => r.paid,
            AllowanceTotal => r.allowance_total,
            AllowanceAverage => r.allowance_average,
            MaturityLevel => i64::from(r.maturity_level),
            // A (under-staffed) first; an OPD without a grade last.
            WorkloadGrade => r.workload_grade.map_or(i64::MAX, |g| g as i64),
        }
    };
    rows.sort_by(|a, b| {
        let primary = match column {
            Name => a.unit.name.cmp(&b.unit.name),
            Code => a.unit.code.cmp(&b.unit.code),
            _ => key(a).cmp(&key(b)),
        };
        let primary = if order == SortOrder::Desc { primary.reverse() } else { primary };
        primary.then_with(|| a.unit.name.cmp(&b.unit.name)).then_with(|| a.unit.id.cmp(&b.unit.id))
    });
}

/// The per-OPD comparison.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/comparison", tag = "analysis", operation_id = "get_opd_comparison",
    summary = "One row per OPD for a month: employees, rollout, log coverage, accepted minutes, discipline, predicates, allowance, maturity and workload",
    description = "Each figure is the one the agency's own views give: discipline as the allowance run judges the month \
        (up to yesterday for the current month), predicates of the last closed evaluation period, allowance from the \
        month's approved runs (each employee's line from the run approved last), maturity and workload over the \
        month. With `Accept: text/csv`, the same rows as a file, in the same order.",
    params(("id" = Uuid, Path, description = "Agency id"), ComparisonQuery),
    responses(
        (status = 200, description = "The rows, sorted", content((ComparisonView = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Not a leader or the agency admin", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn agency(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<ComparisonQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let first: Option<NaiveDate> = match q.month.as_deref() {
        None => None,
        Some(m) => Some(
            super::month_of(m)
                .ok_or_else(|| ApiError::BadParameter("month must be YYYY-MM, from 2000 to 2100".into()))?,
        ),
    };
    let (id, now) = (id.into_inner(), call.state.now());
    let mut c = call.report(move |conn, caller| comparison::agency_month(conn, caller, id, first, now)).await?;
    sort(&mut c.rows, q.sort.unwrap_or(SortColumn::Name), q.order.unwrap_or(SortOrder::Asc));
    let month = c.month.format("%Y-%m").to_string();
    if wants_csv(&req) {
        let head = [
            "kode_unit",
            "unit",
            "pegawai",
            "pegawai_belum_diterapkan",
            "diterapkan",
            "mulai_bulan",
            "pegawai_mencatat",
            "cakupan_log_bp",
            "menit_diterima_per_pegawai",
            "rata_potongan_bp",
            "pegawai_terpotong_bp",
            "sangat_baik",
            "baik",
            "butuh_perbaikan",
            "kurang",
            "sangat_kurang",
            "pegawai_dibayar",
            "tpp_total",
            "tpp_rata_rata",
            "tingkat_kematangan",
            "kelas_beban_kerja",
        ];
        return csv(
            &format!("perbandingan-opd-{month}.csv"),
            &head,
            c.rows.iter().map(|r| {
                let mut row = vec![
                    csv_out::cell(&r.unit.code),
                    csv_out::cell(&r.unit.name),
                    r.employees.to_string(),
                    r.not_rolled_out.to_string(),
                    if r.rolled_out { "ya" } else { "tidak" }.to_owned(),
                    r.rolled_out_from.map(|m| m.format("%Y-%m").to_string()).unwrap_or_default(),
                    r.logged.to_string(),
                    r.log_coverage_bp.to_string(),
                    r.accepted_minutes_per_employee.to_string(),
                    r.average_deduction_bp.to_string(),
                    r.with_deductions_bp.to_string(),
                ];
                row.extend(Predicate::ALL.iter().map(|p| predicate(r, *p).to_string()));
                row.extend([
                    r.paid.to_string(),
                    r.allowance_total.to_string(),
                    r.allowance_average.to_string(),
                    r.maturity_level.to_string(),
                    r.workload_grade.map(|g| g.as_str().to_owned()).unwrap_or_default(),
                ]);
                row
            }),
        );
    }
    Ok(HttpResponse::Ok().json(ComparisonView {
        month,
        evaluation_period_id: c.evaluation_period.map(|p| p.id),
        rows: c
            .rows
            .into_iter()
            .map(|r| OpdComparison {
                unit: (&r.unit).into(),
                employees: r.employees,
                not_rolled_out: r.not_rolled_out,
                rolled_out: r.rolled_out,
                rolled_out_from: r.rolled_out_from.map(|m| m.format("%Y-%m").to_string()),
                logged: r.logged,
                log_coverage_bp: r.log_coverage_bp,
                accepted_minutes_per_employee: r.accepted_minutes_per_employee,
                average_deduction_bp: r.average_deduction_bp,
                with_deductions_bp: r.with_deductions_bp,
                predicates: r
                    .predicates
                    .iter()
                    .map(|(predicate, employees)| PredicateCount { predicate: *predicate, employees: *employees })
                    .collect(),
                paid: r.paid,
                allowance_total: r.allowance_total,
                allowance_average: r.allowance_average,
                maturity_level: r.maturity_level,
                workload_grade: r.workload_grade,
            })
            .collect(),
    }))
}
