-- The policy a run was computed with, as it was then: replacing a policy version later does not
-- change what an approved run says it applied.
ALTER TABLE allowance_runs ADD COLUMN policy TEXT;
