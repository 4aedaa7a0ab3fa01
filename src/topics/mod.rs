//! The tag stage: which configured topics is an item about, and why.
//!
//! Topics come from config as named **term groups** (lists of spellings in any
//! script, with inflection suffixes) and **rules** over them (`all`, `any`,
//! `not`, proximity `within`, `min` mentions, field weights); see
//! `docs/topics.md`. [`Tagger::compile`] checks everything once and indexes
//! every spelling of every group together (by its words in a hash map, or in
//! one small Aho-Corasick automaton); [`Tagger::tag`] folds an item once
//! ([`normalize_text`]), scans it once, and evaluates each topic's rule.
//!
//! ```
//! use khabar::topics::{TagInput, Tagger};
//! let tagger = Tagger::builtin();
//! let doc = TagInput { title: "पुतिन ने उत्तर कोरिया के किम जोंग उन से की बात", ..TagInput::default() };
//! let hits = tagger.tag(&doc);
//! assert_eq!(hits[0].slug.as_str(), "russia-north-korea");
//! assert_eq!(hits[0].why, ["पुतिन", "उत्तर कोरिया", "किम जोंग उन"]);
//! ```

mod config;
mod explain;
mod gazetteer;
mod item;
mod lexicon;
mod matcher;
mod normalize;
mod rules;
mod tagger;
mod words;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod geography_tests;
#[cfg(test)]
mod matcher_tests;
#[cfg(test)]
mod tests;

pub use crate::model::{Field, FieldKind, TermMatch, TopicHit, TopicSlug};
pub use config::{RuleError, TermGroupDef, TopicDef, Weights, MAX_WITHIN_WORDS};
pub use explain::{ExplainNode, Explanation, TopicExplanation};
pub use gazetteer::{country_name, places, Place, PlaceRef};
pub use item::{retag_stored, tag_item, tag_item_text};
pub use normalize::normalize_text;
pub(crate) use normalize::{fold_into, is_word_char, Dashes, Folded};
pub use tagger::Tagger;

use std::collections::BTreeMap;

use serde::Deserialize;

/// The topic part of a config file: `[term_groups.NAME]` tables and
/// `[[topics]]` entries (the shape of the built-in `default.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicsConfig {
    /// Named term groups, reusable across topics.
    #[serde(default)]
    pub term_groups: BTreeMap<String, TermGroupDef>,
    /// The topics, in the order their hits are reported.
    #[serde(default)]
    pub topics: Vec<TopicDef>,
}

/// The text of one item to tag (plain text, any script).
#[derive(Debug, Clone, Copy, Default)]
pub struct TagInput<'a> {
    /// The item's title.
    pub title: &'a str,
    /// The feed's summary or description.
    pub summary: &'a str,
    /// The body as plain text.
    pub content: &'a str,
    /// The outlet's own tags; each counts as a sentence of its own.
    pub categories: &'a [String],
}

/// A configured topic as listed to users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// Its stable identifier.
    pub slug: TopicSlug,
    /// Its display name.
    pub name: String,
}

/// The spellings of one entity (person or place) of an `entity = true` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTerms<'a> {
    /// The group that lists it.
    pub group: &'a str,
    /// Its identity: the folded first spelling (e.g. "lavrov" for
    /// "Lavrov | लावरोव"), the same for every spelling.
    pub id: &'a str,
    /// Every spelling, folded with [`normalize_text`] (dashes as spaces).
    pub forms: &'a [String],
}
