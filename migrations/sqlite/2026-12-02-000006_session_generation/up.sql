-- Issue 17: access tokens carry the account's session generation; logout, a password change or
-- reset, refresh-token reuse and leaving service move it on, so tokens issued before stop
-- working at once instead of when they expire.
ALTER TABLE accounts ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
