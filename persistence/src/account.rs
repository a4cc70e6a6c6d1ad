//! Accounts (who can log in, with which granted role) and their refresh tokens.
//!
//! Refresh tokens rotate: each use marks the presented token rotated and issues a successor in
//! the same family. Presenting a rotated or revoked token again means it leaked, so the whole
//! family is revoked. Only SHA-256 hashes of tokens are stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::{AccountRole, Caller};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{accounts, employees, refresh_tokens};
use crate::{access, audit, Change, DbConnection, StoreError};
use ekinerja_domain::access::{Access, Area};
use ekinerja_domain::id::{AccountId, AgencyId, EmployeeId, RefreshFamilyId, RefreshTokenId};

/// A stored account. The password hash is never serialised (audit events included).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct Account {
    #[diesel(serialize_as = crate::key::Bind<AccountId>)]
    pub id: AccountId,
    #[diesel(serialize_as = crate::key::BindOption<AgencyId>)]
    pub agency_id: Option<AgencyId>,
    #[diesel(serialize_as = crate::key::BindOption<EmployeeId>)]
    pub employee_id: Option<EmployeeId>,
    pub username: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    #[diesel(serialize_as = crate::word::Bind<AccountRole>)]
    pub role: AccountRole,
    pub active: bool,
    pub password_changed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Moves on whenever the account's sign-ins end (logout, password change or reset,
    /// refresh-token reuse, leaving service); an access token names the generation it was
    /// issued in and is refused once it moved on.
    pub session_generation: i64,
}

impl Account {
    /// The caller this account acts as.
    pub fn caller(&self) -> Option<Caller> {
        Some(Caller {
            account_id: self.id.uuid(),
            agency_id: self.agency_id.map(AgencyId::uuid),
            role: self.role,
            employee_id: self.employee_id.map(EmployeeId::uuid),
        })
    }
}

/// A new account. Exactly how the password was hashed is the caller's business.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub agency_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    /// Lower-cased login name, for accounts without an employee (admins).
    pub username: Option<String>,
    pub role: AccountRole,
    pub password_hash: String,
}

/// Finds the account for a login name: an 18-digit NIP (through the employee, who must be
/// active) or an admin username (case-insensitive).
pub fn find_for_login(conn: &mut DbConnection, login: &str) -> Result<Option<Account>, StoreError> {
    let login = login.trim();
    if login.len() == 18 && login.bytes().all(|b| b.is_ascii_digit()) {
        Ok(accounts::table
            .inner_join(employees::table)
            .filter(employees::nip.eq(login))
            .filter(employees::active.eq(true))
            .select(Account::as_select())
            .first(conn)
            .optional()?)
    } else {
        let account: Option<Account> = accounts::table
            .filter(accounts::username.eq(login.to_lowercase()))
            .select(Account::as_select())
            .first(conn)
            .optional()?;
        // An account that is an employee's signs in only while the employee is in service,
        // whichever name it signs in with.
        match account {
            Some(a) if !employee_in_service(conn, a.employee_id)? => Ok(None),
            found => Ok(found),
        }
    }
}

/// Whether the employee an account belongs to is in service (an account of no employee is).
fn employee_in_service(conn: &mut DbConnection, employee_id: Option<EmployeeId>) -> Result<bool, StoreError> {
    Ok(match employee_id {
        Some(e) => employees::table
            .find(crate::key::bind(e))
            .select(employees::active)
            .first::<bool>(conn)
            .optional()?
            .unwrap_or(false),
        None => true,
    })
}

/// What an access token is checked against: the account's session generation, and whether it
/// may still act (the account is active, and its employee, if any, in service). `None` for an
/// unknown account.
pub fn session(conn: &mut DbConnection, id: Uuid) -> Result<Option<(i64, bool)>, StoreError> {
    let row: Option<(i64, bool, Option<EmployeeId>)> = accounts::table
        .find(crate::key::bind(AccountId::from(id)))
        .select((accounts::session_generation, accounts::active, accounts::employee_id))
        .first(conn)
        .optional()?;
    let Some((generation, active, employee)) = row else { return Ok(None) };
    let live = active && employee_in_service(conn, employee)?;
    Ok(Some((generation, live)))
}

