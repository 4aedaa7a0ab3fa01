//! The daemon's digest loop: a digest pass ([`send_due`]) every
//! [`DIGEST_EVERY`], counted in [`crate::metrics`], and a bounded grace
//! for the pass in progress on shutdown.

use std::time::Duration;

use tokio::sync::watch;

use crate::config::Config;
use crate::digest::{send_due, PassOptions};
use crate::startup::Delivery;
use crate::store::Store;

/// How often the daemon looks for due digests; schedules are per minute.
const DIGEST_EVERY: Duration = Duration::from_secs(60);

/// How long a digest pass may go on after shutdown is asked. A pass cut
/// short loses nothing: an unfinished digest stays claimed and resumes,
/// with the same Message-ID, on the next start.
const DIGEST_GRACE: Duration = Duration::from_secs(5);

/// Sends due digests every [`DIGEST_EVERY`]; a failed pass is logged and
/// retried on the next tick.
pub(super) async fn digest_loop(
    config: Config,
    delivery: Delivery,
    mut stopped: watch::Receiver<bool>,
) {
    let mut store = match Store::open(&config.database) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, "digests disabled: the database could not be opened");
            return;
        }
    };
    let sender = delivery.sender(&config);
    let mut tick = tokio::time::interval(DIGEST_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let pass = send_due(
            &mut store,
            &sender,
            crate::clock::now(),
            PassOptions::default(),
        );
        tokio::pin!(pass);
        let finished = tokio::select! {
            result = &mut pass => Some(result),
            _ = stopped.wait_for(|s| *s) => None,
        };
        let result = match finished {
            Some(result) => result,
            None => match tokio::time::timeout(DIGEST_GRACE, &mut pass).await {
                Ok(result) => result,
                Err(_) => {
                    tracing::warn!(
                        "digest pass cut short by shutdown; it resumes on the next start"
                    );
                    return;
                }
            },
        };
        match result {
            Ok(summary) => {
                crate::metrics::DIGEST_SENDS.add(u64::from(summary.sent), &[]);
                crate::metrics::DIGEST_FAILURES.add(u64::from(summary.failed), &[]);
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "digest pass failed"),
        }
    }
}
