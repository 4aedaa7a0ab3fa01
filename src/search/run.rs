//! A parsed query run on a store: a page of results, the stories a query
//! feed lists, the items of a digest period.
//!
//! Every run reads at most [`MAX_CANDIDATES`] matching items, newest
//! first, within [`BUDGET`]; ranking and grouping happen on those. That
//! bounds what any query can cost, however common its words: a search for
//! a word in every item ranks its newest 2,000, and says there are more.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::highlight::{Marker, Segment};
use super::lower::{fts_expression, skeletons, Names};
use super::query::{Context, Filters, Query};
use super::rank::{rank, RankedStory};
use super::{QueryError, SearchError};
use crate::model::DigestPeriod;
use crate::normalize::html_to_text;
use crate::store::{EntryRow, HitRow, MatchQuery, MatchRow, Store};

/// Most matching items a run reads and ranks. Ranking and grouping cost
/// in proportion (BENCHMARKS.md, "Search"): at 5,000 a search for a name in
/// a third of 100,000 items took ~100 ms at p50 on a loaded machine.
pub const MAX_CANDIDATES: usize = 2_000;

/// Longest a run may take in SQLite before it is stopped.
pub const BUDGET: Duration = Duration::from_secs(1);

/// Results per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: usize = 20;

/// Most results per page.
pub const MAX_PER_PAGE: usize = 100;

/// Most other matching reports listed under a result.
pub const MAX_OTHER_REPORTS: usize = 10;

/// Another matching report of a result's story.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The item.
    pub item_id: i64,
    /// Its plain-text title.
    pub title: String,
    /// Its outlet.
    pub outlet: String,
    /// Link to the original (http(s) only).
    pub url: Option<String>,
    /// The outlet's date.
    pub published: DateTime<Utc>,
    /// The title cut into matched and other segments.
    #[serde(skip)]
    pub title_marked: Vec<Segment>,
}

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 240;

/// A checked query, ready to run.
#[derive(Debug, Clone)]
pub struct Search {
    text: String,
    query: Query,
    marker: Marker,
}

/// Which page of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: usize,
    /// Results per page, 1 to [`MAX_PER_PAGE`].
    pub per_page: usize,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// The query as typed (trimmed).
    pub query: String,
    /// Stories matched (a lower bound when `more` is true).
    pub total: usize,
    /// Whether more items matched than were ranked.
    pub more: bool,
    /// This page's number (1-based).
    pub page: usize,
    /// Results per page.
    pub per_page: usize,
    /// This page's stories, best first.
    pub hits: Vec<Hit>,
}

impl SearchResults {
    /// Whether a later page has results.
    pub fn has_next(&self) -> bool {
        self.page * self.per_page < self.total
    }
}

/// One story in the results, shown by its best-matching report.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The story (`null` for an item not yet grouped).
    pub story_id: Option<i64>,
    /// The report shown.
    pub item_id: i64,
    /// Its plain-text title.
    pub title: String,
    /// Link to the original (http(s) only).
    pub url: Option<String>,
    /// Its outlet.
    pub outlet: String,
    /// The outlet's date.
    pub published: DateTime<Utc>,
    /// Plain text around the first match.
    pub snippet: String,
    /// How many reports the story has.
    pub reports: u32,
    /// How many of them matched.
    pub matched: usize,
    /// The story's outlets, in order of first report.
    pub outlets: Vec<String>,
    /// Relevance (BM25 discounted by age; higher is better).
    pub score: f64,
    /// The story's other matching reports (at most [`MAX_OTHER_REPORTS`]),
    /// most relevant first: how a report in the other script shows up.
    pub also: Vec<Report>,
    /// The title cut into matched and other segments.
    #[serde(skip)]
    pub title_marked: Vec<Segment>,
    /// The snippet cut into matched and other segments.
    #[serde(skip)]
    pub snippet_marked: Vec<Segment>,
}

impl Search {
    /// Parses and checks `text`.
    pub fn parse(text: &str, cx: Context<'_>) -> Result<Search, QueryError> {
        let query = Query::parse(text, cx)?;
        // Refused now rather than when run: what the vocabulary adds to
        // the expression cannot make it wrong.
        if let Some(expr) = &query.expr {
            fts_expression(expr, &Names::new())?;
        }
        let marker = Marker::new(&query.positive_terms());
        Ok(Search {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            query,
            marker,
        })
    }

    /// The query as typed, its runs of white space made one space.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Its filters.
    pub fn filters(&self) -> &Filters {
        &self.query.filters
    }

    /// The FTS5 expression it runs on `store`: its words, and the other
    /// spellings the store's vocabulary holds for them.
    fn fts(&self, store: &Store) -> Result<Option<String>, SearchError> {
        let Some(expr) = &self.query.expr else {
            return Ok(None);
        };
        let mut names = Names::new();
        for skeleton in skeletons(expr) {
            let words = store.names_by_skeleton(&skeleton)?;
            names.insert(skeleton, words);
        }
        Ok(Some(fts_expression(expr, &names)?))
    }

