-- Rollout by month (roles.md, Rollout): a unit is rolled out from a month on (the first day of
-- that month); NULL inherits the month of the nearest unit above that sets one. A unit switched
-- on before this change is rolled out from the month it was created in.
ALTER TABLE org_units ADD COLUMN rollout_from DATE;
UPDATE org_units SET rollout_from = CAST(date_trunc('month', created_at) AS DATE) WHERE rollout_enabled;
ALTER TABLE org_units DROP COLUMN rollout_enabled;

-- Allowance lines in allowance.md's words: 'computed', 'pending' (with the reason) or
-- 'not_rolled_out'; the OPD beside the sub-unit; the month's minutes still waiting for review.
ALTER TABLE allowance_lines ADD COLUMN pending_reason TEXT;
UPDATE allowance_lines SET pending_reason = status, status = 'pending'
    WHERE status IN ('no_final_predicate', 'no_base_amount');
ALTER TABLE allowance_lines ADD COLUMN opd_name TEXT;
ALTER TABLE allowance_lines ADD COLUMN unreviewed_minutes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE allowance_runs ADD COLUMN not_rolled_out INTEGER NOT NULL DEFAULT 0;
