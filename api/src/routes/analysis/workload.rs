//! The workload analysis (ABK): hours logged against effective hours, per post, unit and agency.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::id::PositionId;
use ekinerja_domain::workload::{Grade, Workload};
use ekinerja_persistence::workload::{self, Analysis};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{csv, wants_csv, SpanQuery, UnitRef};
use crate::call::Call;
use crate::csv_out;
use crate::error::ApiError;

/// The figures of one post, unit or agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadFigures {
    /// Minutes of accepted logs over the span, each on the post its author held on the log's date
    /// (the post of the agreement it serves, or of the author's approved agreement covering the
    /// date, else the post held now), from the rollout month of the post's unit on.
    pub minutes: i64,
    /// One person's effective working minutes over the span: the yearly hours spread over the
    /// agency's working days of the year (its schedule and holidays), so days off add none.
    pub effective_minutes: i64,
    /// Active employees holding the posts now (none for a post not rolled out in the span).
    pub staff_present: i64,
    /// `minutes / effective_minutes`, to two decimals (0 for a span without working time).
    #[schema(example = 3.42)]
    pub staff_needed: f64,
    /// `staff_needed − staff_present`: above zero under-staffed, below zero over-staffed.
    #[schema(example = 0.42)]
    pub staff_gap: f64,
    /// Job-efficiency index, `staff_needed / staff_present` to two decimals; `null` without staff
    /// or without working time in the span.
    #[schema(example = 1.14)]
    pub efficiency_index: Option<f64>,
    /// Over 1.00 `A`, 0.90–1.00 `B`, 0.70–0.89 `C`, 0.50–0.69 `D`, under 0.50 `E`; `null` without
    /// staff or without working time in the span.
    pub grade: Option<Grade>,
}

fn hundredths(n: i64) -> f64 {
    n as f64 / 100.0
}

fn hundredths_text(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", n.abs() / 100, n.abs() % 100)
}

impl From<Workload> for WorkloadFigures {
    fn from(w: Workload) -> Self {
        WorkloadFigures {
            minutes: w.minutes,
            effective_minutes: w.effective_minutes,
            staff_present: w.staff_present,
            staff_needed: hundredths(w.staff_needed_hundredths),
            staff_gap: hundredths(w.staff_gap_hundredths),
            efficiency_index: w.efficiency_index_hundredths.map(hundredths),
            grade: w.grade,
        }
    }
}

/// A post's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionWorkload {
    #[schema(value_type = String, format = Uuid)]
    pub position_id: PositionId,
    #[schema(example = "Analis Kebijakan")]
    pub position_name: String,
    pub unit: UnitRef,
    #[serde(flatten)]
    pub rollout: SpanRollout,
    #[serde(flatten)]
    pub figures: WorkloadFigures,
    /// The same by standard time: `minutes` are the accepted output of logs naming an activity of
    /// the post's catalogue × its standard minutes (workforce.md's first method).
    pub by_standard_time: WorkloadFigures,
}

/// Whether a post or unit counts in the span (roles.md, Rollout).
#[derive(Debug, Serialize, ToSchema)]
pub struct SpanRollout {
    /// The month the unit is rolled out from (`YYYY-MM`); `null`: not rolled out.
    #[schema(example = "2026-01")]
    pub rolled_out_from: Option<String>,
    /// Whether it is rolled out on any day of the span. When not, it is listed with no minutes,
    /// no staff and no grade; when rolled out during the span, it counts from its month on.
    pub rolled_out: bool,
}

impl SpanRollout {
    fn of(from: Option<NaiveDate>, to: NaiveDate) -> Self {
        SpanRollout {
            rolled_out_from: from.map(|m| m.format("%Y-%m").to_string()),
            rolled_out: from.is_some_and(|f| f <= to),
        }
    }
}

/// A unit's figures, its sub-units included.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitWorkload {
    pub unit: UnitRef,
    #[serde(flatten)]
    pub rollout: SpanRollout,
    #[serde(flatten)]
    pub figures: WorkloadFigures,
    /// The same by standard time, over the posts of the unit and its sub-units.
    pub by_standard_time: WorkloadFigures,
}

/// A workload analysis.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The agency's policy: one person's effective working hours a year.
    pub effective_hours_per_year: i32,
    /// The unit analysed; `null` for the agency.
    pub unit: Option<UnitRef>,
    /// The whole unit or agency, by minutes logged.
    pub total: WorkloadFigures,
    /// The whole unit or agency by standard time.
    pub total_by_standard_time: WorkloadFigures,
    /// The units directly below (the OPDs, for the agency), each with its sub-units, from the
    /// most under-staffed (highest index; no staff first) to the most over-staffed.
    pub units: Vec<UnitWorkload>,
    /// Every post of the unit and its sub-units, in the same order (empty for the agency).
    pub positions: Vec<PositionWorkload>,
}

fn workload_view(a: Analysis) -> WorkloadView {
    WorkloadView {
        from: a.from,
        to: a.to,
        effective_hours_per_year: a.effective_hours_per_year,
        unit: a.unit.as_ref().map(UnitRef::from),
        total: a.total.into(),
        total_by_standard_time: a.total_standard.into(),
        units: a
            .units
            .iter()
            .map(|u| UnitWorkload {
                unit: (&u.unit).into(),
                rollout: SpanRollout::of(u.rolled_out_from, a.to),
                figures: u.workload.into(),
                by_standard_time: u.standard.into(),
            })
            .collect(),
        positions: a
            .positions
            .iter()
            .map(|p| PositionWorkload {
                position_id: p.position.id,
                position_name: p.position.name.clone(),
                unit: (&p.unit).into(),
                rollout: SpanRollout::of(p.rolled_out_from, a.to),
                figures: p.workload.into(),
                by_standard_time: p.standard.into(),
            })
            .collect(),
    }
}

