//! Webhook subscriptions (issue 21): the agency's admin subscribes an endpoint (Kominfo's push or
//! messaging gateway) to events; each delivery is signed with Standard Webhooks, retried with
//! backoff, and listed with its attempts.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use ekinerja_domain::id::{AgencyId, WebhookDeliveryId, WebhookSubscriptionId};
use ekinerja_domain::notification::EndpointUrl;
use ekinerja_domain::Description;
use ekinerja_persistence::webhook::{self as store, DeliveryStatus, EventType};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_of, page_request, utc};
use crate::call::Call;
use crate::error::{ApiError, Fields};
use crate::extract::Json;
use crate::state::db;

/// A subscriber, as lists show it: never its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    #[schema(value_type = String, format = Uuid)]
    pub id: WebhookSubscriptionId,
    #[schema(value_type = String, format = Uuid)]
    pub agency_id: AgencyId,
    #[schema(example = "https://notif.kominfo.sukamajukab.go.id/hooks/ekinerja")]
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
    /// A paused subscriber's deliveries wait, and go out once it is resumed.
    pub paused: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::Subscription> for SubscriptionView {
    fn from(s: store::Subscription) -> Self {
        SubscriptionView {
            event_types: s.event_types.as_slice().to_vec(),
            id: s.id,
            agency_id: s.agency_id,
            url: s.url,
            description: s.description,
            paused: s.paused,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
        }
    }
}

/// A subscriber just added: the only time its signing secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewSubscriptionView {
    #[serde(flatten)]
    pub record: SubscriptionView,
    /// The Standard Webhooks secret each delivery is signed with (`webhook-signature`). Shown
    /// only now.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

list_of!(SubscriptionList, SubscriptionView, "webhook subscriptions");

/// An endpoint to subscribe.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscribe {
    /// Required for a platform admin; the admin's own agency otherwise.
    pub agency_id: Option<Uuid>,
    /// Where deliveries are posted: `https://` (or `http://`), with a host name of letters,
    /// digits, `-` and `.` (an international name in its `xn--` form) or an IPv6 address in
    /// brackets, no credentials, no fragment, and only the characters a URI holds as written. An address in a private, loopback or link-local
    /// network is only sent to where the operator allows that network
    /// (`EKINERJA_WEBHOOK_PRIVATE_NETWORKS`); otherwise each attempt fails and says so.
    #[schema(
        example = "https://notif.kominfo.sukamajukab.go.id/hooks/ekinerja",
        pattern = "^https?://(?:\\[(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\\]|[A-Za-z0-9-][A-Za-z0-9.-]*)(?::[0-9]+)?(?:[/?][!$-;=?-\\[\\]_a-z~]*)?$",
        max_length = 2000
    )]
    pub url: String,
    /// The events to deliver; at least one.
    #[schema(min_items = 1)]
    pub event_types: Vec<EventType>,
    #[schema(
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$",
        example = "Gateway WhatsApp Diskominfo",
        min_length = 1,
        max_length = 2000
    )]
    pub description: Option<String>,
}

