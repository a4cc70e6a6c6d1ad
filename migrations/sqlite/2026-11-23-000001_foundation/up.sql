-- Foundation: agencies, the org-unit tree, positions, employees, acting assignments,
-- accounts and refresh tokens, the audit trail.
-- Ids are UUIDv7 strings; instants are UTC TIMESTAMPs with microsecond precision (the
-- application truncates to microseconds so both engines round-trip identically).

CREATE TABLE agencies (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL CHECK (time_zone IN ('wib', 'wita', 'wit')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE org_units (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    parent_id TEXT REFERENCES org_units (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    rollout_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, code)
);
CREATE INDEX org_units_parent_idx ON org_units (parent_id);

CREATE TABLE positions (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    name TEXT NOT NULL,
    position_type TEXT NOT NULL
        CHECK (position_type IN ('jpt', 'administrator', 'pengawas', 'pelaksana', 'fungsional')),
    class INTEGER NOT NULL CHECK (class BETWEEN 1 AND 17),
    supervisor_position_id TEXT REFERENCES positions (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX positions_agency_idx ON positions (agency_id);
CREATE INDEX positions_org_unit_idx ON positions (org_unit_id);
CREATE INDEX positions_supervisor_idx ON positions (supervisor_position_id);

CREATE TABLE employees (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    nip TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    employment_type TEXT NOT NULL CHECK (employment_type IN ('pns', 'pppk')),
    rank TEXT,
    position_id TEXT REFERENCES positions (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX employees_agency_idx ON employees (agency_id);
CREATE INDEX employees_position_idx ON employees (position_id);

CREATE TABLE acting_assignments (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    position_id TEXT NOT NULL REFERENCES positions (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    kind TEXT NOT NULL CHECK (kind IN ('plt', 'plh')),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX acting_assignments_position_idx ON acting_assignments (position_id);
CREATE INDEX acting_assignments_agency_idx ON acting_assignments (agency_id);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT REFERENCES agencies (id),
    employee_id TEXT UNIQUE REFERENCES employees (id),
    username TEXT UNIQUE,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('employee', 'agency_admin', 'platform_admin')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_changed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (employee_id IS NOT NULL OR username IS NOT NULL),
    CHECK (role = 'platform_admin' OR agency_id IS NOT NULL)
);
CREATE INDEX accounts_agency_idx ON accounts (agency_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account_idx ON refresh_tokens (account_id);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT REFERENCES agencies (id),
    actor_account_id TEXT REFERENCES accounts (id),
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_state TEXT,
    after_state TEXT,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_entity_idx ON audit_events (agency_id, entity_id);
CREATE INDEX audit_events_actor_idx ON audit_events (agency_id, actor_account_id);
