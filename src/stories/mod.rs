//! The cluster stage: every stored item joins a story — an existing one when
//! it reports the same event, else a new one (issue #7).
//!
//! Two kinds of evidence, both looked up only among items of the last
//! `window` (default 72 h), so memory stays flat however long the daemon runs:
//!
//! - **near-duplicate text**: MinHash over normalised word shingles
//!   ([`shingles`]), so copies ("… Source link") and light rewrites match;
//! - **same-event evidence** ([`evidence`]): shared distinctive entities —
//!   people and places of the tagger's `entity = true` groups, one id across
//!   scripts (लावरोव = Lavrov → `lavrov`) — plus, within one language, rare
//!   content words and numbers. Entities that appear in a large share of
//!   recent items (Putin, Kim Jong Un on this beat) count for little; generic
//!   words never count.
//!
//! [`StoryGrouper::assign`] is online: items arrive one at a time, roughly in
//! time order; each gets an [`Assignment`] with a reason that can be shown.
//! The window counts back from the newest date seen: an item dated before it
//! is matched but not kept, so a backlog in any order holds one window.
//! [`ItemSignature`] is what to persist per item so that a restarted daemon
//! rebuilds its state with [`StoryGrouper::restore`]. [`evaluate`] scores a
//! grouping against gold event labels (pairwise precision / recall / F1).
//!
//! ```
//! use std::sync::Arc;
//! use khabar::stories::{StoryGrouper, StoryInput, DEFAULT_WINDOW};
//! use khabar::topics::Tagger;
//! let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
//! let at = chrono::DateTime::from_timestamp(1_752_300_000, 0).unwrap_or_default();
//! let a = StoryInput { key: "a", outlet: "x", title: "लावरोव वोनसान में किम जोंग उन से मिले",
//!     summary: "", content: "", at };
//! let b = StoryInput { key: "b", title: "Lavrov meets Kim Jong Un in Wonsan", ..a };
//! assert!(g.assign(&a).new_story);
//! let second = g.assign(&b);
//! assert_eq!(second.story, 0);
//! assert!(second.reason.contains("lavrov"));
//! ```

mod eval;
mod evidence;
mod group;
mod score;
mod shingles;

#[cfg(test)]
mod tests;

pub use eval::{evaluate, PairwiseScore};
pub use evidence::{EntityFinder, Lang};
pub use group::StoryGrouper;
pub use shingles::{MinHash, MINHASH_LEN};

use serde::{Deserialize, Serialize};

/// The default time window: items further apart are never in one story.
pub const DEFAULT_WINDOW: std::time::Duration = std::time::Duration::from_secs(72 * 3600);

/// The text of one item to group (plain text, any script).
#[derive(Debug, Clone, Copy)]
pub struct StoryInput<'a> {
    /// The item's id, shown in reasons ("near-duplicate of d04").
    pub key: &'a str,
    /// The outlet that published it.
    pub outlet: &'a str,
    /// The title.
    pub title: &'a str,
    /// The summary or description.
    pub summary: &'a str,
    /// The body as plain text (may be empty).
    pub content: &'a str,
    /// When it was first seen or published.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The story an item joined, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// Dense story id, from 0 in order of creation.
    pub story: u64,
    /// True when the item started the story.
    pub new_story: bool,
    /// Human-readable evidence, e.g. "near-duplicate of d04 (jaccard 0.82)"
    /// or "shares lavrov, wonsan with d04".
    pub reason: String,
}

/// What to persist per item so grouping state can be rebuilt after a
/// restart: its text fingerprint and evidence, not its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSignature {
    /// The item's id (for reasons).
    pub key: String,
    /// When it was first seen or published.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The language its words are compared in.
    pub lang: Lang,
    /// MinHash of its word shingles.
    pub minhash: MinHash,
    /// Entity ids found in it, sorted and deduplicated ("lavrov", "wonsan").
    pub entities: Vec<String>,
    /// Stable hashes of its content words (not generic, not entity words),
    /// sorted and deduplicated, at most [`MAX_WORDS`].
    pub words: Vec<u64>,
}

/// At most this many content words are kept per item (the first ones: the
/// title and summary come first).
pub const MAX_WORDS: usize = 64;
