//! `/search?q=` (the results page) and `/search.atom|rss|json?q=` (a feed
//! of any query). A query is checked before anything is built: a refused
//! one is answered 400 with the reason (on the page, in the form), never
//! 500. Documents are cached by the normalised query like the other feeds,
//! and answer ETag/304 the same way.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::cache::DocKey;
use super::feeds::{internal_error, not_found, text, PAGE_CSP_FORM};
use super::{conditional, AppState};
use crate::publish::search::{form_page, SearchRequest};
use crate::publish::{Format, PublishError};

/// Results may be a minute old, like the feeds.
const SEARCH_CACHE_CONTROL: &str = "public, max-age=60";

/// Longest query string read, in bytes (a query is at most 500
/// characters; percent-encoding triples that at worst, plus `page=`).
const MAX_QUERY_STRING: usize = 8 * 1024;

/// Highest page number served.
const MAX_PAGE: usize = 1_000;

/// `q` and `page` of a query string; other parameters are ignored.
fn params(raw: Option<&str>) -> (String, usize) {
    let mut q = String::new();
    let mut page = 1;
    let raw = raw.unwrap_or_default();
    let raw = &raw[..floor_char_boundary(raw, MAX_QUERY_STRING)];
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match key.as_ref() {
            "q" => q = value.into_owned(),
            "page" => page = value.parse().unwrap_or(1).clamp(1, MAX_PAGE),
            _ => {}
        }
    }
    (q, page)
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// `/search?q=`: the page of results (the form alone without `q`).
pub async fn page(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (q, page) = params(raw.as_deref());
    let mut response = if q.trim().is_empty() {
        html(&state, StatusCode::OK, &q, None)
    } else {
        answer(&state, SearchRequest::new(&q, None, page), &headers).await
    };
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP_FORM),
    );
    response
}

/// `/search.atom?q=`, `/search.rss?q=`, `/search.json?q=` (`ext` is the
/// part after `search.`).
pub async fn feed(
    state: &Arc<AppState>,
    ext: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let Some(format) = Format::from_extension(ext) else {
        return not_found().await;
    };
    let (q, _) = params(raw);
    answer(state, SearchRequest::new(&q, Some(format), 1), headers).await
}

/// `/searches/SLUG.atom` (`.rss`, `.json`): a saved search's feed; 404
/// for a slug the config does not name.
pub async fn saved(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let request = file.rsplit_once('.').and_then(|(slug, ext)| {
        let format = Format::from_extension(ext)?;
        let search = state.site().saved_search(slug)?;
        Some(SearchRequest::saved(search, format))
    });
    match request {
        Some(request) => answer(&state, request, &headers).await,
        None => not_found().await,
    }
}

async fn answer(state: &Arc<AppState>, request: SearchRequest, headers: &HeaderMap) -> Response {
    // Checked here, cheaply, so that a refused query is neither built nor cached.
    if let Err(e) = request.search(state.site(), Utc::now()) {
        return refused(state, &request, &e.to_string());
    }
    match state.document(DocKey::Search(request.clone())).await {
        Ok(doc) => conditional::respond(&doc, headers, SEARCH_CACHE_CONTROL),
        Err(PublishError::BadQuery(message)) => refused(state, &request, &message),
        Err(e) => internal_error(&e),
    }
}

/// 400 with the reason: on the page for HTML, as text for a feed.
fn refused(state: &AppState, request: &SearchRequest, message: &str) -> Response {
    match request.format {
        None => html(
            state,
            StatusCode::BAD_REQUEST,
            &request.query,
            Some(message.to_string()),
        ),
        Some(_) => text(StatusCode::BAD_REQUEST, &format!("{message}\n")),
    }
}

/// The search form, with `error` when there is one.
fn html(state: &AppState, status: StatusCode, query: &str, error: Option<String>) -> Response {
    match form_page(state.site(), query, error) {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => internal_error(&e),
    }
}
