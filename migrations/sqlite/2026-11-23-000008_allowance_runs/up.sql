-- Monthly allowance runs: computed as a draft, recomputed while a draft, frozen once approved;
-- a later correction is a new run that shows each employee's difference.
CREATE TABLE allowance_runs (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- A unit (and its sub-units), or NULL for the whole agency.
    org_unit_id TEXT REFERENCES org_units (id),
    month DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'approved')),
    -- The approved run this one corrects.
    previous_run_id TEXT REFERENCES allowance_runs (id),
    -- The policy version used; NULL for the defaults.
    policy_id TEXT REFERENCES allowance_policies (id),
    employees INTEGER NOT NULL,
    computed INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    total BIGINT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    approved_at TIMESTAMP,
    approved_by_account_id TEXT REFERENCES accounts (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX allowance_runs_agency_idx ON allowance_runs (agency_id, month);

CREATE TABLE allowance_lines (
    run_id TEXT NOT NULL REFERENCES allowance_runs (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    nip TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_name TEXT,
    class INTEGER,
    -- 'computed', or why not: 'no_final_predicate', 'no_base_amount'.
    status TEXT NOT NULL,
    base BIGINT NOT NULL,
    performance_factor_bp BIGINT NOT NULL,
    discipline_factor_bp BIGINT NOT NULL,
    deduction_bp BIGINT NOT NULL,
    performance_part BIGINT NOT NULL,
    discipline_part BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    -- The amount of the corrected run, for a correction.
    previous_amount BIGINT,
    -- The whole breakdown, line by line (JSON of `ekinerja_domain::allowance::Breakdown`).
    breakdown TEXT,
    PRIMARY KEY (run_id, employee_id)
);
CREATE INDEX allowance_lines_employee_idx ON allowance_lines (employee_id);
