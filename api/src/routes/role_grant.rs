//! Role grants: the agency admin gives an account `leader` (read-only, the whole agency) or
//! `finance` (allowance runs) and takes them back (roles.md).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{AccountId, AgencyId, RoleGrantId};
use ekinerja_domain::GrantedRole;
use ekinerja_persistence::role_grant::{self, GrantFilter, RoleGrant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::ApiError;
use crate::extract::Json;

/// A grant, in force or revoked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleGrantView {
    #[schema(value_type = String, format = Uuid)]
    pub id: RoleGrantId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// The account holding the role.
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    pub role: GrantedRole,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub granted_by_account_id: Option<AccountId>,
    pub granted_at: DateTime<Utc>,
    /// When the grant stopped counting; `null` while in force.
    pub revoked_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub revoked_by_account_id: Option<AccountId>,
}

impl From<RoleGrant> for RoleGrantView {
    fn from(g: RoleGrant) -> Self {
        RoleGrantView {
            role: g.role,
            id: g.id,
            agency_id: g.agency_id,
            account_id: g.account_id,
            granted_by_account_id: g.granted_by_account_id,
            granted_at: utc(g.granted_at),
            revoked_at: g.revoked_at.map(utc),
            revoked_by_account_id: g.revoked_by_account_id,
        }
    }
}

list_of!(RoleGrantList, RoleGrantView, "role grants");

/// A role to grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRole {
    /// An account of the agency: an employee's own account, or a `member` account without an
    /// employee record (the region head's office, the payroll office).
    pub account_id: Uuid,
    pub role: GrantedRole,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GrantQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// One account's grants.
    pub account_id: Option<Uuid>,
    pub role: Option<GrantedRole>,
    /// Include revoked grants (default `false`: only those in force).
    pub include_revoked: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Grants a role.
#[utoipa::path(post, path = "/api/v1/role-grants", tag = "role_grants", operation_id = "grant_role",
    summary = "Grant leader or finance to an account of the agency (audited)",
    description = "The role counts from the next request of the account.",
    request_body = GrantRole,
    responses(
        (status = 201, description = "Granted", body = RoleGrantView,
            headers(("location" = String, description = "URL of the grant"))),
        crate::openapi::AdminOnly,
        (status = 409, description = "The account already holds the role", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn grant(call: Call, body: Json<GrantRole>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    call.may_write_in_own_agency(ekinerja_domain::access::Area::Administration).await?;
    let row = call.write(move |conn, change| role_grant::grant(conn, change, b.account_id, b.role)).await?;
    let view = RoleGrantView::from(row);
    Ok(created(format!("/api/v1/role-grants/{}", view.id), &view))
}

/// Lists grants.
#[utoipa::path(get, path = "/api/v1/role-grants", tag = "role_grants", operation_id = "list_role_grants",
    summary = "List the agency's role grants",
    params(GrantQuery),
    responses(
        (status = 200, description = "A page of grants, oldest first", body = RoleGrantList),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<GrantQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = GrantFilter {
        agency_id: q.agency_id,
        account_id: q.account_id,
        role: q.role,
        include_revoked: q.include_revoked.unwrap_or(false),
    };
    let rows = call.read(move |conn, caller| role_grant::list(conn, caller, &filter, &page)).await?;
    let next_cursor = rows.next_cursor.clone();
    let items: Vec<RoleGrantView> = rows.items.into_iter().map(RoleGrantView::from).collect();
    Ok(HttpResponse::Ok().json(RoleGrantList { items, next_cursor }))
}

/// Reads a grant.
#[utoipa::path(get, path = "/api/v1/role-grants/{id}", tag = "role_grants", operation_id = "get_role_grant",
    summary = "Read a role grant",
    params(("id" = Uuid, Path, description = "Grant id")),
    responses((status = 200, description = "The grant", body = RoleGrantView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| role_grant::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(RoleGrantView::from(row)))
}

/// Revokes a grant.
#[utoipa::path(post, path = "/api/v1/role-grants/{id}/revoke", tag = "role_grants", operation_id = "revoke_role_grant",
    summary = "Revoke a role grant: it stops counting at the account's next request (audited)",
    params(("id" = Uuid, Path, description = "Grant id")),
    responses(
        (status = 200, description = "Revoked", body = RoleGrantView),
        (status = 409, description = "Already revoked", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn revoke(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.write(move |conn, change| role_grant::revoke(conn, change, id)).await?;
    Ok(HttpResponse::Ok().json(RoleGrantView::from(row)))
}
