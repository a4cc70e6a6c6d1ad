-- The PostgreSQL migration of this name makes a run's lines order bytewise whatever the
-- cluster's locale. SQLite compares text bytewise (BINARY) already: nothing to change.
SELECT 1;
