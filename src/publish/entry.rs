//! What every format says about one entry, decided once: its id, dates,
//! authors, outlet name and the HTML it carries.

use chrono::{DateTime, Utc};
use url::Url;

use super::name_uuid;
use crate::model::SanitizedHtml;
use crate::normalize::sanitize_html;
use crate::store::{EntryRow, OutletRow};

/// The entry's stable id: a name-based UUID of its feed and identity
/// within that feed, which survive title edits, re-fetches and 301s.
pub(super) fn id(e: &EntryRow) -> String {
    name_uuid(&format!("khabar item\n{}\n{}", e.item.feed_id, e.item.key))
}

/// When the outlet last changed it (its publication date when it never said).
pub(super) fn updated(e: &EntryRow) -> DateTime<Utc> {
    e.item
        .updated
        .unwrap_or(e.item.published)
        .max(e.item.published)
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

/// The item's content, sanitised once more on the way out, relative links
/// resolved against the article.
pub(super) fn content(e: &EntryRow) -> Option<SanitizedHtml> {
    let html = e.item.content.as_ref().filter(|c| !c.is_empty())?;
    let base = e.item.url.as_deref().and_then(|u| Url::parse(u).ok());
    Some(sanitize_html(html.as_str(), base.as_ref()))
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
