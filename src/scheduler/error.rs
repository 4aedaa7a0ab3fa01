//! [`PollError`]: why one feed's poll failed — the fetch or the parse —
//! kept whole until it is recorded on the feed as text.

use std::time::Duration;

use url::Url;

use super::due::Failure;
use crate::fetch::FetchError;
use crate::parse::ParseError;

/// Why one feed's poll produced no items.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The fetch failed (network, status, limits).
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The body came, but is not a feed khabar can read.
    #[error("parse {url}: {source}")]
    Parse {
        /// The URL the body came from, after redirects.
        url: Url,
        /// The HTTP status of the response.
        status: u16,
        /// What the parser found.
        #[source]
        source: ParseError,
    },
    /// The parser panicked; the pass goes on without this feed.
    #[error("parser crashed: {0}")]
    Crashed(String),
}

impl PollError {
    /// The HTTP status, when a response came.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            PollError::Fetch(e) => e.http_status(),
            PollError::Parse { status, .. } => Some(*status),
            PollError::Crashed(_) => None,
        }
    }

    /// How long the server asked us to wait before the next try.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PollError::Fetch(e) => e.retry_after(),
            PollError::Parse { .. } | PollError::Crashed(_) => None,
        }
    }

    /// Whether trying again soon may help: only a fetch can fail
    /// transiently ([`FetchError::is_transient`]). A body that is not a
    /// feed or a parser that panics on it stays so until someone changes
    /// it: not worth fetching at the interval.
    pub fn failure(&self) -> Failure {
        match self {
            PollError::Fetch(e) if e.is_transient() => Failure::Transient,
            PollError::Fetch(_) | PollError::Parse { .. } | PollError::Crashed(_) => {
                Failure::Permanent
            }
        }
    }
}
