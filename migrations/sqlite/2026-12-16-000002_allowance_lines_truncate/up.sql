-- The PostgreSQL migration of this name refuses emptying employees or runs that a run's lines
-- name. SQLite has no TRUNCATE, and its foreign keys stay: nothing to change.
SELECT 1;
