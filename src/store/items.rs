//! SQL for the `items` table.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::topics::replace_item_topics;
use super::{from_unix, to_unix, Store, StoreError};
use crate::model::TopicHit;
use crate::model::{ItemMedia, NewItem, SanitizedHtml};

/// What a write did to a feed's items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreReport {
    /// Items seen for the first time.
    pub new: u32,
    /// Known items whose title or content changed, updated in place.
    pub updated: u32,
    /// Row ids of the new and updated items (for tagging and grouping).
    pub changed_ids: Vec<i64>,
}

/// A stored item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRow {
    /// Row id.
    pub id: i64,
    /// The feed it came from.
    pub feed_id: i64,
    /// Identity within the feed (`guid:…`, `link:…`, `hash:…`).
    pub key: String,
    /// Link to the article.
    pub url: Option<String>,
    /// Plain-text title.
    pub title: String,
    /// Plain-text summary.
    pub summary: Option<String>,
    /// Sanitised content.
    pub content: Option<SanitizedHtml>,
    /// Author names.
    pub authors: Vec<String>,
    /// The outlet's categories.
    pub categories: Vec<String>,
    /// The outlet's date, or the first-seen time when it gave none.
    pub published: DateTime<Utc>,
    /// The outlet's last-updated date.
    pub updated: Option<DateTime<Utc>>,
    /// When khabar first stored it.
    pub first_seen: DateTime<Utc>,
    /// Its picture and attachments.
    pub media: ItemMedia,
}

const ITEM_COLUMNS: &str = "id, feed_id, key, url, title, summary, content_html, authors, \
     categories, published, updated, first_seen, image_url, attachments";

/// An item from the first twelve columns of a row, in [`ITEM_COLUMNS`]
/// order, and the media columns by name (`image_url`, `attachments`).
pub(super) fn item_from_row(r: &Row<'_>) -> rusqlite::Result<ItemRow> {
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    let media = ItemMedia {
        image: r.get("image_url")?,
        attachments: serde_json::from_str(&r.get::<_, String>("attachments")?).unwrap_or_default(),
    };
    Ok(ItemRow {
        media,
        id: r.get(0)?,
        feed_id: r.get(1)?,
        key: r.get(2)?,
        url: r.get(3)?,
        title: r.get(4)?,
        summary: r.get(5)?,
        content: r
            .get::<_, Option<String>>(6)?
            .map(SanitizedHtml::from_store_dangerous),
        authors: list(r.get(7)?),
        categories: list(r.get(8)?),
        published: from_unix(r.get(9)?),
        updated: r.get::<_, Option<i64>>(10)?.map(from_unix),
        first_seen: from_unix(r.get(11)?),
    })
}

/// A written item's row id, its index in the poll's items, and whether it
/// was changed (true) rather than new.
pub(super) type WrittenItem = (i64, usize, bool);

