//! The distributor of khabar's own WebSub hub (issue #16): each time the
//! database changes, every subscribed feed's current document is compared
//! with what each subscriber last received, and delivered where it differs
//! (W3C WebSub §7), [`FANOUT`] deliveries at a time.
//!
//! With `websub.hub` set, [`announce`] runs instead: after each burst of
//! changes, every feed whose document changed is announced to that hub
//! with a publish ping.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::watch;

use super::{AppState, DocKey};
use crate::publish::{FeedRequest, Format, PageQuery};
use crate::store::{HubSubscriberRow, StoreError};
use crate::websub::{Announcements, Delivery, Hub, Outgoing, PingOutcome, Publisher};

/// Deliveries in flight at once.
pub const FANOUT: usize = 64;

/// How often failed deliveries are looked at again without a change.
const RETRY_EVERY: Duration = Duration::from_secs(5);

/// Delivers for `hub` (which `state` answers for, see
/// [`AppState::enable_hub`]) until `stop` turns true: after every change,
/// and retries every [`RETRY_EVERY`].
pub async fn distribute(state: Arc<AppState>, hub: Arc<Hub>, mut stop: watch::Receiver<bool>) {
    loop {
        match distribute_once(&state, &hub, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deliveries = n, "hub: delivered"),
            Err(e) => tracing::warn!(error = %e, "hub: delivery pass failed"),
        }
        tokio::select! {
            () = state.changed.notified() => {}
            () = tokio::time::sleep(RETRY_EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One pass: every subscriber due at `now` whose topic's document changed
/// since its last delivery gets it. Returns the deliveries attempted.
pub async fn distribute_once(
    state: &Arc<AppState>,
    hub: &Arc<Hub>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let rows = hub.subscribers_due(now).await?;
    let mut attempted = 0;
    for subscribers in rows.chunk_by(|a, b| a.topic == b.topic) {
        let topic = &subscribers[0].topic;
        let Some(request) = FeedRequest::from_path(hub.site(), topic) else {
            continue;
        };
        let doc = match state.document(DocKey::Feed(request)).await {
            Ok(doc) => doc,
            Err(e) => {
                tracing::warn!(topic = %topic, error = %e, "hub: building the document failed");
                continue;
            }
        };
        let body = Outgoing {
            bytes: doc.body.clone(),
            content_type: doc.content_type.to_str().unwrap_or_default().to_owned(),
        };
        let stale: Vec<HubSubscriberRow> = subscribers
            .iter()
            .filter(|r| r.delivered.as_deref() != Some(doc.tag.as_str()))
            .cloned()
            .collect();
        attempted += stale.len();
        let outcomes: Vec<_> = futures::stream::iter(stale)
            .map(|row| {
                let (hub, body, tag) = (Arc::clone(hub), body.clone(), doc.tag.clone());
                async move { hub.deliver(&row, body, &tag, now).await }
            })
            .buffer_unordered(FANOUT)
            .collect()
            .await;
        for outcome in outcomes {
            match outcome {
                Ok(Delivery::Gone) => tracing::info!(topic = %topic, "hub: a subscriber is gone"),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(attempted)
}

/// Publish pings in flight at once.
const PINGS_IN_FLIGHT: usize = 8;

/// A burst of changes is over when the database has been quiet this long…
const SETTLE: Duration = Duration::from_secs(1);

/// …or this long after it began, whichever comes first: a busy pass still
/// reaches the hub within seconds.
const MAX_SETTLE: Duration = Duration::from_secs(5);

/// Announces changes to `publisher`'s hub until `stop` turns true: one
/// ping per changed feed per burst of changes (a pass storing a hundred
/// items pings each feed once), failed pings retried with backoff. Every
/// feed is announced once at start-up, as khabar cannot know what the hub
/// heard before.
pub async fn announce(
    state: Arc<AppState>,
    publisher: Arc<Publisher>,
    mut stop: watch::Receiver<bool>,
) {
    let mut announced = Announcements::default();
    loop {
        let sent = announce_once(&state, &publisher, &mut announced).await;
        if sent > 0 {
            tracing::info!(hub = %publisher.hub(), pings = sent, "websub: hub pinged");
        }
        let retry = announced.next_retry();
        let changed = tokio::select! {
            () = state.changed.notified() => true,
            () = sleep_until_some(retry) => false,
            _ = stop.wait_for(|s| *s) => return,
        };
        if changed {
            settle(&state, &mut stop).await;
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Waits for a burst of changes to end (see [`SETTLE`]), or `stop`.
async fn settle(state: &AppState, stop: &mut watch::Receiver<bool>) {
    let deadline = tokio::time::Instant::now() + MAX_SETTLE;
    loop {
        let quiet = (tokio::time::Instant::now() + SETTLE).min(deadline);
        tokio::select! {
            () = state.changed.notified() => {}
            () = tokio::time::sleep_until(quiet) => return,
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One pass: pings the hub for each feed whose document changed since the
/// hub last accepted a ping for it (and is not waiting for a retry).
/// Returns the pings sent.
async fn announce_once(
    state: &Arc<AppState>,
    publisher: &Arc<Publisher>,
    announced: &mut Announcements,
) -> usize {
    let mut current = Vec::new();
    for request in announced_feeds(state) {
        let topic = state.site.url(&request.path());
        match state.document(DocKey::Feed(request)).await {
            Ok(doc) => current.push((topic, doc.tag.clone())),
            // A feed that cannot be built holds back only its own ping.
            Err(e) => {
                tracing::warn!(topic = %topic, error = %e, "websub: building a feed to announce failed")
            }
        }
    }
    let now = tokio::time::Instant::now();
    let due: Vec<(String, String)> = announced.due(&current, now).into_iter().cloned().collect();
    let sent = due.len();
    let outcomes: Vec<_> = futures::stream::iter(due)
        .map(|(topic, tag)| {
            let publisher = Arc::clone(publisher);
            async move {
                let outcome = publisher.ping(&topic).await;
                (topic, tag, outcome)
            }
        })
        .buffer_unordered(PINGS_IN_FLIGHT)
        .collect()
        .await;
    for (topic, tag, outcome) in outcomes {
        crate::metrics::WEBSUB_PUBLISH_PINGS.inc(&[outcome.label()]);
        announced.record(&topic, &tag, &outcome, now);
        match outcome {
            PingOutcome::Ok => tracing::debug!(topic = %topic, "websub: hub pinged"),
            PingOutcome::Refused(status) => tracing::warn!(
                hub = %publisher.hub(), topic = %topic, status, failures = announced.failures(&topic),
                "websub: the hub refused a publish ping; retrying with backoff"
            ),
            PingOutcome::Unreachable(error) => tracing::warn!(
                hub = %publisher.hub(), topic = %topic, error = %error, failures = announced.failures(&topic),
                "websub: publish ping failed; retrying with backoff"
            ),
        }
    }
    sent
}

/// The subscription documents of the site: the merged feeds and every
/// topic's, in each format.
fn announced_feeds(state: &AppState) -> Vec<FeedRequest> {
    let topics =
        std::iter::once(None).chain(state.site.topics().iter().map(|t| Some(t.slug.clone())));
    topics
        .flat_map(|topic| {
            Format::ALL.map(|format| FeedRequest {
                format,
                topic: topic.clone(),
                page: PageQuery::default(),
            })
        })
        .collect()
}
