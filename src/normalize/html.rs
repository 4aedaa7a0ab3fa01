//! The only way to make [`SanitizedHtml`]: ammonia's whitelist (no script or
//! style, no event attributes), links made absolute and given
//! `rel="noopener noreferrer"`. Only http(s) URLs survive (issue #11): an
//! `<a>` whose link is anything else keeps its text and loses its `href`,
//! an `<img>` loses its `src`, and a relative link is never resolved
//! against a base that is not http(s).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use url::Url;

use super::urls::{is_web, web_url};
use crate::model::SanitizedHtml;

thread_local! {
    /// The base for relative URLs during one `clean` call on this thread. The
    /// shared builder cannot carry a per-call base, and building one per call
    /// costs more than the cleaning itself.
    static BASE: RefCell<Option<Url>> = const { RefCell::new(None) };
}

/// Built once: ammonia's defaults, http(s) URLs only, relative URLs
/// resolved against [`BASE`].
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https"]))
        .link_rel(Some("noopener noreferrer"))
        .url_relative(UrlRelative::Custom(Box::new(resolve_relative)))
        .attribute_filter(|_, attribute, value| match attribute {
            // `cite` (blockquote, q, del, ins) is a URL ammonia does not
            // check: kept only when it is an absolute http(s) one.
            "cite" => web_url(value).map(Cow::Borrowed),
            _ => Some(Cow::Borrowed(value)),
        });
    builder
});

/// A relative URL joined to the base; dropped when the result is not
/// http(s); kept relative when there is no base.
fn resolve_relative(url: &str) -> Option<Cow<'_, str>> {
    BASE.with(|base| match base.borrow().as_ref() {
        Some(base) => base
            .join(url)
            .ok()
            .filter(is_web)
            .map(|u| Cow::Owned(u.into())),
        None => Some(Cow::Borrowed(url)),
    })
}

/// Sanitises untrusted HTML; relative links resolve against `base` (they stay
/// relative when there is none, or when `base` is not http(s)). Nesting past
/// [`super::depth::MAX_DEPTH`] is flattened first, which keeps the tree
/// builder linear.
pub fn sanitize_html(raw: &str, base: Option<&Url>) -> SanitizedHtml {
    let raw = super::depth::limit_depth(raw);
    BASE.with(|b| *b.borrow_mut() = base.filter(|b| is_web(b)).cloned());
    let clean = SANITIZER.clean(&raw).to_string();
    BASE.with(|b| *b.borrow_mut() = None);
    SanitizedHtml::from_sanitizer(super::text::nfc(&clean))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_markup_is_removed() {
        let base = Url::parse("http://example.com/feed/").ok();
        let cases = [
            (
                "script removed",
                "<p>hi<script>alert(1)</script></p>",
                "<p>hi</p>",
            ),
            ("style removed", "<style>p{}</style><p>x</p>", "<p>x</p>"),
            (
                "onerror removed",
                "<img src=\"a.png\" onerror=\"alert(1)\">",
                "<img src=\"http://example.com/feed/a.png\">",
            ),
            (
                "javascript url removed",
                "<a href=\"javascript:alert(1)\">x</a>",
                "<a rel=\"noopener noreferrer\">x</a>",
            ),
            (
                "relative link absolute, rel added",
                "<a href=\"../a.html\">x</a>",
                "<a href=\"http://example.com/a.html\" rel=\"noopener noreferrer\">x</a>",
            ),
        ];
        for (name, raw, want) in cases {
            assert_eq!(sanitize_html(raw, base.as_ref()).as_str(), want, "{name}");
        }
    }

    // See: issue #11
    #[test]
    fn only_http_urls_survive_and_nothing_resolves_against_another_scheme() {
        let web = Url::parse("https://example.com/a/").ok();
        let cases = [
            (
                "mailto unlinked",
                "<a href=\"mailto:x@example.com\">mail</a>",
                "<a rel=\"noopener noreferrer\">mail</a>",
            ),
            (
                "data image dropped",
                "<img src=\"data:image/png;base64,AA\">",
                "<img>",
            ),
            (
                "vbscript unlinked",
                "<a href=\"VBScript:msgbox(1)\">v</a>",
                "<a rel=\"noopener noreferrer\">v</a>",
            ),
            (
                "file unlinked",
                "<a href=\"file:///etc/passwd\">f</a>",
                "<a rel=\"noopener noreferrer\">f</a>",
            ),
            (
                "entity-spelled javascript unlinked",
                "<a href=\"jav&#x09;ascript&colon;alert(1)\">j</a>",
                "<a rel=\"noopener noreferrer\">j</a>",
            ),
            (
                "javascript cite dropped",
                "<blockquote cite=\"javascript:alert(1)\">q</blockquote>",
                "<blockquote>q</blockquote>",
            ),
            (
                "web cite kept",
                "<q cite=\"https://example.org/s\">q</q>",
                "<q cite=\"https://example.org/s\">q</q>",
            ),
        ];
        for (name, raw, want) in cases {
            assert_eq!(sanitize_html(raw, web.as_ref()).as_str(), want, "{name}");
        }
        for base in [
            "mailto:desk@example.com",
            "javascript://x/%0Aalert(1)//",
            "data:text/html,x",
        ] {
            let base = Url::parse(base).ok();
            let got = sanitize_html("<a href=\"a\">a</a><img src=\"i.png\">", base.as_ref());
            assert!(!got.as_str().contains(':'), "{base:?}: {}", got.as_str());
        }
    }

    #[test]
    fn without_a_base_relative_links_stay() {
        let got = sanitize_html("<a href=\"/x\">x</a>", None);
        assert_eq!(
            got.as_str(),
            "<a href=\"/x\" rel=\"noopener noreferrer\">x</a>"
        );
    }
}
