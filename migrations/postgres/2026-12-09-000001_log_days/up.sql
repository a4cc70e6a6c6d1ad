-- Issue 19: each employee's day of daily logs by status (how many logs, their minutes, and the
-- minutes of those that serve a planned result rather than an additional duty), kept with the
-- logs in the same transaction (a log created, edited or reviewed updates it), so the allowance
-- run, maturity, monitoring, dashboards, comparison and the logging curve read one row per
-- employee, day and status instead of grouping every log of the month.
CREATE TABLE log_days (
    employee_id TEXT NOT NULL REFERENCES employees (id),
    log_date DATE NOT NULL,
    status TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- A day's row goes when its last log leaves it (it is never kept at 0).
    logs BIGINT NOT NULL CHECK (logs >= 0),
    minutes BIGINT NOT NULL CHECK (minutes >= 0),
    linked_minutes BIGINT NOT NULL CHECK (linked_minutes >= 0 AND linked_minutes <= minutes),
    PRIMARY KEY (employee_id, log_date, status)
);
-- A span of the agency's days, which every reader above asks for (one employee's days use the
-- primary key).
CREATE INDEX log_days_agency_date_idx ON log_days (agency_id, log_date);

INSERT INTO log_days (employee_id, log_date, status, agency_id, logs, minutes, linked_minutes)
SELECT employee_id, log_date, status, agency_id,
       COUNT(*),
       SUM(duration_minutes),
       SUM(CASE WHEN additional_duty THEN 0 ELSE duration_minutes END)
FROM daily_logs
GROUP BY employee_id, log_date, status, agency_id;
