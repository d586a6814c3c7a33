-- vigil writer I/O (perf11): drop the index on account handles. No query reads accounts by
-- handle, and its keys arrive in random order, so every new account dirtied one more random
-- leaf page, written whole to the WAL at each commit and again at each checkpoint.
DROP INDEX IF EXISTS accounts_handle;
