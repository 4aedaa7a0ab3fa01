//! Search documents (issue #17): the results page (`/search?q=`, askama,
//! `templates/search.html`) and a feed of any query (`/search.atom?q=`,
//! `.rss`, `.json`), written by the same Atom/RSS/JSON writers as the
//! other feeds.

use askama::Template;
use chrono::{DateTime, SecondsFormat, Utc};

use super::{atom, entry, json, name_uuid, rss, Document, Format, Page, PublishError, Site};
use crate::search::{Context, PageRequest, SavedSearch, Search, SearchResults, Segment};
use crate::store::Store;

/// Stories a query feed lists.
pub const FEED_ENTRIES: usize = 50;

/// What a search document answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchRequest {
    /// The query, its white space made single spaces.
    pub query: String,
    /// A feed format; `None` for the HTML page.
    pub format: Option<Format>,
    /// The page of results (HTML only; feeds list the newest stories).
    pub page: usize,
    /// The saved search's slug when this is one (`/searches/SLUG.atom`):
    /// the feed is then titled and addressed as the saved search.
    pub saved: Option<String>,
}

impl SearchRequest {
    /// The request for `query` (as typed) in `format`, page `page`.
    pub fn new(query: &str, format: Option<Format>, page: usize) -> SearchRequest {
        SearchRequest {
            query: query.split_whitespace().collect::<Vec<_>>().join(" "),
            format,
            page: if format.is_some() { 1 } else { page.max(1) },
            saved: None,
        }
    }

    /// The feed of a saved search in `format`.
    pub fn saved(search: &SavedSearch, format: Format) -> SearchRequest {
        SearchRequest {
            saved: Some(search.slug.as_str().to_string()),
            ..SearchRequest::new(&search.query, Some(format), 1)
        }
    }

    /// Parses the query against the site's topics: the error says what to
    /// type instead.
    pub fn search(
        &self,
        site: &Site,
        now: DateTime<Utc>,
    ) -> Result<Search, crate::search::QueryError> {
        let topics: Vec<&str> = site.topics().iter().map(|t| t.slug.as_str()).collect();
        Search::parse(
            &self.query,
            Context {
                topics: &topics,
                now,
            },
        )
    }
}

/// A saved search's feed path under the site (`searches/SLUG.atom`).
pub fn saved_path(slug: &str, format: Format) -> String {
    format!("searches/{slug}.{format}")
}

/// `q=QUERY` (and `&page=N` past the first), form-encoded.
fn query_string(query: &str, page: usize) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", query);
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    s.finish()
}

/// Builds the search document `request` asks for. A query the parser
/// refuses is [`PublishError::BadQuery`].
pub fn search_document(
    store: &Store,
    site: &Site,
    request: &SearchRequest,
) -> Result<Document, PublishError> {
    let now = Utc::now();
    let search = request
        .search(site, now)
        .map_err(|e| PublishError::BadQuery(e.to_string()))?;
    match request.format {
        None => results_page(store, site, &search, request, now),
        Some(format) => query_feed(store, site, &search, format, request.saved.as_deref()),
    }
}

fn query_feed(
    store: &Store,
    site: &Site,
    search: &Search,
    format: Format,
    saved: Option<&str>,
) -> Result<Document, PublishError> {
    let entries = search.entries(store, FEED_ENTRIES).map_err(bad_or_store)?;
    let saved = saved.and_then(|slug| site.saved_search(slug));
    let (self_url, id, title) = match saved {
        Some(s) => (
            site.url(&saved_path(s.slug.as_str(), format)),
            name_uuid(&format!("khabar saved search\n{}\n{}", site.home(), s.slug)),
            format!("khabar — खोज · {}", s.name),
        ),
        None => (
            format!(
                "{}?{}",
                site.url(&format!("search.{format}")),
                query_string(search.text(), 1)
            ),
            name_uuid(&format!(
                "khabar search\n{}\n{}",
                site.home(),
                search.text()
            )),
            format!("khabar — खोज · search: {}", search.text()),
        ),
    };
    let page = Page {
        site,
        topic: None,
        entries: &entries,
        id,
        title,
        subtitle: format!(
            "Stories matching “{}” from every outlet khabar follows, newest first",
            search.text()
        ),
        self_url,
        current_url: None,
        next_url: None,
        updated: entries
            .iter()
            .map(entry::changed)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH),
    };
    let body = match format {
        Format::Atom => atom::render(&page)?,
        Format::Rss => rss::render(&page)?,
        Format::Json => json::render(&page)?,
    };
    let last_modified = entries.iter().map(entry::changed).max();
    Ok(Document::new(body, format.content_type(), last_modified))
}

