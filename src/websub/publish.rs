//! Telling an external hub (`websub.hub`) that khabar's feeds changed.
//!
//! W3C WebSub §4 leaves how a publisher notifies its hub to the hub; the
//! convention every public hub follows (PubSubHubbub 0.4 §7.1) is a form
//! POST with `hub.mode=publish` and the topic URL. Google's hub and
//! Superfeedr read it as `hub.url`, WebSub.rocks as `hub.topic`: both are
//! sent, one ping per topic. The hub then fetches the topic itself and
//! distributes what is new.
//!
//! [`Announcements`] decides which topics to ping: those whose document
//! changed since the hub last accepted a ping for it, and not waiting for a
//! retry. [`Publisher::ping`] sends one ping.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Method;
use tokio::time::Instant;

use crate::fetch::Outbound;

/// The first retry of a failed ping waits this long, doubling after each
/// failure…
const FIRST_RETRY: Duration = Duration::from_secs(2);

/// …up to this; a hub that is down for a day costs one ping per topic
/// every ten minutes.
const MAX_RETRY: Duration = Duration::from_secs(10 * 60);

/// What came of one publish ping; the label of
/// `khabar_websub_publish_pings_total{outcome}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingOutcome {
    /// The hub answered 2xx.
    Ok,
    /// The hub answered another status (retried with backoff).
    Refused(u16),
    /// No answer: the address guard, a connection failure or a timeout
    /// (retried with backoff).
    Unreachable(String),
}

impl PingOutcome {
    /// The metrics label.
    pub fn label(&self) -> &'static str {
        match self {
            PingOutcome::Ok => "ok",
            PingOutcome::Refused(_) => "refused",
            PingOutcome::Unreachable(_) => "unreachable",
        }
    }
}

/// Sends publish pings to one hub, through the fetch guard.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: Outbound,
    hub: url::Url,
}

impl Publisher {
    /// Pings `hub` with `client` (whose guard obeys `fetch.allow_private`).
    pub fn new(client: Outbound, hub: url::Url) -> Publisher {
        Publisher { client, hub }
    }

    /// The hub pinged.
    pub fn hub(&self) -> &url::Url {
        &self.hub
    }

    /// Tells the hub that `topic` (an absolute feed URL) changed.
    pub async fn ping(&self, topic: &str) -> PingOutcome {
        let form = [
            ("hub.mode", "publish"),
            ("hub.url", topic),
            ("hub.topic", topic),
        ];
        let request = match self.client.request(Method::POST, &self.hub) {
            Ok(request) => request,
            Err(e) => return PingOutcome::Unreachable(e.to_string()),
        };
        match request.form(&form).send().await {
            Ok(answer) if answer.status().is_success() => PingOutcome::Ok,
            Ok(answer) => PingOutcome::Refused(answer.status().as_u16()),
            Err(e) => PingOutcome::Unreachable(format!("hub {}: {e}", self.hub)),
        }
    }
}

/// What the hub was told, per topic URL.
#[derive(Debug, Default)]
pub struct Announcements {
    topics: HashMap<String, Announced>,
}

#[derive(Debug, Default)]
struct Announced {
    /// The tag of the document the hub last accepted a ping for; `None`
    /// before the first (khabar does not know what the hub heard before it
    /// started, so every topic is pinged once at start-up).
    tag: Option<String>,
    /// Failed pings in a row.
    failures: u32,
    /// No ping before this, after a failure.
    retry_at: Option<Instant>,
}

impl Announcements {
    /// Of `current` (topic URL, tag of its current document), those to
    /// ping at `now`: their document differs from the one last announced,
    /// and no retry is pending for later.
    pub fn due<'a>(
        &self,
        current: &'a [(String, String)],
        now: Instant,
    ) -> Vec<&'a (String, String)> {
        current
            .iter()
            .filter(|(topic, tag)| match self.topics.get(topic) {
                None => true,
                Some(a) => {
                    a.tag.as_deref() != Some(tag.as_str()) && a.retry_at.is_none_or(|at| at <= now)
                }
            })
            .collect()
    }

    /// Records the outcome of a ping of `topic` whose document was `tag`.
    pub fn record(&mut self, topic: &str, tag: &str, outcome: &PingOutcome, now: Instant) {
        let entry = self.topics.entry(topic.to_owned()).or_default();
        if *outcome == PingOutcome::Ok {
            *entry = Announced {
                tag: Some(tag.to_owned()),
                failures: 0,
                retry_at: None,
            };
        } else {
            entry.retry_at = Some(now + backoff(entry.failures));
            entry.failures = entry.failures.saturating_add(1);
        }
    }

    /// When the earliest pending retry is due, if any.
    pub fn next_retry(&self) -> Option<Instant> {
        self.topics.values().filter_map(|a| a.retry_at).min()
    }

    /// Failed pings in a row for `topic`.
    pub fn failures(&self, topic: &str) -> u32 {
        self.topics.get(topic).map_or(0, |a| a.failures)
    }
}

