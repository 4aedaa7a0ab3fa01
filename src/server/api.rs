//! The read API (issue #17): JSON for other tools, with the field names
//! the README documents.
//!
//! - `GET /api/stories?topic=&since=&limit=`: the newest stories;
//! - `GET /api/stories/ID`: one story with every report;
//! - `GET /api/search?q=&page=&limit=`: search results, as `khabar search --json`.
//!
//! Errors are `{"error": "…"}` with 400 (bad parameter or query) or 404.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;

use super::feeds::internal_error;
use super::AppState;
use crate::publish::search::SearchRequest;
use crate::publish::PublishError;
use crate::search::{PageRequest, MAX_PER_PAGE};

/// Stories listed unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 20;

/// The parameters of a query string (at most 8 KiB of it is read).
fn params(raw: Option<&str>) -> Vec<(String, String)> {
    let raw = raw.unwrap_or_default().as_bytes();
    url::form_urlencoded::parse(&raw[..raw.len().min(8 * 1024)])
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `limit=` between 1 and [`MAX_PER_PAGE`].
fn limit(params: &[(String, String)]) -> Result<usize, String> {
    match param(params, "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PER_PAGE).contains(n))
            .ok_or_else(|| format!("limit must be a number from 1 to {MAX_PER_PAGE}")),
    }
}

/// `GET /api/stories?topic=&since=&limit=`: the newest stories (first
/// seen at or after `since`), of `topic`.
pub async fn stories(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let params = params(raw.as_deref());
    let limit = match limit(&params) {
        Ok(n) => n,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    let topic = param(&params, "topic").map(str::to_string);
    if let Some(t) = &topic {
        if state.site.topic(t).is_none() {
            return error(
                StatusCode::BAD_REQUEST,
                "unknown topic; the topics are listed at /",
            );
        }
    }
    let since = match param(&params, "since") {
        None => None,
        Some(v) => match crate::search::query::date(v, Utc::now()) {
            Some(t) => Some(t),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "since expects a date such as 2025-07-13, or a span such as 7d",
                )
            }
        },
    };
    let result = blocking(&state, move |store| {
        let mut rows = store.list_stories(topic.as_deref(), limit)?;
        if let Some(since) = since {
            // Newest first by first-seen time: the ones since are a prefix.
            rows.retain(|s| s.first_seen >= since);
        }
        Ok(rows)
    })
    .await;
    match result {
        Ok(rows) => json(StatusCode::OK, &rows),
        Err(e) => internal_error(&e),
    }
}

/// `GET /api/stories/ID`: a story with every report.
pub async fn story(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Some(id) = id.ok().and_then(|Path(id)| id.parse::<i64>().ok()) else {
        return error(StatusCode::NOT_FOUND, "no such story");
    };
    match blocking(&state, move |store| Ok(store.story(id)?)).await {
        Ok(Some(detail)) => json(StatusCode::OK, &detail),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such story"),
        Err(e) => internal_error(&e),
    }
}

/// `GET /api/search?q=&page=&limit=`: one page of search results.
pub async fn search(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Response {
    let params = params(raw.as_deref());
    let per_page = match limit(&params) {
        Ok(n) => n,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    let page = param(&params, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000);
    let request = SearchRequest::new(param(&params, "q").unwrap_or_default(), None, page);
    let now = Utc::now();
    let search = match request.search(&state.site, now) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let result = blocking(&state, move |store| {
        search
            .results(store, PageRequest { page, per_page }, now)
            .map_err(|e| match e {
                crate::search::SearchError::Store(e) => PublishError::from(e),
                e => PublishError::BadQuery(e.to_string()),
            })
    })
    .await;
    match result {
        Ok(results) => json(StatusCode::OK, &results),
        Err(PublishError::BadQuery(e)) => error(StatusCode::BAD_REQUEST, &e),
        Err(e) => internal_error(&e),
    }
}

/// Runs `f` on a reader connection on the blocking pool.
async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&crate::store::Store) -> Result<T, PublishError> + Send + 'static,
) -> Result<T, PublishError> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || state.db.with_store(f))
        .await
        .map_err(|e| PublishError::Render {
            format: "api",
            message: e.to_string(),
        })?
}

fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec_pretty(value) {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => internal_error(&PublishError::Render {
            format: "json",
            message: e.to_string(),
        }),
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    #[derive(Serialize)]
    struct Error<'a> {
        error: &'a str,
    }
    json(status, &Error { error: message })
}
