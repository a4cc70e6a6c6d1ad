DROP TABLE allowance_lines;
DROP TABLE allowance_runs;
