-- Topic tags of each item, with the evidence (issue #3), and a small
-- key/value table for facts about the database itself (the fingerprint of
-- the rules the tags were computed with).

CREATE TABLE item_topics (
    item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    topic   TEXT    NOT NULL,        -- topic slug
    why     TEXT    NOT NULL,        -- JSON array of matches: field, group, term, surface, offsets
    PRIMARY KEY (item_id, topic)
) WITHOUT ROWID;
CREATE INDEX item_topics_topic ON item_topics (topic, item_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
