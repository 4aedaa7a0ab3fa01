//! SQL for full-text search (issue #17): the FTS5 index `item_search`
//! (migration 0013), kept in step with `items` in the writer's
//! transaction, the start-up indexing of what is pending, and the match
//! query.
//!
//! The index holds tokens the search stage computed ([`IndexText`]); the
//! store only writes and reads them. Deletions need no code: a trigger
//! drops an item's index row with the item.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, Row, Transaction};

use super::items::{item_from_row, ItemRow};
use super::{from_unix, to_unix, Store, StoreError};
use crate::model::IndexText;

/// BM25 weights of the index columns (title, body): a word in the title
/// counts four times one in the text.
const BM25: &str = "bm25(item_search, 4.0, 1.0)";

/// Most words a query word is also matched by through its skeleton (see
/// [`Store::names_by_skeleton`]).
const MAX_NAMES_PER_SKELETON: usize = 16;

/// How often (in SQLite VM steps) a running query checks its deadline.
const DEADLINE_CHECK_STEPS: i32 = 4_000;

/// Which items a search selects, newest first.
#[derive(Debug, Clone, Default)]
pub struct MatchQuery<'a> {
    /// The FTS5 expression the text must match; `None` for filters only.
    pub fts: Option<&'a str>,
    /// Only items whose story is tagged with one of these topic slugs.
    pub topics: &'a [String],
    /// Only items of an outlet whose title, site or feed URL contains one
    /// of these (lower-case).
    pub outlets: &'a [String],
    /// Only items published at or after this.
    pub since: Option<DateTime<Utc>>,
    /// Only items published at or before this.
    pub until: Option<DateTime<Utc>>,
    /// Only items first seen in `[start, end)` (a digest's period).
    pub seen: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// At most this many.
    pub limit: usize,
}

/// One item a search matched.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    /// The item.
    pub item_id: i64,
    /// Its story, once grouped.
    pub story_id: Option<i64>,
    /// Its story's representative (the item itself when it has no story).
    pub representative_id: i64,
    /// FTS5's BM25 score (lower is better; 0 without text).
    pub bm25: f64,
    /// The outlet's date.
    pub published: DateTime<Utc>,
}

/// A running query's deadline, read by the connection's progress handler:
/// nanoseconds after [`epoch`], 0 when none is set.
#[derive(Debug, Default)]
pub(super) struct Deadline(AtomicU64);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Stops any statement of `conn` that runs past the deadline in `deadline`.
pub(super) fn install_deadline(conn: &mut Connection) -> rusqlite::Result<Arc<Deadline>> {
    let deadline = Arc::new(Deadline::default());
    let seen = Arc::clone(&deadline);
    conn.progress_handler(
        DEADLINE_CHECK_STEPS,
        Some(move || {
            let at = seen.0.load(Ordering::Relaxed);
            at != 0 && epoch().elapsed().as_nanos() as u64 > at
        }),
    )?;
    Ok(deadline)
}

/// Clears the deadline when the query is done, however it ends.
struct DeadlineGuard<'a>(&'a Deadline);

impl<'a> DeadlineGuard<'a> {
    fn set(deadline: &'a Deadline, budget: Duration) -> Self {
        let at = epoch().elapsed() + budget;
        deadline
            .0
            .store((at.as_nanos() as u64).max(1), Ordering::Relaxed);
        DeadlineGuard(deadline)
    }
}

impl Drop for DeadlineGuard<'_> {
    fn drop(&mut self) {
        self.0 .0.store(0, Ordering::Relaxed);
    }
}

/// Writes `text` as item `id`'s index row, replacing any (`replace`).
///
/// Call it after the transaction's other writes ([`clear_pending`] too;
/// [`NewNames::save`] may come between): FTS5 writes its pending terms to
/// disk as a new segment at every statement savepoint, which any statement
/// that may need a partial rollback opens (`INSERT OR REPLACE`, an upsert,
/// a trigger). Interleaved with the item writes, each item's terms became a
/// segment of their own, merged again and again; one segment per
/// transaction costs the cold poll a fraction of that (issue #17).
pub(super) fn write_index_row(
    tx: &Transaction<'_>,
    id: i64,
    text: &IndexText,
    replace: bool,
) -> Result<(), StoreError> {
    if replace {
        tx.prepare_cached("DELETE FROM item_search WHERE rowid = ?1")?
            .execute([id])?;
    }
    tx.prepare_cached("INSERT INTO item_search (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![id, text.title, text.body])?;
    Ok(())
}

/// The names a transaction has added to the vocabulary of skeletons, so
/// that each distinct word is written once (most of a batch's words are
/// met again and again, and a lookup in memory is cheaper than one in the
/// table).
#[derive(Default)]
pub(super) struct NewNames(std::collections::HashSet<String>);

impl NewNames {
    /// Adds the names of `text` that this transaction has not added yet.
    /// (`INSERT OR IGNORE` opens no statement savepoint, so this may run
    /// between index rows.)
    pub(super) fn save(
        &mut self,
        tx: &Transaction<'_>,
        text: &IndexText,
    ) -> Result<(), StoreError> {
        for (skeleton, word) in text.names() {
            if !self.0.contains(word) {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO search_names (skeleton, word) VALUES (?1, ?2)",
                )?
                .execute([skeleton, word])?;
                self.0.insert(word.to_owned());
            }
        }
        Ok(())
    }
}

