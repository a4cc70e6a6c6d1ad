ALTER TABLE jobs DROP COLUMN result_file;
ALTER TABLE jobs DROP COLUMN result_file_type;
ALTER TABLE jobs DROP COLUMN result_file_name;
