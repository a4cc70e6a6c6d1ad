//! Integration keys: how a system such as the region's attendance service (e-Presensi) calls the
//! API. An agency admin issues a key for one system, limited to the agency and to scopes; the key
//! is shown once and stored only as a hash, and may be rotated or revoked.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AccountId, AgencyId, IntegrationKeyId};
use ekinerja_domain::{Caller, Integration, IntegrationScope, Name, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::integration_keys;
use crate::{audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored key. The hash and the signing secret never leave the database through this type's
/// serialisation (the audit trail included).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = integration_keys, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct IntegrationKey {
    #[diesel(serialize_as = crate::key::Bind<IntegrationKeyId>)]
    pub id: IntegrationKeyId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    pub name: String,
    pub key_prefix: String,
    #[serde(skip)]
    pub key_hash: String,
    pub scopes: crate::word::Words<IntegrationScope>,
    #[serde(skip)]
    pub signing_secret: Option<String>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub created_by_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub version: i32,
}

impl IntegrationKey {
    /// The scopes, sorted.
    pub fn scope_list(&self) -> Vec<IntegrationScope> {
        self.scopes.as_slice().to_vec()
    }

    /// Whether requests with this key must be signed.
    pub fn signed(&self) -> bool {
        self.signing_secret.is_some()
    }
}

/// The secret parts of a new or rotated key, made by the caller (the API layer owns randomness).
#[derive(Debug, Clone)]
pub struct Secrets {
    /// What lists show of the key: its first characters.
    pub prefix: String,
    /// SHA-256 of the key.
    pub hash: String,
    /// The Standard Webhooks signing secret, when requests are to be signed.
    pub signing_secret: Option<String>,
}

/// Issues a key for `name` in `agency_id` with `scopes`.
pub fn issue(
    conn: &mut DbConnection,
    change: &Change,
    agency_id: Uuid,
    name: &Name,
    scopes: &[IntegrationScope],
    secrets: Secrets,
) -> Result<IntegrationKey, StoreError> {
    crate::agency::writable(conn, &change.caller, agency_id, ekinerja_domain::access::Area::Administration)?;
    if scopes.is_empty() {
        return Err(StoreError::invalid("scopes", "give at least one scope"));
    }
    let row = IntegrationKey {
        id: crate::key::new(),
        agency_id: AgencyId::from(agency_id),
        name: name.as_str().to_owned(),
        key_prefix: secrets.prefix,
        key_hash: secrets.hash,
        scopes: crate::word::Words::new(scopes),
        signing_secret: secrets.signing_secret,
        created_by_account_id: Some(AccountId::from(change.caller.account_id)),
        created_at: change.at,
        rotated_at: None,
        last_used_at: None,
        revoked_at: None,
        version: 1,
    };
    crate::db::write(conn, |conn| {
        diesel::insert_into(integration_keys::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::IntegrationKey,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row.clone())
    })
}

/// Reads a key the caller administers; others get not-found.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<IntegrationKey, StoreError> {
    let key: IntegrationKey = integration_keys::table
        .find(crate::key::bind(IntegrationKeyId::from(id)))
        .select(IntegrationKey::as_select())
        .first(conn)?;
    let agency = key.agency_id.uuid();
    crate::access::require_agency(conn, caller, agency, Area::Administration, Access::Write)?;
    Ok(key)
}

/// Lists the keys of the caller's agency (its admin), oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<IntegrationKey>, StoreError> {
    let mut q = integration_keys::table.select(IntegrationKey::as_select()).into_boxed::<Backend>();
    match caller.list_scope(agency) {
        Scope::All => {}
        Scope::Agency(a) => {
            crate::access::require_agency(conn, caller, a, Area::Administration, Access::Read)?;
            q = q.filter(integration_keys::agency_id.eq(crate::key::bind(AgencyId::from(a))));
        }
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(after) = &page.after {
        q = q.filter(integration_keys::id.gt(crate::key::bind(IntegrationKeyId::from(*after))));
    }
    let rows = q.order(integration_keys::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Replaces a live key's secret (and its signing secret, if it has one): the old key stops
/// working at once.
pub fn rotate(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    version: i32,
    secrets: Secrets,
) -> Result<IntegrationKey, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        if before.revoked_at.is_some() {
            return Err(StoreError::Conflict("a revoked key cannot be rotated; issue a new one".into()));
        }
        if before.version != version {
            return Err(StoreError::Stale);
        }
        let after = IntegrationKey {
            key_prefix: secrets.prefix,
            key_hash: secrets.hash,
            signing_secret: if before.signed() { secrets.signing_secret } else { None },
            rotated_at: Some(change.at),
            version: before.version + 1,
            ..before.clone()
        };
        // Conditional on the version read, so two rotations at once cannot both succeed.
        let updated = diesel::update(
            integration_keys::table
                .filter(integration_keys::id.eq(crate::key::bind(after.id)))
                .filter(integration_keys::version.eq(before.version)),
        )
        .set((
            integration_keys::key_prefix.eq(&after.key_prefix),
            integration_keys::key_hash.eq(&after.key_hash),
            integration_keys::signing_secret.eq(&after.signing_secret),
            integration_keys::rotated_at.eq(after.rotated_at),
            integration_keys::version.eq(after.version),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(StoreError::Stale);
        }
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Rotate,
            AuditEntity::IntegrationKey,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Revokes a key for good. Revoking a revoked key changes nothing.
pub fn revoke(conn: &mut DbConnection, change: &Change, id: Uuid) -> Result<IntegrationKey, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let after = IntegrationKey { revoked_at: Some(change.at), version: before.version + 1, ..before.clone() };
        diesel::update(integration_keys::table.find(crate::key::bind(after.id)))
            .set((integration_keys::revoked_at.eq(after.revoked_at), integration_keys::version.eq(after.version)))
            .execute(conn)?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Revoke,
            AuditEntity::IntegrationKey,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// The live key with this hash, and who it makes the caller; `None` for an unknown or revoked key.
pub fn authenticate(
    conn: &mut DbConnection,
    key_hash: &str,
) -> Result<Option<(IntegrationKey, Integration)>, StoreError> {
    let key: Option<IntegrationKey> = integration_keys::table
        .filter(integration_keys::key_hash.eq(key_hash))
        .filter(integration_keys::revoked_at.is_null())
        .select(IntegrationKey::as_select())
        .first(conn)
        .optional()?;
    Ok(key.map(|k| {
        let integration = Integration { key_id: k.id.uuid(), agency_id: k.agency_id.uuid(), scopes: k.scope_list() };
        (k, integration)
    }))
}

/// Records that a key was used (inside the transaction of what it did).
pub fn touch(conn: &mut DbConnection, key_id: Uuid, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(integration_keys::table.find(crate::key::bind(IntegrationKeyId::from(key_id))))
        .set(integration_keys::last_used_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}
