//! SQL for the digest ledger (`digests`) and the items a digest covers
//! (issue #5).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{from_unix, parse_column, to_unix, Store, StoreError};
use crate::model::{DigestPeriod, DigestStatus};

/// The `meta` key holding the generated HMAC key when none is configured.
const SECRET_KEY: &str = "digest.secret";

/// One (subscriber, period) row of the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestRow {
    /// Row id.
    pub id: i64,
    /// Whose digest.
    pub subscriber_id: i64,
    /// The first-seen span it covers.
    pub period: DigestPeriod,
    /// Pending, sent, empty or failed.
    pub status: DigestStatus,
    /// The Message-ID every attempt carries.
    pub message_id: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// One tagged item inside a period, with its outlet.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestItemRow {
    /// Topic slug it was tagged with.
    pub topic: String,
    /// Item row id.
    pub item_id: i64,
    /// Plain-text title.
    pub title: String,
    /// Link to the original.
    pub url: Option<String>,
    /// Plain-text summary.
    pub summary: Option<String>,
    /// The outlet's name (feed title, else its URL).
    pub outlet: String,
    /// When khabar first saw it.
    pub first_seen: DateTime<Utc>,
    /// The story it joined (none until it is grouped).
    pub story_id: Option<i64>,
    /// Whether it is its story's representative.
    pub representative: bool,
    /// Its picture (absolute http(s) URL).
    pub image: Option<String>,
}

const DIGEST_COLUMNS: &str =
    "id, subscriber_id, period_start, period_end, status, message_id, attempts";

fn digest_from_row(r: &Row<'_>) -> rusqlite::Result<DigestRow> {
    let (start, end) = (from_unix(r.get(2)?), from_unix(r.get(3)?));
    Ok(DigestRow {
        id: r.get(0)?,
        subscriber_id: r.get(1)?,
        // The table's CHECK keeps start < end.
        period: DigestPeriod::new(start, end)
            .ok_or(rusqlite::Error::IntegralValueOutOfRange(2, r.get(2)?))?,
        status: parse_column(r, 4)?,
        message_id: r.get(5)?,
        attempts: r.get(6)?,
    })
}

