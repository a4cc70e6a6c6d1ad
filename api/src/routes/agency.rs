//! Agencies.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::daily_log::REVIEW_ESCALATION_RANGE;
use ekinerja_domain::evaluation::Cadence;
use ekinerja_domain::field::Field;
use ekinerja_domain::id::AgencyId;
use ekinerja_domain::leave::LeaveApproval;
use ekinerja_domain::maturity::{MaturityPolicy, MaturityPolicyPatch};
use ekinerja_domain::workload::EFFECTIVE_HOURS_RANGE;
use ekinerja_domain::{Code, Name, TimeZone};
use ekinerja_persistence::agency;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::Json;

/// An agency (instansi): a regency or city government.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AgencyId,
    /// Short unique code.
    #[schema(example = "KAB-DEMO")]
    pub code: String,
    #[schema(example = "Pemerintah Kabupaten Demo")]
    pub name: String,
    pub time_zone: TimeZone,
    /// Policy: the most minutes an employee may log in a day; also the most minutes of a day the
    /// allowance's productivity basis counts (one setting).
    #[schema(example = 450)]
    pub daily_log_cap_minutes: i32,
    /// Policy: how often employees are evaluated during the year, besides the year-end evaluation.
    pub evaluation_cadence: Cadence,
    /// Policy: one person's effective working hours a year, for workload analysis.
    #[schema(example = 1250)]
    pub effective_working_hours: i32,
    /// Policy: the maturity thresholds in force.
    pub maturity_policy: MaturityPolicy,
    /// Policy: the account that computed an allowance run cannot approve it (default on).
    pub allowance_separation_of_duties: bool,
    /// Policy: the top official's logs are accepted on submission (default off: the agency admin
    /// reviews them, as they decide everything a supervisor would for the top official).
    pub top_official_logs_accepted: bool,
    /// Policy: working days a daily log may wait for review after the day it was submitted before
    /// it is escalated: then anyone above the direct supervisor may decide it too, and it shows in
    /// the next supervisor up's tasks (default 5; 0 never escalates).
    #[schema(example = 5)]
    pub review_escalation_working_days: i32,
    /// Policy: who approves leave requests: `two_step` (default), the head of the employee's OPD
    /// after the direct supervisor recommends; `one_step`, the direct supervisor alone.
    pub leave_approval: LeaveApproval,
    /// Policy: the bytes of evidence files the agency may store (default 5 GiB); an upload past
    /// it is refused.
    #[schema(example = 5368709120_i64)]
    pub evidence_quota_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<agency::Agency> for AgencyView {
    fn from(a: agency::Agency) -> Self {
        AgencyView {
            maturity_policy: a.maturity_policy(),
            time_zone: a.time_zone,
            id: a.id,
            code: a.code,
            name: a.name,
            daily_log_cap_minutes: a.daily_log_cap_minutes,
            evaluation_cadence: a.evaluation_cadence,
            effective_working_hours: a.effective_working_hours,
            allowance_separation_of_duties: a.allowance_separation_of_duties,
            top_official_logs_accepted: a.top_official_logs_accepted,
            review_escalation_working_days: a.review_escalation_working_days,
            leave_approval: a.leave_approval,
            evidence_quota_bytes: a.evidence_quota_bytes,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
        }
    }
}

list_of!(AgencyList, AgencyView, "agencies");

/// A new agency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgency {
    #[schema(pattern = "^[A-Za-z0-9._-]+$", example = "KAB-DEMO", min_length = 1, max_length = 64)]
    pub code: String,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "Pemerintah Kabupaten Demo",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// Defaults to `wib`.
    pub time_zone: Option<TimeZone>,
}

