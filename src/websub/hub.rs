//! khabar as a WebSub hub for its own feeds (W3C WebSub §6–§8): accepts
//! (un)subscription requests for its own topic URLs only, verifies the
//! subscriber's intent with a GET carrying `hub.challenge`, keeps verified
//! subscriptions with their lease (at most `websub.max_subscribers`), and
//! delivers a feed's new document to its subscribers signed with their
//! secret, retrying with backoff and dropping callbacks that answer 410 or
//! keep failing.
//!
//! Which document is current is the server's to say: [`Hub::deliver`] takes
//! the document, the server's distributor decides when.
//!
//! With `websub.hub` set, the feeds are distributed by that hub instead:
//! this one refuses every request, naming it ([`Hub::served_elsewhere`]).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{CONTENT_TYPE, LINK};
use reqwest::Method;

use super::conn::Conn;
use super::signature;
use super::subscriber::backoff;
use crate::fetch::Outbound;
use crate::publish::{FeedRequest, Site};
use crate::store::{HubMode, HubSubscribe, HubSubscriberRow, StoreError};

/// §5.1: "hub.secret … MUST be less than 200 bytes".
const MAX_SECRET: usize = 199;

/// Shortest lease granted, whatever is asked.
const MIN_LEASE: Duration = Duration::from_secs(1);

/// Deliveries that fail in a row before the subscription is dropped.
pub const MAX_DELIVERY_FAILURES: u32 = 8;

/// Most bytes of a verification answer read (a challenge is short).
const MAX_ANSWER: usize = 4096;

/// Why a request to the hub is refused (400, with this text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubRequestError {
    /// `hub.mode` is missing or not subscribe/unsubscribe.
    #[error("hub.mode must be subscribe or unsubscribe")]
    Mode,
    /// `hub.topic` is not one of khabar's feeds.
    #[error("hub.topic must be one of this site's feeds (feed.atom, topics/SLUG.json, …)")]
    Topic,
    /// `hub.callback` is not an absolute http(s) URL.
    #[error("hub.callback must be an absolute http or https URL")]
    Callback,
    /// `hub.secret` is 200 bytes or more.
    #[error("hub.secret must be less than 200 bytes")]
    Secret,
    /// The feeds are distributed by another hub (`websub.hub`).
    #[error("this site's feeds are distributed by the hub at {0}: subscribe there")]
    Elsewhere(String),
}

/// A checked (un)subscription request.
#[derive(Clone, PartialEq, Eq)]
pub struct Intent {
    /// Subscribe or unsubscribe.
    pub mode: HubMode,
    /// The topic URL as the subscriber wrote it.
    pub topic: String,
    /// The feed's path relative to the site.
    pub path: String,
    /// Where to verify and push.
    pub callback: url::Url,
    /// The subscriber's HMAC key.
    pub secret: Option<String>,
    /// The lease granted.
    pub lease: Duration,
}

impl std::fmt::Debug for Intent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intent")
            .field("mode", &self.mode)
            .field("topic", &self.topic)
            .field("callback", &self.callback.as_str())
            .finish_non_exhaustive()
    }
}

/// What a delivery came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// 2xx: delivered.
    Delivered,
    /// 410: the subscriber is gone; dropped.
    Gone,
    /// Anything else: retried later, dropped after too many.
    Failed,
}

/// The hub.
#[derive(Debug, Clone)]
pub struct Hub {
    client: Outbound,
    conn: Conn,
    site: Site,
    max_lease: Duration,
    max_subscribers: usize,
    elsewhere: Option<url::Url>,
}

impl Hub {
    /// The hub of `site`'s feeds, granting leases up to `max_lease`.
    pub fn new(
        client: Outbound,
        database: PathBuf,
        site: Site,
        max_lease: Duration,
        max_subscribers: usize,
    ) -> Hub {
        Hub {
            client,
            conn: Conn::new(database),
            site,
            max_lease,
            max_subscribers,
            elsewhere: None,
        }
    }

    /// This hub with the feeds distributed by `hub` instead (`websub.hub`):
    /// every request is refused with [`HubRequestError::Elsewhere`].
    pub fn served_elsewhere(self, hub: url::Url) -> Hub {
        Hub {
            elsewhere: Some(hub),
            ..self
        }
    }

    /// The site whose feeds it serves.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Checks a form-encoded request body (§5.1).
    pub fn intent(&self, form: &[u8]) -> Result<Intent, HubRequestError> {
        if let Some(hub) = &self.elsewhere {
            return Err(HubRequestError::Elsewhere(hub.to_string()));
        }
        let mut fields = std::collections::HashMap::new();
        for (k, v) in url::form_urlencoded::parse(form).take(32) {
            fields.entry(k.into_owned()).or_insert(v.into_owned());
        }
        let get = |k: &str| fields.get(k).map(String::as_str);
        let mode = get("hub.mode")
            .and_then(HubMode::parse)
            .ok_or(HubRequestError::Mode)?;
        let topic = get("hub.topic").ok_or(HubRequestError::Topic)?.to_owned();
        let path = topic
            .strip_prefix(self.site.home().as_str())
            .filter(|p| FeedRequest::from_path(&self.site, p).is_some())
            .ok_or(HubRequestError::Topic)?
            .to_owned();
        let callback = get("hub.callback")
            .and_then(|c| url::Url::parse(c).ok())
            .filter(|c| matches!(c.scheme(), "http" | "https") && c.host().is_some())
            .ok_or(HubRequestError::Callback)?;
        let secret = get("hub.secret").filter(|s| !s.is_empty());
        if secret.is_some_and(|s| s.len() > MAX_SECRET) {
            return Err(HubRequestError::Secret);
        }
        let lease = get("hub.lease_seconds")
            .and_then(|s| s.trim().parse().ok())
            .map_or(self.max_lease, Duration::from_secs)
            .clamp(MIN_LEASE, self.max_lease.max(MIN_LEASE));
        Ok(Intent {
            mode,
            topic,
            path,
            callback,
            secret: secret.map(str::to_owned),
            lease,
        })
    }

