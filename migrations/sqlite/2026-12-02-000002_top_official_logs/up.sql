-- Policy (roles.md, the top of the chain): the agency's top official has no supervisor; their
-- logs are reviewed by the agency admin, or, with this on, accepted on submission.
ALTER TABLE agencies ADD COLUMN top_official_logs_accepted BOOLEAN NOT NULL DEFAULT FALSE;
