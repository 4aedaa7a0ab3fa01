-- Full-text search (issue #17). One FTS5 row per item, its rowid the item's
-- id. khabar writes the tokens itself (src/search/fold.rs): the folded words
-- of the title and of the summary and content, and the name skeletons on
-- which Devanagari and Latin spellings meet. Every token is made only of
-- letters, digits, signs and `_`, so the `ascii` tokenizer (which splits at
-- ASCII punctuation and space and keeps every other character) splits them
-- exactly where khabar did, whatever Unicode version SQLite was built with.
--
-- Contentless: the text lives in `items`; the index keeps only its tokens.
-- `contentless_delete` lets a row be deleted by rowid alone (SQLite 3.43).
CREATE VIRTUAL TABLE item_search USING fts5(
    title,      -- folded words of the title
    body,       -- folded words of the summary and content
    deva,       -- skeletons of the Devanagari words
    latn,       -- skeletons of the capitalised Latin words
    content = '',
    contentless_delete = 1,
    tokenize = "ascii tokenchars '_'"
);

-- Items whose index row is missing or stale. The writer indexes the items
-- it stores in the same transaction and clears their rows here; whatever
-- else writes an item (an older khabar, a script, this migration) leaves a
-- row that start-up indexes, resumably, with a progress bar.
CREATE TABLE search_pending (
    item_id INTEGER PRIMARY KEY
);
INSERT INTO search_pending (item_id) SELECT id FROM items;

CREATE TRIGGER items_search_insert AFTER INSERT ON items
BEGIN
    INSERT OR IGNORE INTO search_pending (item_id) VALUES (new.id);
END;

CREATE TRIGGER items_search_update AFTER UPDATE OF title, summary, content_html ON items
BEGIN
    INSERT OR IGNORE INTO search_pending (item_id) VALUES (new.id);
END;

-- An item leaving (retention, a removed feed) leaves the index with it.
CREATE TRIGGER items_search_delete AFTER DELETE ON items
BEGIN
    DELETE FROM item_search WHERE rowid = old.id;
    DELETE FROM search_pending WHERE item_id = old.id;
END;
