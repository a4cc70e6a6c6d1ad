//! `Idempotency-Key` for POSTs a phone or an integration may retry: the same key from the same
//! caller with the same body replays the first response (on any instance: the responses are
//! stored in the database); with a different body it is 422; while the first is still running
//! it is 409. Keys are kept 48 hours.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use ekinerja_domain::field::Field;
use ekinerja_domain::Caller;
use ekinerja_persistence::{idempotency, timestamp};

use crate::error::{ApiError, Problem, PROBLEM_JSON};
use crate::state::{db, AppState};

/// The header.
pub const HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` of a request, if it has one: 1 to 255 visible ASCII characters.
pub struct Key(pub Option<String>);

impl FromRequest for Key {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.headers().get(HEADER) {
            None => Ok(Key(None)),
            Some(v) => match v.to_str() {
                Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => {
                    Ok(Key(Some(k.to_owned())))
                }
                _ => Err(ApiError::BadParameter("Idempotency-Key must be 1 to 255 visible ASCII characters".into())),
            },
        })
    }
}

/// A response kept for replay.
pub struct Stored {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

impl Stored {
    /// A JSON success response.
    pub fn json<T: serde::Serialize>(
        status: StatusCode,
        body: &T,
        location: Option<String>,
    ) -> Result<Stored, ApiError> {
        let body = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Stored { status, body, location })
    }

    /// The HTTP response.
    pub fn respond(&self, replayed: bool) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(if self.status.is_success() { "application/json" } else { PROBLEM_JSON });
        if let Some(l) = &self.location {
            res.insert_header((header::LOCATION, l.clone()));
        }
        if replayed {
            res.insert_header(("idempotent-replayed", "true"));
        }
        res.body(self.body.clone())
    }
}

/// What to do with a request under a key.
pub enum Claim {
    /// Run it.
    Proceed,
    /// Answer this instead.
    Respond(HttpResponse),
}

/// Claims the key for this request (a no-op without a key).
pub async fn claim(state: &web::Data<AppState>, caller: &Caller, key: &Key, hash: &str) -> Result<Claim, ApiError> {
    let Some(k) = key.0.clone() else { return Ok(Claim::Proceed) };
    let (account, hash, now) = (caller.account_id, hash.to_owned(), timestamp(state.now()));
    match db(state, move |conn| idempotency::begin(conn, account, &k, &hash, now)).await? {
        idempotency::Begin::Fresh => Ok(Claim::Proceed),
        idempotency::Begin::Replay { status, body, location } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            Ok(Claim::Respond(Stored { status, body, location }.respond(true)))
        }
        idempotency::Begin::Mismatch => {
            Err(ApiError::field(Field::whole(), "this Idempotency-Key was already used with a different body"))
        }
        idempotency::Begin::InFlight => Err(ApiError::Conflict(
            "a request with this Idempotency-Key is still being processed; retry shortly".into(),
        )),
    }
}

/// Stores the outcome under the key for replay: successes and the caller's errors (4xx); a
/// failure of ours (5xx) releases the key so that a retry runs again.
pub async fn settle(state: &web::Data<AppState>, caller: &Caller, key: &Key, outcome: &Result<Stored, ApiError>) {
    let Some(k) = key.0.clone() else { return };
    let account = caller.account_id;
    let stored = match outcome {
        Ok(s) => Some((s.status.as_u16(), s.body.clone(), s.location.clone())),
        Err(e) if e.status_code().is_client_error() => {
            let mut p = Problem::of(e, e.status_code());
            p.request_id = crate::request_id::current();
            serde_json::to_string(&p).ok().map(|b| (e.status_code().as_u16(), b, None))
        }
        Err(_) => None,
    };
    let result = db(state, move |conn| match stored {
        Some((status, body, location)) => idempotency::finish(conn, account, &k, status, &body, location.as_deref()),
        None => idempotency::release(conn, account, &k),
    })
    .await;
    if let Err(e) = result {
        log::error!("could not store the response of an idempotent request: {e}");
    }
}
