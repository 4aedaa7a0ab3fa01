-- Stories, one story one entry (issue #13). The cluster stage keeps what it
-- knows of an item (fingerprints, names, figures, words) as one opaque blob
-- that only it reads (src/stories/signature.rs): the store persists, the
-- stage decides. Signatures of the old layout are dropped; a restarted
-- grouper signs the window's items again from their text.
DROP TABLE story_signatures;
CREATE TABLE story_signatures (
    item_id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,       -- the item's date as grouped: min(published, first_seen)
    data    BLOB    NOT NULL
);
CREATE INDEX story_signatures_at ON story_signatures (at);

-- Items wait for a story until the end of the polling pass that stored
-- them, then are assigned in this order (date, outlet, key), whatever order
-- concurrent polls finished in: the same items give the same stories.
DROP INDEX items_without_story;
CREATE INDEX items_pending_story ON items (min(published, first_seen), feed_id, key)
    WHERE story_id IS NULL;

-- What the grouper has learned of terms beyond the window (how many recent
-- stories carried each), saved after every assignment so that a restarted
-- grouper weighs terms exactly as the one before it. One row.
CREATE TABLE story_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    history BLOB    NOT NULL
);
