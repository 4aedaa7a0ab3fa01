//! The fetch stage: one polite, bounded HTTP GET per feed.
//!
//! [`Fetcher::fetch`] takes a [`FetchRequest`] (URL and validators) and
//! always returns a [`FetchOutcome`]; it never panics and never reads more
//! than the configured body cap, whatever the server sends.

mod client;
mod error;
mod outbound;
mod response;

pub use client::{FetchRequest, Fetcher};
pub use error::FetchError;
pub use outbound::Outbound;
pub use response::{FetchOutcome, FetchedFeed, Hints, WebSubLinks};
