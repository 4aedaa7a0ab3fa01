//! A process-wide budget of body bytes in flight (issue #11): 32 feeds of
//! 10 MiB each may stream at once, but their bodies are never all resident.
//!
//! Bytes are taken from the budget as chunks arrive and given back when the
//! [`BodyPermit`] is dropped (once the body is parsed). A partial hold
//! cannot deadlock: when the shared budget is spent, one body at a time (the
//! one holding the *turn*) draws from a reserve of `max_body_bytes`, which
//! no other body touches, so it always completes; the reserve comes back
//! when that body is parsed, and the next in line goes on.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

/// The shared budget, the reserve, and the turn to draw from the reserve.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    shared: Arc<Semaphore>,
    reserve: Arc<Semaphore>,
    turn: Arc<Mutex<()>>,
}

/// Body bytes held by one fetch; given back when dropped.
#[derive(Debug, Default)]
pub struct BodyPermit {
    shared: Option<OwnedSemaphorePermit>,
    reserve: Option<OwnedSemaphorePermit>,
    turn: Option<OwnedMutexGuard<()>>,
}

impl BodyBudget {
    /// A budget of `in_flight` bytes shared by every body, and a reserve
    /// of `max_body` bytes for the one body whose turn it is.
    pub fn new(in_flight: u64, max_body: u64) -> BodyBudget {
        let permits = |n: u64| Arc::new(Semaphore::new(clamp(n)));
        BodyBudget {
            shared: permits(in_flight),
            reserve: permits(max_body),
            turn: Arc::new(Mutex::new(())),
        }
    }

    /// Adds `bytes` to `held`, waiting for budget when none is free; returns
    /// how long it waited, so the fetch's own timeout can leave it out.
    pub async fn take(&self, held: &mut BodyPermit, bytes: usize) -> Duration {
        let n = u32::try_from(bytes).unwrap_or(u32::MAX);
        if let Ok(p) = self.shared.clone().try_acquire_many_owned(n) {
            merge(&mut held.shared, p);
            return Duration::ZERO;
        }
        let started = tokio::time::Instant::now();
        if held.turn.is_none() {
            held.turn = Some(self.turn.clone().lock_owned().await);
        }
        // Neither semaphore is ever closed. The reserve holds the whole body
        // cap, and only the turn's holder draws from it, so this wait ends
        // once the bodies parsed before it give their reserve back.
        if let Ok(p) = self.reserve.clone().acquire_many_owned(n).await {
            merge(&mut held.reserve, p);
        }
        started.elapsed()
    }

    /// Bytes of the shared budget free now (for tests).
    #[cfg(test)]
    fn free(&self) -> usize {
        self.shared.available_permits()
    }
}

impl BodyPermit {
    /// The body is complete: the next body in line may draw from the
    /// reserve (the bytes stay held until the permit is dropped).
    pub fn complete(&mut self) {
        self.turn = None;
    }
}

/// A semaphore's size for `n` bytes.
fn clamp(n: u64) -> usize {
    usize::try_from(n)
        .unwrap_or(usize::MAX)
        .min(Semaphore::MAX_PERMITS)
}

fn merge(into: &mut Option<OwnedSemaphorePermit>, p: OwnedSemaphorePermit) {
    match into {
        Some(held) => held.merge(p),
        None => *into = Some(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_come_back_when_the_permit_is_dropped() {
        let budget = BodyBudget::new(100, 50);
        let mut held = BodyPermit::default();
        assert_eq!(budget.take(&mut held, 60).await, Duration::ZERO);
        assert_eq!(budget.free(), 40);
        drop(held);
        assert_eq!(budget.free(), 100);
    }

    #[tokio::test]
    async fn partial_holders_that_spend_the_budget_still_finish() {
        // Four bodies of 50 bytes against a budget of 100: each holds 25 and
        // wants 25 more, with nothing free. Without the reserve none could
        // finish; with it they finish one after the other.
        let budget = BodyBudget::new(100, 50);
        let mut tasks = tokio::task::JoinSet::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..4 {
            let mut held = BodyPermit::default();
            budget.take(&mut held, 25).await;
            let (budget, tx) = (budget.clone(), tx.clone());
            tasks.spawn(async move {
                budget.take(&mut held, 25).await;
                held.complete();
                // "Parsed": the permit goes with the result, then is dropped.
                tx.send(held).ok();
            });
        }
        drop(tx);
        let done = tokio::time::timeout(Duration::from_secs(5), async {
            let mut n = 0;
            while let Some(held) = rx.recv().await {
                drop(held);
                n += 1;
            }
            n
        })
        .await
        .expect("no deadlock");
        assert_eq!(done, 4);
        while tasks.join_next().await.is_some() {}
        assert_eq!(budget.free(), 100);
    }

    #[tokio::test]
    async fn a_body_larger_than_the_whole_budget_gets_through_alone() {
        let budget = BodyBudget::new(10, 100);
        let mut held = BodyPermit::default();
        for _ in 0..10 {
            budget.take(&mut held, 10).await;
        }
        held.complete();
        drop(held);
        assert_eq!(budget.free(), 10);
    }
}
