//! The cluster stage: every stored item joins a story — an existing one when
//! it reports the same event, else a new one (issues #7, #13).
//!
//! What counts, each looked up only among items of the last `window`
//! (default 72 h, and its soft edge of an eighth more), so memory stays
//! flat however long the daemon runs:
//!
//! - **near-duplicate text**: MinHash over word shingles ([`shingles`]), so
//!   copies ("… Source link") and updated versions match;
//! - **event evidence** ([`terms`]): the entries of the topic term groups an
//!   item names (people, places, concepts; one id in every language), its
//!   figures read as values in either language ([`numbers`]: "1.2 करोड़" =
//!   "12 million"), and its other words by transliteration skeleton, so
//!   names meet across scripts unlisted. Each counts by how few stories of
//!   the window carry it (document frequency, [`window`]), so on this beat
//!   Putin and Kim count for little and Wonsan for much, and the same code
//!   serves any beat. Terms an outlet prints on most of its pages never
//!   count, and two items of one outlet join only as near-duplicates.
//!
//! Decisions depend on the window, so items are assigned in a defined order
//! ([`assignment_order`]: date, outlet, key): the same items give the same
//! stories whatever order concurrent polls finished in. [`assign_pending`]
//! does that over the store after each polling pass; [`restore`] rebuilds a
//! grouper from the signatures the store keeps (an opaque blob per item:
//! the store persists, this stage decides). [`evaluate`] scores a grouping
//! against gold event labels (pairwise precision / recall / F1).
//!
//! ```
//! use std::sync::Arc;
//! use khabar::stories::{group_in_order, StoryGrouper, StoryInput, DEFAULT_WINDOW};
//! use khabar::topics::Tagger;
//! let mut g = StoryGrouper::new(Arc::new(Tagger::builtin()), DEFAULT_WINDOW);
//! let at = chrono::DateTime::from_timestamp(1_752_300_000, 0).unwrap_or_default();
//! let a = StoryInput { key: "a", outlet: "x", title: "लावरोव वोनसान में किम जोंग उन से मिले",
//!     summary: "", content: "", at };
//! let b = StoryInput { key: "b", outlet: "y", title: "Lavrov meets Kim Jong Un in Wonsan", ..a };
//! let stories = group_in_order(&mut g, &[a, b]);
//! assert_eq!(stories[0].story, stories[1].story);
//! assert!(stories[1].reason.contains("wonsan"), "{}", stories[1].reason);
//! ```

mod eval;
mod group;
mod history;
mod numbers;
mod score;
mod shingles;
mod signature;
mod stage;
mod terms;
mod text;
mod window;

#[cfg(test)]
mod tests;

pub use eval::{evaluate, group_in_order, PairwiseScore};
pub use group::{assignment_order, StoryGrouper};
pub use shingles::{MinHash, MINHASH_LEN};
pub use signature::{ItemSignature, Term, TermKind};
pub use stage::{assign_pending, restore};
pub use terms::{TermFinder, MAX_TERMS};

use serde::Serialize;

/// The default time window. An item joins a story whose newest item is at
/// most this far from it, or up to an eighth further (the window's soft
/// edge) on evidence that keeps rising with the time apart; items further
/// apart are never in one story.
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
    /// When it was published (or first seen, if earlier).
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
    /// or "shares wonsan, lavrov with d04 (evidence 2.10, overlap 0.61)".
    pub reason: String,
}
