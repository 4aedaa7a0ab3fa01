//! The rule format desk editors write (see docs/topics.md), its validation,
//! and the errors that name the topic or term group at fault.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::rules::{Node, Within};
use crate::model::{FieldKind, SlugError};

/// Largest `within = N` accepted, in words.
pub const MAX_WITHIN_WORDS: u32 = 1000;

/// A named list of terms, reusable by any topic: `[term_groups.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermGroupDef {
    /// One entry per thing, its spelling variants separated by `|`:
    /// `"Lavrov | Sergei Lavrov | लावरोव | लावरोफ़"`. The first is its name.
    #[serde(default)]
    pub terms: Vec<String>,
    /// Endings a term may carry and still match, e.g. `"ी"`, `"ियों"`, `"-n"`
    /// (a leading `-` only marks it as an ending and is dropped).
    #[serde(default)]
    pub suffixes: Vec<String>,
    /// Other groups whose terms also count as this group's.
    #[serde(default)]
    pub include: Vec<String>,
    /// The terms name people or places: each entry is one identity, listed by
    /// [`super::Tagger::entity_terms`] for story grouping.
    #[serde(default)]
    pub entity: bool,
    /// Also every place of the built-in gazetteer for this country code
    /// ("RU", "KP", "UA"), one entry a place with its English and Hindi
    /// spellings (see `data/gazetteer/README.md`).
    #[serde(default)]
    pub gazetteer: Option<String>,
    /// Free text for editors; ignored by the tagger.
    #[serde(default)]
    pub description: Option<String>,
}

/// One topic: `[[topics]]` with a slug, a display name and a rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicDef {
    /// Stable identifier: lowercase ASCII letters, digits and `-`.
    pub slug: String,
    /// Name shown to readers, e.g. "Russia–North Korea ties".
    pub name: String,
    /// The rule: a group name, or a table with `group`, `all`, `any` or `not`
    /// (parsed at [`super::Tagger::compile`] so errors can name the topic).
    pub rule: toml::Value,
    /// How much a mention counts in each field (for `min`); 0 ignores a field.
    #[serde(default)]
    pub weights: Weights,
    /// Free text for editors; ignored by the tagger.
    #[serde(default)]
    pub description: Option<String>,
}

/// How many mentions one match counts for, per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// The item's title.
    pub title: u32,
    /// The feed's summary.
    pub summary: u32,
    /// The plain-text body.
    pub content: u32,
    /// The outlet's own tags; each category is its own sentence.
    pub categories: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title: 1,
            summary: 1,
            content: 1,
            categories: 1,
        }
    }
}

impl Weights {
    /// The weight of a field.
    pub fn of(&self, kind: FieldKind) -> u32 {
        match kind {
            FieldKind::Title => self.title,
            FieldKind::Summary => self.summary,
            FieldKind::Content => self.content,
            FieldKind::Categories => self.categories,
        }
    }
}

