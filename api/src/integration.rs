//! Integration keys: the bearer credential of a system (the attendance service), never of a
//! person. Keys look like `eki_` + 64 hex digits so a leaked one is recognisable; they are stored
//! as a SHA-256 hash and shown once. Where a key carries a signing secret, each request must also
//! be signed the Standard Webhooks way (see [`crate::webhook`]).

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use ekinerja_domain::{Integration, IntegrationScope};
use ekinerja_persistence::integration_key::{self, Secrets};

use crate::auth::{token_hash, INTEGRATION_KEY_PREFIX};
use crate::error::ApiError;
use crate::state::{db, AppState};
use crate::webhook;

/// A system authenticated by its integration key, with the key's signing secret if it has one.
#[derive(Debug, Clone)]
pub struct IntegrationCaller {
    /// Agency and scopes of the key.
    pub integration: Integration,
    /// The Standard Webhooks secret (`whsec_…`): requests must be signed with it when set.
    pub signing_secret: Option<String>,
}

impl IntegrationCaller {
    /// Refuses a key issued without `scope`.
    pub fn require(&self, scope: IntegrationScope) -> Result<(), ApiError> {
        Ok(ekinerja_persistence::access::require_scope(&self.integration, scope)?)
    }

    /// Checks the Standard Webhooks signature over the raw body where the key demands one.
    pub fn verify_signature(&self, req: &HttpRequest, body: &[u8], now: i64) -> Result<(), ApiError> {
        let Some(secret) = &self.signing_secret else { return Ok(()) };
        let secret = webhook::Secret::parse(secret)
            .map_err(|e| ApiError::Internal(format!("a stored signing secret does not parse: {e}")))?;
        let h = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        webhook::verify(&secret, h("webhook-id"), h("webhook-timestamp"), h("webhook-signature"), body, now).map_err(
            |e| {
                crate::security::event(
                    "webhook_signature_refused",
                    serde_json::json!({
                        "agency_id": self.integration.agency_id,
                        "integration_key_id": self.integration.key_id,
                        "address": crate::security::client_address(req),
                        "reason": e.to_string(),
                    }),
                );
                ApiError::Unauthenticated(format!("the request signature is not valid: {e}"))
            },
        )
    }
}

impl FromRequest for IntegrationCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let token = token?;
            if !token.starts_with(INTEGRATION_KEY_PREFIX) {
                return Err(ApiError::Unauthenticated(
                    "a person's token is not accepted here: use an integration key".into(),
                ));
            }
            let hash = token_hash(&token);
            let found = db(&state, move |conn| integration_key::authenticate(conn, &hash)).await?;
            let (key, integration) = found
                .ok_or_else(|| ApiError::Unauthenticated("the integration key is not valid or was revoked".into()))?;
            Ok(IntegrationCaller { integration, signing_secret: key.signing_secret })
        })
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthenticated("an Authorization: Bearer integration key is required".into()))?
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is not valid".into()))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| ApiError::Unauthenticated("the Authorization header must use the Bearer scheme".into()))
}

/// A new key, and what is stored of it: the prefix shown in lists, the hash, and (when asked
/// for) a new signing secret. Returns `(key, signing secret text, secrets to store)`.
pub fn new_key(signed: bool) -> (String, Option<String>, Secrets) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let key = format!("{INTEGRATION_KEY_PREFIX}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let secret = signed.then(|| webhook::Secret::generate().1);
    let secrets =
        Secrets { prefix: key.chars().take(12).collect(), hash: token_hash(&key), signing_secret: secret.clone() };
    (key, secret, secrets)
}
