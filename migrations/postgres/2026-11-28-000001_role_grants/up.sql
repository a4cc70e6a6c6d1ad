-- Roles the agency admin grants on accounts of the agency (roles.md): `leader` reads the whole
-- agency, `finance` reads, exports and approves allowance runs. A grant is revoked, never
-- deleted, so who could see what, and when, stays on record.
CREATE TABLE role_grants (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL,
    granted_by_account_id TEXT REFERENCES accounts (id),
    granted_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by_account_id TEXT REFERENCES accounts (id)
);
-- One grant in force per account and role; the access rule reads an account's grants by it.
CREATE UNIQUE INDEX role_grants_in_force_idx ON role_grants (account_id, role) WHERE revoked_at IS NULL;
-- The agency admin's list, newest first.
CREATE INDEX role_grants_agency_idx ON role_grants (agency_id, id);

-- Separation of duties (roles.md, policy on by default): the account that computed an allowance
-- run does not approve it.
ALTER TABLE agencies ADD COLUMN allowance_separation_of_duties BOOLEAN NOT NULL DEFAULT TRUE;
-- Who computed a run (last), for that rule; unknown for runs computed before it was kept.
ALTER TABLE allowance_runs ADD COLUMN computed_by_account_id TEXT REFERENCES accounts (id);
