//! SQL for the `feeds` and `fetch_log` tables, and the one transaction that
//! records a poll.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::items::{upsert_items, StoreReport};
use super::search::{clear_pending, write_index_row, NewNames};
use super::stories::{leave_story, save_signature};
use super::{from_unix, parse_column, to_unix, Store, StoreError};
use crate::model::IndexText;
use crate::model::{
    FeedState, FeedUrl, NewItem, NormalizedFeed, PollRecord, PollResult, TopicHit, UnknownStatus,
};

/// Where a feed's subscription came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedOrigin {
    /// Listed in the config file.
    Config,
    /// Added with `khabar feeds add`.
    Cli,
    /// Imported from an OPML file.
    Opml,
}

impl FeedOrigin {
    fn as_str(self) -> &'static str {
        match self {
            FeedOrigin::Config => "config",
            FeedOrigin::Cli => "cli",
            FeedOrigin::Opml => "opml",
        }
    }
}

/// Whether a feed is still polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedStatus {
    /// Polled on its schedule.
    Active,
    /// The server said 410 Gone; never polled again.
    Gone,
}

impl std::str::FromStr for FeedStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<FeedStatus, UnknownStatus> {
        match s {
            "active" => Ok(FeedStatus::Active),
            "gone" => Ok(FeedStatus::Gone),
            _ => Err(UnknownStatus {
                kind: "feed",
                value: s.to_string(),
            }),
        }
    }
}

/// A feed as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRow {
    /// Row id.
    pub id: i64,
    /// Current URL (a permanent redirect updates it).
    pub url: FeedUrl,
    /// Title from the feed document.
    pub title: Option<String>,
    /// The outlet's site.
    pub site_url: Option<String>,
    /// Declared language.
    pub language: Option<String>,
    /// ETag validator from the last successful fetch.
    pub etag: Option<String>,
    /// Last-Modified validator from the last successful fetch.
    pub last_modified: Option<String>,
    /// Active or gone.
    pub status: FeedStatus,
    /// Per-feed poll interval overriding `[schedule] interval`.
    pub interval: Option<Duration>,
    /// The scheduling state.
    pub state: FeedState,
    /// Consecutive failures' last error.
    pub last_error: Option<String>,
    /// When it was last polled.
    pub last_polled: Option<DateTime<Utc>>,
    /// Whether new items get their article page's main text as content.
    pub full_text: bool,
    /// A hub pushes this feed's new entries (an active, unexpired WebSub
    /// lease): the feed is polled at `schedule.max_interval` (issue #16).
    pub push_active: bool,
}

/// The result of adding a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddFeed {
    /// A new row with this id.
    Added(i64),
    /// The URL was already subscribed, as this id.
    Exists(i64),
}

const FEED_COLUMNS: &str = "id, url, title, site_url, language, etag, last_modified, status, \
     interval_secs, hint_secs, next_due, error_count, last_error, last_polled, cadence_secs, \
     full_text, EXISTS (SELECT 1 FROM websub_subscriptions w WHERE w.feed_id = feeds.id
         AND w.state = 'active' AND w.lease_expires > unixepoch())";

fn feed_from_row(r: &Row<'_>) -> rusqlite::Result<FeedRow> {
    let secs = |v: Option<i64>| v.map(|s| Duration::from_secs(s.max(0) as u64));
    Ok(FeedRow {
        id: r.get(0)?,
        // Every way in (config, CLI, OPML, a redirect) checks the URL, so
        // one that does not parse was written by hand: an error naming it.
        url: parse_column(r, 1)?,
        title: r.get(2)?,
        site_url: r.get(3)?,
        language: r.get(4)?,
        etag: r.get(5)?,
        last_modified: r.get(6)?,
        status: parse_column(r, 7)?,
        interval: secs(r.get(8)?),
        state: FeedState {
            hint: secs(r.get(9)?),
            cadence: secs(r.get(14)?),
            next_due: from_unix(r.get(10)?),
            error_count: r.get(11)?,
        },
        last_error: r.get(12)?,
        last_polled: r.get::<_, Option<i64>>(13)?.map(from_unix),
        full_text: r.get(15)?,
        push_active: r.get(16)?,
    })
}

