//! Saved searches (`[[searches]]` in the config): a query with a slug,
//! published as a feed at `/searches/SLUG.atom` (`.rss`, `.json`) and
//! offered to digest subscribers beside the topics.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Context, QueryError, Search};
use crate::topics::TopicSlug;

/// A `[[searches]]` entry as written (printed back by `khabar config check`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSearchDef {
    /// Its identifier in URLs and subscriber topics.
    pub slug: String,
    /// The query, in the search syntax.
    pub query: String,
    /// Its display name (default: the query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A checked saved search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSearch {
    /// Its identifier (the same rules as a topic's, and never a topic's).
    pub slug: TopicSlug,
    /// Its display name.
    pub name: String,
    /// The query as written.
    pub query: String,
}

impl SavedSearch {
    /// Checks a definition against the configured topic slugs: the slug's
    /// form, that no topic has it, and the query's syntax. The error says
    /// what is wrong.
    pub fn check(def: SavedSearchDef, topics: &[&str]) -> Result<SavedSearch, String> {
        let slug = TopicSlug::parse(&def.slug).map_err(|e| format!("slug {:?}: {e}", def.slug))?;
        if topics.contains(&slug.as_str()) {
            return Err(format!("slug {slug:?} is already a topic's"));
        }
        let saved = SavedSearch {
            name: def
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| def.query.trim().to_string()),
            slug,
            query: def.query,
        };
        saved
            .search(topics, Utc::now())
            .map_err(|e| format!("query {:?}: {e}", saved.query))?;
        Ok(saved)
    }

    /// The query, parsed now (relative dates such as `since:7d` count back
    /// from `now`).
    pub fn search(&self, topics: &[&str], now: DateTime<Utc>) -> Result<Search, QueryError> {
        Search::parse(&self.query, Context { topics, now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(slug: &str, query: &str) -> SavedSearchDef {
        SavedSearchDef {
            slug: slug.into(),
            query: query.into(),
            name: None,
        }
    }

    #[test]
    fn a_good_definition_is_kept_with_its_query_as_name() {
        let s = SavedSearch::check(def("shoigu", "शोइगु OR Shoigu"), &["rnk"]).unwrap();
        assert_eq!(s.slug.as_str(), "shoigu");
        assert_eq!(s.name, "शोइगु OR Shoigu");
    }

    #[test]
    fn bad_definitions_say_why() {
        let cases = [
            (def("Bad Slug", "x"), "slug"),
            (def("rnk", "x"), "already a topic"),
            (def("s", "NOT x"), "only exclude"),
            (def("s", "topic:nope x"), "unknown topic"),
        ];
        for (d, want) in cases {
            let err = SavedSearch::check(d.clone(), &["rnk"]).unwrap_err();
            assert!(err.contains(want), "{d:?}: {err}");
        }
    }
}
