//! The fetch stage: one polite, bounded HTTP GET per feed.
//!
//! [`Fetcher::fetch`] takes a [`FetchRequest`] (URL and validators) and
//! always returns a [`FetchOutcome`]; it never panics and never reads more
//! than the configured body cap, whatever the server sends. Every request
//! goes through the [`guard`]: only http(s), only to addresses the
//! [`AddressPolicy`] allows (`fetch.allow_private`, issue #11).

mod address;
mod budget;
mod client;
mod error;
pub mod guard;
mod outbound;
mod response;

pub use address::{special_purpose, AddressKind, AddressPolicy, Refused};
pub use budget::{BodyBudget, BodyPermit};
pub use client::{FetchRequest, Fetcher};
pub use error::FetchError;
pub use guard::{Blocked, GuardedClient};
pub use outbound::Outbound;
pub use response::{FetchOutcome, FetchedFeed, Hints, WebSubLinks};
