-- `member` accounts: an account of the agency with no employee record and no powers of its own,
-- which sees what the roles granted to it give (the region head's office, the payroll office).
-- SQLite's way to widen a CHECK: rebuild the table (sqlite.org/lang_altertable.html, "making
-- other kinds of table schema changes"), in one transaction with foreign keys off.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE accounts_new (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT REFERENCES agencies (id),
    employee_id TEXT UNIQUE REFERENCES employees (id),
    username TEXT UNIQUE,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('employee', 'agency_admin', 'member', 'platform_admin')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_changed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (employee_id IS NOT NULL OR username IS NOT NULL),
    CHECK (role = 'platform_admin' OR agency_id IS NOT NULL),
    CHECK (role <> 'member' OR employee_id IS NULL)
);
INSERT INTO accounts_new (id, agency_id, employee_id, username, password_hash, role, active, password_changed_at, created_at, updated_at)
    SELECT id, agency_id, employee_id, username, password_hash, role, active, password_changed_at, created_at, updated_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_agency_idx ON accounts (agency_id);
COMMIT;
PRAGMA foreign_keys = ON;