impl Store {
    /// Subscribes to a feed URL; an existing URL, or one a feed was
    /// permanently redirected away from, is left as it is.
    pub fn add_feed(&self, url: &FeedUrl, origin: FeedOrigin) -> Result<AddFeed, StoreError> {
        let url = url.as_str();
        let moved: Option<i64> = self
            .conn
            .query_row(
                "SELECT feed_id FROM feed_redirects WHERE from_url = ?1",
                [url],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = moved {
            return Ok(AddFeed::Exists(id));
        }
        let inserted = self.conn.execute(
            "INSERT INTO feeds (url, origin, created_at) VALUES (?1, ?2, unixepoch())
             ON CONFLICT (url) DO NOTHING",
            params![url, origin.as_str()],
        )?;
        let id = self
            .conn
            .query_row("SELECT id FROM feeds WHERE url = ?1", [url], |r| r.get(0))?;
        Ok(if inserted == 1 {
            AddFeed::Added(id)
        } else {
            AddFeed::Exists(id)
        })
    }

    /// Sets (or clears) a feed's own poll interval.
    pub fn set_feed_interval(&self, id: i64, interval: Option<Duration>) -> Result<(), StoreError> {
        let secs = interval.map(|d| d.as_secs() as i64);
        self.conn.execute(
            "UPDATE feeds SET interval_secs = ?2 WHERE id = ?1",
            params![id, secs],
        )?;
        Ok(())
    }

    /// Unsubscribes from a feed, deleting its items. Returns whether it existed.
    pub fn remove_feed(&self, url: &FeedUrl) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM feeds WHERE url = ?1", [url.as_str()])?
            == 1)
    }

    /// Every feed, ordered by id.
    pub fn list_feeds(&self) -> Result<Vec<FeedRow>, StoreError> {
        let sql = format!("SELECT {FEED_COLUMNS} FROM feeds ORDER BY id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], feed_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Active feeds whose next-due time is at or before `now` (all active
    /// feeds with `all`), soonest first.
    pub fn due_feeds(&self, now: DateTime<Utc>, all: bool) -> Result<Vec<FeedRow>, StoreError> {
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM feeds
             WHERE status = 'active' AND (?1 OR next_due <= ?2)
             ORDER BY next_due, id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![all, to_unix(now)], feed_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// At most `limit` active feeds due at or before `now`, soonest first.
    pub fn due_batch(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<FeedRow>, StoreError> {
        let sql = format!(
            "SELECT {FEED_COLUMNS} FROM feeds
             WHERE status = 'active' AND next_due <= ?1
             ORDER BY next_due, id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![to_unix(now), limit as i64], feed_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The earliest next-due time of any active feed.
    pub fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let secs: Option<i64> = self
            .conn
            .query_row(
                "SELECT min(next_due) FROM feeds WHERE status = 'active'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(secs.map(from_unix))
    }

    /// Writes a batch of polls in one transaction: items, feed state, fetch
    /// log. Either all of it lands or none does. New items, and items whose
    /// text changed, wait for a story: the cluster stage assigns them once
    /// the pass is written ([`crate::stories::assign_pending`]).
    pub fn write_polls(&mut self, records: &[PollRecord]) -> Result<Vec<StoreReport>, StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        let mut to_index = Vec::new();
        let reports = records
            .iter()
            .map(|record| write_poll(&tx, record, &mut to_index))
            .collect::<Result<Vec<_>, _>>()?;
        index_items(&tx, &to_index)?;
        tx.commit()?;
        Ok(reports)
    }

    /// Writes a document a WebSub hub pushed for `feed_id` (issue #16) in
    /// one transaction: its items as a poll would, and a `push` line in the
    /// fetch log; the feed's schedule is left as it is.
    pub fn write_push(
        &mut self,
        feed_id: i64,
        push: &PushRecord,
    ) -> Result<StoreReport, StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        let mut to_index = Vec::new();
        let report = store_items(
            &tx,
            feed_id,
            &push.feed,
            &push.tags,
            &push.signatures,
            &push.index,
            push.at,
            &mut to_index,
        )?;
        tx.prepare_cached(
            "INSERT INTO fetch_log (feed_id, at, outcome, http_status, duration_ms, bytes,
                 new_items, updated_items, error)
             VALUES (?1, ?2, 'push', 200, ?3, ?4, ?5, ?6, NULL)",
        )?
        .execute(params![
            feed_id,
            to_unix(push.at),
            push.duration.as_millis() as i64,
            push.bytes as i64,
            report.new,
            report.updated
        ])?;
        index_items(&tx, &to_index)?;
        tx.commit()?;
        Ok(report)
    }
}

/// A pushed document, parsed, normalised and tagged like a poll's.
#[derive(Debug)]
pub struct PushRecord {
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// How long parsing took.
    pub duration: Duration,
    /// Body size.
    pub bytes: u64,
    /// The normalised document.
    pub feed: NormalizedFeed,
    /// Each item's topics, in the order of `feed.items`.
    pub tags: Vec<Vec<TopicHit>>,
    /// Each item's story signature, in the order of `feed.items`.
    pub signatures: Vec<Vec<u8>>,
    /// Each item's full-text index tokens, in the order of `feed.items`
    /// (computed by the writer when empty).
    pub index: Vec<IndexText>,
}

/// Stores a feed document's items: a changed item leaves its story; new
/// and changed items keep the signature computed when the feed was parsed
/// and are added to `to_index`, with their index tokens, for
/// [`index_items`] to write once the transaction's other writes are done.
#[allow(clippy::too_many_arguments)]
fn store_items<'a>(
    tx: &Transaction<'_>,
    feed_id: i64,
    feed: &'a NormalizedFeed,
    tags: &[Vec<TopicHit>],
    signatures: &[Vec<u8>],
    index: &'a [IndexText],
    at: DateTime<Utc>,
    to_index: &mut Vec<ToIndex<'a>>,
) -> Result<StoreReport, StoreError> {
    let (report, rows) = upsert_items(tx, feed_id, &feed.items, tags, at)?;
    for (id, i, changed) in rows {
        if changed {
            leave_story(tx, id)?;
        }
        let tokens = match (index.get(i), feed.items.get(i)) {
            (Some(text), _) => Tokens::Parsed(text),
            (None, Some(item)) => Tokens::Of(item),
            (None, None) => continue,
        };
        to_index.push(ToIndex {
            id,
            tokens,
            replace: changed,
        });
        if let Some(data) = signatures.get(i) {
            save_signature(tx, id, data)?;
        }
    }
    Ok(report)
}

/// An item a transaction (re)indexes once its other writes are done.
struct ToIndex<'a> {
    id: i64,
    tokens: Tokens<'a>,
    /// Whether the item had an index row already (its text changed).
    replace: bool,
}

