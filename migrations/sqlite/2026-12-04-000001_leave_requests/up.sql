-- Issue 21: leave requests (workforce.md). The employee asks; the direct supervisor recommends or
-- refuses; the head of the employee's OPD approves or refuses (policy `leave_approval`:
-- `one_step` lets the direct supervisor approve alone). Approval records the absence that
-- excuses the days (`absence_id`); cancelling an approved request cancels it.
ALTER TABLE agencies ADD COLUMN leave_approval TEXT NOT NULL DEFAULT 'two_step'
    CHECK (leave_approval IN ('two_step', 'one_step'));
CREATE TABLE leave_requests (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    kind TEXT NOT NULL
        CHECK (kind IN ('annual', 'long_service', 'sick', 'maternity', 'important_reason', 'official_travel',
                        'permission')),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    -- A permission's window of its one day, local times 'HH:MM'; NULL for whole days.
    window_start TEXT,
    window_end TEXT,
    -- Working days of the employee's own schedule in the span when it was asked for.
    working_days INTEGER NOT NULL CHECK (working_days >= 0),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'recommended', 'approved', 'refused', 'cancelled')),
    requested_by_account_id TEXT NOT NULL REFERENCES accounts (id),
    recommended_by_account_id TEXT REFERENCES accounts (id),
    recommended_at TIMESTAMP,
    decided_by_account_id TEXT REFERENCES accounts (id),
    decided_at TIMESTAMP,
    refusal_reason TEXT,
    absence_id TEXT REFERENCES absences (id),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on),
    -- A permission has a window; nothing else does.
    CHECK ((kind = 'permission') = (window_start IS NOT NULL AND window_end IS NOT NULL))
);
-- One employee's requests by date: the overlap check and their own list.
CREATE INDEX leave_requests_employee_idx ON leave_requests (employee_id, starts_on);
-- The agency's requests waiting for a decision: the deciders' tasks.
CREATE INDEX leave_requests_waiting_idx ON leave_requests (agency_id, status);
