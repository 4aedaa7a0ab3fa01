//! SQL for full text (issue #7): which feeds want it, which items still
//! need their article page, and each outlet's repeated-line counts.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::{to_unix, Store, StoreError};
use crate::model::OutletPages;

/// Whether a feed entry is stored, and in this version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredVersion {
    /// Never stored: its article page is fetched and counted.
    New,
    /// Stored, but the feed's entry changed: its page is fetched again, and
    /// not counted again, so that an often-updated story's own paragraphs
    /// never pass for the outlet's template.
    Changed,
    /// Stored as it is: nothing to fetch.
    Same,
}

impl Store {
    /// Turns full text on or off for a feed.
    pub fn set_feed_full_text(&self, id: i64, on: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE feeds SET full_text = ?2 WHERE id = ?1",
            params![id, on],
        )?;
        Ok(())
    }

    /// For each `(key, content_hash)` of a feed's items, whether and in
    /// which version it is stored.
    pub fn stored_versions(
        &self,
        feed_id: i64,
        items: &[(String, String)],
    ) -> Result<Vec<StoredVersion>, StoreError> {
        let mut find = self
            .conn
            .prepare_cached("SELECT content_hash FROM items WHERE feed_id = ?1 AND key = ?2")?;
        items
            .iter()
            .map(|(key, hash)| {
                let stored: Option<String> = find
                    .query_row(params![feed_id, key], |r| r.get(0))
                    .optional()?;
                Ok(match stored {
                    None => StoredVersion::New,
                    Some(h) if h == *hash => StoredVersion::Same,
                    Some(_) => StoredVersion::Changed,
                })
            })
            .collect()
    }

    /// On how many of the feed's pages each of these line fingerprints was
    /// seen; unknown lines are left out.
    pub fn outlet_line_pages(
        &self,
        feed_id: i64,
        fingerprints: &BTreeSet<i64>,
    ) -> Result<HashMap<i64, u32>, StoreError> {
        let mut find = self.conn.prepare_cached(
            "SELECT pages FROM fulltext_lines WHERE feed_id = ?1 AND fingerprint = ?2",
        )?;
        let mut counts = HashMap::new();
        for fp in fingerprints {
            let pages: Option<u32> = find
                .query_row(params![feed_id, fp], |r| r.get(0))
                .optional()?;
            if let Some(pages) = pages {
                counts.insert(*fp, pages);
            }
        }
        Ok(counts)
    }
}

/// Adds `outlet`'s pages to the feed's line counts, seen at `now`, inside
/// the poll's transaction `tx`. Lines seen on fewer than `keep_min_pages`
/// pages and not since `forget_before` are deleted, so the table holds the
/// outlet's template rather than every line it ever printed.
pub(super) fn count_outlet_pages(
    tx: &Transaction<'_>,
    feed_id: i64,
    outlet: &OutletPages,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if outlet.pages.is_empty() {
        return Ok(());
    }
    let mut add = tx.prepare_cached(
        "INSERT INTO fulltext_lines (feed_id, fingerprint, pages, last_seen)
         VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (feed_id, fingerprint)
         DO UPDATE SET pages = pages + 1, last_seen = excluded.last_seen",
    )?;
    for fp in outlet.pages.iter().flatten() {
        add.execute(params![feed_id, fp, to_unix(now)])?;
    }
    tx.prepare_cached(
        "DELETE FROM fulltext_lines
         WHERE feed_id = ?1 AND pages < ?2 AND last_seen < ?3",
    )?
    .execute(params![
        feed_id,
        outlet.keep_min_pages,
        to_unix(outlet.forget_before)
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::store::{AddFeed, FeedOrigin};

    fn count(store: &mut Store, feed: i64, pages: &[&[i64]], now: DateTime<Utc>) {
        let outlet = OutletPages {
            pages: pages.iter().map(|p| p.iter().copied().collect()).collect(),
            keep_min_pages: 3,
            forget_before: now - Duration::days(90),
        };
        let tx = crate::store::write_tx(&mut store.conn).unwrap();
        count_outlet_pages(&tx, feed, &outlet, now).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn line_counts_grow_per_page_and_stale_rare_lines_are_forgotten() {
        let mut store = Store::open_in_memory().unwrap();
        let AddFeed::Added(feed) = store
            .add_feed(
                &crate::model::FeedUrl::parse("https://a.example/rss").unwrap(),
                FeedOrigin::Cli,
            )
            .unwrap()
        else {
            panic!("new feed")
        };
        let all = BTreeSet::from([1, 2, 3]);
        let t0 = DateTime::from_timestamp(1_750_000_000, 0).unwrap();
        count(&mut store, feed, &[&[1, 2], &[1]], t0);
        assert_eq!(
            store.outlet_line_pages(feed, &all).unwrap(),
            HashMap::from([(1, 2), (2, 1)])
        );
        count(&mut store, feed, &[&[1]], t0 + Duration::days(100));
        assert_eq!(
            store.outlet_line_pages(feed, &all).unwrap(),
            HashMap::from([(1, 3)]),
            "line 2 was rare and stale, line 1 is the outlet's"
        );
    }

    #[test]
    fn stored_versions_tell_new_changed_and_same_apart() {
        let store = Store::open_in_memory().unwrap();
        let AddFeed::Added(feed) = store
            .add_feed(
                &crate::model::FeedUrl::parse("https://a.example/rss").unwrap(),
                FeedOrigin::Cli,
            )
            .unwrap()
        else {
            panic!("new feed")
        };
        store
            .conn
            .execute(
                "INSERT INTO items (feed_id, key, title, published, first_seen, last_changed,
                     content_hash)
                 VALUES (?1, 'guid:a', 'A', 0, 0, 0, 'h1'), (?1, 'guid:b', 'B', 0, 0, 0, 'h1')",
                [feed],
            )
            .unwrap();
        let asked = [("guid:a", "h1"), ("guid:b", "h2"), ("guid:c", "h1")]
            .map(|(k, h)| (k.to_string(), h.to_string()));
        assert_eq!(
            store.stored_versions(feed, &asked).unwrap(),
            [
                StoredVersion::Same,
                StoredVersion::Changed,
                StoredVersion::New
            ]
        );
    }
}
