ALTER TABLE allowance_runs DROP COLUMN not_rolled_out;
ALTER TABLE allowance_lines DROP COLUMN unreviewed_minutes;
ALTER TABLE allowance_lines DROP COLUMN opd_name;
UPDATE allowance_lines SET status = pending_reason WHERE status = 'pending';
ALTER TABLE allowance_lines DROP COLUMN pending_reason;
ALTER TABLE org_units ADD COLUMN rollout_enabled BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE org_units SET rollout_enabled = TRUE WHERE rollout_from IS NOT NULL;
ALTER TABLE org_units DROP COLUMN rollout_from;
