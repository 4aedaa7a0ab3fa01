//! RFC 5005 paging: a position in the newest-first order ([`Cursor`]) and
//! the checked `?limit=` / `?before=` query of a feed request.
//!
//! The subscription document (`/feed.atom`) links `rel="next"` and
//! `rel="prev-archive"` to the page of older entries, `?before=CURSOR`;
//! each older page links on the same way and back to `rel="current"`, so a
//! reader can walk the whole history.

use std::fmt;

use chrono::{DateTime, Utc};

/// Entries in a document when the request names no `limit`.
pub const DEFAULT_LIMIT: usize = 50;

/// The most entries one document may hold; a larger `limit` is refused.
pub const MAX_LIMIT: usize = 500;

/// A position in the newest-first order: an entry's publication time and
/// row id. A page "before" it holds strictly older entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor {
    /// Publication time (whole seconds).
    pub published: DateTime<Utc>,
    /// Row id, breaking ties between equal times.
    pub id: i64,
}

impl Cursor {
    /// Parses the `before` parameter, `SECONDS-ID` (both plain digits).
    pub fn parse(s: &str) -> Option<Cursor> {
        let (secs, id) = s.split_once('-')?;
        let digits =
            |t: &str| !t.is_empty() && t.len() <= 18 && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(secs) || !digits(id) {
            return None;
        }
        Some(Cursor {
            published: DateTime::from_timestamp(secs.parse().ok()?, 0)?,
            id: id.parse().ok()?,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.published.timestamp(), self.id)
    }
}

/// Why a feed request's query was refused (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// `limit` is not a whole number from 1 to [`MAX_LIMIT`].
    #[error("limit must be a whole number from 1 to {MAX_LIMIT}")]
    Limit,
    /// `before` is not a cursor from a `rel="next"` link.
    #[error("before must be a position from a rel=\"next\" link")]
    Before,
    /// A parameter is given twice.
    #[error("a query parameter is repeated")]
    Repeated,
}

/// The paging part of a feed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageQuery {
    /// Entries per document.
    pub limit: usize,
    /// Only entries older than this.
    pub before: Option<Cursor>,
}

impl Default for PageQuery {
    fn default() -> Self {
        PageQuery {
            limit: DEFAULT_LIMIT,
            before: None,
        }
    }
}

impl PageQuery {
    /// Reads `limit` and `before` from a raw query string; other
    /// parameters (cache-busters some readers add) are ignored.
    pub fn parse(query: Option<&str>) -> Result<PageQuery, QueryError> {
        let mut limit = None;
        let mut before = None;
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "limit" if limit.is_some() => return Err(QueryError::Repeated),
                "before" if before.is_some() => return Err(QueryError::Repeated),
                "limit" => limit = Some(parse_limit(&value)?),
                "before" => before = Some(Cursor::parse(&value).ok_or(QueryError::Before)?),
                _ => {}
            }
        }
        Ok(PageQuery {
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            before,
        })
    }

    /// The query string of this page (`?before=…&limit=…`), empty for the
    /// default first page.
    pub fn to_query(&self) -> String {
        let mut parts = vec![];
        if let Some(before) = self.before {
            parts.push(format!("before={before}"));
        }
        if self.limit != DEFAULT_LIMIT {
            parts.push(format!("limit={}", self.limit));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

fn parse_limit(value: &str) -> Result<usize, QueryError> {
    let ok = !value.is_empty() && value.len() <= 4 && value.bytes().all(|b| b.is_ascii_digit());
    match value.parse::<usize>() {
        Ok(n) if ok && (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(QueryError::Limit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, query, expected (limit, cursor) or error.
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Result<(usize, Option<&'a str>), QueryError>,
    );

    #[test]
    fn queries_are_checked() {
        let cases: &[Case] = &[
            ("no query", None, Ok((50, None))),
            ("empty query", Some(""), Ok((50, None))),
            ("limit", Some("limit=10"), Ok((10, None))),
            ("largest limit", Some("limit=500"), Ok((500, None))),
            (
                "unknown parameter ignored",
                Some("x=1&limit=3"),
                Ok((3, None)),
            ),
            (
                "cursor",
                Some("before=1755060000-65"),
                Ok((50, Some("1755060000-65"))),
            ),
            ("negative limit", Some("limit=-1"), Err(QueryError::Limit)),
            ("zero limit", Some("limit=0"), Err(QueryError::Limit)),
            (
                "limit over the cap",
                Some("limit=501"),
                Err(QueryError::Limit),
            ),
            (
                "huge limit",
                Some("limit=99999999999999999999999"),
                Err(QueryError::Limit),
            ),
            ("word limit", Some("limit=ten"), Err(QueryError::Limit)),
            ("plus sign", Some("limit=%2B5"), Err(QueryError::Limit)),
            ("empty limit", Some("limit="), Err(QueryError::Limit)),
            (
                "repeated limit",
                Some("limit=1&limit=2"),
                Err(QueryError::Repeated),
            ),
            (
                "bad cursor",
                Some("before=yesterday"),
                Err(QueryError::Before),
            ),
            (
                "negative cursor",
                Some("before=-5-3"),
                Err(QueryError::Before),
            ),
            (
                "huge cursor",
                Some("before=99999999999999999-1"),
                Err(QueryError::Before),
            ),
        ];
        for (name, query, want) in cases {
            let got = PageQuery::parse(*query).map(|q| (q.limit, q.before.map(|c| c.to_string())));
            let want = want.clone().map(|(l, b)| (l, b.map(str::to_string)));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn a_page_query_survives_its_own_query_string() {
        let q = PageQuery {
            limit: 7,
            before: Cursor::parse("1755060000-65"),
        };
        let text = q.to_query();
        assert_eq!(text, "?before=1755060000-65&limit=7");
        assert_eq!(PageQuery::parse(Some(&text[1..])), Ok(q));
        assert_eq!(PageQuery::default().to_query(), "");
    }
}
