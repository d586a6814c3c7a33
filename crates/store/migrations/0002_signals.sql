-- vigil schema v2: detector signals. One row per (entity, detector, source): re-processing
-- the same data updates a signal instead of adding another.

CREATE TABLE signals (
    key         TEXT PRIMARY KEY,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    detector    TEXT NOT NULL,
    category    TEXT,
    context     TEXT,
    weight      REAL NOT NULL,
    source      TEXT NOT NULL,
    version     TEXT NOT NULL,
    explanation TEXT NOT NULL,      -- JSON
    at          INTEGER NOT NULL,   -- event time of the evidence, ms
    shadow      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX signals_entity ON signals (entity_kind, entity_id);
CREATE INDEX signals_detector ON signals (detector, at);
