-- Issue 22: the distribution pattern of each unit rating is agency policy (domain.md), versioned
-- by the month it takes effect, rating by rating; a rating the agency never set keeps the default
-- of SE MenPANRB 3/2023.
CREATE TABLE distribution_patterns (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    unit_rating TEXT NOT NULL CHECK (unit_rating IN ('outstanding', 'good', 'needs_improvement', 'poor', 'very_poor')),
    -- The first day of the month it takes effect.
    effective_month DATE NOT NULL,
    -- The rules, as the API writes them (JSON).
    rules TEXT NOT NULL,
    created_by_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    -- One version of a rating per month; the pattern in force is found by this key.
    UNIQUE (agency_id, unit_rating, effective_month)
);
