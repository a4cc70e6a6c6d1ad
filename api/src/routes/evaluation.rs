//! Evaluation periods and evaluations: the supervisor's ratings of results and work behaviour,
//! and the predicate computed from them.

use actix_web::{http::header, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use ekinerja_domain::evaluation::{
    CoreValue, EvaluationStatus, PeriodKind, PeriodStatus, Predicate, Rating, RuleCheck, UnitRating,
};
use ekinerja_domain::field::Field;
use ekinerja_domain::id::{
    AgencyId, AgreementId, EmployeeId, EvaluationId, EvaluationPeriodId, IndicatorId, PerformancePeriodId,
    PlannedResultId,
};
use ekinerja_domain::Description;
use ekinerja_persistence::evaluation::{
    self, Evaluation, EvaluationDetail, EvaluationFilter, EvaluationPeriod, RatingPatch, ValueRating,
};
use ekinerja_persistence::Change;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::employee::EmployeeView;
use super::{list_of, page_request, utc};
use crate::call::Call;
use crate::csv_out;
use crate::error::{ApiError, Fields};
use crate::extract::{with_etag, IfMatch, Json};
use crate::request_id;
use crate::state::db;

/// An evaluation period.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationPeriodView {
    #[schema(value_type = String, format = Uuid)]
    pub id: EvaluationPeriodId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    #[schema(value_type = String, format = Uuid)]
    pub performance_period_id: PerformancePeriodId,
    pub kind: PeriodKind,
    /// Month 1–12, quarter 1–4, or 1 for the year.
    pub number: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: PeriodStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<EvaluationPeriod> for EvaluationPeriodView {
    fn from(p: EvaluationPeriod) -> Self {
        EvaluationPeriodView {
            kind: p.kind,
            status: p.status,
            id: p.id,
            agency_id: p.agency_id,
            performance_period_id: p.performance_period_id,
            number: p.number,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            closed_at: p.closed_at.map(utc),
            version: p.version,
            created_at: utc(p.created_at),
        }
    }
}

list_of!(EvaluationPeriodList, EvaluationPeriodView, "evaluation periods");

/// A period to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenPeriod {
    #[schema(format = Uuid)]
    pub performance_period_id: Uuid,
    /// `monthly` needs the agency's `evaluation_cadence` to be monthly.
    pub kind: PeriodKind,
    /// Month 1–12, quarter 1–4, or 1 for the year.
    #[schema(example = 4, minimum = 1, maximum = 12)]
    pub number: u32,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// Only the periods of this performance year.
    pub performance_period_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Opens an evaluation period.
#[utoipa::path(post, path = "/api/v1/evaluation-periods", tag = "evaluations", operation_id = "open_evaluation_period",
    summary = "Open an evaluation period of a performance year: a month, a quarter or the year",
    request_body = OpenPeriod,
    responses(
        (status = 201, description = "Opened", body = EvaluationPeriodView, headers(("location" = String, description = "URL of the period"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "That period is open already", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn open_period(call: Call, body: Json<OpenPeriod>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Structure).await?;
    let change = call.change();
    let row =
        db(&call.state, move |conn| evaluation::open_period(conn, &change, b.performance_period_id, b.kind, b.number))
            .await?;
    let version = row.version;
    Ok(with_etag(HttpResponse::Created(), version)
        .insert_header((header::LOCATION, format!("/api/v1/evaluation-periods/{}", row.id)))
        .json(EvaluationPeriodView::from(row)))
}

/// Lists evaluation periods.
#[utoipa::path(get, path = "/api/v1/evaluation-periods", tag = "evaluations", operation_id = "list_evaluation_periods",
    summary = "List the agency's evaluation periods", params(PeriodQuery),
    responses((status = 200, description = "A page of periods", body = EvaluationPeriodList)),
    security(("bearer" = [])))]
pub async fn list_periods(call: Call, q: web::Query<PeriodQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let rows = db(&call.state, move |conn| {
        evaluation::list_periods(conn, &call.caller, q.agency_id, q.performance_period_id, &page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(EvaluationPeriodList::from_page(rows, EvaluationPeriodView::from)))
}

/// Reads an evaluation period.
#[utoipa::path(get, path = "/api/v1/evaluation-periods/{id}", tag = "evaluations", operation_id = "get_evaluation_period",
    summary = "Read an evaluation period", params(("id" = Uuid, Path, description = "Period id")),
    responses((status = 200, description = "The period, with its ETag", body = EvaluationPeriodView)),
    security(("bearer" = [])))]
pub async fn get_period(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| evaluation::get_period(conn, caller, id)).await?;
    Ok(with_etag(HttpResponse::Ok(), row.version).json(EvaluationPeriodView::from(row)))
}

/// Closes an evaluation period.
#[utoipa::path(post, path = "/api/v1/evaluation-periods/{id}/close", tag = "evaluations", operation_id = "close_evaluation_period",
    summary = "Close an evaluation period: its daily logs are locked",
    params(("id" = Uuid, Path, description = "Period id"), ("If-Match" = String, Header, description = "The period's ETag")),
    responses(
        (status = 200, description = "Closed", body = EvaluationPeriodView),
        crate::openapi::AdminOnly,
        (status = 409, description = "Closed already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The period changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn close_period(call: Call, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, ApiError> {
    let if_match = if_match.version()?;
    let id = id.into_inner();
    let row = call.write(move |conn, change| evaluation::close_period(conn, change, id, if_match)).await?;
    Ok(with_etag(HttpResponse::Ok(), row.version).json(EvaluationPeriodView::from(row)))
}

/// A core value's rating.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BehaviourBody {
    pub core_value: CoreValue,
    pub rating: Rating,
    /// The supervisor's words on this value.
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 2000
    )]
    pub feedback: Option<String>,
}