/// A rule or term group that cannot be compiled; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The slug breaks the slug rules.
    #[error("topic `{topic}`: invalid slug: {problem}")]
    InvalidSlug { topic: String, problem: SlugError },
    /// Two topics share a slug.
    #[error("topic `{topic}`: duplicate slug: an earlier topic already uses it")]
    DuplicateSlug { topic: String },
    /// The display name is blank.
    #[error("topic `{topic}`: display name is empty")]
    EmptyName { topic: String },
    /// The rule names a group that is not defined.
    #[error("topic `{topic}`: {path}: unknown term group `{group}`{hint}")]
    UnknownGroup {
        topic: String,
        path: String,
        group: String,
        hint: String,
    },
    /// The rule names a group that has no terms, so it could never match.
    #[error("topic `{topic}`: {path}: term group `{group}` is empty (no terms)")]
    EmptyGroup {
        topic: String,
        path: String,
        group: String,
    },
    /// `within` is neither "sentence", "clause" nor a word count in range.
    #[error("topic `{topic}`: {path}: bad proximity {value}: use within = \"sentence\", \"clause\" or a number of words from 1 to {MAX_WITHIN_WORDS}")]
    BadProximity {
        topic: String,
        path: String,
        value: String,
    },
    /// The rule's shape is wrong (unknown key, empty list, bad `min`…).
    #[error("topic `{topic}`: {path}: {problem}")]
    BadRule {
        topic: String,
        path: String,
        problem: String,
    },
    /// Every field weight is 0.
    #[error("topic `{topic}`: every field weight is 0, so the topic could never match")]
    ZeroWeights { topic: String },
    /// A group name outside `[a-z][a-z0-9_]*`.
    #[error("term group `{group}`: invalid name: use lowercase letters, digits and `_`, starting with a letter")]
    InvalidGroupName { group: String },
    /// A term that folds to nothing matchable.
    #[error("term group `{group}`: term {term:?}: {problem}")]
    InvalidTerm {
        group: String,
        term: String,
        problem: String,
    },
    /// A suffix that folds to nothing.
    #[error("term group `{group}`: suffix {suffix:?} is empty after folding")]
    InvalidSuffix { group: String, suffix: String },
    /// `gazetteer` names a country the built-in gazetteer does not have.
    #[error("term group `{group}`: gazetteer {country:?} is not built in (use \"RU\", \"KP\" or \"UA\")")]
    UnknownGazetteer { group: String, country: String },
    /// `include` names a group that is not defined.
    #[error("term group `{group}`: includes unknown term group `{include}`")]
    UnknownInclude { group: String, include: String },
    /// Groups include each other in a circle.
    #[error("term group `{group}`: includes itself through {chain}")]
    IncludeCycle { group: String, chain: String },
    /// The automaton could not be built (too many patterns).
    #[error("topics: cannot build the matcher: {0}")]
    Automaton(String),
}

/// What the rule parser needs to know about a group name.
pub(crate) struct GroupLookup<'a> {
    pub index: &'a BTreeMap<String, usize>,
    pub is_empty: &'a dyn Fn(usize) -> bool,
}

const NODE_KEYS: &str = "group, all, any, not, within, min, in, name";

/// Parses a topic's `rule` value into a checked rule tree.
pub(crate) fn parse_rule(
    topic: &str,
    v: &toml::Value,
    groups: &GroupLookup,
) -> Result<Node, RuleError> {
    Parser { topic, groups }.node(v, "rule")
}

struct Parser<'a> {
    topic: &'a str,
    groups: &'a GroupLookup<'a>,
}

