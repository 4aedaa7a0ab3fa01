//! A document a WebSub hub pushed (issue #16) goes down the same road as a
//! polled one: parse → normalise → tag → sign on the blocking pool, then
//! store and group in one writer transaction. Only the feed's schedule is
//! left alone: a push is not a poll.

use std::sync::Arc;
use std::time::Instant;

use super::error::PollError;
use super::run::{group_pending, parse_fetched, Poller};
use crate::fetch::{FetchedFeed, Hints, WebSubLinks};
use crate::store::{PollResult, PushRecord, Store, StoreError, StoreReport};

/// Why a pushed document was not stored.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The body is not a feed khabar can read.
    #[error("{0}")]
    Parse(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One pushed document for a feed.
#[derive(Debug)]
pub struct Pushed {
    /// The feed it belongs to.
    pub feed_id: i64,
    /// The topic URL: relative links in the body are resolved against it.
    pub topic: url::Url,
    /// The body, at most the fetch body cap.
    pub body: Vec<u8>,
    /// Its Content-Type (a charset may be in it).
    pub content_type: Option<String>,
}

impl Poller {
    /// Stores a pushed document's items as a poll would, and groups them.
    pub async fn ingest_push(self: &Arc<Self>, push: Pushed) -> Result<StoreReport, PushError> {
        let started = Instant::now();
        let at = crate::clock::now();
        let bytes = push.body.len() as u64;
        let fetched = FetchedFeed {
            body: push.body,
            // Received by the server, not the fetcher: outside its budget.
            budget: crate::fetch::BodyPermit::default(),
            content_type: push.content_type,
            final_url: push.topic,
            moved_permanently: None,
            etag: None,
            last_modified: None,
            status: 200,
            hints: Hints::default(),
            links: WebSubLinks::default(),
        };
        let (tagger, finder, max_items) =
            (self.tagger.clone(), self.finder.clone(), self.max_items);
        let parsed = tokio::task::spawn_blocking(move || {
            parse_fetched(fetched, &tagger, &finder, at, max_items)
        })
        .await
        .unwrap_or_else(|e| Err(PollError::Crashed(e.to_string())));
        let record = match parsed.map(|p| p.result) {
            Ok(PollResult::Fetched {
                feed,
                tags,
                signatures,
                index,
                ..
            }) => PushRecord {
                at,
                duration: started.elapsed(),
                bytes,
                feed,
                tags,
                signatures,
                index,
            },
            Ok(_) => return Err(PushError::Parse("not a feed document".into())),
            Err(error) => return Err(PushError::Parse(error.to_string())),
        };
        let poller = Arc::clone(self);
        let feed_id = push.feed_id;
        tokio::task::spawn_blocking(move || {
            let mut store = Store::open(&poller.database)?;
            let report = store.write_push(feed_id, &record)?;
            group_pending(&poller, &mut store)?;
            Ok(report)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }
}
