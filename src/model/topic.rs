//! Topics as every stage sees them: a topic's checked [`TopicSlug`], and
//! the tag stage's output — a [`TopicHit`] per topic an item is about, with
//! each [`TermMatch`] that made its rule hold — which the store keeps and
//! the publish stage, digests and the server read.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A topic's identifier: 1–64 lowercase ASCII letters, digits and `-`, not
/// starting or ending with `-` (e.g. `russia-north-korea`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TopicSlug(String);

impl TopicSlug {
    /// Checks `s` and wraps it; the error says what is wrong.
    pub fn parse(s: &str) -> Result<TopicSlug, SlugError> {
        check_slug(s).map(|()| TopicSlug(s.to_string()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TopicSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What is wrong with a would-be [`TopicSlug`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// Empty or longer than 64 bytes.
    #[error("must be 1 to 64 characters")]
    Length,
    /// A character outside `a-z`, `0-9`, `-`.
    #[error("{0:?} is not allowed: use lowercase ASCII letters, digits and `-`")]
    Char(char),
    /// A leading or trailing `-`.
    #[error("must not start or end with `-`")]
    Dash,
}

/// Checks a slug: 1–64 of `a-z`, `0-9`, `-`, not starting or ending with `-`.
fn check_slug(s: &str) -> Result<(), SlugError> {
    if s.is_empty() || s.len() > 64 {
        return Err(SlugError::Length);
    }
    if let Some(c) = s
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
    {
        return Err(SlugError::Char(c));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err(SlugError::Dash);
    }
    Ok(())
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

/// The kinds of field a rule can restrict itself to (`in = [...]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// The item's title.
    Title,
    /// The feed's summary.
    Summary,
    /// The plain-text body.
    Content,
    /// The outlet's categories (tags).
    Categories,
}

impl FieldKind {
    /// Parses the name used in the config.
    pub fn from_name(s: &str) -> Option<FieldKind> {
        Some(match s {
            "title" => FieldKind::Title,
            "summary" => FieldKind::Summary,
            "content" => FieldKind::Content,
            "categories" => FieldKind::Categories,
            _ => return None,
        })
    }

    /// The name used in the config.
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Title => "title",
            FieldKind::Summary => "summary",
            FieldKind::Content => "content",
            FieldKind::Categories => "categories",
        }
    }
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
    /// The gazetteer place the term spells, if it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<PlaceRef>,
}

/// What an explanation says of a matched gazetteer place. Borrowed from the
/// embedded gazetteer when made by the tagger (no allocation per match),
/// owned when read back from the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaceRef {
    /// Its usual English name.
    pub name: Cow<'static, str>,
    /// city, federal subject, province, port…
    pub kind: Cow<'static, str>,
    /// The country's English name.
    pub country: Cow<'static, str>,
}

impl fmt::Display for PlaceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {})", self.name, self.kind, self.country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        for ok in ["russia-north-korea", "a", "g7-summit"] {
            assert!(TopicSlug::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "1 to 64"),
            ("Russia", "'R'"),
            ("a_b", "'_'"),
            ("-a", "start"),
            ("रूस", "'र'"),
        ] {
            let e = TopicSlug::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
    }
}
