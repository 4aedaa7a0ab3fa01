//! The daemon's scheduler loop: retention at start and then daily, a
//! [`tick`] every `schedule.tick` (repeated at once while batches come back
//! full), a heartbeat after every pass, and a prompt return on shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use crate::clock;
use crate::config::RetentionConfig;
use crate::scheduler::{tick, Heartbeat, Poller};
use crate::store::{PruneReport, Store, StoreError};

/// How often retention runs (the first run is at start-up).
const RETENTION_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Runs until `stop` turns true (or its sender goes away), cutting each
/// pass short at `pass_deadline` (see [`crate::scheduler::pass_deadline`]). Calls
/// `on_new_data` after each pass that wrote something, so the HTTP server
/// can drop its cached documents at once. A failed pass or retention run is
/// logged and the loop goes on; only a completed pass beats the heartbeat.
pub async fn schedule_loop(
    poller: Arc<Poller>,
    pass_deadline: Duration,
    retention: RetentionConfig,
    heartbeat: Arc<Heartbeat>,
    on_new_data: impl Fn(),
    stop: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(poller.schedule().tick);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut next_retention = Instant::now();
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = stopped(&stop) => return,
        }
        if Instant::now() >= next_retention {
            next_retention = Instant::now() + RETENTION_EVERY;
            tokio::select! {
                () = prune(poller.database().to_path_buf(), retention) => {}
                // Each chunk commits on its own: cutting a run short loses nothing.
                () = stopped(&stop) => return,
            }
        }
        let now = clock::now();
        loop {
            match tick(poller.clone(), now, pass_deadline, &stop).await {
                Ok(done) => {
                    heartbeat.beat(clock::now());
                    if done.summary.feeds > 0 {
                        on_new_data();
                    }
                    if !done.more_due || *stop.borrow() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = format!("{e:#}"), "poll pass failed");
                    break;
                }
            }
        }
    }
}

/// Completes once `stop` is true or its sender is gone.
async fn stopped(stop: &watch::Receiver<bool>) {
    let mut stop = stop.clone();
    let _ = stop.wait_for(|s| *s).await;
}

/// One retention run on the blocking pool, logged.
async fn prune(database: std::path::PathBuf, retention: RetentionConfig) {
    let run = move || -> Result<PruneReport, StoreError> {
        let now = clock::now();
        Store::open(&database)?.prune(retention.cutoffs(now), now, false)
    };
    match tokio::task::spawn_blocking(run).await {
        Ok(Ok(report)) => {
            let deleted = &crate::metrics::RETENTION_DELETED;
            deleted.add(report.items, &["items"]);
            deleted.add(report.fetch_log, &["fetch_log"]);
            deleted.add(report.tombstones, &["tombstones"]);
            tracing::info!(%report, "retention: pruned");
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "retention failed"),
        Err(e) => tracing::warn!(error = %e, "retention crashed"),
    }
}
