//! What every request shares: the pool, the settings, the token keys, the login throttle, and
//! the clock.

use std::sync::Arc;

use actix_web::web;
use chrono::{DateTime, Utc};
use ekinerja_persistence::{DbConnection, Pool, StoreError};

use crate::auth::{HashGate, LoginThrottle, Sessions, Tokens};
use crate::error::ApiError;
use crate::log_writer::LogWriter;
use crate::metrics::Metrics;
use crate::security::{AddressLimiter, Limiter};
use crate::settings::Settings;

/// Shared application state.
pub struct AppState {
    /// The database pool.
    pub pool: Pool,
    /// The settings read at start-up.
    pub settings: Settings,
    /// Access-token keys.
    pub tokens: Tokens,
    /// Failed-login bookkeeping.
    pub throttle: LoginThrottle,
    /// The clock: rules never read "now" themselves, so tests can set it.
    pub clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    /// Group commit of daily logs.
    pub logs: Arc<LogWriter>,
    /// Addresses that keep presenting unknown or refused fingerprint machines.
    pub machines: Arc<AddressLimiter>,
    /// Accounts' session generations, checked on every access token.
    pub sessions: Arc<Sessions>,
    /// Turns to hash a password.
    pub hashing: Arc<HashGate>,
    /// Analysis requests per account (`EKINERJA_ANALYSIS_PER_MINUTE`).
    pub analysis: Arc<Limiter<uuid::Uuid>>,
    /// What the server counts, served on `EKINERJA_METRICS_BIND`.
    pub metrics: Arc<Metrics>,
    /// Sends the webhook deliveries of the outbox (its thread stops with the last handle).
    pub deliverer: Arc<crate::deliverer::Deliverer>,
    /// Where evidence files are kept.
    pub files: Arc<ekinerja_persistence::evidence::FileStore>,
    /// Runs the jobs stored by requests answered 202 (its thread stops with the last handle).
    pub jobs: Arc<crate::jobs::Jobs>,
    /// The streaming replica serving reports (`EKINERJA_READ_DATABASE_URL`), if there is one.
    pub replica: Option<Replica>,
}

/// A PostgreSQL streaming replica, and how long a report waits for it to catch up.
#[derive(Clone)]
pub struct Replica {
    /// Its own pool, as large as the primary's.
    pub pool: Pool,
    /// See [`Settings::read_replica_wait`].
    pub wait: std::time::Duration,
}

