//! Performance agreements (SKP): planned results, indicators, breakdowns, the approval workflow.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use ekinerja_domain::agreement::{AgreementStatus, BreakdownKind, Quantity, ResultKind, Transition};
use ekinerja_domain::id::{
    AgencyId, AgreementId, EmployeeId, GoalId, IndicatorId, OrgUnitId, PerformancePeriodId, PlannedResultId, PositionId,
};
use ekinerja_domain::Name;
use ekinerja_persistence::agreement::{self as store, AgreementDetail};
use ekinerja_persistence::Change;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::{with_etag, IfMatch, Json};
use crate::request_id;
use crate::state::db;

/// An agreement's header.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AgreementId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    #[schema(value_type = String, format = Uuid)]
    pub period_id: PerformancePeriodId,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    /// The position the agreement is for.
    #[schema(value_type = String, format = Uuid)]
    pub position_id: PositionId,
    #[schema(value_type = String, format = Uuid)]
    pub org_unit_id: OrgUnitId,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: AgreementStatus,
    /// 1 for the first agreement; each revision of an approved agreement counts up.
    pub revision: i32,
    /// The approved revision this one replaces once approved.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub previous_revision_id: Option<AgreementId>,
    /// The supervisor's comment when returned.
    pub return_comment: Option<String>,
    /// The version the `ETag` names; changes send it back in `If-Match`.
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub approved_by_employee_id: Option<EmployeeId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::Agreement> for AgreementView {
    fn from(a: store::Agreement) -> Self {
        AgreementView {
            status: a.status,
            id: a.id,
            agency_id: a.agency_id,
            period_id: a.period_id,
            employee_id: a.employee_id,
            position_id: a.position_id,
            org_unit_id: a.org_unit_id,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            revision: a.revision,
            previous_revision_id: a.previous_revision_id,
            return_comment: a.return_comment,
            version: a.version,
            submitted_at: a.submitted_at.map(utc),
            approved_at: a.approved_at.map(utc),
            approved_by_employee_id: a.approved_by_employee_id,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
        }
    }
}

list_of!(AgreementList, AgreementView, "agreements");

/// An indicator with its targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    #[schema(value_type = String, format = Uuid)]
    pub id: IndicatorId,
    #[schema(value_type = String, format = Uuid)]
    pub planned_result_id: PlannedResultId,
    #[schema(example = "Jumlah laporan evaluasi pelayanan")]
    pub description: String,
    /// Annual target quantity.
    #[schema(example = 12)]
    pub target_quantity: i64,
    #[schema(example = "laporan")]
    pub target_unit: String,
    /// Quality target in basis points (10000 = 100%).
    pub quality_target_bp: Option<i32>,
    /// Time target in months.
    pub time_target_months: Option<i32>,
    /// Cost target in rupiah.
    pub cost_target: Option<i64>,
    /// How the annual target is split; `null` until broken down.
    pub breakdown: Option<BreakdownKind>,
    /// The monthly (12) or quarterly (4) targets, adding up to `target_quantity`.
    pub targets: Vec<i64>,
}

/// A planned result (RHK) with its indicators.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlannedResultView {
    #[schema(value_type = String, format = Uuid)]
    pub id: PlannedResultId,
    #[schema(value_type = String, format = Uuid)]
    pub agreement_id: AgreementId,
    pub kind: ResultKind,
    /// The same planned result across revisions.
    #[schema(value_type = String, format = Uuid)]
    pub lineage_id: PlannedResultId,
    #[schema(example = "Terlaksananya evaluasi pelayanan kesehatan")]
    pub description: String,
    /// The supervisor's planned result it supports ("RHK atasan yang diintervensi").
    #[schema(value_type = Option<String>, format = Uuid)]
    pub parent_result_id: Option<PlannedResultId>,
    /// The organisational goal it supports (heads of OPD).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub goal_id: Option<GoalId>,
    pub indicators: Vec<IndicatorView>,
}

/// An agreement with all its content.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDetailView {
    #[serde(flatten)]
    pub agreement: AgreementView,
    pub planned_results: Vec<PlannedResultView>,
}

fn indicator_view(i: store::IndicatorDetail) -> IndicatorView {
    let ind = i.indicator;
    IndicatorView {
        id: ind.id,
        planned_result_id: ind.planned_result_id,
        description: ind.description,
        target_quantity: ind.target_quantity,
        target_unit: ind.target_unit,
        quality_target_bp: ind.quality_target_bp,
        time_target_months: ind.time_target_months,
        cost_target: ind.cost_target,
        breakdown: ind.breakdown,
        targets: i.targets,
    }
}

