ALTER TABLE attendance_events DROP COLUMN void_reason;
ALTER TABLE attendance_events DROP COLUMN voided_by_account_id;
ALTER TABLE attendance_events DROP COLUMN voided_at;
ALTER TABLE attendance_devices DROP COLUMN allow_any_source;
ALTER TABLE attendance_devices DROP COLUMN allowed_sources;
