ALTER TABLE agencies DROP COLUMN top_official_logs_accepted;
