DROP TABLE absences;
DROP TABLE holidays;
DROP TABLE work_schedules;
DROP TABLE attendance_events;
DROP TABLE attendance_devices;
DROP TABLE integration_keys;
