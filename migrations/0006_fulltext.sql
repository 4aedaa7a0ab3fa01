-- Full text (issue #7). A feed marked full_text has each new item's article
-- page fetched and its main text stored as the item's content.
ALTER TABLE feeds ADD COLUMN full_text INTEGER NOT NULL DEFAULT 0;

-- Lines an outlet repeats on many of its article pages are its template
-- (taglines, appeals, disclaimers), not article text: per feed, how many
-- pages carried each line, by a 64-bit fingerprint of the folded line.
CREATE TABLE fulltext_lines (
    feed_id     INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    fingerprint INTEGER NOT NULL,
    pages       INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,       -- Unix seconds
    PRIMARY KEY (feed_id, fingerprint)
) WITHOUT ROWID;
