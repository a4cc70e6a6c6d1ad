//! Notifications (issue 21): webhook subscriptions, the outbox of deliveries and their attempts.
//!
//! [`enqueue`] writes one delivery per subscriber of the event inside the transaction of the
//! change itself: a change that rolls back sends nothing, and one that commits is delivered even
//! if the server dies before sending. The deliverer (api) [`claim`]s what is due, sends it and
//! [`record`]s the attempt; a claim is a lease, so a delivery claimed by a server that died is
//! claimed again after it, and two servers never send the same attempt.

use chrono::{Datelike, Duration, NaiveDateTime};
use diesel::prelude::*;
use ekinerja_domain::access::{Access, Area, Scope};
use ekinerja_domain::audit::{AuditAction, AuditEntity};
use ekinerja_domain::id::{AccountId, AgencyId, WebhookAttemptId, WebhookDeliveryId, WebhookSubscriptionId};
use ekinerja_domain::notification::{retry_delay, EndpointUrl, MAX_ATTEMPTS};
pub use ekinerja_domain::notification::{DeliveryStatus, EventType};
use ekinerja_domain::{Caller, Description};
use serde::Serialize;
use uuid::Uuid;

use crate::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::word::Words;
use crate::{audit, db::Backend, Change, DbConnection, Page, PageRequest, StoreError};

/// A subscriber. The signing secret never leaves the database through this type's serialisation
/// (the audit trail included).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
#[diesel(treat_none_as_null = true)]
pub struct Subscription {
    #[diesel(serialize_as = crate::key::Bind<WebhookSubscriptionId>)]
    pub id: WebhookSubscriptionId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub event_types: Words<EventType>,
    pub description: Option<String>,
    pub paused: bool,
    #[diesel(serialize_as = crate::key::BindOption<AccountId>)]
    pub created_by_account_id: Option<AccountId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One message to one subscriber.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Delivery {
    #[diesel(serialize_as = crate::key::Bind<WebhookDeliveryId>)]
    pub id: WebhookDeliveryId,
    #[diesel(serialize_as = crate::key::Bind<AgencyId>)]
    pub agency_id: AgencyId,
    #[diesel(serialize_as = crate::key::Bind<WebhookSubscriptionId>)]
    pub subscription_id: WebhookSubscriptionId,
    #[diesel(serialize_as = crate::word::Bind<EventType>)]
    pub event_type: EventType,
    /// The JSON body sent: `{"type", "timestamp", "data"}`.
    pub payload: String,
    #[diesel(serialize_as = crate::word::Bind<DeliveryStatus>)]
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// One attempt to deliver.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Attempt {
    #[diesel(serialize_as = crate::key::Bind<WebhookAttemptId>)]
    pub id: WebhookAttemptId,
    #[diesel(serialize_as = crate::key::Bind<WebhookDeliveryId>)]
    pub delivery_id: WebhookDeliveryId,
    pub attempted_at: NaiveDateTime,
    /// Where it was posted (the subscriber's URL may change later).
    pub url: String,
    /// The subscriber's HTTP status; `None` when none came.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// A subscriber to add, validated in shape.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub agency_id: Uuid,
    pub url: EndpointUrl,
    pub event_types: Vec<EventType>,
    pub description: Option<Description>,
    /// The signing secret (`whsec_…`), made by the caller (the API layer owns randomness).
    pub secret: String,
}

/// Changes to a subscriber.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionPatch {
    pub url: Option<EndpointUrl>,
    pub event_types: Option<Vec<EventType>>,
    pub paused: Option<bool>,
}

/// Subscribes an endpoint of `agency_id` (its admin).
pub fn subscribe(conn: &mut DbConnection, change: &Change, new: NewSubscription) -> Result<Subscription, StoreError> {
    crate::agency::writable(conn, &change.caller, new.agency_id, Area::Administration)?;
    if new.event_types.is_empty() {
        return Err(StoreError::invalid("event_types", "name at least one event type"));
    }
    let row = Subscription {
        id: crate::key::new(),
        agency_id: AgencyId::from(new.agency_id),
        url: new.url.as_str().to_owned(),
        secret: new.secret,
        event_types: Words::new(&new.event_types),
        description: new.description.map(|d| d.as_str().to_owned()),
        paused: false,
        created_by_account_id: Some(AccountId::from(change.caller.account_id)),
        created_at: change.at,
        updated_at: change.at,
    };
    crate::db::write(conn, |conn| {
        diesel::insert_into(webhook_subscriptions::table).values(row.clone()).execute(conn)?;
        audit::record(
            conn,
            change,
            Some(row.agency_id),
            AuditAction::Create,
            AuditEntity::WebhookSubscription,
            row.id,
            None::<&()>,
            Some(&row),
        )?;
        Ok(row.clone())
    })
}

