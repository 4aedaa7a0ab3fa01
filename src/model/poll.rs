//! The ingest stage's output for one feed: what one poll found
//! ([`PollResult`]), the feed's next scheduling state ([`FeedState`]), and
//! both together as the store writes them ([`PollRecord`]).

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{FeedUrl, IndexText, NormalizedFeed, TopicHit};

/// A feed's scheduling state, as computed by `scheduler::next_due`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedState {
    /// When the feed is next polled.
    pub next_due: DateTime<Utc>,
    /// Consecutive failures so far (0 after a success).
    pub error_count: u32,
    /// The feed's own polling hint (ttl, Cache-Control max-age).
    pub hint: Option<Duration>,
    /// The average gap between the feed's recent items.
    pub cadence: Option<Duration>,
}

/// What happened to one feed in one poll.
// A record is built once and moved into the writer's batch; boxing the
// large variant would add an allocation per poll for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum PollResult {
    /// A new document was fetched and parsed.
    Fetched {
        /// HTTP status of the final response.
        http_status: u16,
        /// Body size after decompression.
        bytes: u64,
        /// The parsed, normalised feed.
        feed: NormalizedFeed,
        /// Each item's topics, in the order of `feed.items`.
        tags: Vec<Vec<TopicHit>>,
        /// Each item's story signature (issues #7, #13), in the order of
        /// `feed.items`, as the cluster stage encoded it
        /// ([`ItemSignature::encode`](crate::stories::ItemSignature::encode)):
        /// computed where the feed is parsed, kept for new and changed
        /// items, so that grouping reads no text. When it is empty, the
        /// stage signs those items from their stored text.
        signatures: Vec<Vec<u8>>,
        /// Each item's full-text index tokens (issue #17), in the order of
        /// `feed.items`: computed where the feed is parsed, from the plain
        /// text tagging reads, so that the single writer only stores them.
        /// When empty, the writer computes them.
        index: Vec<IndexText>,
        /// ETag of the response.
        etag: Option<String>,
        /// Last-Modified of the response.
        last_modified: Option<String>,
        /// The new URL after a permanent redirect.
        moved_to: Option<FeedUrl>,
        /// Full-text article pages to count into the outlet's lines
        /// (issue #7), in this poll's transaction (issue #11).
        outlet_pages: OutletPages,
    },
    /// The server answered 304.
    NotModified,
    /// The server answered 410: the feed is retired.
    Gone,
    /// The fetch or the parse failed.
    Failed {
        /// HTTP status, when a response came.
        http_status: Option<u16>,
        /// The error, as shown to the operator.
        error: String,
    },
}

/// One feed's poll, ready to be written.
#[derive(Debug)]
pub struct PollRecord {
    /// The feed polled.
    pub feed_id: i64,
    /// When the poll started.
    pub at: DateTime<Utc>,
    /// How long it took.
    pub duration: Duration,
    /// What happened.
    pub result: PollResult,
    /// The feed's next scheduling state.
    pub next: FeedState,
}

/// What one poll adds to its outlet's line counts: one count per page for
/// every line fingerprint the page carries. Written in the poll's own
/// transaction (issue #11), so a poll that fails or is abandoned counts
/// nothing, and no page is ever counted twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutletPages {
    /// The distinct line fingerprints of each page new to the outlet.
    pub pages: Vec<BTreeSet<i64>>,
    /// Lines seen on fewer pages than this …
    pub keep_min_pages: u32,
    /// … and not since this time are forgotten.
    pub forget_before: DateTime<Utc>,
}
