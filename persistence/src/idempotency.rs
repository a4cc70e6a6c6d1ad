//! Stored responses for `Idempotency-Key`: the same key from the same caller with the same body
//! replays the first response, on any server instance, for at least 24 hours.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use ekinerja_domain::id::AccountId;
use uuid::Uuid;

use crate::schema::idempotency_keys;
use crate::{DbConnection, StoreError};

/// How long a key is kept.
pub const KEEP_HOURS: i64 = 48;
/// A first request that has not finished after this long is taken as lost (its server died),
/// and the key may be used again.
pub const ABANDONED_AFTER_SECONDS: i64 = 120;

/// A stored key: request hash, response status, body, location, when first claimed.
type StoredKey = (String, Option<i32>, Option<String>, Option<String>, NaiveDateTime);

/// What a request under a key should do.
#[derive(Debug, PartialEq, Eq)]
pub enum Begin {
    /// First use: go ahead, then [`finish`].
    Fresh,
    /// Done before with the same body: answer this.
    Replay { status: u16, body: String, location: Option<String> },
    /// Used before with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// Claims `key` for `account` and a request whose body hashes to `request_hash`.
pub fn begin(
    conn: &mut DbConnection,
    account: Uuid,
    key: &str,
    request_hash: &str,
    now: NaiveDateTime,
) -> Result<Begin, StoreError> {
    crate::db::write(conn, |conn| {
        let account = crate::key::bind(AccountId::from(account));
        diesel::delete(
            idempotency_keys::table.filter(idempotency_keys::created_at.lt(now - Duration::hours(KEEP_HOURS))),
        )
        .execute(conn)?;
        let existing: Option<StoredKey> = idempotency_keys::table
            .find((account, key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::response_status,
                idempotency_keys::response_body,
                idempotency_keys::response_location,
                idempotency_keys::created_at,
            ))
            .first(conn)
            .optional()?;
        match existing {
            Some((hash, _, _, _, _)) if hash != request_hash => Ok(Begin::Mismatch),
            Some((_, Some(status), body, location, _)) => Ok(Begin::Replay {
                status: u16::try_from(status).unwrap_or(500),
                body: body.unwrap_or_default(),
                location,
            }),
            Some((_, None, _, _, created)) if now - created < Duration::seconds(ABANDONED_AFTER_SECONDS) => {
                Ok(Begin::InFlight)
            }
            Some(_) => {
                diesel::update(idempotency_keys::table.find((account, key)))
                    .set(idempotency_keys::created_at.eq(now))
                    .execute(conn)?;
                Ok(Begin::Fresh)
            }
            None => {
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::account_id.eq(account),
                        idempotency_keys::idempotency_key.eq(key),
                        idempotency_keys::request_hash.eq(request_hash),
                        idempotency_keys::created_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok(Begin::Fresh)
            }
        }
    })
}

/// Stores the response of the first request under a key.
pub fn finish(
    conn: &mut DbConnection,
    account: Uuid,
    key: &str,
    status: u16,
    body: &str,
    location: Option<&str>,
) -> Result<(), StoreError> {
    diesel::update(idempotency_keys::table.find((crate::key::bind(AccountId::from(account)), key)))
        .set((
            idempotency_keys::response_status.eq(Some(i32::from(status))),
            idempotency_keys::response_body.eq(Some(body)),
            idempotency_keys::response_location.eq(location),
        ))
        .execute(conn)?;
    Ok(())
}

/// Releases a key whose request failed for reasons of ours (a 5xx), so a retry runs again.
pub fn release(conn: &mut DbConnection, account: Uuid, key: &str) -> Result<(), StoreError> {
    diesel::delete(idempotency_keys::table.find((crate::key::bind(AccountId::from(account)), key))).execute(conn)?;
    Ok(())
}
