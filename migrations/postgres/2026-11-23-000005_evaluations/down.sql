DROP TABLE evaluation_feedback;
DROP TABLE evaluation_behaviours;
DROP TABLE evaluations;
DROP TABLE evaluation_periods;
ALTER TABLE agencies DROP COLUMN evaluation_cadence;
