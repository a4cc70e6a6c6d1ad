-- Policy for the analysis views: one person's effective working hours a year (workload analysis,
-- default 1,250) and the maturity thresholds (JSON of `MaturityPolicy`; none: the defaults).
ALTER TABLE agencies ADD COLUMN effective_working_hours INTEGER NOT NULL DEFAULT 1250;
ALTER TABLE agencies ADD COLUMN maturity_policy TEXT;
