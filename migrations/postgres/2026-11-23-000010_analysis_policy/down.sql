ALTER TABLE agencies DROP COLUMN maturity_policy;
ALTER TABLE agencies DROP COLUMN effective_working_hours;
