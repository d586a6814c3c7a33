-- vigil engine schema: stream checkpoints. A row is written in the same transaction as the
-- records and signals it covers, so after a crash at any moment the store and its checkpoint
-- agree, and a restart resumes after the last committed batch.

CREATE TABLE checkpoints (
    stream     TEXT PRIMARY KEY,   -- key of the input set (engine-defined)
    merged     INTEGER NOT NULL,   -- records of the merged, event-time-ordered stream committed
    done       INTEGER NOT NULL DEFAULT 0, -- the stream ended and its cases were synced
    state      TEXT NOT NULL,      -- JSON: engine-defined progress detail
    updated_at INTEGER NOT NULL    -- wall clock, ms
) WITHOUT ROWID;
