-- Policy (issue 16, roles.md "W after escalation"): a log waiting for review this many working
-- days after the day it was submitted may be decided from above the direct supervisor too, and
-- shows in the next supervisor up's tasks; 0 never escalates.
ALTER TABLE agencies ADD COLUMN review_escalation_working_days INTEGER NOT NULL DEFAULT 5;
