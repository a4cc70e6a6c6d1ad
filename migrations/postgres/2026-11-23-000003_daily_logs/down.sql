DROP TABLE idempotency_keys;
DROP TABLE daily_logs;
ALTER TABLE employees DROP COLUMN log_change_seq;
ALTER TABLE agencies DROP COLUMN daily_log_cap_minutes;