/// Feedback on a planned result (RHK).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultFeedbackBody {
    #[schema(format = Uuid)]
    pub planned_result_id: Uuid,
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 2000
    )]
    pub feedback: String,
}

/// An evaluation with its ratings.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: EvaluationId,
    #[schema(value_type = String, format = Uuid)]
    pub evaluation_period_id: EvaluationPeriodId,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    #[schema(value_type = String, format = Uuid)]
    pub agreement_id: AgreementId,
    /// The direct supervisor who rates; `null` for the top of the agency (rated by the official
    /// set for the agency, recorded by the agency admin).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub evaluator_employee_id: Option<EmployeeId>,
    pub status: EvaluationStatus,
    pub results_rating: Option<Rating>,
    pub behaviour_rating: Option<Rating>,
    /// Computed from the two ratings when finalised; never typed in.
    pub predicate: Option<Predicate>,
    pub feedback: Option<String>,
    /// 1 for the first evaluation; each correction is a new revision.
    pub revision: i32,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub previous_evaluation_id: Option<EvaluationId>,
    /// A later revision was finalised: this one no longer counts.
    pub superseded: bool,
    pub finalised_at: Option<DateTime<Utc>>,
    /// The rating per BerAKHLAK core value.
    pub behaviours: Vec<BehaviourBody>,
    /// Feedback per planned result.
    pub result_feedback: Vec<ResultFeedbackBody>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view_of(e: Evaluation, d: Option<&EvaluationDetail>) -> EvaluationView {
    EvaluationView {
        results_rating: e.results_rating,
        behaviour_rating: e.behaviour_rating,
        predicate: e.predicate,
        behaviours: d.map_or_else(Vec::new, |d| {
            d.behaviours
                .iter()
                .map(|b| BehaviourBody { core_value: b.core_value, rating: b.rating, feedback: b.feedback.clone() })
                .collect()
        }),
        result_feedback: d.map_or_else(Vec::new, |d| {
            d.result_feedback
                .iter()
                .map(|f| ResultFeedbackBody {
                    planned_result_id: f.planned_result_id.uuid(),
                    feedback: f.feedback.clone(),
                })
                .collect()
        }),
        id: e.id,
        evaluation_period_id: e.evaluation_period_id,
        employee_id: e.employee_id,
        agreement_id: e.agreement_id,
        evaluator_employee_id: e.evaluator_employee_id,
        status: e.status,
        feedback: e.feedback,
        revision: e.revision,
        previous_evaluation_id: e.previous_evaluation_id,
        superseded: e.superseded,
        finalised_at: e.finalised_at.map(utc),
        version: e.version,
        created_at: utc(e.created_at),
        updated_at: utc(e.updated_at),
    }
}

