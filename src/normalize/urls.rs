//! Links made absolute: against the entry's `xml:base`, then the feed URL.
//! Only http(s) URLs leave khabar (issue #11): a base of any other scheme
//! is ignored, and a link that is not http(s) once resolved is dropped.

use url::{ParseError, Url};

/// Whether `url` is http or https: the only schemes khabar stores and
/// publishes (never `javascript:`, `data:`, `vbscript:`, `file:`, `mailto:`).
pub fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// `url` when it is an absolute http(s) URL, else `None`: the check at
/// every place a link leaves khabar.
pub fn web_url(url: &str) -> Option<&str> {
    Url::parse(url).ok().filter(is_web).map(|_| url)
}

/// The base URL in effect: `xml_base` (itself possibly relative) resolved
/// against `outer`. A base that is not http(s) once resolved is ignored,
/// so nothing is ever resolved against `javascript:` or `mailto:`.
pub fn effective_base(xml_base: Option<&str>, outer: Option<&Url>) -> Option<Url> {
    xml_base
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .and_then(|raw| Url::parse(raw).ok().or_else(|| outer?.join(raw).ok()))
        .filter(is_web)
        .or_else(|| outer.filter(|o| is_web(o)).cloned())
}

/// An absolute http(s) link. A link that already is absolute is kept
/// exactly as written (no case or escape normalisation); a relative one is
/// joined to `base`, or kept as it is when there is no base. Anything that
/// is not http(s) once resolved is dropped.
pub fn absolute_link(raw: &str, base: Option<&Url>) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match Url::parse(raw) {
        Ok(url) => is_web(&url).then(|| raw.to_owned()),
        Err(ParseError::RelativeUrlWithoutBase) => match base {
            Some(base) => base.join(raw).ok().filter(is_web).map(String::from),
            None => Some(raw.to_owned()),
        },
        Err(_) => None,
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
            ("data dropped", "data:text/html,<script>x</script>", None),
            ("vbscript dropped", "VBScript:msgbox(1)", None),
            ("file dropped", "file:///etc/passwd", None),
            ("mailto dropped", "mailto:desk@example.com", None),
            ("ftp dropped", "ftp://example.com/a", None),
            ("tab inside the scheme", "java\tscript:alert(1)", None),
            ("bad host dropped", "http://[bad/", None),
            (
                "scheme-relative joined",
                "//cdn.example.com/x",
                Some("http://cdn.example.com/x"),
            ),
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

    // See: issue #11
    #[test]
    fn a_base_that_is_not_http_is_ignored() {
        let feed = Url::parse("https://example.com/feed.xml").ok();
        for hostile in [
            "javascript://x/%0Aalert(1)//",
            "mailto:desk@example.com",
            "data:text/html,x",
            "file:///etc/",
        ] {
            let base = effective_base(Some(hostile), feed.as_ref());
            assert_eq!(base, feed, "{hostile}");
            let link = absolute_link("a", base.as_ref());
            assert_eq!(link.as_deref(), Some("https://example.com/a"), "{hostile}");
            assert_eq!(effective_base(Some(hostile), None), None, "{hostile}");
        }
    }
}
