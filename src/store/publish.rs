//! SQL for the publish stage (issue #4): the newest items with their outlet
//! and topics, page by page, and the counts `/metrics` reports.

use chrono::{DateTime, Utc};
use rusqlite::{params, Row};

use super::items::item_from_row;
use super::{from_unix, to_unix, ItemRow, Store, StoreError};

/// Which items to publish: newest first (by publication date, then row id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryQuery<'a> {
    /// Only items tagged with this topic slug.
    pub topic: Option<&'a str>,
    /// Only items strictly older than this (published, row id) position.
    pub before: Option<(DateTime<Utc>, i64)>,
    /// At most this many.
    pub limit: usize,
}

/// The outlet an item came from, as its feed describes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutletRow {
    /// The feed's row id.
    pub id: i64,
    /// The feed's current URL.
    pub feed_url: String,
    /// The feed's title.
    pub title: Option<String>,
    /// The outlet's site.
    pub site_url: Option<String>,
    /// The feed's declared language (`hi`, `hi-IN`, `en`).
    pub language: Option<String>,
}

/// One item to publish, with where it came from and what it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    /// The stored item.
    pub item: ItemRow,
    /// When khabar last stored a change to it.
    pub last_changed: DateTime<Utc>,
    /// When the latest member joined its story (`stories.last_seen`), when
    /// the story has other members: the entry's "Also reported by" changed
    /// then. `None` for an item alone in its story, or in none.
    pub story_last_seen: Option<DateTime<Utc>>,
    /// Its outlet.
    pub outlet: OutletRow,
    /// Its story, once grouped (the story page is `/stories/ID`).
    pub story_id: Option<i64>,
    /// Slugs of its story's topics (any member's), sorted.
    pub topics: Vec<String>,
    /// The story's other reports from other outlets, one per outlet, in
    /// order of first-seen time (at most [`MAX_RELATED`]).
    pub related: Vec<RelatedRow>,
}

/// Another outlet's report of an entry's story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedRow {
    /// Its outlet.
    pub outlet: OutletRow,
    /// Its plain-text title.
    pub title: String,
    /// Link to it.
    pub url: Option<String>,
}

/// Most other outlets listed in one entry: bounds an entry's size when
/// fifty outlets carry the same wire story.
pub const MAX_RELATED: usize = 20;

/// What `/metrics` reads from the database, as of one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsGauges {
    /// Feeds still polled.
    pub feeds_active: u64,
    /// Feeds retired by a 410.
    pub feeds_gone: u64,
    /// Active feeds whose last poll failed.
    pub feeds_failing: u64,
    /// Active feeds due now (the scheduler's backlog).
    pub feeds_due: u64,
    /// The database file's pages, in bytes.
    pub database_bytes: u64,
    /// Subscriptions to outlets' WebSub hubs per state (issue #16); one
    /// row per subscribed outlet.
    pub websub: Vec<(String, u64)>,
}

const ENTRY_SELECT: &str = "SELECT i.id, i.feed_id, i.key, i.url, i.title, i.summary,
        i.content_html, i.authors, i.categories, i.published, i.updated, i.first_seen,
        i.last_changed, f.url, f.title, f.site_url, f.language,
        (SELECT json_group_array(topic) FROM
            (SELECT DISTINCT topic FROM item_topics
             WHERE item_id = i.id
                OR item_id IN (SELECT m.id FROM items m WHERE m.story_id = i.story_id)
             ORDER BY topic)),
        i.story_id, s.member_count, s.last_seen, i.image_url, i.attachments
     FROM items i JOIN feeds f ON f.id = i.feed_id
     LEFT JOIN stories s ON s.id = i.story_id";

fn entry_from_row(r: &Row<'_>) -> rusqlite::Result<EntryRow> {
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    Ok(EntryRow {
        // The first twelve columns are the items table's, in ITEM_COLUMNS
        // order; its media columns come last and are read by name.
        item: item_from_row(r)?,
        last_changed: from_unix(r.get(12)?),
        outlet: OutletRow {
            id: r.get(1)?,
            feed_url: r.get(13)?,
            title: r.get(14)?,
            site_url: r.get(15)?,
            language: r.get(16)?,
        },
        topics: list(r.get(17)?),
        story_id: r.get(18)?,
        related: Vec::new(),
        story_last_seen: match (r.get::<_, Option<u32>>(19)?, r.get::<_, Option<i64>>(20)?) {
            (Some(members), Some(last)) if members > 1 => Some(from_unix(last)),
            _ => None,
        },
    })
}