fn result_view(r: store::ResultDetail) -> PlannedResultView {
    let res = r.result;
    PlannedResultView {
        kind: res.kind,
        id: res.id,
        agreement_id: res.agreement_id,
        lineage_id: res.lineage_id,
        description: res.description,
        parent_result_id: res.parent_result_id,
        goal_id: res.goal_id,
        indicators: r.indicators.into_iter().map(indicator_view).collect(),
    }
}

/// The API form of an agreement with its content.
pub fn detail_view(d: AgreementDetail) -> AgreementDetailView {
    AgreementDetailView {
        agreement: d.agreement.into(),
        planned_results: d.results.into_iter().map(result_view).collect(),
    }
}

/// A new agreement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgreement {
    pub period_id: Uuid,
    /// Whose agreement; the caller's own by default (agency admins may open one for anyone).
    pub employee_id: Option<Uuid>,
    /// First day covered; the period's start by default. After a change of position, the day
    /// the new position starts: the previous agreement then ends the day before.
    pub starts_on: Option<NaiveDate>,
}

/// A new planned result.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlannedResult {
    pub kind: ResultKind,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub description: String,
    /// The direct supervisor's planned result this one supports (everyone but heads of OPD).
    pub parent_result_id: Option<Uuid>,
    /// The organisational goal it supports (heads of OPD).
    pub goal_id: Option<Uuid>,
}

/// A new indicator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIndicator {
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub description: String,
    /// Annual target, 1 to 1,000,000,000.
    #[schema(minimum = 1, maximum = 1000000000)]
    pub target_quantity: i64,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub target_unit: String,
    /// 0 to 10000 basis points.
    #[schema(minimum = 0, maximum = 10000)]
    pub quality_target_bp: Option<i32>,
    /// 1 to 12 months.
    #[schema(minimum = 1, maximum = 12)]
    pub time_target_months: Option<i32>,
    /// Rupiah, not negative.
    #[schema(minimum = 0)]
    pub cost_target: Option<i64>,
}

/// A breakdown of an indicator's annual target.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBreakdown {
    pub breakdown: BreakdownKind,
    /// 12 monthly or 4 quarterly targets adding up to the annual target.
    #[schema(example = json!([3, 3, 3, 3]))]
    pub targets: Vec<i64>,
}

