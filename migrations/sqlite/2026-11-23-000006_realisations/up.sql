-- The employee's self-assessment of each indicator in an evaluation: the quantity realised in the
-- period, with evidence. Pre-filled values from accepted daily logs are computed, not stored.
CREATE TABLE realisations (
    evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
    indicator_id TEXT NOT NULL REFERENCES indicators (id),
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    evidence_url TEXT,
    note TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (evaluation_id, indicator_id)
);