fn respond(d: EvaluationDetail, status: actix_web::http::StatusCode) -> HttpResponse {
    let version = d.evaluation.version;
    let id = d.evaluation.id;
    let view = view_of(d.evaluation.clone(), Some(&d));
    let mut res = with_etag(HttpResponse::build(status), version);
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header((header::LOCATION, format!("/api/v1/evaluations/{id}")));
    }
    res.json(view)
}

list_of!(EvaluationList, EvaluationView, "evaluations (without per-value ratings; read one for those)");

/// An evaluation to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenEvaluation {
    #[schema(format = Uuid)]
    pub evaluation_period_id: Uuid,
    #[schema(format = Uuid)]
    pub employee_id: Uuid,
}

/// Ratings and feedback to set on a draft; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateEvaluation {
    pub results_rating: Option<Rating>,
    /// Work behaviour overall.
    pub behaviour_rating: Option<Rating>,
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 2000
    )]
    pub feedback: Option<String>,
    /// Ratings per core value to set or replace.
    #[serde(default)]
    pub behaviours: Vec<BehaviourBody>,
    /// Feedback per planned result to set or replace.
    #[serde(default)]
    pub result_feedback: Vec<ResultFeedbackBody>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EvaluationQuery {
    pub evaluation_period_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    /// `true`: only the drafts one is to finalise (as `/me/tasks` counts them).
    pub awaiting_me: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Opens an evaluation.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluations", operation_id = "open_evaluation",
    summary = "Open an employee's evaluation for a period",
    request_body = OpenEvaluation,
    responses(
        (status = 201, description = "Opened, as a draft", body = EvaluationView, headers(("location" = String, description = "URL of the evaluation"))),
        (status = 403, description = "Not the employee's direct supervisor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Open already", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn open(call: Call, body: Json<OpenEvaluation>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_some(ekinerja_domain::access::Area::Evaluation).await?;
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let d = db(&call.state, move |conn| evaluation::open(conn, &change, b.evaluation_period_id, b.employee_id, now))
        .await?;
    Ok(respond(d, actix_web::http::StatusCode::CREATED))
}

/// Lists evaluations.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "evaluations", operation_id = "list_evaluations",
    summary = "Evaluations the caller may see",
    params(EvaluationQuery),
    responses((status = 200, description = "A page of evaluations", body = EvaluationList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<EvaluationQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = EvaluationFilter {
        evaluation_period_id: q.evaluation_period_id,
        employee_id: q.employee_id,
        awaiting_me: q.awaiting_me.unwrap_or(false),
    };
    let now = call.state.now();
    let rows = call.read(move |conn, caller| evaluation::list(conn, caller, &filter, &page, now)).await?;
    Ok(HttpResponse::Ok().json(EvaluationList::from_page(rows, |e| view_of(e, None))))
}

/// The caller's own evaluations.
#[utoipa::path(get, path = "/api/v1/me/evaluations", tag = "evaluations", operation_id = "list_my_evaluations",
    summary = "My evaluations, ratings and feedback, every revision", params(EvaluationQuery),
    responses((status = 200, description = "A page of evaluations", body = EvaluationList)),
    security(("bearer" = [])))]
pub async fn mine(call: Call, q: web::Query<EvaluationQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let Some(me) = call.caller.employee_id else {
        return Err(ApiError::Forbidden("the account has no employee record".into()));
    };
    let page = page_request(q.limit, q.cursor)?;
    let filter = EvaluationFilter {
        evaluation_period_id: q.evaluation_period_id,
        employee_id: Some(me),
        awaiting_me: q.awaiting_me.unwrap_or(false),
    };
    let now = call.state.now();
    let rows = call.read(move |conn, caller| evaluation::list(conn, caller, &filter, &page, now)).await?;
    Ok(HttpResponse::Ok().json(EvaluationList::from_page(rows, |e| view_of(e, None))))
}

/// Reads an evaluation.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "evaluations", operation_id = "get_evaluation",
    summary = "Read an evaluation",
    params(("id" = Uuid, Path, description = "Evaluation id")),
    responses((status = 200, description = "The evaluation, with its ETag", body = EvaluationView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let d = call.read(move |conn, caller| evaluation::get(conn, caller, id, now)).await?;
    Ok(respond(d, actix_web::http::StatusCode::OK))
}

fn description(f: &mut Fields, field: impl Into<Field>, text: Option<String>) -> Option<Description> {
    text.and_then(|t| f.check(field, Description::parse(&t)))
}

/// Rates a draft evaluation.
#[utoipa::path(patch, path = "/api/v1/evaluations/{id}", tag = "evaluations", operation_id = "rate_evaluation",
    summary = "Set ratings and feedback of a draft evaluation (its evaluator)",
    params(("id" = Uuid, Path, description = "Evaluation id"), ("If-Match" = String, Header, description = "The evaluation's ETag")),
    request_body = RateEvaluation,
    responses(
        (status = 200, description = "Updated", body = EvaluationView),
        crate::openapi::EvaluatorOnly,
        (status = 409, description = "The evaluation is final", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "It changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn rate(
    call: Call,
    id: web::Path<Uuid>,
    body: Json<RateEvaluation>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let feedback = description(&mut f, "feedback", b.feedback);
    let mut behaviours = Vec::new();
    for (i, v) in b.behaviours.into_iter().enumerate() {
        if behaviours.iter().any(|x: &ValueRating| x.core_value == v.core_value) {
            f.refuse(Field::named("behaviours").at(i).then("core_value"), "rated twice");
        }
        let feedback = description(&mut f, Field::named("behaviours").at(i).then("feedback"), v.feedback);
        behaviours.push(ValueRating { core_value: v.core_value, rating: v.rating, feedback });
    }
    let mut result_feedback = Vec::new();
    for (i, r) in b.result_feedback.into_iter().enumerate() {
        if let Some(text) =
            description(&mut f, Field::named("result_feedback").at(i).then("feedback"), Some(r.feedback))
        {
            result_feedback.push((r.planned_result_id, text));
        }
    }
    f.finish()?;
    // A body the server refuses is refused before the precondition is judged (RFC 9110, 13.2.1).
    let if_match = if_match.version()?;
    let patch = RatingPatch {
        results_rating: b.results_rating,
        behaviour_rating: b.behaviour_rating,
        feedback,
        behaviours,
        result_feedback,
    };
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let d = db(&call.state, move |conn| evaluation::rate(conn, &change, id, if_match, patch, now)).await?;
    Ok(respond(d, actix_web::http::StatusCode::OK))
}

/// Finalises an evaluation.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/finalise", tag = "evaluations", operation_id = "finalise_evaluation",
    summary = "Finalise a draft: every rating is required and the predicate is computed (its evaluator)",
    params(("id" = Uuid, Path, description = "Evaluation id"), ("If-Match" = String, Header, description = "The evaluation's ETag")),
    responses(
        (status = 200, description = "Final, with its predicate", body = EvaluationView),
        crate::openapi::EvaluatorOnly,
        (status = 409, description = "Final already", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "It changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn finalise(call: Call, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, ApiError> {
    let if_match = if_match.version()?;
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let d = db(&call.state, move |conn| evaluation::finalise(conn, &change, id, if_match, now)).await?;
    Ok(respond(d, actix_web::http::StatusCode::OK))
}

/// Revises a final evaluation.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/revise", tag = "evaluations", operation_id = "revise_evaluation",
    summary = "Correct a final evaluation: a new draft revision that supersedes it once finalised (its evaluator)",
    params(("id" = Uuid, Path, description = "Evaluation id"), ("If-Match" = String, Header, description = "The evaluation's ETag")),
    responses(
        (status = 201, description = "The new draft revision", body = EvaluationView, headers(("location" = String, description = "URL of the revision"))),
        crate::openapi::EvaluatorOnly,
        (status = 409, description = "Not the current final evaluation, or a revision is open", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "It changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn revise(call: Call, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, ApiError> {
    let if_match = if_match.version()?;
    let id = id.into_inner();
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let d = db(&call.state, move |conn| evaluation::revise(conn, &change, id, if_match, now)).await?;
    Ok(respond(d, actix_web::http::StatusCode::CREATED))
}

/// The unit to look at.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    #[param(value_type = String, format = Uuid)]
    pub org_unit_id: Uuid,
    /// The unit's organisational rating; by default the one following from its head's final
    /// predicate, one for one (very good: outstanding, good: good, needs improvement, poor and very
    /// poor: themselves).
    pub unit_rating: Option<UnitRating>,
}

/// Where an employee's evaluation of the period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationState {
    /// Not opened by the evaluator yet.
    NotOpened,
    /// Being rated.
    Draft,
    /// Finalised.
    Final,
}

impl From<EvaluationStatus> for EvaluationState {
    fn from(s: EvaluationStatus) -> Self {
        match s {
            EvaluationStatus::Draft => EvaluationState::Draft,
            EvaluationStatus::Final => EvaluationState::Final,
        }
    }
}

/// An employee's place in the period's evaluation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressRowView {
    pub employee: EmployeeView,
    pub state: EvaluationState,
    /// The evaluation that counts (the latest revision not superseded).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub evaluation_id: Option<EvaluationId>,
    pub predicate: Option<Predicate>,
    /// Whom it waits for: the direct supervisor; `null` for the top official (the agency admin
    /// records theirs).
    pub waiting_for: Option<EmployeeView>,
}

/// A unit's progress in a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressView {
    pub period: EvaluationPeriodView,
    pub employees: i64,
    pub not_opened: i64,
    pub draft: i64,
    #[serde(rename = "final")]
    pub finalised: i64,
    /// Every active employee of the unit and its sub-units, by name.
    pub rows: Vec<ProgressRowView>,
}

/// Evaluation progress of a unit.
#[utoipa::path(get, path = "/api/v1/evaluation-periods/{id}/progress", tag = "evaluations", operation_id = "get_evaluation_progress",
    summary = "Who in a unit is not yet evaluated, and whom each evaluation waits for",
    params(("id" = Uuid, Path, description = "Evaluation period id"), UnitQuery),
    responses(
        (status = 200, description = "The unit's progress", body = ProgressView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn progress(call: Call, id: web::Path<Uuid>, q: web::Query<UnitQuery>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let unit = q.org_unit_id;
    let now = call.state.now();
    let (period, rows) = call.read(move |conn, caller| evaluation::unit_progress(conn, caller, id, unit, now)).await?;
    let rows: Vec<ProgressRowView> = rows
        .into_iter()
        .map(|r| ProgressRowView {
            state: r.evaluation.as_ref().map_or(EvaluationState::NotOpened, |e| e.status.into()),
            evaluation_id: r.evaluation.as_ref().map(|e| e.id),
            predicate: r.evaluation.as_ref().and_then(|e| e.predicate),
            waiting_for: r.evaluator.map(EmployeeView::from),
            employee: r.employee.into(),
        })
        .collect();
    let count = |s: EvaluationState| i64::try_from(rows.iter().filter(|r| r.state == s).count()).unwrap_or(0);
    Ok(HttpResponse::Ok().json(ProgressView {
        period: period.into(),
        employees: i64::try_from(rows.len()).unwrap_or(0),
        not_opened: count(EvaluationState::NotOpened),
        draft: count(EvaluationState::Draft),
        finalised: count(EvaluationState::Final),
        rows,
    }))
}

/// A unit's spread of predicates against its pattern.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistributionView {
    pub period: EvaluationPeriodView,
    /// The unit's head, not counted: their predicate belongs to the level above.
    pub head: Option<EmployeeView>,
    /// `null` when neither given nor following from a final evaluation of the head.
    pub unit_rating: Option<UnitRating>,
    /// Employees below the head whose unit is rolled out by the period's last month.
    pub employees: i64,
    /// Employees below the head whose unit is not rolled out by then, left out of the spread.
    pub not_rolled_out: i64,
    /// Of `employees`, with a final predicate.
    pub finalised: i64,
    pub counts: Vec<super::dashboard::PredicateCount>,
    /// Whether every rule is kept (`null` without a unit rating).
    pub fits: Option<bool>,
    /// Each rule of the agency's pattern for the rating (`/api/v1/distribution-patterns`, in force
    /// in the period's last month) and how the spread stands against it; broken ones have
    /// `met: false`.
    pub rules: Vec<RuleCheck>,
}

/// Predicate distribution of a unit.
#[utoipa::path(get, path = "/api/v1/evaluation-periods/{id}/distribution", tag = "evaluations", operation_id = "get_predicate_distribution",
    summary = "A unit's spread of final predicates against the distribution pattern of its rating",
    params(("id" = Uuid, Path, description = "Evaluation period id"), UnitQuery),
    responses(
        (status = 200, description = "The spread and each rule, met or broken", body = DistributionView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn distribution(call: Call, id: web::Path<Uuid>, q: web::Query<UnitQuery>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let q = q.into_inner();
    let now = call.state.now();
    let d = call
        .report(move |conn, caller| evaluation::unit_distribution(conn, caller, id, q.org_unit_id, q.unit_rating, now))
        .await?;
    Ok(HttpResponse::Ok().json(DistributionView {
        period: d.period.into(),
        head: d.head.map(EmployeeView::from),
        unit_rating: d.unit_rating,
        employees: d.employees,
        not_rolled_out: d.not_rolled_out,
        finalised: d.finalised,
        counts: d
            .counts
            .into_iter()
            .map(|(predicate, employees)| super::dashboard::PredicateCount { predicate, employees })
            .collect(),
        fits: d.unit_rating.map(|_| d.checks.iter().all(|c| c.met)),
        rules: d.checks,
    }))
}

/// The year's final results for SIASN.
#[utoipa::path(get, path = "/api/v1/performance-periods/{id}/siasn-export", tag = "evaluations", operation_id = "export_siasn_results",
    summary = "The year's final evaluation results per employee, as CSV for upload to BKN's SIASN",
    description = "One line per employee with a final annual evaluation: `nip`, `nama`, `tahun`, `hasil_kerja` \
        (results rating), `perilaku_kerja` (behaviour rating), `predikat`, `nip_penilai` and `nama_penilai` (the \
        assessor; empty for the top official, rated by the region's head). NIPs are written as `=\"…\"` so \
        spreadsheets keep all 18 digits; other cells starting with `=`, `+`, `-` or `@` are prefixed with `'`. \
        Producing the file is recorded for the year (maturity level 6 asks for it). \
        With `Prefer: respond-async` the caller's right is checked and the export stored as a job, answered \
        `202` at once: follow it at its `Location` (`GET /api/v1/jobs/{id}`), which ends with the file's \
        location (`GET /api/v1/jobs/{id}/file`).",
    params(("id" = Uuid, Path, description = "Performance period id"),
        ("prefer" = Option<String>, Header, description = "`respond-async`: answer 202 with a job at once")),
    responses(
        (status = 200, description = "The CSV file", body = String, content_type = "text/csv"),
        (status = 202, description = "Stored as a job (`Prefer: respond-async`)", body = crate::routes::job::JobView,
            headers(("location" = String, description = "URL of the job"),
                ("preference-applied" = String, description = "`respond-async`"),
                ("retry-after" = String, description = "Seconds to wait before following the job"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn siasn_export(
    req: actix_web::HttpRequest,
    call: Call,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    if crate::routes::job::wants_async(&req) {
        let job = call.write(move |conn, change| evaluation::enqueue_siasn_export(conn, change, id)).await?;
        return crate::routes::job::accepted(&call.state, job);
    }
    let rows = call.write(move |conn, change| evaluation::siasn_export(conn, change, id)).await?;
    let (name, body) = siasn_file(rows)?;
    Ok(csv_out::respond(&name, body))
}

/// The SIASN file of a year's rows, and its name.
pub fn siasn_file(rows: Vec<evaluation::SiasnRow>) -> Result<(String, Vec<u8>), ApiError> {
    let year = rows.first().map_or_else(String::new, |r| r.year.to_string());
    let body = csv_out::file(
        &["nip", "nama", "tahun", "hasil_kerja", "perilaku_kerja", "predikat", "nip_penilai", "nama_penilai"],
        rows.into_iter().map(|r| {
            vec![
                csv_out::nip(&r.nip),
                csv_out::cell(&r.name),
                r.year.to_string(),
                r.results_rating.label().to_owned(),
                r.behaviour_rating.label().to_owned(),
                r.predicate.label().to_owned(),
                r.assessor_nip.as_deref().map(csv_out::nip).unwrap_or_default(),
                r.assessor_name.as_deref().map(csv_out::cell).unwrap_or_default(),
            ]
        }),
    )
    .map_err(ApiError::Internal)?;
    Ok((format!("skp-siasn-{year}.csv"), body))
}

/// The employee's statement for an indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelfAssessmentView {
    pub quantity: i64,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// An indicator's realisation in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorRealisationView {
    #[schema(value_type = String, format = Uuid)]
    pub indicator_id: IndicatorId,
    pub description: String,
    pub target_unit: String,
    /// The annual target.
    pub annual_target: i64,
    /// The part of the target in the period, from the breakdown; `null` where it does not split
    /// that finely.
    pub period_target: Option<i64>,
    /// The output of the result's accepted logs in the period that counts for this indicator: all
    /// of it for a result's only indicator; among several, the logs whose `output_unit` is this
    /// one's `target_unit` (compared without case).
    pub prefilled: Option<i64>,
    pub self_assessment: Option<SelfAssessmentView>,
    /// The self-assessment, or else the pre-filled figure.
    pub realised: Option<i64>,
    /// Realised against the period's target, in basis points (10,000 = met).
    pub achievement_bp: Option<i64>,
}

/// A planned result's work in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultRealisationView {
    #[schema(value_type = String, format = Uuid)]
    pub planned_result_id: PlannedResultId,
    pub description: String,
    /// Accepted daily logs of the period serving this result.
    pub accepted_logs: i64,
    pub minutes: i64,
    pub output_quantity: i64,
    pub indicators: Vec<IndicatorRealisationView>,
}

/// An evaluation's realisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RealisationView {
    #[schema(value_type = String, format = Uuid)]
    pub evaluation_id: EvaluationId,
    pub period: EvaluationPeriodView,
    pub results: Vec<ResultRealisationView>,
}

/// A self-assessment to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessBody {
    /// The quantity realised in the period.
    #[schema(minimum = 0)]
    pub quantity: i64,
    /// A link to evidence.
    #[schema(
        pattern = "^https?://(?:\\[(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\\](?::[0-9]+)?|[!$-.0-;=@-Z_a-z~]+)(?:[/?#][!#-;=?-\\[\\]_a-z~]*)?$",
        max_length = 2000
    )]
    pub evidence_url: Option<String>,
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 2000
    )]
    pub note: Option<String>,
    /// Evidence files uploaded before (`POST /api/v1/files`), at most 10, each one's own and
    /// proving no other record; added to those the realisation has
    /// (`GET /api/v1/evaluations/{id}/files?indicator_id=…`).
    #[serde(default)]
    #[schema(max_items = 10)]
    pub evidence_file_ids: Vec<Uuid>,
}

/// An evaluation's realisation.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}/realisation", tag = "evaluations", operation_id = "get_evaluation_realisation",
    summary = "Realisation against the period's targets: accepted daily logs per result, pre-filled and self-assessed figures per indicator",
    params(("id" = Uuid, Path, description = "Evaluation id")),
    responses((status = 200, description = "The realisation", body = RealisationView)),
    security(("bearer" = [])))]
