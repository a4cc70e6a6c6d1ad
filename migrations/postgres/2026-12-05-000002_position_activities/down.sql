ALTER TABLE daily_logs DROP COLUMN activity_id;
DROP TABLE position_activities;
