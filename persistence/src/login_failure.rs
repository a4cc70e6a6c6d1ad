//! Failed sign-ins, kept in the database so that every server process behind it throttles
//! guessing alike. Keys are opaque (the caller hashes the login and address); this module
//! stores, reads and forgets timestamps, and takes attempts atomically against the caller's
//! policy.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use ekinerja_domain::id::LoginFailureId;

use crate::schema::login_failures;
use crate::{DbConnection, StoreError};

/// The failures of each of `keys` since `since`, as `(key, when)`.
pub fn recent(
    conn: &mut DbConnection,
    keys: &[String],
    since: NaiveDateTime,
) -> Result<Vec<(String, NaiveDateTime)>, StoreError> {
    Ok(login_failures::table
        .filter(login_failures::throttle_key.eq_any(keys))
        .filter(login_failures::failed_at.gt(since))
        .order(login_failures::failed_at.asc())
        .select((login_failures::throttle_key, login_failures::failed_at))
        .load(conn)?)
}

/// What taking a sign-in attempt led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The attempt may check the password: it is counted as a failure already (the rows
    /// named), until [`succeeded`] takes it back.
    Go(Vec<LoginFailureId>),
    /// Too many failures: wait this many seconds.
    Wait(u64),
}

/// Takes an attempt under `keys` atomically: reads the failures since `since`, asks `wait`
/// whether they allow another attempt, and if so records the attempt as a failure before the
/// password is checked. Attempts made at the same time are serialised (SQLite's write lock, a
/// transaction-scoped advisory lock per key on PostgreSQL), so parallel guesses cannot all pass
/// the check before any of them is counted.
pub fn attempt(
    conn: &mut DbConnection,
    keys: &[String],
    since: NaiveDateTime,
    at: NaiveDateTime,
    forget_before: NaiveDateTime,
    wait: impl FnOnce(&[(String, NaiveDateTime)]) -> Option<u64>,
) -> Result<Attempt, StoreError> {
    crate::db::write(conn, |conn| {
        if let DbConnection::Pg(_) = conn {
            let mut sorted = keys.to_vec();
            sorted.sort();
            for key in &sorted {
                crate::prepared::sql("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind::<diesel::sql_types::Text, _>(key)
                    .execute(conn)?;
            }
        }
        let failures = recent(conn, keys, since)?;
        if let Some(seconds) = wait(&failures) {
            return Ok(Attempt::Wait(seconds));
        }
        diesel::delete(login_failures::table.filter(login_failures::failed_at.le(forget_before))).execute(conn)?;
        let mut ids = Vec::with_capacity(keys.len());
        for key in keys {
            let id: LoginFailureId = crate::key::new();
            diesel::insert_into(login_failures::table)
                .values((
                    login_failures::id.eq(crate::key::bind(id)),
                    login_failures::throttle_key.eq(key),
                    login_failures::failed_at.eq(at),
                ))
                .execute(conn)?;
            ids.push(id);
        }
        Ok(Attempt::Go(ids))
    })
}

/// Takes back an attempt that succeeded, and forgets the failures under `key` (the login from
/// that address: its owner got in).
pub fn succeeded(conn: &mut DbConnection, attempt: &[LoginFailureId], key: &str) -> Result<(), StoreError> {
    crate::db::write(conn, |conn| {
        diesel::delete(
            login_failures::table.filter(login_failures::id.eq_any(crate::key::binds(attempt.iter().copied()))),
        )
        .execute(conn)?;
        diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(key))).execute(conn)?;
        Ok(())
    })
}
