//! What `khabar run` does besides serving HTTP (issue #6): it holds the
//! database's single-instance lock ([`InstanceLock`]) and runs the scheduler
//! loop ([`schedule_loop`]): a [`tick`](crate::scheduler::tick) every
//! `schedule.tick`, daily retention, a heartbeat for `/healthz`, and a clean
//! stop on shutdown.
//!
//! ```no_run
//! # fn demo(config: &khabar::config::Config) -> anyhow::Result<()> {
//! let _lock = khabar::daemon::InstanceLock::acquire(&config.database)?;
//! // …serve and schedule until SIGTERM; the lock goes with the process.
//! # Ok(()) }
//! ```

mod lock;
mod schedule_loop;

pub use lock::{InstanceLock, LockError};
pub use schedule_loop::schedule_loop;
