//! The audit trail: every change, who made it, when, and the record before and after, written in
//! the same transaction as the change itself.

use diesel::prelude::*;
use serde::Serialize;

use crate::schema::audit_events;
use crate::{db::Backend, Change, DbConnection, Page, PageRequest, StoreError};
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AccountId, AgencyId, AuditEventId};
use ekinerja_domain::{Caller, Scope};
use uuid::Uuid;

/// One stored audit event.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AuditEvent {
    #[diesel(serialize_as = crate::key::Bind<AuditEventId>)]
    pub id: AuditEventId,
    #[diesel(serialize_as = crate::key::BindOption<AgencyId>)]
    pub agency_id: Option<AgencyId>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub actor_account_id: Option<AccountId>,
    #[diesel(serialize_as = crate::word::Bind<AuditAction>)]
    pub action: AuditAction,
    #[diesel(serialize_as = crate::word::Bind<AuditEntity>)]
    pub entity_type: AuditEntity,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub request_id: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    /// The chain the event is a link of: its agency's id, or `platform`; `None` for events
    /// from before the trail was chained.
    pub chain_key: Option<String>,
    /// Its number in the chain, from 1.
    pub chain_seq: Option<i64>,
    /// The hash of the link before it (empty for the first).
    pub prev_hash: Option<String>,
    /// SHA-256 over the link's content and `prev_hash`, hex.
    pub hash: Option<String>,
}

/// The chain of events of no agency (the platform admin's).
pub const PLATFORM_CHAIN: &str = "platform";

