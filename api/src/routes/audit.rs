//! The audit trail, for agency admins.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AccountId, AgencyId, AuditEventId};
use ekinerja_persistence::{audit, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{list_of, page_request, utc};
use crate::call::Call;
use crate::error::ApiError;

/// One change: who, when, what, before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    #[schema(value_type = String, format = Uuid)]
    pub id: AuditEventId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agency_id: Option<AgencyId>,
    /// The account that made the change.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor_account_id: Option<AccountId>,
    /// What the change did.
    pub action: AuditAction,
    /// The kind of record changed.
    pub entity_type: AuditEntity,
    /// The record changed: its id; for a roster day `employee id/date`, for a machine's
    /// refused lines the machine's serial number.
    #[schema(example = "0192f4a1-7c3e-7d2a-9b1e-3f5a6c7d8e9f")]
    pub entity_id: String,
    /// The record before the change.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The record after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The event's number in its agency's tamper-evident chain (`null` for events from before
    /// the chain began).
    pub chain_seq: Option<i64>,
    /// SHA-256 over the event and the hash of the event before it: note the latest one
    /// somewhere else, and `ekinerja audit-verify` proves nothing before it was changed.
    #[schema(example = "9f2c3e0b5d4a1f8e7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a3928170f6e")]
    pub hash: Option<String>,
}

impl TryFrom<audit::AuditEvent> for AuditEventView {
    type Error = ApiError;

    /// A recorded state that is not JSON is a corrupt record, never shown as no state.
    fn try_from(e: audit::AuditEvent) -> Result<Self, ApiError> {
        let id = e.id;
        let json = |s: Option<String>| {
            s.map(|s| serde_json::from_str(&s))
                .transpose()
                .map_err(|err| ApiError::from(StoreError::Corrupt(format!("audit event {id}: {err}"))))
        };
        Ok(AuditEventView {
            id: e.id,
            agency_id: e.agency_id,
            actor_account_id: e.actor_account_id,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            before: json(e.before_state)?,
            after: json(e.after_state)?,
            request_id: e.request_id,
            created_at: utc(e.created_at),
            chain_seq: e.chain_seq,
            hash: e.hash,
        })
    }
}

list_of!(AuditEventList, AuditEventView, "audit events");

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Platform admins only: the agency to read.
    pub agency_id: Option<Uuid>,
    /// Only changes to this record.
    pub entity_id: Option<Uuid>,
    /// Only changes by this account.
    pub actor_account_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Reads the audit trail of the caller's agency (agency admins).
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit", operation_id = "list_audit_events",
    summary = "Read the audit trail", params(AuditQuery),
    responses(
        (status = 200, description = "A page of audit events, oldest first", body = AuditEventList),
        (status = 403, description = "Only admins read the audit trail", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let filter = audit::AuditFilter {
        entity_id: q.entity_id.map(|e| e.to_string()),
        actor_account_id: q.actor_account_id.map(AccountId::from),
    };
    let rows = call.read(move |conn, caller| audit::list(conn, caller, q.agency_id, &filter, &page)).await?;
    let items = rows.items.into_iter().map(AuditEventView::try_from).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(AuditEventList { items, next_cursor: rows.next_cursor }))
}