impl Store {
    /// The subscriber's unfinished digest, if a run stopped before it was
    /// accepted: it must be resumed, not replaced.
    pub fn pending_digest(&self, subscriber_id: i64) -> Result<Option<DigestRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DIGEST_COLUMNS} FROM digests
             WHERE subscriber_id = ?1 AND status = 'pending' ORDER BY period_start LIMIT 1"
        ))?;
        Ok(stmt
            .query_row([subscriber_id], digest_from_row)
            .optional()?)
    }

    /// End of the subscriber's last finished period (sent, empty or failed).
    pub fn last_digest_end(&self, subscriber_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        let end: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT max(period_end) FROM digests WHERE subscriber_id = ?1 AND status != 'pending'",
            )?
            .query_row([subscriber_id], |r| r.get(0))?;
        Ok(end.map(from_unix))
    }

    /// Records the intent to send (subscriber, period) before anything is
    /// sent; returns the row (the existing one when already claimed).
    pub fn claim_digest(
        &mut self,
        subscriber_id: i64,
        period: DigestPeriod,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DigestRow, StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO digests (subscriber_id, period_start, period_end, message_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (subscriber_id, period_start) DO NOTHING",
            )?
            .execute(params![
                subscriber_id,
                to_unix(period.start()),
                to_unix(period.end()),
                message_id,
                to_unix(now)
            ])?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DIGEST_COLUMNS} FROM digests WHERE subscriber_id = ?1 AND period_start = ?2"
        ))?;
        Ok(stmt.query_row(
            params![subscriber_id, to_unix(period.start())],
            digest_from_row,
        )?)
    }

    /// Counts one failed attempt with its error.
    pub fn record_digest_attempt(
        &mut self,
        digest_id: i64,
        error: &str,
    ) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE digests SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1
                 RETURNING attempts",
            )?
            .query_row(params![digest_id, error], |r| r.get(0))?)
    }

    /// Closes a digest: `sent` (the server accepted it), `empty` (nothing
    /// new, not sent) or `failed` (given up).
    pub fn finish_digest(
        &mut self,
        digest_id: i64,
        status: DigestStatus,
        items: usize,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE digests SET status = ?2, items = ?3, sent_at = ?4,
                     attempts = attempts + (?2 = 'sent')
                 WHERE id = ?1",
            )?
            .execute(params![
                digest_id,
                status.as_str(),
                items as i64,
                to_unix(now)
            ])?;
        Ok(())
    }

    /// Every ledger row of a subscriber, oldest first.
    pub fn digests_of(&self, subscriber_id: i64) -> Result<Vec<DigestRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {DIGEST_COLUMNS} FROM digests WHERE subscriber_id = ?1 ORDER BY period_start"
        ))?;
        let rows = stmt.query_map([subscriber_id], digest_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Tagged items first seen in `period`, for `topics` (`None`: all),
    /// newest first.
    pub fn digest_items(
        &self,
        topics: Option<&[String]>,
        period: DigestPeriod,
    ) -> Result<Vec<DigestItemRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.topic, i.id, i.title, i.url, i.summary, coalesce(f.title, f.url), i.first_seen,
                 i.story_id, coalesce(s.representative_id = i.id, 0), i.image_url
             FROM items i JOIN item_topics t ON t.item_id = i.id JOIN feeds f ON f.id = i.feed_id
             LEFT JOIN stories s ON s.id = i.story_id
             WHERE i.first_seen >= ?1 AND i.first_seen < ?2
             ORDER BY i.first_seen DESC, i.id DESC",
        )?;
        let rows = stmt.query_map(
            params![to_unix(period.start()), to_unix(period.end())],
            |r| {
                Ok(DigestItemRow {
                    topic: r.get(0)?,
                    item_id: r.get(1)?,
                    title: r.get(2)?,
                    url: r.get(3)?,
                    summary: r.get(4)?,
                    outlet: r.get(5)?,
                    first_seen: from_unix(r.get(6)?),
                    story_id: r.get(7)?,
                    representative: r.get(8)?,
                    image: r.get(9)?,
                })
            },
        )?;
        let wanted = |row: &DigestItemRow| topics.is_none_or(|t| t.contains(&row.topic));
        Ok(rows
            .filter(|r| r.as_ref().map_or(true, wanted))
            .collect::<Result<_, _>>()?)
    }

    /// The items `ids` (a saved search's matches), as digest items under
    /// `topic` (the saved search's slug), newest first.
    pub fn digest_items_of(
        &self,
        ids: &[i64],
        topic: &str,
    ) -> Result<Vec<DigestItemRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id, i.title, i.url, i.summary, coalesce(f.title, f.url), i.first_seen,
                 i.story_id, coalesce(s.representative_id = i.id, 0), i.image_url
             FROM items i JOIN feeds f ON f.id = i.feed_id
             LEFT JOIN stories s ON s.id = i.story_id
             WHERE i.id IN (SELECT value FROM json_each(?1))
             ORDER BY i.first_seen DESC, i.id DESC",
        )?;
        let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        let rows = stmt.query_map(params![ids], |r| {
            Ok(DigestItemRow {
                topic: topic.to_string(),
                item_id: r.get(0)?,
                title: r.get(1)?,
                url: r.get(2)?,
                summary: r.get(3)?,
                outlet: r.get(4)?,
                first_seen: from_unix(r.get(5)?),
                story_id: r.get(6)?,
                representative: r.get(7)?,
                image: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The HMAC key for digest links when none is configured: generated
    /// once (SQLite's `randomblob`, seeded from the OS) and kept in `meta`.
    pub fn digest_secret(&mut self) -> Result<String, StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, lower(hex(randomblob(32))))
             ON CONFLICT (key) DO NOTHING",
            [SECRET_KEY],
        )?;
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [SECRET_KEY], |r| {
                r.get(0)
            })?)
    }
}
