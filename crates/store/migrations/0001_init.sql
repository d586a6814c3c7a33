-- vigil schema v1: the ingested world. Ids are `platform:native_id` text, stable across runs.

CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    platform     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    handle       TEXT,
    display_name TEXT,
    bio          TEXT,
    created_at   INTEGER,           -- ms since epoch, UTC
    followers    INTEGER,
    following    INTEGER,
    avatar_url   TEXT,
    status       TEXT NOT NULL,
    content_hash INTEGER NOT NULL   -- of the last record merged in; detects no-op re-ingests
) WITHOUT ROWID;
CREATE INDEX accounts_handle ON accounts (platform, handle);

-- A rowid table: rows append in arrival order, and the unique index on `id` stays small,
-- which measured far cheaper to insert into than a WITHOUT ROWID table keyed by text.
CREATE TABLE posts (
    id             TEXT NOT NULL UNIQUE,
    platform       TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    account_key    INTEGER NOT NULL, -- 64-bit hash of account_id: an integer index is far cheaper to maintain
    created_at     INTEGER NOT NULL,
    text           TEXT NOT NULL,
    lang           TEXT,
    reply_to       TEXT,
    repost_of      TEXT,
    quote_of       TEXT,
    forwarded_from TEXT,
    hashtags       TEXT,            -- JSON array, NULL when empty
    mentions       TEXT,
    urls           TEXT,
    permalink      TEXT,
    source_id      INTEGER,         -- sources.id of the input it was first read from
    source_line    INTEGER,         -- and the line there
    content_hash   INTEGER NOT NULL
);
CREATE INDEX posts_account_time ON posts (account_key, created_at);

CREATE TABLE media (
    post_id TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    url     TEXT,
    path    TEXT,
    sha256  TEXT,
    md5     TEXT,
    width   INTEGER,
    height  INTEGER,
    key     TEXT,
    PRIMARY KEY (post_id, idx)
) WITHOUT ROWID;

CREATE TABLE enforcement (
    id         TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    account_id TEXT NOT NULL,
    post_id    TEXT,
    action     TEXT NOT NULL,
    at         INTEGER NOT NULL,
    reason     TEXT
) WITHOUT ROWID;
CREATE INDEX enforcement_account ON enforcement (account_id, at);

CREATE TABLE sources (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE       -- an input as named on the command line
);

CREATE TABLE ingest_runs (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    inputs      TEXT NOT NULL,      -- JSON array of input names
    stats       TEXT                -- JSON
);
