-- Issue 21: shifts and rosters (workforce.md). A unit that works in shifts has the schedule
-- `roster` (work_schedules.days) from a date on; it defines its shifts, which its sub-units
-- roster too, and each of its employees has one shift, or a day off, per date.
CREATE TABLE shifts (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    org_unit_id TEXT NOT NULL REFERENCES org_units (id),
    -- What a roster cell says, such as P, S or M.
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Times of day, HH:MM; an end at or before the start falls on the next date.
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- A code names one shift of a unit: the roster CSV finds it by this.
    UNIQUE (org_unit_id, code)
);
-- The agency's shifts, for the list and for discipline.
CREATE INDEX shifts_agency_idx ON shifts (agency_id);
CREATE TABLE roster_days (
    employee_id TEXT NOT NULL REFERENCES employees (id),
    roster_date DATE NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- NULL: a day off.
    shift_id TEXT REFERENCES shifts (id),
    set_by_account_id TEXT REFERENCES accounts (id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (employee_id, roster_date)
);
-- A month of the agency's rosters, for discipline and the allowance run.
CREATE INDEX roster_days_agency_date_idx ON roster_days (agency_id, roster_date);
