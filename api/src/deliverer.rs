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

use ekinerja_domain::network::Networks;

use crate::webhook::{sign, Secret};

/// How long a claimed delivery is held before another deliverer may take it: longer than a
/// send may take ([`TIMEOUT`]), so that only a dead deliverer's claim runs out.
const LEASE_SECONDS: i64 = 30;
/// Deliveries sent per poll at most; each is claimed just before it is sent, so that its lease
/// covers its own send only.
const PER_ROUND: usize = 50;
/// How long a subscriber has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The running deliverer; dropping the last handle stops its thread.
pub struct Deliverer {
    stop: Arc<(AtomicBool, Mutex<bool>, Condvar)>,
}

impl Deliverer {
    /// Starts the thread over `pool`, looking every `poll` and backing off in units of
    /// `retry_base`; subscribers' addresses in private networks are refused unless they are in
    /// `private_allowed`. Every `overdue_every` it also looks for tasks overdue
    /// ([`ekinerja_persistence::overdue::scan`]), whose messages it then delivers.
    pub fn start(
        pool: Pool,
        poll: Duration,
        retry_base: Duration,
        private_allowed: Networks,
        overdue_every: Duration,
    ) -> std::io::Result<Deliverer> {
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
            let mut last_scan: Option<Instant> = None;
            while !stopped.load(Ordering::Acquire) {
                if last_scan.is_none_or(|t| t.elapsed() >= overdue_every) {
                    last_scan = Some(Instant::now());
                    let scanned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let mut conn = pool.get().map_err(|e| e.to_string())?;
                        ekinerja_persistence::overdue::scan(&mut conn, Utc::now()).map_err(|e| e.to_string())
                    }));
                    match scanned {
                        Ok(Ok(0)) => {}
                        Ok(Ok(n)) => log::info!(target: "ekinerja::webhooks", "{n} tasks overdue told"),
                        Ok(Err(e)) => log::warn!(target: "ekinerja::webhooks", "the overdue scan failed: {e}"),
                        Err(_) => log::error!(target: "ekinerja::webhooks", "the overdue scan panicked"),
                    }
                }
                // A bug in one round must not end the deliveries for good.
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    round(&pool, &agent, retry_base, &private_allowed)
                }));
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => log::warn!(target: "ekinerja::webhooks", "webhook delivery round failed: {e}"),
                    Err(_) => log::error!(target: "ekinerja::webhooks", "webhook delivery round panicked"),
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

/// Claims what is due, one delivery at a time, and sends it.
fn round(pool: &Pool, agent: &ureq::Agent, retry_base: Duration, private_allowed: &Networks) -> Result<(), String> {
    for _ in 0..PER_ROUND {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let lease = chrono::Duration::seconds(LEASE_SECONDS);
        let Some(c) = webhook::claim(&mut conn, Utc::now().naive_utc(), lease, 1).map_err(|e| e.to_string())?.pop()
        else {
            return Ok(());
        };
        drop(conn);
        let outcome = match refused_address(&c.url, private_allowed) {
            Some(why) => Outcome { status_code: None, error: Some(why), duration_ms: 0 },
            None => send(agent, &c),
        };
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
            status.map_or("its lease ran out: not recorded", |s| s.as_str())
        );
    }
    Ok(())
}

/// Why the subscriber's address may not be reached, if it may not: an agency admin chooses the
/// URL, so an address in a private, loopback or link-local network (the server's own
/// neighbourhood) is refused unless the operator allows its network
/// (`EKINERJA_WEBHOOK_PRIVATE_NETWORKS`). The name is resolved here and again by the client, so a
/// name whose answer changes in between is not caught; allow only the networks you mean.
fn refused_address(url: &str, private_allowed: &Networks) -> Option<String> {
    use std::net::ToSocketAddrs;
    let uri: ureq::http::Uri = match url.parse() {
        Ok(u) => u,
        Err(e) => return Some(format!("the URL cannot be used: {e}")),
    };
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
    // A name that does not resolve is left to the client, which says why in the attempt.
    let addrs = (host.as_str(), port).to_socket_addrs().ok()?;
    addrs.map(|a| a.ip()).find(|ip| is_private(*ip) && !private_allowed.contains(*ip)).map(|ip| {
        format!(
            "{host} is {ip}, in a private network: the operator allows such networks with \
             EKINERJA_WEBHOOK_PRIVATE_NETWORKS"
        )
    })
}

/// Whether an address is the server's own neighbourhood: loopback, private (RFC 1918, unique
/// local), link-local, shared (carrier-grade NAT) or unspecified.
fn is_private(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
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
        Ok(r) => {
            // The answer's body is not kept: what a subscriber says is never shown back.
            let status = r.status().as_u16();
            let error = (!(200..300).contains(&status)).then(|| format!("answered {status}"));
            Outcome { status_code: Some(status), error, duration_ms: elapsed() }
        }
        Err(e) => Outcome { status_code: None, error: Some(e.to_string()), duration_ms: elapsed() },
    }
}
