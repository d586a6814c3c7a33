-- vigil schema: identity links (returning accounts, cross-platform identities) and account risk
-- with its breakdown, written by crates/identity after each replay.

CREATE TABLE identity_links (
    account_id  TEXT NOT NULL,     -- the new (or linked) account
    other_id    TEXT NOT NULL,     -- its predecessor or other identity
    kind        TEXT NOT NULL,     -- 'returning' | 'cross_platform'
    score       REAL NOT NULL,
    explanation TEXT NOT NULL,     -- JSON: matched features and strengths
    at          INTEGER NOT NULL,  -- ms, event time
    PRIMARY KEY (account_id, other_id, kind)
) WITHOUT ROWID;
CREATE INDEX identity_links_other ON identity_links (other_id);

CREATE TABLE account_risk (
    account_id TEXT PRIMARY KEY,
    risk       REAL NOT NULL,
    action     TEXT NOT NULL,      -- 'none' | 'review' | 'auto_action'
    breakdown  TEXT NOT NULL,      -- JSON: every component and its contribution
    at         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX account_risk_risk ON account_risk (risk DESC);