impl AppState {
    /// State over an open pool, with the system clock.
    pub fn new(pool: Pool, settings: Settings) -> std::io::Result<Self> {
        let tokens = Tokens::new(&settings);
        let writers = match ekinerja_persistence::Engine::of_url(&settings.database_url) {
            ekinerja_persistence::Engine::Sqlite => 1,
            ekinerja_persistence::Engine::Postgres => usize::try_from(settings.pool_size).unwrap_or(4).max(1),
        };
        let metrics = Arc::new(Metrics::new().map_err(std::io::Error::other)?);
        let logs = Arc::new(LogWriter::start(pool.clone(), writers, metrics.clone())?);
        let analysis_per_minute = settings.analysis_per_minute;
        let deliverer = Arc::new(crate::deliverer::Deliverer::start(
            pool.clone(),
            settings.webhook_poll,
            settings.webhook_retry_base,
            settings.webhook_private_networks.clone(),
            settings.overdue_scan,
        )?);
        let files = Arc::new(files_of(&settings)?);
        let jobs = Arc::new(crate::jobs::Jobs::start(pool.clone(), settings.job_poll)?);
        let replica = match &settings.read_database_url {
            Some(url) => Some(Replica {
                pool: ekinerja_persistence::db::connect_replica(url, settings.pool_size)
                    .map_err(std::io::Error::other)?,
                wait: settings.read_replica_wait,
            }),
            None => None,
        };
        Ok(AppState {
            files,
            pool,
            settings,
            tokens,
            throttle: LoginThrottle::default(),
            clock: Arc::new(Utc::now),
            logs,
            machines: Arc::new(AddressLimiter::default()),
            sessions: Arc::new(Sessions::default()),
            hashing: Arc::new(HashGate::default()),
            analysis: Arc::new(Limiter::new(chrono::Duration::minutes(1), analysis_per_minute, 100_000)),
            metrics,
            deliverer,
            jobs,
            replica,
        })
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// The evidence file store the settings name: a bucket, or else the files directory.
pub fn files_of(settings: &Settings) -> std::io::Result<ekinerja_persistence::evidence::FileStore> {
    use ekinerja_persistence::evidence::FileStore;
    match &settings.files_s3_bucket {
        Some(bucket) => FileStore::bucket(bucket).map_err(std::io::Error::other),
        None => Ok(FileStore::local(settings.files_dir.clone())),
    }
}

/// Runs blocking database work on actix's blocking pool, never on the executor threads.
pub async fn db<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
{
    let pool = state.pool.clone();
    let waiting = state.metrics.pool_waiting.clone();
    web::block(move || {
        let mut conn = checkout(&pool, &waiting)?;
        f(&mut conn)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
    .map_err(ApiError::from)
}

/// Runs a read-only report (analysis, exports) on the read replica when one is set and has
/// replayed everything the primary had committed when the report began, so that it never
/// misses a write acknowledged before it, the caller's own included; otherwise, and whenever
/// the replica is down or lags longer than its wait, on the primary. A report the replica gives
/// up part way (a hot standby cancels a query whose rows its replay must remove, or its
/// connection goes) is run again on the primary, so the caller never sees the replica's trouble.
/// `f` must not write: a replica refuses writes.
pub async fn report<T, F>(state: &web::Data<AppState>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: Fn(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
{
    if state.replica.is_none() {
        state.metrics.report_served_by("primary");
        return db(state, f).await;
    }
    let state = state.clone();
    web::block(move || {
        let waiting = &state.metrics.pool_waiting;
        let up_to_date = {
            let mut primary = checkout(&state.pool, waiting)?;
            ekinerja_persistence::db::wal_end(&mut primary)?
        };
        let on_replica = match (&state.replica, up_to_date) {
            (Some(replica), Some(lsn)) => caught_up(replica, &lsn),
            _ => None,
        };
        match on_replica {
            Some(mut conn) => match f(&mut conn) {
                Err(e) if e.is_standby_trouble() => {
                    log::warn!("the read replica gave a report up ({e}); the primary serves it");
                    drop(conn);
                    state.metrics.report_served_by("primary");
                    let mut conn = checkout(&state.pool, waiting)?;
                    f(&mut conn)
                }
                done => {
                    state.metrics.report_served_by("replica");
                    done
                }
            },
            None => {
                state.metrics.report_served_by("primary");
                let mut conn = checkout(&state.pool, waiting)?;
                f(&mut conn)
            }
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
    .map_err(ApiError::from)
}

/// A replica connection once the replica has replayed the primary's log up to `lsn`, waiting
/// at most the replica's wait; `None` when it lags longer or cannot be reached.
fn caught_up(replica: &Replica, lsn: &str) -> Option<ekinerja_persistence::db::PooledConnection> {
    let deadline = std::time::Instant::now() + replica.wait;
    let mut conn = match replica.pool.checkout(replica.wait) {
        Ok(conn) => conn,
        Err(e) => {
            log::warn!("read replica unavailable, the primary serves the report: {e}");
            return None;
        }
    };
    let mut pause = std::time::Duration::from_millis(1);
    loop {
        match ekinerja_persistence::db::replica_has(&mut conn, lsn) {
            Ok(true) => return Some(conn),
            Ok(false) if std::time::Instant::now() + pause < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_millis(20));
            }
            Ok(false) => {
                log::info!("read replica behind {lsn} after {:?}, the primary serves the report", replica.wait);
                return None;
            }
            Err(e) => {
                log::warn!("read replica failed, the primary serves the report: {e}");
                return None;
            }
        }
    }
}

/// A pooled connection, counted in `waiting` while it is waited for.
pub(crate) fn checkout(
    pool: &Pool,
    waiting: &prometheus::IntGauge,
) -> Result<ekinerja_persistence::db::PooledConnection, StoreError> {
    waiting.inc();
    let conn = pool.checkout(ekinerja_persistence::db::CHECKOUT_WAIT);
    waiting.dec();
    conn
}
