DROP TRIGGER allowance_lines_run_truncate ON allowance_runs;
DROP TRIGGER allowance_lines_employee_truncate ON employees;
DROP FUNCTION allowance_lines_truncated();
