//! Maturity levels (1 to 6) of the agency, a unit and an employee, month by month.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use ekinerja_domain::maturity::{ConditionCheck, MaturityPolicy, MaturityRule, MaturityUnit, RuleCheck};
use ekinerja_persistence::maturity::{self, EmployeeMaturity, GroupMaturity, HistoryPoint, MonthSpan, Subject};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{csv, month, wants_csv, MonthQuery, MonthsQuery, UnitRef};
use crate::call::Call;
use crate::csv_out;
use crate::error::ApiError;
use crate::routes::employee::EmployeeView;

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
    /// A unit's or the agency's levels 4 to 6: each condition of workforce.md with its evidence
    /// (`part` and `whole` count the rule's conditions met); empty for the other rules.
    pub conditions: Vec<ConditionCheck>,
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
            conditions: r.conditions,
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
    #[schema(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
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
    /// The unit's standing: levels 1 to 3 are reached when `coverage_bp` of its employees rolled
    /// out in the month reached them; levels 4 to 6 when every one of the unit's own conditions
    /// holds (each rule's `conditions`).
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
        last of an unbroken run of rules met from level 1. The agency or an OPD reaches levels 1 to 3 when `coverage_bp` of \
        its active employees reached it or a higher one; those rules' `part` counts them. Levels 4 to 6 are the group's \
        own conditions, each listed under `conditions` with its evidence: 4, every organisational goal of the period \
        supported by an approved result and `aligned_bp` of the approved main results hanging from the supervisor's \
        approved result or a goal; 5, every post held with a workload over the last twelve months (either method), the \
        staff within `staffing_range_bp` of the staff the workload requires, and every approved agreement for the post \
        held now under today's supervisor; 6, the last closed evaluation period's predicates fitting the distribution \
        pattern, the month's allowance run approved with fewer than `pending_bp` of the employees pending, and the SIASN \
        export of the last performance year ended produced. The thresholds are the agency's `maturity_policy`. With \
        `Accept: text/csv`, the OPD table.",
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
    let r = call.report(move |conn, caller| maturity::agency(conn, caller, id, first, now)).await?;
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
    let r = call.report(move |conn, caller| maturity::unit(conn, caller, id, first, now)).await?;
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
    let r = call.report(move |conn, caller| maturity::employee(conn, caller, id, first, now)).await?;
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
    let r = call.report(move |conn, caller| maturity::employee(conn, caller, me, first, now)).await?;
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
    let points = call.report(move |conn, caller| maturity::history(conn, caller, subject, from, to, now)).await?;
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