const WORKLOAD_HEAD: [&str; 8] = [
    "menit_tercatat",
    "menit_efektif",
    "pegawai_ada",
    "kebutuhan_pegawai",
    "selisih",
    "efisiensi_jabatan",
    "nilai",
    "periode",
];

fn workload_cells(w: &Workload, a: &Analysis) -> Vec<String> {
    vec![
        w.minutes.to_string(),
        w.effective_minutes.to_string(),
        w.staff_present.to_string(),
        hundredths_text(w.staff_needed_hundredths),
        hundredths_text(w.staff_gap_hundredths),
        w.efficiency_index_hundredths.map(hundredths_text).unwrap_or_default(),
        w.grade.map(|g| g.as_str().to_owned()).unwrap_or_default(),
        format!("{}..{}", a.from, a.to),
    ]
}

/// The units table (`units`) or the posts table (`positions`) as CSV.
fn workload_csv(a: &Analysis, table: WorkloadTable) -> Result<HttpResponse, ApiError> {
    match table {
        WorkloadTable::Units => {
            let head: Vec<&str> = ["kode_unit", "unit"].into_iter().chain(WORKLOAD_HEAD).collect();
            csv(
                &format!("abk-unit-{}-{}.csv", a.from, a.to),
                &head,
                a.units.iter().map(|u| {
                    let mut row = vec![csv_out::cell(&u.unit.code), csv_out::cell(&u.unit.name)];
                    row.extend(workload_cells(&u.workload, a));
                    row
                }),
            )
        }
        WorkloadTable::Positions => {
            let head: Vec<&str> = ["kode_unit", "unit", "jabatan"].into_iter().chain(WORKLOAD_HEAD).collect();
            csv(
                &format!("abk-jabatan-{}-{}.csv", a.from, a.to),
                &head,
                a.positions.iter().map(|p| {
                    let mut row =
                        vec![csv_out::cell(&p.unit.code), csv_out::cell(&p.unit.name), csv_out::cell(&p.position.name)];
                    row.extend(workload_cells(&p.workload, a));
                    row
                }),
            )
        }
    }
}

/// Which table of a unit's analysis a CSV holds.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkloadTable {
    /// Every post of the unit and its sub-units.
    #[default]
    Positions,
    /// The units directly below.
    Units,
}

/// A span, and for a unit's CSV which table.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnitWorkloadQuery {
    /// First day, inclusive (default: 1 January of `to`'s year).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: yesterday in the agency's time zone; not after today); at most
    /// 366 days after `from`.
    pub to: Option<NaiveDate>,
    /// With `Accept: text/csv`: `positions` (default) or `units`.
    #[param(inline)]
    pub table: Option<WorkloadTable>,
}

/// The agency's workload analysis.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/workload", tag = "analysis", operation_id = "get_agency_workload",
    summary = "Workload analysis (ABK) of the agency: its OPDs ranked from most under- to most over-staffed",
    description = "Minutes of accepted logs (counted on the post their author held on the log's date) against one \
        person's effective working time over the span (the agency's `effective_working_hours` a year, spread over its \
        working days) give the \
        staff needed; set against the active staff present, the job-efficiency index and its grade. With \
        `Accept: text/csv` the OPD table comes as a CSV file.",
    params(("id" = Uuid, Path, description = "Agency id"), SpanQuery),
    responses(
        (status = 200, description = "The analysis", content((WorkloadView = "application/json"), (String = "text/csv"))),
        crate::openapi::AdminOnly,
        (status = 422, description = "The span is reversed, longer than 366 days or reaches past today (`#/to`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn agency_workload(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<SpanQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, q, now) = (id.into_inner(), q.into_inner(), call.state.now());
    let a = call.report(move |conn, caller| workload::agency(conn, caller, id, q.from, q.to, now)).await?;
    if wants_csv(&req) {
        return workload_csv(&a, WorkloadTable::Units);
    }
    Ok(HttpResponse::Ok().json(workload_view(a)))
}

/// A unit's workload analysis.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/workload", tag = "analysis", operation_id = "get_unit_workload",
    summary = "Workload analysis (ABK) of a unit: its sub-units and every post, ranked",
    description = "As the agency's analysis, for the unit and its sub-units. With `Accept: text/csv` the posts table \
        (or, with `table=units`, the sub-units table) comes as a CSV file.",
    params(("id" = Uuid, Path, description = "Org unit id"), UnitWorkloadQuery),
    responses(
        (status = 200, description = "The analysis", content((WorkloadView = "application/json"), (String = "text/csv"))),
        crate::openapi::AdminOnly,
        (status = 422, description = "The span is reversed, longer than 366 days or reaches past today (`#/to`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn unit_workload(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<UnitWorkloadQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, q, now) = (id.into_inner(), q.into_inner(), call.state.now());
    let table = q.table.unwrap_or_default();
    let a = call.report(move |conn, caller| workload::unit(conn, caller, id, q.from, q.to, now)).await?;
    if wants_csv(&req) {
        return workload_csv(&a, table);
    }
    Ok(HttpResponse::Ok().json(workload_view(a)))
}
