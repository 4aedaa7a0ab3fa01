//! The tag stage: which configured topics is an item about, and why.
//!
//! Topics come from config as named **term groups** (lists of spellings in any
//! script, with inflection suffixes) and **rules** over them (`all`, `any`,
//! `not`, proximity `within`, `min` mentions, field weights); see
//! `docs/topics.md`. [`Tagger::compile`] checks everything once and builds a
//! single Aho-Corasick automaton for all groups; [`Tagger::tag`] folds an item
//! once ([`normalize_text`]), scans it once, and evaluates each topic's rule.
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
mod item;
mod lexicon;
mod matcher;
mod normalize;
mod rules;
mod slug;
mod tagger;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;

pub use config::{RuleError, TermGroupDef, TopicDef, Weights, MAX_WITHIN_WORDS};
pub use explain::{ExplainNode, Explanation, TopicExplanation};
pub use item::{tag_item, tag_item_text};
pub use normalize::normalize_text;
pub(crate) use normalize::{fold_into, is_word_char, Dashes, Folded};
pub use rules::FieldKind;
pub use slug::TopicSlug;
pub use tagger::Tagger;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

/// Where in an item a match was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The title.
    Title,
    /// The summary.
    Summary,
    /// The body.
    Content,
    /// The category with this index.
    Category(usize),
}

impl Field {
    /// The kind of field, as rules and weights name it.
    pub fn kind(self) -> FieldKind {
        match self {
            Field::Title => FieldKind::Title,
            Field::Summary => FieldKind::Summary,
            Field::Content => FieldKind::Content,
            Field::Category(_) => FieldKind::Categories,
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field::Category(i) => write!(f, "category {i}"),
            other => f.write_str(other.kind().name()),
        }
    }
}

/// A configured topic as listed to users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    /// Its stable identifier.
    pub slug: TopicSlug,
    /// Its display name.
    pub name: String,
}

/// A topic the item is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicHit {
    /// Which topic.
    pub slug: TopicSlug,
    /// The matched terms as written in the item, deduplicated, in order of
    /// first appearance (title first, then summary, content, categories).
    pub why: Vec<String>,
    /// Every match that made the rule hold, for storing explanations.
    pub matches: Vec<TermMatch>,
}

/// One match of one term in one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermMatch {
    /// The field it was found in.
    pub field: Field,
    /// The term group that lists the term.
    pub group: String,
    /// The spelling as written in the config.
    pub term: String,
    /// The entity id, when the group has `entity = true`.
    pub entity: Option<String>,
    /// The text as written in the item.
    pub surface: String,
    /// Byte offsets of `surface` in the field as given.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
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
