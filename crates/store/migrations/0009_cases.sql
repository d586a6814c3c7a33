-- vigil cases schema: review cases, decisions and their feedback (labels, strikes, seeds,
-- bank items), the hash-chained audit log, the webhook outbox and dead letters, preserved
-- evidence, users and API tokens. Times are ms since epoch, UTC.

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    entity_kind   TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    state         TEXT NOT NULL,       -- open | claimed | decided | appealed
    appealed      INTEGER NOT NULL DEFAULT 0,
    priority      REAL NOT NULL,
    risk          REAL NOT NULL,
    reach         REAL NOT NULL,
    recency       REAL NOT NULL,
    category      TEXT,                -- the strongest harm category
    has_context   INTEGER NOT NULL DEFAULT 0,
    signal_count  INTEGER NOT NULL,
    first_signal  INTEGER NOT NULL,
    last_signal   INTEGER NOT NULL,
    platform      TEXT,
    claimed_by    TEXT,
    claim_expires INTEGER,
    opened_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    decided_at    INTEGER
);
-- At most one active case per entity: this is the de-duplication.
CREATE UNIQUE INDEX cases_active_entity ON cases (entity_kind, entity_id) WHERE state != 'decided';
CREATE INDEX cases_entity ON cases (entity_kind, entity_id);
CREATE INDEX cases_queue ON cases (state, priority DESC, id);
CREATE INDEX cases_priority ON cases (priority DESC, id);

CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    action     TEXT NOT NULL,          -- remove_post | suspend_account | bulk | label | escalate | dismiss
    category   TEXT,
    dismissal  TEXT,                   -- news | research | counter_speech | other
    reason     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    automatic  INTEGER NOT NULL DEFAULT 0,
    targets    TEXT NOT NULL,          -- JSON: what it touched
    at         INTEGER NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id);

CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    label       TEXT NOT NULL,         -- violating | benign | escalated | labelled
    category    TEXT,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    at          INTEGER NOT NULL
);
CREATE INDEX labels_entity ON labels (entity_kind, entity_id);

CREATE TABLE strikes (
    account_id  TEXT NOT NULL,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    count       INTEGER NOT NULL,
    category    TEXT,
    at          INTEGER NOT NULL,
    PRIMARY KEY (account_id, decision_id)
) WITHOUT ROWID;

CREATE TABLE seeds (
    account_id  TEXT PRIMARY KEY,
    category    TEXT,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    at          INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE bank_items (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,         -- media | text
    post_id     TEXT NOT NULL,
    sha256      TEXT NOT NULL,         -- of the media bytes as the platform reported, or of the text
    md5         TEXT,
    media_key   TEXT,                  -- a perceptual key when the adapter had one
    text        TEXT,
    category    TEXT,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    at          INTEGER NOT NULL,
    exported_at INTEGER,               -- when a BankSink took it
    UNIQUE (kind, sha256)
);

CREATE TABLE policy_runs (
    id        INTEGER PRIMARY KEY,
    policy    TEXT NOT NULL,
    case_id   INTEGER NOT NULL,
    dry_run   INTEGER NOT NULL,
    action    TEXT NOT NULL,
    targets   TEXT NOT NULL,           -- JSON
    risk      REAL NOT NULL,
    at        INTEGER NOT NULL,
    UNIQUE (policy, case_id, dry_run)
);

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,     -- 1, 2, 3, ... with no gaps
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    detail    TEXT NOT NULL,           -- JSON
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
-- The chain's head, written in the same transaction as each entry: a removed tail shows.
CREATE TABLE audit_head (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    decision_id     INTEGER NOT NULL REFERENCES decisions (id),
    body            TEXT NOT NULL,     -- JSON, exactly as signed and sent
    state           TEXT NOT NULL,     -- pending | delivered | dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE evidence (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    kind        TEXT NOT NULL,         -- post | media | account | thread
    ref_id      TEXT NOT NULL,
    content     BLOB NOT NULL,         -- JSON of the record as stored
    sha256      TEXT NOT NULL,
    preserved_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    UNIQUE (case_id, kind, ref_id)
);
CREATE INDEX evidence_expiry ON evidence (expires_at);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,          -- moderator | analyst | admin
    created_at INTEGER NOT NULL
);
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,       -- sha256 of the token; the token itself is never stored
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
