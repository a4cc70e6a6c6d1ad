//! Authentication: argon2id password hashes, short-lived access JWTs, opaque rotating refresh
//! tokens, login throttling, and the extractor that turns a bearer token into a [`Caller`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use argon2::password_hash::{
    rand_core::OsRng, rand_core::RngCore, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use ekinerja_domain::{AccountRole, Caller};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::ApiError;
use crate::settings::{Settings, JWT_AUDIENCE, JWT_ISSUER};
use crate::state::{db, AppState};

/// Prefix of every refresh token, so a leaked one is recognisable in logs and scanners.
pub const REFRESH_TOKEN_PREFIX: &str = "ekr_";
/// Prefix reserved for integration keys, which are never accepted as a person's token.
pub const INTEGRATION_KEY_PREFIX: &str = "eki_";

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    agency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    emp: Option<String>,
    /// The account's session generation when the token was issued (0 for tokens from before
    /// generations existed, which hold only while the account is still at 0).
    #[serde(default)]
    gen: i64,
}

/// Clock skew allowed when checking a token's expiry.
const TOKEN_LEEWAY_SECONDS: i64 = 30;

/// Signs and checks access tokens.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
}

impl Tokens {
    /// Keys from the settings. HS256 only: the API both issues and checks its tokens.
    pub fn new(settings: &Settings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[JWT_ISSUER]);
        validation.set_audience(&[JWT_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked in `verify` against the application's clock (the one every rule
        // reads), not the system clock inside the library.
        validation.validate_exp = false;
        validation.leeway = 0;
        Tokens {
            encoding: EncodingKey::from_secret(settings.jwt_secret.as_bytes()),
            decoding: DecodingKey::from_secret(settings.jwt_secret.as_bytes()),
            validation,
            access_ttl: settings.access_token_ttl,
            refresh_ttl: settings.refresh_token_ttl,
        }
    }

    /// A signed access token for `caller`, valid from `now` for the access lifetime.
    pub fn access_token(&self, caller: &Caller, generation: i64, now: DateTime<Utc>) -> Result<String, ApiError> {
        let claims = Claims {
            sub: caller.account_id.to_string(),
            iss: JWT_ISSUER.into(),
            aud: JWT_AUDIENCE.into(),
            iat: now.timestamp(),
            exp: now.timestamp() + i64::try_from(self.access_ttl.as_secs()).unwrap_or(900),
            role: caller.role.as_str().into(),
            agency: caller.agency_id.map(|a| a.to_string()),
            emp: caller.employee_id.map(|e| e.to_string()),
            gen: generation,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))
    }

    /// The caller an access token stands for at `now`; any defect, or expiry (30 seconds of clock
    /// skew allowed), is a 401.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Caller, ApiError> {
        self.verify_session(token, now).map(|(caller, _)| caller)
    }

    /// Like [`Tokens::verify`], with the session generation the token was issued in.
    pub fn verify_session(&self, token: &str, now: DateTime<Utc>) -> Result<(Caller, i64), ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| ApiError::Unauthenticated(format!("the access token is not valid ({e})")))?;
        let c = data.claims;
        if c.exp.saturating_add(TOKEN_LEEWAY_SECONDS) < now.timestamp() {
            return Err(ApiError::Unauthenticated("the access token has expired".into()));
        }
        let bad = || ApiError::Unauthenticated("the access token is not valid".into());
        let caller = Caller {
            account_id: Uuid::parse_str(&c.sub).map_err(|_| bad())?,
            agency_id: c.agency.map(|a| Uuid::parse_str(&a)).transpose().map_err(|_| bad())?,
            role: AccountRole::parse(&c.role).ok_or_else(bad)?,
            employee_id: c.emp.map(|e| Uuid::parse_str(&e)).transpose().map_err(|_| bad())?,
        };
        Ok((caller, c.gen))
    }
}

/// A new random refresh token (256 bits) and its stored hash.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = format!("{REFRESH_TOKEN_PREFIX}{}", hex(&bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of an opaque token: its SHA-256, hex. Tokens are random, so no salt is needed.
pub fn token_hash(token: &str) -> String {
    token_hash_bytes(token.as_bytes())
}

