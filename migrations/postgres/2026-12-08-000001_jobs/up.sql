-- Issue 19: long work as a job. The job is stored in the transaction that answers 202, so a job
-- acknowledged is never lost; a worker claims it with a lease (a job claimed by a server that
-- died is claimed again once the lease runs out), runs it as the account that started it, and
-- keeps its result's location or the problem that stopped it.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    -- What to do, as the kind reads it (JSON).
    request TEXT NOT NULL,
    started_by_account_id TEXT NOT NULL REFERENCES accounts (id),
    -- The request that started it, to find it in the logs.
    request_id TEXT,
    stage TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- While running: until when the worker's claim holds.
    lease_until TIMESTAMP,
    result_location TEXT,
    -- The problem document (RFC 9457) that stopped it.
    problem TEXT,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
-- The worker's poll: the oldest job queued, or running past its lease.
CREATE INDEX jobs_waiting_idx ON jobs (status, created_at);
