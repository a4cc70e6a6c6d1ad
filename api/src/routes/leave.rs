//! Leave requests (issue 21, workforce.md): the employee asks from their phone; the direct
//! supervisor recommends or refuses; the head of the employee's OPD approves or refuses (the
//! agency's `leave_approval` policy may make it one step); an approved request excuses its days.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ekinerja_domain::id::{AbsenceId, EmployeeId, LeaveRequestId};
use ekinerja_domain::leave::{LeaveKind, LeaveStatus, LeaveStep};
use ekinerja_domain::Description;
use ekinerja_persistence::leave::{self as store, LeaveFilter, NewLeaveRequest};
use ekinerja_persistence::Change;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::{with_etag, HashedJson, IfMatch, Json};
use crate::idempotency::{claim, settle, Claim, Key, Stored};
use crate::request_id;
use crate::state::db;

/// A leave request.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveRequestView {
    #[schema(value_type = String, format = Uuid)]
    pub id: LeaveRequestId,
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub kind: LeaveKind,
    pub starts_on: NaiveDate,
    /// The last day, inclusive.
    pub ends_on: NaiveDate,
    /// A permission's window of its day, `HH:MM` local time; `null` for whole days.
    #[schema(example = "07:30")]
    pub starts_at: Option<String>,
    #[schema(example = "10:00")]
    pub ends_at: Option<String>,
    /// Working days of the employee's schedule in the span (days off and holidays left out), as
    /// counted when it was asked for.
    #[schema(example = 3)]
    pub working_days: i32,
    /// The employee's reason.
    pub reason: String,
    pub status: LeaveStatus,
    /// When the direct supervisor recommended it (or, holding both steps, approved it).
    pub recommended_at: Option<DateTime<Utc>>,
    /// When it was approved or refused.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was refused.
    pub refusal_reason: Option<String>,
    /// The recorded leave or travel that excuses its days, once approved.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub absence_id: Option<AbsenceId>,
    /// The version to send in `If-Match` (`"v{version}"`), as the `ETag` says.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::LeaveRequest> for LeaveRequestView {
    fn from(r: store::LeaveRequest) -> Self {
        LeaveRequestView {
            id: r.id,
            employee_id: r.employee_id,
            kind: r.kind,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            starts_at: r.window_start,
            ends_at: r.window_end,
            working_days: r.working_days,
            reason: r.reason,
            status: r.status,
            recommended_at: r.recommended_at.map(utc),
            decided_at: r.decided_at.map(utc),
            refusal_reason: r.refusal_reason,
            absence_id: r.absence_id,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        }
    }
}

list_of!(LeaveRequestList, LeaveRequestView, "leave requests");

/// Leave to ask for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeaveRequest {
    /// Whose leave: one's own when left out (the agency admin may name anyone).
    #[schema(format = Uuid)]
    pub employee_id: Option<Uuid>,
    pub kind: LeaveKind,
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub starts_on: NaiveDate,
    /// The last day, inclusive. Sick leave on notice is one day, 2 to 14 days with a doctor's
    /// letter in `attachment_file_ids`; maternity and long-service leave at most 3 months; important-reason and annual leave at most a month at a time; a
    /// permission is one day (`starts_on`).
    #[schema(pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub ends_on: NaiveDate,
    /// A permission's window (and only a permission's): from `HH:MM`, local time. A window
    /// holding the start of the working day excuses arriving late until its end; one holding the
    /// end excuses leaving from its start.
    #[schema(example = "07:30", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub starts_at: Option<String>,
    /// To `HH:MM`, after `starts_at`.
    #[schema(example = "10:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub ends_at: Option<String>,
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        example = "Mengantar anak berobat ke puskesmas",
        min_length = 1,
        max_length = 2000
    )]
    pub reason: String,
    /// Files the employee uploaded before (`POST /api/v1/files`), at most 10: a doctor's letter
    /// for sick leave of 2 to 14 days. Listed with `GET /api/v1/leave-requests/{id}/files`.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub attachment_file_ids: Vec<Uuid>,
}

