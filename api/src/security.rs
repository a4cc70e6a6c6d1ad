//! The doors' own bookkeeping: who a request comes from (behind trusted proxies only), security
//! events as structured log lines, and a per-address limit for callers that keep failing
//! without an account (fingerprint machines with unknown serials).
//!
//! A security event is one line on the `security` log target: a JSON object with `event`,
//! `request_id` and the event's fields, never a password, token or key, so a SIEM can read it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use actix_web::{web, HttpRequest};
use chrono::{DateTime, Utc};
use ekinerja_domain::network;
use serde_json::{json, Map, Value};

use crate::request_id;
use crate::state::AppState;

/// The client's address: the peer, or what a trusted proxy says it saw
/// (`EKINERJA_TRUSTED_PROXIES`).
pub fn client_address(req: &HttpRequest) -> Option<IpAddr> {
    let trusted = req.app_data::<web::Data<AppState>>().map(|s| &s.settings.trusted_proxies);
    // Every line of the header, in order: a proxy may add its own line rather than append to
    // the client's. A line that is not text makes the whole header unreadable.
    let mut lines = Vec::new();
    let mut unreadable = false;
    for value in req.headers().get_all("x-forwarded-for") {
        match value.to_str() {
            Ok(v) => lines.push(v),
            Err(_) => unreadable = true,
        }
    }
    let forwarded = match (unreadable, lines.is_empty()) {
        (true, _) => Some("unreadable".to_owned()),
        (false, true) => None,
        (false, false) => Some(lines.join(",")),
    };
    match trusted {
        Some(t) => network::client_address(req.peer_addr().map(|a| a.ip()), forwarded.as_deref(), t),
        None => req.peer_addr().map(|a| a.ip().to_canonical()),
    }
}

/// Writes a security event: `fields` is a JSON object of the event's details.
pub fn event(name: &str, fields: Value) {
    let mut line = Map::new();
    line.insert("event".into(), json!(name));
    line.insert("request_id".into(), json!(request_id::current()));
    if let Value::Object(more) = fields {
        line.extend(more);
    }
    log::warn!(target: "security", "{}", Value::Object(line));
}

/// Counts per key (an address, an account) over a fixed window, held in memory: each server
/// process limits on its own. This guards against floods and scanning, not against a patient
/// guesser, whom the database-backed checks stop.
pub struct Limiter<K> {
    window: chrono::Duration,
    limit: u32,
    max_tracked: usize,
    seen: Mutex<HashMap<K, Failures>>,
}

/// Failures of fingerprint-machine requests per client address.
pub type AddressLimiter = Limiter<Option<IpAddr>>;

/// When a key's window started, and its count since.
type Failures = (DateTime<Utc>, u32);

impl<K: std::hash::Hash + Eq + Copy> Limiter<K> {
    /// At most `limit` per key per `window`, tracking at most `max_tracked` keys at once.
    pub fn new(window: chrono::Duration, limit: u32, max_tracked: usize) -> Self {
        Limiter { window, limit, max_tracked: max_tracked.max(2), seen: Mutex::new(HashMap::new()) }
    }

    /// Seconds the key must wait, when it counted `limit` times within the window.
    pub fn blocked(&self, addr: K, now: DateTime<Utc>) -> Option<u64> {
        let seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (since, count) = seen.get(&addr)?;
        let left = self.window - (now - *since);
        (*count >= self.limit && left > chrono::Duration::zero())
            .then(|| u64::try_from(left.num_seconds()).unwrap_or(0) + 1)
    }

    /// Counts one for the key (a failure, or a use of a limited resource).
    pub fn fail(&self, addr: K, now: DateTime<Utc>) {
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= self.max_tracked && !seen.contains_key(&addr) {
            let window = self.window;
            seen.retain(|_, (since, _)| now - *since < window);
            if seen.len() >= self.max_tracked {
                // Full of live entries (a flood from many addresses): forget the oldest half
                // rather than grow without bound.
                let mut starts: Vec<DateTime<Utc>> = seen.values().map(|(s, _)| *s).collect();
                starts.sort_unstable();
                let cut = starts[starts.len() / 2];
                seen.retain(|_, (since, _)| *since > cut);
            }
        }
        let entry = seen.entry(addr).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

impl Default for AddressLimiter {
    /// Twenty failures per address per ten minutes; a machine with a mistyped serial retries
    /// every half minute, a scanner far faster.
    fn default() -> Self {
        AddressLimiter::new(chrono::Duration::minutes(10), 20, 50_000)
    }
}

/// Middleware for the expensive analysis endpoints (workload, maturity, dashboards, the per-OPD
/// comparison, monitoring): at most `EKINERJA_ANALYSIS_PER_MINUTE` requests per account a minute
/// (a policy), then 429 with `Retry-After`, so one script cannot take the database from everyone
/// at month end. A request without a valid token passes on to be refused by the handler.
pub async fn analysis_budget(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    if let Some(state) = req.app_data::<web::Data<AppState>>() {
        if let Ok((caller, _)) = crate::auth::authenticate(req.request()) {
            let now = state.now();
            if let Some(wait) = state.analysis.blocked(caller.account_id, now) {
                event("analysis_rate_limited", json!({"account_id": caller.account_id, "retry_after": wait}));
                let res = actix_web::ResponseError::error_response(&crate::error::ApiError::TooManyRequests(wait));
                return Ok(req.into_response(res).map_into_right_body());
            }
            state.analysis.fail(caller.account_id, now);
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_limited_after_its_failures_and_others_are_not() {
        let limiter = AddressLimiter::new(chrono::Duration::minutes(10), 3, 4);
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let a = Some("192.0.2.1".parse().unwrap());
        let b = Some("192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(limiter.blocked(a, t0), None);
            limiter.fail(a, t0);
        }
        assert_eq!(limiter.blocked(a, t0), Some(601));
        assert_eq!(limiter.blocked(b, t0), None);
        assert_eq!(limiter.blocked(a, t0 + chrono::Duration::minutes(10)), None);
        // Bounded: many addresses never grow the map past its cap.
        for i in 0..100u8 {
            limiter.fail(Some(IpAddr::from([198, 51, 100, i])), t0 + chrono::Duration::seconds(i.into()));
        }
        assert!(limiter.seen.lock().unwrap().len() <= 4);
    }
}