/// Changes to an agency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgency {
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: Option<String>,
    pub time_zone: Option<TimeZone>,
    /// Policy: the most minutes an employee may log in a day, 60 to 1440; also the most minutes of
    /// a day the allowance's productivity basis counts (one setting). Never below the allowance
    /// policy's `target_minutes_per_day` in force this month or later.
    #[schema(minimum = 60, maximum = 1440)]
    pub daily_log_cap_minutes: Option<i32>,
    /// Policy: `monthly` or `quarterly` evaluation during the year.
    pub evaluation_cadence: Option<Cadence>,
    /// Policy: one person's effective working hours a year for workload analysis, 500 to 2500.
    #[schema(minimum = 500, maximum = 2500)]
    pub effective_working_hours: Option<i32>,
    /// Policy: the maturity thresholds to change; those left out keep their values.
    pub maturity_policy: Option<MaturityPolicyPatch>,
    /// Policy: whether the account that computed an allowance run is refused its approval.
    pub allowance_separation_of_duties: Option<bool>,
    /// Policy: whether the top official's logs are accepted on submission.
    pub top_official_logs_accepted: Option<bool>,
    /// Policy: working days a log may wait for review before it is escalated, 0 (never) to 60.
    #[schema(minimum = 0, maximum = 60)]
    pub review_escalation_working_days: Option<i32>,
    /// Policy: who approves leave requests (`two_step` or `one_step`).
    pub leave_approval: Option<LeaveApproval>,
    /// Policy: the bytes of evidence files the agency may store, 0 to 1 TiB.
    #[schema(minimum = 0, maximum = 1099511627776_i64)]
    pub evidence_quota_bytes: Option<i64>,
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgencyQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists agencies: every agency for a platform admin, one's own for everyone else.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "agencies", operation_id = "list_agencies",
    summary = "List agencies the caller may see", params(AgencyQuery),
    responses((status = 200, description = "A page of agencies", body = AgencyList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<AgencyQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let rows = call.read(move |conn, caller| agency::list(conn, caller, &page)).await?;
    Ok(HttpResponse::Ok().json(AgencyList::from_page(rows, AgencyView::from)))
}

/// Creates an agency (platform admin).
#[utoipa::path(post, path = "/api/v1/agencies", tag = "agencies", operation_id = "create_agency",
    summary = "Create an agency (platform admin)", request_body = CreateAgency,
    responses(
        (status = 201, description = "Created", body = AgencyView, headers(("location" = String, description = "URL of the new agency"))),
        (status = 403, description = "Only a platform admin creates agencies", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<CreateAgency>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let code = f.check("code", Code::parse(&b.code));
    let name = f.check("name", Name::parse(&b.name));
    let (Some(code), Some(name)) = (code, name) else { return Err(f.into_error()) };
    let new = agency::NewAgency { code, name, time_zone: b.time_zone.unwrap_or(TimeZone::Wib) };
    let row = call.write(move |conn, change| agency::create(conn, change, new)).await?;
    Ok(created(format!("/api/v1/agencies/{}", row.id), &AgencyView::from(row)))
}

/// Reads an agency.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "agencies", operation_id = "get_agency",
    summary = "Read an agency", params(("id" = Uuid, Path, description = "Agency id")),
    responses((status = 200, description = "The agency", body = AgencyView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| agency::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(AgencyView::from(row)))
}

/// Changes an agency's name or time zone.
#[utoipa::path(patch, path = "/api/v1/agencies/{id}", tag = "agencies", operation_id = "update_agency",
    summary = "Change an agency's name or time zone (its admin)", params(("id" = Uuid, Path, description = "Agency id")),
    request_body = UpdateAgency,
    responses(
        (status = 200, description = "The changed agency", body = AgencyView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn update(call: Call, id: web::Path<Uuid>, body: Json<UpdateAgency>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let name = f.check_opt("name", b.name.as_deref(), Name::parse);
    if b.daily_log_cap_minutes.is_some_and(|m| !(60..=1440).contains(&m)) {
        f.refuse("daily_log_cap_minutes", "must be from 60 to 1440 minutes");
    }
    if b.effective_working_hours.is_some_and(|h| !EFFECTIVE_HOURS_RANGE.contains(&h)) {
        f.refuse("effective_working_hours", "must be from 500 to 2500 hours");
    }
    if b.evidence_quota_bytes.is_some_and(|q| !(0..=1_099_511_627_776).contains(&q)) {
        f.refuse("evidence_quota_bytes", "must be from 0 to 1 TiB (1099511627776 bytes)");
    }
    if b.review_escalation_working_days.is_some_and(|d| !REVIEW_ESCALATION_RANGE.contains(&d)) {
        f.refuse("review_escalation_working_days", "must be from 0 (never) to 60 working days");
    }
    for (field, reason) in b.maturity_policy.as_ref().map(MaturityPolicyPatch::problems).unwrap_or_default() {
        f.refuse(Field::named("maturity_policy").then(field), reason);
    }
    let Some(name) = name else { return Err(f.into_error()) };
    f.finish()?;
    let patch = agency::AgencyPatch {
        name,
        time_zone: b.time_zone,
        daily_log_cap_minutes: b.daily_log_cap_minutes,
        evaluation_cadence: b.evaluation_cadence,
        effective_working_hours: b.effective_working_hours,
        maturity_policy: b.maturity_policy,
        allowance_separation_of_duties: b.allowance_separation_of_duties,
        top_official_logs_accepted: b.top_official_logs_accepted,
        review_escalation_working_days: b.review_escalation_working_days,
        leave_approval: b.leave_approval,
        evidence_quota_bytes: b.evidence_quota_bytes,
    };
    let id = id.into_inner();
    let row = call.write(move |conn, change| agency::update(conn, change, id, patch)).await?;
    Ok(HttpResponse::Ok().json(AgencyView::from(row)))
}
