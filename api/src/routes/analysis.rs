//! What the regency's leaders ask of the data: maturity levels (1 to 6) of the agency, a unit and
//! an employee, month by month, and the workload analysis (ABK) that shows which units are under-
//! or over-staffed. Every table is also a CSV file for the HR office: ask with
//! `Accept: text/csv`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::id::{OrgUnitId, PositionId};
use ekinerja_domain::maturity::{MaturityPolicy, MaturityRule, MaturityUnit, RuleCheck};
use ekinerja_domain::workload::{Grade, Workload};
use ekinerja_persistence::maturity::{self, EmployeeMaturity, GroupMaturity, HistoryPoint, MonthSpan, Subject};
use ekinerja_persistence::org_unit::OrgUnit;
use ekinerja_persistence::workload::{self, Analysis};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::employee::EmployeeView;
use crate::call::Call;
use crate::csv_out;
use crate::error::ApiError;

/// Whether the caller asked for the CSV file rather than JSON.
pub fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|m| m.trim().starts_with("text/csv")))
}

/// A CSV file response.
pub fn csv(name: &str, head: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<HttpResponse, ApiError> {
    let body = csv_out::file(head, rows).map_err(ApiError::Internal)?;
    Ok(csv_out::respond(name, body))
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A unit, as the analysis tables name it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrgUnitId,
    #[schema(example = "DINKES")]
    pub code: String,
    #[schema(example = "Dinas Kesehatan")]
    pub name: String,
}

impl From<&OrgUnit> for UnitRef {
    fn from(u: &OrgUnit) -> Self {
        UnitRef { id: u.id, code: u.code.clone(), name: u.name.clone() }
    }
}

/// `YYYY-MM-DD` spans.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SpanQuery {
    /// First day, inclusive (default: 1 January of `to`'s year).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: yesterday in the agency's time zone; not after today); at most
    /// 366 days after `from`.
    pub to: Option<NaiveDate>,
}

/// The month to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM` (default: the month of yesterday in the agency's time zone, the last day over).
    #[param(example = "2026-10")]
    pub month: Option<String>,
}

/// The months to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthsQuery {
    /// First month, `YYYY-MM` (default: eleven months before `to`).
    #[param(example = "2026-01")]
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: the month of yesterday); at most 24 months from `from`.
    #[param(example = "2026-11")]
    pub to: Option<String>,
}

