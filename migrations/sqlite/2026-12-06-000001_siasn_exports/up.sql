-- Issue 22: maturity level 6 asks whether the year's SIASN export has been produced, so each
-- performance year keeps when its export was first and last produced, by whom, and how often.
-- Only an export made after the year ended, with its employees in it, is recorded.
CREATE TABLE siasn_exports (
    performance_period_id TEXT PRIMARY KEY NOT NULL REFERENCES performance_periods (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    first_produced_at TIMESTAMP NOT NULL,
    last_produced_at TIMESTAMP NOT NULL,
    last_produced_by_account_id TEXT REFERENCES accounts (id),
    -- Employees in the last export.
    last_rows INTEGER NOT NULL,
    times INTEGER NOT NULL
);
