//! Configuration, read once from the environment at start-up. Nothing else reads the
//! environment.

use std::time::Duration;

use ekinerja_domain::network::Networks;

/// Where the server runs and how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`: `postgres://…` or an SQLite file (`sqlite://ekinerja.db`, the default).
    pub database_url: String,
    /// `EKINERJA_BIND`: listen address, default `127.0.0.1:8080`.
    pub bind: String,
    /// `EKINERJA_JWT_SECRET`: HMAC key for access tokens. Required in production.
    pub jwt_secret: String,
    /// `EKINERJA_ENV=production` turns laptop defaults into start-up errors.
    pub production: bool,
    /// `EKINERJA_DB_POOL_SIZE`: connections in the pool (default 8).
    pub pool_size: u32,
    /// Access-token lifetime (`EKINERJA_ACCESS_TOKEN_MINUTES`, default 15).
    pub access_token_ttl: Duration,
    /// Refresh-token lifetime (`EKINERJA_REFRESH_TOKEN_DAYS`, default 30).
    pub refresh_token_ttl: Duration,
    /// The longest a sign-in lasts from its login, however often it refreshes
    /// (`EKINERJA_SESSION_MAX_DAYS`, default 90, a policy).
    pub session_max: Duration,
    /// Largest accepted request body in bytes (`EKINERJA_MAX_BODY_BYTES`, default 2 MiB).
    pub max_body_bytes: usize,
    /// Whether `serve` loads the demo regency into an empty database (`EKINERJA_SEED_DEMO=1`).
    pub seed_demo_if_empty: bool,
    /// `EKINERJA_TRUSTED_PROXIES`: comma-separated addresses or CIDR networks of the reverse
    /// proxies in front of the server. Only a request from one of them has its `X-Forwarded-For`
    /// believed; by default none is, and the client is the connection's peer.
    pub trusted_proxies: Networks,
    /// `EKINERJA_ANALYSIS_PER_MINUTE`: requests one account may make to the analysis endpoints
    /// (workload, maturity, dashboards, comparison, monitoring) a minute (default 60, a policy).
    pub analysis_per_minute: u32,
    /// `EKINERJA_METRICS_BIND`: the address serving `GET /metrics` (Prometheus), never the API's
    /// own; off when unset.
    pub metrics_bind: Option<String>,
    /// `EKINERJA_LOG_FORMAT`: `text` (the default) or `json`, one object a line.
    pub log_format: LogFormat,
    /// `EKINERJA_WEBHOOK_POLL_MS`: how often the deliverer looks for webhook deliveries that are
    /// due (default 1000).
    pub webhook_poll: Duration,
    /// `EKINERJA_WEBHOOK_RETRY_BASE_MS`: the unit of the retry backoff (default 10000: retries
    /// after 10 s, 1 min, 5 min, 30 min, 2 h, 6 h and 12 h).
    pub webhook_retry_base: Duration,
    /// `EKINERJA_WEBHOOK_PRIVATE_NETWORKS`: comma-separated addresses or CIDRs of private networks
    /// webhook subscribers may be in (a gateway inside the regency's network); every other
    /// private, loopback or link-local address is refused (default none).
    pub webhook_private_networks: Networks,
    /// `EKINERJA_OVERDUE_SCAN_SECONDS`: how often tasks waiting past the escalation policy are
    /// looked for, to tell `task_overdue` subscribers (default 300).
    pub overdue_scan: Duration,
    /// `EKINERJA_FILES_DIR`: where evidence files are stored, one directory per agency (default
    /// `ekinerja-files`, beside the default SQLite database). Back it up with the database.
    pub files_dir: std::path::PathBuf,
    /// `EKINERJA_FILES_S3_BUCKET`: keep evidence files in this bucket of S3-compatible object
    /// storage instead of `EKINERJA_FILES_DIR`, reached as the standard `AWS_*` variables say
    /// (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_ALLOW_HTTP`).
    pub files_s3_bucket: Option<String>,
    /// `EKINERJA_READ_DATABASE_URL`: a PostgreSQL streaming replica of `DATABASE_URL` serving the
    /// read-only analysis and export endpoints; unset, the primary serves them.
    pub read_database_url: Option<String>,
    /// `EKINERJA_READ_REPLICA_WAIT_MS`: how long a report waits for the replica to replay what the
    /// primary had committed when the report began, before the primary serves it (default 500).
    pub read_replica_wait: Duration,
    /// `EKINERJA_JOB_POLL_MS`: how often the job worker looks for jobs stored by other server
    /// processes or left by one that stopped (default 1000); a job stored here starts at once.
    pub job_poll: Duration,
    /// Lines of an allowance run read back and written out per step of an answer holding all of
    /// them (1000). Not read from the environment: tests make it small to cross its steps.
    pub run_lines_per_step: usize,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line: time, level, target, request id, message.
    Text,
    /// One JSON object a line, for Loki or ELK.
    Json,
}

