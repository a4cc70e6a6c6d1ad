//! The webhook deliverer (issue 21): a thread of its own that claims the deliveries due in the
//! outbox, sends each signed with Standard Webhooks (`webhook-id` is the delivery's id, the same
//! on every retry, so a subscriber drops repeats), and records the attempt. Everything it needs is
//! in the database, so a server killed at any point loses nothing: an unsent delivery is sent
//! after the restart, and one claimed by the dead server is claimed again when its lease runs out.
//!
//! Its schedule is real time, not the application's clock: backoff is operations, not a rule.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use ekinerja_persistence::db::Pool;
use ekinerja_persistence::webhook::{self, Claimed, Outcome};

use crate::webhook::{sign, Secret};

/// How long a claimed delivery is held before another deliverer may take it: longer than a
/// send may take ([`TIMEOUT`]), so that only a dead deliverer's claim runs out.
const LEASE_SECONDS: i64 = 30;
/// Deliveries sent per poll at most.
const BATCH: i64 = 20;
/// How long a subscriber has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a subscriber's answer kept in an attempt's error.
const MAX_ERROR_CHARS: usize = 300;

/// The running deliverer; dropping the last handle stops its thread.
pub struct Deliverer {
    stop: Arc<(AtomicBool, Mutex<bool>, Condvar)>,
}

impl Deliverer {
    /// Starts the thread over `pool`, looking every `poll` and backing off in units of
    /// `retry_base`.
    pub fn start(pool: Pool, poll: Duration, retry_base: Duration) -> std::io::Result<Deliverer> {
        let stop = Arc::new((AtomicBool::new(false), Mutex::new(false), Condvar::new()));
        let signal = stop.clone();
        let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .max_redirects(0)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .provider(ureq::tls::TlsProvider::Rustls)
                    .unversioned_rustls_crypto_provider(crypto)
                    .build(),
            )
            .user_agent("ekinerja-webhooks")
            .build()
            .new_agent();
        std::thread::Builder::new().name("webhook-deliverer".into()).spawn(move || {
            let (stopped, lock, wake) = &*signal;
            while !stopped.load(Ordering::Acquire) {
                if let Err(e) = round(&pool, &agent, retry_base) {
                    log::warn!(target: "ekinerja::webhooks", "webhook delivery round failed: {e}");
                }
                let Ok(guard) = lock.lock() else { return };
                let _ = wake.wait_timeout_while(guard, poll, |_| !stopped.load(Ordering::Acquire));
            }
        })?;
        Ok(Deliverer { stop })
    }
}

impl Drop for Deliverer {
    fn drop(&mut self) {
        let (stopped, _, wake) = &*self.stop;
        stopped.store(true, Ordering::Release);
        wake.notify_all();
    }
}

/// Claims what is due and sends it.
fn round(pool: &Pool, agent: &ureq::Agent, retry_base: Duration) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let claimed = webhook::claim(&mut conn, Utc::now().naive_utc(), chrono::Duration::seconds(LEASE_SECONDS), BATCH)
        .map_err(|e| e.to_string())?;
    drop(conn);
    for c in claimed {
        let outcome = send(agent, &c);
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let status =
            webhook::record(&mut conn, &c, &outcome, Utc::now().naive_utc(), retry_base).map_err(|e| e.to_string())?;
        log::info!(
            target: "ekinerja::webhooks",
            "webhook {} attempt {} to {}: {} ({})",
            c.id,
            c.attempts + 1,
            c.url,
            outcome.status_code.map_or_else(|| "no answer".to_owned(), |s| s.to_string()),
            status
        );
    }
    Ok(())
}

/// One attempt: the payload signed now, posted, and what came back.
fn send(agent: &ureq::Agent, c: &Claimed) -> Outcome {
    let started = Instant::now();
    let elapsed = || i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
    let secret = match Secret::parse(&c.secret) {
        Ok(s) => s,
        Err(e) => {
            return Outcome { status_code: None, error: Some(format!("the signing secret: {e}")), duration_ms: 0 }
        }
    };
    let id = c.id.to_string();
    let timestamp = Utc::now().timestamp();
    let signature = sign(&secret, &id, timestamp, c.payload.as_bytes());
    let res = agent
        .post(&c.url)
        .header("content-type", "application/json")
        .header(crate::webhook::ID_HEADER, &id)
        .header(crate::webhook::TIMESTAMP_HEADER, &timestamp.to_string())
        .header(crate::webhook::SIGNATURE_HEADER, &signature)
        .send(c.payload.as_bytes());
    match res {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let error = (!(200..300).contains(&status)).then(|| {
                let body = r.body_mut().read_to_string().unwrap_or_default();
                let body: String = body.chars().take(MAX_ERROR_CHARS).collect();
                format!("answered {status}: {body}")
            });
            Outcome { status_code: Some(status), error, duration_ms: elapsed() }
        }
        Err(e) => Outcome { status_code: None, error: Some(e.to_string()), duration_ms: elapsed() },
    }
}
