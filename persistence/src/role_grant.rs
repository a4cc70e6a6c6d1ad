//! Roles the agency admin grants on accounts of the agency (`leader`, `finance`; roles.md):
//! granted, listed and revoked, each change audited. A revoked grant stays on record.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AccountId, AgencyId, RoleGrantId};
use ekinerja_domain::{AccountRole, Caller, GrantedRole, Scope};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{accounts, role_grants};
use crate::{access, audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A stored grant.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = role_grants, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct RoleGrant {
    #[diesel(serialize_as = crate::key::Bind<RoleGrantId>)]
    pub id: RoleGrantId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<AccountId>)]
    pub account_id: AccountId,
    #[diesel(serialize_as = crate::word::Bind<GrantedRole>)]
    pub role: GrantedRole,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub granted_by_account_id: Option<AccountId>,
    pub granted_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub revoked_by_account_id: Option<AccountId>,
}

/// Which grants to list.
#[derive(Debug, Clone, Default)]
pub struct GrantFilter {
    pub agency_id: Option<Uuid>,
    pub account_id: Option<Uuid>,
    pub role: Option<GrantedRole>,
    /// Include revoked grants (default: only those in force).
    pub include_revoked: bool,
}

/// Grants `role` on `account_id` (the agency admin). The account must be a person's or a member
/// account of the agency; an agency admin needs no grant, a platform admin is outside agencies.
pub fn grant(
    conn: &mut DbConnection,
    change: &Change,
    account_id: Uuid,
    role: GrantedRole,
) -> Result<RoleGrant, StoreError> {
    crate::db::write(conn, |conn| {
        let account: Option<(Option<AgencyId>, AccountRole)> = accounts::table
            .find(crate::key::bind(AccountId::from(account_id)))
            .select((accounts::agency_id, accounts::role))
            .first(conn)
            .optional()?;
        let no_such = || StoreError::invalid("account_id", "no such account in the agency");
        let (agency, account_role) = account.ok_or_else(no_such)?;
        let agency = agency.map(AgencyId::uuid).ok_or_else(no_such)?;
        if !change.caller.can_see_agency(agency) {
            return Err(no_such());
        }
        access::require_agency(conn, &change.caller, agency, Area::Administration, Access::Write)?;
        match account_role {
            AccountRole::Employee | AccountRole::Member => {}
            AccountRole::AgencyAdmin => {
                return Err(StoreError::invalid("account_id", "an agency admin already reads and decides everything"))
            }
            AccountRole::PlatformAdmin => return Err(no_such()),
        }
        let in_force: i64 = role_grants::table
            .filter(role_grants::account_id.eq(crate::key::bind(AccountId::from(account_id))))
            .filter(role_grants::role.eq(crate::word::bind(role)))
            .filter(role_grants::revoked_at.is_null())
            .count()
            .get_result(conn)?;
        if in_force > 0 {
            return Err(StoreError::Conflict(format!("the account already holds the {role} role")));
        }
        let row = RoleGrant {
            id: crate::key::new(),
            agency_id: AgencyId::from(agency),
            account_id: AccountId::from(account_id),
            role,
            granted_by_account_id: Some(AccountId::from(change.caller.account_id)),
            granted_at: change.at,
            revoked_at: None,
            revoked_by_account_id: None,
        };
        diesel::insert_into(role_grants::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Grant,
            AuditEntity::RoleGrant,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// Reads a grant (the agency admin; a leader reads it as part of the audit trail's subjects).
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<RoleGrant, StoreError> {
    let row: RoleGrant =
        role_grants::table.find(crate::key::bind(RoleGrantId::from(id))).select(RoleGrant::as_select()).first(conn)?;
    let agency = row.agency_id.uuid();
    access::require_agency(conn, caller, agency, Area::Administration, Access::Read)?;
    Ok(row)
}

/// Lists grants of the caller's agency (its admin), oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &GrantFilter,
    page: &PageRequest,
) -> Result<Page<RoleGrant>, StoreError> {
    let mut q = role_grants::table.select(RoleGrant::as_select()).into_boxed::<Backend>();
    match caller.list_scope(filter.agency_id) {
        Scope::All => {}
        Scope::Agency(a) => {
            access::require_agency(conn, caller, a, Area::Administration, Access::Read)?;
            q = q.filter(role_grants::agency_id.eq(crate::key::bind(AgencyId::from(a))));
        }
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(a) = filter.account_id {
        q = q.filter(role_grants::account_id.eq(crate::key::bind(AccountId::from(a))));
    }
    if let Some(r) = filter.role {
        q = q.filter(role_grants::role.eq(crate::word::bind(r)));
    }
    if !filter.include_revoked {
        q = q.filter(role_grants::revoked_at.is_null());
    }
    if let Some(after) = &page.after {
        q = q.filter(role_grants::id.gt(crate::key::bind(RoleGrantId::from(*after))));
    }
    let rows = q.order(role_grants::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Revokes a grant in force (the agency admin): it stops counting at the next request.
pub fn revoke(conn: &mut DbConnection, change: &Change, id: Uuid) -> Result<RoleGrant, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        let agency = before.agency_id.uuid();
        access::require_agency(conn, &change.caller, agency, Area::Administration, Access::Write)?;
        if before.revoked_at.is_some() {
            return Err(StoreError::Conflict("the grant is already revoked".into()));
        }
        let after = RoleGrant {
            revoked_at: Some(change.at),
            revoked_by_account_id: Some(AccountId::from(change.caller.account_id)),
            ..before.clone()
        };
        let updated = diesel::update(
            role_grants::table
                .filter(role_grants::id.eq(crate::key::bind(after.id)))
                .filter(role_grants::revoked_at.is_null()),
        )
        .set((
            role_grants::revoked_at.eq(after.revoked_at),
            role_grants::revoked_by_account_id.eq(crate::key::BindOption::from(after.revoked_by_account_id)),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(StoreError::Conflict("the grant is already revoked".into()));
        }
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Revoke,
            AuditEntity::RoleGrant,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}
