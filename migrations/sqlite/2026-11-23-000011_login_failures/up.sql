-- Failed sign-ins, so that every server process behind one database throttles guessing alike.
-- The key is a SHA-256 of the login (and of the login with the client address), never the text.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    throttle_key TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key_idx ON login_failures (throttle_key, failed_at);
CREATE INDEX login_failures_time_idx ON login_failures (failed_at);
