//! The websub stage (issue #16, W3C WebSub Recommendation): news in
//! seconds instead of at the next poll.
//!
//! A poll that finds a hub and a self URL (the HTTP `Link` header first,
//! then the document) records them; the [`Subscriber`] asks the hub for a
//! subscription with a per-subscription callback under
//! `server.public_url` (`/websub/TOKEN`) and secret, renews the lease
//! before it ends, retries with backoff, and unsubscribes when the feed is
//! removed or retired. [`Callbacks`] answers the hub on the callback:
//! verification of intent, denial, and signed pushes ([`signature`]),
//! which go through the same parse → normalise → store → tag → group path
//! as a poll. Polling goes on at `schedule.max_interval` as a safety net.

mod callback;
pub mod signature;
mod subscriber;

pub use callback::{Callbacks, HubQuery, PushOutcome, Verification};
pub use subscriber::{lease_from, StepSummary, Subscriber, STEP_EVERY, VERIFY_WITHIN};