/// A search that failed: the query's fault (too slow) or the database's.
fn bad_or_store(e: crate::search::SearchError) -> PublishError {
    match e {
        crate::search::SearchError::Store(e) => PublishError::from(e),
        e => PublishError::BadQuery(e.to_string()),
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct ResultsPage<'a> {
    query: &'a str,
    results: &'a SearchResults,
    hits: Vec<PageHit>,
    first: usize,
    prev: Option<String>,
    next: Option<String>,
    atom: String,
    rss: String,
    json: String,
    home: String,
    error: Option<String>,
    saved: Vec<SavedLink>,
    version: &'static str,
}

/// A saved search as the page lists it: its name, query, results page and
/// feeds.
struct SavedLink {
    name: String,
    query: String,
    page: String,
    atom: String,
    rss: String,
    json: String,
}

/// The site's saved searches, linked.
fn saved_links(site: &Site) -> Vec<SavedLink> {
    site.searches()
        .iter()
        .map(|s| {
            let feed = |f| site.url(&saved_path(s.slug.as_str(), f));
            SavedLink {
                name: s.name.clone(),
                query: s.query.clone(),
                page: format!("{}?{}", site.url("search"), query_string(&s.query, 1)),
                atom: feed(Format::Atom),
                rss: feed(Format::Rss),
                json: feed(Format::Json),
            }
        })
        .collect()
}

struct PageHit {
    title: Vec<Segment>,
    url: Option<String>,
    story: Option<String>,
    outlet: String,
    iso: String,
    when: String,
    snippet: Vec<Segment>,
    reports: u32,
    outlets: String,
    also: Vec<(String, Vec<Segment>, Option<String>)>,
}

fn results_page(
    store: &Store,
    site: &Site,
    search: &Search,
    request: &SearchRequest,
    now: DateTime<Utc>,
) -> Result<Document, PublishError> {
    let page = PageRequest {
        page: request.page,
        ..PageRequest::default()
    };
    let results = search.results(store, page, now).map_err(bad_or_store)?;
    let link = |path: &str, page: usize| {
        format!("{}?{}", site.url(path), query_string(search.text(), page))
    };
    let hits = results
        .hits
        .iter()
        .map(|h| PageHit {
            title: h.title_marked.clone(),
            url: h.url.clone(),
            story: h.story_id.map(|id| site.url(&format!("stories/{id}"))),
            outlet: h.outlet.clone(),
            iso: h.published.to_rfc3339_opts(SecondsFormat::Secs, true),
            when: super::index::display_time(h.published),
            snippet: h.snippet_marked.clone(),
            reports: h.reports,
            outlets: h.outlets.join(", "),
            also: h
                .also
                .iter()
                .map(|r| (r.outlet.clone(), r.title_marked.clone(), r.url.clone()))
                .collect(),
        })
        .collect();
    let html = ResultsPage {
        query: search.text(),
        first: (results.page - 1) * results.per_page + 1,
        prev: (results.page > 1).then(|| link("search", results.page - 1)),
        next: results.has_next().then(|| link("search", results.page + 1)),
        atom: link("search.atom", 1),
        rss: link("search.rss", 1),
        json: link("search.json", 1),
        home: site.home(),
        hits,
        results: &results,
        error: None,
        saved: saved_links(site),
        version: env!("CARGO_PKG_VERSION"),
    }
    .render()
    .map_err(|e| PublishError::Render {
        format: "html",
        message: e.to_string(),
    })?;
    Ok(Document::new(
        html.into_bytes(),
        "text/html; charset=utf-8",
        None,
    ))
}

/// The search page for a query the parser refused (or none yet): the form,
/// and `error` when there is one.
pub fn form_page(site: &Site, query: &str, error: Option<String>) -> Result<Vec<u8>, PublishError> {
    let empty = SearchResults {
        query: query.to_string(),
        total: 0,
        more: false,
        page: 1,
        per_page: crate::search::DEFAULT_PER_PAGE,
        hits: Vec::new(),
    };
    let html = ResultsPage {
        query,
        results: &empty,
        hits: Vec::new(),
        first: 1,
        prev: None,
        next: None,
        atom: String::new(),
        rss: String::new(),
        json: String::new(),
        home: site.home(),
        error,
        saved: saved_links(site),
        version: env!("CARGO_PKG_VERSION"),
    }
    .render()
    .map_err(|e| PublishError::Render {
        format: "html",
        message: e.to_string(),
    })?;
    Ok(html.into_bytes())
}
