PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
DELETE FROM accounts WHERE role = 'member';
CREATE TABLE accounts_old (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT REFERENCES agencies (id),
    employee_id TEXT UNIQUE REFERENCES employees (id),
    username TEXT UNIQUE,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('employee', 'agency_admin', 'platform_admin')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_changed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (employee_id IS NOT NULL OR username IS NOT NULL),
    CHECK (role = 'platform_admin' OR agency_id IS NOT NULL)
);
INSERT INTO accounts_old (id, agency_id, employee_id, username, password_hash, role, active, password_changed_at, created_at, updated_at)
    SELECT id, agency_id, employee_id, username, password_hash, role, active, password_changed_at, created_at, updated_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_old RENAME TO accounts;
CREATE INDEX accounts_agency_idx ON accounts (agency_id);
COMMIT;
PRAGMA foreign_keys = ON;
