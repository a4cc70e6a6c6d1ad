//! Configuration, read once from the environment at start-up. Nothing else reads the
//! environment.

use std::time::Duration;

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
    /// Largest accepted request body in bytes (`EKINERJA_MAX_BODY_BYTES`, default 2 MiB).
    pub max_body_bytes: usize,
    /// Whether `serve` loads the demo regency into an empty database (`EKINERJA_SEED_DEMO=1`).
    pub seed_demo_if_empty: bool,
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
            match get(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(SettingsError { name, reason: format!("must be a positive whole number, got {v:?}") }),
            }
        };
        Ok(Settings {
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://ekinerja.db".into()),
            bind: get("EKINERJA_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            jwt_secret,
            production,
            pool_size: u32::try_from(number("EKINERJA_DB_POOL_SIZE", 8)?).unwrap_or(8),
            access_token_ttl: Duration::from_secs(60 * number("EKINERJA_ACCESS_TOKEN_MINUTES", 15)?),
            refresh_token_ttl: Duration::from_secs(86_400 * number("EKINERJA_REFRESH_TOKEN_DAYS", 30)?),
            max_body_bytes: usize::try_from(number("EKINERJA_MAX_BODY_BYTES", 2 * 1024 * 1024)?)
                .unwrap_or(2 * 1024 * 1024),
            seed_demo_if_empty: get("EKINERJA_SEED_DEMO").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true")),
        })
    }
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
    fn bad_numbers_are_errors_not_defaults() {
        assert!(settings(&[("EKINERJA_DB_POOL_SIZE", "many")]).is_err());
        assert!(settings(&[("EKINERJA_DB_POOL_SIZE", "0")]).is_err());
    }
}
