ALTER TABLE allowance_runs DROP COLUMN computed_by_account_id;
ALTER TABLE agencies DROP COLUMN allowance_separation_of_duties;
DROP TABLE role_grants;
