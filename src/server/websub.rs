//! `/websub/{token}`: the callbacks of khabar's WebSub subscriptions
//! (issue #16). GET is the hub verifying intent or denying; POST is a
//! pushed document. The work is [`crate::websub::Callbacks`]'; these
//! handlers only read the request and write the answer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::websub::{HubQuery, PushOutcome, Verification};

/// The header a hub signs pushes in (W3C WebSub §8).
const SIGNATURE: &str = "x-hub-signature";

/// GET: verification of intent or denial.
pub async fn verify(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    query: Result<Query<HubQuery>, QueryRejection>,
) -> Response {
    let Some(callbacks) = state.websub.get() else {
        return text(StatusCode::NOT_FOUND, "not found\n".into());
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    match callbacks.verify(token, query).await {
        Ok(Verification::Confirm(challenge)) => text(StatusCode::OK, challenge),
        Ok(Verification::Noted) => text(StatusCode::OK, String::new()),
        Ok(Verification::Refuse) => text(StatusCode::NOT_FOUND, "not found\n".into()),
        Err(e) => {
            tracing::warn!(error = %e, "websub verification failed");
            text(StatusCode::SERVICE_UNAVAILABLE, "try again later\n".into())
        }
    }
}

/// POST: a pushed document.
pub async fn push(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(callbacks) = state.websub.get() else {
        return text(StatusCode::GONE, "gone\n".into());
    };
    let value = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let limit = usize::try_from(callbacks.max_body_bytes()).unwrap_or(usize::MAX);
    let outcome = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            callbacks
                .push(
                    token,
                    value(SIGNATURE),
                    value(header::CONTENT_TYPE.as_str()),
                    bytes.to_vec(),
                )
                .await
        }
        Err(_) => PushOutcome::TooLarge,
    };
    crate::metrics::WEBSUB_PUSHES.inc(&[outcome.label()]);
    if outcome == PushOutcome::Accepted {
        state.invalidate();
    }
    let status = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::ACCEPTED);
    text(status, String::new())
}

/// Largest subscription request read: four URLs, a secret and a number.
const MAX_HUB_REQUEST: usize = 64 * 1024;

/// POST `/websub/hub`: khabar's own hub (W3C WebSub §5.1). A valid request
/// is answered 202 and its intent verified afterwards.
pub async fn hub(State(state): State<Arc<AppState>>, body: Body) -> Response {
    let Some(hub) = state.hub.get().cloned() else {
        return text(StatusCode::NOT_FOUND, "not found\n".into());
    };
    let Ok(form) = axum::body::to_bytes(body, MAX_HUB_REQUEST).await else {
        return text(StatusCode::PAYLOAD_TOO_LARGE, "request too large\n".into());
    };
    match hub.intent(&form) {
        Ok(intent) => {
            tokio::spawn(async move {
                if let Err(e) = hub.verify(intent).await {
                    tracing::warn!(error = %e, "hub: storing a subscription failed");
                }
            });
            text(StatusCode::ACCEPTED, String::new())
        }
        Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
    }
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}
