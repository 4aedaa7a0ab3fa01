//! Panics stay where they happen (issue #11). A panic in one feed's work
//! (parse, normalise, extract, tag) becomes that feed's recorded failure;
//! a panic in the writer costs one batch a retry, record by record, and
//! the record that panics again is stored as its feed's failure. Either
//! way the pass, and the scheduler loop around it, go on.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use futures::FutureExt;

use super::due::Failure;

use crate::store::{PollRecord, PollResult, StoreError, StoreReport};

/// The message a panic carried, if it carried text.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into())
}

/// `work`'s output, or, if it panics, `on_panic` of the panic's message.
/// Whatever `work` held is dropped; it must leave nothing shared half-done
/// (a feed's poll only builds its own record).
pub async fn or_on_panic<T>(
    work: impl Future<Output = T>,
    on_panic: impl FnOnce(String) -> T,
) -> T {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(out) => out,
        Err(panic) => on_panic(panic_message(&*panic)),
    }
}

/// What writes batches of polls (the store).
pub trait BatchWriter {
    /// Writes `batch` in one transaction, which a panic rolls back.
    fn write(&mut self, batch: &[PollRecord]) -> Result<Vec<StoreReport>, StoreError>;
}

/// Writes `batch`. If the write panics (its transaction rolls back), the
/// records are written one at a time; a record
/// whose write panics again is stored as its feed's failure instead. Only
/// a failure record that still panics ends the pass.
pub fn write_contained(
    writer: &mut impl BatchWriter,
    batch: &mut [PollRecord],
) -> Result<Vec<StoreReport>, StoreError> {
    let whole = catch_unwind(AssertUnwindSafe(|| writer.write(batch)));
    let panic = match whole {
        Ok(written) => return written,
        Err(panic) => panic_message(&*panic),
    };
    tracing::error!(panic = %panic, records = batch.len(), "writer panicked; writing the batch one poll at a time");
    let mut reports = Vec::with_capacity(batch.len());
    for record in batch.iter_mut() {
        let one = catch_unwind(AssertUnwindSafe(|| {
            writer.write(std::slice::from_ref(record))
        }));
        match one {
            Ok(written) => reports.extend(written?),
            Err(panic) => {
                let panic = panic_message(&*panic);
                tracing::error!(feed_id = record.feed_id, panic = %panic, "storing this poll panicked; recorded as the feed's failure");
                record.result = PollResult::Failed {
                    http_status: None,
                    error: Failure::Permanent
                        .record(&format!("internal error while storing the poll: {panic}")),
                };
                record.next.error_count = record.next.error_count.max(1);
                let again = catch_unwind(AssertUnwindSafe(|| {
                    writer.write(std::slice::from_ref(record))
                }));
                match again {
                    Ok(written) => reports.extend(written?),
                    Err(panic) => return Err(StoreError::Panicked(panic_message(&*panic))),
                }
            }
        }
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::Utc;

    use super::*;
    use crate::model::NormalizedFeed;
    use crate::store::FeedState;

    fn record(feed_id: i64, fetched: bool) -> PollRecord {
        let result = if fetched {
            PollResult::Fetched {
                http_status: 200,
                bytes: 1,
                feed: NormalizedFeed::default(),
                tags: vec![],
                signatures: vec![],
                index: vec![],
                etag: None,
                last_modified: None,
                moved_to: None,
                outlet_pages: Default::default(),
            }
        } else {
            PollResult::NotModified
        };
        PollRecord {
            feed_id,
            at: Utc::now(),
            duration: Duration::ZERO,
            result,
            next: FeedState {
                next_due: Utc::now(),
                error_count: 0,
                hint: None,
                cadence: None,
            },
        }
    }

    /// Panics on any batch holding feed 2's fetched document, as a bug
    /// triggered by one feed's data would.
    #[derive(Default)]
    struct Fragile {
        written: Vec<(i64, bool)>,
    }

    impl BatchWriter for Fragile {
        fn write(&mut self, batch: &[PollRecord]) -> Result<Vec<StoreReport>, StoreError> {
            let poison =
                |r: &PollRecord| r.feed_id == 2 && matches!(r.result, PollResult::Fetched { .. });
            assert!(
                !batch.iter().any(poison),
                "feed 2's document breaks the writer"
            );
            for r in batch {
                let failed = matches!(r.result, PollResult::Failed { .. });
                self.written.push((r.feed_id, failed));
            }
            Ok(batch.iter().map(|_| StoreReport::default()).collect())
        }
    }

    #[test]
    fn a_poll_that_panics_the_writer_is_stored_as_its_feeds_failure_and_the_rest_as_they_are() {
        let mut writer = Fragile::default();
        let mut batch = vec![record(1, true), record(2, true), record(3, false)];
        let reports = write_contained(&mut writer, &mut batch).unwrap();
        assert_eq!(reports.len(), 3);
        assert_eq!(writer.written, [(1, false), (2, true), (3, false)]);
        let PollResult::Failed { error, .. } = &batch[1].result else {
            panic!("feed 2 is recorded as failed: {:?}", batch[1].result);
        };
        assert!(
            error.contains("feed 2's document breaks the writer"),
            "{error}"
        );
        assert_eq!(batch[1].next.error_count, 1);
    }

    #[tokio::test]
    async fn a_panic_in_a_feeds_work_becomes_its_failure() {
        let work = async {
            let items: Vec<u32> = Vec::new();
            items.first().copied().expect("a parser bug")
        };
        let got = or_on_panic(work, |message| message.len() as u32 + 1000).await;
        assert_eq!(got, 1000 + "a parser bug".len() as u32);
        let fine = or_on_panic(async { 7 }, |_| 0).await;
        assert_eq!(fine, 7);
    }
}
