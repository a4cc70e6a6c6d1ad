-- The roster an attendance or payroll system syncs (integration scope employees_read): every
-- change to what it shows (NIP, name, unit, active) takes the agency's next roster number, in
-- commit order (the agency row's lock), so "changed since N" never misses a change.
ALTER TABLE agencies ADD COLUMN roster_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE employees ADD COLUMN roster_seq BIGINT NOT NULL DEFAULT 0;
-- For GET /api/v1/integration/employees: an agency's roster in change order.
CREATE INDEX employees_roster ON employees (agency_id, roster_seq, id);