/// Reads a subscriber the caller administers; others get not-found.
pub fn get(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Subscription, StoreError> {
    let row: Subscription = webhook_subscriptions::table
        .find(crate::key::bind(WebhookSubscriptionId::from(id)))
        .select(Subscription::as_select())
        .first(conn)?;
    if !caller.can_see_agency(row.agency_id.uuid()) {
        return Err(StoreError::NotFound);
    }
    crate::access::require_agency(conn, caller, row.agency_id.uuid(), Area::Administration, Access::Write)?;
    Ok(row)
}

/// Lists the subscribers of the caller's agency (its admin), oldest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    agency: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<Subscription>, StoreError> {
    let mut q = webhook_subscriptions::table.select(Subscription::as_select()).into_boxed::<Backend>();
    match caller.list_scope(agency) {
        Scope::All => {}
        Scope::Agency(a) => {
            crate::access::require_agency(conn, caller, a, Area::Administration, Access::Write)?;
            q = q.filter(webhook_subscriptions::agency_id.eq(crate::key::bind(AgencyId::from(a))));
        }
        Scope::Nothing => return Ok(Page::empty()),
    }
    if let Some(after) = &page.after {
        q = q.filter(webhook_subscriptions::id.gt(crate::key::bind(WebhookSubscriptionId::from(*after))));
    }
    let rows = q.order(webhook_subscriptions::id.asc()).limit(page.limit + 1).load(conn)?;
    Ok(Page::from_rows(rows, page.limit, |r| &r.id))
}