/// Where an item's index tokens come from.
enum Tokens<'a> {
    /// Computed where the feed was parsed.
    Parsed(&'a IndexText),
    /// Computed here, from the item: a large document's, which the parse
    /// leaves to the writer (see `scheduler::run`).
    Of(&'a NewItem),
}

/// Writes the index rows of `items`, after every other write of the
/// transaction, so that they make one FTS5 segment (see
/// [`write_index_row`]).
fn index_items(tx: &Transaction<'_>, items: &[ToIndex<'_>]) -> Result<(), StoreError> {
    for item in items.iter().filter(|i| i.replace) {
        clear_pending(tx, item.id)?;
    }
    let mut names = NewNames::default();
    for item in items {
        let computed;
        let text = match item.tokens {
            Tokens::Parsed(text) => text,
            Tokens::Of(new) => {
                computed = IndexText::of_new_item(new);
                &computed
            }
        };
        names.save(tx, text)?;
        write_index_row(tx, item.id, text, item.replace)?;
    }
    Ok(())
}

/// Writes one poll: its items, the hub it announces, the feed's state and
/// the fetch log.
fn write_poll<'a>(
    tx: &Transaction<'_>,
    rec: &'a PollRecord,
    to_index: &mut Vec<ToIndex<'a>>,
) -> Result<StoreReport, StoreError> {
    let at = to_unix(rec.at);
    let hint = rec.next.hint.map(|d| d.as_secs() as i64);
    let cadence = rec.next.cadence.map(|d| d.as_secs() as i64);
    let (report, outcome, status, error) = match &rec.result {
        PollResult::Fetched {
            feed,
            tags,
            signatures,
            index,
            etag,
            last_modified,
            moved_to,
            outlet_pages,
            ..
        } => {
            let report = store_items(
                tx,
                rec.feed_id,
                feed,
                tags,
                signatures,
                index,
                rec.at,
                to_index,
            )?;
            super::fulltext::count_outlet_pages(tx, rec.feed_id, outlet_pages, rec.at)?;
            let found = feed.meta.hub.as_deref().zip(feed.meta.self_url.as_deref());
            super::websub::note_hub(tx, rec.feed_id, found, rec.at)?;
            tx.prepare_cached(
                "UPDATE feeds SET title = coalesce(?2, title), site_url = coalesce(?3, site_url),
                     language = coalesce(?4, language), etag = ?5, last_modified = ?6,
                     last_success = ?7
                 WHERE id = ?1",
            )?
            .execute(params![
                rec.feed_id,
                feed.meta.title,
                feed.meta.link,
                feed.meta.language,
                etag,
                last_modified,
                at
            ])?;
            if let Some(url) = moved_to {
                // A URL already subscribed under another row keeps both rows
                // as they are rather than failing the whole batch.
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO feed_redirects (from_url, feed_id)
                     SELECT url, id FROM feeds WHERE id = ?1 AND url != ?2",
                )?
                .execute(params![rec.feed_id, url.as_str()])?;
                tx.prepare_cached("UPDATE OR IGNORE feeds SET url = ?2 WHERE id = ?1")?
                    .execute(params![rec.feed_id, url.as_str()])?;
            }
            (report, "ok", None, None)
        }
        PollResult::NotModified => {
            tx.prepare_cached("UPDATE feeds SET last_success = ?2 WHERE id = ?1")?
                .execute(params![rec.feed_id, at])?;
            (StoreReport::default(), "not_modified", None, None)
        }
        PollResult::Gone => (StoreReport::default(), "gone", Some("gone"), None),
        PollResult::Failed { error, .. } => {
            (StoreReport::default(), "failed", None, Some(error.as_str()))
        }
    };
    tx.prepare_cached(
        "UPDATE feeds SET next_due = ?2, error_count = ?3, hint_secs = ?4, last_error = ?5,
             last_polled = ?6, status = coalesce(?7, status), cadence_secs = ?8
         WHERE id = ?1",
    )?
    .execute(params![
        rec.feed_id,
        to_unix(rec.next.next_due),
        rec.next.error_count,
        hint,
        error,
        at,
        status,
        cadence
    ])?;
    let (http_status, bytes) = match &rec.result {
        PollResult::Fetched {
            http_status, bytes, ..
        } => (Some(*http_status), Some(*bytes as i64)),
        PollResult::Failed { http_status, .. } => (*http_status, None),
        PollResult::NotModified => (Some(304), None),
        PollResult::Gone => (Some(410), None),
    };
    tx.prepare_cached(
        "INSERT INTO fetch_log (feed_id, at, outcome, http_status, duration_ms, bytes,
             new_items, updated_items, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        rec.feed_id,
        at,
        outcome,
        http_status,
        rec.duration.as_millis() as i64,
        bytes,
        report.new,
        report.updated,
        error
    ])?;
    Ok(report)
}