/// Clears item `id`'s pending mark, before it is (re)indexed. Only a
/// changed item (the update trigger) or one found unindexed carries one; a
/// new item has none (migration 0014).
pub(super) fn clear_pending(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM search_pending WHERE item_id = ?1")?
        .execute([id])?;
    Ok(())
}

impl Store {
    /// Marks as pending every item without an index row: those something
    /// other than khabar's writer inserted (migration 0014). Returns how
    /// many it marked.
    pub fn mark_unindexed(&self) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "INSERT OR IGNORE INTO search_pending (item_id)
             SELECT id FROM items WHERE id NOT IN (SELECT id FROM item_search_docsize)",
            [],
        )?)
    }

    /// The words the index has met spelt with `skeleton` (in either
    /// script), at most [`MAX_NAMES_PER_SKELETON`], in a fixed order.
    pub fn names_by_skeleton(&self, skeleton: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT word FROM search_names WHERE skeleton = ?1 ORDER BY word LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![skeleton, MAX_NAMES_PER_SKELETON as i64], |r| {
            r.get(0)
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many items wait to be (re)indexed.
    pub fn search_pending(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))?)
    }

    /// Indexes up to `batch` pending items, oldest first, with the tokens
    /// `text_of` computes, in one transaction. Returns how many it indexed
    /// (0 when nothing is pending). Read and written under the write lock,
    /// so an item the writer changes meanwhile is never indexed stale.
    pub fn index_pending(
        &mut self,
        batch: usize,
        mut text_of: impl FnMut(&ItemRow) -> IndexText,
    ) -> Result<usize, StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        let items = {
            let mut stmt = tx.prepare_cached(
                "SELECT i.id, i.feed_id, i.key, i.url, i.title, i.summary, i.content_html,
                     i.authors, i.categories, i.published, i.updated, i.first_seen,
                     i.image_url, i.attachments
                 FROM search_pending p JOIN items i ON i.id = p.item_id
                 ORDER BY p.item_id LIMIT ?1",
            )?;
            let rows = stmt.query_map([batch as i64], item_from_row)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        for item in &items {
            clear_pending(&tx, item.id)?;
        }
        let mut names = NewNames::default();
        for item in &items {
            let text = text_of(item);
            names.save(&tx, &text)?;
            write_index_row(&tx, item.id, &text, true)?;
        }
        if items.len() < batch {
            // Marks whose item is gone (deleted without the trigger).
            tx.execute(
                "DELETE FROM search_pending WHERE item_id NOT IN (SELECT id FROM items)",
                [],
            )?;
        }
        tx.commit()?;
        Ok(items.len())
    }

    /// The items `query` selects, newest first (by row id, which follows
    /// first-seen time), at most `query.limit`, each with its BM25 score.
    /// A query still running after `budget` is stopped with
    /// [`StoreError::Interrupted`].
    pub fn search_matches(
        &self,
        query: &MatchQuery<'_>,
        budget: Duration,
    ) -> Result<Vec<MatchRow>, StoreError> {
        let mut args: Vec<Value> = Vec::new();
        let mut arg = |v: Value| {
            args.push(v);
            format!("?{}", args.len())
        };
        let mut conditions = Vec::new();
        let (from, score, order) = match query.fts {
            Some(fts) => {
                conditions.push(format!("item_search MATCH {}", arg(fts.to_string().into())));
                (
                    "item_search JOIN items i ON i.id = item_search.rowid",
                    BM25,
                    "item_search.rowid",
                )
            }
            None => ("items i", "0.0", "i.id"),
        };
        if let Some(since) = query.since {
            conditions.push(format!("i.published >= {}", arg(to_unix(since).into())));
        }
        if let Some(until) = query.until {
            conditions.push(format!("i.published <= {}", arg(to_unix(until).into())));
        }
        if let Some((start, end)) = query.seen {
            let start = arg(to_unix(start).into());
            let end = arg(to_unix(end).into());
            conditions.push(format!("i.first_seen >= {start} AND i.first_seen < {end}"));
        }
        if !query.topics.is_empty() {
            let list: Vec<String> = query.topics.iter().map(|t| arg(t.clone().into())).collect();
            let list = list.join(", ");
            // The story's other members are looked up through `items_story`
            // only when there is a story: written as a join on `item_topics`,
            // SQLite walked every tagged item for each match (over a second
            // per search at 100,000 items; BENCHMARKS.md, "Search").
            conditions.push(format!(
                "(EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = i.id AND t.topic IN ({list}))
                  OR i.story_id IS NOT NULL AND EXISTS (
                      SELECT 1 FROM items m WHERE m.story_id = i.story_id AND EXISTS (
                          SELECT 1 FROM item_topics t WHERE t.item_id = m.id AND t.topic IN ({list}))))"
            ));
        }
        if !query.outlets.is_empty() {
            // Resolved to feed ids once, so that each matching item costs
            // an integer test, not three substring searches.
            let feeds = self.outlet_feed_ids(query.outlets)?;
            if feeds.is_empty() {
                return Ok(Vec::new());
            }
            let ids = serde_json::to_string(&feeds).unwrap_or_else(|_| "[]".into());
            let feeds = format!("(SELECT value FROM json_each({}))", arg(ids.into()));
            conditions.push(match query.fts {
                // The outlets' item ids, read once from the (feed_id, key)
                // index, are tested against each match's rowid before its
                // item row is read (`+` keeps the test out of FTS5's hands,
                // which would run the match once per id): the walk over a
                // common name's matches reads no item rows but the outlets'.
                Some(_) => format!(
                    "+item_search.rowid IN (SELECT f.id FROM items f WHERE f.feed_id IN {feeds})"
                ),
                None => format!("i.feed_id IN {feeds}"),
            });
        }
        let limit = arg(i64::try_from(query.limit).unwrap_or(i64::MAX).into());
        let filter = if conditions.is_empty() {
            "1".to_string()
        } else {
            conditions.join(" AND ")
        };
        let sql = format!(
            "SELECT i.id, i.story_id, coalesce(s.representative_id, i.id), {score}, i.published
             FROM {from} LEFT JOIN stories s ON s.id = i.story_id
             WHERE {filter}
             ORDER BY {order} DESC LIMIT {limit}"
        );
        let _deadline = DeadlineGuard::set(&self.deadline, budget);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(args), match_from_row)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| interrupted(e, budget))?;
        Ok(rows)
    }

    /// The feeds whose title, site or feed URL contains one of `outlets`
    /// (lower-case), by id.
    fn outlet_feed_ids(&self, outlets: &[String]) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.id FROM feeds f, json_each(?1) o
             WHERE instr(lower(coalesce(f.title, '')), o.value) OR instr(lower(f.url), o.value)
                OR instr(lower(coalesce(f.site_url, '')), o.value)
             GROUP BY f.id",
        )?;
        let outlets = serde_json::to_string(outlets).unwrap_or_else(|_| "[]".into());
        let ids = stmt
            .query_map([outlets], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    /// Folds the index's segments together a little (a bounded amount of
    /// work), as after retention deleted many rows.
    pub fn merge_search_index(&self) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO item_search (item_search, rank) VALUES ('merge', 500)",
            [],
        )?;
        Ok(())
    }
}

