DROP TABLE attendance_days;
