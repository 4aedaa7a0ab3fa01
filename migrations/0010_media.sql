-- Media an item carries (issue #12): its picture and its files, republished
-- in the merged feeds and shown on the page and in the digest. URLs are
-- absolute http(s) only; normalisation drops anything else.

-- The item's picture (a Media RSS thumbnail, else its largest image).
ALTER TABLE items ADD COLUMN image_url TEXT;
-- JSON array of {url, mime_type?, size_bytes?, duration_secs?}: RSS
-- enclosures, Atom enclosure links, Media RSS audio and video.
ALTER TABLE items ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
