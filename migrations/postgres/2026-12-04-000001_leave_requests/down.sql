DROP TABLE leave_requests;
ALTER TABLE agencies DROP COLUMN leave_approval;
