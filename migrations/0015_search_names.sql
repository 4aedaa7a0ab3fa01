-- The index keeps the folded words only (issue #17); the skeletons on which
-- Devanagari and Latin spellings meet move to a vocabulary. Migration 0013
-- indexed each Devanagari word and capitalised Latin word a second time, as
-- its skeleton, in columns of their own: half of the index's postings, and
-- of the work its single writer does on a cold poll (BENCHMARKS.md, "One
-- segment per transaction"). A query word's skeleton now looks up the words
-- spelt that way in `search_names`, and the query matches any of them in
-- the title and body (src/search/lower.rs).
DROP TABLE item_search;
CREATE VIRTUAL TABLE item_search USING fts5(
    title,      -- folded words of the title
    body,       -- folded words of the summary and content
    content = '',
    contentless_delete = 1,
    tokenize = "ascii tokenchars '_'"
);
INSERT INTO item_search (item_search, rank) VALUES ('automerge', 8);

-- Every Devanagari word and capitalised Latin word the index has met, under
-- its skeleton. Words only join: one that retention took from every item
-- matches nothing and costs a query one more alternative.
CREATE TABLE search_names (
    skeleton TEXT NOT NULL,
    word     TEXT NOT NULL,
    PRIMARY KEY (skeleton, word)
) WITHOUT ROWID;

-- Every item is indexed again at start-up, resumably, with a progress bar.
INSERT OR IGNORE INTO search_pending (item_id) SELECT id FROM items;
