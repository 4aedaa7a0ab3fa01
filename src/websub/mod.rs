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
//!
//! khabar is also the [`Hub`] of its own feeds: it verifies subscribers'
//! intent and delivers each feed's new document to them, signed. With
//! `websub.hub` set, an external hub does that instead: khabar announces it
//! and pings it when a feed changes ([`Publisher`]).

mod callback;
mod conn;
mod hub;
mod publish;
pub mod signature;
mod subscriber;

pub use callback::{Callbacks, HubQuery, PushOutcome, Verification};
pub use hub::{Delivery, Hub, HubRequestError, Intent, Outgoing, MAX_DELIVERY_FAILURES};
pub use publish::{Announcements, PingOutcome, Publisher};
pub use subscriber::{lease_from, StepSummary, Subscriber, STEP_EVERY, VERIFY_WITHIN};

/// Random bytes in a callback token, a secret and a challenge.
const RANDOM_BYTES: usize = 32;

/// A fresh unguessable value: [`RANDOM_BYTES`] from the OS, in hex.
fn random_hex() -> String {
    let mut bytes = [0u8; RANDOM_BYTES];
    // The OS random source failing is not recoverable: nothing safe to
    // hand out instead.
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}
