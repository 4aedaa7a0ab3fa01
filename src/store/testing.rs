//! Builders for the store's unit tests, in one place: an item and a
//! fetched poll with plain defaults, which a test overrides by struct
//! update (`NewItem { published, ..item("a", "x") }`).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Store;
use crate::model::{FeedState, ItemKey, NewItem, NormalizedFeed, PollRecord, PollResult, TopicHit};

/// An item keyed by guid `key`, linked under `https://a.example/`, with
/// nothing but a title.
pub(crate) fn item(key: &str, title: &str) -> NewItem {
    NewItem {
        key: ItemKey::Guid(key.into()),
        guid: Some(key.into()),
        link: Some(format!("https://a.example/{key}")),
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

/// A 200 poll of feed `feed_id` at `at` that found `items` (tagged `tags`,
/// in the same order, or untagged when empty), next due at `at`.
pub(crate) fn fetched(
    feed_id: i64,
    at: DateTime<Utc>,
    items: Vec<NewItem>,
    tags: Vec<Vec<TopicHit>>,
    etag: Option<&str>,
) -> PollRecord {
    PollRecord {
        feed_id,
        at,
        duration: Duration::from_millis(5),
        result: PollResult::Fetched {
            http_status: 200,
            bytes: 100,
            feed: NormalizedFeed {
                items,
                ..Default::default()
            },
            tags,
            signatures: vec![],
            index: vec![],
            etag: etag.map(String::from),
            last_modified: None,
            moved_to: None,
            outlet_pages: Default::default(),
        },
        next: FeedState {
            next_due: at,
            error_count: 0,
            hint: None,
            cadence: None,
        },
    }
}

/// Overwrites subscriber `id`'s stored zone and cron with text that no
/// edge writes (each parses it): what a hand edit, or an upgrade whose
/// time-zone database dropped a zone, leaves in the row.
pub(crate) fn store_raw_schedule(store: &Store, id: i64, timezone: &str, cron: &str) {
    store
        .conn
        .execute(
            "UPDATE subscribers SET timezone = ?2, schedule = ?3 WHERE id = ?1",
            rusqlite::params![id, timezone, cron],
        )
        .expect("overwrite the stored schedule");
}
