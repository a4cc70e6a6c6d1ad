//! The API's one error type and its RFC 9457 problem+json form. This is the only place that
//! chooses an error status code.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use ekinerja_domain::field::{Field, Step};
use ekinerja_persistence::{FieldError, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every kind of error the API answers with. Its `kind` names the stable `type` URI.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Input that does not parse or breaks a rule, with one reason per field.
    #[error("the request is not valid")]
    Validation(Vec<FieldError>),
    /// The body is not well-formed JSON.
    #[error("the body is not well-formed JSON: {0}")]
    MalformedJson(String),
    /// A query string parameter or path segment that does not parse.
    #[error("{0}")]
    BadParameter(String),
    /// Missing, malformed, expired or forged credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such record, or none the caller may see.
    #[error("no such resource")]
    NotFound,
    /// No route matches the path.
    #[error("no route matches {0}")]
    NoRoute(String),
    /// The route exists but not with this method.
    #[error("this resource does not support that method")]
    MethodNotAllowed,
    /// Clashes with the current state (duplicates).
    #[error("{0}")]
    Conflict(String),
    /// A change without `If-Match`.
    #[error("this change needs an If-Match header with the ETag of the version it edits")]
    PreconditionRequired,
    /// `If-Match` names a version that is no longer current.
    #[error("the record has changed since it was read (stale If-Match); read it again and retry")]
    PreconditionFailed,
    /// Body over the configured limit.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// Not `application/json` (or what the endpoint takes).
    #[error("expected content type {0}")]
    UnsupportedMediaType(&'static str),
    /// Too many attempts; retry after the given seconds.
    #[error("too many attempts; retry in {0} seconds")]
    TooManyRequests(u64),
    /// The database is unreachable.
    #[error("the service is temporarily unavailable")]
    Unavailable,
    /// The database's disk is full: nothing was written.
    #[error("the server's storage is full, so nothing was saved; try again after the operators have freed space")]
    StorageFull,
    /// A bug or an outage; details go to the log only.
    #[error("internal error")]
    Internal(String),
}

/// The problem kinds, with their stable `type` URI (relative to the API's origin) and title.
/// Listed in the OpenAPI document under the `Problem` schema.
pub const PROBLEM_TYPES: &[(&str, &str)] = &[
    ("validation", "Your request parameters didn't validate"),
    ("malformed-json", "The body is not well-formed JSON"),
    ("bad-parameter", "A parameter is not valid"),
    ("unauthenticated", "Authentication required"),
    ("forbidden", "Not allowed"),
    ("not-found", "Not found"),
    ("method-not-allowed", "Method not allowed"),
    ("conflict", "Conflict with the current state"),
    ("precondition-required", "If-Match required"),
    ("precondition-failed", "Stale version"),
    ("payload-too-large", "Request body too large"),
    ("unsupported-media-type", "Unsupported media type"),
    ("too-many-requests", "Too many requests"),
    ("unavailable", "Service unavailable"),
    ("insufficient-storage", "Storage full"),
    ("internal", "Internal server error"),
];

impl ApiError {
    fn kind(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation",
            ApiError::MalformedJson(_) => "malformed-json",
            ApiError::BadParameter(_) => "bad-parameter",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound | ApiError::NoRoute(_) => "not-found",
            ApiError::MethodNotAllowed => "method-not-allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PreconditionRequired => "precondition-required",
            ApiError::PreconditionFailed => "precondition-failed",
            ApiError::PayloadTooLarge(_) => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::TooManyRequests(_) => "too-many-requests",
            ApiError::Unavailable => "unavailable",
            ApiError::StorageFull => "insufficient-storage",
            ApiError::Internal(_) => "internal",
        }
    }

    /// One invalid field.
    pub fn field(field: impl Into<Field>, detail: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, detail)])
    }
}

impl ApiError {
    /// The same error with every field named as seen from a larger request that holds this one
    /// at `outer` (a batch item's reasons, from the batch).
    pub fn within(self, outer: &Field) -> Self {
        match self {
            ApiError::Validation(fields) => ApiError::Validation(
                fields
                    .into_iter()
                    .map(|f| FieldError { field: f.field.within(outer.clone()), detail: f.detail })
                    .collect(),
            ),
            other => other,
        }
    }
}

/// The JSON pointer (RFC 6901, as a URI fragment) of a field in the request: `#/nip`,
/// `#/indicators/b7/targets`; `#/` for the request as a whole. The one place a field named by
/// the rules, the store or a handler becomes a pointer.
pub fn pointer(field: &Field) -> String {
    let mut out = String::from("#");
    for step in field.steps() {
        out.push('/');
        match step {
            Step::Name(n) => out.push_str(n),
            Step::Index(i) => out.push_str(&i.to_string()),
            Step::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
        }
    }
    if field.steps().is_empty() {
        out.push('/');
    }
    out
}

