-- Issue 21: evidence files. A photo or a PDF an employee uploads to prove a day's work, checked by
-- its content and stored (outside the database) without a picture's metadata; attached to one of
-- the employee's logs, it is served only to those who may read that log.
CREATE TABLE evidence_files (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- Whose work it proves: the employee who uploaded it.
    employee_id TEXT NOT NULL REFERENCES employees (id),
    -- What it proves, once attached: one log, one indicator's self-assessed realisation in an
    -- evaluation, or one leave request (a doctor's letter); a file proves one record.
    daily_log_id TEXT REFERENCES daily_logs (id),
    leave_request_id TEXT REFERENCES leave_requests (id),
    evaluation_id TEXT REFERENCES evaluations (id),
    indicator_id TEXT REFERENCES indicators (id),
    media_type TEXT NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size_bytes BIGINT NOT NULL,
    -- SHA-256 of the stored bytes, lower-case hex: checked on every read.
    sha256 TEXT NOT NULL,
    -- A photo's GPS position, the only metadata kept.
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    created_at TIMESTAMP NOT NULL
);
-- A log's files.
CREATE INDEX evidence_files_log_idx ON evidence_files (daily_log_id);
-- A leave request's files.
CREATE INDEX evidence_files_leave_idx ON evidence_files (leave_request_id);
-- A realisation's files.
CREATE INDEX evidence_files_evaluation_idx ON evidence_files (evaluation_id, indicator_id);
-- The agency's stored bytes, against its quota.
CREATE INDEX evidence_files_agency_idx ON evidence_files (agency_id);
-- Policy: the bytes of evidence an agency may store (default 5 GiB).
ALTER TABLE agencies ADD COLUMN evidence_quota_bytes BIGINT NOT NULL DEFAULT 5368709120;
