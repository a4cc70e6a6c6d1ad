//! Positions and the supervising-position tree.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{AgencyId, OrgUnitId, PositionId};
use ekinerja_domain::{Name, PositionClass, PositionType};
use ekinerja_persistence::position;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::{double_option, Json};

/// A position (jabatan) in an org unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: PositionId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    #[schema(value_type = String, format = Uuid)]
    pub org_unit_id: OrgUnitId,
    #[schema(example = "Kepala Seksi Pelayanan Kesehatan")]
    pub name: String,
    pub position_type: PositionType,
    /// Kelas jabatan, 1 to 17.
    #[schema(example = 9, minimum = 1, maximum = 17)]
    pub class: i32,
    /// The supervising position: its holder (or acting official) is the direct supervisor.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub supervisor_position_id: Option<PositionId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<position::Position> for PositionView {
    fn from(p: position::Position) -> Self {
        PositionView {
            position_type: p.position_type,
            id: p.id,
            agency_id: p.agency_id,
            org_unit_id: p.org_unit_id,
            name: p.name,
            class: p.class,
            supervisor_position_id: p.supervisor_position_id,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }
}

list_of!(PositionList, PositionView, "positions");

/// A new position.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePosition {
    pub org_unit_id: Uuid,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    pub position_type: PositionType,
    /// Kelas jabatan, 1 to 17.
    #[schema(minimum = 1, maximum = 17)]
    pub class: i64,
    /// A structural position of the same agency.
    pub supervisor_position_id: Option<Uuid>,
}

/// Changes to a position. Setting `supervisor_position_id` corrects the supervisor of every
/// holder in one step; `null` makes it a top post.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePosition {
    pub org_unit_id: Option<Uuid>,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: Option<String>,
    pub position_type: Option<PositionType>,
    #[schema(minimum = 1, maximum = 17)]
    pub class: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub supervisor_position_id: Option<Option<Uuid>>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PositionQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    pub org_unit_id: Option<Uuid>,
    pub position_type: Option<PositionType>,
    /// Only positions supervised by this one.
    pub supervisor_position_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists positions of the caller's agency.
#[utoipa::path(get, path = "/api/v1/positions", tag = "positions", operation_id = "list_positions",
    summary = "List positions", params(PositionQuery),
    responses((status = 200, description = "A page of positions", body = PositionList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<PositionQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = position::PositionFilter {
        agency_id: q.agency_id,
        org_unit_id: q.org_unit_id,
        position_type: q.position_type,
        supervisor_position_id: q.supervisor_position_id,
    };
    let rows = call.read(move |conn, caller| position::list(conn, caller, &filter, &page)).await?;
    Ok(HttpResponse::Ok().json(PositionList::from_page(rows, PositionView::from)))
}

/// Creates a position.
#[utoipa::path(post, path = "/api/v1/positions", tag = "positions", operation_id = "create_position",
    summary = "Create a position", request_body = CreatePosition,
    responses(
        (status = 201, description = "Created", body = PositionView, headers(("location" = String, description = "URL of the new position"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<CreatePosition>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Structure).await?;
    let mut f = Fields::new();
    let name = f.check("name", Name::parse(&b.name));
    let class = f.check("class", PositionClass::new(b.class));
    let (Some(name), Some(class)) = (name, class) else { return Err(f.into_error()) };
    let new = position::NewPosition {
        org_unit_id: b.org_unit_id,
        name,
        position_type: b.position_type,
        class,
        supervisor_position_id: b.supervisor_position_id,
    };
    let row = call.write(move |conn, change| position::create(conn, change, new)).await?;
    Ok(created(format!("/api/v1/positions/{}", row.id), &PositionView::from(row)))
}

/// Reads a position.
#[utoipa::path(get, path = "/api/v1/positions/{id}", tag = "positions", operation_id = "get_position",
    summary = "Read a position", params(("id" = Uuid, Path, description = "Position id")),
    responses((status = 200, description = "The position", body = PositionView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| position::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(PositionView::from(row)))
}

/// Changes a position; correcting `supervisor_position_id` fixes every holder's supervisor.
#[utoipa::path(patch, path = "/api/v1/positions/{id}", tag = "positions", operation_id = "update_position",
    summary = "Change a position or correct its supervisor", params(("id" = Uuid, Path, description = "Position id")),
    request_body = UpdatePosition,
    responses(
        (status = 200, description = "The changed position", body = PositionView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn update(call: Call, id: web::Path<Uuid>, body: Json<UpdatePosition>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let name = f.check_opt("name", b.name.as_deref(), Name::parse);
    let class = f.check_opt("class", b.class, PositionClass::new);
    let (Some(name), Some(class)) = (name, class) else { return Err(f.into_error()) };
    let patch = position::PositionPatch {
        org_unit_id: b.org_unit_id,
        name,
        position_type: b.position_type,
        class,
        supervisor_position_id: b.supervisor_position_id,
    };
    let id = id.into_inner();
    let row = call.write(move |conn, change| position::update(conn, change, id, patch)).await?;
    Ok(HttpResponse::Ok().json(PositionView::from(row)))
}
