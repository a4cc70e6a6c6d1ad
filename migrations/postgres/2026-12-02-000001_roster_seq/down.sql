DROP INDEX employees_roster;
ALTER TABLE employees DROP COLUMN roster_seq;
ALTER TABLE agencies DROP COLUMN roster_seq;