/// Hex SHA-256 of bytes (tokens, request bodies).
pub fn token_hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest accepted password (hashing cost grows with length).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks a new password against the policy.
pub fn check_new_password(password: &str, login_names: &[&str]) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!("must be at least {MIN_PASSWORD_CHARS} characters"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!("must be at most {MAX_PASSWORD_CHARS} characters"));
    }
    if login_names.iter().any(|l| !l.is_empty() && password.to_lowercase().contains(&l.to_lowercase())) {
        return Err("must not contain the login name or NIP".into());
    }
    if common_password(password) {
        return Err("is one of the most common passwords, which are tried first; choose another".into());
    }
    Ok(())
}

/// The embedded list of common passwords, lower-cased.
fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static LIST: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether a password is common: on the list (ignoring case), or one character repeated (as sent,
/// or lower-cased: `İ` lower-cases to two characters). The contract's `not` pattern for it,
/// `^(.)\1*(?![\s\S])`, refuses a subset of these.
fn common_password(password: &str) -> bool {
    let repeated = |s: &str| {
        let mut chars = s.chars();
        let first = chars.next();
        chars.all(|c| Some(c) == first)
    };
    let lower = password.to_lowercase();
    common_passwords().contains(lower.as_str()) || repeated(password) || repeated(&lower)
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes). CPU-heavy: call it
/// off the async executor.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing a password: {e}")))
}

/// A hash checked when the login name is unknown, so both cases cost the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// Whether `password` matches `hash` (`None`: unknown account, checked against a dummy).
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let target: &str = match hash {
        Some(h) => h,
        None => dummy_hash(),
    };
    let Ok(parsed) = PasswordHash::new(target) else { return false };
    let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
    ok && hash.is_some()
}

/// Login throttling against password guessing, keyed by login name *and* client address: one
/// office behind one NAT address is not locked out because a colleague mistyped, and a guesser
/// cannot lock out a user from everywhere. From one address, each failure past the first few
/// doubles the wait before the next attempt; a second, looser limit per login name alone stops
/// a guesser who rotates addresses. The failures live in the database
/// (`ekinerja_persistence::login_failure`, which takes each attempt atomically), so every server
/// process behind it counts them alike; this is the policy that reads them.
pub struct LoginThrottle {
    /// How long a failure counts.
    pub window: chrono::Duration,
    /// Failures of one login from one address before waits begin.
    per_login_and_address: usize,
    /// The first wait; each further failure doubles it, up to the window.
    first_delay: chrono::Duration,
    /// Failures of one login from anywhere before it waits out the window.
    per_login: usize,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            window: chrono::Duration::minutes(15),
            per_login_and_address: 5,
            first_delay: chrono::Duration::seconds(30),
            per_login: 50,
        }
    }
}

/// The two throttle keys of an attempt: `[login and address, login alone]`, each a SHA-256 in
/// hex, so that neither login names nor addresses are stored.
pub fn throttle_keys(login: &str, address: &str) -> [String; 2] {
    let login = login.trim().to_lowercase();
    let hash = |s: String| token_hash_bytes(s.as_bytes());
    [hash(format!("pair|{login}|{address}")), hash(format!("login|{login}"))]
}

impl LoginThrottle {
    /// `Some(seconds)` to wait when the failures recorded under `keys` (as `(key, when)`, the
    /// window's only) reach a limit at `now`.
    pub fn wait(
        &self,
        keys: &[String; 2],
        failures: &[(String, chrono::NaiveDateTime)],
        now: chrono::NaiveDateTime,
    ) -> Option<u64> {
        let times = |key: &String| -> Vec<chrono::NaiveDateTime> {
            let mut t: Vec<_> =
                failures.iter().filter(|(k, t)| k == key && now - *t < self.window).map(|(_, t)| *t).collect();
            t.sort();
            t
        };
        let seconds = |d: chrono::Duration| u64::try_from(d.num_seconds()).unwrap_or(0) + 1;
        let mut wait = None::<u64>;
        // From this address: a growing delay after the latest failure.
        let pair = times(&keys[0]);
        if pair.len() >= self.per_login_and_address {
            let doublings = u32::try_from(pair.len() - self.per_login_and_address).unwrap_or(u32::MAX).min(16);
            let delay = (self.first_delay * 2i32.pow(doublings)).min(self.window);
            if let Some(latest) = pair.last() {
                let left = delay - (now - *latest);
                if left > chrono::Duration::zero() {
                    wait = Some(seconds(left));
                }
            }
        }
        // From anywhere: the window must pass its oldest failure.
        let login = times(&keys[1]);
        if login.len() >= self.per_login {
            if let Some(oldest) = login.first() {
                let left = self.window - (now - *oldest);
                if left > chrono::Duration::zero() {
                    wait = Some(wait.unwrap_or(0).max(seconds(left)));
                }
            }
        }
        wait
    }
}