/// Asks for leave.
#[utoipa::path(post, path = "/api/v1/leave-requests", tag = "leave", operation_id = "create_leave_request",
    summary = "Ask for leave: one's own, to the direct supervisor and the head of the OPD",
    description = "Refused (422) when the span is too long for the kind or holds no working day of the employee's \
        schedule; a conflict (409) when it overlaps another live request or recorded leave or travel of the employee.",
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = "^[!-~]+$", description = "Makes a retry safe: the same key and body replay the first answer")),
    request_body = CreateLeaveRequest,
    responses(
        (status = 201, description = "Asked for; its `version` is the first `If-Match`", body = LeaveRequestView,
            headers(("location" = String, description = "URL of the request"))),
        (status = 403, description = "Not one's own, and not the agency's admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The span overlaps another leave request of the employee or leave or travel already recorded, or the same Idempotency-Key is still being processed", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, key: Key, body: HashedJson<CreateLeaveRequest>) -> Result<HttpResponse, ApiError> {
    call.may_write_some(ekinerja_domain::access::Area::LeaveRequest).await?;
    if let Claim::Respond(r) = claim(&call.state, &call.caller, &key, &body.hash).await? {
        return Ok(r);
    }
    let outcome = create_one(&call, body.value).await;
    settle(&call.state, &call.caller, &key, &outcome).await;
    outcome.map(|s| s.respond(false))
}

async fn create_one(call: &Call, b: CreateLeaveRequest) -> Result<Stored, ApiError> {
    let mut f = Fields::new();
    let reason = f.check("reason", Description::parse(&b.reason));
    for (field, day) in [("starts_on", b.starts_on), ("ends_on", b.ends_on)] {
        if !super::YEARS.contains(&day.year()) {
            f.refuse(field, "must be a date from 2000 to 2100");
        }
    }
    let starts_at = b.starts_at.as_deref().and_then(|t| f.check("starts_at", super::daily_log::time(t)));
    let ends_at = b.ends_at.as_deref().and_then(|t| f.check("ends_at", super::daily_log::time(t)));
    if b.starts_at.is_some() != b.ends_at.is_some() {
        f.refuse(
            if b.starts_at.is_none() { "starts_at" } else { "ends_at" },
            "a window needs both starts_at and ends_at",
        );
    }
    f.finish()?;
    let Some(reason) = reason else { return Err(ApiError::field("reason", "required")) };
    let window = starts_at.zip(ends_at);
    let now = call.state.now();
    let change = Change::new(call.caller.clone(), now, request_id::current());
    let new = NewLeaveRequest {
        employee_id: b.employee_id,
        kind: b.kind,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
        window,
        reason,
        attachment_file_ids: b.attachment_file_ids,
    };
    let row = db(&call.state, move |conn| store::request(conn, &change, new, now)).await?;
    let location = format!("/api/v1/leave-requests/{}", row.id);
    Stored::json(StatusCode::CREATED, &LeaveRequestView::from(row), Some(location))
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LeaveQuery {
    /// One employee's requests.
    pub employee_id: Option<Uuid>,
    pub status: Option<LeaveStatus>,
    /// `true`: only those waiting for one's recommendation or approval, as `/me/tasks` counts them.
    pub awaiting_me: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists leave requests.
#[utoipa::path(get, path = "/api/v1/leave-requests", tag = "leave", operation_id = "list_leave_requests",
    summary = "List leave requests of one's agency: one's own and those of the people one supervises or heads (the whole agency for leaders and the admin)",
    params(LeaveQuery),
    responses((status = 200, description = "A page of requests, by id", body = LeaveRequestList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<LeaveQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter =
        LeaveFilter { employee_id: q.employee_id, status: q.status, awaiting_me: q.awaiting_me.unwrap_or(false) };
    let now = call.state.now();
    let rows = call.read(move |conn, caller| store::list(conn, caller, &filter, &page, now)).await?;
    Ok(HttpResponse::Ok().json(LeaveRequestList::from_page(rows, LeaveRequestView::from)))
}

/// Reads a leave request.
#[utoipa::path(get, path = "/api/v1/leave-requests/{id}", tag = "leave", operation_id = "get_leave_request",
    summary = "Read a leave request", params(("id" = Uuid, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = LeaveRequestView,
        headers(("etag" = String, description = "Version to send in If-Match")))),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let now = call.state.now();
    let seen = call.read(move |conn, caller| store::get(conn, caller, id, now)).await?;
    Ok(with_etag(HttpResponse::Ok(), seen.request.version).json(LeaveRequestView::from(seen.request)))
}

/// A refusal's reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseLeaveBody {
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        example = "Akhir tahun anggaran: ajukan kembali untuk Januari",
        min_length = 1,
        max_length = 2000
    )]
    pub reason: String,
}