fn month(text: Option<&str>, field: &str) -> Result<Option<NaiveDate>, ApiError> {
    match text {
        None => Ok(None),
        Some(m) => super::month_of(m)
            .map(Some)
            .ok_or_else(|| ApiError::BadParameter(format!("{field} must be YYYY-MM, from 2000 to 2100"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Workload analysis

/// The figures of one post, unit or agency.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadFigures {
    /// Minutes logged over the span (logs not rejected), from the rollout month of the post's unit on.
    pub minutes: i64,
    /// One person's effective working minutes over the span (the yearly hours pro rata by day).
    pub effective_minutes: i64,
    /// Active employees holding the posts now (none for a post not rolled out in the span).
    pub staff_present: i64,
    /// `minutes / effective_minutes`, to two decimals.
    #[schema(example = 3.42)]
    pub staff_needed: f64,
    /// `staff_needed − staff_present`: above zero under-staffed, below zero over-staffed.
    #[schema(example = 0.42)]
    pub staff_gap: f64,
    /// Job-efficiency index, `staff_needed / staff_present` to two decimals; `null` without staff.
    #[schema(example = 1.14)]
    pub efficiency_index: Option<f64>,
    /// > 1.00 `A`, 0.90–1.00 `B`, 0.70–0.89 `C`, 0.50–0.69 `D`, < 0.50 `E`; `null` without staff.
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
    /// The whole unit or agency.
    pub total: WorkloadFigures,
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
        units: a
            .units
            .iter()
            .map(|u| UnitWorkload {
                unit: (&u.unit).into(),
                rollout: SpanRollout::of(u.rolled_out_from, a.to),
                figures: u.workload.into(),
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
    description = "Minutes logged (logs not rejected, counted on the post their author holds now) against one person's \
        effective working time over the span (the agency's `effective_working_hours` a year, pro rata by day) give the \
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
    let a = call.read(move |conn, caller| workload::agency(conn, caller, id, q.from, q.to, now)).await?;
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
    let a = call.read(move |conn, caller| workload::unit(conn, caller, id, q.from, q.to, now)).await?;
    if wants_csv(&req) {
        return workload_csv(&a, table);
    }
    Ok(HttpResponse::Ok().json(workload_view(a)))
}

// ---------------------------------------------------------------------------------------------
// Maturity levels

/// One level's rule, checked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    /// 1 to 6.
    pub level: u8,
    pub rule: MaturityRule,
    /// BKN's words for the level.
    pub description: String,
    /// What `part` and `whole` count.
    pub unit: MaturityUnit,
    /// The evidence: `part` of `whole` …
    pub part: i64,
    pub whole: i64,
    /// … as a share, in basis points (rounded down).
    pub value_bp: i64,
    /// The share the rule needs (policy).
    pub threshold_bp: i64,
    pub met: bool,
    /// How many more of `unit` it takes (0 when met).
    pub shortfall: i64,
    /// What is missing, in words; `null` when met.
    pub missing: Option<String>,
}

impl From<RuleCheck> for RuleView {
    fn from(r: RuleCheck) -> Self {
        RuleView {
            level: r.level,
            rule: r.rule,
            description: r.rule.description().to_owned(),
            unit: r.unit,
            part: r.part,
            whole: r.whole,
            value_bp: r.value_bp,
            threshold_bp: r.threshold_bp,
            met: r.met,
            shortfall: r.shortfall,
            missing: r.missing,
        }
    }
}

/// A maturity standing.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaturityView {
    /// The level reached, 1 to 6; 0 when not even level 1's rule is met.
    pub level: u8,
    /// Employees counted (1 for an employee).
    pub employees: i64,
    /// Each level's rule with its evidence, level 1 first.
    pub rules: Vec<RuleView>,
    /// The rule to meet for the next level and what is missing; `null` at level 6.
    pub next: Option<RuleView>,
}

fn standing(level: u8, employees: i64, rules: Vec<RuleCheck>) -> MaturityView {
    let next = rules.iter().find(|r| !r.met).cloned().map(RuleView::from);
    MaturityView { level, employees, rules: rules.into_iter().map(RuleView::from).collect(), next }
}

fn group_view(g: GroupMaturity) -> MaturityView {
    standing(g.level, g.employees, g.rules)
}

/// The month read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthSpanView {
    /// `YYYY-MM`.
    #[schema(example = "2026-10")]
    pub month: String,
    /// The last day read: the month's last day that is over; `null` when none is.
    pub to: Option<NaiveDate>,
}

impl From<MonthSpan> for MonthSpanView {
    fn from(s: MonthSpan) -> Self {
        MonthSpanView { month: s.month.format("%Y-%m").to_string(), to: s.to }
    }
}

/// An employee's maturity over a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeMaturityView {
    pub span: MonthSpanView,
    /// The thresholds applied (the agency's policy).
    pub policy: MaturityPolicy,
    pub employee: EmployeeView,
    pub maturity: MaturityView,
}

/// One employee's line in a unit's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeLevel {
    pub employee: EmployeeView,
    pub level: u8,
    /// The rules met, by level: `met[0]` is level 1's.
    pub met: Vec<bool>,
    /// What is missing for the employee's next level; `null` at level 6.
    pub missing: Option<String>,
    /// Whether the employee's unit is rolled out in the month; those who are not are listed but
    /// count for no level of the unit.
    pub rolled_out: bool,
}

fn employee_level(e: EmployeeMaturity) -> EmployeeLevel {
    let missing = e.rules.iter().find(|r| !r.met).and_then(|r| r.missing.clone());
    EmployeeLevel {
        level: e.level,
        met: e.rules.iter().map(|r| r.met).collect(),
        missing,
        rolled_out: e.rolled_out,
        employee: e.employee.into(),
    }
}

/// A unit's maturity over a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitMaturityView {
    pub span: MonthSpanView,
    pub policy: MaturityPolicy,
    pub unit: UnitRef,
    /// The unit's standing: a level is reached when `coverage_bp` of its employees rolled out in
    /// the month reached it.
    pub maturity: MaturityView,
    /// Every active employee of the unit and its sub-units, by name.
    pub employees: Vec<EmployeeLevel>,
}

/// An OPD's line in the agency's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitLevel {
    pub unit: UnitRef,
    /// The month the OPD is rolled out from (`YYYY-MM`); before it, it counts no one (0
    /// employees, level 0).
    #[schema(example = "2026-01")]
    pub rolled_out_from: Option<String>,
    pub maturity: MaturityView,
}

/// The agency's maturity over a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyMaturityView {
    pub span: MonthSpanView,
    pub policy: MaturityPolicy,
    pub maturity: MaturityView,
    /// Each OPD (top-level unit), by name.
    pub units: Vec<UnitLevel>,
}

/// One month of a history.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaturityMonth {
    pub span: MonthSpanView,
    pub maturity: MaturityView,
}

/// The level per month.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaturityHistoryView {
    /// Oldest month first.
    pub months: Vec<MaturityMonth>,
}

const LEVEL_HEAD: [&str; 7] = ["level", "l1", "l2", "l3", "l4", "l5", "l6"];

