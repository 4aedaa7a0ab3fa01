//! Indexing what the writer did not: every item of a database upgraded to
//! search (migration 0013 marks them all), and any item written by
//! something else. Runs at start-up, a transaction per batch, so that an
//! interrupted run resumes where it stopped; on a terminal, with a
//! progress bar.

use indicatif::{ProgressBar, ProgressStyle};

use super::IndexText;
use crate::normalize::html_to_text;
use crate::store::{ItemRow, Store, StoreError};

/// Items indexed per transaction: short enough that the poller's writer
/// never waits long for the lock.
const BATCH: usize = 500;

/// The index text of a stored item.
pub fn index_text(item: &ItemRow) -> IndexText {
    let content = item
        .content
        .as_ref()
        .map(|c| html_to_text(c.as_str()))
        .unwrap_or_default();
    IndexText::of(&item.title, item.summary.as_deref(), &content)
}

/// Indexes every pending item, showing a progress bar when `progress`.
/// Returns how many it indexed.
pub fn index_pending(store: &mut Store, progress: bool) -> Result<u64, StoreError> {
    store.mark_unindexed()?;
    let pending = store.search_pending()?;
    if pending == 0 {
        return Ok(0);
    }
    tracing::info!(items = pending, "indexing stored items for search");
    let bar = progress.then(|| {
        let bar = ProgressBar::new(pending);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} indexing for search [{bar:30}] {pos}/{len} items {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut done = 0;
    loop {
        let n = store.index_pending(BATCH, index_text)?;
        done += n as u64;
        if let Some(bar) = &bar {
            bar.inc(n as u64);
        }
        if n < BATCH {
            break;
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(done)
}