/// Takes a step on the version `seen`, judged after the reason (RFC 9110, 13.2.1).
async fn take(
    call: Call,
    id: Uuid,
    seen: Result<i32, ApiError>,
    step: LeaveStep,
    reason: Option<String>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = &reason {
        Description::parse(r).map_err(|e| ApiError::field("reason", e.to_string()))?;
    }
    let seen = seen?;
    let now = call.state.now();
    let change = Change::new(call.caller, now, request_id::current());
    let row = db(&call.state, move |conn| store::step(conn, &change, id, seen, step, reason, now)).await?;
    Ok(with_etag(HttpResponse::Ok(), row.version).json(LeaveRequestView::from(row)))
}

/// Recommends a request.
#[utoipa::path(post, path = "/api/v1/leave-requests/{id}/recommend", tag = "leave", operation_id = "recommend_leave_request",
    summary = "Recommend a request to the head of the OPD (the direct supervisor)",
    description = "Whoever also holds the approval (a supervisor who heads the employee's OPD, or any direct supervisor \
        where the policy is `one_step`) approves it by recommending it; for the agency's top official the agency admin decides.",
    params(("id" = Uuid, Path, description = "Request id"), ("If-Match" = String, Header, description = "The request's ETag as seen")),
    responses(
        (status = 200, description = "Recommended (or approved)", body = LeaveRequestView, headers(("etag" = String, description = "New version"))),
        crate::openapi::DirectSupervisorOnly,
        (status = 409, description = "Not waiting for a recommendation", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn recommend(call: Call, id: web::Path<Uuid>, version: IfMatch) -> Result<HttpResponse, ApiError> {
    take(call, id.into_inner(), version.version(), LeaveStep::Recommend, None).await
}

/// Approves a request.
#[utoipa::path(post, path = "/api/v1/leave-requests/{id}/approve", tag = "leave", operation_id = "approve_leave_request",
    summary = "Approve a recommended request (the head of the employee's OPD): its days are excused",
    description = "Approval records the leave (or official travel) that excuses its working days in discipline and in \
        allowance runs computed from now on. Whoever holds both steps approves a request straight away.",
    params(("id" = Uuid, Path, description = "Request id"), ("If-Match" = String, Header, description = "The request's ETag as seen")),
    responses(
        (status = 200, description = "Approved", body = LeaveRequestView, headers(("etag" = String, description = "New version"))),
        (status = 403, description = "Not the approver: the head of the employee's OPD (the official above a vacant head post), or the direct supervisor where approval is one step", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not recommended yet, or no longer waiting; or leave or travel was recorded for these days since it was asked for", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn approve(call: Call, id: web::Path<Uuid>, version: IfMatch) -> Result<HttpResponse, ApiError> {
    take(call, id.into_inner(), version.version(), LeaveStep::Approve, None).await
}

/// Refuses a request.
#[utoipa::path(post, path = "/api/v1/leave-requests/{id}/refuse", tag = "leave", operation_id = "refuse_leave_request",
    summary = "Refuse a request with a reason (the one it waits for)",
    params(("id" = Uuid, Path, description = "Request id"), ("If-Match" = String, Header, description = "The request's ETag as seen")),
    request_body = RefuseLeaveBody,
    responses(
        (status = 200, description = "Refused", body = LeaveRequestView, headers(("etag" = String, description = "New version"))),
        (status = 403, description = "The request does not wait for the caller: the direct supervisor refuses while it is requested, the approver once it is recommended", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "No longer waiting", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn refuse(
    call: Call,
    id: web::Path<Uuid>,
    version: IfMatch,
    body: Json<RefuseLeaveBody>,
) -> Result<HttpResponse, ApiError> {
    take(call, id.into_inner(), version.version(), LeaveStep::Refuse, Some(body.0.reason)).await
}

/// Cancels a request.
#[utoipa::path(post, path = "/api/v1/leave-requests/{id}/cancel", tag = "leave", operation_id = "cancel_leave_request",
    summary = "Withdraw one's request (or the agency admin): an approved one's days are judged on the events again",
    params(("id" = Uuid, Path, description = "Request id"), ("If-Match" = String, Header, description = "The request's ETag as seen")),
    responses(
        (status = 200, description = "Cancelled", body = LeaveRequestView, headers(("etag" = String, description = "New version"))),
        (status = 403, description = "Not one's own request", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already refused or cancelled", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatch,
    ),
    security(("bearer" = [])))]
pub async fn cancel(call: Call, id: web::Path<Uuid>, version: IfMatch) -> Result<HttpResponse, ApiError> {
    take(call, id.into_inner(), version.version(), LeaveStep::Cancel, None).await
}

/// Where the caller stands with annual leave in a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeaveBalanceView {
    #[schema(example = 2026)]
    pub year: i32,
    /// Annual leave may be taken from a year after the appointment (the NIP's digits 9 to 14).
    pub eligible_from: NaiveDate,
    /// The year's own working days (12; none before a year of service or in a year of
    /// long-service leave).
    #[schema(example = 12)]
    pub entitlement_days: i32,
    /// Unused days carried over: up to 18 in all with the year's 12, or 24 after two consecutive
    /// years without annual leave.
    #[schema(example = 6)]
    pub carried_over_days: i32,
    #[schema(example = 18)]
    pub available_days: i32,
    /// Working days of approved annual leave starting in the year.
    pub approved_days: i32,
    /// Working days of annual leave asked for and still waiting.
    pub pending_days: i32,
    /// What may still be asked for.
    pub remaining_days: i32,
}

impl From<store::AnnualBalance> for LeaveBalanceView {
    fn from(b: store::AnnualBalance) -> Self {
        LeaveBalanceView {
            year: b.year,
            eligible_from: b.eligible_from,
            entitlement_days: b.entitlement_days,
            carried_over_days: b.carried_over_days,
            available_days: b.available_days,
            approved_days: b.approved_days,
            pending_days: b.pending_days,
            remaining_days: b.remaining_days,
        }
    }
}

/// The year to read.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BalanceQuery {
    /// 2000 to 2100; this year (in the agency's time zone) when left out.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// The caller's annual-leave balance.
#[utoipa::path(get, path = "/api/v1/me/leave-balance", tag = "leave", operation_id = "get_my_leave_balance",
    summary = "My annual-leave balance for a year: entitlement, carry-over, approved, waiting and remaining working days",
    description = "An annual-leave request beyond `remaining_days` is refused. Carry-over follows PP 11/2017: unused days of \
        the year before carry over up to 18 days in all, or 24 after two consecutive years without annual leave.",
    params(BalanceQuery),
    responses(
        (status = 200, description = "The balance", body = LeaveBalanceView),
        (status = 403, description = "The account has no employee record", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn my_balance(call: Call, q: web::Query<BalanceQuery>) -> Result<HttpResponse, ApiError> {
    let year = q.into_inner().year;
    if year.is_some_and(|y| !super::YEARS.contains(&y)) {
        return Err(ApiError::field("year", "must be from 2000 to 2100"));
    }
    let now = call.state.now();
    let b = call.read(move |conn, caller| store::my_balance(conn, caller, year, now)).await?;
    Ok(HttpResponse::Ok().json(LeaveBalanceView::from(b)))
}
