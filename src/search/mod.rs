//! The search stage (issue #17): a user's query → the stories that match,
//! in either script, best first.
//!
//! - [`fold`]: text → the tokens of the FTS5 index ([`IndexText`]), folded
//!   as topics fold text, and its names for the vocabulary of skeletons,
//!   so that लावरोव finds "Lavrov" and back ([`crate::translit::skeleton`]).
//! - [`query`]: the query language: words, `"phrases"`, `prefix*`,
//!   `AND`/`OR`/`NOT`/`-`, parentheses, `topic:`, `outlet:`, `since:`,
//!   `until:`. Bounded, forgiving, and never passed to SQLite as syntax:
//!   [`lower`] writes the FTS5 expression from folded words alone.
//! - [`rank`]: BM25 discounted by age, one entry per story.
//! - [`highlight`]: the matched words of a title or snippet.
//! - [`Search`]: all of it on a store: results pages, the stories a query
//!   feed lists, a saved search's digest items. [`backfill`] indexes what
//!   is pending at start-up.
//!
//! ```
//! use khabar::search::{Context, Search};
//! let cx = Context { topics: &["russia-north-korea"], now: chrono::Utc::now() };
//! let search = Search::parse("लावरोव -Seoul topic:russia-north-korea", cx).unwrap();
//! assert_eq!(search.filters().topics, ["russia-north-korea"]);
//! assert!(Search::parse("NOT Seoul", cx).is_err()); // NOT only excludes
//! ```

pub mod backfill;
pub mod fold;
pub mod highlight;
pub mod lower;
pub mod query;
pub mod rank;
mod run;
pub mod saved;

use std::time::Duration;

pub use fold::IndexText;
pub use highlight::Segment;
pub use query::{Context, Filters, Query};
pub use run::{Hit, PageRequest, Search, SearchResults, DEFAULT_PER_PAGE, MAX_PER_PAGE};
pub use saved::SavedSearch;

use crate::store::StoreError;

/// Why a query was refused. Messages say what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// No word, phrase or filter.
    #[error("type a word, a \"phrase\" or a filter such as topic:SLUG to search for")]
    Empty,
    /// Longer than [`query::MAX_QUERY_CHARS`].
    #[error("the query is too long: {chars} characters (at most {max})")]
    TooLong {
        /// Its length.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// More than [`query::MAX_TERMS`] words and phrases.
    #[error("too many words and phrases (at most {max})")]
    TooManyTerms {
        /// The limit.
        max: usize,
    },
    /// Parentheses deeper than [`query::MAX_DEPTH`].
    #[error("parentheses are nested too deep (at most {max} levels)")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// Only `NOT`/`-` terms where something to include was due.
    #[error("NOT and - only exclude: add a word that the results must contain")]
    OnlyExcluded,
    /// `x*` with too short an `x`.
    #[error("a prefix search needs at least {min} letters before *")]
    ShortPrefix {
        /// The shortest prefix.
        min: usize,
    },
    /// `topic:` and nothing after it.
    #[error("{key}: needs a value, such as {key}:…")]
    EmptyFilter {
        /// The filter.
        key: &'static str,
    },
    /// `topic:` naming no configured topic.
    #[error("unknown topic {slug:?}; the topics are: {known}")]
    UnknownTopic {
        /// What was typed.
        slug: String,
        /// The configured slugs.
        known: String,
    },
    /// `since:`/`until:` with something that is not a date.
    #[error(
        "{key}: expects a date such as 2025-07-13, or a span back from now such as 36h, 7d or 2w; not {value:?}"
    )]
    BadDate {
        /// The filter.
        key: &'static str,
        /// What was typed.
        value: String,
    },
    /// `-topic:x`.
    #[error("{key}: filters cannot be excluded, only required")]
    NegatedFilter {
        /// The filter.
        key: &'static str,
    },
    /// More than [`query::MAX_FILTER_VALUES`] values of one filter.
    #[error("at most {max} {key}: filters")]
    TooManyFilters {
        /// The filter.
        key: &'static str,
        /// The limit.
        max: usize,
    },
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query was refused.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// It ran past its time budget.
    #[error(
        "the search took longer than {budget:?}; narrow it down: fewer ORs, longer prefixes, \
         or a topic:, outlet: or since: filter"
    )]
    TooSlow {
        /// The budget.
        budget: Duration,
    },
    /// The database failed.
    #[error(transparent)]
    Store(StoreError),
}

impl SearchError {
    /// Whether the query is to blame (answered 400), not the server.
    pub fn is_bad_query(&self) -> bool {
        !matches!(self, SearchError::Store(_))
    }
}

impl From<StoreError> for SearchError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Interrupted { budget } => SearchError::TooSlow { budget },
            e => SearchError::Store(e),
        }
    }
}
