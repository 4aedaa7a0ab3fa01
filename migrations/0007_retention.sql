-- Keys of items deleted by retention (issue #6). An outlet that still lists
-- an item older than the retention period must not bring it back as "new"
-- on the next poll: the writer skips a key found here and refreshes its
-- last_seen; a tombstone not seen for the items retention period is dropped.
CREATE TABLE item_tombstones (
    feed_id   INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key       TEXT    NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;
CREATE INDEX item_tombstones_last_seen ON item_tombstones (last_seen);
