-- Periodic evaluation: the agency's cadence, evaluation periods (closing one locks its daily
-- logs), and evaluations with their ratings, feedback and revisions.

-- Policy: how often the agency evaluates during the year (monthly or quarterly).
ALTER TABLE agencies ADD COLUMN evaluation_cadence TEXT NOT NULL DEFAULT 'quarterly';

CREATE TABLE evaluation_periods (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    performance_period_id TEXT NOT NULL REFERENCES performance_periods (id),
    kind TEXT NOT NULL CHECK (kind IN ('monthly', 'quarterly', 'annual')),
    number INTEGER NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_at TIMESTAMP,
    closed_by_account_id TEXT REFERENCES accounts (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (performance_period_id, kind, number)
);
CREATE INDEX evaluation_periods_agency_idx ON evaluation_periods (agency_id, starts_on);

CREATE TABLE evaluations (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    evaluation_period_id TEXT NOT NULL REFERENCES evaluation_periods (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    -- Who rates: the direct supervisor when the evaluation was opened; NULL for the top of the
    -- agency, rated by the official set for the agency and recorded by the agency admin.
    evaluator_employee_id TEXT REFERENCES employees (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
    results_rating TEXT,
    behaviour_rating TEXT,
    -- Computed from the two ratings on finalising; never written by a person.
    predicate TEXT,
    feedback TEXT,
    revision INTEGER NOT NULL,
    previous_evaluation_id TEXT REFERENCES evaluations (id),
    -- A later revision was finalised: this one stays readable but no longer counts.
    superseded BOOLEAN NOT NULL,
    finalised_at TIMESTAMP,
    finalised_by_account_id TEXT REFERENCES accounts (id),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (evaluation_period_id, employee_id, revision)
);
CREATE INDEX evaluations_employee_idx ON evaluations (employee_id, evaluation_period_id);
CREATE INDEX evaluations_period_idx ON evaluations (evaluation_period_id);

-- The rating and feedback per BerAKHLAK core value.
CREATE TABLE evaluation_behaviours (
    evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
    core_value TEXT NOT NULL,
    rating TEXT NOT NULL,
    feedback TEXT,
    PRIMARY KEY (evaluation_id, core_value)
);

-- The supervisor's feedback per planned result (RHK).
CREATE TABLE evaluation_feedback (
    evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
    planned_result_id TEXT NOT NULL REFERENCES planned_results (id),
    feedback TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, planned_result_id)
);
