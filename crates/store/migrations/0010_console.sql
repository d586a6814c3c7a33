-- vigil console schema: per-user console settings (media reveal, and later others), keyed by
-- the user's name. Sessions live in the server's memory and are not stored.

CREATE TABLE console_settings (
    user_name TEXT NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (user_name, key)
) WITHOUT ROWID;
