//! The audit trail: every change, who made it, when, and the record before and after, written in
//! the same transaction as the change itself.

use diesel::prelude::*;
use serde::Serialize;

use crate::schema::audit_events;
use crate::{db::Backend, new_id, Change, DbConnection, Page, PageRequest, StoreError};
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::{Caller, Scope};
use uuid::Uuid;

/// One stored audit event.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AuditEvent {
    pub id: String,
    pub agency_id: Option<String>,
    pub actor_account_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

/// Records a change of `entity_type`/`entity_id` in `agency_id`.
#[allow(clippy::too_many_arguments)]
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Option<&str>,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), StoreError> {
    let event = AuditEvent {
        id: new_id(),
        agency_id: agency_id.map(str::to_owned),
        actor_account_id: Some(change.caller.account_id.to_string()),
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id: entity_id.to_owned(),
        before_state: before.and_then(|b| serde_json::to_string(b).ok()),
        after_state: after.and_then(|a| serde_json::to_string(a).ok()),
        request_id: change.request_id.clone(),
        created_at: change.at,
    };
    diesel::insert_into(audit_events::table).values(&event).execute(conn)?;
    Ok(())
}

/// Records a change made by a system rather than a person (an integration key, a fingerprint
/// machine): no account, so `actor` names the system in the event's state.
#[allow(clippy::too_many_arguments)]
pub fn record_system<A: Serialize>(
    conn: &mut DbConnection,
    at: chrono::NaiveDateTime,
    request_id: Option<&str>,
    agency_id: &str,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    after: &A,
) -> Result<(), StoreError> {
    let event = AuditEvent {
        id: new_id(),
        agency_id: Some(agency_id.to_owned()),
        actor_account_id: None,
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id: entity_id.to_owned(),
        before_state: None,
        after_state: serde_json::to_string(after).ok(),
        request_id: request_id.map(str::to_owned),
        created_at: at,
    };
    diesel::insert_into(audit_events::table).values(&event).execute(conn)?;
    Ok(())
}

/// Filters for reading the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events about this record.
    pub entity_id: Option<String>,
    /// Only events by this account.
    pub actor_account_id: Option<String>,
}

/// Reads the trail of the scope, newest last (id order).
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Option<Uuid>,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEvent>, StoreError> {
    let mut q = audit_events::table.select(AuditEvent::as_select()).into_boxed::<Backend>();
    match caller.list_scope(agency) {
        // Every agency's trail, and the platform's own events: the operator's.
        Scope::All => {}
        Scope::Agency(a) => {
            crate::access::require_agency(conn, caller, a, Area::AuditTrail, Access::Read)?;
            q = q.filter(audit_events::agency_id.eq(a.to_string()));
        }
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(e) = &filter.entity_id {
        q = q.filter(audit_events::entity_id.eq(e.clone()));
    }
    if let Some(a) = &filter.actor_account_id {
        q = q.filter(audit_events::actor_account_id.eq(a.clone()));
    }
    if let Some(after) = &page.after {
        q = q.filter(audit_events::id.gt(after.clone()));
    }
    let rows = q.order(audit_events::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}
