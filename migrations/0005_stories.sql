-- Stories (issue #7): every item joins one story, an existing one when it
-- reports the same event (src/stories decides), else a new one. Times are
-- Unix seconds (UTC).

-- One row per story. `id` is the grouper's story id. The representative is
-- the member khabar saw first (ties: published earlier, then lower id): the
-- feeds show it, with the other members' outlets listed in the entry.
CREATE TABLE stories (
    id                INTEGER PRIMARY KEY,
    representative_id INTEGER NOT NULL,     -- items.id, kept by the trigger below
    first_seen        INTEGER NOT NULL,     -- earliest member's first_seen
    last_seen         INTEGER NOT NULL,     -- latest member's first_seen
    member_count      INTEGER NOT NULL
);
CREATE INDEX stories_first_seen ON stories (first_seen);

ALTER TABLE items ADD COLUMN story_id INTEGER REFERENCES stories (id);
ALTER TABLE items ADD COLUMN story_reason TEXT;   -- why it joined ("shares lavrov with 12")
CREATE INDEX items_story ON items (story_id, first_seen);
-- Items still waiting for a story, in the order they are assigned: every
-- item of a database upgraded to this schema, then none for long.
CREATE INDEX items_without_story ON items (first_seen, published, id) WHERE story_id IS NULL;

-- What the grouper keeps per item (fingerprint and evidence, not text), so
-- a restarted process rebuilds its state without re-reading every text.
-- Only the last window's rows are kept.
CREATE TABLE story_signatures (
    item_id  INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,              -- the time the grouper compared it at
    lang     TEXT    NOT NULL,              -- hi | en | other
    minhash  BLOB    NOT NULL,              -- little-endian u32 values
    entities TEXT    NOT NULL,              -- JSON array of entity ids
    words    BLOB    NOT NULL               -- little-endian u64 word hashes
);
CREATE INDEX story_signatures_at ON story_signatures (at);

-- An item leaving (retention, a removed feed) leaves its story consistent:
-- one member fewer, a new representative if it was the one, no empty story.
CREATE TRIGGER items_leave_story AFTER DELETE ON items
WHEN old.story_id IS NOT NULL
BEGIN
    UPDATE stories SET
        member_count = member_count - 1,
        representative_id = coalesce(
            (SELECT id FROM items WHERE story_id = old.story_id
             ORDER BY first_seen, published, id LIMIT 1),
            representative_id)
    WHERE id = old.story_id;
    DELETE FROM stories WHERE id = old.story_id AND member_count <= 0;
END;
