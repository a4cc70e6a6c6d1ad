-- Issue 19: each employee's month of daily logs serving each planned result, by status and agency,
-- kept with the logs in the transaction that writes them (with `log_days` and `log_months`): how
-- many logs and their minutes. A month report of a 100,000-employee agency reads the minutes on
-- results with a target for the month from here (a row per employee and result) instead of
-- joining two million logs to their results' targets.
CREATE TABLE log_result_months (
    employee_id TEXT NOT NULL REFERENCES employees (id),
    -- The month's first day.
    month DATE NOT NULL,
    status TEXT NOT NULL,
    planned_result_id TEXT NOT NULL REFERENCES planned_results (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- A row goes when its last log goes (it is never kept at 0).
    logs BIGINT NOT NULL CHECK (logs > 0),
    minutes BIGINT NOT NULL CHECK (minutes >= 0),
    PRIMARY KEY (employee_id, month, status, planned_result_id, agency_id)
);
-- An agency's month, which the month reports read (one employee's months use the primary key).
CREATE INDEX log_result_months_agency_month_idx ON log_result_months (agency_id, month);

INSERT INTO log_result_months (employee_id, month, status, planned_result_id, agency_id, logs, minutes)
SELECT employee_id, CAST(date_trunc('month', CAST(log_date AS TIMESTAMP)) AS DATE), status, planned_result_id,
       agency_id, COUNT(*), SUM(duration_minutes)
FROM daily_logs
WHERE planned_result_id IS NOT NULL
GROUP BY employee_id, CAST(date_trunc('month', CAST(log_date AS TIMESTAMP)) AS DATE), status, planned_result_id,
         agency_id;
