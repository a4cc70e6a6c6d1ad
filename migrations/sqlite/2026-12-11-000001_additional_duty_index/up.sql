-- Issue 19: workload counts an additional duty (a log with no planned result) on the post its
-- author held that day, so it reads these logs by agency and day apart from the rest
-- (`workload::DUTY_SQL`). Only they are in this index: a log serving a planned result never
-- touches it.
CREATE INDEX daily_logs_additional_duty_idx ON daily_logs (agency_id, log_date) WHERE planned_result_id IS NULL;
