DROP TABLE roster_days;
DROP TABLE shifts;
