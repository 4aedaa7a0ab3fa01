//! Devanagari ↔ Latin, so that names meet across scripts without an alias
//! list: topics (the gazetteer's Hindi spellings), story grouping (shared
//! names across Hindi and English reports) and search.
//!
//! - [`skeleton`]: one word in either script → a normalised Latin key on
//!   which spelling variants meet: लावरोव = लॉवरोव = Lavrov, वोनसान =
//!   Wonsan, प्योंगयांग = Pyongyang = Pyeongyang. Deterministic, linear,
//!   one allocation; meant for hot paths.
//! - [`romanize`]: Devanagari text → lowercase Latin as Hindi is typed in
//!   Latin letters, for display and search.
//! - [`devanagari_candidates`]: a Latin name → the Devanagari spellings Hindi
//!   news is likely to use, most likely first (the gazetteer's Hindi forms).
//!
//! ```
//! use khabar::translit::{romanize, skeleton};
//! assert_eq!(skeleton("लॉवरोव"), skeleton("Lavrov"));
//! assert_eq!(skeleton("कामचटका"), skeleton("Kamchatka"));
//! assert_ne!(skeleton("किम"), skeleton("कम"));
//! assert_eq!(romanize("लावरोव का उत्तर कोरिया दौरा"), "lavrov ka uttar koriya daura");
//! ```
//!
//! **Hand-written, on purpose.** The maintained transliteration crates
//! (`vidyut-lipi`, and the ITRANS / ISO 15919 schemes it implements) map
//! Devanagari to Latin letter by letter, Sanskrit-style: they keep every
//! inherent vowel ("lāvarova"), mark length and retroflexion, and know
//! nothing of how Hindi news writes foreign names. What khabar needs is the
//! opposite: Hindi schwa deletion, and a *folding* under which the variants
//! Hindi writers produce (ॉ/ा/ै for "a", o/u, ज़/ज, श/स, aspirated or not,
//! virama or inherent vowel) collapse to one key. That folding is a small
//! table plus a few rules (see [`skeleton`]'s module notes), cheaper run in
//! one pass than a general scheme converter followed by a second pass.

mod devanagari;
mod generate;
mod romanize;
mod skeleton;

pub use generate::{devanagari_candidates, MAX_CANDIDATES};
pub use romanize::romanize;
pub use skeleton::skeleton;

#[cfg(test)]
mod corpus_tests;
