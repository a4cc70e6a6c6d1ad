//! Failed sign-ins, kept in the database so that every server process behind it throttles
//! guessing alike. Keys are opaque (the caller hashes the login and address); this module only
//! stores, reads and forgets timestamps.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::login_failures;
use crate::{new_id, DbConnection, StoreError};

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

/// Records a failure under each of `keys` at `at`, and forgets every failure from before
/// `forget_before` (they no longer count for anyone).
pub fn record(
    conn: &mut DbConnection,
    keys: &[String],
    at: NaiveDateTime,
    forget_before: NaiveDateTime,
) -> Result<(), StoreError> {
    crate::db::write(conn, |conn| {
        diesel::delete(login_failures::table.filter(login_failures::failed_at.le(forget_before))).execute(conn)?;
        for key in keys {
            diesel::insert_into(login_failures::table)
                .values((
                    login_failures::id.eq(new_id()),
                    login_failures::throttle_key.eq(key),
                    login_failures::failed_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Forgets the failures under `key` (after a successful sign-in).
pub fn forget(conn: &mut DbConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(login_failures::table.filter(login_failures::throttle_key.eq(key))).execute(conn)?;
    Ok(())
}
