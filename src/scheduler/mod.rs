//! The scheduler stage: when each feed is due ([`due`], a pure rule), the
//! polling pass that fetches, parses, normalises and stores due feeds
//! ([`run`]), which for full-text feeds also fetches new items' article
//! pages (`articles`, issue #7); the daemon's step over the feeds due now
//! ([`tick`]) and its sign of life ([`heartbeat`]); and documents a
//! WebSub hub pushed, stored the same way (`push`, issue #16). A panic in
//! one feed's work or in the writer is contained (`contain`, issue #11).

mod articles;
mod contain;
pub mod derive;
pub mod due;
mod error;
pub mod heartbeat;
mod push;
pub mod run;
pub mod tick;

pub use due::{next_due, Failure, Observed};
pub use error::PollError;
pub use heartbeat::{Heartbeat, SchedulerHealth};
pub use push::{PushError, Pushed};
pub use run::{poll_due, poll_pass, poll_pass_until, terminal_progress, PassSummary, Poller};
pub use tick::{pass_deadline, tick, Tick};
