-- Daily logs: the policy cap, the logs themselves with their mobile client ids and a per-employee
-- change sequence for the delta feed, and stored Idempotency-Key responses.

-- Policy: the most minutes an employee may log in a day (default 450).
ALTER TABLE agencies ADD COLUMN daily_log_cap_minutes INTEGER NOT NULL DEFAULT 450;

-- The last change number given to one of the employee's logs: the delta feed's cursor. Taken
-- with an UPDATE in the writing transaction, so numbers are handed out in commit order.
ALTER TABLE employees ADD COLUMN log_change_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE daily_logs (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    -- The id a mobile app gave the log offline; retries carry it again.
    client_id TEXT,
    -- SHA-256 of what the client sent under that id, to tell a retry from a different log.
    client_hash TEXT,
    log_date DATE NOT NULL,
    start_time TEXT,
    end_time TEXT,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    description TEXT NOT NULL,
    output_quantity BIGINT NOT NULL CHECK (output_quantity >= 0),
    output_unit TEXT,
    evidence_url TEXT,
    latitude REAL,
    longitude REAL,
    planned_result_id TEXT REFERENCES planned_results (id),
    additional_duty BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'rejected')),
    review_reason TEXT,
    reviewed_by_employee_id TEXT REFERENCES employees (id),
    reviewed_at TIMESTAMP,
    change_seq BIGINT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (employee_id, client_id),
    CHECK ((planned_result_id IS NULL) = additional_duty)
);
CREATE INDEX daily_logs_employee_date_idx ON daily_logs (employee_id, log_date);
CREATE INDEX daily_logs_employee_seq_idx ON daily_logs (employee_id, change_seq);
CREATE INDEX daily_logs_agency_date_idx ON daily_logs (agency_id, log_date);
CREATE INDEX daily_logs_status_idx ON daily_logs (agency_id, status);

CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    -- NULL while the first request is running.
    response_status INTEGER,
    response_body TEXT,
    response_location TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
