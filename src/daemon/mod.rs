//! `khabar run` (issue #6): the daemon, composed from the stages. [`run`]
//! holds the database's single-instance lock ([`InstanceLock`]), serves
//! HTTP ([`crate::server`]), runs the scheduler loop ([`schedule_loop`]: a
//! [`tick`](crate::scheduler::tick) every `schedule.tick`, daily
//! retention, a heartbeat for `/healthz`) and the digest loop (a
//! [`send_due`](crate::digest::send_due) pass every minute), and stops
//! cleanly on SIGTERM or SIGINT.
//!
//! ```no_run
//! # async fn demo(config: khabar::config::Config) -> anyhow::Result<()> {
//! khabar::daemon::run(config).await // until SIGTERM
//! # }
//! ```

mod digest_loop;
mod lock;
mod run;
mod schedule_loop;

pub use lock::{InstanceLock, LockError};
pub use run::{run, run_on, SHUTDOWN_DEADLINE};
pub use schedule_loop::schedule_loop;
