//! What every format says about one entry, decided once: its id, dates,
//! authors, outlet name and the HTML it carries.

use chrono::{DateTime, Utc};
use url::Url;

use super::name_uuid;
use crate::model::{Attachment, SanitizedHtml};
use crate::normalize::{sanitize_html, web_url};
use crate::store::{EntryRow, OutletRow};

/// The entry's stable id: a name-based UUID of its feed and identity
/// within that feed, which survive title edits, re-fetches and 301s.
pub(super) fn id(e: &EntryRow) -> String {
    name_uuid(&format!("khabar item\n{}\n{}", e.item.feed_id, e.item.key))
}

/// When the entry last changed: the outlet's last change to the item (its
/// publication date when it never said), or, if later, when another
/// outlet's report last joined its story — the entry's "Also reported by"
/// grew then, and readers refresh an entry by this date.
pub(super) fn updated(e: &EntryRow) -> DateTime<Utc> {
    let own = e
        .item
        .updated
        .unwrap_or(e.item.published)
        .max(e.item.published);
    e.story_last_seen.map_or(own, |joined| own.max(joined))
}

/// When khabar last stored a change to what the entry shows: the item
/// itself, or its story growing (for `Last-Modified` and feed-level dates).
pub(super) fn changed(e: &EntryRow) -> DateTime<Utc> {
    e.story_last_seen
        .map_or(e.last_changed, |joined| e.last_changed.max(joined))
}

/// The item's authors, or the outlet when it names none.
pub(super) fn authors(e: &EntryRow) -> Vec<String> {
    if e.item.authors.is_empty() {
        vec![outlet_name(&e.outlet)]
    } else {
        e.item.authors.clone()
    }
}

/// The outlet's title, else its site's host, else its feed URL.
pub(super) fn outlet_name(o: &OutletRow) -> String {
    o.title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| {
            let site = o.site_url.as_deref()?;
            Url::parse(site).ok()?.host_str().map(str::to_string)
        })
        .unwrap_or_else(|| o.feed_url.clone())
}

/// The item's content (else its summary as a paragraph), then a paragraph
/// naming the story's other outlets — "Also reported by: <a>Outlet</a>, …"
/// — sanitised once more on the way out, relative links resolved against
/// the article. `None` when there is neither content nor another outlet.
pub(super) fn content(e: &EntryRow) -> Option<SanitizedHtml> {
    let own = e.item.content.as_ref().filter(|c| !c.is_empty());
    if own.is_none() && e.related.is_empty() {
        return None;
    }
    let mut html = match (own, summary(e)) {
        (Some(c), _) => c.as_str().to_string(),
        (None, Some(s)) => format!("<p>{}</p>", escape_html(s)),
        (None, None) => String::new(),
    };
    html.push_str(&also_reported_html(e));
    let base = web_link(e.item.url.as_deref()).and_then(|u| Url::parse(u).ok());
    Some(sanitize_html(&html, base.as_ref()))
}

/// "Also reported by: …" as HTML, each outlet linked to its report; empty
/// when the story has no other outlet. Names and links are escaped here and
/// the result is sanitised with the content.
fn also_reported_html(e: &EntryRow) -> String {
    if e.related.is_empty() {
        return String::new();
    }
    let names: Vec<String> = also_reported(e)
        .into_iter()
        .map(|(name, url)| match url {
            Some(url) => format!(
                "<a href=\"{}\">{}</a>",
                escape_html(url),
                escape_html(&name)
            ),
            None => escape_html(&name),
        })
        .collect();
    format!("<p>Also reported by: {}</p>", names.join(", "))
}

/// The story's other outlets with a web link to their report, in order.
pub(super) fn also_reported(e: &EntryRow) -> Vec<(String, Option<&str>)> {
    e.related
        .iter()
        .map(|r| (outlet_name(&r.outlet), web_link(r.url.as_deref())))
        .collect()
}

/// Media RSS, for the picture in Atom and RSS (`media:thumbnail`).
pub(super) const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

/// Media type given for an attachment whose type the outlet did not say
/// (RSS and JSON Feed require one).
pub(super) const UNKNOWN_MIME: &str = "application/octet-stream";

/// The item's picture, when it is a web link.
pub(super) fn image(e: &EntryRow) -> Option<&str> {
    web_link(e.item.media.image.as_deref())
}

/// The item's attachments that are web links, in order.
pub(super) fn attachments(e: &EntryRow) -> impl Iterator<Item = &Attachment> {
    e.item
        .media
        .attachments
        .iter()
        .filter(|a| web_link(Some(&a.url)).is_some())
}

/// A link only when it is http(s): nothing else leaves khabar (issue #11),
/// whatever an older version stored.
pub(super) fn web_link(url: Option<&str>) -> Option<&str> {
    url.and_then(web_url)
}

/// Text escaped for HTML element content and quoted attributes.
pub(super) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The plain-text summary, when there is one.
pub(super) fn summary(e: &EntryRow) -> Option<&str> {
    e.item.summary.as_deref().filter(|s| !s.trim().is_empty())
}

/// The outlet's language tag, when it declared a plausible one.
pub(super) fn language(o: &OutletRow) -> Option<&str> {
    let lang = o.language.as_deref()?.trim();
    let plausible = !lang.is_empty()
        && lang.len() <= 35
        && lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plausible.then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outlet(title: Option<&str>, site: Option<&str>, lang: Option<&str>) -> OutletRow {
        OutletRow {
            id: 1,
            feed_url: "https://a.example/rss".into(),
            title: title.map(str::to_string),
            site_url: site.map(str::to_string),
            language: lang.map(str::to_string),
        }
    }

    #[test]
    fn an_outlet_is_named_by_title_then_host_then_feed() {
        let cases = [
            (outlet(Some("लोक दर्पण"), None, None), "लोक दर्पण"),
            (
                outlet(Some("  "), Some("https://lok.example/x"), None),
                "lok.example",
            ),
            (outlet(None, None, None), "https://a.example/rss"),
        ];
        for (o, want) in cases {
            assert_eq!(outlet_name(&o), want, "{o:?}");
        }
    }

    #[test]
    fn only_plausible_language_tags_are_used() {
        let cases = [
            (Some("hi-IN"), Some("hi-IN")),
            (Some(" en "), Some("en")),
            (Some("hi\"><x"), None),
            (Some(""), None),
            (None, None),
        ];
        for (given, want) in cases {
            assert_eq!(language(&outlet(None, None, given)), want, "{given:?}");
        }
    }
}
