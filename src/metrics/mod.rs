//! The process's metrics (issue #12): counters, gauges and histograms kept
//! in memory from the start of the process, which `/metrics` writes in the
//! Prometheus text format ([`render`]). A counter never goes down while
//! the process lives (retention pruning the database changes none), and
//! no label takes a value that is not declared below, so the number of
//! series is fixed: per-feed detail is in `khabar feeds list`, never in a
//! label.
//!
//! Adding a metric is one line in the [`metrics!`] table below, and one
//! line where the event happens:
//!
//! ```
//! // In the table:
//! //   WEBSUB_PUSHES: Counter = ("khabar_websub_pushes_total",
//! //       "WebSub pushes to hubs, by outcome.", &[("outcome", &["ok", "failed"])]);
//! // Where a push ends:
//! khabar::metrics::POLLS.inc(&["ok"]);
//! ```

mod process;
mod registry;

pub use registry::{Counter, Gauge, Histogram, Labels, Metric};

/// Declares each metric as a `pub static` and lists it in [`ALL`], in the
/// order `/metrics` writes them.
macro_rules! metrics {
    ($($(#[$doc:meta])* $name:ident: $kind:ident = ($($args:expr),+ $(,)?);)*) => {
        $($(#[$doc])* pub static $name: $kind = $kind::new($($args),+);)*
        /// Every metric of the table, in order.
        pub static ALL: &[&dyn Metric] = &[$(&$name),*];
    };
}

/// The HTTP routes, as the router matches them; `other` for the rest.
pub const ROUTES: &[&str] = &[
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

/// What became of a document pushed to a WebSub callback (issue #16; the
/// labels of [`crate::websub::PushOutcome`]).
pub const WEBSUB_PUSH_OUTCOMES: &[&str] = &[
    "accepted",
    "unsigned",
    "bad_signature",
    "unknown_callback",
    "too_large",
    "unparseable",
    "failed",
];

/// What came of a publish ping to the external hub (`websub.hub`, issue
/// #16; the labels of [`crate::websub::PingOutcome`]).
pub const WEBSUB_PING_OUTCOMES: &[&str] = &["ok", "refused", "unreachable"];

/// The states of a subscription to an outlet's hub (issue #16; the names
/// of [`crate::store::SubscriptionState`]).
pub const WEBSUB_STATES: &[&str] = &[
    "new",
    "requested",
    "active",
    "denied",
    "failed",
    "unsubscribing",
];

/// HTTP status classes.
pub const STATUS_CLASSES: &[&str] = &["1xx", "2xx", "3xx", "4xx", "5xx"];

/// This build's version, the value of `khabar_build_info`'s label.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Bounds of the HTTP latency buckets, in seconds.
const HTTP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Bounds of one feed's poll time (fetch, parse, full text), in seconds.
const FETCH_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// Bounds of a whole pass's time, in seconds.
const PASS_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];

metrics! {
    /// Always 1; its label names the running version.
    BUILD_INFO: Gauge = ("khabar_build_info", "The running khabar's version (always 1).", &[("version", &[VERSION])]);
    /// Feed polls written, by what the feed answered.
    POLLS: Counter = ("khabar_polls_total", "Feed polls, by outcome.", &[("outcome", &["ok", "not_modified", "failed", "gone"])]);
    /// Items stored for the first time.
    ITEMS_STORED: Counter = ("khabar_items_stored_total", "Items stored for the first time.", &[]);
    /// Stored items whose content changed.
    ITEMS_UPDATED: Counter = ("khabar_items_updated_total", "Stored items updated in place.", &[]);
    /// Article pages fetched for full-text feeds.
    FULLTEXT_FETCHES: Counter = ("khabar_fulltext_fetches_total", "Article pages fetched for full-text feeds, by outcome.", &[("outcome", &["ok", "failed"])]);
    /// Time from the start of a feed's fetch to its parsed result.
    FETCH_DURATION: Histogram = ("khabar_fetch_duration_seconds", "Time to fetch and parse one feed (with its articles for full-text feeds).", FETCH_BUCKETS, &[]);
    /// Time of a whole poll pass.
    PASS_DURATION: Histogram = ("khabar_pass_duration_seconds", "Time of a poll pass, from the first fetch to the last write.", PASS_BUCKETS, &[]);
    /// When the last pass ended.
    LAST_PASS: Gauge = ("khabar_last_pass_timestamp_seconds", "When the last poll pass ended, since the Unix epoch (0: none yet).", &[]);
    /// Rows removed by this process's retention runs.
    RETENTION_DELETED: Counter = ("khabar_retention_deleted_total", "Rows removed by retention in this process, by kind.", &[("kind", &["items", "fetch_log", "tombstones"])]);
    /// Digests delivered.
    DIGEST_SENDS: Counter = ("khabar_digest_sends_total", "Digests sent by this process.", &[]);
    /// Digests given up on in a pass.
    DIGEST_FAILURES: Counter = ("khabar_digest_failures_total", "Digests this process gave up on in a pass (retried later or bouncing).", &[]);
    /// HTTP requests answered.
    HTTP_REQUESTS: Counter = ("khabar_http_requests_total", "HTTP requests answered, by route and status class.", &[("route", ROUTES), ("status", STATUS_CLASSES)]);
    /// HTTP answer times.
    HTTP_DURATION: Histogram = ("khabar_http_request_duration_seconds", "Time to answer HTTP requests, by route.", HTTP_BUCKETS, &[("route", ROUTES)]);
    /// Documents built from the database.
    PUBLISH_BUILDS: Counter = ("khabar_publish_builds_total", "Documents built from the database.", &[]);
    /// Documents served from memory.
    PUBLISH_CACHE_HITS: Counter = ("khabar_publish_cache_hits_total", "Documents served from memory.", &[]);
    /// Feeds by status, as last read from the database.
    FEEDS: Gauge = ("khabar_feeds", "Feeds by status.", &[("status", &["active", "gone"])]);
    /// Active feeds whose last poll failed.
    FEEDS_FAILING: Gauge = ("khabar_feeds_failing", "Active feeds whose last poll failed.", &[]);
    /// Active feeds due now and not yet polled.
    FEEDS_DUE: Gauge = ("khabar_feeds_due", "Active feeds due for a poll now (the scheduler's backlog).", &[]);
    /// Documents pushed to khabar's WebSub callbacks.
    WEBSUB_PUSHES: Counter = ("khabar_websub_pushes_total", "Documents pushed to khabar's WebSub callbacks, by outcome.", &[("outcome", WEBSUB_PUSH_OUTCOMES)]);
    /// Publish pings sent to the external hub.
    WEBSUB_PUBLISH_PINGS: Counter = ("khabar_websub_publish_pings_total", "Publish pings to the external WebSub hub (websub.hub), by outcome.", &[("outcome", WEBSUB_PING_OUTCOMES)]);
    /// Subscriptions to outlets' hubs, as last read from the database.
    WEBSUB_SUBSCRIPTIONS: Gauge = ("khabar_websub_subscriptions", "Subscriptions to outlets' WebSub hubs, by state.", &[("state", WEBSUB_STATES)]);
    /// The database's size.
    DATABASE_SIZE: Gauge = ("khabar_database_size_bytes", "Size of the SQLite database (pages in use and free), in bytes.", &[]);
}

/// Every metric, then the `process_*` families, as Prometheus text.
pub fn render() -> String {
    let mut out = String::with_capacity(16 * 1024);
    BUILD_INFO.set(1.0, &[VERSION]);
    for metric in ALL {
        metric.render(&mut out);
    }
    process::render(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_named_once_and_well() {
        let text = render();
        let mut names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .map(|l| l.split(' ').next().unwrap_or_default())
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "a family is declared twice");
        for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
            let parts: Vec<&str> = line.split(' ').collect();
            let (name, kind) = (parts[2], parts[3]);
            assert!(
                name.starts_with("khabar_") || name.starts_with("process_"),
                "{name}"
            );
            if kind == "counter" {
                assert!(name.ends_with("_total"), "counter {name} needs _total");
            }
        }
        assert!(text.contains(&format!("khabar_build_info{{version=\"{VERSION}\"}} 1\n")));
    }
}
