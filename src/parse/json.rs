//! JSON Feed 1.0/1.1 (<https://jsonfeed.org/version/1.1>) → [`ParsedFeed`].
//! Read from `serde_json::Value` so that a field of the wrong type is treated as
//! absent and an item that is not an object is skipped, instead of losing the
//! whole feed.

use serde_json::{Map, Value};

use super::{
    MediaRole, ParseError, ParsedEntry, ParsedFeed, ParsedMedia, ParsedMeta, Text, TextKind,
};

/// Most media read per item: hostile feeds repeat them.
const MAX_MEDIA: usize = 32;

/// Most JSON values read from one document. A `serde_json::Value` costs tens
/// of bytes even for `0` or `{}`, so 10 MiB of `[0,0,…]` would take 160 MB; a
/// real JSON Feed of 10 MiB holds a few hundred thousand values at most.
const MAX_VALUES: usize = 1_000_000;

/// Parses a JSON document that should be a JSON Feed.
pub fn parse(text: &str) -> Result<ParsedFeed, ParseError> {
    if values_over(text, MAX_VALUES) {
        return Err(ParseError::NotJsonFeed(format!(
            "json of more than {MAX_VALUES} values"
        )));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ParseError::NotJsonFeed(format!("invalid json: {e}")))?;
    let Value::Object(feed) = value else {
        return Err(ParseError::NotJsonFeed("json is not an object".to_owned()));
    };
    let is_json_feed = string(&feed, "version").is_some_and(|v| v.contains("jsonfeed.org"));
    let Some(items) = feed
        .get("items")
        .and_then(Value::as_array)
        .filter(|_| is_json_feed)
    else {
        return Err(ParseError::NotJsonFeed(
            "json without a jsonfeed.org version and an items array".to_owned(),
        ));
    };
    let meta = ParsedMeta {
        title: string(&feed, "title").map(plain),
        link: string(&feed, "home_page_url"),
        language: string(&feed, "language"),
        hub: websub_hub(&feed),
        self_link: string(&feed, "feed_url"),
        ..ParsedMeta::default()
    };
    let entries = items
        .iter()
        .filter_map(Value::as_object)
        .map(entry)
        .collect();
    Ok(ParsedFeed { meta, entries })
}

/// The first `hubs` entry of type WebSub (JSON Feed 1.1 §"hubs").
fn websub_hub(feed: &Map<String, Value>) -> Option<String> {
    feed.get("hubs")?
        .as_array()?
        .iter()
        .filter_map(Value::as_object)
        .filter(|h| string(h, "type").is_some_and(|t| t.eq_ignore_ascii_case("websub")))
        .find_map(|h| string(h, "url"))
}

/// Whether `text` holds more than `max` JSON values, counted as separators and
/// openings outside strings: one linear pass, no allocation.
fn values_over(text: &str, max: usize) -> bool {
    let (mut count, mut in_string, mut escaped) = (0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' | b':' => count += 1,
            _ => continue,
        }
        if count > max {
            return true;
        }
    }
    false
}

fn entry(item: &Map<String, Value>) -> ParsedEntry {
    let id = match item.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let content = match string(item, "content_html") {
        Some(html) => Some(Text {
            kind: TextKind::Html,
            value: html,
            base: None,
        }),
        None => string(item, "content_text").map(plain),
    };
    ParsedEntry {
        id,
        title: string(item, "title").map(plain),
        link: string(item, "url").or_else(|| string(item, "external_url")),
        summary: string(item, "summary").map(plain),
        content,
        authors: authors(item),
        categories: item
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        published: string(item, "date_published"),
        updated: string(item, "date_modified"),
        media: media(item),
        media_description: None,
        base: None,
    }
}

/// The item's `image`, then its `attachments` (JSON Feed 1.1 §"Items").
fn media(item: &Map<String, Value>) -> Vec<ParsedMedia> {
    let image = string(item, "image").map(|url| ParsedMedia {
        role: MediaRole::Image,
        url,
        ..ParsedMedia::default()
    });
    let attachments = item
        .get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(|a| {
            Some(ParsedMedia {
                role: MediaRole::Enclosure,
                url: string(a, "url")?,
                mime_type: string(a, "mime_type"),
                size: number(a, "size_in_bytes"),
                duration: number(a, "duration_in_seconds"),
                ..ParsedMedia::default()
            })
        });
    image
        .into_iter()
        .chain(attachments)
        .take(MAX_MEDIA)
        .collect()
}

/// A number field as written (JSON Feed sizes and durations).
fn number(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// `authors` (1.1) or `author` (1.0), names only.
fn authors(item: &Map<String, Value>) -> Vec<String> {
    let list = match (item.get("authors"), item.get("author")) {
        (Some(Value::Array(list)), _) => list.iter().collect(),
        (_, Some(one)) => vec![one],
        _ => Vec::new(),
    };
    list.into_iter()
        .filter_map(Value::as_object)
        .filter_map(|a| string(a, "name"))
        .collect()
}

fn string(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn plain(value: String) -> Text {
    Text {
        kind: TextKind::Plain,
        value,
        base: None,
    }
}
