//! Login, token refresh, logout.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use ekinerja_domain::id::{AccountId, LoginFailureId};
use ekinerja_persistence::{account, login_failure, timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{new_refresh_token, throttle_keys, token_hash, verify_password};
use crate::error::ApiError;
use crate::extract::Json;
use crate::security;
use crate::state::{db, AppState};
use serde_json::json;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// An employee's 18-digit NIP, or an admin's username.
    #[schema(example = "198204032004011644")]
    pub login: String,
    /// The password.
    #[schema(example = "rahasia-demo-2026")]
    pub password: String,
}

/// A refresh token presented to rotate or revoke it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh (`ekr_…`).
    pub refresh_token: String,
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// Bearer token for `Authorization`, short-lived.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque, single-use token to get the next pair; reusing it signs the login out everywhere.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

/// A password check under way: counted as a failed attempt already, holding a turn to hash.
pub(crate) struct PasswordCheck {
    attempt: Vec<LoginFailureId>,
    pair: String,
    address: Option<std::net::IpAddr>,
    turn: Option<tokio::sync::OwnedSemaphorePermit>,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
}

impl PasswordCheck {
    /// Takes a turn to hash and an attempt for `login` from the request's address, or answers
    /// 429: when hashing is saturated (a flood), or when this login failed too often from here
    /// or from everywhere. `what` names the check in security events (`login`,
    /// `password_change`).
    pub(crate) async fn start(
        state: &web::Data<AppState>,
        req: &HttpRequest,
        login: &str,
        what: &'static str,
    ) -> Result<Self, ApiError> {
        let address = security::client_address(req);
        let address_text = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        let keys = throttle_keys(login, &address_text);
        let Some(turn) = state.hashing.enter().await else {
            state.metrics.login_slowed(what, "flood");
            security::event(&format!("{what}_flood"), json!({"address": address}));
            return Err(ApiError::TooManyRequests(1));
        };
        let now = timestamp(state.now());
        let since = now - state.throttle.window;
        let attempt_keys = keys.to_vec();
        let policy = state.clone();
        let policy_keys = keys.clone();
        let taken = db(state, move |conn| {
            login_failure::attempt(conn, &attempt_keys, since, now, since, |failures| {
                policy.throttle.wait(&policy_keys, failures, now)
            })
        })
        .await?;
        match taken {
            login_failure::Attempt::Wait(seconds) => {
                state.metrics.login_slowed(what, "throttle");
                security::event(
                    &format!("{what}_slowed"),
                    json!({"address": address, "login": &keys[1][..16], "retry_after": seconds}),
                );
                Err(ApiError::TooManyRequests(seconds))
            }
            login_failure::Attempt::Go(attempt) => {
                let [pair, _] = keys;
                Ok(PasswordCheck { attempt, pair, address, turn: Some(turn), metrics: state.metrics.clone() })
            }
        }
    }

    /// The turn to hash, to move into the blocking task that hashes: it is given back when the
    /// hash is done, even if the request is dropped before.
    pub(crate) fn turn(&mut self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.turn.take()
    }

    /// The password was wrong: the attempt stays counted.
    pub(crate) fn failed(&self, what: &'static str, account: Option<Uuid>) {
        self.metrics.login_failed(what);
        security::event(&format!("{what}_failed"), json!({"address": self.address, "account_id": account}));
    }

    /// The password was right: the attempt and this address's failures for the login are
    /// forgotten.
    pub(crate) async fn succeeded(self, state: &web::Data<AppState>) -> Result<(), ApiError> {
        let PasswordCheck { attempt, pair, .. } = self;
        db(state, move |conn| login_failure::succeeded(conn, &attempt, &pair)).await
    }
}

fn too_long(s: &str, max: usize) -> bool {
    s.len() > max
}

