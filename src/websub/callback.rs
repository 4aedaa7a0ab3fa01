//! What khabar answers on a subscription's callback, `/websub/TOKEN`:
//! the hub's verification of intent (GET, W3C WebSub §5.3), a denial
//! (GET, §5.2), and content distribution (POST, §7, signed per §8).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::conn::Conn;
use super::signature::{self, SignatureError};
use super::subscriber::{backoff, lease_from};
use crate::scheduler::{Poller, PushError, Pushed};
use crate::store::{HubMode, Store, StoreError, SubscriptionRow, SubscriptionState};

/// Longest `hub.challenge` echoed: hubs send a few dozen characters.
const MAX_CHALLENGE: usize = 1024;

/// The query of a hub's GET to the callback.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct HubQuery {
    /// `subscribe`, `unsubscribe` or `denied`.
    #[serde(rename = "hub.mode")]
    pub mode: Option<String>,
    /// The topic the hub means.
    #[serde(rename = "hub.topic")]
    pub topic: Option<String>,
    /// To be echoed when the request is confirmed.
    #[serde(rename = "hub.challenge")]
    pub challenge: Option<String>,
    /// The lease granted.
    #[serde(rename = "hub.lease_seconds")]
    pub lease_seconds: Option<String>,
    /// Why a subscription was denied.
    #[serde(rename = "hub.reason")]
    pub reason: Option<String>,
}

/// The answer to a hub's GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// 200 with the challenge as the body: we asked for this.
    Confirm(String),
    /// 200: a denial, noted.
    Noted,
    /// 404: no such pending request (§5.3: "the subscriber MUST respond
    /// with an HTTP 404").
    Refuse,
}

/// What became of a pushed body; the label of
/// `khabar_websub_pushes_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Signed correctly and stored.
    Accepted,
    /// No signature (discarded, 202).
    Unsigned,
    /// A signature that does not match, or of an unknown method (discarded, 202).
    BadSignature,
    /// No active subscription behind the callback (410, so the hub stops).
    UnknownCallback,
    /// Bigger than the fetch body cap (413).
    TooLarge,
    /// Signed correctly but not a feed khabar can read (202).
    Unparseable,
    /// The database failed (503, so the hub retries).
    Failed,
}

impl PushOutcome {
    /// Every outcome, in the order metrics list them.
    pub const ALL: [PushOutcome; 7] = [
        PushOutcome::Accepted,
        PushOutcome::Unsigned,
        PushOutcome::BadSignature,
        PushOutcome::UnknownCallback,
        PushOutcome::TooLarge,
        PushOutcome::Unparseable,
        PushOutcome::Failed,
    ];

    /// The metrics label.
    pub fn label(self) -> &'static str {
        match self {
            PushOutcome::Accepted => "accepted",
            PushOutcome::Unsigned => "unsigned",
            PushOutcome::BadSignature => "bad_signature",
            PushOutcome::UnknownCallback => "unknown_callback",
            PushOutcome::TooLarge => "too_large",
            PushOutcome::Unparseable => "unparseable",
            PushOutcome::Failed => "failed",
        }
    }

    /// The HTTP status answered: §7 asks for a 2xx whatever the signature
    /// says, so that a forger learns nothing; 410 ends a subscription we
    /// do not hold.
    pub fn status(self) -> u16 {
        match self {
            PushOutcome::Accepted
            | PushOutcome::Unsigned
            | PushOutcome::BadSignature
            | PushOutcome::Unparseable => 202,
            PushOutcome::UnknownCallback => 410,
            PushOutcome::TooLarge => 413,
            PushOutcome::Failed => 503,
        }
    }
}

/// The callbacks of khabar's subscriptions.
pub struct Callbacks {
    poller: Arc<Poller>,
    conn: Conn,
    lease: Duration,
    max_body_bytes: u64,
}

impl Callbacks {
    /// Callbacks that store pushes with `poller`; `lease` is what khabar
    /// asks of hubs, used when a verification grants none.
    pub fn new(poller: Arc<Poller>, lease: Duration, max_body_bytes: u64) -> Callbacks {
        Callbacks {
            conn: Conn::new(poller.database().to_path_buf()),
            poller,
            lease,
            max_body_bytes,
        }
    }

    /// The largest pushed body read.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    /// Answers a hub's GET to the callback `token`.
    pub async fn verify(&self, token: String, query: HubQuery) -> Result<Verification, StoreError> {
        let lease = self.lease;
        self.conn
            .run(move |store| {
                let Some(row) = store.subscription_by_token(&token)? else {
                    return Ok(Verification::Refuse);
                };
                answer(store, &row, &query, lease, Utc::now())
            })
            .await
    }