fn match_from_row(r: &Row<'_>) -> rusqlite::Result<MatchRow> {
    Ok(MatchRow {
        item_id: r.get(0)?,
        story_id: r.get(1)?,
        representative_id: r.get(2)?,
        bm25: r.get(3)?,
        published: from_unix(r.get(4)?),
    })
}

/// SQLite's "interrupted" as the store's error naming the budget.
fn interrupted(e: rusqlite::Error, budget: Duration) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::OperationInterrupted) => StoreError::Interrupted { budget },
        _ => StoreError::Sqlite(e),
    }
}

/// What a search result shows of an item: the item, its outlet, and its
/// story's size and outlets.
#[derive(Debug, Clone, PartialEq)]
pub struct HitRow {
    /// The item.
    pub item: ItemRow,
    /// Its outlet's name (feed title, else its URL).
    pub outlet: String,
    /// Its story, once grouped.
    pub story_id: Option<i64>,
    /// How many items its story has (1 without a story).
    pub reports: u32,
    /// The story's outlets, each once, in order of first report.
    pub outlets: Vec<String>,
}

impl Store {
    /// The items `item_ids` as search results show them, by id (an item
    /// that is gone is left out): two queries for a whole page, whatever
    /// its size, one for the items and one for their stories' outlets.
    pub fn search_hits(&self, item_ids: &[i64]) -> Result<HashMap<i64, HitRow>, StoreError> {
        let ids = serde_json::to_string(item_ids).unwrap_or_else(|_| "[]".into());
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id, i.feed_id, i.key, i.url, i.title, i.summary, i.content_html,
                 i.authors, i.categories, i.published, i.updated, i.first_seen,
                 i.image_url, i.attachments,
                 coalesce(nullif(trim(f.title), ''), f.url), i.story_id,
                 coalesce(s.member_count, 1)
             FROM items i JOIN feeds f ON f.id = i.feed_id
             LEFT JOIN stories s ON s.id = i.story_id
             WHERE i.id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut hits = stmt
            .query_map([&ids], |r| {
                let outlet: String = r.get(14)?;
                Ok(HitRow {
                    item: item_from_row(r)?,
                    outlets: vec![outlet.clone()],
                    outlet,
                    story_id: r.get(15)?,
                    reports: r.get(16)?,
                })
            })?
            .map(|hit| hit.map(|h| (h.item.id, h)))
            .collect::<Result<HashMap<_, _>, _>>()?;
        let mut stories: Vec<i64> = hits.values().filter_map(|h| h.story_id).collect();
        stories.sort_unstable();
        stories.dedup();
        if stories.is_empty() {
            return Ok(hits);
        }
        let mut outlets: HashMap<i64, Vec<String>> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.story_id, coalesce(nullif(trim(g.title), ''), g.url)
             FROM items m JOIN feeds g ON g.id = m.feed_id
             WHERE m.story_id IN (SELECT value FROM json_each(?1))
             GROUP BY m.story_id, g.id
             ORDER BY m.story_id, min(m.first_seen), min(m.id)",
        )?;
        let stories = serde_json::to_string(&stories).unwrap_or_else(|_| "[]".into());
        let mut rows = stmt.query([stories])?;
        while let Some(r) = rows.next()? {
            outlets.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
        for hit in hits.values_mut() {
            if let Some(names) = hit.story_id.and_then(|s| outlets.get(&s)) {
                hit.outlets.clone_from(names);
            }
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{FeedUrl, NewItem, PollRecord, PollResult};
    use crate::store::{testing, AddFeed, FeedOrigin};

    /// How many segments the index holds: the second varint of FTS5's
    /// structure record (row 10 of `item_search_data`), after its 4-byte
    /// cookie and, in the V2 format, a 4-byte marker.
    fn segments(store: &Store) -> u64 {
        let record: Vec<u8> = store
            .conn
            .query_row(
                "SELECT block FROM item_search_data WHERE id = 10",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let mut at = if record[4..8] == [0xFF, 0, 0, 1] {
            8
        } else {
            4
        };
        let mut varint = || {
            let mut value = 0u64;
            for i in 0..9 {
                let byte = record[at];
                at += 1;
                if i == 8 {
                    return (value << 8) | u64::from(byte);
                }
                value = (value << 7) | u64::from(byte & 0x7F);
                if byte < 0x80 {
                    break;
                }
            }
            value
        };
        let _levels = varint();
        varint()
    }

    /// A poll of `feed` finding 20 items titled `title N`, each with a story
    /// signature (whose `INSERT OR REPLACE` opens a statement savepoint).
    fn poll(feed: i64, title: &str) -> PollRecord {
        let items: Vec<NewItem> = (0..20)
            .map(|n| testing::item(&format!("{feed}-{n}"), &format!("{title} {n}")))
            .collect();
        let mut record = testing::fetched(feed, Utc::now(), items, vec![], None);
        if let PollResult::Fetched { signatures, .. } = &mut record.result {
            *signatures = vec![vec![1, 2, 3]; 20];
        }
        record
    }

    #[test]
    fn a_batch_of_polls_adds_one_index_segment() {
        let mut store = Store::open_in_memory().unwrap();
        let feeds: Vec<i64> = (0..2)
            .map(|n| {
                let url = FeedUrl::parse(&format!("https://o{n}.example/rss")).unwrap();
                match store.add_feed(&url, FeedOrigin::Cli).unwrap() {
                    AddFeed::Added(id) => id,
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        store
            .write_polls(&[poll(feeds[0], "लावरोव"), poll(feeds[1], "Lavrov")])
            .unwrap();
        assert_eq!(segments(&store), 1, "40 new items, one transaction");
        // Every item's text changes: rows replaced, pending marks cleared.
        store
            .write_polls(&[poll(feeds[0], "किम"), poll(feeds[1], "Kim")])
            .unwrap();
        assert_eq!(segments(&store), 2, "40 changed items, one transaction");
        assert_eq!(store.search_pending().unwrap(), 0);
    }
}