    fn matches(
        &self,
        store: &Store,
        seen: Option<DigestPeriod>,
    ) -> Result<Vec<MatchRow>, SearchError> {
        let f = &self.query.filters;
        let fts = self.fts(store)?;
        let query = MatchQuery {
            fts: fts.as_deref(),
            topics: &f.topics,
            outlets: &f.outlets,
            since: f.since,
            until: f.until,
            seen: seen.map(|p| (p.start(), p.end())),
            limit: MAX_CANDIDATES,
        };
        Ok(store.search_matches(&query, BUDGET)?)
    }

    /// One page of results, best first.
    pub fn results(
        &self,
        store: &Store,
        page: PageRequest,
        now: DateTime<Utc>,
    ) -> Result<SearchResults, SearchError> {
        let rows = self.matches(store, None)?;
        let ranked = rank(&rows, now);
        let per_page = page.per_page.clamp(1, MAX_PER_PAGE);
        let skip = page.page.saturating_sub(1).saturating_mul(per_page);
        let shown: Vec<&RankedStory> = ranked.iter().skip(skip).take(per_page).collect();
        let ids: Vec<i64> = shown
            .iter()
            .flat_map(|s| {
                let others = s.others.iter().take(MAX_OTHER_REPORTS);
                std::iter::once(&s.best.item_id).chain(others).copied()
            })
            .collect();
        let mut rows = store.search_hits(&ids)?;
        let mut hits = Vec::with_capacity(shown.len());
        for story in shown {
            if let Some(row) = rows.remove(&story.best.item_id) {
                let mut hit = self.hit(row, story.matched, story.relevance);
                for id in story.others.iter().take(MAX_OTHER_REPORTS) {
                    if let Some(other) = rows.remove(id) {
                        hit.also.push(self.report(other));
                    }
                }
                hits.push(hit);
            }
        }
        Ok(SearchResults {
            query: self.text.clone(),
            total: ranked.len(),
            more: rows.len() == MAX_CANDIDATES,
            page: page.page.max(1),
            per_page,
            hits,
        })
    }

    fn report(&self, row: HitRow) -> Report {
        Report {
            item_id: row.item.id,
            title_marked: self.marker.mark(&row.item.title),
            title: row.item.title,
            outlet: row.outlet,
            url: row.item.url.filter(|u| is_web(u)),
            published: row.item.published,
        }
    }

    fn hit(&self, row: HitRow, matched: usize, score: f64) -> Hit {
        let item = row.item;
        let content = item
            .content
            .as_ref()
            .map(|c| html_to_text(c.as_str()))
            .unwrap_or_default();
        let summary = item.summary.clone().unwrap_or_default();
        let snippet_marked = [summary.as_str(), content.as_str()]
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| self.marker.snippet(t, SNIPPET_CHARS))
            .find(|segs| segs.iter().any(|s| s.hit))
            .or_else(|| {
                [summary.as_str(), content.as_str()]
                    .into_iter()
                    .find(|t| !t.trim().is_empty())
                    .map(|t| self.marker.snippet(t, SNIPPET_CHARS))
            })
            .unwrap_or_default();
        let snippet_marked: Vec<Segment> = snippet_marked
            .into_iter()
            .map(|s| Segment {
                text: one_line(&s.text),
                hit: s.hit,
            })
            .collect();
        Hit {
            story_id: row.story_id,
            item_id: item.id,
            title_marked: self.marker.mark(&item.title),
            title: item.title,
            url: item.url.filter(|u| is_web(u)),
            outlet: row.outlet,
            published: item.published,
            snippet: snippet_marked.iter().map(|s| s.text.as_str()).collect(),
            snippet_marked,
            reports: row.reports,
            matched,
            outlets: row.outlets,
            score,
            also: Vec::new(),
        }
    }

    /// The stories a feed of this query lists: their representatives as
    /// feed entries, newest first, at most `limit`.
    pub fn entries(&self, store: &Store, limit: usize) -> Result<Vec<EntryRow>, SearchError> {
        let rows = self.matches(store, None)?;
        let mut reps: Vec<i64> = rows.iter().map(|r| r.representative_id).collect();
        reps.sort_unstable();
        reps.dedup();
        Ok(store.publish_entries_of(&reps, limit)?)
    }

    /// The ids of the items first seen in `period` that match, newest
    /// first (a saved search's part of a digest).
    pub fn items_seen_in(
        &self,
        store: &Store,
        period: DigestPeriod,
    ) -> Result<Vec<i64>, SearchError> {
        Ok(self
            .matches(store, Some(period))?
            .into_iter()
            .map(|r| r.item_id)
            .collect())
    }
}

/// Whether a link may leave khabar: http(s) only.
fn is_web(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

/// `text` with every run of white space (line breaks too) made one space,
/// keeping a space at either end (segments are joined back to back).
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}
