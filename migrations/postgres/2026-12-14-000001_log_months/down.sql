DROP TABLE log_months;
