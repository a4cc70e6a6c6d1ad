-- Issue 21: a task overdue (a log's review, a leave request's step waiting past the agency's
-- escalation policy) is told to subscribers once per wait: the wait is known by the subject's id
-- and the moment it began (the subject's last change), so a log corrected and submitted again
-- waits anew.
CREATE TABLE overdue_notices (
    subject_id TEXT NOT NULL,
    waiting_since TIMESTAMP NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    notified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (subject_id, waiting_since)
);
-- An agency's notices, for the scan.
CREATE INDEX overdue_notices_agency_idx ON overdue_notices (agency_id);
