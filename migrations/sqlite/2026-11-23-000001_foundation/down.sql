DROP TABLE audit_events;
DROP TABLE refresh_tokens;
DROP TABLE accounts;
DROP TABLE acting_assignments;
DROP TABLE employees;
DROP TABLE positions;
DROP TABLE org_units;
DROP TABLE agencies;
