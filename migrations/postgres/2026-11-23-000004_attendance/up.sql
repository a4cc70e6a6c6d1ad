-- Attendance (e-Presensi): integration keys for the systems that push events, registered
-- fingerprint machines, the events themselves, and the calendar that judges each day: work
-- schedules per agency or unit, holidays, and leave or official travel per employee.

CREATE TABLE integration_keys (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- The system the key was issued to, e.g. "e-Presensi Diskominfo".
    name TEXT NOT NULL,
    -- The key's first characters, shown in lists so an admin can tell keys apart.
    key_prefix TEXT NOT NULL,
    -- SHA-256 of the whole key; the key itself is shown once and never stored.
    key_hash TEXT NOT NULL UNIQUE,
    -- Space-separated scope words, e.g. "attendance_write".
    scopes TEXT NOT NULL,
    -- A Standard Webhooks secret (whsec_...): when set, every request must be signed with it.
    signing_secret TEXT,
    created_by_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    version INTEGER NOT NULL
);
CREATE INDEX integration_keys_agency_idx ON integration_keys (agency_id);

-- Fingerprint machines allowed to push their attendance log themselves (ADMS / iclock).
CREATE TABLE attendance_devices (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    serial_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE attendance_events (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    -- The attendance system's own id of the event: a retry or a re-import carries it again.
    source_event_id TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('push', 'machine', 'import')),
    kind TEXT NOT NULL CHECK (kind IN ('check_in', 'check_out')),
    occurred_at TIMESTAMP NOT NULL,
    -- The wall-clock date and time in the agency's time zone, which the day's discipline reads.
    local_date DATE NOT NULL,
    local_time TEXT NOT NULL,
    device_id TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    integration_key_id TEXT REFERENCES integration_keys (id),
    received_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, source_event_id)
);
CREATE INDEX attendance_events_employee_date_idx ON attendance_events (employee_id, local_date);
CREATE INDEX attendance_events_agency_date_idx ON attendance_events (agency_id, local_date);

-- Working hours by weekday, from a date on, for the agency (org_unit_id NULL) or for a unit and
-- its sub-units where they differ.
CREATE TABLE work_schedules (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    org_unit_id TEXT REFERENCES org_units (id),
    effective_from DATE NOT NULL,
    -- Seven entries, Monday first, "HH:MM-HH:MM" or empty for a day off, comma-separated.
    days TEXT NOT NULL,
    created_by_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX work_schedules_scope_idx ON work_schedules (agency_id, COALESCE(org_unit_id, ''), effective_from);

CREATE TABLE holidays (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    holiday_date DATE NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agency_id, holiday_date)
);

-- Approved leave (cuti) and official travel (dinas luar): excused days.
CREATE TABLE absences (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    kind TEXT NOT NULL CHECK (kind IN ('leave', 'official_travel')),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    note TEXT,
    created_by_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX absences_employee_idx ON absences (employee_id, starts_on);
CREATE INDEX absences_agency_idx ON absences (agency_id, starts_on);
