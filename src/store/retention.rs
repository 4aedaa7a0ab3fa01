//! SQL for retention (issue #6): deleting old items (leaving a tombstone of
//! each key) and old fetch-log rows, and giving the freed pages back to the
//! file system.
//!
//! Space is reclaimed with `auto_vacuum = INCREMENTAL` and
//! `PRAGMA incremental_vacuum` after each run: it moves no live data, so it
//! is quick and holds the write lock only briefly, where a full `VACUUM`
//! rewrites the whole file (and needs as much free disk again). A database
//! created before auto-vacuum was switched on gets one full `VACUUM` to
//! convert it, once.

use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};

use super::{to_unix, Store, StoreError};

/// Items deleted per transaction, so that the writer and the HTTP server
/// never wait long for the lock while a big backlog is pruned.
const PRUNE_CHUNK: i64 = 2_000;

/// SQLite's `auto_vacuum` value for "none".
const AUTO_VACUUM_NONE: i64 = 0;

/// What to remove: everything older than these times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneCutoffs {
    /// Items first seen before this are deleted; tombstones not seen since
    /// this are dropped.
    pub items_before: DateTime<Utc>,
    /// Fetch-log rows written before this are deleted.
    pub fetch_log_before: DateTime<Utc>,
}

/// What a retention run removed (or, dry, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Items deleted.
    pub items: u64,
    /// Fetch-log rows deleted.
    pub fetch_log: u64,
    /// Tombstones dropped (their items no longer listed by their feed).
    pub tombstones: u64,
    /// Bytes the database file shrank by.
    pub reclaimed_bytes: u64,
}

impl std::fmt::Display for PruneReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} items, {} fetch-log rows, {} tombstones; {:.1} MiB reclaimed",
            self.items,
            self.fetch_log,
            self.tombstones,
            self.reclaimed_bytes as f64 / (1024.0 * 1024.0)
        )
    }
}

impl Store {
    /// Deletes what `cutoffs` mark as old, in short transactions, then
    /// reclaims the freed space. With `dry_run`, only counts.
    pub fn prune(
        &mut self,
        cutoffs: PruneCutoffs,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<PruneReport, StoreError> {
        let items_before = to_unix(cutoffs.items_before);
        let log_before = to_unix(cutoffs.fetch_log_before);
        if dry_run {
            let count = |sql: &str, before: i64| -> Result<u64, StoreError> {
                Ok(self.conn.query_row(sql, [before], |r| r.get(0))?)
            };
            return Ok(PruneReport {
                items: count(
                    "SELECT count(*) FROM items WHERE first_seen < ?1",
                    items_before,
                )?,
                fetch_log: count("SELECT count(*) FROM fetch_log WHERE at < ?1", log_before)?,
                tombstones: count(
                    "SELECT count(*) FROM item_tombstones WHERE last_seen < ?1",
                    items_before,
                )?,
                reclaimed_bytes: 0,
            });
        }
        let mut report = PruneReport::default();
        loop {
            let tx = super::write_tx(&mut self.conn)?;
            let deleted = delete_items_chunk(&tx, items_before, to_unix(now))?;
            tx.commit()?;
            report.items += deleted;
            if deleted < PRUNE_CHUNK as u64 {
                break;
            }
        }
        report.fetch_log =
            self.conn
                .execute("DELETE FROM fetch_log WHERE at < ?1", [log_before])? as u64;
        report.tombstones = self.conn.execute(
            "DELETE FROM item_tombstones WHERE last_seen < ?1",
            [items_before],
        )? as u64;
        report.reclaimed_bytes = self.reclaim_space()?;
        Ok(report)
    }

    /// Gives free pages back to the file system and truncates the WAL;
    /// returns how many bytes the file shrank by.
    pub fn reclaim_space(&self) -> Result<u64, StoreError> {
        let before = self.file_bytes()?;
        let auto_vacuum: i64 = self
            .conn
            .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
        if auto_vacuum == AUTO_VACUUM_NONE {
            // Switching auto-vacuum on takes effect only through a VACUUM.
            tracing::info!("converting the database to incremental auto-vacuum (one full VACUUM)");
            self.conn
                .execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
        } else {
            // The pragma frees pages as it is stepped: run it to the end.
            let mut stmt = self.conn.prepare("PRAGMA incremental_vacuum")?;
            let mut rows = stmt.query([])?;
            while rows.next()?.is_some() {}
        }
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(before.saturating_sub(self.file_bytes()?))
    }

    /// The database's size in pages times the page size.
    fn file_bytes(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )?)
    }
}

/// Deletes up to [`PRUNE_CHUNK`] of the oldest items first seen before
/// `before`, leaving a tombstone of each key; returns how many.
fn delete_items_chunk(tx: &Transaction<'_>, before: i64, now: i64) -> Result<u64, StoreError> {
    tx.execute(
        "INSERT INTO item_tombstones (feed_id, key, last_seen)
         SELECT feed_id, key, ?2 FROM items WHERE first_seen < ?1 ORDER BY id LIMIT ?3
         ON CONFLICT (feed_id, key) DO UPDATE SET last_seen = excluded.last_seen",
        params![before, now, PRUNE_CHUNK],
    )?;
    let deleted = tx.execute(
        "DELETE FROM items WHERE id IN
             (SELECT id FROM items WHERE first_seen < ?1 ORDER BY id LIMIT ?2)",
        params![before, PRUNE_CHUNK],
    )?;
    Ok(deleted as u64)
}

