//! The handlers. Each checks its input, asks [`AppState::document`] and
//! answers through [`conditional::respond`]; error bodies are short fixed
//! texts that never repeat the request.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::cache::DocKey;
use super::{conditional, AppState};
use crate::publish::{FeedRequest, Format, PageQuery, PublishError};
use crate::topics::TopicSlug;

/// Pages with a search form: as [`PAGE_CSP`], but the form may submit to
/// this site.
pub(super) const PAGE_CSP_FORM: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Feeds may be a minute old; readers revalidate with ETags after that.
const FEED_CACHE_CONTROL: &str = "public, max-age=60";

/// The outlet list changes rarely.
const OPML_CACHE_CONTROL: &str = "public, max-age=300";

/// The front page loads nothing but itself; inline styles only.
const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `/feed.atom`, `/feed.rss`, `/feed.json`: every outlet merged.
pub async fn merged_feed(
    State(state): State<Arc<AppState>>,
    file: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let file = file.map(|Path(file)| file).unwrap_or_default();
    if let Some(ext) = file.strip_prefix("search.") {
        return super::search::feed(&state, ext, query.as_deref(), &headers).await;
    }
    let format = file.strip_prefix("feed.").and_then(Format::from_extension);
    match format {
        Some(format) => feed(&state, format, None, query.as_deref(), &headers).await,
        None => not_found().await,
    }
}

/// `/topics/{slug}.atom|rss|json`: one topic's items.
pub async fn topic_feed(
    State(state): State<Arc<AppState>>,
    file: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Ok(Path(file)) = file else {
        return not_found().await;
    };
    let Some((slug, format)) = file
        .rsplit_once('.')
        .and_then(|(slug, ext)| Some((slug, Format::from_extension(ext)?)))
    else {
        return not_found().await;
    };
    let known = state.site.topic(slug).map(|t| t.slug.clone());
    match known {
        Some(slug) => feed(&state, format, Some(slug), query.as_deref(), &headers).await,
        None => text(
            StatusCode::NOT_FOUND,
            "unknown topic; the topics are listed at /\n",
        ),
    }
}

async fn feed(
    state: &Arc<AppState>,
    format: Format,
    topic: Option<TopicSlug>,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let page = match PageQuery::parse(query) {
        Ok(page) => page,
        Err(e) => return text(StatusCode::BAD_REQUEST, &format!("{e}\n")),
    };
    let first_page = page.before.is_none();
    let request = FeedRequest {
        format,
        topic,
        page,
    };
    let link = state.site.hub().filter(|_| first_page).map(|hub| {
        format!(
            "<{hub}>; rel=\"hub\", <{}>; rel=\"self\"",
            state.site.url(&request.path())
        )
    });
    let mut response =
        serve_document(state, DocKey::Feed(request), headers, FEED_CACHE_CONTROL).await;
    // W3C WebSub §4: the hub and the topic, in the header too (issue #16).
    if let Some(value) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// `/`: the human page.
pub async fn index(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let mut response = serve_document(&state, DocKey::Index, &headers, FEED_CACHE_CONTROL).await;
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    response
}

/// `/stories/{id}`: every outlet's report of a story.
pub async fn story(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let id = id
        .ok()
        .and_then(|Path(id)| id.parse::<i64>().ok())
        .filter(|id| *id > 0);
    let Some(id) = id else {
        return not_found().await;
    };
    let mut response = match state.document(DocKey::Story(id)).await {
        Ok(doc) => conditional::respond(&doc, &headers, FEED_CACHE_CONTROL),
        Err(PublishError::NotFound) => {
            return text(
                StatusCode::NOT_FOUND,
                "no such story; stories are listed at /\n",
            )
        }
        Err(e) => internal_error(&e),
    };
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    response
}

/// `/opml`: the outlets, for readers that want to follow them directly.
pub async fn opml(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    serve_document(&state, DocKey::Opml, &headers, OPML_CACHE_CONTROL).await
}

/// Anything else.
pub(super) async fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "not found\n")
}

async fn serve_document(
    state: &Arc<AppState>,
    key: DocKey,
    headers: &HeaderMap,
    cache_control: &'static str,
) -> Response {
    match state.document(key).await {
        Ok(doc) => conditional::respond(&doc, headers, cache_control),
        Err(e) => internal_error(&e),
    }
}

pub(super) fn internal_error(e: &PublishError) -> Response {
    tracing::error!(error = %e, "building a document failed");
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the server log\n",
    )
}

pub(super) fn text(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}