/// Inserts new items and updates changed ones in place; an unchanged item
/// is left alone, so its first-seen time and row id never move. Also
/// returns each inserted or changed item's row id with its index in
/// `items`, and whether it was changed (not new).
pub(super) fn upsert_items(
    tx: &Transaction<'_>,
    feed_id: i64,
    items: &[NewItem],
    tags: &[Vec<TopicHit>],
    now: DateTime<Utc>,
) -> Result<(StoreReport, Vec<WrittenItem>), StoreError> {
    let mut report = StoreReport::default();
    let mut inserted = Vec::new();
    let mut find =
        tx.prepare_cached("SELECT id, content_hash FROM items WHERE feed_id = ?1 AND key = ?2")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO items (feed_id, key, guid, url, title, summary, content_html, authors,
             categories, published, updated, first_seen, last_changed, content_hash,
             image_url, attachments)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15)",
    )?;
    let mut update = tx.prepare_cached(
        "UPDATE items SET guid = ?2, url = ?3, title = ?4, summary = ?5, content_html = ?6,
             authors = ?7, categories = ?8, published = coalesce(?9, published), updated = ?10,
             last_changed = ?11, content_hash = ?12, image_url = ?13, attachments = ?14
         WHERE id = ?1",
    )?;
    let now_secs = to_unix(now);
    for (i, item) in items.iter().enumerate() {
        let key = item.key.to_storage();
        let authors = serde_json::to_string(&item.authors).unwrap_or_else(|_| "[]".into());
        let categories = serde_json::to_string(&item.categories).unwrap_or_else(|_| "[]".into());
        let attachments =
            serde_json::to_string(&item.media.attachments).unwrap_or_else(|_| "[]".into());
        let image = item.media.image.as_deref();
        let content = item.content.as_ref().map(SanitizedHtml::as_str);
        let published = item.published.map(to_unix);
        let updated = item.updated.map(to_unix);
        let existing: Option<(i64, String)> = find
            .query_row(params![feed_id, key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match existing {
            Some((_, hash)) if hash == item.content_hash => {}
            Some((id, _)) => {
                update.execute(params![
                    id,
                    item.guid,
                    item.link,
                    item.title,
                    item.summary,
                    content,
                    authors,
                    categories,
                    published,
                    updated,
                    now_secs,
                    item.content_hash,
                    image,
                    attachments
                ])?;
                report.updated += 1;
                report.changed_ids.push(id);
                inserted.push((id, i, true));
                replace_item_topics(tx, id, tags.get(i).map_or(&[], Vec::as_slice))?;
            }
            // See: issue #6 — an item retention deleted stays deleted.
            None if super::retention::was_pruned(tx, feed_id, &key, now_secs)? => {}
            None => {
                insert.execute(params![
                    feed_id,
                    key,
                    item.guid,
                    item.link,
                    item.title,
                    item.summary,
                    content,
                    authors,
                    categories,
                    published.unwrap_or(now_secs),
                    updated,
                    now_secs,
                    item.content_hash,
                    image,
                    attachments
                ])?;
                report.new += 1;
                let id = tx.last_insert_rowid();
                report.changed_ids.push(id);
                inserted.push((id, i, false));
                replace_item_topics(tx, id, tags.get(i).map_or(&[], Vec::as_slice))?;
            }
        }
    }
    Ok((report, inserted))
}

impl Store {
    /// The newest items by publication date, at most `limit`.
    pub fn recent_items(&self, limit: usize) -> Result<Vec<ItemRow>, StoreError> {
        let sql =
            format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY published DESC, id DESC LIMIT ?1");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([limit as i64], item_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One item by row id.
    pub fn item(&self, id: i64) -> Result<Option<ItemRow>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1");
        Ok(self.conn.query_row(&sql, [id], item_from_row).optional()?)
    }

    /// Up to `limit` items with ids above `after`, by id (for walking every item).
    pub fn items_after(&self, after: i64, limit: i64) -> Result<Vec<ItemRow>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE id > ?1 ORDER BY id LIMIT ?2");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([after, limit], item_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One feed's items, oldest first (by row id).
    pub fn feed_items(&self, feed_id: i64) -> Result<Vec<ItemRow>, StoreError> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE feed_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([feed_id], item_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many items each feed has, by feed id; a feed without items is
    /// absent.
    pub fn item_counts(&self) -> Result<std::collections::HashMap<i64, u64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT feed_id, count(*) FROM items GROUP BY feed_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many items are stored.
    pub fn count_items(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::store::testing;

    use crate::store::{FeedOrigin, FeedState, PollRecord, PollResult};

    fn item(key: &str, title: &str, published: Option<DateTime<Utc>>) -> NewItem {
        NewItem {
            summary: Some("सार".into()),
            authors: vec!["लेखक".into()],
            published,
            ..testing::item(key, title)
        }
    }

    fn poll(feed_id: i64, at: DateTime<Utc>, items: Vec<NewItem>) -> PollRecord {
        testing::fetched(feed_id, at, items, vec![], Some("\"e1\""))
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn feed(store: &Store) -> i64 {
        match store
            .add_feed(
                &crate::model::FeedUrl::parse("https://a.example/rss").unwrap(),
                FeedOrigin::Cli,
            )
            .unwrap()
        {
            crate::store::AddFeed::Added(id) => id,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refetched_item_is_updated_in_place_never_duplicated() {
        let mut store = Store::open_in_memory().unwrap();
        let id = feed(&store);
        let first = t("2026-11-20T10:00:00Z");
        let r = store
            .write_polls(&[poll(
                id,
                first,
                vec![item("a", "पहला", None), item("b", "दूसरा", None)],
            )])
            .unwrap();
        assert_eq!((r[0].new, r[0].updated), (2, 0));
        let later = t("2026-11-21T10:00:00Z");
        let r = store
            .write_polls(&[poll(
                id,
                later,
                vec![item("a", "पहला (संशोधित)", None), item("b", "दूसरा", None)],
            )])
            .unwrap();
        assert_eq!((r[0].new, r[0].updated), (0, 1));
        assert_eq!(store.count_items().unwrap(), 2);
        let a = store
            .recent_items(10)
            .unwrap()
            .into_iter()
            .find(|i| i.key == "guid:a")
            .unwrap();
        assert_eq!(a.title, "पहला (संशोधित)");
        assert_eq!(a.first_seen, first, "first-seen time never moves");
    }

    #[test]
    fn a_missing_date_becomes_the_first_seen_time() {
        let mut store = Store::open_in_memory().unwrap();
        let id = feed(&store);
        let at = t("2026-11-20T10:00:00Z");
        let dated = t("2026-11-19T08:00:00Z");
        store
            .write_polls(&[poll(
                id,
                at,
                vec![item("a", "x", None), item("b", "y", Some(dated))],
            )])
            .unwrap();
        let items = store.recent_items(10).unwrap();
        let by_key = |k: &str| items.iter().find(|i| i.key == k).unwrap().published;
        assert_eq!(by_key("guid:a"), at);
        assert_eq!(by_key("guid:b"), dated);
    }

    #[test]
    fn a_failed_poll_keeps_items_and_records_the_error() {
        let mut store = Store::open_in_memory().unwrap();
        let id = feed(&store);
        let at = t("2026-11-20T10:00:00Z");
        store
            .write_polls(&[poll(id, at, vec![item("a", "x", None)])])
            .unwrap();
        let failed = PollRecord {
            result: PollResult::Failed {
                http_status: Some(500),
                error: "fetch https://a.example/rss: HTTP 500".into(),
            },
            next: FeedState {
                next_due: at,
                error_count: 1,
                hint: None,
                cadence: None,
            },
            ..poll(id, at, vec![])
        };
        store.write_polls(&[failed]).unwrap();
        assert_eq!(store.count_items().unwrap(), 1);
        let f = &store.list_feeds().unwrap()[0];
        assert_eq!(f.state.error_count, 1);
        assert_eq!(
            f.last_error.as_deref(),
            Some("fetch https://a.example/rss: HTTP 500")
        );
        assert_eq!(
            f.etag.as_deref(),
            Some("\"e1\""),
            "validators survive a failure"
        );
    }

    #[test]
    fn migrations_are_recorded_and_reopening_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/k.db");
        let names = Store::open(&path).unwrap().applied_migrations().unwrap();
        assert_eq!(names.first().map(String::as_str), Some("0001_init"));
        assert_eq!(
            Store::open(&path).unwrap().applied_migrations().unwrap(),
            names
        );
    }
}
