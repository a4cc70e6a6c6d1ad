ALTER TABLE allowance_lines ALTER COLUMN name TYPE TEXT COLLATE "default";
