//! Links made absolute: against the entry's `xml:base`, then the feed URL.

use url::Url;

/// Schemes a link may have; anything else (`javascript:`, `data:`) is dropped.
const LINK_SCHEMES: [&str; 4] = ["http", "https", "ftp", "mailto"];

/// The base URL in effect: `xml_base` (itself possibly relative) resolved against `outer`.
pub fn effective_base(xml_base: Option<&str>, outer: Option<&Url>) -> Option<Url> {
    match xml_base.map(str::trim).filter(|b| !b.is_empty()) {
        Some(raw) => Url::parse(raw)
            .ok()
            .or_else(|| outer?.join(raw).ok())
            .or_else(|| outer.cloned()),
        None => outer.cloned(),
    }
}

/// An absolute link. A link that already is absolute is kept exactly as
/// written (no case or escape normalisation); a relative one is joined to
/// `base`, or kept as it is when there is no base.
pub fn absolute_link(raw: &str, base: Option<&Url>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match Url::parse(raw) {
        Ok(url) => LINK_SCHEMES.contains(&url.scheme()).then(|| raw.to_owned()),
        Err(_) => Some(
            base.and_then(|b| b.join(raw).ok())
                .map_or_else(|| raw.to_owned(), String::from),
        ),
    }
}

/// An absolute http(s) URL for `raw` (joined to `base` when relative), or
/// nothing: for URLs khabar itself requests, such as a WebSub hub.
pub fn http_url(raw: &str, base: Option<&Url>) -> Option<String> {
    let raw = raw.trim();
    let url = match base {
        Some(base) => base.join(raw).ok()?,
        None => Url::parse(raw).ok()?,
    };
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then(|| url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_absolute() {
        let feed = Url::parse("http://example.com/news/feed.xml").ok();
        let cases = [
            (
                "absolute kept as written",
                "http://item.TEST/",
                Some("http://item.TEST/"),
            ),
            (
                "relative joined",
                "a/1.html",
                Some("http://example.com/news/a/1.html"),
            ),
            ("root relative", "/x", Some("http://example.com/x")),
            ("javascript dropped", "javascript:alert(1)", None),
            ("blank", " ", None),
        ];
        for (name, raw, want) in cases {
            assert_eq!(absolute_link(raw, feed.as_ref()).as_deref(), want, "{name}");
        }
    }

    #[test]
    fn xml_base_resolves_against_outer_base() {
        let feed = Url::parse("http://example.com/feed.xml").ok();
        let base = effective_base(Some("test/"), feed.as_ref()).map(String::from);
        assert_eq!(base.as_deref(), Some("http://example.com/test/"));
    }
}
