-- The avatar's PDQ (64 hex digits), when ingest hashed a local copy of the picture, so that
-- replays (`vigil identity`) compare avatars as the live engine does.
ALTER TABLE accounts ADD COLUMN avatar_pdq TEXT;