    /// Takes a POST to the callback `token`: checks the subscription and
    /// the signature, then stores the document.
    pub async fn push(
        &self,
        token: String,
        signature: Option<String>,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> PushOutcome {
        let found = self
            .conn
            .run(move |s| s.subscription_by_token(&token))
            .await;
        let row = match found {
            Ok(Some(row)) if accepts_pushes(&row) => row,
            Ok(_) => return PushOutcome::UnknownCallback,
            Err(e) => {
                tracing::warn!(error = %e, "websub push: subscription lookup failed");
                return PushOutcome::Failed;
            }
        };
        let (Some(feed_id), Some(secret)) = (row.feed_id, row.secret.as_deref()) else {
            return PushOutcome::UnknownCallback;
        };
        if let Err(e) = signature::verify(signature.as_deref(), secret.as_bytes(), &body) {
            tracing::warn!(hub = %row.hub, topic = %row.topic, error = %e, "websub push discarded");
            return match e {
                SignatureError::Missing => PushOutcome::Unsigned,
                _ => PushOutcome::BadSignature,
            };
        }
        let Ok(topic) = url::Url::parse(&row.topic) else {
            return PushOutcome::Unparseable;
        };
        let pushed = Pushed {
            feed_id,
            topic,
            body,
            content_type,
        };
        match self.poller.ingest_push(pushed).await {
            Ok(report) => {
                tracing::info!(topic = %row.topic, new = report.new, updated = report.updated, "websub push stored");
                let id = row.id;
                let counted = self.conn.run(move |s| s.record_push(id, Utc::now())).await;
                if let Err(e) = counted {
                    tracing::warn!(error = %e, "websub push: counting failed");
                }
                PushOutcome::Accepted
            }
            Err(PushError::Parse(error)) => {
                tracing::warn!(topic = %row.topic, error = %error, "websub push unreadable");
                PushOutcome::Unparseable
            }
            Err(PushError::Store(e)) => {
                tracing::warn!(topic = %row.topic, error = %e, "websub push not stored");
                PushOutcome::Failed
            }
        }
    }
}

/// Pushes are taken for a subscription the hub verified, whose feed is
/// still polled.
fn accepts_pushes(row: &SubscriptionRow) -> bool {
    row.state == SubscriptionState::Active && !row.retired
}

/// The answer to a verification or denial for `row` (§5.2, §5.3).
fn answer(
    store: &Store,
    row: &SubscriptionRow,
    query: &HubQuery,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Verification, StoreError> {
    if query.topic.as_deref() != Some(row.topic.as_str()) {
        return Ok(Verification::Refuse);
    }
    let mode = query.mode.as_deref().unwrap_or_default();
    if mode == "denied" {
        let reason = query.reason.as_deref().unwrap_or("no reason given");
        let reason: String = format!("the hub denied the subscription: {reason}")
            .chars()
            .take(500)
            .collect();
        store.record_denied(row.id, &reason, now + backoff(row.attempts))?;
        tracing::warn!(hub = %row.hub, topic = %row.topic, reason = %reason, "websub subscription denied");
        return Ok(Verification::Noted);
    }
    let Some(challenge) = query
        .challenge
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= MAX_CHALLENGE)
    else {
        return Ok(Verification::Refuse);
    };
    match HubMode::parse(mode) {
        Some(m) if row.pending == Some(m) && m == HubMode::Subscribe && !row.retired => {
            let (expires, renew_at) = lease_from(query.lease_seconds.as_deref(), lease, now);
            store.record_verified(row.id, expires, renew_at)?;
            tracing::info!(hub = %row.hub, topic = %row.topic, until = %expires, "websub subscription active");
        }
        Some(m) if row.pending == Some(m) && m == HubMode::Unsubscribe => {
            store.delete_subscription(row.id)?;
            tracing::info!(hub = %row.hub, topic = %row.topic, "websub unsubscribed");
        }
        _ => return Ok(Verification::Refuse),
    }
    Ok(Verification::Confirm(challenge.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_is_a_declared_metrics_label() {
        let labels: Vec<&str> = PushOutcome::ALL.iter().map(|o| o.label()).collect();
        assert_eq!(labels, crate::metrics::WEBSUB_PUSH_OUTCOMES);
    }
}
