//! A page per story (issue #17): every outlet's report of it (title,
//! outlet, time, summary, link to the original), why each joined, and the
//! related stories (askama, `templates/story.html`). The front page, the
//! feeds' `rel="related"` links and the search results link here.

use askama::Template;
use chrono::{SecondsFormat, Utc};

use super::{entry, index::display_time, Document, PublishError, Site};
use crate::search::fold::words;
use crate::search::{Context, PageRequest, Search};
use crate::store::Store;

/// Related stories listed.
const RELATED: usize = 5;

/// Words of the representative's title a related story is looked up by.
const RELATED_WORDS: usize = 8;

/// The story page's path under the site, for links.
pub fn story_path(id: i64) -> String {
    format!("stories/{id}")
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    title: String,
    outlets: usize,
    first_seen: String,
    members: Vec<Member>,
    related: Vec<(String, String, u32)>,
    home: String,
    search: String,
    version: &'static str,
}

struct Member {
    title: String,
    url: Option<String>,
    outlet: String,
    iso: String,
    when: String,
    summary: String,
    reason: String,
}

/// The page of story `id`, or `None` when no story has it.
pub fn story_document(
    store: &Store,
    site: &Site,
    id: i64,
) -> Result<Option<Document>, PublishError> {
    let Some(detail) = store.story(id)? else {
        return Ok(None);
    };
    let members = detail
        .members
        .iter()
        .map(|m| Member {
            title: m.title.clone(),
            url: entry::web_link(m.url.as_deref()).map(str::to_string),
            outlet: m.outlet.clone(),
            iso: m.published.to_rfc3339_opts(SecondsFormat::Secs, true),
            when: display_time(m.published),
            summary: m.summary.clone().unwrap_or_default(),
            reason: m.reason.clone().unwrap_or_default(),
        })
        .collect();
    let related = related(store, site, id, &detail.story.title)?;
    let page = StoryPage {
        title: detail.story.title.clone(),
        outlets: detail.story.outlets.len(),
        first_seen: display_time(detail.story.first_seen),
        members,
        related,
        home: site.home(),
        search: site.url("search"),
        version: env!("CARGO_PKG_VERSION"),
    };
    let html = page.render().map_err(|e| PublishError::Render {
        format: "html",
        message: e.to_string(),
    })?;
    Ok(Some(Document::new(
        html.into_bytes(),
        "text/html; charset=utf-8",
        Some(detail.story.last_seen),
    )))
}

/// Other stories that share the most specific words of this one's title
/// (its longest words, through the search index, either script): title,
/// link to their page, reports.
fn related(
    store: &Store,
    site: &Site,
    id: i64,
    title: &str,
) -> Result<Vec<(String, String, u32)>, PublishError> {
    let mut found: Vec<String> = words(title).into_iter().map(|w| w.folded).collect();
    found.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    found.dedup();
    let query: Vec<String> = found
        .into_iter()
        .filter(|w| w.chars().count() >= 4)
        .take(RELATED_WORDS)
        .map(|w| format!("\"{w}\""))
        .collect();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let topics: Vec<&str> = site.topics().iter().map(|t| t.slug.as_str()).collect();
    let now = Utc::now();
    let Ok(search) = Search::parse(
        &query.join(" OR "),
        Context {
            topics: &topics,
            now,
        },
    ) else {
        return Ok(Vec::new());
    };
    let page = PageRequest {
        page: 1,
        per_page: RELATED + 1,
    };
    let Ok(results) = search.results(store, page, now) else {
        return Ok(Vec::new());
    };
    Ok(results
        .hits
        .into_iter()
        .filter_map(|h| Some((h.story_id.filter(|s| *s != id)?, h)))
        .take(RELATED)
        .map(|(story, h)| (h.title, site.url(&story_path(story)), h.reports))
        .collect())
}
