-- Issue 17: a machine pushes only from the networks named when it was registered
-- (comma-separated CIDRs), or, said explicitly, from anywhere. Machines registered before keep
-- working from anywhere and are flagged so, until their admin names their sources.
ALTER TABLE attendance_devices ADD COLUMN allowed_sources TEXT NOT NULL DEFAULT '';
ALTER TABLE attendance_devices ADD COLUMN allow_any_source BOOLEAN NOT NULL DEFAULT false;
UPDATE attendance_devices SET allow_any_source = true;
-- A voided event stays, with who voided it and why; discipline leaves it out.
ALTER TABLE attendance_events ADD COLUMN voided_at TIMESTAMP;
ALTER TABLE attendance_events ADD COLUMN voided_by_account_id TEXT REFERENCES accounts (id);
ALTER TABLE attendance_events ADD COLUMN void_reason TEXT;
