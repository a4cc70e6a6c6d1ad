-- Issue 19: each employee's month of daily logs by status and agency, kept with the logs in the
-- transaction that writes them (with their days, `log_days`): how many logs, their minutes, the minutes
-- of those serving a planned result, and which days of the month have a log (bit n - 1 for day n).
-- A month report of a 100,000-employee agency reads a row per employee here instead of summing
-- two million days.
CREATE TABLE log_months (
    employee_id TEXT NOT NULL REFERENCES employees (id),
    -- The month's first day.
    month DATE NOT NULL,
    status TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- A month's row goes when its last day of logs goes (it is never kept at 0).
    logs BIGINT NOT NULL CHECK (logs > 0),
    minutes BIGINT NOT NULL CHECK (minutes >= 0),
    linked_minutes BIGINT NOT NULL CHECK (linked_minutes >= 0 AND linked_minutes <= minutes),
    days BIGINT NOT NULL CHECK (days > 0),
    PRIMARY KEY (employee_id, month, status, agency_id)
);
-- An agency's month, which the month reports read (one employee's months use the primary key).
CREATE INDEX log_months_agency_month_idx ON log_months (agency_id, month);

INSERT INTO log_months (employee_id, month, status, agency_id, logs, minutes, linked_minutes, days)
SELECT employee_id, CAST(date_trunc('month', CAST(log_date AS TIMESTAMP)) AS DATE), status, agency_id,
       COUNT(*), SUM(duration_minutes), SUM(CASE WHEN additional_duty THEN 0 ELSE duration_minutes END),
       -- A day's logs set its bit once.
       BIT_OR(CAST(1 AS BIGINT) << (CAST(EXTRACT(DAY FROM log_date) AS INTEGER) - 1))
FROM daily_logs
GROUP BY employee_id, CAST(date_trunc('month', CAST(log_date AS TIMESTAMP)) AS DATE), status, agency_id;