impl Parser<'_> {
    fn bad(&self, path: &str, problem: impl Into<String>) -> RuleError {
        RuleError::BadRule {
            topic: self.topic.into(),
            path: path.into(),
            problem: problem.into(),
        }
    }

    fn node(&self, v: &toml::Value, path: &str) -> Result<Node, RuleError> {
        match v {
            toml::Value::String(name) => self.group(name, 1, None, path),
            toml::Value::Table(t) => self.table(t, path),
            other => Err(self.bad(
                path,
                format!(
                    "expected a group name or a table, found {}",
                    other.type_str()
                ),
            )),
        }
    }

    fn table(&self, t: &toml::Table, path: &str) -> Result<Node, RuleError> {
        if let Some(k) = t
            .keys()
            .find(|k| !NODE_KEYS.split(", ").any(|n| n == k.as_str()))
        {
            return Err(self.bad(
                path,
                format!("unknown key `{k}` (expected one of {NODE_KEYS})"),
            ));
        }
        let ops: Vec<&str> = ["group", "all", "any", "not"]
            .into_iter()
            .filter(|k| t.contains_key(*k))
            .collect();
        let op = match ops.as_slice() {
            [op] => *op,
            [] => return Err(self.bad(path, "needs one of `group`, `all`, `any` or `not`")),
            _ => {
                return Err(self.bad(
                    path,
                    format!("has {}: use one per table and nest them", ops.join(" and ")),
                ))
            }
        };
        let node = self.operation(t, op, path)?;
        match t.get("name") {
            None => Ok(node),
            Some(toml::Value::String(name)) if !name.trim().is_empty() => Ok(Node::Named {
                name: name.trim().to_string(),
                node: Box::new(node),
            }),
            Some(_) => Err(self.bad(path, "`name` must be a non-empty string")),
        }
    }

    fn operation(&self, t: &toml::Table, op: &str, path: &str) -> Result<Node, RuleError> {
        let min = self.min(t, op, path)?;
        if t.contains_key("within") && op != "all" {
            return Err(self.bad(path, "`within` only goes with `all`"));
        }
        if t.contains_key("in") && op != "group" {
            return Err(self.bad(path, "`in` only goes with `group`"));
        }
        match op {
            "group" => {
                let Some(name) = t["group"].as_str() else {
                    return Err(self.bad(path, "`group` must be a group name"));
                };
                let fields = t.get("in").map(|f| self.fields(f, path)).transpose()?;
                self.group(name, min, fields, path)
            }
            "not" => Ok(Node::Not(Box::new(
                self.node(&t["not"], &format!("{path}.not"))?,
            ))),
            _ => {
                let children = self.list(&t[op], &format!("{path}.{op}"))?;
                let within = t.get("within").map(|w| self.within(w, path)).transpose()?;
                Ok(if op == "all" {
                    Node::All {
                        children,
                        within,
                        min,
                    }
                } else {
                    Node::Any { children, min }
                })
            }
        }
    }

    fn group(
        &self,
        name: &str,
        min: u32,
        fields: Option<Vec<FieldKind>>,
        path: &str,
    ) -> Result<Node, RuleError> {
        let Some(&group) = self.groups.index.get(name) else {
            let near = self
                .groups
                .index
                .keys()
                .find(|k| k.contains(name) || name.contains(k.as_str()));
            return Err(RuleError::UnknownGroup {
                topic: self.topic.into(),
                path: path.into(),
                group: name.into(),
                hint: near
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default(),
            });
        };
        if (self.groups.is_empty)(group) {
            return Err(RuleError::EmptyGroup {
                topic: self.topic.into(),
                path: path.into(),
                group: name.into(),
            });
        }
        Ok(Node::Group { group, min, fields })
    }

    fn list(&self, v: &toml::Value, path: &str) -> Result<Vec<Node>, RuleError> {
        let Some(items) = v.as_array() else {
            return Err(self.bad(path, "must be a list, e.g. [\"russia\", \"north_korea\"]"));
        };
        if items.is_empty() {
            return Err(self.bad(path, "is an empty list"));
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| self.node(item, &format!("{path}[{i}]")))
            .collect()
    }

    fn min(&self, t: &toml::Table, op: &str, path: &str) -> Result<u32, RuleError> {
        let Some(v) = t.get("min") else { return Ok(1) };
        if op == "not" {
            return Err(self.bad(path, "`min` does not go with `not`"));
        }
        match v.as_integer() {
            Some(n @ 1..=1_000_000) => Ok(n as u32),
            _ => Err(self.bad(
                path,
                format!("min = {v} must be a whole number of mentions, at least 1"),
            )),
        }
    }

    fn within(&self, v: &toml::Value, path: &str) -> Result<Within, RuleError> {
        match v {
            toml::Value::String(s) if s == "sentence" || s == "segment" => Ok(Within::Segment),
            toml::Value::String(s) if s == "clause" => Ok(Within::Clause),
            toml::Value::Integer(n) if (1..=i64::from(MAX_WITHIN_WORDS)).contains(n) => {
                Ok(Within::Words(*n as u32))
            }
            other => Err(RuleError::BadProximity {
                topic: self.topic.into(),
                path: path.into(),
                value: other.to_string(),
            }),
        }
    }

    fn fields(&self, v: &toml::Value, path: &str) -> Result<Vec<FieldKind>, RuleError> {
        let bad = || {
            self.bad(
                path,
                "`in` must list fields among \"title\", \"summary\", \"content\", \"categories\"",
            )
        };
        let items = v.as_array().filter(|a| !a.is_empty()).ok_or_else(bad)?;
        items
            .iter()
            .map(|f| f.as_str().and_then(FieldKind::from_name).ok_or_else(bad))
            .collect()
    }
}

/// Checks a group name: `[a-z][a-z0-9_]*`.
pub(crate) fn is_valid_group_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