/// Password hashing runs at most this many at once (one per core), with a short queue behind:
/// a flood of sign-ins is answered 429 at once instead of piling up on the blocking threads and
/// holding database connections while it waits.
pub struct HashGate {
    running: std::sync::Arc<tokio::sync::Semaphore>,
    queued: std::sync::atomic::AtomicUsize,
    max_queued: usize,
    max_wait: Duration,
}

impl Default for HashGate {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        HashGate::new(cores, cores * 8, Duration::from_secs(2))
    }
}

impl HashGate {
    /// `running` hashes at once, `max_queued` waiting at most `max_wait` each.
    pub fn new(running: usize, max_queued: usize, max_wait: Duration) -> Self {
        HashGate {
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(running.max(1))),
            queued: std::sync::atomic::AtomicUsize::new(0),
            max_queued,
            max_wait,
        }
    }

    /// A turn to hash, or `None` when the queue is full or the wait too long.
    pub async fn enter(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        use std::sync::atomic::Ordering;
        if let Ok(permit) = self.running.clone().try_acquire_owned() {
            return Some(permit);
        }
        // Leaves the queue however the wait ends, a dropped request (the client went away)
        // included, so the count can never drift up and shut sign-in for good.
        struct InQueue<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for InQueue<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let before = self.queued.fetch_add(1, Ordering::AcqRel);
        let _in_queue = InQueue(&self.queued);
        if before >= self.max_queued {
            return None;
        }
        let permit = tokio::time::timeout(self.max_wait, self.running.clone().acquire_owned()).await;
        permit.ok().and_then(Result::ok)
    }

    /// How many wait for a turn now.
    pub fn queued(&self) -> usize {
        self.queued.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// The authenticated caller of a request, from `Authorization: Bearer <access JWT>`.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = authenticate(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let (caller, generation) = verified?;
            let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let (current, live) = state.sessions.current(&state, caller.account_id).await?;
            if generation != current || !live {
                return Err(ApiError::Unauthenticated(
                    "this sign-in has ended (signed out, password changed, or the account deactivated); sign in again"
                        .into(),
                ));
            }
            actix_web::HttpMessage::extensions_mut(&req).insert(crate::metrics::SignedIn(caller.account_id));
            Ok(Authenticated(caller))
        })
    }
}

/// The caller a request's bearer token names, with the session generation it was issued in
/// (the signature and expiry checked; not yet the generation).
pub(crate) fn authenticate(req: &HttpRequest) -> Result<(Caller, i64), ApiError> {
    let state =
        req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("an Authorization: Bearer token is required".into()))?
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is not valid".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::Unauthenticated("the Authorization header must use the Bearer scheme".into()))?
        .trim();
    if token.starts_with(INTEGRATION_KEY_PREFIX) {
        return Err(ApiError::Unauthenticated("an integration key is not accepted where a person signs in".into()));
    }
    state.tokens.verify_session(token, state.now())
}

/// The session generation of each account, as the database last said, kept a short while so
/// that checking every request's token costs a map lookup. A process that ends a sign-in
/// forgets the account at once; another server process learns it within `ttl`.
pub struct Sessions {
    ttl: Duration,
    max_tracked: usize,
    seen: Mutex<HashMap<Uuid, SessionState>>,
}

/// An account's generation, whether it may act, and when that was read.
type SessionState = (i64, bool, Instant);

impl Default for Sessions {
    fn default() -> Self {
        Sessions { ttl: Duration::from_secs(2), max_tracked: 100_000, seen: Mutex::new(HashMap::new()) }
    }
}

impl Sessions {
    /// The account's current generation and whether it may act.
    pub async fn current(&self, state: &web::Data<AppState>, account: Uuid) -> Result<(i64, bool), ApiError> {
        {
            let seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((generation, live, at)) = seen.get(&account) {
                if at.elapsed() < self.ttl {
                    return Ok((*generation, *live));
                }
            }
        }
        let read = db(state, move |conn| ekinerja_persistence::account::session(conn, account)).await?;
        let (generation, live) = read.unwrap_or((-1, false));
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= self.max_tracked {
            let ttl = self.ttl;
            seen.retain(|_, (_, _, at)| at.elapsed() < ttl);
            if seen.len() >= self.max_tracked {
                seen.clear();
            }
        }
        seen.insert(account, (generation, live, Instant::now()));
        Ok((generation, live))
    }

