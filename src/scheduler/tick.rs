//! One step of the daemon's scheduler: poll (at most a batch of) the feeds
//! due at a given time. `khabar run` calls [`tick`] every `schedule.tick`,
//! and again at once while a full batch suggests more feeds are due.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::contain::or_on_panic;
use super::run::{poll_pass_until, PassSummary, Poller};
use crate::config::FetchConfig;
use crate::store::{Store, StoreError};

/// The longest one pass may run: twice the longest single fetch, so every
/// fetch of the first round ends on its own (a timeout is recorded and
/// backs off). Fetches still queued or in flight then are abandoned; their
/// feeds stay due and the next tick takes them first.
pub fn pass_deadline(fetch: &FetchConfig) -> Duration {
    (fetch.connect_timeout + fetch.timeout) * 2
}

/// Full-text article fetches stop this fraction of the pass deadline
/// before it (a tenth), leaving the time to extract, tag and write.
const ARTICLE_MARGIN: u32 = 10;

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
/// `stop` turns true or `deadline` passes, the fetches in flight are
/// abandoned (see [`poll_pass_until`]). A panic that escapes the pass's
/// own containment is returned as an error (issue #11): the daemon's loop
/// logs it and ticks again.
pub async fn tick(
    poller: Arc<Poller>,
    now: DateTime<Utc>,
    deadline: Duration,
    stop: &watch::Receiver<bool>,
) -> Result<Tick, StoreError> {
    let pass = tick_inner(poller, now, deadline, stop);
    or_on_panic(pass, |panic| {
        Err(StoreError::Panicked(format!("poll pass: {panic}")))
    })
    .await
}

async fn tick_inner(
    poller: Arc<Poller>,
    now: DateTime<Utc>,
    deadline: Duration,
    stop: &watch::Receiver<bool>,
) -> Result<Tick, StoreError> {
    let batch = poller.schedule().batch;
    let database = poller.database().to_path_buf();
    let feeds = tokio::task::spawn_blocking(move || Store::open(&database)?.due_batch(now, batch))
        .await
        .map_err(|e| StoreError::Panicked(e.to_string()))??;
    if feeds.is_empty() {
        return Ok(Tick::default());
    }
    let more_due = feeds.len() == batch;
    // Article fetches end a little before the pass does, so that their
    // feeds are recorded (with teasers where the time ran out).
    let articles_by = tokio::time::Instant::now() + deadline - deadline / ARTICLE_MARGIN;
    let mut stop = stop.clone();
    let stopped = async move {
        tokio::select! {
            // A dropped sender means the daemon is going away: stop as well.
            _ = stop.wait_for(|s| *s) => {}
            () = tokio::time::sleep(deadline) => {
                tracing::warn!(deadline = ?deadline, "pass deadline reached");
            }
        }
    };
    let summary = poll_pass_until(poller, feeds, None, stopped, Some(articles_by)).await?;
    Ok(Tick { summary, more_due })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::model::FeedUrl;
    use crate::store::FeedOrigin;

    #[tokio::test]
    async fn a_tick_takes_at_most_a_batch_and_says_when_more_are_due() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("k.db");
        let store = Store::open(&database).unwrap();
        // A port nobody listens on: each poll is refused at once and
        // recorded as a failure, which is all a tick needs to move on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        for n in 0..5 {
            let url = FeedUrl::parse(&format!("http://{closed}/{n}.xml")).unwrap();
            store.add_feed(&url, FeedOrigin::Cli).unwrap();
        }
        let config = Config::from_toml("[schedule]\nbatch = 2", None).unwrap();
        let poller =
            Arc::new(Poller::new(&config.fetch, config.schedule, database, config.tagger).unwrap());
        let (_stop, stopped) = watch::channel(false);
        let now = Utc::now();
        let mut seen = Vec::new();
        for _ in 0..4 {
            let done = tick(poller.clone(), now, Duration::from_secs(60), &stopped)
                .await
                .unwrap();
            seen.push((done.summary.feeds, done.summary.failed, done.more_due));
        }
        assert_eq!(
            seen,
            [(2, 2, true), (2, 2, true), (1, 1, false), (0, 0, false)],
            "batches of two, then nothing left due at `now`"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_pass_past_its_deadline_leaves_the_rest_due_for_the_next_tick() {
        // Accepts connections (the kernel's backlog) and never answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("k.db");
        let store = Store::open(&database).unwrap();
        for n in 0..5 {
            let url = FeedUrl::parse(&format!("http://{addr}/{n}.xml")).unwrap();
            store.add_feed(&url, FeedOrigin::Cli).unwrap();
        }
        let config = Config::from_toml(
            "[fetch]\nconcurrency = 1\nconnect_timeout = \"1s\"\ntimeout = \"1s\"\n\
             allow_private = [\"127.0.0.1/32\"]",
            None,
        )
        .unwrap();
        // One fetch at a time, each timing out after 1 s: five take 5 s,
        // twice the 2.5 s deadline.
        let poller =
            Arc::new(Poller::new(&config.fetch, config.schedule, database, config.tagger).unwrap());
        let (_stop, stopped) = watch::channel(false);
        let now = Utc::now();
        let done = tick(poller, now, Duration::from_millis(2500), &stopped)
            .await
            .unwrap();
        let left = store.due_batch(now, 10).unwrap().len() as u32;
        assert!(
            (1..5).contains(&done.summary.failed),
            "some timed out and were recorded: {:?}",
            done.summary
        );
        assert_eq!(left + done.summary.feeds, 5, "the rest stay due");
        drop(silent);
    }
}
