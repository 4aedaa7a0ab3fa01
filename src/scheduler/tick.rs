//! One step of the daemon's scheduler: poll (at most a batch of) the feeds
//! due at a given time. `khabar run` calls [`tick`] every `schedule.tick`,
//! and again at once while a full batch suggests more feeds are due.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::run::{poll_pass_until, PassSummary, Poller};
use crate::store::{Store, StoreError};

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tick {
    /// The pass over this tick's feeds (empty when none was due).
    pub summary: PassSummary,
    /// The batch was full: more feeds may be due at the same time.
    pub more_due: bool,
}

/// Polls the feeds due at `now`, soonest first, at most `schedule.batch`
/// of them, so that one tick over thousands of due feeds neither loads
/// them all at once nor holds the next ones back behind a slow pass. When
/// `stop` turns true, the fetches in flight are abandoned (see
/// [`poll_pass_until`]).
pub async fn tick(
    poller: Arc<Poller>,
    now: DateTime<Utc>,
    stop: &watch::Receiver<bool>,
) -> Result<Tick, StoreError> {
    let batch = poller.schedule().batch;
    let database = poller.database().to_path_buf();
    let feeds = tokio::task::spawn_blocking(move || Store::open(&database)?.due_batch(now, batch))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
    if feeds.is_empty() {
        return Ok(Tick::default());
    }
    let more_due = feeds.len() == batch;
    let mut stop = stop.clone();
    let stopped = async move {
        // A dropped sender means the daemon is going away: stop as well.
        let _ = stop.wait_for(|s| *s).await;
    };
    let summary = poll_pass_until(poller, feeds, None, stopped).await?;
    Ok(Tick { summary, more_due })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::FeedOrigin;

    #[tokio::test]
    async fn a_tick_takes_at_most_a_batch_and_says_when_more_are_due() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("k.db");
        let store = Store::open(&database).unwrap();
        // URLs that fail without touching the network: each poll is
        // recorded as a failure, which is all a tick needs to move on.
        for n in 0..5 {
            store
                .add_feed(&format!("not a url {n}"), FeedOrigin::Cli)
                .unwrap();
        }
        let config = Config::from_toml("[schedule]\nbatch = 2", None).unwrap();
        let poller =
            Arc::new(Poller::new(&config.fetch, config.schedule, database, config.tagger).unwrap());
        let (_stop, stopped) = watch::channel(false);
        let now = Utc::now();
        let mut seen = Vec::new();
        for _ in 0..4 {
            let done = tick(poller.clone(), now, &stopped).await.unwrap();
            seen.push((done.summary.feeds, done.summary.failed, done.more_due));
        }
        assert_eq!(
            seen,
            [(2, 2, true), (2, 2, true), (1, 1, false), (0, 0, false)],
            "batches of two, then nothing left due at `now`"
        );
    }
}
