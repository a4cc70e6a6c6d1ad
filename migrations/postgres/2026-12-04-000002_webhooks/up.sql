-- Issue 21: notifications. An agency subscribes endpoints to events; each event is written to
-- the outbox (`webhook_deliveries`) in the same transaction as the change, so nothing is lost on
-- a crash and nothing is sent for a change that rolled back; a deliverer sends it, signed with
-- Standard Webhooks, and retries with backoff; every attempt is kept.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    url TEXT NOT NULL,
    -- The signing secret (whsec_…), shown once when subscribed.
    secret TEXT NOT NULL,
    -- Space-separated event types, sorted.
    event_types TEXT NOT NULL,
    description TEXT,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    created_by_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The agency's subscribers, for enqueueing an event and for the list.
CREATE INDEX webhook_subscriptions_agency_idx ON webhook_subscriptions (agency_id);
CREATE TABLE webhook_deliveries (
    -- Also the message's `webhook-id`, the same on every attempt.
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- When the next attempt is due; NULL: as soon as the deliverer sees it.
    next_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
-- What is due: the deliverer's poll.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
-- One subscriber's deliveries, newest first, for their list.
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at TIMESTAMP NOT NULL,
    -- Where it was posted: the subscriber's URL then.
    url TEXT NOT NULL,
    -- The subscriber's HTTP status, or NULL when none came (refused, timed out).
    status_code INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL
);
-- A delivery's attempts, in order.
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);
