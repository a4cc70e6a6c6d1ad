-- Issue 19: each employee's day of attendance, kept with the events in the same transaction (an
-- event stored or voided updates it), so discipline reads one row per employee and day instead
-- of grouping every event of the month. Voided events do not count.
CREATE TABLE attendance_days (
    employee_id TEXT NOT NULL REFERENCES employees (id),
    local_date DATE NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- The earliest check-in and the latest check-out of the day ("HH:MM:SS", the agency's
    -- wall clock); NULL when there is none.
    first_check_in TEXT,
    last_check_out TEXT,
    PRIMARY KEY (employee_id, local_date)
);
-- A month of the agency, which discipline and the allowance run read.
CREATE INDEX attendance_days_agency_date_idx ON attendance_days (agency_id, local_date);

INSERT INTO attendance_days (employee_id, local_date, agency_id, first_check_in, last_check_out)
SELECT employee_id, local_date, agency_id,
       MIN(CASE WHEN kind = 'check_in' THEN local_time END),
       MAX(CASE WHEN kind = 'check_out' THEN local_time END)
FROM attendance_events
WHERE voided_at IS NULL
GROUP BY employee_id, local_date, agency_id;
