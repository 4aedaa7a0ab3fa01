//! `khabar poll [--all]` and `khabar prune [--dry-run]`: one polling pass,
//! and the daemon's daily retention on demand.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::scheduler::{poll_due, terminal_progress};
use crate::startup;

/// One pass over the due feeds (every active feed with `all`), with a
/// progress bar when stderr is a terminal; prints the summary.
pub(super) fn poll(config: &Config, all: bool) -> Result<ExitCode> {
    drop(startup::open_store(config)?);
    let runtime = startup::runtime()?;
    let _inside = runtime.enter();
    let poller = startup::poller(config)?;
    let summary = runtime.block_on(poll_due(poller, all, terminal_progress()))?;
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}

/// Deletes (or with `dry_run` counts) what retention would delete at `now`.
pub(super) fn prune(config: &Config, dry_run: bool, now: DateTime<Utc>) -> Result<ExitCode> {
    let mut store = startup::open_plain(config)?;
    let cutoffs = config.retention.cutoffs(now);
    let report = store.prune(cutoffs, now, dry_run)?;
    if dry_run {
        println!(
            "would delete {} items first seen before {}, {} fetch-log rows before {}, {} tombstones",
            report.items,
            cutoffs.items_before.format("%Y-%m-%d"),
            report.fetch_log,
            cutoffs.fetch_log_before.format("%Y-%m-%d"),
            report.tombstones
        );
    } else {
        println!("pruned {report}");
    }
    Ok(ExitCode::SUCCESS)
}