/// `iss` of every access token.
pub const JWT_ISSUER: &str = "ekinerja";
/// `aud` of every access token.
pub const JWT_AUDIENCE: &str = "ekinerja-api";

/// The laptop default secret: fine on 127.0.0.1, refused in production.
const DEV_SECRET: &str = "ekinerja-development-secret-do-not-use-in-production";

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct SettingsError {
    name: &'static str,
    reason: String,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the settings through `get` (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let production = get("EKINERJA_ENV").is_some_and(|v| v.eq_ignore_ascii_case("production"));
        let jwt_secret = match get("EKINERJA_JWT_SECRET").filter(|s| !s.is_empty()) {
            Some(s) if s.len() < 32 => {
                return Err(SettingsError { name: "EKINERJA_JWT_SECRET", reason: "must be at least 32 bytes".into() })
            }
            Some(s) => s,
            None if production => {
                return Err(SettingsError {
                    name: "EKINERJA_JWT_SECRET",
                    reason: "is required when EKINERJA_ENV=production".into(),
                })
            }
            None => DEV_SECRET.to_owned(),
        };
        let number = |name: &'static str, default: u64| -> Result<u64, SettingsError> {
            // Every setting is bounded, so that arithmetic on it (seconds from days) never
            // overflows; the bound is far above any sensible value.
            const MAX: u64 = 1_000_000_000;
            match get(name) {
                None => Ok(default),
                Some(v) => v.parse::<u64>().ok().filter(|n| *n > 0 && *n <= MAX).ok_or(SettingsError {
                    name,
                    reason: format!("must be a whole number from 1 to {MAX}, got {v:?}"),
                }),
            }
        };
        let days = |name: &'static str, default: u64| -> Result<u64, SettingsError> {
            let n = number(name, default)?;
            if n > 3_650 {
                return Err(SettingsError { name, reason: format!("must be at most 3650 days, got {n}") });
            }
            Ok(n)
        };
        let bind = get("EKINERJA_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if jwt_secret == DEV_SECRET && !loopback(&bind) {
            return Err(SettingsError {
                name: "EKINERJA_BIND",
                reason: format!(
                    "{bind} is reachable from other machines, and EKINERJA_JWT_SECRET is not set: with the development \
                     secret anyone can sign tokens; set a secret of at least 32 random bytes, or bind to 127.0.0.1"
                ),
            });
        }
        let seed_demo_if_empty = get("EKINERJA_SEED_DEMO").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        if seed_demo_if_empty && production {
            return Err(SettingsError {
                name: "EKINERJA_SEED_DEMO",
                reason: "loads demo accounts with a published password; it is refused when EKINERJA_ENV=production"
                    .into(),
            });
        }
        let metrics_bind = get("EKINERJA_METRICS_BIND").filter(|m| !m.is_empty());
        if metrics_bind.as_deref().is_some_and(|m| same_address(m, &bind)) {
            return Err(SettingsError {
                name: "EKINERJA_METRICS_BIND",
                reason: format!("{bind} is the API's address; metrics are served on an address of their own"),
            });
        }
        let log_format = match get("EKINERJA_LOG_FORMAT").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(SettingsError {
                    name: "EKINERJA_LOG_FORMAT",
                    reason: format!("must be text or json, got {other:?}"),
                })
            }
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://ekinerja.db".into());
        let read_database_url = get("EKINERJA_READ_DATABASE_URL").filter(|u| !u.is_empty());
        if let Some(read) = &read_database_url {
            let postgres =
                |url: &str| ekinerja_persistence::Engine::of_url(url) == ekinerja_persistence::Engine::Postgres;
            if !postgres(read) || !postgres(&database_url) {
                return Err(SettingsError {
                    name: "EKINERJA_READ_DATABASE_URL",
                    reason: "names a PostgreSQL streaming replica, and DATABASE_URL its PostgreSQL primary".into(),
                });
            }
            if read == &database_url {
                return Err(SettingsError {
                    name: "EKINERJA_READ_DATABASE_URL",
                    reason: "is DATABASE_URL itself; name the replica, or leave it unset".into(),
                });
            }
        }
        let trusted_proxies = Networks::parse_joined(&get("EKINERJA_TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|e| SettingsError { name: "EKINERJA_TRUSTED_PROXIES", reason: e.to_string() })?;
        Ok(Settings {
            database_url,
            read_database_url,
            read_replica_wait: Duration::from_millis(number("EKINERJA_READ_REPLICA_WAIT_MS", 500)?),
            job_poll: Duration::from_millis(number("EKINERJA_JOB_POLL_MS", 1_000)?),
            bind,
            jwt_secret,
            production,
            pool_size: u32::try_from(number("EKINERJA_DB_POOL_SIZE", 8)?).unwrap_or(8),
            access_token_ttl: Duration::from_secs(60 * number("EKINERJA_ACCESS_TOKEN_MINUTES", 15)?),
            refresh_token_ttl: Duration::from_secs(86_400 * days("EKINERJA_REFRESH_TOKEN_DAYS", 30)?),
            session_max: Duration::from_secs(86_400 * days("EKINERJA_SESSION_MAX_DAYS", 90)?),
            max_body_bytes: usize::try_from(number("EKINERJA_MAX_BODY_BYTES", 2 * 1024 * 1024)?)
                .unwrap_or(2 * 1024 * 1024),
            seed_demo_if_empty,
            trusted_proxies,
            analysis_per_minute: u32::try_from(number("EKINERJA_ANALYSIS_PER_MINUTE", 60)?).unwrap_or(u32::MAX),
            metrics_bind,
            log_format,
            webhook_poll: Duration::from_millis(number("EKINERJA_WEBHOOK_POLL_MS", 1_000)?),
            webhook_retry_base: Duration::from_millis(number("EKINERJA_WEBHOOK_RETRY_BASE_MS", 10_000)?),
            webhook_private_networks: Networks::parse_joined(
                &get("EKINERJA_WEBHOOK_PRIVATE_NETWORKS").unwrap_or_default(),
            )
            .map_err(|e| SettingsError { name: "EKINERJA_WEBHOOK_PRIVATE_NETWORKS", reason: e.to_string() })?,
            overdue_scan: Duration::from_secs(number("EKINERJA_OVERDUE_SCAN_SECONDS", 300)?.max(1)),
            files_s3_bucket: get("EKINERJA_FILES_S3_BUCKET").filter(|b| !b.is_empty()),
            files_dir: get("EKINERJA_FILES_DIR")
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "ekinerja-files".into())
                .into(),
            run_lines_per_step: ekinerja_persistence::allowance_run::LINES_PER_STEP,
        })
    }
}