/// An item's reasons as problem fields, each named under the item's place in its batch.
pub fn problem_fields(errors: Vec<FieldError>, item: &Field) -> Vec<ProblemField> {
    errors
        .into_iter()
        .map(|f| ProblemField { pointer: pointer(&f.field.within(item.clone())), detail: f.detail })
        .collect()
}

impl From<&FieldError> for ProblemField {
    fn from(f: &FieldError) -> Self {
        ProblemField { pointer: pointer(&f.field), detail: f.detail.clone() }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Your request parameters didn't validate",
    "status": 422,
    "detail": "the request is not valid",
    "request_id": "01937a4c-0000-7000-8000-000000000000",
    "errors": [{"pointer": "#/nip", "detail": "a NIP is exactly 18 digits"}]
}))]
pub struct Problem {
    /// Stable URI of the kind of problem: `/problems/{kind}`, one of validation, malformed-json,
    /// bad-parameter, unauthenticated, forbidden, not-found, method-not-allowed, conflict,
    /// precondition-required, precondition-failed, payload-too-large, unsupported-media-type, too-many-requests, unavailable,
    /// insufficient-storage, internal.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The request id, also in the `x-request-id` header and the server log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// One entry per invalid field (validation problems only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// The reason one field was refused.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProblemField {
    /// JSON pointer to the field in the request body (`#/nip`), or the parameter name.
    pub pointer: String,
    /// Why it was refused.
    pub detail: String,
}

impl Problem {
    /// The problem document for an error.
    pub fn of(err: &ApiError, status: StatusCode) -> Self {
        let kind = err.kind();
        let title = PROBLEM_TYPES.iter().find(|(k, _)| *k == kind).map_or("Error", |(_, t)| t);
        let errors = match err {
            ApiError::Validation(fields) => fields.iter().map(ProblemField::from).collect(),
            _ => Vec::new(),
        };
        Problem {
            problem_type: format!("/problems/{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: err.to_string(),
            request_id: None,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::MalformedJson(_) | ApiError::BadParameter(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound | ApiError::NoRoute(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let ApiError::Internal(detail) = self {
            log::error!("internal error: {detail}");
        }
        if let ApiError::Forbidden(detail) = self {
            // Every refusal of an authenticated or known caller is a security event: a run of them
            // is someone probing what they may do.
            crate::security::event("forbidden", serde_json::json!({ "detail": detail }));
        }
        let mut res = HttpResponse::build(status);
        res.content_type(PROBLEM_JSON);
        match self {
            ApiError::Unauthenticated(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"ekinerja\""));
            }
            ApiError::TooManyRequests(secs) => {
                res.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            ApiError::Unavailable => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        let mut problem = Problem::of(self, status);
        problem.request_id = crate::request_id::current();
        res.json(problem)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Forbidden(m) => ApiError::Forbidden(m),
            StoreError::Invalid(fields) => ApiError::Validation(fields),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Stale => ApiError::PreconditionFailed,
            StoreError::Unavailable(m) => {
                log::error!("database unavailable: {m}");
                ApiError::Unavailable
            }
            StoreError::StorageFull(m) => {
                log::error!("database storage full, a write was refused: {m}");
                ApiError::StorageFull
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Collects field-level reasons while a request body is turned into domain values.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// A new, empty collector.
    pub fn new() -> Self {
        Fields::default()
    }

    /// Keeps the value, or records why `field` was refused.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: impl Into<Field>, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::new(field, e.to_string()));
                None
            }
        }
    }

    /// Like [`Fields::check`] for an optional input: `None` stays `Some(None)`.
    pub fn check_opt<I, T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<Field>,
        v: Option<I>,
        parse: impl FnOnce(I) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match v {
            None => Some(None),
            Some(i) => self.check(field, parse(i)).map(Some),
        }
    }

    /// Records a reason directly.
    pub fn refuse(&mut self, field: impl Into<Field>, detail: impl Into<String>) {
        self.errors.push(FieldError::new(field, detail));
    }

    /// The validation error holding every recorded reason.
    pub fn into_error(self) -> ApiError {
        if self.errors.is_empty() {
            ApiError::Internal("validation failed without a reason".into())
        } else {
            ApiError::Validation(self.errors)
        }
    }

    /// `Ok` when nothing was refused.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}
