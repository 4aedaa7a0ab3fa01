//! The scheduler stage: when each feed is due ([`due`], a pure rule) and the
//! polling pass that fetches, parses, normalises and stores due feeds
//! ([`run`]), which for full-text feeds also fetches new items' article
//! pages (`articles`, issue #7).

mod articles;
pub mod due;
pub mod run;

pub use due::{next_due, Observed};
pub use run::{poll_due, poll_pass, PassSummary, Poller};
