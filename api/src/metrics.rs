//! What the server counts, for Prometheus: requests by route template, method and status with
//! their latency; the database pool in use and waited for; the daily-log writer's queue and
//! groups; attendance events stored by source; logins failed and slowed.
//!
//! Each application state has its own registry (tests run several side by side), served in the
//! text exposition format by [`metrics_app`] on `EKINERJA_METRICS_BIND`, an address of its own:
//! the API address never serves it, so it is not public by accident.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpMessage, HttpResponse};
use ekinerja_domain::attendance::EventSource;
use ekinerja_persistence::attendance::Outcome;
use ekinerja_persistence::Pool;
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::state::AppState;

/// The checks of a password that count failures and slow guessing down.
const PASSWORD_CHECKS: [&str; 2] = ["login", "password_change"];

/// The series of one server process.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    /// Requests waiting for a pooled connection now.
    pub pool_waiting: IntGauge,
    /// Daily logs queued for the writer now.
    pub log_queue: IntGauge,
    /// Logs per transaction of the daily-log writer.
    pub log_group: Histogram,
    attendance: IntCounterVec,
    logins_failed: IntCounterVec,
    logins_slowed: IntCounterVec,
    reports: IntCounterVec,
}

impl Metrics {
    /// Fresh series, every one registered (an error only if a definition here is malformed).
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new_custom(Some("ekinerja".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered, by route template, method and status"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request, by route template, method and status",
            )
            .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["route", "method", "status"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database connections of the pool, by state (in_use, idle)"),
            &["state"],
        )?;
        let pool_waiting = IntGauge::new("db_pool_waiting", "Database work waiting for a pooled connection")?;
        let log_queue = IntGauge::new("daily_log_queue", "Daily logs queued for the writer, not yet taken")?;
        let log_group = Histogram::with_opts(
            HistogramOpts::new("daily_log_group_size", "Daily logs recorded per writer transaction")
                .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        )?;
        let attendance = IntCounterVec::new(
            Opts::new("attendance_events_stored_total", "Attendance events stored, by source (push, machine, import)"),
            &["source"],
        )?;
        let logins_failed = IntCounterVec::new(
            Opts::new("logins_failed_total", "Wrong passwords, by check (login, password_change)"),
            &["check"],
        )?;
        let logins_slowed = IntCounterVec::new(
            Opts::new(
                "logins_slowed_total",
                "Password checks answered 429, by check and reason (throttle: too many failures; flood: too many at \
                 once)",
            ),
            &["check", "reason"],
        )?;
        let reports = IntCounterVec::new(
            Opts::new(
                "report_reads_total",
                "Read-only reports (analysis, exports), by the database that served them (replica, primary)",
            ),
            &["served_by"],
        )?;
        let metrics = Metrics {
            registry,
            requests,
            latency,
            pool,
            pool_waiting,
            log_queue,
            log_group,
            attendance,
            logins_failed,
            logins_slowed,
            reports,
        };
        for collector in metrics.collectors() {
            metrics.registry.register(collector)?;
        }
        // Every known label set starts at 0, so that a dashboard sees "none yet" rather than no
        // series at all.
        for source in EventSource::ALL {
            metrics.attendance.with_label_values(&[source.as_str()]);
        }
        for served_by in ["replica", "primary"] {
            metrics.reports.with_label_values(&[served_by]);
        }
        for check in PASSWORD_CHECKS {
            metrics.logins_failed.with_label_values(&[check]);
            for reason in ["throttle", "flood"] {
                metrics.logins_slowed.with_label_values(&[check, reason]);
            }
        }
        Ok(metrics)
    }

    fn collectors(&self) -> Vec<Box<dyn prometheus::core::Collector>> {
        vec![
            Box::new(self.requests.clone()),
            Box::new(self.latency.clone()),
            Box::new(self.pool.clone()),
            Box::new(self.pool_waiting.clone()),
            Box::new(self.log_queue.clone()),
            Box::new(self.log_group.clone()),
            Box::new(self.attendance.clone()),
            Box::new(self.logins_failed.clone()),
            Box::new(self.logins_slowed.clone()),
            Box::new(self.reports.clone()),
        ]
    }

    /// Counts the events a batch stored now (not those found stored before, nor the refused).
    pub fn stored(&self, source: EventSource, outcomes: &[Outcome]) {
        let created = outcomes.iter().filter(|o| matches!(o, Outcome::Created(_))).count();
        self.attendance.with_label_values(&[source.as_str()]).inc_by(u64::try_from(created).unwrap_or(0));
    }

    /// A report served by `served_by` (`replica`, `primary`).
    pub fn report_served_by(&self, served_by: &str) {
        self.reports.with_label_values(&[served_by]).inc();
    }

    /// Reports served so far by `served_by` (`replica`, `primary`).
    pub fn reports_served_by(&self, served_by: &str) -> u64 {
        self.reports.with_label_values(&[served_by]).get()
    }

    /// A wrong password in `check` (`login`, `password_change`).
    pub fn login_failed(&self, check: &str) {
        self.logins_failed.with_label_values(&[check]).inc();
    }

    /// A password check answered 429 for `reason` (`throttle`, `flood`).
    pub fn login_slowed(&self, check: &str, reason: &str) {
        self.logins_slowed.with_label_values(&[check, reason]).inc();
    }

    /// The exposition text, with the pool's state as of now.
    pub fn render(&self, pool: &Pool) -> String {
        let state = pool.state();
        let idle = i64::from(state.idle_connections);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool.with_label_values(&["in_use"]).set(i64::from(state.connections) - idle);
        let mut out = Vec::new();
        match TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            Err(e) => format!("# the metrics could not be encoded: {e}\n"),
        }
    }
}

/// The signed-in account of a request, noted by the authentication extractor for the access
/// log.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn(pub uuid::Uuid);

/// Middleware: times every request, counts it under its route template (`unmatched` when no
/// route took it, so that scanned paths do not make new series), and writes the access-log line
/// with structured fields.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let began = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().as_str().to_owned();
    let res = next.call(req).await?;
    let elapsed = began.elapsed();
    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    if let Some(state) = &state {
        let status = status.to_string();
        let labels = [route.as_str(), method.as_str(), status.as_str()];
        state.metrics.requests.with_label_values(&labels).inc();
        state.metrics.latency.with_label_values(&labels).observe(elapsed.as_secs_f64());
    }
    let account = res.request().extensions().get::<SignedIn>().map(|s| s.0.to_string());
    let peer = res.request().peer_addr().map(|a| a.ip().to_string());
    let path = res.request().path().to_owned();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    log::info!(
        target: "access",
        route = route.as_str(), method = method.as_str(), path = path.as_str(), status = status,
        latency_ms = latency_ms, account_id = account.as_deref(), peer = peer.as_deref();
        "{} \"{method} {path}\" {status} {latency_ms:.1}ms", peer.as_deref().unwrap_or("-")
    );
    Ok(res)
}

/// The metrics address's application: `GET /metrics`, nothing else.
pub fn metrics_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .service(web::resource("/metrics").route(web::get().to(scrape)))
        .wrap(from_fn(crate::app::no_store))
}

async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let metrics = state.clone();
    // Reading the pool's state takes its lock: off the executor.
    match web::block(move || metrics.metrics.render(&pool)).await {
        Ok(text) => HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text),
        Err(e) => HttpResponse::InternalServerError().body(format!("the metrics could not be read: {e}")),
    }
}
