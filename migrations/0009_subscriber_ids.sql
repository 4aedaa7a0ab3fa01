-- Signed links outlive nothing (issue #11). Subscriber ids are never
-- reused: without AUTOINCREMENT, deleting the highest row gave its id to
-- the next subscriber, and an old link named them. And every link's MAC
-- covers a per-subscriber random salt, replaced on unsubscribe, so that
-- links mailed before stop working. SQLite adds AUTOINCREMENT only by
-- rebuilding the table (https://sqlite.org/lang_altertable.html, "making
-- other kinds of table schema changes"): migrations run with foreign keys
-- off, so dropping the old table does not cascade into `digests`, and
-- `foreign_key_check` runs before this commits. Every row keeps its id;
-- the only index is the UNIQUE one on email; no trigger or view names
-- the table.

CREATE TABLE subscribers_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    email            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    topics           TEXT,              -- JSON array of slugs; NULL = every topic
    timezone         TEXT    NOT NULL,  -- IANA name, e.g. Asia/Kolkata
    schedule         TEXT    NOT NULL,  -- cron with seconds, in `timezone`
    status           TEXT    NOT NULL DEFAULT 'active'
                     CHECK (status IN ('pending', 'active', 'unsubscribed', 'bouncing')),
    created_at       INTEGER NOT NULL,
    requested_topics TEXT,              -- see 0008_subscribe_form.sql
    requested_at     INTEGER,
    -- Inside every link's MAC; a new random value on each insert (SQLite
    -- seeds randomblob() from the OS), replaced on unsubscribe.
    token_salt       TEXT    NOT NULL DEFAULT (lower(hex(randomblob(16))))
);

-- Existing subscribers get a salt too: links mailed before this version
-- (which may name a reused id) stop working; the next digest has new ones.
INSERT INTO subscribers_new (id, email, topics, timezone, schedule, status, created_at,
                             requested_topics, requested_at)
SELECT id, email, topics, timezone, schedule, status, created_at, requested_topics, requested_at
FROM subscribers ORDER BY id;

DROP TABLE subscribers;
ALTER TABLE subscribers_new RENAME TO subscribers;