/// Whether retention deleted the item `key` of `feed_id` (its tombstone is
/// then refreshed, as the feed still lists it). The writer skips such keys
/// instead of storing them again as new.
pub(super) fn was_pruned(
    tx: &Transaction<'_>,
    feed_id: i64,
    key: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let refreshed = tx
        .prepare_cached(
            "UPDATE item_tombstones SET last_seen = ?3 WHERE feed_id = ?1 AND key = ?2",
        )?
        .execute(params![feed_id, key, now])?;
    Ok(refreshed > 0)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::model::NewItem;
    use crate::store::testing;
    use crate::store::{AddFeed, FeedOrigin, PollRecord};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn item(key: &str) -> NewItem {
        NewItem {
            summary: Some("सार ".repeat(200)),
            content_hash: key.into(),
            ..testing::item(key, &format!("शीर्षक {key}"))
        }
    }

    fn poll(feed_id: i64, at: DateTime<Utc>, keys: &[String]) -> PollRecord {
        let items = keys.iter().map(|k| item(k)).collect();
        testing::fetched(feed_id, at, items, vec![], None)
    }

    fn keys(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    /// A file database with one feed: `old` items and a fetch-log row in
    /// January, `new` items and a row in June.
    fn store_with(dir: &tempfile::TempDir, old: usize, new: usize) -> (Store, i64) {
        let mut store = Store::open(&dir.path().join("k.db")).unwrap();
        let AddFeed::Added(id) = store
            .add_feed(
                &crate::model::FeedUrl::parse("https://a.example/rss").unwrap(),
                FeedOrigin::Cli,
            )
            .unwrap()
        else {
            panic!("feed exists")
        };
        store
            .write_polls(&[poll(id, t("2026-01-01T00:00:00Z"), &keys("old", old))])
            .unwrap();
        store
            .write_polls(&[poll(id, t("2026-06-01T00:00:00Z"), &keys("new", new))])
            .unwrap();
        (store, id)
    }

    fn march() -> PruneCutoffs {
        PruneCutoffs {
            items_before: t("2026-03-01T00:00:00Z"),
            fetch_log_before: t("2026-03-01T00:00:00Z"),
        }
    }

    #[test]
    fn old_items_and_fetch_log_rows_go_newer_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = store_with(&dir, 3, 2);
        let now = t("2026-06-02T00:00:00Z");
        let dry = store.prune(march(), now, true).unwrap();
        assert_eq!((dry.items, dry.fetch_log), (3, 1), "dry run counts");
        assert_eq!(store.count_items().unwrap(), 5, "dry run deletes nothing");
        let done = store.prune(march(), now, false).unwrap();
        assert_eq!((done.items, done.fetch_log, done.tombstones), (3, 1, 0));
        assert_eq!(store.count_items().unwrap(), 2);
        let again = store.prune(march(), now, false).unwrap();
        assert_eq!(
            (again.items, again.fetch_log),
            (0, 0),
            "nothing left to prune"
        );
    }

    #[test]
    fn a_pruned_item_still_listed_by_its_feed_does_not_come_back_as_new() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, id) = store_with(&dir, 2, 1);
        store
            .prune(march(), t("2026-06-02T00:00:00Z"), false)
            .unwrap();
        let mut listed = keys("old", 2);
        listed.push("fresh".into());
        let report = store
            .write_polls(&[poll(id, t("2026-06-03T00:00:00Z"), &listed)])
            .unwrap();
        assert_eq!(report[0].new, 1, "only the fresh item is new: {report:?}");
        assert_eq!(store.count_items().unwrap(), 2);
        // Seen again on 3 June, the tombstones outlive a cutoff before that…
        let kept = store
            .prune(march(), t("2026-06-04T00:00:00Z"), false)
            .unwrap();
        assert_eq!(kept.tombstones, 0);
        // …and go once the feed has not listed them for the whole period.
        let later = PruneCutoffs {
            items_before: t("2026-07-01T00:00:00Z"),
            fetch_log_before: t("2026-03-01T00:00:00Z"),
        };
        let gone = store
            .prune(later, t("2026-12-31T00:00:00Z"), false)
            .unwrap();
        assert_eq!(gone.tombstones, 2);
    }

    #[test]
    fn a_big_prune_is_chunked_and_shrinks_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = store_with(&dir, 5_000, 10);
        let report = store
            .prune(march(), t("2026-06-02T00:00:00Z"), false)
            .unwrap();
        assert_eq!(report.items, 5_000);
        assert!(report.reclaimed_bytes > 1_000_000, "{report}");
        assert_eq!(store.count_items().unwrap(), 10);
    }

    #[test]
    fn a_database_made_without_auto_vacuum_is_converted_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE before_khabar (x); DROP TABLE before_khabar;")
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let mode = |s: &Store| -> i64 {
            s.conn
                .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(mode(&store), AUTO_VACUUM_NONE);
        store.reclaim_space().unwrap();
        assert_eq!(mode(&store), 2, "incremental");
        let fresh = Store::open(&dir.path().join("new.db")).unwrap();
        assert_eq!(mode(&fresh), 2, "a new database starts incremental");
    }
}
