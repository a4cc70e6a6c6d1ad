DROP TABLE log_days;