fn met_cells(level: u8, rules: &[RuleCheck]) -> Vec<String> {
    std::iter::once(level.to_string())
        .chain(rules.iter().map(|r| if r.met { "ya".to_owned() } else { "tidak".to_owned() }))
        .collect()
}

/// The agency's maturity.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/maturity", tag = "analysis", operation_id = "get_agency_maturity",
    summary = "Maturity level (1–6) of the agency and each OPD over a month, with evidence and gaps",
    description = "Each level is a rule an employee meets or not (see `MaturityRule`); an employee's level is the \
        last of an unbroken run of rules met from level 1. The agency or an OPD reaches a level when `coverage_bp` of \
        its active employees reached it or a higher one; each rule's `part` counts them. The thresholds are the agency's `maturity_policy`. With `Accept: text/csv`, the OPD table.",
    params(("id" = Uuid, Path, description = "Agency id"), MonthQuery),
    responses(
        (status = 200, description = "The report", content((AgencyMaturityView = "application/json"), (String = "text/csv"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn agency_maturity(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let first = month(q.month.as_deref(), "month")?;
    let (id, now) = (id.into_inner(), call.state.now());
    let r = call.read(move |conn, caller| maturity::agency(conn, caller, id, first, now)).await?;
    if wants_csv(&req) {
        let head: Vec<&str> = ["kode_unit", "unit", "pegawai"].into_iter().chain(LEVEL_HEAD).collect();
        let m = r.span.month.format("%Y-%m").to_string();
        return csv(
            &format!("kematangan-opd-{m}.csv"),
            &head,
            r.units.iter().map(|(u, _, g)| {
                let mut row = vec![csv_out::cell(&u.code), csv_out::cell(&u.name), g.employees.to_string()];
                row.extend(met_cells(g.level, &g.rules));
                row
            }),
        );
    }
    Ok(HttpResponse::Ok().json(AgencyMaturityView {
        span: r.span.into(),
        policy: r.policy,
        maturity: group_view(r.maturity),
        units: r
            .units
            .into_iter()
            .map(|(u, from, g)| UnitLevel {
                unit: (&u).into(),
                rolled_out_from: from.map(|m| m.format("%Y-%m").to_string()),
                maturity: group_view(g),
            })
            .collect(),
    }))
}

/// A unit's maturity.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/maturity", tag = "analysis", operation_id = "get_unit_maturity",
    summary = "Maturity level (1–6) of a unit and each of its employees over a month",
    description = "As the agency's report, for the unit and its sub-units, with each employee's level. With \
        `Accept: text/csv`, the employee table.",
    params(("id" = Uuid, Path, description = "Org unit id"), MonthQuery),
    responses(
        (status = 200, description = "The report", content((UnitMaturityView = "application/json"), (String = "text/csv"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn unit_maturity(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let first = month(q.month.as_deref(), "month")?;
    let (id, now) = (id.into_inner(), call.state.now());
    let r = call.read(move |conn, caller| maturity::unit(conn, caller, id, first, now)).await?;
    if wants_csv(&req) {
        let head: Vec<&str> = ["nip", "nama"].into_iter().chain(LEVEL_HEAD).chain(["kekurangan"]).collect();
        let m = r.span.month.format("%Y-%m").to_string();
        return csv(
            &format!("kematangan-{}-{m}.csv", r.unit.code),
            &head,
            r.employees.iter().map(|e| {
                let mut row = vec![csv_out::nip(&e.employee.nip), csv_out::cell(&e.employee.name)];
                row.extend(met_cells(e.level, &e.rules));
                row.push(
                    e.rules
                        .iter()
                        .find(|r| !r.met)
                        .and_then(|r| r.missing.as_deref())
                        .map(csv_out::cell)
                        .unwrap_or_default(),
                );
                row
            }),
        );
    }
    Ok(HttpResponse::Ok().json(UnitMaturityView {
        span: r.span.into(),
        policy: r.policy,
        unit: (&r.unit).into(),
        maturity: group_view(r.maturity),
        employees: r.employees.into_iter().map(employee_level).collect(),
    }))
}

fn employee_view(r: maturity::EmployeeReport) -> EmployeeMaturityView {
    let m = r.maturity;
    EmployeeMaturityView {
        span: r.span.into(),
        policy: r.policy,
        maturity: standing(m.level, 1, m.rules),
        employee: m.employee.into(),
    }
}

/// An employee's maturity.
#[utoipa::path(get, path = "/api/v1/employees/{id}/maturity", tag = "analysis", operation_id = "get_employee_maturity",
    summary = "An employee's maturity level (1–6) over a month, with the evidence and what is missing",
    description = "Read by the employee, those above them and the agency's admin.",
    params(("id" = Uuid, Path, description = "Employee id"), MonthQuery),
    responses((status = 200, description = "The report", body = EmployeeMaturityView)),
    security(("bearer" = [])))]
pub async fn employee_maturity(
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let first = month(q.month.as_deref(), "month")?;
    let (id, now) = (id.into_inner(), call.state.now());
    let r = call.read(move |conn, caller| maturity::employee(conn, caller, id, first, now)).await?;
    Ok(HttpResponse::Ok().json(employee_view(r)))
}

/// The caller's maturity.
#[utoipa::path(get, path = "/api/v1/me/maturity", tag = "analysis", operation_id = "get_my_maturity",
    summary = "My maturity level (1–6) over a month, with the evidence and what is missing",
    params(MonthQuery),
    responses(
        (status = 200, description = "The report", body = EmployeeMaturityView),
        (status = 403, description = "The account is not an employee's", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn my_maturity(call: Call, q: web::Query<MonthQuery>) -> Result<HttpResponse, ApiError> {
    let first = month(q.month.as_deref(), "month")?;
    let Some(me) = call.caller.employee_id else {
        return Err(ApiError::Forbidden("only an employee has a maturity level of their own".into()));
    };
    let now = call.state.now();
    let r = call.read(move |conn, caller| maturity::employee(conn, caller, me, first, now)).await?;
    Ok(HttpResponse::Ok().json(employee_view(r)))
}

fn history_view(points: Vec<HistoryPoint>) -> MaturityHistoryView {
    MaturityHistoryView {
        months: points
            .into_iter()
            .map(|p| MaturityMonth { span: p.span.into(), maturity: standing(p.level, p.employees, p.rules) })
            .collect(),
    }
}

fn history_csv(name: &str, points: &[HistoryPoint]) -> Result<HttpResponse, ApiError> {
    let head: Vec<&str> = ["bulan", "pegawai"].into_iter().chain(LEVEL_HEAD).collect();
    csv(
        name,
        &head,
        points.iter().map(|p| {
            let mut row = vec![p.span.month.format("%Y-%m").to_string(), p.employees.to_string()];
            row.extend(met_cells(p.level, &p.rules));
            row
        }),
    )
}

async fn history(
    req: HttpRequest,
    call: Call,
    subject: Subject,
    q: MonthsQuery,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    let from = month(q.from.as_deref(), "from")?;
    let to = month(q.to.as_deref(), "to")?;
    let now = call.state.now();
    let points = call.read(move |conn, caller| maturity::history(conn, caller, subject, from, to, now)).await?;
    if wants_csv(&req) {
        return history_csv(name, &points);
    }
    Ok(HttpResponse::Ok().json(history_view(points)))
}

/// The agency's level per month.
#[utoipa::path(get, path = "/api/v1/agencies/{id}/maturity/history", tag = "analysis", operation_id = "get_agency_maturity_history",
    summary = "The agency's maturity level per month",
    description = "With `Accept: text/csv`, one line per month.",
    params(("id" = Uuid, Path, description = "Agency id"), MonthsQuery),
    responses(
        (status = 200, description = "Oldest month first", content((MaturityHistoryView = "application/json"), (String = "text/csv"))),
        crate::openapi::MonthSpan,
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn agency_history(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<MonthsQuery>,
) -> Result<HttpResponse, ApiError> {
    history(req, call, Subject::Agency(id.into_inner()), q.into_inner(), "kematangan-instansi.csv").await
}

/// A unit's level per month.
#[utoipa::path(get, path = "/api/v1/org-units/{id}/maturity/history", tag = "analysis", operation_id = "get_unit_maturity_history",
    summary = "A unit's maturity level per month",
    description = "With `Accept: text/csv`, one line per month.",
    params(("id" = Uuid, Path, description = "Org unit id"), MonthsQuery),
    responses(
        (status = 200, description = "Oldest month first", content((MaturityHistoryView = "application/json"), (String = "text/csv"))),
        crate::openapi::MonthSpan,
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn unit_history(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<MonthsQuery>,
) -> Result<HttpResponse, ApiError> {
    history(req, call, Subject::Unit(id.into_inner()), q.into_inner(), "kematangan-unit.csv").await
}

/// An employee's level per month.
#[utoipa::path(get, path = "/api/v1/employees/{id}/maturity/history", tag = "analysis", operation_id = "get_employee_maturity_history",
    summary = "An employee's maturity level per month",
    description = "Read by the employee, those above them and the agency's admin. With `Accept: text/csv`, one line \
        per month.",
    params(("id" = Uuid, Path, description = "Employee id"), MonthsQuery),
    responses(
        (status = 200, description = "Oldest month first", content((MaturityHistoryView = "application/json"), (String = "text/csv"))),
        crate::openapi::MonthSpan,
    ),
    security(("bearer" = [])))]
pub async fn employee_history(
    req: HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<MonthsQuery>,
) -> Result<HttpResponse, ApiError> {
    history(req, call, Subject::Employee(id.into_inner()), q.into_inner(), "kematangan-pegawai.csv").await
}
