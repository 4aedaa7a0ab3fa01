-- WebSub subscriptions to outlets' hubs (issue #16, W3C WebSub §5). One row
-- per feed that announces a hub and a self URL. When the feed is removed its
-- row stays, with feed_id NULL, until the hub has been told to unsubscribe.
CREATE TABLE websub_subscriptions (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER UNIQUE REFERENCES feeds (id) ON DELETE SET NULL,
    hub           TEXT    NOT NULL,
    topic         TEXT    NOT NULL,
    -- The unguessable last segment of the callback URL (/websub/TOKEN) and
    -- the HMAC key the hub signs pushes with; set at the first request.
    token         TEXT    UNIQUE,
    secret        TEXT,
    -- new, requested, active, denied, failed, unsubscribing
    state         TEXT    NOT NULL DEFAULT 'new',
    -- The mode of the request awaiting the hub's verification, if any.
    pending       TEXT,
    lease_expires INTEGER,
    -- When the subscriber acts next: (re)subscribe, renew, retry, unsubscribe.
    next_action   INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    pushes        INTEGER NOT NULL DEFAULT 0,
    last_push     INTEGER
);
CREATE INDEX websub_subscriptions_next ON websub_subscriptions (next_action);

-- Subscribers to khabar's own hub (W3C WebSub §6): one row per topic (a
-- feed path such as feed.atom or topics/SLUG.json) and callback, after the
-- callback confirmed its intent. `delivered` is the tag of the document
-- last delivered; a different current tag means new content to push.
CREATE TABLE websub_hub_subscribers (
    id            INTEGER PRIMARY KEY,
    topic         TEXT    NOT NULL,
    callback      TEXT    NOT NULL,
    secret        TEXT,
    lease_expires INTEGER NOT NULL,
    delivered     TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (topic, callback)
);