/// The hash of a link: SHA-256, in hex, of a JSON array of every stored field but the hash
/// itself (a JSON array, so no two contents read the same).
pub fn link_hash(e: &AuditEvent) -> String {
    use sha2::{Digest, Sha256};
    let content = serde_json::json!([
        e.chain_key,
        e.chain_seq,
        e.prev_hash,
        e.id,
        e.agency_id,
        e.actor_account_id,
        e.action,
        e.entity_type,
        e.entity_id,
        e.before_state,
        e.after_state,
        e.request_id,
        e.created_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
    ]);
    Sha256::digest(content.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Links in one insert: fourteen values each, well under either engine's limit of bound values.
const LINKS_PER_STATEMENT: usize = 500;

/// Records many changes at once (a group commit's; see [`event`]): stores the events, in order,
/// as the next links of their agencies' chains. Appenders to one chain
/// take turns (SQLite's write lock; a transaction-scoped advisory lock on PostgreSQL), so two
/// changes committed at once cannot both claim the same number. Events of one chain are numbered
/// from its last link read once and inserted together, so a group commit's events cost a lock, a
/// read and an insert per chain rather than per event; chains are locked in the order of their
/// keys, the same in every transaction.
pub fn record_all(conn: &mut DbConnection, events: Vec<AuditEvent>) -> Result<(), StoreError> {
    let mut chains: std::collections::BTreeMap<String, Vec<AuditEvent>> = std::collections::BTreeMap::new();
    for event in events {
        let key = event.agency_id.map_or_else(|| PLATFORM_CHAIN.to_owned(), |a| a.to_string());
        chains.entry(key).or_default().push(event);
    }
    for (key, events) in chains {
        if let DbConnection::Pg(_) = conn {
            crate::prepared::sql("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<diesel::sql_types::Text, _>(format!("audit|{key}"))
                .execute(conn)?;
        }
        let last: Option<(Option<i64>, Option<String>)> = audit_events::table
            .filter(audit_events::chain_key.eq(&key))
            .order(audit_events::chain_seq.desc())
            .select((audit_events::chain_seq, audit_events::hash))
            .first(conn)
            .optional()?;
        let (mut seq, mut prev) = match last {
            Some((Some(seq), Some(hash))) => (seq, hash),
            Some(_) => {
                return Err(StoreError::Corrupt(format!(
                    "the audit chain {key} ends in a link without a number or hash"
                )))
            }
            None => (0, String::new()),
        };
        let mut links = Vec::with_capacity(events.len());
        for mut event in events {
            seq += 1;
            // Stored to the microsecond: hash what will be read back.
            event.created_at = crate::timestamp(event.created_at.and_utc());
            event.chain_key = Some(key.clone());
            event.chain_seq = Some(seq);
            event.prev_hash = Some(prev);
            let hash = link_hash(&event);
            prev = hash.clone();
            event.hash = Some(hash);
            links.push(event);
        }
        if let [link] = &links[..] {
            diesel::insert_into(audit_events::table).values(link.clone()).execute(conn)?;
        } else {
            for chunk in links.chunks(LINKS_PER_STATEMENT) {
                insert_links(conn, chunk)?;
            }
        }
    }
    Ok(())
}

/// Inserts links in one statement (diesel's batch insert does not go through a MultiConnection).
fn insert_links(conn: &mut DbConnection, links: &[AuditEvent]) -> Result<(), StoreError> {
    use crate::key::Key;
    use crate::word::Word;
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    const COLUMNS: usize = 14;
    let values = crate::db::values_list(conn, links.len(), COLUMNS);
    let mut q = diesel::sql_query(format!(
        "INSERT INTO audit_events (id, agency_id, actor_account_id, action, entity_type, entity_id, \
         before_state, after_state, request_id, created_at, chain_key, chain_seq, prev_hash, hash) VALUES {}",
        values
    ))
    .into_boxed::<Backend>();
    for e in links {
        q = q
            .bind::<Key<AuditEventId>, _>(crate::key::bind(e.id))
            .bind::<Nullable<Key<AgencyId>>, _>(e.agency_id.map(crate::key::bind))
            .bind::<Nullable<Key<AccountId>>, _>(e.actor_account_id.map(crate::key::bind))
            .bind::<Word, _>(crate::word::bind(e.action))
            .bind::<Word, _>(crate::word::bind(e.entity_type))
            .bind::<Text, _>(e.entity_id.clone())
            .bind::<Nullable<Text>, _>(e.before_state.clone())
            .bind::<Nullable<Text>, _>(e.after_state.clone())
            .bind::<Nullable<Text>, _>(e.request_id.clone())
            .bind::<Timestamp, _>(e.created_at)
            .bind::<Nullable<Text>, _>(e.chain_key.clone())
            .bind::<Nullable<BigInt>, _>(e.chain_seq)
            .bind::<Nullable<Text>, _>(e.prev_hash.clone())
            .bind::<Nullable<Text>, _>(e.hash.clone());
    }
    q.execute(conn)?;
    Ok(())
}

/// The first link of a chain that does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The number the link has, or should have.
    pub chain_seq: i64,
    /// The event found there, if any.
    pub event_id: Option<AuditEventId>,
    pub reason: String,
}

/// What checking a chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub chain_key: String,
    /// Links checked.
    pub links: i64,
    /// Events of the agency from before the trail was chained (not covered).
    pub unchained: i64,
    /// The first link that does not hold; `None` when the chain is whole.
    pub broken: Option<BrokenLink>,
}

/// Checks one chain from its first link: numbers without gaps (a deleted event leaves one),
/// each link naming the hash of the one before, and each hash matching its content (an edited
/// event does not). Reads in pages, so a long trail does not load at once.
pub fn verify_chain(conn: &mut DbConnection, key: &str) -> Result<ChainReport, StoreError> {
    const PAGE: i64 = 5_000;
    let unchained: i64 = {
        let q = audit_events::table.filter(audit_events::chain_key.is_null()).into_boxed::<Backend>();
        let q = if key == PLATFORM_CHAIN {
            q.filter(audit_events::agency_id.is_null())
        } else {
            // A chain key other than the platform's is an agency's id.
            let agency: AgencyId = key.parse().map_err(|_| StoreError::NotFound)?;
            q.filter(audit_events::agency_id.eq(crate::key::bind(agency)))
        };
        q.count().get_result(conn)?
    };
    let mut report = ChainReport { chain_key: key.to_owned(), links: 0, unchained, broken: None };
    let mut expected_seq = 1i64;
    let mut prev = String::new();
    loop {
        let rows: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::chain_key.eq(key))
            .filter(audit_events::chain_seq.ge(expected_seq))
            .order(audit_events::chain_seq.asc())
            .limit(PAGE)
            .select(AuditEvent::as_select())
            .load(conn)?;
        let done = rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX);
        for e in rows {
            let broken =
                |reason: &str| BrokenLink { chain_seq: expected_seq, event_id: Some(e.id), reason: reason.to_owned() };
            if e.chain_seq != Some(expected_seq) {
                report.broken = Some(BrokenLink {
                    chain_seq: expected_seq,
                    event_id: None,
                    reason: format!(
                        "link {expected_seq} is missing (deleted?); the next stored is {} ({})",
                        e.chain_seq.unwrap_or_default(),
                        e.id
                    ),
                });
                return Ok(report);
            }
            if e.prev_hash.as_deref() != Some(prev.as_str()) {
                report.broken = Some(broken("it does not name the hash of the link before it"));
                return Ok(report);
            }
            if e.hash.as_deref() != Some(link_hash(&e).as_str()) {
                report.broken = Some(broken("its content does not match its hash (edited after it was written)"));
                return Ok(report);
            }
            prev = e.hash.clone().unwrap_or_default();
            report.links += 1;
            expected_seq += 1;
        }
        if done {
            return Ok(report);
        }
    }
}

