//! The `khabar parse --json` document (shape in DESIGN.md).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::model::{NewItem, NormalizedFeed};

/// `{"feed": {title, link, language, updated}, "items": [{id, title, link,
/// published, updated, authors, categories, summary, content, image,
/// attachments}]}`; absent values are `null`, lists `[]`, dates RFC 3339 in
/// UTC. `image` is the item's picture, `attachments` its files as JSON Feed
/// names them (`url`, `mime_type`, `size_in_bytes`, `duration_in_seconds`).
pub fn parse_report(feed: &NormalizedFeed) -> Value {
    let meta = &feed.meta;
    json!({
        "feed": {
            "title": meta.title,
            "link": meta.link,
            "language": meta.language,
            "updated": meta.updated.map(rfc3339),
        },
        "items": feed.items.iter().map(item).collect::<Vec<_>>(),
    })
}

fn item(item: &NewItem) -> Value {
    json!({
        "id": item.guid,
        "title": item.title,
        "link": item.link,
        "published": item.published.map(rfc3339),
        "updated": item.updated.map(rfc3339),
        "authors": item.authors,
        "categories": item.categories,
        "summary": item.summary,
        "content": item.content.as_ref().map(|c| c.as_str()),
        "image": item.media.image,
        "attachments": item.media.attachments.iter().map(|a| json!({
            "url": a.url,
            "mime_type": a.mime_type,
            "size_in_bytes": a.size_bytes,
            "duration_in_seconds": a.duration_secs,
        })).collect::<Vec<_>>(),
    })
}

fn rfc3339(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}
