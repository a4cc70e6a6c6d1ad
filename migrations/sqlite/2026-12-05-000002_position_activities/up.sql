-- Issue 22: workload by standard time (ABK, PermenPANRB 1/2020, workforce.md). A post carries a
-- catalogue of its activities (uraian tugas), each with an output unit and a standard time in
-- minutes per output; a daily log may name the activity it performed.
CREATE TABLE position_activities (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    position_id TEXT NOT NULL REFERENCES positions (id),
    name TEXT NOT NULL,
    output_unit TEXT NOT NULL,
    standard_minutes INTEGER NOT NULL CHECK (standard_minutes BETWEEN 1 AND 100000),
    created_at TIMESTAMP NOT NULL,
    -- A post names each activity once: the catalogue import finds it by this.
    UNIQUE (position_id, name)
);
ALTER TABLE daily_logs ADD COLUMN activity_id TEXT REFERENCES position_activities (id);
