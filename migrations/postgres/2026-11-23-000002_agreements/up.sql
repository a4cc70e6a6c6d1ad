-- Performance agreements (SKP): performance periods, organisational goals, agreements with
-- their planned results (RHK), indicators and target breakdowns.

CREATE TABLE performance_periods (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, year),
    CHECK (starts_on <= ends_on)
);

CREATE TABLE organisational_goals (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    period_id TEXT NOT NULL REFERENCES performance_periods (id),
    org_unit_id TEXT REFERENCES org_units (id),
    name TEXT NOT NULL,
    indicator TEXT NOT NULL,
    target_quantity BIGINT NOT NULL CHECK (target_quantity > 0),
    target_unit TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organisational_goals_period_idx ON organisational_goals (agency_id, period_id);

CREATE TABLE agreements (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    period_id TEXT NOT NULL REFERENCES performance_periods (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    position_id TEXT NOT NULL REFERENCES positions (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned', 'superseded')),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    previous_revision_id TEXT REFERENCES agreements (id),
    return_comment TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    submitted_at TIMESTAMP,
    approved_at TIMESTAMP,
    approved_by_employee_id TEXT REFERENCES employees (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX agreements_employee_idx ON agreements (employee_id, period_id);
CREATE INDEX agreements_period_idx ON agreements (agency_id, period_id, status);

CREATE TABLE planned_results (
    id TEXT PRIMARY KEY NOT NULL,
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL CHECK (kind IN ('main', 'additional')),
    -- The planned result's identity across revisions: the id of its first version.
    lineage_id TEXT NOT NULL,
    description TEXT NOT NULL,
    parent_result_id TEXT REFERENCES planned_results (id),
    goal_id TEXT REFERENCES organisational_goals (id),
    ordinal INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (parent_result_id IS NULL OR goal_id IS NULL)
);
CREATE INDEX planned_results_agreement_idx ON planned_results (agreement_id);
CREATE INDEX planned_results_parent_idx ON planned_results (parent_result_id);
CREATE INDEX planned_results_goal_idx ON planned_results (goal_id);
CREATE INDEX planned_results_lineage_idx ON planned_results (lineage_id);

CREATE TABLE indicators (
    id TEXT PRIMARY KEY NOT NULL,
    planned_result_id TEXT NOT NULL REFERENCES planned_results (id),
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    description TEXT NOT NULL,
    target_quantity BIGINT NOT NULL CHECK (target_quantity > 0),
    target_unit TEXT NOT NULL,
    quality_target_bp INTEGER CHECK (quality_target_bp BETWEEN 0 AND 10000),
    time_target_months INTEGER CHECK (time_target_months BETWEEN 1 AND 12),
    cost_target BIGINT CHECK (cost_target >= 0),
    breakdown TEXT CHECK (breakdown IN ('monthly', 'quarterly')),
    ordinal INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX indicators_result_idx ON indicators (planned_result_id);
CREATE INDEX indicators_agreement_idx ON indicators (agreement_id);

CREATE TABLE indicator_targets (
    indicator_id TEXT NOT NULL REFERENCES indicators (id),
    part INTEGER NOT NULL CHECK (part BETWEEN 1 AND 12),
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (indicator_id, part)
);
