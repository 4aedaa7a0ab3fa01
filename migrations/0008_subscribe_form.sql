-- The public subscribe form (issue #5): double opt-in. A request stores
-- what was asked for beside the subscriber until the emailed link confirms
-- it, so a stranger typing someone's address changes nothing of theirs.

-- JSON array of topic slugs, or the text 'null' for every topic; NULL when
-- no request is waiting for confirmation.
ALTER TABLE subscribers ADD COLUMN requested_topics TEXT;
-- When the last confirmation (or "already subscribed") mail was sent:
-- the request expires from here, and a new mail waits a while after it.
ALTER TABLE subscribers ADD COLUMN requested_at INTEGER;
