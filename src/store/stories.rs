//! SQL for stories (issue #7): which story each item joined, the stories
//! themselves (representative, first/last seen, member count), and the
//! per-item signatures a restarted grouper is rebuilt from.
//!
//! Items join stories in the writer's transaction ([`Store::write_polls_grouped`]);
//! an item written without a grouper (or stored before migration 0005)
//! waits, and joins at the next grouped write or [`Store::restore_stories`],
//! in order of first-seen time. An item whose text changes later keeps its
//! story and its first signature: a corrected title rarely changes the
//! event, and moving it would move feed entries under a reader's feet.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::{from_unix, to_unix, Store, StoreError};
use crate::stories::{ItemSignature, Lang, MinHash, StoryGrouper};

/// Items without a story read per query while assigning them.
const PENDING_BATCH: i64 = 512;

/// The outlet name shown for an item's feed: its title, else its URL.
const OUTLET_NAME: &str = "coalesce(nullif(trim(f.title), ''), f.url)";

/// A story as `khabar stories list` shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoryRow {
    /// Story id.
    pub id: i64,
    /// The representative item's id.
    pub representative_id: i64,
    /// The representative's plain-text title.
    pub title: String,
    /// The representative's link.
    pub url: Option<String>,
    /// Names of the members' outlets, each once, in order of first report.
    pub outlets: Vec<String>,
    /// How many items joined it.
    pub member_count: u32,
    /// When its first member was first seen.
    pub first_seen: DateTime<Utc>,
    /// When its latest member was first seen.
    pub last_seen: DateTime<Utc>,
}

/// One item of a story, for `khabar stories show`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoryMemberRow {
    /// Item id.
    pub item_id: i64,
    /// Its outlet's name.
    pub outlet: String,
    /// Plain-text title.
    pub title: String,
    /// Link to the article.
    pub url: Option<String>,
    /// When khabar first saw it.
    pub first_seen: DateTime<Utc>,
    /// The outlet's date.
    pub published: DateTime<Utc>,
    /// Why it joined ("new story: …", "near-duplicate of 12 …").
    pub reason: Option<String>,
}

/// A story with every member, oldest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoryDetail {
    /// The story.
    #[serde(flatten)]
    pub story: StoryRow,
    /// Its items, in order of first-seen time.
    pub members: Vec<StoryMemberRow>,
}

const STORY_SELECT: &str = "SELECT s.id, s.representative_id, r.title, r.url,
        (SELECT json_group_array(name) FROM
            (SELECT coalesce(nullif(trim(f.title), ''), f.url) AS name
             FROM items m JOIN feeds f ON f.id = m.feed_id
             WHERE m.story_id = s.id
             GROUP BY f.id ORDER BY min(m.first_seen), min(m.id))),
        s.member_count, s.first_seen, s.last_seen
     FROM stories s JOIN items r ON r.id = s.representative_id";

fn story_from_row(r: &Row<'_>) -> rusqlite::Result<StoryRow> {
    Ok(StoryRow {
        id: r.get(0)?,
        representative_id: r.get(1)?,
        title: r.get(2)?,
        url: r.get(3)?,
        outlets: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
        member_count: r.get(5)?,
        first_seen: from_unix(r.get(6)?),
        last_seen: from_unix(r.get(7)?),
    })
}

impl Store {
    /// Rebuilds `grouper` from the stored signatures of the last window,
    /// then gives every item still without a story one (oldest first, a
    /// transaction per batch). Returns how many items that assigned.
    pub fn restore_stories(&mut self, grouper: &mut StoryGrouper) -> Result<u64, StoreError> {
        restore(&self.conn, grouper)?;
        let mut total = 0;
        loop {
            let tx = super::write_tx(&mut self.conn)?;
            let n = assign_batch(&tx, grouper, &HashMap::new())?;
            tx.commit()?;
            total += n;
            if n < PENDING_BATCH as u64 {
                break;
            }
        }
        let tx = super::write_tx(&mut self.conn)?;
        prune_signatures(&tx, grouper)?;
        tx.commit()?;
        Ok(total)
    }

