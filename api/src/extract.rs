//! Request extractors whose every failure is a problem+json with a field-level reason.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, error::PayloadError, http::header, web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use ekinerja_domain::field::Field;

use crate::error::ApiError;

/// A JSON body. Unlike `actix_web::web::Json` it names the field that failed to deserialise
/// (`#/position_id`), insists on `application/json`, and maps an oversized body to 413.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = json_bytes(req, payload);
        Box::pin(async move { parse_json(&bytes.await?).map(Json) })
    }
}

/// A JSON body with the SHA-256 of its bytes (for `Idempotency-Key`, which compares bodies).
pub struct HashedJson<T> {
    /// The parsed body.
    pub value: T,
    /// Hex SHA-256 of the raw body.
    pub hash: String,
}

impl<T: DeserializeOwned + 'static> FromRequest for HashedJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = json_bytes(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            let hash = crate::auth::token_hash_bytes(&bytes);
            parse_json(&bytes).map(|value| HashedJson { value, hash })
        })
    }
}

/// The raw bytes of a JSON body: refused unless the request says it is JSON, and over the
/// configured size as 413.
fn json_bytes(req: &HttpRequest, payload: &mut Payload) -> impl Future<Output = Result<web::Bytes, ApiError>> {
    let is_json = is_json(req);
    let bytes = web::Bytes::from_request(req, payload);
    let max =
        req.app_data::<web::Data<crate::state::AppState>>().map_or(2 * 1024 * 1024, |s| s.settings.max_body_bytes);
    async move {
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        bytes.await.map_err(|e| body_error(&e, max))
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
pub fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Deserialises JSON, naming the failing field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de);
    if value.is_ok() {
        de.end().map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    }
    match value {
        Ok(v) => Ok(v),
        Err(e) => {
            let inner = e.inner();
            if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                return Err(ApiError::MalformedJson(inner.to_string()));
            }
            let msg = inner.to_string();
            if msg.starts_with("invalid type: floating point") {
                if let Ok(mut whole) = serde_json::from_slice::<serde_json::Value>(bytes) {
                    if whole_numbers_as_integers(&mut whole) {
                        return serde_path_to_error::deserialize::<_, T>(whole)
                            .map_err(|e| ApiError::field(field(e.path()), strip_position(&e.inner().to_string())));
                    }
                }
            }
            Err(ApiError::field(field(e.path()), strip_position(&msg)))
        }
    }
}

/// JSON (and the schema's `integer`) knows one number where serde knows an integer and a float:
/// `3.0` is the integer 3. Writes every whole number sent with a fraction (exactly, within ±2^53)
/// as an integer, and says whether there was one. Only a body refused for a float where an
/// integer was due is read again this way, so the usual path parses once.
fn whole_numbers_as_integers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() <= EXACT => {
                // Exact: a whole number within ±2^53 converts without loss.
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *value = Value::from(i);
                true
            }
            _ => false,
        },
        // Every element is visited (`|`, not `||`): each whole number is rewritten.
        Value::Array(items) => items.iter_mut().map(whole_numbers_as_integers).fold(false, std::ops::BitOr::bitor),
        Value::Object(fields) => fields.values_mut().map(whole_numbers_as_integers).fold(false, std::ops::BitOr::bitor),
        _ => false,
    }
}

/// The field a deserialisation path leads to: `events/3/nip`.
fn field(path: &serde_path_to_error::Path) -> Field {
    use serde_path_to_error::Segment;
    path.iter().fold(Field::whole(), |field, segment| match segment {
        Segment::Seq { index } => field.at(*index),
        Segment::Map { key } => field.key(key),
        Segment::Enum { variant } => field.key(variant),
        Segment::Unknown => field.key("?"),
    })
}

/// serde_json appends " at line 1 column 42" to its messages; the pointer already says where.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Maps a failure to read the body.
pub fn body_error(e: &actix_web::Error, max: usize) -> ApiError {
    match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::PayloadTooLarge(max),
        _ if e.to_string().contains("overflow") || e.to_string().contains("too large") => {
            ApiError::PayloadTooLarge(max)
        }
        _ => ApiError::BadParameter(format!("the request body could not be read: {e}")),
    }
}

/// Query-string errors as problem+json.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| {
        let msg = e.to_string();
        let msg = msg.strip_prefix("Query deserialize error: ").unwrap_or(&msg).to_owned();
        ApiError::BadParameter(format!("a query parameter is not valid: {msg}")).into()
    })
}

/// Path-segment errors (an id that is not a UUID) as problem+json.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|e, _| ApiError::BadParameter(format!("a path segment is not valid: {e}")).into())
}

/// Reads `Option<Option<T>>` so that a PATCH can tell "absent" (leave it) from `null` (clear it).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// The version a change edits, from `If-Match: "v<version>"` (the ETag the record was read
/// with, weak or not). Missing or empty: 428. Not of that form ([`ETAG_PATTERN`]): 400, as any
/// other malformed parameter. Of that form but naming no version there can be (past `i32`): 412,
/// as a stale one. The header is judged by [`IfMatch::version`] in the handler, after the body
/// was read, so a malformed body is a 400 whatever the header says.
pub struct IfMatch(Result<i32, ApiError>);

/// The form of every ETag [`etag`] writes, weak or not, as the contract states it for `If-Match`.
pub const ETAG_PATTERN: &str = r#"^(W/)?"v[0-9]{1,10}"$"#;

/// The ETag of a version.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// A response carrying the ETag of the version it shows, for the next `If-Match`.
pub fn with_etag(mut res: actix_web::HttpResponseBuilder, version: i32) -> actix_web::HttpResponseBuilder {
    res.insert_header((header::ETAG, etag(version)));
    res
}

impl IfMatch {
    /// The version named, or why there is none.
    pub fn version(self) -> Result<i32, ApiError> {
        self.0
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH) {
            // An empty header names no version: as good as none.
            None => Err(ApiError::PreconditionRequired),
            Some(v) if v.as_bytes().iter().all(u8::is_ascii_whitespace) => Err(ApiError::PreconditionRequired),
            Some(v) => match v
                .to_str()
                .ok()
                .map(str::trim)
                .map(|s| s.strip_prefix("W/").unwrap_or(s))
                .and_then(|s| s.strip_prefix("\"v")?.strip_suffix('"'))
                .filter(|n| (1..=10).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
            {
                Some(n) => n.parse::<i32>().map_err(|_| ApiError::PreconditionFailed),
                None => Err(ApiError::BadParameter(
                    "If-Match must be an ETag as the server gave it, such as \"v3\" (W/ in front or not)".into(),
                )),
            },
        };
        std::future::ready(Ok(IfMatch(parsed)))
    }
}
