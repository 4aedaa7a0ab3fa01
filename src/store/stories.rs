//! SQL for stories (issues #7, #13): which story each item joined, the
//! stories themselves (representative, first/last seen, member count), and
//! the primitives the cluster stage decides over (issue #15: the store
//! persists, the stage decides): the items waiting for a story in their
//! assignment order, the joins it decided, and each item's signature — an
//! opaque blob the stage encodes — so a restarted grouper needs no texts.
//!
//! An item waits for a story from when it is stored until the stage
//! assigns it ([`crate::stories::assign_pending`], after each polling
//! pass). An item whose text changes leaves its story and waits again, so
//! that its story is judged on the text it now has.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{from_unix, to_unix, Store, StoreError};

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
    /// Its plain-text summary.
    pub summary: Option<String>,
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

/// An item's text as stored, for the stage to sign when no signature is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredText {
    /// Plain-text title.
    pub title: String,
    /// Plain-text summary.
    pub summary: Option<String>,
    /// Sanitised HTML content.
    pub content_html: Option<String>,
}

/// An item as the cluster stage reads it: waiting for a story, or inside
/// the window a grouper is rebuilt from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryItem {
    /// Item id.
    pub id: i64,
    /// Its feed (the outlet).
    pub feed_id: i64,
    /// Its key within the feed.
    pub key: String,
    /// Its date as grouped: the outlet's date, or first seen if earlier.
    pub at: DateTime<Utc>,
    /// When khabar first stored it.
    pub first_seen: DateTime<Utc>,
    /// Its story, for an item already assigned.
    pub story: Option<i64>,
    /// Its signature as the stage encoded it, if one is kept.
    pub signature: Option<Vec<u8>>,
    /// Its text, read only when no signature is kept.
    pub text: Option<StoredText>,
}

/// One decision of the cluster stage: item `item_id` joins `story`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryJoin {
    /// Item id.
    pub item_id: i64,
    /// The story it joins (created with it as representative if new).
    pub story: i64,
    /// Why, as `khabar stories show` prints it.
    pub reason: String,
    /// A signature to keep for the item (when the stage had to sign it).
    pub signature: Option<Vec<u8>>,
}

const STORY_ITEM_COLUMNS: &str = "i.id, i.feed_id, i.key, min(i.published, i.first_seen),
    i.first_seen, i.story_id, g.data,
    CASE WHEN g.data IS NULL THEN i.title END,
    CASE WHEN g.data IS NULL THEN i.summary END,
    CASE WHEN g.data IS NULL THEN i.content_html END";

fn story_item_from_row(r: &Row<'_>) -> rusqlite::Result<StoryItem> {
    let title: Option<String> = r.get(7)?;
    Ok(StoryItem {
        id: r.get(0)?,
        feed_id: r.get(1)?,
        key: r.get(2)?,
        at: from_unix(r.get(3)?),
        first_seen: from_unix(r.get(4)?),
        story: r.get(5)?,
        signature: r.get(6)?,
        text: match title {
            Some(title) => Some(StoredText {
                title,
                summary: r.get(8)?,
                content_html: r.get(9)?,
            }),
            None => None,
        },
    })
}

