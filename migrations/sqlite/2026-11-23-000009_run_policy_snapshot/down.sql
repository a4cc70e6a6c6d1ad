ALTER TABLE allowance_runs DROP COLUMN policy;
