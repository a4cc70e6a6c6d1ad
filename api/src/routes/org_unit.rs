//! The org-unit tree.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::access::Area;
use ekinerja_domain::id::{AgencyId, OrgUnitId};
use ekinerja_domain::{Code, Name};
use ekinerja_persistence::org_unit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::{double_option, Json};
use crate::state::db;

/// An org unit: an OPD (no parent) or one of its sub-units.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgUnitView {
    #[schema(value_type = String, format = Uuid)]
    pub id: OrgUnitId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// The parent unit; `null` for an OPD.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub parent_id: Option<OrgUnitId>,
    #[schema(example = "DINKES")]
    pub code: String,
    #[schema(example = "Dinas Kesehatan")]
    pub name: String,
    /// The month the unit itself is rolled out from (`YYYY-MM`); `null` inherits it from the unit
    /// above.
    #[schema(example = "2026-10")]
    pub rollout_from: Option<String>,
    /// The month the unit is rolled out from, its own or inherited; `null`: not rolled out. For a
    /// month before it, the unit's people are not rolled out: allowance lines carry no amount and
    /// rates, grades and levels leave them out.
    #[schema(example = "2026-10")]
    pub rolled_out_from: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn month_text(m: Option<chrono::NaiveDate>) -> Option<String> {
    m.map(|m| m.format("%Y-%m").to_string())
}

impl OrgUnitView {
    /// The view of a unit rolled out from `effective` (its own month or one inherited).
    pub fn of(u: org_unit::OrgUnit, effective: Option<chrono::NaiveDate>) -> Self {
        OrgUnitView {
            id: u.id,
            agency_id: u.agency_id,
            parent_id: u.parent_id,
            code: u.code,
            name: u.name,
            rollout_from: month_text(u.rollout_from),
            rolled_out_from: month_text(effective),
            created_at: utc(u.created_at),
            updated_at: utc(u.updated_at),
        }
    }
}

list_of!(OrgUnitList, OrgUnitView, "org units");

/// A new org unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgUnit {
    /// Required for a platform admin; an agency admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    #[schema(pattern = "^[A-Za-z0-9._-]+$", example = "DINKES", min_length = 1, max_length = 64)]
    pub code: String,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "Dinas Kesehatan",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// The month the unit is rolled out from, `YYYY-MM`; absent or `null` inherits it from the
    /// unit above (an OPD without one is not rolled out).
    #[schema(example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub rollout_from: Option<String>,
}

/// Changes to an org unit; `parent_id: null` makes it an OPD.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrgUnit {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
    #[schema(pattern = "^[A-Za-z0-9._-]+$", min_length = 1, max_length = 64)]
    pub code: Option<String>,
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        min_length = 1,
        max_length = 200
    )]
    pub name: Option<String>,
    /// `YYYY-MM`; `null` inherits the month of the unit above. A change that would alter a month
    /// an approved allowance run pays is refused (409).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "2026-10", pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub rollout_from: Option<Option<String>>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrgUnitQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// Only direct sub-units of this unit.
    pub parent_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists org units of the caller's agency.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "org_units", operation_id = "list_org_units",
    summary = "List org units", params(OrgUnitQuery),
    responses((status = 200, description = "A page of org units", body = OrgUnitList)),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<OrgUnitQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = org_unit::OrgUnitFilter { agency_id: q.agency_id, parent_id: q.parent_id };
    let (rows, effective) = db(&call.state, move |conn| {
        let rows = org_unit::list(conn, &call.caller, &filter, &page)?;
        let effective = ekinerja_persistence::rollout::effective(conn, &rows.items)?;
        Ok((rows, effective))
    })
    .await?;
    Ok(HttpResponse::Ok().json(OrgUnitList::from_page(rows, |u| {
        let e = effective.get(&u.id).copied().flatten();
        OrgUnitView::of(u, e)
    })))
}

/// Creates an org unit.
#[utoipa::path(post, path = "/api/v1/org-units", tag = "org_units", operation_id = "create_org_unit",
    summary = "Create an org unit", request_body = CreateOrgUnit,
    responses(
        (status = 201, description = "Created", body = OrgUnitView, headers(("location" = String, description = "URL of the new unit"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The code is taken in this agency", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<CreateOrgUnit>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency_id = call.agency_to_write(b.agency_id, Area::Structure).await?;
    let mut f = Fields::new();
    let code = f.check("code", Code::parse(&b.code));
    let name = f.check("name", Name::parse(&b.name));
    let rollout_from = f.check_opt("rollout_from", b.rollout_from.as_deref(), month);
    let (Some(code), Some(name), Some(rollout_from)) = (code, name, rollout_from) else {
        return Err(f.into_error());
    };
    let new = org_unit::NewOrgUnit { agency_id, parent_id: b.parent_id, code, name, rollout_from };
    let change = call.change();
    let view = db(&call.state, move |conn| {
        let row = org_unit::create(conn, &change, new)?;
        view(conn, row)
    })
    .await?;
    Ok(created(format!("/api/v1/org-units/{}", view.id), &view))
}

/// Reads an org unit.
#[utoipa::path(get, path = "/api/v1/org-units/{id}", tag = "org_units", operation_id = "get_org_unit",
    summary = "Read an org unit", params(("id" = Uuid, Path, description = "Org unit id")),
    responses((status = 200, description = "The org unit", body = OrgUnitView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = db(&call.state, move |conn| {
        let row = org_unit::get(conn, &call.caller, id)?;
        view(conn, row)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A `YYYY-MM` month.
fn month(text: &str) -> Result<chrono::NaiveDate, &'static str> {
    super::month_of(text).ok_or("must be YYYY-MM, from 2000 to 2100")
}

/// A stored unit with its effective rollout month.
fn view(
    conn: &mut ekinerja_persistence::DbConnection,
    row: org_unit::OrgUnit,
) -> Result<OrgUnitView, ekinerja_persistence::StoreError> {
    let effective = ekinerja_persistence::rollout::effective(conn, std::slice::from_ref(&row))?;
    let e = effective.get(&row.id).copied().flatten();
    Ok(OrgUnitView::of(row, e))
}

/// Changes an org unit: rename, move in the tree, set the month it is rolled out from.
#[utoipa::path(patch, path = "/api/v1/org-units/{id}", tag = "org_units", operation_id = "update_org_unit",
    summary = "Change an org unit", params(("id" = Uuid, Path, description = "Org unit id")),
    request_body = UpdateOrgUnit,
    responses(
        (status = 200, description = "The changed unit", body = OrgUnitView),
        crate::openapi::AdminOnly,
        (status = 409, description = "The code is taken in this agency, or the rollout change would alter a month an approved run pays", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn update(call: Call, id: web::Path<Uuid>, body: Json<UpdateOrgUnit>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let code = f.check_opt("code", b.code.as_deref(), Code::parse);
    let name = f.check_opt("name", b.name.as_deref(), Name::parse);
    let rollout_from = match b.rollout_from {
        None => Some(None),
        Some(None) => Some(Some(None)),
        Some(Some(text)) => f.check("rollout_from", month(&text)).map(|m| Some(Some(m))),
    };
    let (Some(code), Some(name), Some(rollout_from)) = (code, name, rollout_from) else { return Err(f.into_error()) };
    let patch = org_unit::OrgUnitPatch { parent_id: b.parent_id, code, name, rollout_from };
    let id = id.into_inner();
    let change = call.change();
    let view = db(&call.state, move |conn| {
        let row = org_unit::update(conn, &change, id, patch)?;
        view(conn, row)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}
