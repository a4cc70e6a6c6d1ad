DROP TABLE evidence_files;
ALTER TABLE agencies DROP COLUMN evidence_quota_bytes;
