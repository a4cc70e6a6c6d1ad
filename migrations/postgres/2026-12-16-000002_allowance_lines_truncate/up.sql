-- With their foreign keys, a run's lines kept their employees and runs from being emptied by
-- TRUNCATE (refused, or with CASCADE the lines emptied too). Since the keys became checks per
-- statement (2026-12-16-000001), emptying `employees` or `allowance_runs` while lines name them
-- is refused here, with the foreign key error. Nothing in the code truncates either table.
CREATE FUNCTION allowance_lines_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM allowance_lines) THEN
        RAISE EXCEPTION 'run lines still name this %', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER allowance_lines_employee_truncate AFTER TRUNCATE ON employees
    FOR EACH STATEMENT EXECUTE FUNCTION allowance_lines_truncated();
CREATE TRIGGER allowance_lines_run_truncate AFTER TRUNCATE ON allowance_runs
    FOR EACH STATEMENT EXECUTE FUNCTION allowance_lines_truncated();