/// Changes a subscriber: its URL, its events, or whether it is paused (a paused subscriber's
/// deliveries wait, and go out once it is resumed).
pub fn update(
    conn: &mut DbConnection,
    change: &Change,
    id: Uuid,
    patch: SubscriptionPatch,
) -> Result<Subscription, StoreError> {
    crate::db::write(conn, |conn| {
        let before = get(conn, &change.caller, id)?;
        let mut after = before.clone();
        if let Some(url) = patch.url {
            after.url = url.as_str().to_owned();
        }
        if let Some(types) = patch.event_types {
            if types.is_empty() {
                return Err(StoreError::invalid("event_types", "name at least one event type"));
            }
            after.event_types = Words::new(&types);
        }
        if let Some(p) = patch.paused {
            after.paused = p;
        }
        after.updated_at = change.at;
        diesel::update(webhook_subscriptions::table.find(crate::key::bind(after.id)))
            .set(after.clone())
            .execute(conn)?;
        audit::record(
            conn,
            change,
            Some(after.agency_id),
            AuditAction::Update,
            AuditEntity::WebhookSubscription,
            after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// A delivery with its attempts, oldest attempt first.
#[derive(Debug, Clone)]
pub struct DeliveryWithAttempts {
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

/// A subscriber's deliveries, newest first, each with its attempts.
pub fn deliveries(
    conn: &mut DbConnection,
    caller: &Caller,
    subscription: Uuid,
    page: &PageRequest,
) -> Result<Page<DeliveryWithAttempts>, StoreError> {
    let sub = get(conn, caller, subscription)?;
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(crate::key::bind(sub.id)))
        .select(Delivery::as_select())
        .into_boxed::<Backend>();
    if let Some(after) = &page.after {
        q = q.filter(webhook_deliveries::id.lt(crate::key::bind(WebhookDeliveryId::from(*after))));
    }
    let rows: Vec<Delivery> = q.order(webhook_deliveries::id.desc()).limit(page.limit + 1).load(conn)?;
    let page = Page::from_rows(rows, page.limit, |r| &r.id);
    let ids: Vec<WebhookDeliveryId> = page.items.iter().map(|d| d.id).collect();
    let mut attempts: Vec<Attempt> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(crate::key::binds(ids)))
        .order((webhook_attempts::attempted_at.asc(), webhook_attempts::id.asc()))
        .select(Attempt::as_select())
        .load(conn)?;
    Ok(page.map(|delivery| {
        let mine = attempts.iter().filter(|a| a.delivery_id == delivery.id).cloned().collect();
        attempts.retain(|a| a.delivery_id != delivery.id);
        DeliveryWithAttempts { delivery, attempts: mine }
    }))
}

/// The body of a message, as Standard Webhooks lays it out.
#[derive(Serialize)]
struct Message<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: EventType,
    timestamp: String,
    data: &'a T,
}

/// Writes `event` about `data` to the outbox for every subscriber of `agency` to it. Call inside
/// the write transaction of the change.
pub(crate) fn enqueue<T: Serialize>(
    conn: &mut DbConnection,
    change: &Change,
    agency: AgencyId,
    event: EventType,
    data: &T,
) -> Result<(), StoreError> {
    enqueue_at(conn, change.at, agency, event, data)
}

/// As [`enqueue`] for many events of one type: each made at its time, in its agency, with its
/// data. Each agency's subscribers are read once.
pub(crate) fn enqueue_all<T: Serialize>(
    conn: &mut DbConnection,
    event: EventType,
    items: &[(NaiveDateTime, AgencyId, T)],
) -> Result<(), StoreError> {
    let mut wanted: std::collections::HashMap<AgencyId, Vec<WebhookSubscriptionId>> = std::collections::HashMap::new();
    for (at, agency, data) in items {
        if !wanted.contains_key(agency) {
            let subscribers: Vec<(WebhookSubscriptionId, Words<EventType>)> = webhook_subscriptions::table
                .filter(webhook_subscriptions::agency_id.eq(crate::key::bind(*agency)))
                .select((webhook_subscriptions::id, webhook_subscriptions::event_types))
                .load(conn)?;
            let ids =
                subscribers.into_iter().filter(|(_, t)| t.as_slice().contains(&event)).map(|(id, _)| id).collect();
            wanted.insert(*agency, ids);
        }
        let subscribers = wanted.get(agency).map(Vec::as_slice).unwrap_or_default();
        deliver(conn, *at, *agency, event, data, subscribers)?;
    }
    Ok(())
}

/// As [`enqueue`], for an event no one's request made (the overdue scan), at `at`.
pub(crate) fn enqueue_at<T: Serialize>(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    agency: AgencyId,
    event: EventType,
    data: &T,
) -> Result<(), StoreError> {
    let subscribers: Vec<(WebhookSubscriptionId, Words<EventType>)> = webhook_subscriptions::table
        .filter(webhook_subscriptions::agency_id.eq(crate::key::bind(agency)))
        .select((webhook_subscriptions::id, webhook_subscriptions::event_types))
        .load(conn)?;
    let wanted: Vec<WebhookSubscriptionId> =
        subscribers.into_iter().filter(|(_, types)| types.as_slice().contains(&event)).map(|(id, _)| id).collect();
    deliver(conn, at, agency, event, data, &wanted)
}

/// Stores one delivery of an event for each of `wanted`.
fn deliver<T: Serialize>(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    agency: AgencyId,
    event: EventType,
    data: &T,
    wanted: &[WebhookSubscriptionId],
) -> Result<(), StoreError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let timestamp = at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let payload = serde_json::to_string(&Message { kind: event, timestamp, data })
        .map_err(|e| StoreError::Corrupt(format!("a webhook payload: {e}")))?;
    let rows: Vec<Delivery> = wanted
        .iter()
        .map(|&subscription_id| Delivery {
            id: crate::key::new(),
            agency_id: agency,
            subscription_id,
            event_type: event,
            payload: payload.clone(),
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: None,
            created_at: at,
            delivered_at: None,
        })
        .collect();
    // One row at a time: the engine-neutral connection has no batch insert.
    for row in rows {
        diesel::insert_into(webhook_deliveries::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// A delivery the deliverer holds for one attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: WebhookDeliveryId,
    pub url: String,
    pub secret: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i32,
    /// Until when the claim holds: the attempt is recorded only while it still does.
    pub lease_until: NaiveDateTime,
}

/// Claims up to `limit` deliveries due at `now` (real time) whose subscriber is not paused, each
/// for `lease`: another deliverer skips them until the lease runs out, which it does only if this
/// one dies before recording the attempt.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let due: Vec<(Delivery, String, String)> = webhook_deliveries::table
        .inner_join(webhook_subscriptions::table)
        .filter(webhook_deliveries::status.eq(crate::word::bind(DeliveryStatus::Pending)))
        .filter(webhook_deliveries::next_attempt_at.is_null().or(webhook_deliveries::next_attempt_at.le(now)))
        .filter(webhook_subscriptions::paused.eq(false))
        .order(webhook_deliveries::id.asc())
        .limit(limit)
        .select((Delivery::as_select(), webhook_subscriptions::url, webhook_subscriptions::secret))
        .load(conn)?;
    let mut out = Vec::with_capacity(due.len());
    let lease_until = now.checked_add_signed(lease).unwrap_or(now);
    for (d, url, secret) in due {
        let target = webhook_deliveries::table
            .find(crate::key::bind(d.id))
            .filter(webhook_deliveries::status.eq(crate::word::bind(DeliveryStatus::Pending)));
        // The claim holds only if no one moved the delivery since it was read.
        let n = match d.next_attempt_at {
            None => diesel::update(target.filter(webhook_deliveries::next_attempt_at.is_null()))
                .set(webhook_deliveries::next_attempt_at.eq(lease_until))
                .execute(conn)?,
            Some(at) => diesel::update(target.filter(webhook_deliveries::next_attempt_at.eq(at)))
                .set(webhook_deliveries::next_attempt_at.eq(lease_until))
                .execute(conn)?,
        };
        if n == 1 {
            out.push(Claimed { id: d.id, url, secret, payload: d.payload, attempts: d.attempts, lease_until });
        }
    }
    Ok(out)
}

/// What one attempt brought.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The subscriber's HTTP status, if one came.
    pub status_code: Option<u16>,
    /// Why no acceptable answer came.
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// Records an attempt at `now` (real time): delivered on a 2xx, else retried after the backoff
/// (`retry_base` its unit) or, after the last attempt, failed. `None` when the claim ran out
/// before the attempt ended and another deliverer holds the delivery: nothing is recorded.
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    outcome: &Outcome,
    now: NaiveDateTime,
    retry_base: std::time::Duration,
) -> Result<Option<DeliveryStatus>, StoreError> {
    let delivered = outcome.status_code.is_some_and(|s| (200..300).contains(&s));
    let attempts = claimed.attempts + 1;
    let made = u32::try_from(attempts).unwrap_or(u32::MAX);
    let (status, next) = if delivered {
        (DeliveryStatus::Delivered, None)
    } else {
        match retry_delay(made, retry_base).filter(|_| made < MAX_ATTEMPTS) {
            // A backoff past any date the engines store is no retry at all.
            Some(delay) => match Duration::from_std(delay).ok().and_then(|d| now.checked_add_signed(d)) {
                Some(later) if later.year() <= 9999 => (DeliveryStatus::Pending, Some(later)),
                _ => (DeliveryStatus::Failed, None),
            },
            None => (DeliveryStatus::Failed, None),
        }
    };
    crate::db::write(conn, |conn| {
        // Only while the claim holds: a deliverer whose lease ran out records nothing.
        let n = diesel::update(
            webhook_deliveries::table
                .find(crate::key::bind(claimed.id))
                .filter(webhook_deliveries::status.eq(crate::word::bind(DeliveryStatus::Pending)))
                .filter(webhook_deliveries::next_attempt_at.eq(claimed.lease_until)),
        )
        .set((
            webhook_deliveries::status.eq(crate::word::bind(status)),
            webhook_deliveries::attempts.eq(attempts),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::delivered_at.eq(delivered.then_some(now)),
        ))
        .execute(conn)?;
        if n != 1 {
            return Ok(None);
        }
        let attempt = Attempt {
            id: crate::key::new(),
            delivery_id: claimed.id,
            attempted_at: now,
            url: claimed.url.clone(),
            status_code: outcome.status_code.map(i32::from),
            error: outcome.error.clone(),
            duration_ms: outcome.duration_ms,
        };
        diesel::insert_into(webhook_attempts::table).values(attempt).execute(conn)?;
        Ok(Some(status))
    })
}
