-- Subscribers and the digest ledger (issue #5). Times are Unix seconds (UTC).

CREATE TABLE subscribers (
    id         INTEGER PRIMARY KEY,
    email      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    topics     TEXT,                    -- JSON array of slugs; NULL = every topic
    timezone   TEXT    NOT NULL,        -- IANA name, e.g. Asia/Kolkata
    schedule   TEXT    NOT NULL,        -- cron with seconds, in `timezone`
    status     TEXT    NOT NULL DEFAULT 'active'
               CHECK (status IN ('pending', 'active', 'unsubscribed', 'bouncing')),
    created_at INTEGER NOT NULL
);

-- One row per (subscriber, period), written before the message is handed to
-- SMTP and marked sent only after the server accepted it: the exactly-once
-- ledger. An unsent row is resumed (same period, same Message-ID) after a
-- crash instead of a new period being opened.
CREATE TABLE digests (
    id            INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    period_start  INTEGER NOT NULL,
    period_end    INTEGER NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'empty', 'failed')),
    message_id    TEXT    NOT NULL,
    items         INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER,
    UNIQUE (subscriber_id, period_start),
    CHECK (period_start < period_end)
);
CREATE INDEX digests_open ON digests (subscriber_id, status);