/// A workflow step; `comment` is required to return an agreement.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    pub comment: Option<String>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgreementQuery {
    pub period_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    pub status: Option<AgreementStatus>,
    /// `true`: only those waiting for one: submitted to one for approval, or one's own returned
    /// (as `/me/tasks` counts them).
    pub awaiting_me: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists the agreements the caller may read.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", operation_id = "list_agreements",
    summary = "List agreements: one's own and one's subordinates'; all of the agency for its admin", params(AgreementQuery),
    responses((status = 200, description = "A page of agreements", body = AgreementList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<AgreementQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = store::AgreementFilter {
        period_id: q.period_id,
        employee_id: q.employee_id,
        status: q.status,
        awaiting_me: q.awaiting_me.unwrap_or(false),
    };
    let now = call.state.now();
    let rows = call.read(move |conn, caller| store::list(conn, caller, &filter, &page, now)).await?;
    Ok(HttpResponse::Ok().json(AgreementList::from_page(rows, AgreementView::from)))
}

/// Opens a draft agreement.
#[utoipa::path(post, path = "/api/v1/agreements", tag = "agreements", operation_id = "create_agreement",
    summary = "Open a draft agreement for a period, in the employee's current position", request_body = CreateAgreement,
    responses(
        (status = 201, description = "Created", body = AgreementView,
            headers(("location" = String, description = "URL of the agreement"), ("etag" = String, description = "Version to send in If-Match"))),
        (status = 403, description = "Neither the employee nor the agency's admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The employee already has an agreement for this position and period", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<CreateAgreement>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_some(ekinerja_domain::access::Area::OwnAgreement).await?;
    let new = store::NewAgreement { employee_id: b.employee_id, period_id: b.period_id, starts_on: b.starts_on };
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let row = db(&call.state, move |conn| store::create(conn, &change, new, now)).await?;
    let location = format!("/api/v1/agreements/{}", row.id);
    Ok(with_etag(HttpResponse::Created(), row.version)
        .insert_header((header::LOCATION, location))
        .json(AgreementView::from(row)))
}

/// Reads an agreement with its planned results, indicators and targets.
#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", operation_id = "get_agreement",
    summary = "Read an agreement with everything in it", params(("id" = Uuid, Path, description = "Agreement id")),
    responses((status = 200, description = "The agreement", body = AgreementDetailView,
        headers(("etag" = String, description = "Version to send in If-Match")))),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let d = call.read(move |conn, caller| store::get(conn, caller, id, now)).await?;
    Ok(with_etag(HttpResponse::Ok(), d.agreement.version).json(detail_view(d)))
}

/// Adds a planned result.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/planned-results", tag = "agreements", operation_id = "create_planned_result",
    summary = "Add a planned result (RHK), linked to the supervisor's result or an organisational goal",
    params(("id" = Uuid, Path, description = "Agreement id"), ("If-Match" = String, Header, description = "ETag of the agreement")),
    request_body = CreatePlannedResult,
    responses(
        (status = 201, description = "Added; the new ETag of the agreement is in `ETag`", body = PlannedResultView,
            headers(("etag" = String, description = "The agreement's new version"))),
        (status = 403, description = "Not the owner, or the agreement is not editable", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn add_result(
    call: Call,
    id: web::Path<Uuid>,
    body: Json<CreatePlannedResult>,
    version: IfMatch,
) -> Result<HttpResponse, ApiError> {
    // A body the server refuses is refused before the precondition is judged (RFC 9110, 13.2.1).
    let b = body.0;
    let description = Name::parse(&b.description).map_err(|e| ApiError::field("description", e.to_string()))?;
    let version = version.version()?;
    let new = store::NewResult { kind: b.kind, description, parent_result_id: b.parent_result_id, goal_id: b.goal_id };
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let (a, r) = db(&call.state, move |conn| store::add_result(conn, &change, id, version, new, now)).await?;
    let view = result_view(store::ResultDetail { result: r, indicators: Vec::new() });
    Ok(with_etag(HttpResponse::Created(), a.version)
        .insert_header((header::LOCATION, format!("/api/v1/agreements/{}#{}", a.id, view.id)))
        .json(view))
}

/// Removes a planned result.
#[utoipa::path(delete, path = "/api/v1/agreements/{id}/planned-results/{result_id}", tag = "agreements", operation_id = "delete_planned_result",
    summary = "Remove a planned result and its indicators from a draft or returned agreement",
    params(("id" = Uuid, Path, description = "Agreement id"), ("result_id" = Uuid, Path, description = "Planned result id"),
        ("If-Match" = String, Header, description = "ETag of the agreement")),
    responses(
        (status = 204, description = "Removed", headers(("etag" = String, description = "The agreement's new version"))),
        (status = 403, description = "Not the owner, or the agreement is not editable", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Subordinates' results cascade from it", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn remove_result(
    call: Call,
    path: web::Path<(Uuid, Uuid)>,
    version: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = version.version()?;
    let (id, result_id) = path.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let a = db(&call.state, move |conn| store::remove_result(conn, &change, id, version, result_id, now)).await?;
    Ok(with_etag(HttpResponse::NoContent(), a.version).finish())
}

/// Adds an indicator to a planned result.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/planned-results/{result_id}/indicators", tag = "agreements", operation_id = "create_indicator",
    summary = "Add an indicator with its annual target to a planned result",
    params(("id" = Uuid, Path, description = "Agreement id"), ("result_id" = Uuid, Path, description = "Planned result id"),
        ("If-Match" = String, Header, description = "ETag of the agreement")),
    request_body = CreateIndicator,
    responses(
        (status = 201, description = "Added", body = IndicatorView, headers(("etag" = String, description = "The agreement's new version"))),
        (status = 403, description = "Not the owner, or the agreement is not editable", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn add_indicator(
    call: Call,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<CreateIndicator>,
    version: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let description = f.check("description", Name::parse(&b.description));
    let quantity = f.check("target_quantity", Quantity::new(b.target_quantity));
    let unit = f.check("target_unit", Name::parse(&b.target_unit));
    if b.quality_target_bp.is_some_and(|q| !(0..=10_000).contains(&q)) {
        f.refuse("quality_target_bp", "must be from 0 to 10000 basis points");
    }
    if b.time_target_months.is_some_and(|m| !(1..=12).contains(&m)) {
        f.refuse("time_target_months", "must be from 1 to 12 months");
    }
    if b.cost_target.is_some_and(|c| c < 0) {
        f.refuse("cost_target", "must not be negative");
    }
    let (Some(description), Some(target_quantity), Some(target_unit)) = (description, quantity, unit) else {
        return Err(f.into_error());
    };
    f.finish()?;
    let version = version.version()?;
    let new = store::NewIndicator {
        description,
        target_quantity,
        target_unit,
        quality_target_bp: b.quality_target_bp,
        time_target_months: b.time_target_months,
        cost_target: b.cost_target,
    };
    let (id, result_id) = path.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let (a, ind) =
        db(&call.state, move |conn| store::add_indicator(conn, &change, id, version, result_id, new, now)).await?;
    Ok(with_etag(HttpResponse::Created(), a.version)
        .json(indicator_view(store::IndicatorDetail { indicator: ind, targets: Vec::new() })))
}

/// Sets an indicator's breakdown.
#[utoipa::path(put, path = "/api/v1/agreements/{id}/indicators/{indicator_id}/breakdown", tag = "agreements", operation_id = "set_indicator_breakdown",
    summary = "Split an indicator's annual target into monthly or quarterly targets that add up",
    params(("id" = Uuid, Path, description = "Agreement id"), ("indicator_id" = Uuid, Path, description = "Indicator id"),
        ("If-Match" = String, Header, description = "ETag of the agreement")),
    request_body = SetBreakdown,
    responses(
        (status = 200, description = "The agreement with the new breakdown", body = AgreementDetailView, headers(("etag" = String, description = "The agreement's new version"))),
        (status = 403, description = "Not the owner, or the agreement is not editable", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn set_breakdown(
    call: Call,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<SetBreakdown>,
    version: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = version.version()?;
    let b = body.0;
    let (id, indicator_id) = path.into_inner();
    let now = call.state.now();
    let caller = call.caller.clone();
    let change = Change::new(call.caller, now, request_id::current());
    let d = db(&call.state, move |conn| {
        store::set_breakdown(conn, &change, id, version, indicator_id, b.breakdown, b.targets, now)?;
        store::get(conn, &caller, id, now)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), d.agreement.version).json(detail_view(d)))
}

async fn step(
    call: Call,
    id: Uuid,
    version: i32,
    t: Transition,
    comment: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let a = db(&call.state, move |conn| store::transition(conn, &change, id, version, t, comment, now)).await?;
    Ok(with_etag(HttpResponse::Ok(), a.version).json(AgreementView::from(a)))
}

/// Submits an agreement to the direct supervisor.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/submit", tag = "agreements", operation_id = "submit_agreement",
    summary = "Submit a draft or returned agreement to the direct supervisor (its owner)",
    params(("id" = Uuid, Path, description = "Agreement id"), ("If-Match" = String, Header, description = "ETag of the agreement")),
    responses(
        (status = 200, description = "Submitted", body = AgreementView, headers(("etag" = String, description = "New version"))),
        (status = 403, description = "Not the owner", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in a state that can be submitted, or empty", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An indicator has no breakdown yet", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn submit(call: Call, id: web::Path<Uuid>, version: IfMatch) -> Result<HttpResponse, ApiError> {
    let version = version.version()?;
    step(call, id.into_inner(), version, Transition::Submit, None).await
}

/// Approves a submitted agreement.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/approve", tag = "agreements", operation_id = "approve_agreement",
    summary = "Approve a submitted agreement (the direct supervisor, or the acting one)",
    params(("id" = Uuid, Path, description = "Agreement id"), ("If-Match" = String, Header, description = "ETag of the agreement")),
    responses(
        (status = 200, description = "Approved", body = AgreementView, headers(("etag" = String, description = "New version"))),
        crate::openapi::DirectSupervisorOnly,
        (status = 409, description = "Not submitted", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn approve(call: Call, id: web::Path<Uuid>, version: IfMatch) -> Result<HttpResponse, ApiError> {
    let version = version.version()?;
    step(call, id.into_inner(), version, Transition::Approve, None).await
}

/// Returns a submitted agreement with a comment.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/return", tag = "agreements", operation_id = "return_agreement",
    summary = "Return a submitted agreement with a comment (the direct supervisor)",
    params(("id" = Uuid, Path, description = "Agreement id"), ("If-Match" = String, Header, description = "ETag of the agreement")),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "Returned", body = AgreementView, headers(("etag" = String, description = "New version"))),
        crate::openapi::DirectSupervisorOnly,
        (status = 409, description = "Not submitted", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn return_agreement(
    call: Call,
    id: web::Path<Uuid>,
    body: Json<TransitionBody>,
    version: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let comment = body.0.comment;
    if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
        return Err(ApiError::field("comment", "must be at most 2000 characters"));
    }
    let version = version.version()?;
    step(call, id.into_inner(), version, Transition::Return, comment).await
}

/// Starts a revision of an approved agreement.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/revise", tag = "agreements", operation_id = "revise_agreement",
    summary = "Start a new revision of an approved agreement (its owner); it is approved again",
    params(("id" = Uuid, Path, description = "Agreement id"), ("If-Match" = String, Header, description = "ETag of the agreement")),
    responses(
        (status = 201, description = "The new draft revision", body = AgreementView,
            headers(("location" = String, description = "URL of the revision"), ("etag" = String, description = "Its version"))),
        (status = 403, description = "Not the owner", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved, or a revision is already under way", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn revise(call: Call, id: web::Path<Uuid>, version: IfMatch) -> Result<HttpResponse, ApiError> {
    let version = version.version()?;
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let a = db(&call.state, move |conn| store::revise(conn, &change, id, version, now)).await?;
    let location = format!("/api/v1/agreements/{}", a.id);
    Ok(with_etag(HttpResponse::Created(), a.version)
        .insert_header((header::LOCATION, location))
        .json(AgreementView::from(a)))
}
