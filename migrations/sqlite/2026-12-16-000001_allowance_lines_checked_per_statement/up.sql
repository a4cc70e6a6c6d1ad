-- The PostgreSQL migration of this name checks a run line's run and employee once per statement
-- instead of by foreign keys, whose row locks were most of the time of storing a large run's lines.
-- SQLite's foreign keys take no row locks: they stay as they are.
SELECT 1;
