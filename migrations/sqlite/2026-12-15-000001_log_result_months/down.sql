DROP TABLE log_result_months;
