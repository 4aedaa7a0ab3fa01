//! Conditional GET and content coding for cached documents (RFC 9110
//! §13.1, §12.5.3): 304 when the client's validator still holds, gzip when
//! the client accepts it.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use chrono::{DateTime, Utc};

use super::cache::Served;

/// The response to a GET of `doc` with the request's `headers`.
pub fn respond(doc: &Served, headers: &HeaderMap, cache_control: &'static str) -> Response<Body> {
    let gzip = doc.gzip.as_ref().filter(|_| accepts_gzip(headers));
    let etag = if gzip.is_some() {
        &doc.etag_gzip
    } else {
        &doc.etag
    };
    let fresh = if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        // If-None-Match, when present, decides alone (§13.2.2 step 3).
        inm.to_str().is_ok_and(|v| none_match_hits(v, &doc.tag))
    } else if let Some(ims) = headers.get(header::IF_MODIFIED_SINCE) {
        let since = ims
            .to_str()
            .ok()
            .and_then(|v| httpdate::parse_http_date(v).ok());
        match (since, &doc.last_modified) {
            (Some(since), Some((modified, _))) => !newer_than(*modified, since.into()),
            _ => false,
        }
    } else {
        false
    };
    let mut builder = Response::builder()
        .header(header::ETAG, etag.clone())
        .header(header::CACHE_CONTROL, cache_control)
        .header(header::VARY, "Accept-Encoding");
    if let Some((_, value)) = &doc.last_modified {
        builder = builder.header(header::LAST_MODIFIED, value.clone());
    }
    if fresh {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    builder = builder.header(header::CONTENT_TYPE, doc.content_type.clone());
    let body = match gzip {
        Some(zipped) => {
            builder = builder.header(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            zipped.clone()
        }
        None => doc.body.clone(),
    };
    builder.body(Body::from(body)).unwrap_or_default()
}

/// Whether an If-None-Match list names this document (weak comparison, as
/// §13.1.2 requires; the gzip representation's tag counts too).
fn none_match_hits(list: &str, tag: &str) -> bool {
    list.split(',').map(str::trim).any(|candidate| {
        if candidate == "*" {
            return true;
        }
        let opaque = candidate.strip_prefix("W/").unwrap_or(candidate);
        let Some(opaque) = opaque.strip_prefix('"').and_then(|o| o.strip_suffix('"')) else {
            return false;
        };
        opaque == tag || opaque.strip_suffix("-gz") == Some(tag)
    })
}

/// Whether `modified` is later than `since`, at HTTP-date's one-second grain.
fn newer_than(modified: DateTime<Utc>, since: DateTime<Utc>) -> bool {
    modified.timestamp() > since.timestamp()
}

/// Whether Accept-Encoding admits gzip (`gzip` or `*` without `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::Document;

    fn doc() -> Served {
        let modified = DateTime::from_timestamp(1_755_060_000, 0);
        Served::new(Document::new(
            "ख़बर ".repeat(100).into_bytes(),
            "text/plain",
            modified,
        ))
    }

    fn get(doc: &Served, headers: &[(&'static str, &str)]) -> Response<Body> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        respond(doc, &map, "public, max-age=60")
    }

    /// Name, request headers, expected status.
    type Case<'a> = (&'a str, Vec<(&'static str, &'a str)>, StatusCode);

    #[test]
    fn validators_decide_between_200_and_304() {
        let d = doc();
        let etag = format!("\"{}\"", d.tag);
        let gz = format!("W/\"{}-gz\"", d.tag);
        let listed = format!("\"x\", {etag}");
        let lm = "Wed, 13 Aug 2025 04:40:00 GMT";
        let cases: &[Case] = &[
            ("no validators", vec![], StatusCode::OK),
            (
                "matching etag",
                vec![("if-none-match", &etag)],
                StatusCode::NOT_MODIFIED,
            ),
            (
                "gzip etag, weak",
                vec![("if-none-match", &gz)],
                StatusCode::NOT_MODIFIED,
            ),
            (
                "etag in a list",
                vec![("if-none-match", &listed)],
                StatusCode::NOT_MODIFIED,
            ),
            (
                "star",
                vec![("if-none-match", "*")],
                StatusCode::NOT_MODIFIED,
            ),
            (
                "other etag",
                vec![("if-none-match", "\"x\"")],
                StatusCode::OK,
            ),
            (
                "unquoted etag",
                vec![("if-none-match", &d.tag)],
                StatusCode::OK,
            ),
            (
                "same date",
                vec![("if-modified-since", lm)],
                StatusCode::NOT_MODIFIED,
            ),
            (
                "later date",
                vec![("if-modified-since", "Thu, 14 Aug 2025 00:00:00 GMT")],
                StatusCode::NOT_MODIFIED,
            ),
            (
                "earlier date",
                vec![("if-modified-since", "Tue, 12 Aug 2025 00:00:00 GMT")],
                StatusCode::OK,
            ),
            (
                "garbage date",
                vec![("if-modified-since", "<script>")],
                StatusCode::OK,
            ),
            (
                "etag decides over date",
                vec![("if-none-match", "\"x\""), ("if-modified-since", lm)],
                StatusCode::OK,
            ),
        ];
        for (name, headers, want) in cases {
            let r = get(&d, headers);
            assert_eq!(r.status(), *want, "{name}");
            assert!(r.headers().contains_key(header::ETAG), "{name}: etag");
            assert!(r.headers().contains_key(header::LAST_MODIFIED), "{name}");
        }
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        let d = doc();
        let cases = [
            ("none", "", false),
            ("gzip", "gzip, deflate, br", true),
            ("star", "*", true),
            ("refused", "gzip;q=0, br", false),
            ("weighted", "br;q=1.0, gzip;q=0.5", true),
        ];
        for (name, accept, want) in cases {
            let r = get(&d, &[("accept-encoding", accept)]);
            let zipped = r.headers().get(header::CONTENT_ENCODING).is_some();
            assert_eq!(zipped, want, "{name}");
            let etag = r.headers()[header::ETAG].to_str().unwrap().to_string();
            assert_eq!(
                etag.ends_with("-gz\""),
                want,
                "{name}: etag names the coding"
            );
        }
    }
}
