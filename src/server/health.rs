//! `/healthz` (issue #6): whether the scheduler is alive (a pass completed
//! recently, see [`Heartbeat`]) and the database takes writes (a real
//! `BEGIN IMMEDIATE` / `ROLLBACK`). 200 when both hold, else 503; the JSON
//! body says which part failed. One answer serves every request for a
//! second, so a flood of checks never crowds the writer.
//!
//! ```text
//! {"status":"ok",
//!  "scheduler":{"alive":true,"last_tick":"2026-11-23T10:00:00Z","stale_after_secs":170},
//!  "database":{"writable":true}}
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde_json::json;

use super::AppState;
use crate::scheduler::Heartbeat;

/// How long the write probe waits for another writer's lock: a writer's
/// batch commits well within this, a stuck one does not.
const PROBE_WAIT: Duration = Duration::from_secs(2);

/// How long one answer is reused: a flood of checks costs at most one
/// write probe a second.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The last answer and when it was made; the lock is the single flight
/// (requests meanwhile wait for the probe in progress).
#[derive(Default)]
pub struct HealthCache(tokio::sync::Mutex<Option<(Instant, StatusCode, String)>>);

/// `/healthz`: the scheduler's heartbeat and a database write probe, at
/// most [`FRESH_FOR`] old.
pub async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let (status, body) = {
        let mut cached = state.health.0.lock().await;
        match &*cached {
            Some((at, status, body)) if at.elapsed() < FRESH_FOR => (*status, body.clone()),
            _ => {
                let (status, body) = check(&state).await;
                *cached = Some((Instant::now(), status, body.clone()));
                (status, body)
            }
        }
    };
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Checks both parts now: the status and the JSON body.
async fn check(state: &Arc<AppState>) -> (StatusCode, String) {
    let scheduler = state.heartbeat.get().map(|h| h.status(crate::clock::now()));
    let database = probe(state).await;
    let healthy = scheduler.is_none_or(|s| s.alive) && database.is_ok();
    let body = json!({
        "status": if healthy { "ok" } else { "unhealthy" },
        // Absent when this server runs without a scheduler.
        "scheduler": scheduler.map(|s| json!({
            "alive": s.alive,
            "last_tick": s.last_tick.to_rfc3339_opts(SecondsFormat::Secs, true),
            "stale_after_secs": s.stale_after.as_secs(),
        })),
        "database": match &database {
            Ok(()) => json!({"writable": true}),
            Err(e) => json!({"writable": false, "error": e}),
        },
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, format!("{body}\n"))
}

/// The write probe, on the blocking pool; the error as the operator sees it.
async fn probe(state: &Arc<AppState>) -> Result<(), String> {
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        state
            .db
            .with_store(|store| Ok(store.probe_writable(PROBE_WAIT)?))
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(format!("the probe crashed: {e}")))
}

impl AppState {
    /// Reports `heartbeat` on `/healthz` (once; a second call is ignored).
    pub fn watch_scheduler(&self, heartbeat: Arc<Heartbeat>) {
        let _ = self.heartbeat.set(heartbeat);
    }
}