/// Signs in with NIP or username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    summary = "Sign in with NIP or username and password",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "Wrong login or password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this login from this address (each further failure doubles the wait) or from everywhere, or too many sign-ins at once; `Retry-After` says when to try again", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { login, password } = body.0;
    // A control character is in no login name; PostgreSQL cannot even compare a text with NUL.
    if too_long(&login, 200) || too_long(&password, 1024) || login.trim().chars().any(char::is_control) {
        return Err(ApiError::Unauthenticated("wrong login or password".into()));
    }
    let mut check = PasswordCheck::start(&state, &req, &login, "login").await?;
    let lookup = login.clone();
    let account = db(&state, move |conn| account::find_for_login(conn, &lookup)).await?;
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let turn = check.turn();
    let ok = web::block(move || {
        let _turn = turn;
        verify_password(&password, hash.as_deref())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let account = match account {
        Some(a) if ok && a.active => a,
        other => {
            check.failed("login", other.map(|a| a.id.uuid()));
            return Err(ApiError::Unauthenticated("wrong login or password".into()));
        }
    };
    check.succeeded(&state).await?;
    let caller = account.caller().ok_or_else(|| ApiError::Internal("stored account is malformed".into()))?;
    let now = state.now();
    let access = state.tokens.access_token(&caller, account.session_generation, now)?;
    let (refresh, refresh_hash) = new_refresh_token();
    let refresh_ttl = state.tokens.refresh_ttl;
    let expires = timestamp(now + Duration::seconds(i64::try_from(refresh_ttl.as_secs()).unwrap_or(0)));
    let account_id = caller.account_id;
    db(&state, move |conn| {
        account::issue_refresh_token(conn, account_id, Uuid::now_v7(), &refresh_hash, timestamp(now), expires)
    })
    .await?;
    Ok(HttpResponse::Ok().json(TokenPair {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access_ttl.as_secs(),
        refresh_token: refresh,
        refresh_expires_in: refresh_ttl.as_secs(),
    }))
}

/// Trades a refresh token for a new pair.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refresh_token",
    summary = "Trade a refresh token for a new token pair",
    description = "A sign-in lasts at most `EKINERJA_SESSION_MAX_DAYS` (a policy, 90 days by default) from its login, \
        however often it refreshes: the last refresh tokens expire when it ends, and then the user signs in again.",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the presented refresh token is now used up", body = TokenPair),
        (status = 401, description = "Unknown, expired or reused refresh token (reuse signs the login out everywhere)", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let presented = token_hash(body.0.refresh_token.trim());
    let (refresh, successor) = new_refresh_token();
    let now = state.now();
    let refresh_ttl = state.tokens.refresh_ttl;
    let expires = timestamp(now + Duration::seconds(i64::try_from(refresh_ttl.as_secs()).unwrap_or(0)));
    let lifetime = Duration::seconds(i64::try_from(state.settings.session_max.as_secs()).unwrap_or(i64::MAX / 2_000));
    let outcome = db(&state, move |conn| {
        account::rotate_refresh_token(conn, &presented, &successor, timestamp(now), expires, lifetime)
    })
    .await?;
    let (account, expires) = match outcome {
        account::Rotation::Rotated(a, expires) => (a, expires),
        account::Rotation::Invalid => return Err(ApiError::Unauthenticated("the refresh token is not valid".into())),
        account::Rotation::Reused => {
            security::event("refresh_token_reused", json!({}));
            return Err(ApiError::Unauthenticated(
                "this refresh token was already used; every session of this sign-in has been ended".into(),
            ));
        }
    };
    let caller = account.caller().ok_or_else(|| ApiError::Internal("stored account is malformed".into()))?;
    Ok(HttpResponse::Ok().json(TokenPair {
        access_token: state.tokens.access_token(&caller, account.session_generation, now)?,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access_ttl.as_secs(),
        refresh_token: refresh,
        refresh_expires_in: u64::try_from((expires - timestamp(now)).num_seconds()).unwrap_or(0),
    }))
}

/// Ends the sign-in the refresh token belongs to.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    summary = "Sign out: revoke the refresh token and its whole family",
    description = "Access tokens the account holds stop working at once (on every device: the others refresh theirs).",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out (also when the token was unknown or already revoked)")))]
pub async fn logout(state: web::Data<AppState>, body: Json<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let presented = token_hash(body.0.refresh_token.trim());
    let now = timestamp(state.now());
    let ended = db(&state, move |conn| account::revoke_family(conn, &presented, now)).await?;
    if let Some(id) = ended.map(AccountId::uuid) {
        state.sessions.forget(id);
    }
    Ok(HttpResponse::NoContent().finish())
}
