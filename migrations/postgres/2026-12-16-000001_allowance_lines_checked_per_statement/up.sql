-- A run's lines name their run and employee, checked once per statement rather than once per line.
--
-- As foreign keys, each of a run's lines locked its employee's row and its run's row (FOR KEY
-- SHARE): a lock written into each of 100,000 employees' rows, and the same run's row locked
-- 100,000 times, for one run of a large agency. That was about two thirds of the time of storing
-- the lines (COPY of 100,000 lines: 3.6 s with the two keys, 1.3 s without, 1.5 s with the
-- statement checks below; issue 19). The same references are now checked for each statement's
-- lines at once: a line naming an employee or a run that does not exist is refused with the
-- foreign key error, and so is deleting (or renaming) an employee or a run that lines name.
--
-- What the keys' locks also did, and these checks do not, is hold off a delete committed by
-- another transaction between the check and the commit. Nothing deletes employees (they are
-- deactivated) or runs (a correction is a new run), so no such delete exists to race with.
ALTER TABLE allowance_lines DROP CONSTRAINT allowance_lines_employee_id_fkey;
ALTER TABLE allowance_lines DROP CONSTRAINT allowance_lines_run_id_fkey;

CREATE FUNCTION allowance_lines_refer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_lines n LEFT JOIN employees e ON e.id = n.employee_id WHERE e.id IS NULL)
        OR EXISTS (SELECT 1 FROM new_lines n LEFT JOIN allowance_runs r ON r.id = n.run_id WHERE r.id IS NULL) THEN
        RAISE EXCEPTION 'a run line names an employee or a run that does not exist'
            USING ERRCODE = 'foreign_key_violation', TABLE = 'allowance_lines';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER allowance_lines_refer_insert AFTER INSERT ON allowance_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION allowance_lines_refer();
-- Lines are never updated, nor are the ids of employees and runs: a change of a line's run or
-- employee, or of an id that lines name, is checked a row at a time, and only such a change (a
-- column list) fires it, so the updates that happen (an employee's change sequence on every daily
-- log) pay nothing.
CREATE FUNCTION allowance_lines_refer_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'allowance_lines' THEN
        IF NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = NEW.employee_id)
            OR NOT EXISTS (SELECT 1 FROM allowance_runs r WHERE r.id = NEW.run_id) THEN
            RAISE EXCEPTION 'a run line names an employee or a run that does not exist'
                USING ERRCODE = 'foreign_key_violation', TABLE = 'allowance_lines';
        END IF;
        RETURN NULL;
    END IF;
    IF OLD.id IS DISTINCT FROM NEW.id AND EXISTS (
        SELECT 1 FROM allowance_lines l
        WHERE (TG_TABLE_NAME = 'employees' AND l.employee_id = OLD.id)
            OR (TG_TABLE_NAME = 'allowance_runs' AND l.run_id = OLD.id)) THEN
        RAISE EXCEPTION 'run lines still name this %', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER allowance_lines_refer_update AFTER UPDATE OF run_id, employee_id ON allowance_lines
    FOR EACH ROW EXECUTE FUNCTION allowance_lines_refer_row();
CREATE TRIGGER allowance_lines_employee_id_update AFTER UPDATE OF id ON employees
    FOR EACH ROW EXECUTE FUNCTION allowance_lines_refer_row();
CREATE TRIGGER allowance_lines_run_id_update AFTER UPDATE OF id ON allowance_runs
    FOR EACH ROW EXECUTE FUNCTION allowance_lines_refer_row();

-- Deleting an employee or a run that lines name, checked once per statement.
CREATE FUNCTION allowance_lines_referred() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_rows o
        WHERE EXISTS (SELECT 1 FROM allowance_lines l
                      WHERE (TG_TABLE_NAME = 'employees' AND l.employee_id = o.id)
                          OR (TG_TABLE_NAME = 'allowance_runs' AND l.run_id = o.id))) THEN
        RAISE EXCEPTION 'run lines still name this %', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER allowance_lines_employee_delete AFTER DELETE ON employees
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION allowance_lines_referred();
CREATE TRIGGER allowance_lines_run_delete AFTER DELETE ON allowance_runs
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION allowance_lines_referred();