/// Ends every sign-in of the accounts (inside the caller's transaction): revokes their refresh
/// tokens and moves their session generation on, so their access tokens stop working too.
pub fn end_sessions(conn: &mut DbConnection, account_ids: &[AccountId], at: NaiveDateTime) -> Result<(), StoreError> {
    if account_ids.is_empty() {
        return Ok(());
    }
    diesel::update(
        refresh_tokens::table.filter(refresh_tokens::account_id.eq_any(crate::key::binds(account_ids.iter().copied()))),
    )
    .filter(refresh_tokens::revoked_at.is_null())
    .set(refresh_tokens::revoked_at.eq(Some(at)))
    .execute(conn)?;
    next_generation(conn, account_ids)
}

/// Moves the accounts' session generation on: access tokens issued before stop working.
fn next_generation(conn: &mut DbConnection, account_ids: &[AccountId]) -> Result<(), StoreError> {
    diesel::update(accounts::table.filter(accounts::id.eq_any(crate::key::binds(account_ids.iter().copied()))))
        .set(accounts::session_generation.eq(accounts::session_generation + 1))
        .execute(conn)?;
    Ok(())
}

/// Ends the sign-ins of an employee's accounts (on leaving service).
pub fn end_sessions_of_employee(
    conn: &mut DbConnection,
    employee_id: EmployeeId,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let ids: Vec<AccountId> = accounts::table
        .filter(accounts::employee_id.eq(crate::key::bind(employee_id)))
        .select(accounts::id)
        .load(conn)?;
    end_sessions(conn, &ids, at)
}