/// The chains there are: every agency's that has one, and the platform's.
pub fn chain_keys(conn: &mut DbConnection) -> Result<Vec<String>, StoreError> {
    let mut keys: Vec<String> = audit_events::table
        .filter(audit_events::chain_key.is_not_null())
        .select(audit_events::chain_key.assume_not_null())
        .distinct()
        .load(conn)?;
    keys.sort();
    Ok(keys)
}

/// Records a change of `entity_type`/`entity_id` in `agency_id`.
#[allow(clippy::too_many_arguments)]
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Option<AgencyId>,
    action: AuditAction,
    entity_type: AuditEntity,
    entity_id: impl std::fmt::Display,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), StoreError> {
    record_all(conn, vec![event(change, agency_id, action, entity_type, entity_id, before, after)])
}

/// The event [`record`] would store, for [`record_all`].
pub fn event<B: Serialize, A: Serialize>(
    change: &Change,
    agency_id: Option<AgencyId>,
    action: AuditAction,
    entity_type: AuditEntity,
    entity_id: impl std::fmt::Display,
    before: Option<&B>,
    after: Option<&A>,
) -> AuditEvent {
    AuditEvent {
        id: crate::key::new(),
        agency_id,
        actor_account_id: Some(AccountId::from(change.caller.account_id)),
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        before_state: before.and_then(|b| serde_json::to_string(b).ok()),
        after_state: after.and_then(|a| serde_json::to_string(a).ok()),
        request_id: change.request_id.clone(),
        created_at: change.at,
        chain_key: None,
        chain_seq: None,
        prev_hash: None,
        hash: None,
    }
}

/// Records a change made by a system rather than a person (an integration key, a fingerprint
/// machine): no account, so `actor` names the system in the event's state.
#[allow(clippy::too_many_arguments)]
pub fn record_system<A: Serialize>(
    conn: &mut DbConnection,
    at: chrono::NaiveDateTime,
    request_id: Option<&str>,
    agency_id: AgencyId,
    action: AuditAction,
    entity_type: AuditEntity,
    entity_id: impl std::fmt::Display,
    after: &A,
) -> Result<(), StoreError> {
    let event = AuditEvent {
        id: crate::key::new(),
        agency_id: Some(agency_id),
        actor_account_id: None,
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        before_state: None,
        after_state: serde_json::to_string(after).ok(),
        request_id: request_id.map(str::to_owned),
        created_at: at,
        chain_key: None,
        chain_seq: None,
        prev_hash: None,
        hash: None,
    };
    record_all(conn, vec![event])
}

/// Filters for reading the trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events about this record.
    pub entity_id: Option<String>,
    /// Only events by this account.
    pub actor_account_id: Option<AccountId>,
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
            q = q.filter(audit_events::agency_id.eq(crate::key::bind(AgencyId::from(a))));
        }
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(e) = &filter.entity_id {
        q = q.filter(audit_events::entity_id.eq(e.clone()));
    }
    if let Some(a) = filter.actor_account_id {
        q = q.filter(audit_events::actor_account_id.eq(crate::key::bind(a)));
    }
    if let Some(after) = &page.after {
        q = q.filter(audit_events::id.gt(crate::key::bind(AuditEventId::from(*after))));
    }
    let rows = q.order(audit_events::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}
