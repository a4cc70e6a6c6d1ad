-- Issue 19: a run's answer writes its lines out by name a thousand at a time, each step starting
-- after the last line of the one before (`allowance_run::Lines::page`); this index hands over
-- each step in order without sorting the whole run.
CREATE INDEX allowance_lines_in_order_idx ON allowance_lines (run_id, name, nip, employee_id);