    /// Verifies the subscriber's intent (§5.3) and, when the callback
    /// echoes the challenge, stores or removes the subscription. Returns
    /// whether it was confirmed (and, for a subscription, stored).
    pub async fn verify(&self, intent: Intent) -> Result<bool, StoreError> {
        let challenge = super::random_hex();
        let mut url = intent.callback.clone();
        url.query_pairs_mut()
            .append_pair("hub.mode", intent.mode.as_str())
            .append_pair("hub.topic", &intent.topic)
            .append_pair("hub.challenge", &challenge)
            .append_pair("hub.lease_seconds", &intent.lease.as_secs().to_string());
        if !self.echoes(&url, &challenge).await {
            tracing::info!(topic = %intent.topic, callback = %intent.callback, "hub: intent not confirmed");
            return Ok(false);
        }
        let max = self.max_subscribers;
        self.conn
            .run(move |store| {
                let callback = intent.callback.as_str();
                match intent.mode {
                    HubMode::Unsubscribe => {
                        store.hub_unsubscribe(&intent.path, callback)?;
                        Ok(true)
                    }
                    HubMode::Subscribe => {
                        let now = Utc::now();
                        let until =
                            now + chrono::Duration::from_std(intent.lease).unwrap_or_default();
                        let stored = store.hub_subscribe(
                            &intent.path,
                            callback,
                            intent.secret.as_deref(),
                            until,
                            max,
                            now,
                        )?;
                        if stored == HubSubscribe::Full {
                            tracing::warn!(
                                max,
                                "hub: websub.max_subscribers reached; subscription refused"
                            );
                        }
                        Ok(stored == HubSubscribe::Stored)
                    }
                }
            })
            .await
    }

    /// The subscribers due a delivery attempt at `now`, by topic.
    pub async fn subscribers_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<HubSubscriberRow>, StoreError> {
        self.conn.run(move |s| s.hub_subscribers_due(now)).await
    }

    /// Whether a GET of `url` answers 2xx with exactly `challenge`.
    async fn echoes(&self, url: &url::Url, challenge: &str) -> bool {
        let Ok(request) = self.client.request(Method::GET, url) else {
            return false;
        };
        let Ok(mut answer) = request.send().await else {
            return false;
        };
        if !answer.status().is_success() {
            return false;
        }
        let mut body = Vec::new();
        while let Ok(Some(chunk)) = answer.chunk().await {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_ANSWER {
                return false;
            }
        }
        body == challenge.as_bytes()
    }

    /// Delivers `body` (the topic's current document) to `row` (§7),
    /// signed with its secret (§8), and records what came of it.
    pub async fn deliver(
        &self,
        row: &HubSubscriberRow,
        body: Outgoing,
        tag: &str,
        now: DateTime<Utc>,
    ) -> Result<Delivery, StoreError> {
        let outcome = self.post(row, &body).await;
        let (id, failures, tag) = (row.id, row.failures, tag.to_owned());
        self.conn
            .run(move |store| {
                match outcome {
                    Delivery::Delivered => store.hub_delivered(id, &tag)?,
                    Delivery::Failed if failures + 1 < MAX_DELIVERY_FAILURES => {
                        store.hub_delivery_failed(id, now + backoff(failures))?
                    }
                    Delivery::Gone | Delivery::Failed => store.hub_drop(id)?,
                }
                Ok(outcome)
            })
            .await
    }

    async fn post(&self, row: &HubSubscriberRow, body: &Outgoing) -> Delivery {
        let Ok(callback) = url::Url::parse(&row.callback) else {
            return Delivery::Gone;
        };
        let Ok(request) = self.client.request(Method::POST, &callback) else {
            return Delivery::Gone;
        };
        let links = format!(
            "<{}>; rel=\"hub\", <{}>; rel=\"self\"",
            self.site.url(crate::publish::HUB_PATH),
            self.site.url(&row.topic)
        );
        let mut request = request
            .header(CONTENT_TYPE, body.content_type.clone())
            .header(LINK, links)
            .body(body.bytes.clone());
        if let Some(secret) = &row.secret {
            request = request.header(
                "X-Hub-Signature",
                signature::sign_sha256(secret.as_bytes(), &body.bytes),
            );
        }
        match request.send().await.map(|a| a.status()) {
            Ok(s) if s.is_success() => Delivery::Delivered,
            Ok(s) if s == reqwest::StatusCode::GONE => Delivery::Gone,
            Ok(s) => {
                tracing::warn!(callback = %row.callback, status = %s, "hub: delivery refused");
                Delivery::Failed
            }
            Err(e) => {
                tracing::warn!(callback = %row.callback, error = %e, "hub: delivery failed");
                Delivery::Failed
            }
        }
    }
}

/// A document to deliver: shared by every subscriber of its topic.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The document (cheap to clone).
    pub bytes: axum::body::Bytes,
    /// Its Content-Type.
    pub content_type: String,
}
