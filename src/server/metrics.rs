//! `/metrics` (Prometheus text, version 0.0.4) from the process's
//! in-memory [`crate::metrics`], and the middleware that counts every HTTP
//! request into them.
//!
//! The few gauges that only the database knows (feeds by status, the due
//! backlog, the file's size) are read at most once every
//! [`GAUGES_EVERY`], by one request while the others wait for it (single
//! flight), with a read-only query over the feeds table: a loop of
//! scrapes never queues work on the blocking pool the writer needs. Only
//! clients in `server.metrics_allow` (loopback by default) are answered.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use super::client::client_addr;
use super::AppState;
use crate::metrics::{self as m, ROUTES, STATUS_CLASSES};
use crate::store::MetricsGauges;

/// How long the database's gauges are reused before they are read again.
pub const GAUGES_EVERY: Duration = Duration::from_secs(5);

/// When the database's gauges were last read; the lock is the single flight.
#[derive(Default)]
pub struct GaugeRefresh(tokio::sync::Mutex<Option<Instant>>);

/// `/metrics`: every metric, the database's gauges at most
/// [`GAUGES_EVERY`] old; 403 to a client outside `server.metrics_allow`.
pub async fn metrics(
    State(state): State<Arc<AppState>>,
    // axum 0.8 has no optional `ConnectInfo` extractor; the accept loop
    // inserts it as an extension.
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    let client = client_addr(
        state.behind_proxy,
        peer.map(|Extension(ConnectInfo(addr))| addr.ip()),
        &headers,
    );
    if !allowed(&state.metrics_allow, client) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "metrics are not served to this address (server.metrics_allow)\n",
        )
            .into_response();
    }
    refresh_gauges(&state).await;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        m::render(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether `client` is in one of the `allow` networks (an IPv4 client
/// reached over IPv6 counts as its IPv4 address).
fn allowed(allow: &[ipnet::IpNet], client: IpAddr) -> bool {
    let client = client.to_canonical();
    allow.iter().any(|net| net.contains(&client))
}

/// Reads the database's gauges unless another request did so within
/// [`GAUGES_EVERY`]; a failed read is logged and the old values stay.
async fn refresh_gauges(state: &Arc<AppState>) {
    let mut last = state.gauges.0.lock().await;
    if last.is_some_and(|at| at.elapsed() < GAUGES_EVERY) {
        return;
    }
    let reader = Arc::clone(state);
    let read = tokio::task::spawn_blocking(move || {
        reader
            .db
            .with_store(|store| Ok(store.metrics_gauges(crate::clock::now())?))
    })
    .await;
    match read {
        Ok(Ok(gauges)) => set_gauges(&gauges),
        Ok(Err(e)) => tracing::warn!(error = %e, "reading the metrics' gauges failed"),
        Err(e) => tracing::warn!(error = %e, "reading the metrics' gauges crashed"),
    }
    // A failure waits its turn too: a broken database is not asked again
    // on every scrape.
    *last = Some(Instant::now());
}

fn set_gauges(g: &MetricsGauges) {
    m::FEEDS.set(g.feeds_active as f64, &["active"]);
    m::FEEDS.set(g.feeds_gone as f64, &["gone"]);
    m::FEEDS_FAILING.set(g.feeds_failing as f64, &[]);
    m::FEEDS_DUE.set(g.feeds_due as f64, &[]);
    m::DATABASE_SIZE.set(g.database_bytes as f64, &[]);
    for state in m::WEBSUB_STATES {
        let n = g.websub.iter().find(|(s, _)| s == state).map_or(0, |p| p.1);
        m::WEBSUB_SUBSCRIPTIONS.set(n as f64, &[state]);
    }
}

/// The route label of the router's matched path (axum 0.8 writes captures
/// as `{file}`; the labels keep the `:file` form dashboards query).
fn route_label(matched: Option<&MatchedPath>) -> &'static str {
    match matched.map(MatchedPath::as_str) {
        Some("/{file}") => "/:file",
        Some("/topics/{file}") => "/topics/:file",
        Some("/websub/{token}") => "/websub/:token",
        Some(path) => ROUTES
            .iter()
            .find(|r| **r == path)
            .copied()
            .unwrap_or("other"),
        None => "other",
    }
}

/// The status class label (`2xx`…).
fn status_class(status: StatusCode) -> &'static str {
    let class = usize::from(status.as_u16() / 100);
    STATUS_CLASSES
        .get(class.wrapping_sub(1))
        .copied()
        .unwrap_or("5xx")
}

/// Middleware counting every request by route and status class, with its
/// latency.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(req.extensions().get::<MatchedPath>());
    let response = next.run(req).await;
    m::HTTP_REQUESTS.inc(&[route, status_class(response.status())]);
    m::HTTP_DURATION.observe(started.elapsed(), &[route]);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_in_their_class() {
        assert_eq!(status_class(StatusCode::OK), "2xx");
        assert_eq!(status_class(StatusCode::NOT_MODIFIED), "3xx");
        assert_eq!(status_class(StatusCode::FORBIDDEN), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
        assert_eq!(status_class(StatusCode::CONTINUE), "1xx");
    }

    #[test]
    fn the_allow_list_admits_only_its_networks() {
        let loopback: Vec<ipnet::IpNet> = crate::config::DEFAULT_METRICS_ALLOW
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(allowed(&loopback, ip("127.0.0.2")));
        assert!(allowed(&loopback, ip("::1")));
        assert!(allowed(&loopback, ip("::ffff:127.0.0.1")));
        assert!(!allowed(&loopback, ip("10.1.2.3")));
        let one: Vec<ipnet::IpNet> = vec!["127.0.0.1/32".parse().unwrap()];
        assert!(!allowed(&one, ip("127.0.0.2")));
        assert!(!allowed(&[], ip("127.0.0.1")));
    }

    #[test]
    fn unknown_paths_are_other() {
        assert_eq!(route_label(None), "other");
    }
}
