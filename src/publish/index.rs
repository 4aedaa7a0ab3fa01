//! The human front page: the topics with their feed links and the latest
//! stories (askama, `templates/index.html`), readable in Devanagari on a
//! phone. Of the newest stories, the one told by more outlets comes first,
//! then the newest (issue #13): the news seven outlets carry leads. The
//! feeds themselves stay in date order.

use askama::Template;
use chrono::{DateTime, SecondsFormat, Utc};

use super::{entry, Document, Format, PublishError, Site};
use crate::store::{EntryQuery, EntryRow, Store};

/// Stories listed on the page.
const LATEST: usize = 30;
/// The newest this many stories are ranked for the page.
const RANKED: usize = 200;

/// Dates on the page are shown in India's time zone, where most of the
/// outlets and their readers are.
const DISPLAY_ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    feeds: Vec<FeedLinks>,
    entries: Vec<PageEntry>,
    opml: String,
    version: &'static str,
}

struct FeedLinks {
    name: String,
    count: u64,
    atom: String,
    rss: String,
    json: String,
}

struct PageEntry {
    title: String,
    url: Option<String>,
    outlet: String,
    iso: String,
    when: String,
    lang: Option<String>,
    topics: Vec<String>,
    /// The story's other outlets, with a web link to their report.
    also: Vec<(String, Option<String>)>,
    /// A thumbnail (http(s) only).
    image: Option<String>,
    /// The story's page, when its story has more than one report.
    story: Option<String>,
}

/// The front page as HTML.
pub fn index_document(store: &Store, site: &Site) -> Result<Document, PublishError> {
    let entries = leading(store.publish_entries(&EntryQuery {
        topic: None,
        before: None,
        limit: RANKED,
    })?);
    let counts = store.topic_counts()?;
    let links = |path: &str| {
        let [atom, rss, json] = Format::ALL.map(|f| site.url(&format!("{path}.{f}")));
        (atom, rss, json)
    };
    let (atom, rss, json) = links("feed");
    let mut feeds = vec![FeedLinks {
        name: "सभी ख़बरें · All outlets".into(),
        count: store.count_stories()?,
        atom,
        rss,
        json,
    }];
    for topic in site.topics() {
        let (atom, rss, json) = links(&format!("topics/{}", topic.slug));
        feeds.push(FeedLinks {
            name: topic.name.clone(),
            count: counts
                .iter()
                .find(|(slug, _)| slug == topic.slug.as_str())
                .map_or(0, |(_, n)| *n),
            atom,
            rss,
            json,
        });
    }
    let page = IndexPage {
        feeds,
        entries: entries.iter().map(|e| page_entry(site, e)).collect(),
        opml: site.url("opml"),
        version: env!("CARGO_PKG_VERSION"),
    };
    let html = page.render().map_err(|e| PublishError::Render {
        format: "html",
        message: e.to_string(),
    })?;
    let last_modified = entries.iter().map(entry::changed).max();
    Ok(Document::new(
        html.into_bytes(),
        "text/html; charset=utf-8",
        last_modified,
    ))
}

/// The [`LATEST`] stories of `newest` (newest first) that lead: told by
/// more outlets first, then the newest. Within any one topic the order is
/// the same.
fn leading(mut newest: Vec<EntryRow>) -> Vec<EntryRow> {
    // A stable sort keeps date order among stories told by as many outlets.
    newest.sort_by_key(|e| std::cmp::Reverse(e.related.len()));
    newest.truncate(LATEST);
    newest
}

fn page_entry(site: &Site, e: &EntryRow) -> PageEntry {
    PageEntry {
        title: e.item.title.clone(),
        // Only web links become hrefs; askama escapes the rest of the text.
        url: entry::web_link(e.item.url.as_deref()).map(str::to_string),
        outlet: entry::outlet_name(&e.outlet),
        iso: e.item.published.to_rfc3339_opts(SecondsFormat::Secs, true),
        when: display_time(e.item.published),
        lang: entry::language(&e.outlet).map(str::to_string),
        topics: e
            .topics
            .iter()
            .filter_map(|slug| site.topic(slug))
            .map(|t| t.name.clone())
            .collect(),
        also: entry::also_reported(e)
            .into_iter()
            .map(|(name, url)| (name, url.map(str::to_string)))
            .collect(),
        image: entry::web_link(e.item.media.image.as_deref()).map(str::to_string),
        story: e
            .story_id
            .filter(|_| !e.related.is_empty())
            .map(|id| site.url(&super::story::story_path(id))),
    }
}

/// A time as the pages show it: India's time zone.
pub(super) fn display_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&DISPLAY_ZONE)
        .format("%-d %b %Y, %H:%M IST")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_india() {
        let t = DateTime::from_timestamp(1_755_060_000, 0).unwrap();
        assert_eq!(display_time(t), "13 Aug 2025, 10:10 IST");
    }
}
