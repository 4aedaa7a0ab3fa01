//! SQL for `item_topics` (tags with their evidence) and `meta`.

use rusqlite::{params, OptionalExtension, Transaction};

use super::{Store, StoreError};
use crate::model::{TermMatch, TopicHit};

/// The `meta` key holding the fingerprint of the rules stored tags came from.
const RULES_FINGERPRINT: &str = "topics.fingerprint";

/// Replaces an item's tags with `hits`.
pub(super) fn replace_item_topics(
    tx: &Transaction<'_>,
    item_id: i64,
    hits: &[TopicHit],
) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM item_topics WHERE item_id = ?1")?
        .execute([item_id])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO item_topics (item_id, topic, why) VALUES (?1, ?2, ?3)")?;
    for hit in hits {
        let why = serde_json::to_string(&hit.matches).unwrap_or_else(|_| "[]".into());
        insert.execute(params![item_id, hit.slug.as_str(), why])?;
    }
    Ok(())
}

/// One stored tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTopic {
    /// The topic's slug.
    pub topic: String,
    /// The matches that made the rule hold.
    pub matches: Vec<TermMatch>,
}

impl Store {
    /// The tags of one item, by slug.
    pub fn item_topics(&self, item_id: i64) -> Result<Vec<StoredTopic>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT topic, why FROM item_topics WHERE item_id = ?1 ORDER BY topic",
        )?;
        let rows = stmt.query_map([item_id], |r| {
            let why: String = r.get(1)?;
            Ok(StoredTopic {
                topic: r.get(0)?,
                matches: serde_json::from_str(&why).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many items each topic has, by slug.
    pub fn topic_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT topic, count(*) FROM item_topics GROUP BY topic ORDER BY topic")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The fingerprint of the rules the stored tags were computed with.
    pub fn rules_fingerprint(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [RULES_FINGERPRINT],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Recomputes every item's tags with `tag` in batches of one
    /// transaction each, then records `fingerprint`. Returns items retagged.
    pub fn retag_all(
        &mut self,
        fingerprint: &str,
        mut tag: impl FnMut(&super::ItemRow) -> Vec<TopicHit>,
    ) -> Result<u64, StoreError> {
        const BATCH: i64 = 2000;
        let mut last_id = 0;
        let mut done = 0;
        loop {
            let batch = self.items_after(last_id, BATCH)?;
            let Some(last) = batch.last() else { break };
            last_id = last.id;
            let tx = super::write_tx(&mut self.conn)?;
            for item in &batch {
                replace_item_topics(&tx, item.id, &tag(item))?;
            }
            tx.commit()?;
            done += batch.len() as u64;
        }
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![RULES_FINGERPRINT, fingerprint],
        )?;
        Ok(done)
    }
}