/// The story (column 18) and its member count (19) of an entry row.
fn story_of_row(r: &Row<'_>) -> rusqlite::Result<Option<(i64, u32)>> {
    Ok(r.get::<_, Option<i64>>(18)?
        .zip(r.get::<_, Option<u32>>(19)?))
}

impl Store {
    /// One entry per story `query` selects — its representative, with the
    /// other outlets' reports — newest first. An item not yet in a story
    /// is an entry of its own.
    pub fn publish_entries(&self, query: &EntryQuery<'_>) -> Result<Vec<EntryRow>, StoreError> {
        let topic_filter = if query.topic.is_some() {
            "(EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = i.id AND t.topic = ?1)
              OR EXISTS (SELECT 1 FROM items m JOIN item_topics t ON t.item_id = m.id
                         WHERE m.story_id = i.story_id AND t.topic = ?1))"
        } else {
            "?1 IS NULL"
        };
        let sql = format!(
            "{ENTRY_SELECT}
             WHERE (s.id IS NULL OR s.representative_id = i.id)
               AND {topic_filter}
               AND (?2 IS NULL OR i.published < ?2 OR (i.published = ?2 AND i.id < ?3))
             ORDER BY i.published DESC, i.id DESC
             LIMIT ?4"
        );
        let (before_date, before_id) = match query.before {
            Some((date, id)) => (Some(to_unix(date)), id),
            None => (None, 0),
        };
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
        self.entries_with_related(&sql, params![query.topic, before_date, before_id, limit])
    }

    /// The entries of the items `ids` (stories' representatives, as a
    /// search selects them), newest first, at most `limit`, each with the
    /// other outlets' reports.
    pub fn publish_entries_of(
        &self,
        ids: &[i64],
        limit: usize,
    ) -> Result<Vec<EntryRow>, StoreError> {
        let sql = format!(
            "{ENTRY_SELECT}
             WHERE i.id IN (SELECT value FROM json_each(?1))
             ORDER BY i.published DESC, i.id DESC
             LIMIT ?2"
        );
        let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.entries_with_related(&sql, params![ids, limit])
    }

    /// The entries `sql` (an [`ENTRY_SELECT`]) selects, each with the other
    /// outlets' reports of its story.
    fn entries_with_related(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<EntryRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(params, |r| Ok((entry_from_row(r)?, story_of_row(r)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(mut entry, story)| {
                if let Some((story, _)) = story.filter(|(_, members)| *members > 1) {
                    entry.related = self.related(story, entry.item.feed_id)?;
                }
                Ok(entry)
            })
            .collect()
    }

    /// The first report of `story` by each outlet other than `feed_id`.
    fn related(&self, story: i64, feed_id: i64) -> Result<Vec<RelatedRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.title, m.url, f.id, f.url, f.title, f.site_url, f.language
             FROM items m JOIN feeds f ON f.id = m.feed_id
             WHERE m.story_id = ?1 AND m.feed_id != ?2
             ORDER BY m.first_seen, m.published, m.id",
        )?;
        let rows = stmt.query_map(params![story, feed_id], |r| {
            Ok(RelatedRow {
                title: r.get(0)?,
                url: r.get(1)?,
                outlet: OutletRow {
                    id: r.get(2)?,
                    feed_url: r.get(3)?,
                    title: r.get(4)?,
                    site_url: r.get(5)?,
                    language: r.get(6)?,
                },
            })
        })?;
        let mut related: Vec<RelatedRow> = Vec::new();
        for row in rows {
            let row = row?;
            if related.len() == MAX_RELATED {
                break;
            }
            if !related.iter().any(|r| r.outlet.id == row.outlet.id) {
                related.push(row);
            }
        }
        Ok(related)
    }

    /// Every feed as an outlet, ordered by id (for OPML).
    pub fn publish_outlets(&self) -> Result<Vec<OutletRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, url, title, site_url, language FROM feeds ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(OutletRow {
                id: r.get(0)?,
                feed_url: r.get(1)?,
                title: r.get(2)?,
                site_url: r.get(3)?,
                language: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A number that changes whenever another connection commits to the
    /// database (SQLite's `PRAGMA data_version`): a cheap "has anything
    /// changed since I last looked" for caches held beside this connection.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The gauges `/metrics` reports: one pass over the feeds table (one
    /// row per outlet) and SQLite's page counts, never a scan of items or
    /// the fetch log.
    pub fn metrics_gauges(&self, now: DateTime<Utc>) -> Result<MetricsGauges, StoreError> {
        let (active, gone, failing, due) = self.conn.query_row(
            "SELECT coalesce(sum(status = 'active'), 0), coalesce(sum(status = 'gone'), 0),
                    coalesce(sum(status = 'active' AND error_count > 0), 0),
                    coalesce(sum(status = 'active' AND next_due <= ?1), 0)
             FROM feeds",
            [to_unix(now)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let pages: u64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let page_size: u64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok(MetricsGauges {
            feeds_active: active,
            feeds_gone: gone,
            feeds_failing: failing,
            feeds_due: due,
            database_bytes: pages * page_size,
            websub: self.websub_states()?,
        })
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::model::{ItemKey, NewItem};
    use crate::model::{TopicHit, TopicSlug};
    use crate::store::testing;
    use crate::store::{AddFeed, FeedOrigin};

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn item(n: i64) -> NewItem {
        NewItem {
            key: ItemKey::Guid(format!("g{n}")),
            guid: Some(format!("g{n}")),
            link: Some(format!("https://a.example/{n}")),
            // Items 0 and 1 share a date: the row id breaks the tie.
            published: Some(t(1_000 + n.max(1) * 10)),
            content_hash: format!("h{n}"),
            ..testing::item(&format!("g{n}"), &format!("ख़बर {n}"))
        }
    }

    /// A store with one feed of `n` items; the even ones are tagged `rnk`.
    fn store_with(n: i64) -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let AddFeed::Added(feed_id) = store
            .add_feed(
                &crate::model::FeedUrl::parse("https://a.example/rss").unwrap(),
                FeedOrigin::Cli,
            )
            .unwrap()
        else {
            panic!("feed exists")
        };
        let items: Vec<_> = (0..n).map(item).collect();
        let tags = (0..n)
            .map(|i| {
                (i % 2 == 0)
                    .then(|| TopicHit {
                        slug: TopicSlug::parse("rnk").unwrap(),
                        why: vec![],
                        matches: vec![],
                    })
                    .into_iter()
                    .collect()
            })
            .collect();
        let record = testing::fetched(feed_id, t(5_000), items, tags, None);
        store.write_polls(&[record]).unwrap();
        store
    }

    fn titles(rows: &[EntryRow]) -> Vec<&str> {
        rows.iter().map(|r| r.item.title.as_str()).collect()
    }

    #[test]
    fn entries_come_newest_first_with_outlet_and_topics() {
        let store = store_with(3);
        let rows = store
            .publish_entries(&EntryQuery {
                topic: None,
                before: None,
                limit: 10,
            })
            .unwrap();
        assert_eq!(titles(&rows), ["ख़बर 2", "ख़बर 1", "ख़बर 0"]);
        assert_eq!(rows[0].outlet.feed_url, "https://a.example/rss");
        assert_eq!(rows[0].topics, ["rnk"]);
        assert!(rows[1].topics.is_empty());
    }

    #[test]
    fn paging_by_position_walks_every_item_once_even_on_equal_dates() {
        let store = store_with(5);
        let mut seen = vec![];
        let mut before = None;
        loop {
            let page = store
                .publish_entries(&EntryQuery {
                    topic: None,
                    before,
                    limit: 2,
                })
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some((last.item.published, last.item.id));
            seen.extend(page.iter().map(|r| r.item.title.clone()));
        }
        assert_eq!(seen, ["ख़बर 4", "ख़बर 3", "ख़बर 2", "ख़बर 1", "ख़बर 0"]);
    }

    #[test]
    fn a_topic_selects_only_its_items() {
        let store = store_with(5);
        let rows = store
            .publish_entries(&EntryQuery {
                topic: Some("rnk"),
                before: None,
                limit: 10,
            })
            .unwrap();
        assert_eq!(titles(&rows), ["ख़बर 4", "ख़बर 2", "ख़बर 0"]);
    }

    #[test]
    fn data_version_moves_when_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let watcher = Store::open(&path).unwrap();
        let before = watcher.data_version().unwrap();
        let writer = Store::open(&path).unwrap();
        // Opening (as every scheduler tick and reader does) is no change.
        assert_eq!(watcher.data_version().unwrap(), before);
        writer
            .add_feed(
                &crate::model::FeedUrl::parse("https://b.example/rss").unwrap(),
                FeedOrigin::Cli,
            )
            .unwrap();
        assert_ne!(watcher.data_version().unwrap(), before);
    }

    #[test]
    fn gauges_count_feeds_by_status_and_due() {
        let store = store_with(3);
        let later = Utc::now() + chrono::Duration::days(365);
        let g = store.metrics_gauges(later).unwrap();
        assert_eq!((g.feeds_active, g.feeds_gone, g.feeds_failing), (1, 0, 0));
        assert_eq!(g.feeds_due, 1, "due within a year");
        assert_eq!(store.metrics_gauges(t(0)).unwrap().feeds_due, 0);
        assert!(g.database_bytes >= 4096);
    }
}
