//! The subscriber's side of W3C WebSub §5: asking hubs to (un)subscribe,
//! renewing leases before they end, retrying with backoff, and telling a
//! hub when a feed was removed or retired.
//!
//! [`Subscriber::step`] acts on every subscription due at `now` and returns
//! what it did; [`Subscriber::run`] is the daemon's thin loop around it.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use tokio::sync::watch;

use super::conn::Conn;
use crate::config::WebSubConfig;
use crate::fetch::Outbound;
use crate::store::{HubMode, HubRequest, Store, StoreError, SubscriptionRow, SubscriptionState};

/// How long a hub may take to verify a request it accepted (§5.1: it
/// verifies asynchronously) before the request is made again.
pub const VERIFY_WITHIN: Duration = Duration::from_secs(10 * 60);

/// How often the loop looks for due subscriptions (new ones are found by
/// the poll that discovered the hub).
pub const STEP_EVERY: Duration = Duration::from_secs(1);

/// Subscriptions acted on per step.
const STEP_BATCH: usize = 64;

/// The first retry waits this long, doubling after each failure…
const FIRST_RETRY: Duration = Duration::from_secs(60);

/// …up to this.
const MAX_RETRY: Duration = Duration::from_secs(6 * 3600);

/// Unsubscription requests made before the subscription is forgotten anyway
/// (the hub's lease ends it in time).
const MAX_UNSUBSCRIBE_ATTEMPTS: u32 = 5;

/// Longest lease recorded, whatever a hub grants: a hub that forgets us
/// meanwhile is noticed at renewal.
const MAX_LEASE: Duration = Duration::from_secs(365 * 24 * 3600);

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepSummary {
    /// Requests the hubs accepted.
    pub requested: u32,
    /// Requests that failed.
    pub failed: u32,
    /// Subscriptions forgotten.
    pub dropped: u32,
}

/// Subscribes to outlets' hubs on behalf of the feeds that announce one.
#[derive(Debug, Clone)]
pub struct Subscriber {
    client: Outbound,
    conn: Conn,
    callback_base: String,
    lease: Duration,
}

impl Subscriber {
    /// A subscriber whose callbacks live under `public_url` (`/websub/…`).
    pub fn new(
        client: Outbound,
        database: PathBuf,
        public_url: &url::Url,
        config: &WebSubConfig,
    ) -> Subscriber {
        Subscriber {
            client,
            conn: Conn::new(database),
            callback_base: format!("{}/websub/", public_url.as_str().trim_end_matches('/')),
            lease: config.lease,
        }
    }

    /// The callback URL for `token`.
    pub fn callback(&self, token: &str) -> String {
        format!("{}{token}", self.callback_base)
    }

    /// Acts on `STEP_BATCH` subscriptions due at `now` at most.
    pub async fn step(&self, now: DateTime<Utc>) -> Result<StepSummary, StoreError> {
        let due = self
            .store(move |s| s.due_subscriptions(now, STEP_BATCH))
            .await?;
        let mut summary = StepSummary::default();
        for row in due {
            match self.act(&row, now).await? {
                Acted::Requested => summary.requested += 1,
                Acted::Failed => summary.failed += 1,
                Acted::Dropped => summary.dropped += 1,
            }
        }
        Ok(summary)
    }

