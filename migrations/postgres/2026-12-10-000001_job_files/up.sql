-- Issue 19: a job whose result is a file (the SIASN export's CSV, an import's report) keeps the
-- file with it, served at /api/v1/jobs/{id}/file under the rule of the work that made it.
ALTER TABLE jobs ADD COLUMN result_file_name TEXT;
ALTER TABLE jobs ADD COLUMN result_file_type TEXT;
ALTER TABLE jobs ADD COLUMN result_file TEXT;
