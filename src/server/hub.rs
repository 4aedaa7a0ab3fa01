//! The distributor of khabar's own WebSub hub (issue #16): each time the
//! database changes, every subscribed feed's current document is compared
//! with what each subscriber last received, and delivered where it differs
//! (W3C WebSub §7), [`FANOUT`] deliveries at a time.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::watch;

use super::{AppState, DocKey};
use crate::publish::FeedRequest;
use crate::store::{HubSubscriberRow, StoreError};
use crate::websub::{Delivery, Hub, Outgoing};

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
