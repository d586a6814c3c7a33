-- vigil schema: campaigns (bursts, with the extremist judgement) and coordinated clusters,
-- written by the campaign and coordination detectors (crates/campaign) for analysts.

CREATE TABLE campaigns (
    id                 TEXT PRIMARY KEY,
    keys               TEXT NOT NULL,     -- JSON array: the campaign's keys (hashtags, URLs, domains, phrases)
    key_kinds          TEXT NOT NULL,     -- JSON array, parallel to keys
    co_keys            TEXT NOT NULL,     -- JSON array: keys of other bursts it hijacked
    start              INTEGER NOT NULL,  -- ms, event time
    "end"              INTEGER NOT NULL,
    velocity           REAL NOT NULL,     -- peak posts per minute over the burst window
    distinct_accounts  INTEGER NOT NULL,
    posts              INTEGER NOT NULL,
    languages          TEXT NOT NULL,     -- JSON array
    platforms          TEXT NOT NULL,     -- JSON array
    extremist          INTEGER NOT NULL,  -- 1: judged an extremist campaign; 0: a burst
    score              REAL NOT NULL,
    first_alert_at     INTEGER,           -- ms, event time of the extremist alert
    posts_before_alert INTEGER,           -- campaign posts seen when the alert fired
    evidence           TEXT NOT NULL      -- JSON
) WITHOUT ROWID;
CREATE INDEX campaigns_extremist ON campaigns (extremist, start);

CREATE TABLE campaign_participants (
    campaign_id TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    PRIMARY KEY (campaign_id, account_id)
) WITHOUT ROWID;

CREATE TABLE clusters (
    id          TEXT PRIMARY KEY,
    score       REAL NOT NULL,
    reported    INTEGER NOT NULL,         -- 1: at or above the report score
    at          INTEGER NOT NULL,         -- ms, event time of the clustering
    explanation TEXT NOT NULL             -- JSON
) WITHOUT ROWID;

CREATE TABLE cluster_members (
    cluster_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    PRIMARY KEY (cluster_id, account_id)
) WITHOUT ROWID;
CREATE INDEX cluster_members_account ON cluster_members (account_id);

CREATE TABLE coordination_edges (
    user_1    TEXT NOT NULL,
    user_2    TEXT NOT NULL,
    weight    INTEGER NOT NULL,
    relations TEXT NOT NULL,              -- JSON object: relation -> co-occurrences
    PRIMARY KEY (user_1, user_2)
) WITHOUT ROWID;