/// Whether two listen addresses take the same port on a shared host (a wildcard host shares it
/// with every other).
fn same_address(a: &str, b: &str) -> bool {
    let split = |s: &str| -> (String, String) {
        match s.rsplit_once(':') {
            Some((host, port)) => {
                (host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase(), port.into())
            }
            None => (s.to_ascii_lowercase(), String::new()),
        }
    };
    let ((host_a, port_a), (host_b, port_b)) = (split(a), split(b));
    let wildcard = |h: &str| matches!(h, "0.0.0.0" | "::" | "");
    port_a == port_b && (host_a == host_b || wildcard(&host_a) || wildcard(&host_b))
}

/// Whether a listen address only accepts connections from this machine: a loopback address or
/// `localhost`, with a port.
fn loopback(bind: &str) -> bool {
    let host = match bind.rsplit_once(':') {
        Some((host, _port)) => host.trim_start_matches('[').trim_end_matches(']'),
        None => bind,
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn laptop_defaults() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://ekinerja.db");
        assert!(!s.production);
    }

    #[test]
    fn production_needs_a_real_secret() {
        assert!(settings(&[("EKINERJA_ENV", "production")]).is_err());
        assert!(settings(&[("EKINERJA_ENV", "production"), ("EKINERJA_JWT_SECRET", "short")]).is_err());
        let s = settings(&[("EKINERJA_ENV", "production"), ("EKINERJA_JWT_SECRET", &"k".repeat(32))]).unwrap();
        assert!(s.production);
    }

    #[test]
    fn the_development_secret_never_leaves_this_machine() {
        assert!(settings(&[("EKINERJA_BIND", "127.0.0.1:9000")]).is_ok());
        assert!(settings(&[("EKINERJA_BIND", "[::1]:9000")]).is_ok());
        assert!(settings(&[("EKINERJA_BIND", "localhost:9000")]).is_ok());
        let err = settings(&[("EKINERJA_BIND", "0.0.0.0:8080")]).unwrap_err();
        assert_eq!(err.name, "EKINERJA_BIND");
        assert!(settings(&[("EKINERJA_BIND", "10.1.2.3:8080")]).is_err());
        assert!(settings(&[("EKINERJA_BIND", "0.0.0.0:8080"), ("EKINERJA_JWT_SECRET", &"k".repeat(32))]).is_ok());
    }

    #[test]
    fn a_read_replica_is_a_postgres_replica_of_a_postgres_primary() {
        let primary = "postgres://app@db1/ekinerja";
        let replica = "postgres://app@db2/ekinerja";
        let s = settings(&[("DATABASE_URL", primary), ("EKINERJA_READ_DATABASE_URL", replica)]).unwrap();
        assert_eq!(s.read_database_url.as_deref(), Some(replica));
        assert_eq!(s.read_replica_wait, Duration::from_millis(500));
        assert_eq!(settings(&[("DATABASE_URL", primary)]).unwrap().read_database_url, None);
        for refused in [
            vec![("EKINERJA_READ_DATABASE_URL", replica)],
            vec![("DATABASE_URL", primary), ("EKINERJA_READ_DATABASE_URL", "sqlite://copy.db")],
            vec![("DATABASE_URL", primary), ("EKINERJA_READ_DATABASE_URL", primary)],
            vec![
                ("DATABASE_URL", primary),
                ("EKINERJA_READ_DATABASE_URL", replica),
                ("EKINERJA_READ_REPLICA_WAIT_MS", "0"),
            ],
        ] {
            let err = settings(&refused).unwrap_err();
            assert!(err.name.starts_with("EKINERJA_READ_"), "{refused:?}: {err:?}");
        }
    }

    #[test]
    fn no_demo_accounts_in_production() {
        let secret = "k".repeat(32);
        let err =
            settings(&[("EKINERJA_ENV", "production"), ("EKINERJA_JWT_SECRET", &secret), ("EKINERJA_SEED_DEMO", "1")])
                .unwrap_err();
        assert_eq!(err.name, "EKINERJA_SEED_DEMO");
        assert!(settings(&[("EKINERJA_SEED_DEMO", "1")]).unwrap().seed_demo_if_empty);
    }

    #[test]
    fn trusted_proxies_are_a_list_of_networks() {
        let s = settings(&[("EKINERJA_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10")]).unwrap();
        assert!(s.trusted_proxies.contains("192.0.2.10".parse().unwrap()));
        assert!(settings(&[]).unwrap().trusted_proxies.is_empty());
        assert_eq!(
            settings(&[("EKINERJA_TRUSTED_PROXIES", "proxy.local")]).unwrap_err().name,
            "EKINERJA_TRUSTED_PROXIES"
        );
    }

    #[test]
    fn metrics_have_an_address_of_their_own() {
        assert_eq!(settings(&[]).unwrap().metrics_bind, None);
        let s = settings(&[("EKINERJA_METRICS_BIND", "127.0.0.1:9100")]).unwrap();
        assert_eq!(s.metrics_bind.as_deref(), Some("127.0.0.1:9100"));
        for clash in ["127.0.0.1:8080", "0.0.0.0:8080", "[::]:8080"] {
            let err = settings(&[("EKINERJA_METRICS_BIND", clash)]).unwrap_err();
            assert_eq!(err.name, "EKINERJA_METRICS_BIND", "{clash}");
        }
    }

    #[test]
    fn the_log_format_is_text_or_json() {
        assert_eq!(settings(&[]).unwrap().log_format, LogFormat::Text);
        assert_eq!(settings(&[("EKINERJA_LOG_FORMAT", "JSON")]).unwrap().log_format, LogFormat::Json);
        assert_eq!(settings(&[("EKINERJA_LOG_FORMAT", "xml")]).unwrap_err().name, "EKINERJA_LOG_FORMAT");
    }

    #[test]
    fn bad_numbers_are_errors_not_defaults() {
        assert!(settings(&[("EKINERJA_DB_POOL_SIZE", "many")]).is_err());
        assert!(settings(&[("EKINERJA_DB_POOL_SIZE", "0")]).is_err());
        assert!(settings(&[("EKINERJA_SESSION_MAX_DAYS", "100000000000")]).is_err());
        assert!(settings(&[("EKINERJA_REFRESH_TOKEN_DAYS", "3651")]).is_err());
        assert!(settings(&[("EKINERJA_ACCESS_TOKEN_MINUTES", "18446744073709551615")]).is_err());
    }
}
