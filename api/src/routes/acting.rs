//! Acting assignments (Plt/Plh).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use ekinerja_domain::id::{ActingAssignmentId, AgencyId, EmployeeId, PositionId};
use ekinerja_domain::ActingKind;
use ekinerja_persistence::acting;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::ApiError;
use crate::extract::Json;

/// An acting official in a structural post for a date range, inclusive.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActingAssignmentView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ActingAssignmentId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// The post being filled.
    #[schema(value_type = String, format = Uuid)]
    pub position_id: PositionId,
    /// The acting official.
    #[schema(value_type = String, format = Uuid)]
    pub employee_id: EmployeeId,
    pub kind: ActingKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<acting::ActingAssignment> for ActingAssignmentView {
    fn from(a: acting::ActingAssignment) -> Self {
        ActingAssignmentView {
            kind: a.kind,
            id: a.id,
            agency_id: a.agency_id,
            position_id: a.position_id,
            employee_id: a.employee_id,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            created_at: utc(a.created_at),
        }
    }
}

list_of!(ActingAssignmentList, ActingAssignmentView, "acting assignments");

/// A new acting assignment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateActingAssignment {
    /// A structural post of the agency.
    pub position_id: Uuid,
    /// An active employee of the agency who does not hold the post.
    pub employee_id: Uuid,
    pub kind: ActingKind,
    pub starts_on: NaiveDate,
    /// Inclusive; not before `starts_on`.
    pub ends_on: NaiveDate,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActingQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    pub position_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    /// Only assignments covering this date.
    pub on: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists acting assignments of the caller's agency.
#[utoipa::path(get, path = "/api/v1/acting-assignments", tag = "acting_assignments", operation_id = "list_acting_assignments",
    summary = "List acting assignments (Plt/Plh)", params(ActingQuery),
    responses((status = 200, description = "A page of acting assignments", body = ActingAssignmentList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<ActingQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = acting::ActingFilter {
        agency_id: q.agency_id,
        position_id: q.position_id,
        employee_id: q.employee_id,
        on: q.on,
    };
    let rows = call.read(move |conn, caller| acting::list(conn, caller, &filter, &page)).await?;
    Ok(HttpResponse::Ok().json(ActingAssignmentList::from_page(rows, ActingAssignmentView::from)))
}

/// Assigns an acting official.
#[utoipa::path(post, path = "/api/v1/acting-assignments", tag = "acting_assignments", operation_id = "create_acting_assignment",
    summary = "Assign an acting official", request_body = CreateActingAssignment,
    responses(
        (status = 201, description = "Created", body = ActingAssignmentView, headers(("location" = String, description = "URL of the new assignment"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "Overlaps another assignment to the same post", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<CreateActingAssignment>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Structure).await?;
    if b.ends_on < b.starts_on {
        return Err(ApiError::field("ends_on", "must not be before starts_on"));
    }
    let new = acting::NewActingAssignment {
        position_id: b.position_id,
        employee_id: b.employee_id,
        kind: b.kind,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
    };
    let row = call.write(move |conn, change| acting::create(conn, change, new)).await?;
    Ok(created(format!("/api/v1/acting-assignments/{}", row.id), &ActingAssignmentView::from(row)))
}

/// Reads an acting assignment.
#[utoipa::path(get, path = "/api/v1/acting-assignments/{id}", tag = "acting_assignments", operation_id = "get_acting_assignment",
    summary = "Read an acting assignment", params(("id" = Uuid, Path, description = "Assignment id")),
    responses((status = 200, description = "The assignment", body = ActingAssignmentView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| acting::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(ActingAssignmentView::from(row)))
}

/// Removes an assignment entered by mistake.
#[utoipa::path(delete, path = "/api/v1/acting-assignments/{id}", tag = "acting_assignments", operation_id = "delete_acting_assignment",
    summary = "Remove an acting assignment entered by mistake (kept in the audit trail)",
    params(("id" = Uuid, Path, description = "Assignment id")),
    responses(
        (status = 204, description = "Removed"),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn delete(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    call.write(move |conn, change| acting::delete(conn, change, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
