-- How often a feed publishes, measured from its own items' dates (issue #6:
-- feeds that publish often are polled more often, within the configured bounds).
ALTER TABLE feeds ADD COLUMN cadence_secs INTEGER;

-- URLs a feed was permanently redirected away from, so that the old URL
-- still listed in a config file or OPML resolves to the same feed instead of
-- subscribing (and storing every item) a second time.
CREATE TABLE feed_redirects (
    from_url TEXT PRIMARY KEY,
    feed_id  INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE
) WITHOUT ROWID;
