//! Everything khabar asks of an HTTP response: validators, hints, status.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{
    HeaderMap, CACHE_CONTROL, CONTENT_TYPE, ETAG, LAST_MODIFIED, LINK, RETRY_AFTER,
};

use super::FetchError;

/// The result of one fetch.
#[derive(Debug)]
pub enum FetchOutcome {
    /// 304: the validators still hold.
    NotModified {
        /// Scheduling hints from the response.
        hints: Hints,
    },
    /// 200 with a body.
    Fetched(Box<FetchedFeed>),
    /// 410: the feed is gone for good.
    Gone,
    /// Anything else.
    Failed(FetchError),
}

/// A fetched feed document.
#[derive(Debug)]
pub struct FetchedFeed {
    /// The body, decompressed, at most the cap.
    pub body: Vec<u8>,
    /// The body's bytes in the fetcher's in-flight budget: drop it (with
    /// the body, once parsed) to give them back.
    pub budget: super::BodyPermit,
    /// The Content-Type header (charset may be in it).
    pub content_type: Option<String>,
    /// The URL the body came from, after redirects.
    pub final_url: url::Url,
    /// Set when every redirect on the way was permanent (301/308).
    pub moved_permanently: Option<url::Url>,
    /// ETag to send next time.
    pub etag: Option<String>,
    /// Last-Modified to send next time.
    pub last_modified: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// Scheduling hints.
    pub hints: Hints,
    /// The WebSub links of the HTTP `Link` header.
    pub links: WebSubLinks,
}

/// The `rel="hub"` and `rel="self"` targets of a response's `Link`
/// headers (RFC 8288), as written: WebSub discovery (W3C WebSub §4)
/// prefers them to the document's own links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebSubLinks {
    /// The first `rel="hub"` target.
    pub hub: Option<String>,
    /// The first `rel="self"` target.
    pub self_url: Option<String>,
}

/// Most `Link` entries read from one response: a hostile server's header
/// can hold thousands.
const MAX_LINKS: usize = 64;

/// The WebSub links of every `Link` header of `headers`.
pub(super) fn websub_links(headers: &HeaderMap) -> WebSubLinks {
    let mut links = WebSubLinks::default();
    let values = headers.get_all(LINK).iter().filter_map(|v| v.to_str().ok());
    for (target, rels) in values.flat_map(link_values).take(MAX_LINKS) {
        let has = |name: &str| {
            rels.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case(name))
        };
        if has("hub") && links.hub.is_none() {
            links.hub = Some(target.to_owned());
        }
        if has("self") && links.self_url.is_none() {
            links.self_url = Some(target.to_owned());
        }
    }
    links
}

/// The `(target, rel)` pairs of one `Link` value: `<uri>; rel="a b", <uri>; …`.
/// Hand-written (one linear pass over a header of at most a few KiB): the
/// crates for RFC 8288 are unmaintained or pull in a regex engine.
fn link_values(value: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = value;
    std::iter::from_fn(move || loop {
        let open = rest.find('<')?;
        let close = open + rest[open..].find('>')?;
        let target = rest[open + 1..close].trim();
        rest = &rest[close + 1..];
        // The parameters run to the next ',' outside a quoted string.
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                quoted ^= c == '"';
                c == ',' && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        let params = &rest[..end];
        rest = &rest[end..];
        let rel = params.split(';').find_map(|p| {
            let (name, value) = p.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("rel")
                .then(|| value.trim().trim_matches('"'))
        });
        if let Some(rel) = rel {
            return Some((target, rel));
        }
    })
}

/// What the server says about when to come back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// Cache-Control max-age.
    pub max_age: Option<Duration>,
    /// Retry-After.
    pub retry_after: Option<Duration>,
}

/// A header's value as text, if present and visible ASCII.
pub(super) fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The validators and content type of a response.
pub(super) fn validators(headers: &HeaderMap) -> (Option<String>, Option<String>, Option<String>) {
    (
        header(headers, ETAG),
        header(headers, LAST_MODIFIED),
        header(headers, CONTENT_TYPE),
    )
}

/// Cache-Control max-age and Retry-After.
pub(super) fn hints(headers: &HeaderMap, now: DateTime<Utc>) -> Hints {
    Hints {
        max_age: header(headers, CACHE_CONTROL).and_then(|v| max_age(&v)),
        retry_after: header(headers, RETRY_AFTER).and_then(|v| retry_after(&v, now)),
    }
}

/// `max-age=N` from a Cache-Control value (RFC 9111 §5.2.2.1).
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').find_map(|d| {
        let (name, secs) = d.trim().split_once('=')?;
        name.eq_ignore_ascii_case("max-age")
            .then(|| secs.trim().trim_matches('"').parse().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

/// Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(super) fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    (at - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cases = [
            ("120", Some(120)),
            ("Mon, 23 Nov 2026 10:05:00 GMT", Some(300)),
            ("Mon, 23 Nov 2026 09:00:00 GMT", None),
            ("soon", None),
        ];
        for (value, want) in cases {
            assert_eq!(
                retry_after(value, now),
                want.map(Duration::from_secs),
                "{value}"
            );
        }
    }

    #[test]
    fn websub_links_come_from_every_link_header() {
        let cases: [(&[&str], Option<&str>, Option<&str>); 5] = [
            (
                &[r#"<https://hub.example/>; rel="hub", <https://o.example/feed>; rel="self""#],
                Some("https://hub.example/"),
                Some("https://o.example/feed"),
            ),
            (
                &[
                    "<https://h/>; rel=hub",
                    "<https://s/>; rel=\"alternate self\"",
                ],
                Some("https://h/"),
                Some("https://s/"),
            ),
            (
                &[r#"<https://a/>; title="x, y"; rel="HUB""#],
                Some("https://a/"),
                None,
            ),
            (&["<https://a/>; rel=\"next\""], None, None),
            (&["garbage <unclosed"], None, None),
        ];
        for (values, hub, self_url) in cases {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(LINK, v.parse().unwrap());
            }
            let want = WebSubLinks {
                hub: hub.map(str::to_owned),
                self_url: self_url.map(str::to_owned),
            };
            assert_eq!(websub_links(&headers), want, "{values:?}");
        }
    }

    #[test]
    fn max_age_is_found_among_other_directives() {
        let cases = [
            ("public, max-age=600", Some(600)),
            ("MAX-AGE=\"60\"", Some(60)),
            ("no-cache", None),
            ("max-age=abc", None),
        ];
        for (value, want) in cases {
            assert_eq!(max_age(value), want.map(Duration::from_secs), "{value}");
        }
    }
}
