//! `/metrics` in the Prometheus text format (version 0.0.4): HTTP requests
//! and latencies counted in memory by a middleware, document builds, and
//! the pipeline's totals read from the database (polls, items, errors by
//! feed).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use crate::store::PublishStats;
use crate::websub::PushOutcome;

/// Route labels: the router's matched paths (captures as `:name`), and
/// everything else.
const ROUTES: [&str; 13] = [
    "/",
    "/:file",
    "/topics/:file",
    "/opml",
    "/healthz",
    "/metrics",
    "/subscribe",
    "/confirm",
    "/unsubscribe",
    "/preferences",
    "/websub/hub",
    "/websub/:token",
    "other",
];

/// Status codes counted by name; others count as `other`.
const STATUSES: [u16; 10] = [200, 304, 400, 403, 404, 405, 408, 429, 500, 503];

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Histogram {
    /// Per bucket, not cumulative; the last slot is +Inf.
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// Counters kept in memory for the life of the process.
#[derive(Default)]
pub struct Metrics {
    requests: [[AtomicU64; STATUSES.len() + 1]; ROUTES.len()],
    latency: [Histogram; ROUTES.len()],
    builds: AtomicU64,
    cache_hits: AtomicU64,
    digest_sends: AtomicU64,
    digest_failures: AtomicU64,
    websub_pushes: [AtomicU64; PushOutcome::ALL.len()],
}

impl Metrics {
    fn record(&self, route: usize, status: StatusCode, took: Duration) {
        let status = STATUSES
            .iter()
            .position(|s| *s == status.as_u16())
            .unwrap_or(STATUSES.len());
        self.requests[route][status].fetch_add(1, Ordering::Relaxed);
        let h = &self.latency[route];
        let secs = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        h.counts[bucket].fetch_add(1, Ordering::Relaxed);
        h.sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Counts a document built from the database.
    pub fn document_built(&self) {
        self.builds.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a document served from memory.
    pub fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts digests given up on in a pass (left pending or bouncing).
    pub fn digests_failed(&self, n: u64) {
        self.digest_failures.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts digests sent; the daemon's digest loop reports here.
    pub fn digests_sent(&self, n: u64) {
        self.digest_sends.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a pushed document by what became of it (issue #16).
    pub fn websub_push(&self, outcome: PushOutcome) {
        if let Some(i) = PushOutcome::ALL.iter().position(|o| *o == outcome) {
            self.websub_pushes[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Documents built from the database so far.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    /// Everything, with the database's totals, as Prometheus text.
    pub fn render(&self, stats: &PublishStats) -> String {
        let mut out = String::with_capacity(4096);
        self.render_http(&mut out);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        single(
            &mut out,
            "counter",
            "khabar_publish_builds_total",
            "Documents built from the database.",
            load(&self.builds),
        );
        single(
            &mut out,
            "counter",
            "khabar_publish_cache_hits_total",
            "Documents served from memory.",
            load(&self.cache_hits),
        );
        single(
            &mut out,
            "counter",
            "khabar_digest_sends_total",
            "Digests sent by this process.",
            load(&self.digest_sends),
        );
        single(
            &mut out,
            "counter",
            "khabar_digest_failures_total",
            "Digests this process gave up on in a pass (retried later or bouncing).",
            load(&self.digest_failures),
        );
        let pushes: Vec<(String, u64)> = PushOutcome::ALL
            .iter()
            .zip(&self.websub_pushes)
            .map(|(o, n)| (o.label().to_owned(), load(n)))
            .collect();
        labelled(
            &mut out,
            "counter",
            "khabar_websub_pushes_total",
            "Documents pushed to WebSub callbacks, by outcome.",
            "outcome",
            &pushes,
        );
        render_stats(&mut out, stats);
        out
    }

    fn render_http(&self, out: &mut String) {
        out.push_str(
            "# HELP khabar_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE khabar_http_requests_total counter\n");
        for (r, route) in ROUTES.iter().enumerate() {
            for (s, n) in self.requests[r].iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    let status = STATUSES.get(s).map_or("other".into(), u16::to_string);
                    let _ = writeln!(
                        out,
                        "khabar_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                    );
                }
            }
        }
        out.push_str(
            "# HELP khabar_http_request_duration_seconds Time to answer HTTP requests, by route.\n",
        );
        out.push_str("# TYPE khabar_http_request_duration_seconds histogram\n");
        for (r, route) in ROUTES.iter().enumerate() {
            let h = &self.latency[r];
            let counts: Vec<u64> = h.counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                continue;
            }
            let mut cumulative = 0;
            for (i, le) in BUCKETS.iter().enumerate() {
                cumulative += counts[i];
                let _ = writeln!(
                    out,
                    "khabar_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(out, "khabar_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {total}");
            let _ = writeln!(
                out,
                "khabar_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "khabar_http_request_duration_seconds_count{{route=\"{route}\"}} {total}"
            );
        }
    }
}

fn render_stats(out: &mut String, s: &PublishStats) {
    single(out, "gauge", "khabar_items", "Items stored.", s.items);
    labelled(
        out,
        "gauge",
        "khabar_topic_items",
        "Items tagged with each topic.",
        "topic",
        &s.items_by_topic,
    );
    labelled(
        out,
        "gauge",
        "khabar_feeds",
        "Feeds by status.",
        "status",
        &s.feeds_by_status,
    );
    labelled(
        out,
        "counter",
        "khabar_polls_total",
        "Polls logged, by outcome.",
        "outcome",
        &s.polls_by_outcome,
    );
    labelled(
        out,
        "counter",
        "khabar_feed_poll_errors_total",
        "Failed polls, by feed.",
        "feed",
        &s.failures_by_feed,
    );
    labelled(
        out,
        "gauge",
        "khabar_feed_consecutive_errors",
        "Consecutive failures of each failing feed.",
        "feed",
        &s.failing_feeds,
    );
    labelled(
        out,
        "gauge",
        "khabar_websub_subscriptions",
        "Subscriptions to outlets' WebSub hubs, by state.",
        "state",
        &s.websub_by_state,
    );
}

fn single(out: &mut String, kind: &str, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}

fn labelled(
    out: &mut String,
    kind: &str,
    name: &str,
    help: &str,
    label: &str,
    values: &[(String, u64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (key, v) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {v}", escape_label(key));
    }
}

/// A label value as the text format requires: `\`, `"` and newlines escaped.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware counting every request by route and status, with its latency.
pub async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| {
            // axum 0.8 writes captures as `{file}`; the labels keep the
            // `:file` form that dashboards already query.
            let label = m.as_str().replace('{', ":").replace('}', "");
            ROUTES.iter().position(|r| *r == label)
        })
        .unwrap_or(ROUTES.len() - 1);
    let response = next.run(req).await;
    state
        .metrics
        .record(route, response.status(), started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_latencies_are_rendered_per_route() {
        let m = Metrics::default();
        m.record(2, StatusCode::OK, Duration::from_millis(3));
        m.record(2, StatusCode::NOT_MODIFIED, Duration::from_micros(100));
        m.record(2, StatusCode::IM_A_TEAPOT, Duration::from_secs(9));
        let text = m.render(&PublishStats::default());
        for want in [
            "khabar_http_requests_total{route=\"/topics/:file\",status=\"200\"} 1",
            "khabar_http_requests_total{route=\"/topics/:file\",status=\"304\"} 1",
            "khabar_http_requests_total{route=\"/topics/:file\",status=\"other\"} 1",
            "khabar_http_request_duration_seconds_bucket{route=\"/topics/:file\",le=\"0.0005\"} 1",
            "khabar_http_request_duration_seconds_bucket{route=\"/topics/:file\",le=\"0.005\"} 2",
            "khabar_http_request_duration_seconds_bucket{route=\"/topics/:file\",le=\"+Inf\"} 3",
            "khabar_http_request_duration_seconds_count{route=\"/topics/:file\"} 3",
        ] {
            assert!(text.contains(want), "missing {want}\n{text}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let stats = PublishStats {
            failing_feeds: vec![("https://x.example/\"a\\b\n".into(), 2)],
            ..PublishStats::default()
        };
        let text = Metrics::default().render(&stats);
        assert!(text.contains(
            "khabar_feed_consecutive_errors{feed=\"https://x.example/\\\"a\\\\b\\n\"} 2"
        ));
    }
}