/// Reads an account by id (for token checks: no caller scoping).
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<Account>, StoreError> {
    Ok(accounts::table
        .find(crate::key::bind(AccountId::from(id)))
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

/// The account of an employee, if they have one (an employee has at most one). No caller
/// scoping, as for [`find`].
pub fn find_for_employee(conn: &mut DbConnection, employee_id: Uuid) -> Result<Option<Account>, StoreError> {
    Ok(accounts::table
        .filter(accounts::employee_id.eq(crate::key::bind(EmployeeId::from(employee_id))))
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

/// Creates an account. A platform admin creates any; an agency admin creates employee and
/// member accounts of their own agency (`ekinerja_domain::access::issue_refusal`). An employee account belongs to an employee of the
/// same agency.
pub fn create(conn: &mut DbConnection, change: &Change, new: NewAccount) -> Result<Account, StoreError> {
    check_issue(conn, &change.caller, &new)?;
    crate::db::write(conn, |conn| {
        if let Some(e) = new.employee_id {
            let agency: Option<AgencyId> = employees::table
                .find(crate::key::bind(EmployeeId::from(e)))
                .select(employees::agency_id)
                .first(conn)
                .optional()?;
            if agency.is_none() || agency != new.agency_id.map(AgencyId::from) {
                return Err(StoreError::invalid("employee_id", "no such employee in this agency"));
            }
            let has: i64 = accounts::table
                .filter(accounts::employee_id.eq(crate::key::bind(EmployeeId::from(e))))
                .count()
                .get_result(conn)?;
            if has > 0 {
                return Err(StoreError::Conflict("this employee already has an account".into()));
            }
        }
        if let Some(u) = &new.username {
            let has: i64 = accounts::table.filter(accounts::username.eq(u)).count().get_result(conn)?;
            if has > 0 {
                return Err(StoreError::Conflict(format!("the username {u} is taken")));
            }
        }
        let row = new_row(change, new);
        diesel::insert_into(accounts::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            row.agency_id,
            AuditAction::Create,
            AuditEntity::Account,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row)
    })
}

/// A new account's row, as `change` issues it.
pub(crate) fn new_row(change: &Change, new: NewAccount) -> Account {
    Account {
        id: crate::key::new(),
        agency_id: new.agency_id.map(AgencyId::from),
        employee_id: new.employee_id.map(EmployeeId::from),
        username: new.username,
        password_hash: Some(new.password_hash),
        role: new.role,
        active: true,
        password_changed_at: Some(change.at),
        session_generation: 0,
        created_at: change.at,
        updated_at: change.at,
    }
}

/// Whether `caller` may issue an account of `role` in `agency` at all (who issues which role, and
/// an agency they may write in): the part of [`check_issue`] that depends on no other field, so a
/// caller who may not is told so before a login name or password is judged.
pub fn may_issue(
    conn: &mut DbConnection,
    caller: &Caller,
    role: AccountRole,
    agency: Option<Uuid>,
) -> Result<(), StoreError> {
    if let Some(why) = ekinerja_domain::access::issue_refusal(caller, role) {
        return Err(StoreError::Forbidden(why.into()));
    }
    match (role, agency) {
        (AccountRole::PlatformAdmin, Some(_)) => {
            return Err(StoreError::invalid("agency_id", "a platform admin belongs to no agency"))
        }
        (AccountRole::PlatformAdmin, None) => {}
        (_, None) => return Err(StoreError::invalid("agency_id", "required for this role")),
        (_, Some(a)) if !caller.can_see_agency(a) => {
            // As `agency::writable` answers: a caller whose role issues no accounts in their own
            // agency is told so, rather than which other agencies exist.
            if let Some(own) = caller.agency_id {
                access::require_agency(conn, caller, own, Area::Administration, Access::Write)?;
            }
            return Err(StoreError::invalid("agency_id", "no such agency"));
        }
        (_, Some(a)) => access::require_agency(conn, caller, a, Area::Administration, Access::Write)?,
    }
    if let Some(a) = agency {
        // The platform admin sees every agency, so the id is checked to name one.
        let known: i64 =
            crate::schema::agencies::table.find(crate::key::bind(AgencyId::from(a))).count().get_result(conn)?;
        if known == 0 {
            return Err(StoreError::invalid("agency_id", "no such agency"));
        }
    }
    Ok(())
}

/// The checks of issuing `new` that need no transaction: the caller may issue its role in its
/// agency, and its fields fit the role.
pub(crate) fn check_issue(conn: &mut DbConnection, caller: &Caller, new: &NewAccount) -> Result<(), StoreError> {
    may_issue(conn, caller, new.role, new.agency_id)?;
    if new.employee_id.is_none() && new.username.is_none() {
        return Err(StoreError::invalid("username", "an account without an employee needs a username"));
    }
    if new.role == AccountRole::Employee && new.employee_id.is_none() {
        return Err(StoreError::invalid("employee_id", "an employee account belongs to an employee"));
    }
    if new.role == AccountRole::Member && new.employee_id.is_some() {
        return Err(StoreError::invalid(
            "employee_id",
            "a member account has no employee record; an employee's own account takes grants too",
        ));
    }
    Ok(())
}

/// Reads an account whose password the caller may reset: one of their agency for an agency
/// admin, any for a platform admin, but never the caller's own, and an admin's only for the
/// platform admin (`ekinerja_domain::access::reset_refusal`). Another agency's account is not
/// found; a platform admin's account is seen only by a platform admin.
pub fn managed(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Account, StoreError> {
    let acc = find(conn, id)?.ok_or(StoreError::NotFound)?;
    let agency = acc.agency_id.map(AgencyId::uuid);
    match agency {
        Some(a) if !caller.can_see_agency(a) => return Err(StoreError::NotFound),
        None if !caller.is_platform_admin() => return Err(StoreError::NotFound),
        Some(a) => access::require_agency(conn, caller, a, Area::Administration, Access::Write)?,
        None => {}
    }
    let role = acc.role;
    let finance: i64 = crate::schema::role_grants::table
        .filter(crate::schema::role_grants::account_id.eq(crate::key::bind(acc.id)))
        .filter(crate::schema::role_grants::role.eq(crate::word::bind(ekinerja_domain::GrantedRole::Finance)))
        .filter(crate::schema::role_grants::revoked_at.is_null())
        .count()
        .get_result(conn)?;
    if let Some(why) = ekinerja_domain::access::reset_refusal(caller, id, role, finance > 0) {
        return Err(StoreError::Forbidden(why.into()));
    }
    Ok(acc)
}

/// Replaces an account's password hash and revokes every refresh token it holds, so a changed
/// password logs out every other device.
pub fn set_password(
    conn: &mut DbConnection,
    change: &Change,
    account_id: Uuid,
    password_hash: String,
) -> Result<(), StoreError> {
    // Anyone's but one's own is a reset by an admin, audited as such.
    let reset = account_id != change.caller.account_id;
    crate::db::write(conn, |conn| {
        let before = find(conn, account_id)?.ok_or(StoreError::NotFound)?;
        diesel::update(accounts::table.find(crate::key::bind(before.id)))
            .set((
                accounts::password_hash.eq(Some(password_hash)),
                accounts::password_changed_at.eq(Some(change.at)),
                accounts::updated_at.eq(change.at),
            ))
            .execute(conn)?;
        end_sessions(conn, std::slice::from_ref(&before.id), change.at)?;
        audit::record(
            conn,
            change,
            before.agency_id,
            if reset { AuditAction::ResetPassword } else { AuditAction::ChangePassword },
            AuditEntity::Account,
            before.id,
            None::<&()>,
            None::<&()>,
        )?;
        Ok(())
    })
}

/// Stores a new refresh token (the first of a family, at login).
pub fn issue_refresh_token(
    conn: &mut DbConnection,
    account_id: Uuid,
    family_id: Uuid,
    token_hash: &str,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(crate::key::bind(crate::key::new::<RefreshTokenId>())),
            refresh_tokens::account_id.eq(crate::key::bind(AccountId::from(account_id))),
            refresh_tokens::family_id.eq(crate::key::bind(RefreshFamilyId::from(family_id))),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::issued_at.eq(issued_at),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// The token was current: it is now rotated and the successor stored, expiring at the
    /// instant given (its lifetime, cut short where the sign-in's absolute lifetime ends).
    Rotated(Box<Account>, NaiveDateTime),
    /// Unknown or expired token, or a disabled account.
    Invalid,
    /// A rotated or revoked token was presented again: the family is now revoked.
    Reused,
}

/// Rotates a refresh token: marks the presented one used and stores its successor, atomically.
/// The conditional update makes two concurrent uses of one token (two devices, two server
/// instances) end with exactly one winner; the loser counts as reuse.
pub fn rotate_refresh_token(
    conn: &mut DbConnection,
    presented_hash: &str,
    successor_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    family_lifetime: chrono::Duration,
) -> Result<Rotation, StoreError> {
    crate::db::write(conn, |conn| {
        let token: Option<(RefreshTokenId, AccountId, RefreshFamilyId, NaiveDateTime)> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(presented_hash))
            .select((
                refresh_tokens::id,
                refresh_tokens::account_id,
                refresh_tokens::family_id,
                refresh_tokens::expires_at,
            ))
            .first(conn)
            .optional()?;
        let Some((id, account_id, family_id, expires)) = token else { return Ok(Rotation::Invalid) };
        let won = diesel::update(refresh_tokens::table.find(crate::key::bind(id)))
            .filter(refresh_tokens::rotated_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null())
            .set(refresh_tokens::rotated_at.eq(Some(now)))
            .execute(conn)?;
        if won == 0 {
            // A stolen token and its rightful holder both used it: end the family, and the
            // access tokens of the account with it.
            diesel::update(refresh_tokens::table.filter(refresh_tokens::family_id.eq(crate::key::bind(family_id))))
                .filter(refresh_tokens::revoked_at.is_null())
                .set(refresh_tokens::revoked_at.eq(Some(now)))
                .execute(conn)?;
            next_generation(conn, std::slice::from_ref(&account_id))?;
            return Ok(Rotation::Reused);
        }
        if expires <= now {
            return Ok(Rotation::Invalid);
        }
        // A sign-in lasts at most `family_lifetime` from its login, however often it refreshes.
        let started: Option<NaiveDateTime> = refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(crate::key::bind(family_id)))
            .select(diesel::dsl::min(refresh_tokens::issued_at))
            .first(conn)?;
        let ends = started.unwrap_or(now) + family_lifetime;
        if ends <= now {
            return Ok(Rotation::Invalid);
        }
        let account: Account =
            accounts::table.find(crate::key::bind(account_id)).select(Account::as_select()).first(conn)?;
        // An employee who left service (deactivated) signs in no more, by password or by token.
        if !account.active || !employee_in_service(conn, account.employee_id)? {
            return Ok(Rotation::Invalid);
        }
        let expires_at = expires_at.min(ends);
        diesel::insert_into(refresh_tokens::table)
            .values((
                refresh_tokens::id.eq(crate::key::bind(crate::key::new::<RefreshTokenId>())),
                refresh_tokens::account_id.eq(crate::key::bind(account_id)),
                refresh_tokens::family_id.eq(crate::key::bind(family_id)),
                refresh_tokens::token_hash.eq(successor_hash),
                refresh_tokens::issued_at.eq(now),
                refresh_tokens::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(Rotation::Rotated(Box::new(account), expires_at))
    })
}

/// Revokes the family of a refresh token (logout) and moves the account's session generation
/// on; answers the account whose sign-in ended. Unknown tokens are ignored: logging out twice
/// is not an error.
pub fn revoke_family(
    conn: &mut DbConnection,
    presented_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<AccountId>, StoreError> {
    crate::db::write(conn, |conn| {
        type Presented = (RefreshFamilyId, AccountId, Option<NaiveDateTime>, Option<NaiveDateTime>, NaiveDateTime);
        let family: Option<Presented> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(presented_hash))
            .select((
                refresh_tokens::family_id,
                refresh_tokens::account_id,
                refresh_tokens::rotated_at,
                refresh_tokens::revoked_at,
                refresh_tokens::expires_at,
            ))
            .first(conn)
            .optional()?;
        if let Some((f, account, rotated, revoked, expires)) = family {
            diesel::update(refresh_tokens::table.filter(refresh_tokens::family_id.eq(crate::key::bind(f))))
                .filter(refresh_tokens::revoked_at.is_null())
                .set(refresh_tokens::revoked_at.eq(Some(now)))
                .execute(conn)?;
            // Only the current token of a live sign-in ends the account's access tokens: an old
            // one (rotated, revoked or expired) must not let whoever kept it cut the account off
            // again and again.
            if rotated.is_some() || revoked.is_some() || expires <= now {
                return Ok(None);
            }
            // The access tokens of the account stop too: other devices refresh theirs.
            next_generation(conn, std::slice::from_ref(&account))?;
            return Ok(Some(account));
        }
        Ok(None)
    })
}

/// Whether any account exists (demo data loads only into an empty database).
pub fn any(conn: &mut DbConnection) -> Result<bool, StoreError> {
    let n: i64 = accounts::table.count().get_result(conn)?;
    Ok(n > 0)
}

/// Creates a platform admin without a caller: the first account of an installation
/// (`ekinerja create-admin`). The audit event names the new account as its own actor.
pub fn bootstrap_platform_admin(
    conn: &mut DbConnection,
    username: &str,
    password_hash: String,
    at: NaiveDateTime,
    request_id: Option<String>,
) -> Result<Account, StoreError> {
    crate::db::write(conn, |conn| {
        let has: i64 = accounts::table.filter(accounts::username.eq(username)).count().get_result(conn)?;
        if has > 0 {
            return Err(StoreError::Conflict(format!("the username {username} is taken")));
        }
        let row = Account {
            id: crate::key::new(),
            agency_id: None,
            employee_id: None,
            username: Some(username.to_owned()),
            password_hash: Some(password_hash),
            role: AccountRole::PlatformAdmin,
            active: true,
            password_changed_at: Some(at),
            session_generation: 0,
            created_at: at,
            updated_at: at,
        };
        diesel::insert_into(accounts::table).values(row.clone()).execute(conn)?;
        let caller = row.caller().ok_or(StoreError::NotFound)?;
        let change = Change { caller, at, request_id };
        audit::record(conn, &change, None, AuditAction::Create, AuditEntity::Account, row.id, None::<&()>, Some(&row))?;
        Ok(row)
    })
}
