//! Integration keys, issued by an agency's admin to a system such as e-Presensi.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{AgencyId, IntegrationKeyId};
use ekinerja_domain::{IntegrationScope, Name};
use ekinerja_persistence::integration_key::{self, IntegrationKey};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::{with_etag, IfMatch, Json};
use crate::integration::new_key;
use crate::state::db;

/// An integration key as lists show it: never the key itself, nor its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationKeyView {
    #[schema(value_type = String, format = Uuid)]
    pub id: IntegrationKeyId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    /// The system the key was issued to.
    #[schema(example = "e-Presensi Diskominfo")]
    pub name: String,
    /// The key's first characters, to tell keys apart.
    #[schema(example = "eki_3f9a1c0b")]
    pub key_prefix: String,
    pub scopes: Vec<IntegrationScope>,
    /// Whether every request must carry a Standard Webhooks signature.
    pub signed: bool,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub version: i32,
}

impl From<IntegrationKey> for IntegrationKeyView {
    fn from(k: IntegrationKey) -> Self {
        IntegrationKeyView {
            scopes: k.scope_list(),
            signed: k.signed(),
            id: k.id,
            agency_id: k.agency_id,
            name: k.name,
            key_prefix: k.key_prefix,
            created_at: utc(k.created_at),
            rotated_at: k.rotated_at.map(utc),
            last_used_at: k.last_used_at.map(utc),
            revoked_at: k.revoked_at.map(utc),
            version: k.version,
        }
    }
}

/// A key just issued or rotated: the only time the key and its signing secret are shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedKeyView {
    #[serde(flatten)]
    pub record: IntegrationKeyView,
    /// The key: send it as `Authorization: Bearer <key>`. Store it now; it is never shown again.
    #[schema(example = "eki_3f9a1c0b…")]
    pub key: String,
    /// The Standard Webhooks signing secret, for a signed key. Shown only now.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub signing_secret: Option<String>,
}

list_of!(IntegrationKeyList, IntegrationKeyView, "integration keys");

/// A key to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueKey {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// The system the key is for.
    #[schema(
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        example = "e-Presensi Diskominfo",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    /// What the key may do; at least one.
    #[schema(min_items = 1)]
    pub scopes: Vec<IntegrationScope>,
    /// Whether every request must be signed (Standard Webhooks). Default `false`.
    #[serde(default)]
    pub signed: bool,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KeyQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Issues an integration key.
#[utoipa::path(post, path = "/api/v1/integration-keys", tag = "integration_keys", operation_id = "issue_integration_key",
    summary = "Issue a key to a system, limited to the agency and to scopes; the key is shown once",
    request_body = IssueKey,
    responses(
        (status = 201, description = "Issued: the key and any signing secret are in this answer only", body = IssuedKeyView,
            headers(("location" = String, description = "URL of the key's record"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn issue(call: Call, body: Json<IssueKey>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Administration).await?;
    let mut f = Fields::new();
    let name = f.check("name", Name::parse(&b.name));
    if b.scopes.is_empty() {
        f.refuse("scopes", "give at least one scope");
    }
    f.finish()?;
    let Some(name) = name else { return Err(ApiError::field("name", "required")) };
    let (key, signing_secret, secrets) = new_key(b.signed);
    let change = call.change();
    let scopes = b.scopes;
    let row =
        db(&call.state, move |conn| integration_key::issue(conn, &change, agency, &name, &scopes, secrets)).await?;
    let id = row.id;
    Ok(created(format!("/api/v1/integration-keys/{id}"), &IssuedKeyView { record: row.into(), key, signing_secret }))
}

/// Lists integration keys.
#[utoipa::path(get, path = "/api/v1/integration-keys", tag = "integration_keys", operation_id = "list_integration_keys",
    summary = "List the agency's integration keys", params(KeyQuery),
    responses(
        (status = 200, description = "A page of keys", body = IntegrationKeyList),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<KeyQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let rows = call.read(move |conn, caller| integration_key::list(conn, caller, q.agency_id, &page)).await?;
    Ok(HttpResponse::Ok().json(IntegrationKeyList::from_page(rows, IntegrationKeyView::from)))
}

/// Reads an integration key.
#[utoipa::path(get, path = "/api/v1/integration-keys/{id}", tag = "integration_keys", operation_id = "get_integration_key",
    summary = "Read an integration key's record", params(("id" = Uuid, Path, description = "Key id")),
    responses((status = 200, description = "The key's record, with its ETag", body = IntegrationKeyView)),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| integration_key::get(conn, caller, id)).await?;
    let view = IntegrationKeyView::from(row);
    Ok(with_etag(HttpResponse::Ok(), view.version).json(view))
}

/// Rotates an integration key.
#[utoipa::path(post, path = "/api/v1/integration-keys/{id}/rotate", tag = "integration_keys", operation_id = "rotate_integration_key",
    summary = "Replace a key (and its signing secret): the old one stops working at once; the new one is shown once",
    params(("id" = Uuid, Path, description = "Key id"), ("If-Match" = String, Header, description = "The key's ETag")),
    responses(
        (status = 200, description = "Rotated", body = IssuedKeyView),
        (status = 409, description = "The key is revoked", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The key changed since it was read", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::IfMatchRequired,
    ),
    security(("bearer" = [])))]
pub async fn rotate(call: Call, id: web::Path<Uuid>, if_match: IfMatch) -> Result<HttpResponse, ApiError> {
    let if_match = if_match.version()?;
    let id = id.into_inner();
    let change = call.change();
    let (key, signing_secret, secrets) = new_key(true);
    let row = db(&call.state, move |conn| integration_key::rotate(conn, &change, id, if_match, secrets)).await?;
    let signing_secret = if row.signed() { signing_secret } else { None };
    let version = row.version;
    Ok(with_etag(HttpResponse::Ok(), version).json(IssuedKeyView { record: row.into(), key, signing_secret }))
}

/// Revokes an integration key.
#[utoipa::path(post, path = "/api/v1/integration-keys/{id}/revoke", tag = "integration_keys", operation_id = "revoke_integration_key",
    summary = "Revoke a key for good", params(("id" = Uuid, Path, description = "Key id")),
    responses((status = 200, description = "Revoked (again, if it already was)", body = IntegrationKeyView)),
    security(("bearer" = [])))]
pub async fn revoke(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.write(move |conn, change| integration_key::revoke(conn, change, id)).await?;
    let view = IntegrationKeyView::from(row);
    Ok(with_etag(HttpResponse::Ok(), view.version).json(view))
}
