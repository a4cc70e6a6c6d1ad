-- The agency's allowance and discipline policy, versioned by the month it takes effect: weights,
-- factors per predicate, deduction bands, tolerance, cap and base amounts per position class,
-- stored as the JSON of `ekinerja_domain::allowance::AgencyPolicy`.
CREATE TABLE allowance_policies (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- The first day of the first month it applies to.
    effective_month DATE NOT NULL,
    policy TEXT NOT NULL,
    created_by_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, effective_month)
);
