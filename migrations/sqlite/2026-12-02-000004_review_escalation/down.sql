ALTER TABLE agencies DROP COLUMN review_escalation_working_days;
