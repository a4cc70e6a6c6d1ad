DROP TABLE indicator_targets;
DROP TABLE indicators;
DROP TABLE planned_results;
DROP TABLE agreements;
DROP TABLE organisational_goals;
DROP TABLE performance_periods;
