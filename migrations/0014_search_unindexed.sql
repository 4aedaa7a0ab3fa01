-- The writer no longer marks every item it inserts as pending (issue #17):
-- it indexes them in the same transaction, and the mark, written and then
-- deleted for each new item, cost the cold poll about as much as a fifth of
-- the index itself. An item that something else inserts (an older khabar, a
-- script) is found at start-up instead, by the index row it lacks: FTS5
-- keeps one `item_search_docsize` row per indexed item.
--
-- Changed text (the update trigger) and deletions keep their triggers.
DROP TRIGGER items_search_insert;

-- FTS5 merges a level's segments once it holds `automerge` of them: at 8
-- rather than the default 4, each posting is rewritten about a third fewer
-- times as the index grows (log8 against log4 of its segments), for at
-- most eight segments per level for a query to read. Measured on the cold
-- poll in BENCHMARKS.md ("The index's cost, reduced").
INSERT INTO item_search (item_search, rank) VALUES ('automerge', 8);