    /// Forgets every account (after this process ended the sign-ins of accounts it cannot name
    /// cheaply, such as an employee's on leaving service).
    pub fn forget_all(&self) {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// Forgets what is known of an account (after this process ended its sign-ins).
    pub fn forget(&self, account: Uuid) {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_character_repeated_is_common_as_sent_or_lower_cased() {
        for common in ["zzzzzzzzzz", "ZzZzZzZzZz", "İİİİİİİİİİ", "ΣΣΣΣΣΣΣΣΣΣ", "password123"] {
            assert!(common_password(common), "{common}");
        }
        assert!(!common_password("Kopi Tubruk Pagi Hari"));
    }

    #[test]
    fn throttle_is_keyed_by_login_and_address() {
        let t = LoginThrottle::default();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let keys = throttle_keys("198204032004011644", "10.0.0.1");
        let failures: Vec<(String, chrono::NaiveDateTime)> =
            (0..5).flat_map(|_| keys.iter().map(|k| (k.clone(), now))).collect();
        assert_eq!(t.wait(&keys, &failures, now), Some(31));
        // A colleague behind the same address, and the same user elsewhere, are not locked out.
        assert_eq!(t.wait(&throttle_keys("198701302012042307", "10.0.0.1"), &failures, now), None);
        assert_eq!(t.wait(&throttle_keys(" 198204032004011644 ", "10.0.0.2"), &failures, now), None);
        // The wait passes.
        assert_eq!(t.wait(&keys, &failures, now + chrono::Duration::seconds(31)), None);
        // Fifty failures of one login from many addresses stop it everywhere.
        let spread: Vec<(String, chrono::NaiveDateTime)> =
            (0..50).map(|i| (throttle_keys("198204032004011644", &format!("10.9.0.{i}"))[1].clone(), now)).collect();
        assert!(t.wait(&throttle_keys("198204032004011644", "10.0.0.3"), &spread, now).is_some());
    }

    #[test]
    fn password_policy() {
        assert!(check_new_password("short", &[]).is_err());
        assert!(check_new_password("a-long-passphrase", &[]).is_ok());
        assert!(check_new_password("x198204032004011644x", &["198204032004011644"]).is_err());
        assert!(check_new_password(&"x".repeat(129), &[]).is_err());
        for common in ["1234567890", "Bismillah123", "QWERTYUIOP", "aaaaaaaaaaaa", "Password2026"] {
            assert!(check_new_password(common, &[]).is_err(), "{common}");
        }
        assert!(check_new_password("a-long-passphrase-of-mine", &[]).is_ok());
    }

    #[test]
    fn repeated_failures_from_one_address_wait_longer_each_time() {
        let t = LoginThrottle::default();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(9, 0, 0).unwrap();
        let keys = throttle_keys("198204032004011644", "10.0.0.1");
        let failures = |n: usize| -> Vec<(String, chrono::NaiveDateTime)> {
            (0..n).flat_map(|_| keys.iter().map(|k| (k.clone(), now))).collect()
        };
        assert_eq!(t.wait(&keys, &failures(4), now), None);
        assert_eq!(t.wait(&keys, &failures(5), now), Some(31));
        assert_eq!(t.wait(&keys, &failures(6), now), Some(61));
        assert_eq!(t.wait(&keys, &failures(7), now), Some(121));
        assert_eq!(t.wait(&keys, &failures(30), now), Some(15 * 60 + 1), "capped at the window");
        assert_eq!(t.wait(&keys, &failures(5), now + chrono::Duration::seconds(31)), None);
    }

    #[actix_web::test]
    async fn the_hash_gate_turns_a_flood_away_at_once() {
        let gate = HashGate::new(1, 1, Duration::from_millis(50));
        let held = gate.enter().await.unwrap();
        // One waits in the queue and times out; with the queue full, the next is refused at once.
        let (queued, refused) = futures_join(gate.enter(), gate.enter()).await;
        assert!(queued.is_none() && refused.is_none());
        drop(held);
        assert!(gate.enter().await.is_some());
        assert_eq!(gate.queued(), 0);
        // A request dropped while it waits (its client went away) leaves the queue too.
        let held = gate.enter().await.unwrap();
        let waiting = gate.enter();
        let dropped = tokio::time::timeout(Duration::from_millis(5), waiting).await;
        assert!(dropped.is_err(), "still waiting when dropped");
        assert_eq!(gate.queued(), 0);
        drop(held);
    }

    async fn futures_join<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
        tokio::join!(a, b)
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
        assert!(!verify_password("anything", None));
    }
}