impl Store {
    /// Up to `limit` items without a story, in assignment order: by date
    /// (the outlet's, or first seen if earlier), then feed, then key.
    pub fn pending_story_items(&self, limit: usize) -> Result<Vec<StoryItem>, StoreError> {
        let sql = format!(
            // Without statistics the planner would take `items_story`
            // (story_id = NULL) and sort every waiting item per batch.
            "SELECT {STORY_ITEM_COLUMNS}
             FROM items i INDEXED BY items_pending_story
             LEFT JOIN story_signatures g ON g.item_id = i.id
             WHERE i.story_id IS NULL
             ORDER BY min(i.published, i.first_seen), i.feed_id, i.key
             LIMIT ?1"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([limit], story_item_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Items with a story dated within `window` of the newest such item, in
    /// assignment order: what a grouper is rebuilt from.
    pub fn story_window(&self, window: chrono::Duration) -> Result<Vec<StoryItem>, StoreError> {
        let newest: Option<i64> = self.conn.query_row(
            "SELECT coalesce(
                 (SELECT max(g.at) FROM story_signatures g JOIN items i ON i.id = g.item_id
                  WHERE i.story_id IS NOT NULL),
                 (SELECT max(min(published, first_seen)) FROM items WHERE story_id IS NOT NULL))",
            [],
            |r| r.get(0),
        )?;
        let Some(newest) = newest else {
            return Ok(Vec::new());
        };
        let from = newest.saturating_sub(window.num_seconds());
        let sql = format!(
            "SELECT {STORY_ITEM_COLUMNS}
             FROM items i LEFT JOIN story_signatures g ON g.item_id = i.id
             WHERE i.story_id IS NOT NULL AND i.published >= ?1
               AND min(i.published, i.first_seen) >= ?1
             ORDER BY min(i.published, i.first_seen), i.feed_id, i.key"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([from], story_item_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The lowest story id never used by a stored story.
    pub fn next_story_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(id) + 1, 0) FROM stories", [], |r| {
                r.get(0)
            })?)
    }

    /// Records the stage's decisions in one transaction: each item joins its
    /// story (created with it as representative when new), with its reason
    /// and, when given, the signature to keep.
    pub fn record_story_joins(&mut self, joins: &[StoryJoin]) -> Result<(), StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        for join in joins {
            record_join(&tx, join)?;
            if let Some(data) = &join.signature {
                save_signature(&tx, join.item_id, data)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Keeps signatures for items that had none (signed again from text).
    pub fn save_story_signatures(&mut self, items: &[(i64, Vec<u8>)]) -> Result<(), StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        for (id, data) in items {
            save_signature(&tx, *id, data)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Drops the signatures of assigned items dated before `before`: a
    /// restart only needs the last window's, so the table stays small
    /// however many items are kept.
    pub fn prune_story_signatures(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM story_signatures
             WHERE at < ?1
               AND EXISTS (SELECT 1 FROM items i WHERE i.id = item_id AND i.story_id IS NOT NULL)",
            [to_unix(before)],
        )?;
        Ok(n as u64)
    }

    /// What the cluster stage saved of its learning beyond the window, if anything.
    pub fn story_history(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT history FROM story_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Saves the cluster stage's learning beyond the window (opaque bytes).
    pub fn save_story_history(&mut self, history: &[u8]) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO story_state (id, history) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET history = excluded.history",
            [history],
        )?;
        Ok(())
    }

    /// Whether some item has no story yet.
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
            "SELECT m.id, {OUTLET_NAME}, m.title, m.url, m.first_seen, m.published, m.story_reason,
                 m.summary
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
                    summary: r.get(7)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(StoryDetail { story, members }))
    }
}

/// Adds an item to its story, creating the story with it as the
/// representative, or counting it in (it becomes the representative if
/// first seen earlier than the others).
fn record_join(tx: &Transaction<'_>, join: &StoryJoin) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO stories (id, representative_id, first_seen, last_seen, member_count)
         SELECT ?1, id, first_seen, first_seen, 1 FROM items WHERE id = ?2
         ON CONFLICT (id) DO UPDATE SET
             member_count = member_count + 1,
             last_seen = max(last_seen, excluded.last_seen),
             representative_id = CASE WHEN excluded.first_seen < first_seen
                                      THEN excluded.representative_id ELSE representative_id END,
             first_seen = min(first_seen, excluded.first_seen)",
    )?
    .execute(params![join.story, join.item_id])?;
    tx.prepare_cached("UPDATE items SET story_id = ?2, story_reason = ?3 WHERE id = ?1")?
        .execute(params![join.item_id, join.story, join.reason])?;
    Ok(())
}

/// Keeps `data` as item `id`'s signature, dated as the item is grouped.
pub(super) fn save_signature(tx: &Transaction<'_>, id: i64, data: &[u8]) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO story_signatures (item_id, at, data)
         SELECT id, min(published, first_seen), ?2 FROM items WHERE id = ?1",
    )?
    .execute(params![id, data])?;
    Ok(())
}

/// Item `id`'s text changed: it leaves its story (one member fewer, a new
/// representative and first-seen time if it was the first, no empty story)
/// and waits to be grouped again; its old signature goes.
pub(super) fn leave_story(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    let story: Option<i64> = tx
        .prepare_cached("SELECT story_id FROM items WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten();
    tx.prepare_cached("DELETE FROM story_signatures WHERE item_id = ?1")?
        .execute([id])?;
    let Some(story) = story else {
        return Ok(());
    };
    tx.prepare_cached("UPDATE items SET story_id = NULL, story_reason = NULL WHERE id = ?1")?
        .execute([id])?;
    tx.prepare_cached(
        "UPDATE stories SET
             member_count = member_count - 1,
             representative_id = coalesce(
                 (SELECT id FROM items WHERE story_id = ?1
                  ORDER BY first_seen, published, id LIMIT 1),
                 representative_id),
             first_seen = coalesce(
                 (SELECT min(first_seen) FROM items WHERE story_id = ?1), first_seen)
         WHERE id = ?1",
    )?
    .execute([story])?;
    tx.prepare_cached("DELETE FROM stories WHERE id = ?1 AND member_count <= 0")?
        .execute([story])?;
    Ok(())
}
