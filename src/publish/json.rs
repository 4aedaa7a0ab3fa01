//! JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/). JSON Feed has no
//! source element, so each item names its outlet in a `_source` extension
//! object (extension keys start with `_`, §"Extensions").

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{entry, Page, PublishError};
use crate::store::EntryRow;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<JsonHub<'a>>,
    authors: [Author; 1],
    items: Vec<JsonItem>,
}

/// JSON Feed 1.1 `hubs`: the WebSub hub (issue #16).
#[derive(Serialize)]
struct JsonHub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Author {
    name: String,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    date_published: String,
    date_modified: String,
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<JsonAttachment>,
    _source: JsonSource,
}

#[derive(Serialize)]
struct JsonAttachment {
    url: String,
    mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_in_seconds: Option<u64>,
}

#[derive(Serialize)]
struct JsonSource {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<String>,
    feed_url: String,
}

/// The feed as JSON Feed 1.1.
pub fn render(page: &Page<'_>) -> Result<Vec<u8>, PublishError> {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &page.title,
        home_page_url: page.site.home(),
        feed_url: &page.self_url,
        description: &page.subtitle,
        next_url: page.next_url.as_deref(),
        hubs: page
            .hub()
            .map(|url| JsonHub {
                kind: "WebSub",
                url,
            })
            .into_iter()
            .collect(),
        authors: [Author {
            name: super::GENERATOR.into(),
        }],
        items: page.entries.iter().map(|e| to_item(page, e)).collect(),
    };
    serde_json::to_vec_pretty(&feed).map_err(|e| PublishError::Render {
        format: "json",
        message: e.to_string(),
    })
}

fn to_item(page: &Page<'_>, e: &EntryRow) -> JsonItem {
    let content_html = entry::content(e).map(|c| c.as_str().to_string());
    let summary = entry::summary(e).map(str::to_string);
    JsonItem {
        id: entry::id(e),
        url: entry::web_link(e.item.url.as_deref()).map(str::to_string),
        title: e.item.title.clone(),
        // JSON Feed requires one of the two; the summary stands in.
        content_text: content_html
            .is_none()
            .then(|| summary.clone().unwrap_or_else(|| e.item.title.clone())),
        content_html,
        summary,
        date_published: rfc3339(e.item.published),
        date_modified: rfc3339(entry::updated(e)),
        authors: entry::authors(e)
            .into_iter()
            .map(|name| Author { name })
            .collect(),
        tags: e
            .topics
            .iter()
            .filter(|slug| page.site.topic(slug).is_some())
            .cloned()
            .collect(),
        language: entry::language(&e.outlet).map(str::to_string),
        image: entry::image(e).map(str::to_string),
        attachments: entry::attachments(e)
            .map(|a| JsonAttachment {
                url: a.url.clone(),
                mime_type: a
                    .mime_type
                    .clone()
                    .unwrap_or_else(|| entry::UNKNOWN_MIME.to_string()),
                size_in_bytes: a.size_bytes,
                duration_in_seconds: a.duration_secs,
            })
            .collect(),
        _source: JsonSource {
            title: entry::outlet_name(&e.outlet),
            home_page_url: entry::web_link(e.outlet.site_url.as_deref()).map(str::to_string),
            feed_url: e.outlet.feed_url.clone(),
        },
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