/// Changes to a subscriber.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSubscription {
    #[schema(
        pattern = "^https?://(?:\\[(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:))\\]|[A-Za-z0-9-][A-Za-z0-9.-]*)(?::[0-9]+)?(?:[/?][!$-;=?-\\[\\]_a-z~]*)?$",
        max_length = 2000
    )]
    pub url: Option<String>,
    #[schema(min_items = 1)]
    pub event_types: Option<Vec<EventType>>,
    /// `true` holds deliveries back; `false` sends what waited.
    pub paused: Option<bool>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionQuery {
    /// Platform admins only: the agency to list.
    pub agency_id: Option<Uuid>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

fn url_of(f: &mut Fields, url: &str) -> Option<EndpointUrl> {
    f.check("url", EndpointUrl::parse(url))
}

/// Subscribes an endpoint.
#[utoipa::path(post, path = "/api/v1/webhook-subscriptions", tag = "webhook_subscriptions", operation_id = "create_webhook_subscription",
    summary = "Subscribe an endpoint to events; its signing secret is shown once",
    description = "From now on every event of the listed types is written to the outbox with the change itself and \
        posted to the endpoint as a Standard Webhooks message (`webhook-id`, `webhook-timestamp`, `webhook-signature`; \
        body `{\"type\", \"timestamp\", \"data\"}`). A 2xx answer delivers it; anything else is retried after 10 s, 1 min, \
        5 min, 30 min, 2 h, 6 h and 12 h, then given up. Retries keep their `webhook-id`: drop repeats by it.",
    request_body = Subscribe,
    responses(
        (status = 201, description = "Subscribed: the secret is in this answer only", body = NewSubscriptionView,
            headers(("location" = String, description = "URL of the subscription"))),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn create(call: Call, body: Json<Subscribe>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let agency_id = call.agency_to_write(b.agency_id, ekinerja_domain::access::Area::Administration).await?;
    let mut f = Fields::new();
    let url = url_of(&mut f, &b.url);
    let description = b.description.as_deref().and_then(|d| f.check("description", Description::parse(d)));
    if b.event_types.is_empty() {
        f.refuse("event_types", "name at least one event type");
    }
    f.finish()?;
    let Some(url) = url else { return Err(ApiError::field("url", "required")) };
    let (_, secret) = crate::webhook::Secret::generate();
    let new =
        store::NewSubscription { agency_id, url, event_types: b.event_types, description, secret: secret.clone() };
    let change = call.change();
    let row = db(&call.state, move |conn| store::subscribe(conn, &change, new)).await?;
    let id = row.id;
    Ok(created(format!("/api/v1/webhook-subscriptions/{id}"), &NewSubscriptionView { record: row.into(), secret }))
}

/// Lists subscribers.
#[utoipa::path(get, path = "/api/v1/webhook-subscriptions", tag = "webhook_subscriptions", operation_id = "list_webhook_subscriptions",
    summary = "List the agency's webhook subscribers", params(SubscriptionQuery),
    responses(
        (status = 200, description = "A page of subscribers", body = SubscriptionList),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn list(call: Call, q: web::Query<SubscriptionQuery>) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let agency = q.agency_id;
    let rows = call.read(move |conn, caller| store::list(conn, caller, agency, &page)).await?;
    Ok(HttpResponse::Ok().json(SubscriptionList::from_page(rows, SubscriptionView::from)))
}

/// Reads a subscriber.
#[utoipa::path(get, path = "/api/v1/webhook-subscriptions/{id}", tag = "webhook_subscriptions", operation_id = "get_webhook_subscription",
    summary = "Read a webhook subscriber", params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscriber", body = SubscriptionView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn get(call: Call, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = call.read(move |conn, caller| store::get(conn, caller, id)).await?;
    Ok(HttpResponse::Ok().json(SubscriptionView::from(row)))
}

/// Changes a subscriber.
#[utoipa::path(patch, path = "/api/v1/webhook-subscriptions/{id}", tag = "webhook_subscriptions", operation_id = "update_webhook_subscription",
    summary = "Change a subscriber's URL or events, or pause and resume it",
    params(("id" = Uuid, Path, description = "Subscription id")),
    request_body = UpdateSubscription,
    responses(
        (status = 200, description = "Changed", body = SubscriptionView),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn update(call: Call, id: web::Path<Uuid>, body: Json<UpdateSubscription>) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut f = Fields::new();
    let url = b.url.as_deref().and_then(|u| url_of(&mut f, u));
    if b.event_types.as_ref().is_some_and(Vec::is_empty) {
        f.refuse("event_types", "name at least one event type");
    }
    f.finish()?;
    let patch = store::SubscriptionPatch { url, event_types: b.event_types, paused: b.paused };
    let id = id.into_inner();
    let change = call.change();
    let row = db(&call.state, move |conn| store::update(conn, &change, id, patch)).await?;
    Ok(HttpResponse::Ok().json(SubscriptionView::from(row)))
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    /// Where it was posted.
    pub url: String,
    /// The subscriber's HTTP status; `null` when none came (refused, timed out).
    pub status_code: Option<i32>,
    /// Why it did not deliver.
    pub error: Option<String>,
    /// How long the subscriber took, in milliseconds (minutes, the API's unit of duration, are
    /// too coarse for a request).
    pub duration_ms: i32,
}

/// One message to the subscriber, with its attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Also the message's `webhook-id`.
    #[schema(value_type = String, format = Uuid)]
    pub id: WebhookDeliveryId,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    /// The body posted, as JSON text.
    pub payload: String,
    /// When the next attempt is due, while pending; `null` for as soon as possible.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptView>,
}

list_of!(DeliveryList, DeliveryView, "webhook deliveries");

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Lists a subscriber's deliveries.
#[utoipa::path(get, path = "/api/v1/webhook-subscriptions/{id}/deliveries", tag = "webhook_subscriptions", operation_id = "list_webhook_deliveries",
    summary = "A subscriber's deliveries, newest first, each with its attempts",
    params(("id" = Uuid, Path, description = "Subscription id"), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryList),
        crate::openapi::AdminOnly,
    ),
    security(("bearer" = [])))]
pub async fn deliveries(
    call: Call,
    id: web::Path<Uuid>,
    q: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let page = page_request(q.limit, q.cursor)?;
    let id = id.into_inner();
    let rows = call.read(move |conn, caller| store::deliveries(conn, caller, id, &page)).await?;
    Ok(HttpResponse::Ok().json(DeliveryList::from_page(rows, |d| DeliveryView {
        id: d.delivery.id,
        event_type: d.delivery.event_type,
        status: d.delivery.status,
        payload: d.delivery.payload,
        next_attempt_at: d.delivery.next_attempt_at.map(utc),
        created_at: utc(d.delivery.created_at),
        delivered_at: d.delivery.delivered_at.map(utc),
        attempts: d
            .attempts
            .into_iter()
            .map(|a| AttemptView {
                attempted_at: utc(a.attempted_at),
                url: a.url,
                status_code: a.status_code,
                error: a.error,
                duration_ms: a.duration_ms,
            })
            .collect(),
    })))
}