/// How long to wait before retrying after `failures` earlier failures.
fn backoff(failures: u32) -> Duration {
    FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(MAX_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(t, g)| (t.to_string(), g.to_string()))
            .collect()
    }

    /// The topics [`Announcements::due`] gives.
    fn due<'a>(a: &Announcements, current: &'a [(String, String)], now: Instant) -> Vec<&'a str> {
        a.due(current, now)
            .into_iter()
            .map(|(t, _)| t.as_str())
            .collect()
    }

    #[test]
    fn every_topic_is_due_once_then_only_when_its_document_changes() {
        let now = Instant::now();
        let mut a = Announcements::default();
        let first = current(&[("https://k/feed.atom", "t1"), ("https://k/feed.rss", "r1")]);
        assert_eq!(
            due(&a, &first, now),
            ["https://k/feed.atom", "https://k/feed.rss"]
        );
        for (topic, tag) in &first {
            a.record(topic, tag, &PingOutcome::Ok, now);
        }
        assert!(due(&a, &first, now).is_empty(), "nothing changed");
        let later = current(&[("https://k/feed.atom", "t2"), ("https://k/feed.rss", "r1")]);
        assert_eq!(due(&a, &later, now), ["https://k/feed.atom"]);
    }

    #[test]
    fn a_failed_ping_waits_its_backoff_then_is_due_again_doubling() {
        let now = Instant::now();
        let mut a = Announcements::default();
        let docs = current(&[("https://k/feed.atom", "t1")]);
        let refused = PingOutcome::Refused(500);
        a.record("https://k/feed.atom", "t1", &refused, now);
        assert!(due(&a, &docs, now).is_empty(), "not before the backoff");
        assert_eq!(a.next_retry(), Some(now + FIRST_RETRY));
        assert_eq!(due(&a, &docs, now + FIRST_RETRY), ["https://k/feed.atom"]);
        a.record("https://k/feed.atom", "t1", &refused, now);
        assert_eq!(a.next_retry(), Some(now + FIRST_RETRY * 2), "doubled");
        assert_eq!(a.failures("https://k/feed.atom"), 2);
        a.record("https://k/feed.atom", "t1", &PingOutcome::Ok, now);
        assert_eq!(a.next_retry(), None);
        assert_eq!(a.failures("https://k/feed.atom"), 0);
        assert!(due(&a, &docs, now).is_empty());
    }

    #[test]
    fn the_backoff_is_capped() {
        assert_eq!(backoff(0), FIRST_RETRY);
        assert_eq!(backoff(3), FIRST_RETRY * 8);
        assert_eq!(backoff(40), MAX_RETRY);
    }

    /// A publisher with the default fetch settings (no private address
    /// allowed) and `allow_private`.
    fn publisher(hub: &str, allow_private: &str) -> Publisher {
        let toml = format!("[fetch]\nallow_private = [{allow_private}]");
        let config = crate::config::Config::from_toml_with_env(&toml, None, Vec::new()).unwrap();
        Publisher::new(Outbound::new(&config.fetch).unwrap(), hub.parse().unwrap())
    }

    #[tokio::test]
    async fn a_ping_to_a_loopback_hub_is_refused_unless_allow_private_names_it() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hub = format!("http://{}/hub", listener.local_addr().unwrap());
        let refused = publisher(&hub, "")
            .ping("https://k.example/feed.atom")
            .await;
        let PingOutcome::Unreachable(why) = &refused else {
            panic!("{refused:?}");
        };
        assert!(why.contains("127.0.0.1 is a loopback address"), "{why}");
        // Allowed, it reaches the hub, which answers 204.
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut request = vec![0; 4096];
            let _ = conn.read(&mut request).await;
            let _ = conn
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .await;
        });
        let allowed = publisher(&hub, "\"127.0.0.1/32\"")
            .ping("https://k.example/feed.atom")
            .await;
        assert_eq!(allowed, PingOutcome::Ok);
    }

    #[test]
    fn every_outcome_is_a_declared_metrics_label() {
        let labels = [
            PingOutcome::Ok,
            PingOutcome::Refused(500),
            PingOutcome::Unreachable(String::new()),
        ]
        .map(|o| o.label());
        assert_eq!(labels.as_slice(), crate::metrics::WEBSUB_PING_OUTCOMES);
    }
}
