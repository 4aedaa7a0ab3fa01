//! The only way to make [`SanitizedHtml`]: ammonia's whitelist (no script or
//! style, no event attributes, no `javascript:` URLs), links made absolute and
//! given `rel="noopener noreferrer"`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use url::Url;

use crate::model::SanitizedHtml;

thread_local! {
    /// The base for relative URLs during one `clean` call on this thread. The
    /// shared builder cannot carry a per-call base, and building one per call
    /// costs more than the cleaning itself.
    static BASE: RefCell<Option<Url>> = const { RefCell::new(None) };
}

/// Built once: ammonia's defaults, with relative URLs resolved against [`BASE`].
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .link_rel(Some("noopener noreferrer"))
        .url_relative(UrlRelative::Custom(Box::new(resolve_relative)));
    builder
});

fn resolve_relative(url: &str) -> Option<Cow<'_, str>> {
    let joined = BASE.with(|base| base.borrow().as_ref().and_then(|b| b.join(url).ok()));
    Some(joined.map_or(Cow::Borrowed(url), |u| Cow::Owned(u.into())))
}

/// Sanitises untrusted HTML; relative links resolve against `base` (they stay
/// relative when there is none). Nesting past [`super::depth::MAX_DEPTH`] is
/// flattened first, which keeps the tree builder linear.
pub fn sanitize_html(raw: &str, base: Option<&Url>) -> SanitizedHtml {
    let raw = super::depth::limit_depth(raw);
    BASE.with(|b| *b.borrow_mut() = base.cloned());
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

    #[test]
    fn without_a_base_relative_links_stay() {
        let got = sanitize_html("<a href=\"/x\">x</a>", None);
        assert_eq!(
            got.as_str(),
            "<a href=\"/x\" rel=\"noopener noreferrer\">x</a>"
        );
    }
}
