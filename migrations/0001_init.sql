-- Feeds, items and the fetch log: the ingest half of the pipeline.
-- Times are Unix seconds (UTC).

CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    url           TEXT    NOT NULL UNIQUE,
    origin        TEXT    NOT NULL DEFAULT 'cli'
                  CHECK (origin IN ('config', 'cli', 'opml')),
    title         TEXT,
    site_url      TEXT,
    language      TEXT,
    etag          TEXT,
    last_modified TEXT,
    status        TEXT    NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'gone')),
    interval_secs INTEGER,              -- per-feed override of [schedule] interval
    hint_secs     INTEGER,              -- the feed's own hint: ttl, max-age
    next_due      INTEGER NOT NULL DEFAULT 0,
    error_count   INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_polled   INTEGER,
    last_success  INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX feeds_due ON feeds (status, next_due);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,      -- guid:… | link:… | hash:…
    guid         TEXT,
    url          TEXT,
    title        TEXT    NOT NULL,
    summary      TEXT,
    content_html TEXT,                  -- sanitised
    authors      TEXT    NOT NULL DEFAULT '[]',   -- JSON array of names
    categories   TEXT    NOT NULL DEFAULT '[]',   -- JSON array
    published    INTEGER NOT NULL,      -- the outlet's date, or first_seen
    updated      INTEGER,
    first_seen   INTEGER NOT NULL,
    last_changed INTEGER NOT NULL,
    content_hash TEXT    NOT NULL,
    UNIQUE (feed_id, key)
);
CREATE INDEX items_first_seen ON items (first_seen);
CREATE INDEX items_published ON items (published);

CREATE TABLE fetch_log (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    at            INTEGER NOT NULL,
    outcome       TEXT    NOT NULL,     -- ok | not_modified | gone | failed
    http_status   INTEGER,
    duration_ms   INTEGER NOT NULL,
    bytes         INTEGER,
    new_items     INTEGER NOT NULL DEFAULT 0,
    updated_items INTEGER NOT NULL DEFAULT 0,
    error         TEXT
);
CREATE INDEX fetch_log_feed ON fetch_log (feed_id, at);
CREATE INDEX fetch_log_at ON fetch_log (at);
