-- Hash banks (issue 6): named collections of hashes with labels, per-item enable flags,
-- provenance and an audit of changes; known texts for near-duplicate matching; and the
-- perceptual hash of stored media. The PDQ radius index is rebuilt from the items on open.

CREATE TABLE hash_banks (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    next_id     INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- One hash. `item` is the full item as JSON (labels, provenance, added_at); the other
-- columns are its keys and flags for queries.
CREATE TABLE hash_bank_items (
    bank      TEXT NOT NULL REFERENCES hash_banks(name) ON DELETE CASCADE,
    id        INTEGER NOT NULL,
    algorithm TEXT NOT NULL,
    digest    TEXT NOT NULL,
    enabled   INTEGER NOT NULL,
    item      TEXT NOT NULL,
    PRIMARY KEY (bank, id)
) WITHOUT ROWID;
CREATE INDEX hash_bank_items_digest ON hash_bank_items (algorithm, digest);

-- The bank's own change log (create, add, disable, enable, relabel, remove, import).
CREATE TABLE hash_bank_audit (
    bank  TEXT NOT NULL REFERENCES hash_banks(name) ON DELETE CASCADE,
    seq   INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (bank, seq)
) WITHOUT ROWID;

-- Known texts for MinHash near-duplicate matching.
CREATE TABLE hash_bank_texts (
    bank    TEXT NOT NULL REFERENCES hash_banks(name) ON DELETE CASCADE,
    id      INTEGER NOT NULL,
    text    TEXT NOT NULL,
    labels  TEXT NOT NULL DEFAULT '{}',
    enabled INTEGER NOT NULL DEFAULT 1,
    source  TEXT,
    PRIMARY KEY (bank, id)
) WITHOUT ROWID;

ALTER TABLE media ADD COLUMN pdq TEXT;
ALTER TABLE media ADD COLUMN pdq_quality INTEGER;
ALTER TABLE media ADD COLUMN pdq_mirror TEXT;