    /// Whether some item has no story yet (written without a grouper, or
    /// stored before stories existed).
    pub fn has_items_without_story(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM items WHERE story_id IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// What the merged feed lists: stories, plus items not yet in one.
    pub fn count_stories(&self) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM stories)
                  + (SELECT count(*) FROM items WHERE story_id IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// The newest stories first (by first-seen time), at most `limit`; with
    /// `topic`, only stories with a member tagged with it.
    pub fn list_stories(
        &self,
        topic: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoryRow>, StoreError> {
        let sql = format!(
            "{STORY_SELECT}
             WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM items m JOIN item_topics t ON t.item_id = m.id
                                         WHERE m.story_id = s.id AND t.topic = ?1)
             ORDER BY s.first_seen DESC, s.id DESC LIMIT ?2"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![topic, limit], story_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One story with its members, or `None` when no story has this id.
    pub fn story(&self, id: i64) -> Result<Option<StoryDetail>, StoreError> {
        let sql = format!("{STORY_SELECT} WHERE s.id = ?1");
        let Some(story) = self.conn.query_row(&sql, [id], story_from_row).optional()? else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT m.id, {OUTLET_NAME}, m.title, m.url, m.first_seen, m.published, m.story_reason
             FROM items m JOIN feeds f ON f.id = m.feed_id
             WHERE m.story_id = ?1 ORDER BY m.first_seen, m.published, m.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let members = stmt
            .query_map([id], |r| {
                Ok(StoryMemberRow {
                    item_id: r.get(0)?,
                    outlet: r.get(1)?,
                    title: r.get(2)?,
                    url: r.get(3)?,
                    first_seen: from_unix(r.get(4)?),
                    published: from_unix(r.get(5)?),
                    reason: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(StoryDetail { story, members }))
    }
}

/// Feeds the grouper the signatures of the last window (before the newest
/// stored one), oldest first, and resumes story ids after the highest.
fn restore(conn: &Connection, grouper: &mut StoryGrouper) -> Result<(), StoreError> {
    let window = grouper.window().num_seconds();
    let mut stmt = conn.prepare(
        "SELECT i.story_id, g.item_id, g.at, g.lang, g.minhash, g.entities, g.words
         FROM story_signatures g JOIN items i ON i.id = g.item_id
         WHERE i.story_id IS NOT NULL
           AND g.at >= (SELECT max(at) FROM story_signatures) - ?1
         ORDER BY g.at, g.item_id",
    )?;
    let rows = stmt
        .query_map([window], |r| {
            Ok((r.get::<_, i64>(0)? as u64, signature_from_row(r)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    grouper.restore(rows.into_iter());
    let next: i64 = conn.query_row("SELECT coalesce(max(id) + 1, 0) FROM stories", [], |r| {
        r.get(0)
    })?;
    grouper.resume_story_ids_from(next.max(0) as u64);
    Ok(())
}

/// Gives every item without a story one, oldest first, inside `tx`; an
/// item with a signature in `fresh` (computed when its feed was parsed) is
/// matched with it, any other has its text read and signed here.
pub(super) fn assign_pending(
    tx: &Transaction<'_>,
    grouper: &mut StoryGrouper,
    fresh: &HashMap<i64, &ItemSignature>,
) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let n = assign_batch(tx, grouper, fresh)?;
        total += n;
        if n < PENDING_BATCH as u64 {
            prune_signatures(tx, grouper)?;
            return Ok(total);
        }
    }
}

/// Assigns up to [`PENDING_BATCH`] items without a story; returns how many.
fn assign_batch(
    tx: &Transaction<'_>,
    grouper: &mut StoryGrouper,
    fresh: &HashMap<i64, &ItemSignature>,
) -> Result<u64, StoreError> {
    // Read from the partial index alone: no item row is read for an item
    // whose signature came with its poll.
    let pending: Vec<(i64, i64, i64)> = tx
        .prepare_cached(
            "SELECT id, published, first_seen FROM items
             WHERE story_id IS NULL ORDER BY first_seen, published, id LIMIT ?1",
        )?
        .query_map([PENDING_BATCH], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for &(id, published, first_seen) in &pending {
        let mut sig = match fresh.get(&id) {
            Some(sig) => (*sig).clone(),
            None => stored_text_signature(tx, grouper, id)?,
        };
        sig.key = id.to_string();
        // The outlet's date places the item among the events it reports (a
        // first poll brings weeks of backlog at one first-seen time);
        // normalisation already clamped dates after the fetch.
        sig.at = from_unix(published.min(first_seen));
        let joined = grouper.assign_signature(&sig);
        record_join(tx, id, first_seen, joined.story as i64, &joined.reason)?;
        insert_signature(tx, id, &sig)?;
    }
    Ok(pending.len() as u64)
}

/// The signature of a stored item's text (written without one, or before
/// stories existed), with its key and time still to be set.
fn stored_text_signature(
    tx: &Transaction<'_>,
    grouper: &StoryGrouper,
    id: i64,
) -> Result<ItemSignature, StoreError> {
    let (title, summary, content): (String, Option<String>, Option<String>) = tx
        .prepare_cached("SELECT title, summary, content_html FROM items WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(grouper
        .finder()
        .item_signature(&title, summary.as_deref(), content.as_deref()))
}

/// Adds item `id` to story `story`, creating the story with it as the
/// representative, or counting it in (it becomes the representative only
/// if seen earlier, which in-order assignment makes rare).
fn record_join(
    tx: &Transaction<'_>,
    id: i64,
    first_seen: i64,
    story: i64,
    reason: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO stories (id, representative_id, first_seen, last_seen, member_count)
         VALUES (?1, ?2, ?3, ?3, 1)
         ON CONFLICT (id) DO UPDATE SET
             member_count = member_count + 1,
             last_seen = max(last_seen, excluded.last_seen),
             representative_id = CASE WHEN excluded.first_seen < first_seen
                                      THEN excluded.representative_id ELSE representative_id END,
             first_seen = min(first_seen, excluded.first_seen)",
    )?
    .execute(params![story, id, first_seen])?;
    tx.prepare_cached("UPDATE items SET story_id = ?2, story_reason = ?3 WHERE id = ?1")?
        .execute(params![id, story, reason])?;
    Ok(())
}

fn insert_signature(tx: &Transaction<'_>, id: i64, sig: &ItemSignature) -> Result<(), StoreError> {
    let minhash: Vec<u8> = sig.minhash.0.iter().flat_map(|v| v.to_le_bytes()).collect();
    let words: Vec<u8> = sig.words.iter().flat_map(|v| v.to_le_bytes()).collect();
    let entities = serde_json::to_string(&sig.entities).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT OR REPLACE INTO story_signatures (item_id, at, lang, minhash, entities, words)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        id,
        to_unix(sig.at),
        lang_name(sig.lang),
        minhash,
        entities,
        words
    ])?;
    Ok(())
}

/// Drops signatures that left the window: a restart only needs the last
/// window's, and the table stays small however many items are kept.
fn prune_signatures(tx: &Transaction<'_>, grouper: &StoryGrouper) -> Result<(), StoreError> {
    tx.prepare_cached(
        "DELETE FROM story_signatures
         WHERE at < (SELECT max(at) FROM story_signatures) - ?1",
    )?
    .execute([grouper.window().num_seconds()])?;
    Ok(())
}

/// A signature from columns 1.. (item_id, at, lang, minhash, entities, words).
fn signature_from_row(r: &Row<'_>) -> rusqlite::Result<ItemSignature> {
    let minhash: Vec<u8> = r.get(4)?;
    let words: Vec<u8> = r.get(6)?;
    Ok(ItemSignature {
        key: r.get::<_, i64>(1)?.to_string(),
        at: from_unix(r.get(2)?),
        lang: match r.get::<_, String>(3)?.as_str() {
            "hi" => Lang::Hi,
            "en" => Lang::En,
            _ => Lang::Other,
        },
        minhash: MinHash(
            minhash
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        entities: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
        words: words
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
    })
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Hi => "hi",
        Lang::En => "en",
        Lang::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::model::{ItemKey, NewItem, NormalizedFeed};
    use crate::store::{AddFeed, EntryQuery, FeedOrigin, FeedState, PollRecord, PollResult};
    use crate::stories::DEFAULT_WINDOW;
    use crate::topics::Tagger;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_752_300_000 + secs, 0).unwrap()
    }

    fn item(key: &str, title: &str) -> NewItem {
        NewItem {
            key: ItemKey::Guid(key.into()),
            guid: Some(key.into()),
            link: Some(format!("https://news.example/{key}")),
            title: title.into(),
            summary: None,
            content: None,
            authors: vec![],
            categories: vec![],
            published: None,
            updated: None,
            content_hash: format!("{key}:{title}"),
            media: Default::default(),
        }
    }

    fn poll(feed_id: i64, at: DateTime<Utc>, items: Vec<NewItem>) -> PollRecord {
        PollRecord {
            feed_id,
            at,
            duration: Duration::ZERO,
            result: PollResult::Fetched {
                http_status: 200,
                bytes: 1,
                feed: NormalizedFeed {
                    items,
                    ..Default::default()
                },
                tags: vec![],
                signatures: vec![],
                etag: None,
                last_modified: None,
                moved_to: None,
            },
            next: FeedState {
                next_due: at,
                error_count: 0,
                hint: None,
                cadence: None,
            },
        }
    }

    fn feed(store: &Store, url: &str) -> i64 {
        match store.add_feed(url, FeedOrigin::Cli).unwrap() {
            AddFeed::Added(id) => id,
            other => panic!("{other:?}"),
        }
    }

    fn grouper() -> StoryGrouper {
        StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW)
    }

    const HINDI: &str = "लावरोव वोनसान में किम जोंग उन से मिले";
    const ENGLISH: &str = "Lavrov meets Kim Jong Un in Wonsan";

    /// Two outlets report one event an hour apart; one also reports rain.
    fn two_outlets(store: &mut Store, g: &mut StoryGrouper) -> (i64, i64) {
        let (a, b) = (
            feed(store, "https://a.example/rss"),
            feed(store, "https://b.example/rss"),
        );
        store
            .write_polls_grouped(
                &[poll(
                    a,
                    t(0),
                    vec![item("a1", HINDI), item("a2", "दिल्ली में मानसून की पहली बारिश")],
                )],
                g,
            )
            .unwrap();
        store
            .write_polls_grouped(&[poll(b, t(3600), vec![item("b1", ENGLISH)])], g)
            .unwrap();
        (a, b)
    }

    #[test]
    fn items_join_stories_as_they_are_written_the_first_seen_representing() {
        let mut store = Store::open_in_memory().unwrap();
        let mut g = grouper();
        two_outlets(&mut store, &mut g);
        let list = store.list_stories(None, 10).unwrap();
        assert_eq!(list.len(), 2, "{list:#?}");
        let event = list.iter().find(|s| s.member_count == 2).unwrap();
        assert_eq!(event.title, HINDI, "the first seen represents the story");
        assert_eq!(
            event.outlets,
            ["https://a.example/rss", "https://b.example/rss"]
        );
        assert_eq!((event.first_seen, event.last_seen), (t(0), t(3600)));
        let detail = store.story(event.id).unwrap().unwrap();
        assert_eq!(detail.members.len(), 2);
        assert!(detail.members[1]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("lavrov"));
        assert_eq!(store.story(12_345).unwrap(), None);
    }

    #[test]
    fn feeds_publish_one_entry_per_story_naming_the_other_outlets() {
        let mut store = Store::open_in_memory().unwrap();
        let mut g = grouper();
        two_outlets(&mut store, &mut g);
        let query = EntryQuery {
            topic: None,
            before: None,
            limit: 10,
        };
        let entries = store.publish_entries(&query).unwrap();
        assert_eq!(entries.len(), 2);
        let event = entries.iter().find(|e| e.item.title == HINDI).unwrap();
        assert_eq!(event.related.len(), 1);
        assert_eq!(event.related[0].title, ENGLISH);
        assert_eq!(store.count_stories().unwrap(), 2);
    }

    #[test]
    fn items_stored_without_a_grouper_join_stories_oldest_first_on_restore() {
        let mut store = Store::open_in_memory().unwrap();
        let a = feed(&store, "https://a.example/rss");
        let b = feed(&store, "https://b.example/rss");
        store
            .write_polls(&[poll(b, t(60), vec![item("b1", ENGLISH)])])
            .unwrap();
        store
            .write_polls(&[poll(a, t(0), vec![item("a1", HINDI)])])
            .unwrap();
        assert!(store.has_items_without_story().unwrap());
        assert_eq!(store.restore_stories(&mut grouper()).unwrap(), 2);
        assert!(!store.has_items_without_story().unwrap());
        let list = store.list_stories(None, 10).unwrap();
        assert_eq!(list.len(), 1, "{list:#?}");
        assert_eq!(list[0].title, HINDI, "assigned in first-seen order");
    }

    #[test]
    fn a_restored_grouper_puts_a_later_copy_in_the_stored_story() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let mut store = Store::open(&path).unwrap();
        let (a, _) = two_outlets(&mut store, &mut grouper());
        drop(store);
        let mut store = Store::open(&path).unwrap();
        let mut g = grouper();
        assert_eq!(store.restore_stories(&mut g).unwrap(), 0);
        assert_eq!(g.window_len(), 3);
        let copy = format!("{HINDI} Source link");
        store
            .write_polls_grouped(&[poll(a, t(7200), vec![item("a3", &copy)])], &mut g)
            .unwrap();
        let list = store.list_stories(None, 10).unwrap();
        assert_eq!(list.len(), 2, "{list:#?}");
        assert!(list.iter().any(|s| s.member_count == 3));
    }

    #[test]
    fn removing_a_feed_leaves_its_stories_consistent() {
        let mut store = Store::open_in_memory().unwrap();
        let mut g = grouper();
        two_outlets(&mut store, &mut g);
        assert!(store.remove_feed("https://a.example/rss").unwrap());
        let list = store.list_stories(None, 10).unwrap();
        assert_eq!(list.len(), 1, "the rain story went with its only item");
        assert_eq!((list[0].title.as_str(), list[0].member_count), (ENGLISH, 1));
    }
}