    /// Steps every [`STEP_EVERY`] until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut every = tokio::time::interval(STEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            match self.step(Utc::now()).await {
                Ok(s) if s != StepSummary::default() => {
                    tracing::info!(
                        requested = s.requested,
                        failed = s.failed,
                        dropped = s.dropped,
                        "websub step"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "websub step failed"),
            }
        }
    }

    /// Runs `f` on the subscriber's connection.
    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.conn.run(move |s| f(s)).await
    }

    async fn act(&self, row: &SubscriptionRow, now: DateTime<Utc>) -> Result<Acted, StoreError> {
        let id = row.id;
        if let Some(mode) = row.pending {
            // Due while still pending: the hub never verified in time.
            let error = format!(
                "the hub accepted the {} request but never verified it",
                mode.as_str()
            );
            if row.retired && row.attempts + 1 >= MAX_UNSUBSCRIBE_ATTEMPTS {
                self.store(move |s| s.delete_subscription(id)).await?;
                return Ok(Acted::Dropped);
            }
            let retry = now + backoff(row.attempts);
            self.store(move |s| s.record_hub_failure(id, &error, retry))
                .await?;
            return Ok(Acted::Failed);
        }
        let mode = if row.retired {
            let the_hub_may_hold_it = row.token.is_some()
                && matches!(
                    row.state,
                    SubscriptionState::Active
                        | SubscriptionState::Requested
                        | SubscriptionState::Unsubscribing
                );
            if !the_hub_may_hold_it || row.attempts >= MAX_UNSUBSCRIBE_ATTEMPTS {
                self.store(move |s| s.delete_subscription(id)).await?;
                return Ok(Acted::Dropped);
            }
            HubMode::Unsubscribe
        } else {
            HubMode::Subscribe
        };
        let token = row.token.clone().unwrap_or_else(super::random_hex);
        let secret = row.secret.clone().unwrap_or_else(super::random_hex);
        // Recorded before the request: the hub may verify before it answers.
        let verify_by = now + VERIFY_WITHIN;
        let (sent_token, sent_secret) = (token.clone(), secret.clone());
        self.store(move |s| {
            let request = HubRequest {
                mode,
                token: &sent_token,
                secret: &sent_secret,
                verify_by,
            };
            s.record_hub_request(id, request)
        })
        .await?;
        match self.send(row, mode, &token, &secret).await {
            Ok(()) => {
                tracing::info!(hub = %row.hub, topic = %row.topic, mode = mode.as_str(), "hub accepted the request");
                Ok(Acted::Requested)
            }
            Err(error) => {
                tracing::warn!(hub = %row.hub, topic = %row.topic, error = %error, "websub request failed");
                let retry = now + backoff(row.attempts);
                self.store(move |s| s.record_hub_failure(id, &error, retry))
                    .await?;
                Ok(Acted::Failed)
            }
        }
    }

    /// Sends one (un)subscription request (§5.1); a 202 is success.
    async fn send(
        &self,
        row: &SubscriptionRow,
        mode: HubMode,
        token: &str,
        secret: &str,
    ) -> Result<(), String> {
        let hub = url::Url::parse(&row.hub).map_err(|e| format!("hub URL {}: {e}", row.hub))?;
        let lease = self.lease.as_secs().to_string();
        let callback = self.callback(token);
        let mut form = vec![
            ("hub.mode", mode.as_str()),
            ("hub.topic", row.topic.as_str()),
            ("hub.callback", callback.as_str()),
        ];
        if mode == HubMode::Subscribe {
            form.push(("hub.lease_seconds", &lease));
            form.push(("hub.secret", secret));
        }
        let answer = self
            .client
            .request(Method::POST, &hub)
            .map_err(|e| e.to_string())?
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("hub {}: {e}", row.hub))?;
        match answer.status() {
            // §5.1: 202 Accepted; some hubs answer 204 or 200.
            s if s.is_success() => Ok(()),
            s => Err(format!("hub {} answered {s}", row.hub)),
        }
    }
}

/// The lease and the renewal time a verification of `lease_seconds` gives
/// (§5.3): renewed when four fifths of it have passed, so that a failing
/// renewal has time for a few retries before the lease ends.
pub fn lease_from(
    lease_seconds: Option<&str>,
    asked: Duration,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let lease = lease_seconds
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or(asked, Duration::from_secs)
        .clamp(Duration::from_secs(1), MAX_LEASE);
    let at = |d: Duration| now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
    (at(lease), at(lease.mul_f64(0.8)))
}

/// How long to wait before retrying after `attempts` earlier failures.
pub fn backoff(attempts: u32) -> chrono::Duration {
    let wait = FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(attempts.min(16)))
        .min(MAX_RETRY);
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

enum Acted {
    Requested,
    Failed,
    Dropped,
}