pub async fn realisation(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let r = call.read(move |conn, caller| evaluation::realisation(conn, caller, id, now)).await?;
    Ok(HttpResponse::Ok().json(RealisationView {
        evaluation_id: r.evaluation.id,
        period: r.period.into(),
        results: r
            .results
            .into_iter()
            .map(|res| ResultRealisationView {
                planned_result_id: res.result.id,
                description: res.result.description,
                accepted_logs: res.accepted_logs,
                minutes: res.minutes,
                output_quantity: res.output_quantity,
                indicators: res
                    .indicators
                    .into_iter()
                    .map(|i| IndicatorRealisationView {
                        indicator_id: i.indicator.id,
                        description: i.indicator.description,
                        target_unit: i.indicator.target_unit,
                        annual_target: i.indicator.target_quantity,
                        period_target: i.period_target,
                        prefilled: i.prefilled,
                        self_assessment: i.self_assessment.map(|s| SelfAssessmentView {
                            quantity: s.quantity,
                            evidence_url: s.evidence_url,
                            note: s.note,
                            updated_at: utc(s.updated_at),
                        }),
                        realised: i.realised,
                        achievement_bp: i.achievement_bp,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Records a self-assessment.
#[utoipa::path(put, path = "/api/v1/evaluations/{id}/realisation/{indicator_id}", tag = "evaluations", operation_id = "assess_indicator",
    summary = "State my realisation of an indicator, with evidence, while my evaluation is a draft",
    params(("id" = Uuid, Path, description = "Evaluation id"), ("indicator_id" = Uuid, Path, description = "Indicator id")),
    request_body = AssessBody,
    responses(
        (status = 200, description = "Recorded", body = SelfAssessmentView),
        (status = 403, description = "Not the evaluated employee", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The evaluation is final", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn assess(
    call: Call,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<AssessBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, indicator) = path.into_inner();
    let b = body.0;
    let mut f = Fields::new();
    if b.quantity < 0 {
        f.refuse("quantity", "must not be negative");
    }
    let evidence_url =
        f.check_opt("evidence_url", b.evidence_url.as_deref(), ekinerja_domain::daily_log::EvidenceUrl::parse);
    let note = description(&mut f, "note", b.note);
    f.finish()?;
    let a = evaluation::Assessment {
        quantity: b.quantity,
        evidence_url: evidence_url.flatten(),
        note,
        evidence_file_ids: b.evidence_file_ids,
    };
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let s = db(&call.state, move |conn| evaluation::assess(conn, &change, id, indicator, a, now)).await?;
    Ok(HttpResponse::Ok().json(SelfAssessmentView {
        quantity: s.quantity,
        evidence_url: s.evidence_url,
        note: s.note,
        updated_at: utc(s.updated_at),
    }))
}
