//! SQL for `websub_subscriptions`: khabar's subscriptions to outlets' WebSub
//! hubs (issue #16). The websub stage decides what to ask and when; this
//! file records what it decided and what the hub answered.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{from_unix, to_unix, Store, StoreError};

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionState {
    /// The feed announced a hub; nothing asked yet.
    New,
    /// A subscription request was accepted; the hub has not verified it yet.
    Requested,
    /// Verified: the hub pushes until the lease expires.
    Active,
    /// The hub refused the subscription.
    Denied,
    /// The last request failed (network, or the hub answered an error).
    Failed,
    /// The feed was removed or retired: the hub is being told.
    Unsubscribing,
}

impl SubscriptionState {
    /// The name stored and shown (`khabar feeds list`, metrics).
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::New => "new",
            SubscriptionState::Requested => "requested",
            SubscriptionState::Active => "active",
            SubscriptionState::Denied => "denied",
            SubscriptionState::Failed => "failed",
            SubscriptionState::Unsubscribing => "unsubscribing",
        }
    }

    fn parse(s: &str) -> SubscriptionState {
        match s {
            "requested" => SubscriptionState::Requested,
            "active" => SubscriptionState::Active,
            "denied" => SubscriptionState::Denied,
            "failed" => SubscriptionState::Failed,
            "unsubscribing" => SubscriptionState::Unsubscribing,
            _ => SubscriptionState::New,
        }
    }
}

/// A request to a hub (`hub.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubMode {
    /// `hub.mode=subscribe`.
    Subscribe,
    /// `hub.mode=unsubscribe`.
    Unsubscribe,
}

impl HubMode {
    /// The `hub.mode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            HubMode::Subscribe => "subscribe",
            HubMode::Unsubscribe => "unsubscribe",
        }
    }

    /// The mode named `s`, if it is one.
    pub fn parse(s: &str) -> Option<HubMode> {
        match s {
            "subscribe" => Some(HubMode::Subscribe),
            "unsubscribe" => Some(HubMode::Unsubscribe),
            _ => None,
        }
    }
}

/// One subscription as stored.
#[derive(Clone, PartialEq)]
pub struct SubscriptionRow {
    /// Row id.
    pub id: i64,
    /// The feed it delivers to; `None` once the feed was removed.
    pub feed_id: Option<i64>,
    /// The feed was removed or retired (410): unsubscribe.
    pub retired: bool,
    /// The hub's URL.
    pub hub: String,
    /// The topic (the feed's self URL).
    pub topic: String,
    /// The callback's last path segment, once a request was made.
    pub token: Option<String>,
    /// The HMAC key pushes are signed with, once a request was made.
    pub secret: Option<String>,
    /// Where it stands.
    pub state: SubscriptionState,
    /// The request awaiting verification.
    pub pending: Option<HubMode>,
    /// When the granted lease ends.
    pub lease_expires: Option<DateTime<Utc>>,
    /// When the subscriber acts on it next.
    pub next_action: DateTime<Utc>,
    /// Failed or unanswered requests in a row.
    pub attempts: u32,
    /// Why the last request failed, or the hub's reason for denying.
    pub last_error: Option<String>,
    /// Pushes received and accepted.
    pub pushes: u64,
    /// When the last accepted push arrived.
    pub last_push: Option<DateTime<Utc>>,
}

// The secret and the token are credentials: never in logs.
impl std::fmt::Debug for SubscriptionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionRow")
            .field("id", &self.id)
            .field("feed_id", &self.feed_id)
            .field("hub", &self.hub)
            .field("topic", &self.topic)
            .field("state", &self.state)
            .field("pending", &self.pending)
            .field("lease_expires", &self.lease_expires)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "w.id, w.feed_id, w.feed_id IS NULL OR f.status = 'gone', w.hub, w.topic, \
     w.token, w.secret, w.state, w.pending, w.lease_expires, w.next_action, w.attempts, \
     w.last_error, w.pushes, w.last_push";

const FROM: &str = "websub_subscriptions w LEFT JOIN feeds f ON f.id = w.feed_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SubscriptionRow> {
    Ok(SubscriptionRow {
        id: r.get(0)?,
        feed_id: r.get(1)?,
        retired: r.get(2)?,
        hub: r.get(3)?,
        topic: r.get(4)?,
        token: r.get(5)?,
        secret: r.get(6)?,
        state: SubscriptionState::parse(&r.get::<_, String>(7)?),
        pending: r
            .get::<_, Option<String>>(8)?
            .as_deref()
            .and_then(HubMode::parse),
        lease_expires: r.get::<_, Option<i64>>(9)?.map(from_unix),
        next_action: from_unix(r.get(10)?),
        attempts: r.get(11)?,
        last_error: r.get(12)?,
        pushes: r.get::<_, i64>(13)?.max(0) as u64,
        last_push: r.get::<_, Option<i64>>(14)?.map(from_unix),
    })
}

/// What a hub was asked, to be recorded before its answer matters.
#[derive(Debug, Clone, Copy)]
pub struct HubRequest<'a> {
    /// The mode asked.
    pub mode: HubMode,
    /// The callback token sent.
    pub token: &'a str,
    /// The secret sent.
    pub secret: &'a str,
    /// When to give up waiting for verification and ask again.
    pub verify_by: DateTime<Utc>,
}

/// Records the hub and topic a poll of `feed_id` found (both `None` when
/// the feed announces none), in the poll's transaction. A subscription to
/// another hub or topic is handed over to be unsubscribed (or dropped, if
/// the hub never accepted it) and a new one waits to be made at once.
pub(super) fn note_hub(
    tx: &Transaction<'_>,
    feed_id: i64,
    found: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let current: Option<(i64, String, String, String)> = tx
        .prepare_cached(
            "SELECT id, hub, topic, state FROM websub_subscriptions WHERE feed_id = ?1",
        )?
        .query_row([feed_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    if let Some((id, hub, topic, state)) = current {
        if found == Some((hub.as_str(), topic.as_str())) {
            return Ok(());
        }
        release(tx, id, &state, now)?;
    }
    if let Some((hub, topic)) = found {
        tx.prepare_cached(
            "INSERT INTO websub_subscriptions (feed_id, hub, topic, next_action)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![feed_id, hub, topic, to_unix(now)])?;
    }
    Ok(())
}

/// Detaches subscription `id` from its feed: one the hub may hold is kept
/// to be unsubscribed, any other is deleted.
fn release(tx: &Transaction<'_>, id: i64, state: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    if matches!(state, "active" | "requested" | "unsubscribing") {
        tx.prepare_cached(
            "UPDATE websub_subscriptions SET feed_id = NULL, next_action = ?2 WHERE id = ?1",
        )?
        .execute(params![id, to_unix(now)])?;
    } else {
        tx.prepare_cached("DELETE FROM websub_subscriptions WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(())
}

impl Store {
    /// At most `limit` subscriptions due for action at `now`, soonest
    /// first: those whose time came, and at once those whose feed was
    /// removed or retired and whose hub was not told yet.
    pub fn due_subscriptions(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<SubscriptionRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM}
             WHERE w.next_action <= ?1
                OR ((w.feed_id IS NULL OR f.status = 'gone') AND w.state != 'unsubscribing')
             ORDER BY w.next_action, w.id LIMIT ?2"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![to_unix(now), limit as i64], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every subscription, by id.
    pub fn list_subscriptions(&self) -> Result<Vec<SubscriptionRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} ORDER BY w.id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many subscriptions are in each state (`/metrics`).
    pub fn websub_states(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, count(*) FROM websub_subscriptions GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The subscription whose callback ends in `token`.
    pub fn subscription_by_token(
        &self,
        token: &str,
    ) -> Result<Option<SubscriptionRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE w.token = ?1");
        Ok(self.conn.query_row(&sql, [token], from_row).optional()?)
    }

    /// Records a request the hub accepted (202): it now awaits verification.
    pub fn record_hub_request(&self, id: i64, req: HubRequest<'_>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE websub_subscriptions SET token = ?2, secret = ?3, pending = ?4,
                 next_action = ?5, last_error = NULL,
                 state = CASE WHEN ?4 = 'unsubscribe' THEN 'unsubscribing'
                              WHEN state = 'active' THEN 'active' ELSE 'requested' END
             WHERE id = ?1",
            params![
                id,
                req.token,
                req.secret,
                req.mode.as_str(),
                to_unix(req.verify_by)
            ],
        )?;
        Ok(())
    }

    /// Records a failed request (or an unverified one whose time ran out):
    /// tried again at `retry_at`. An active lease stays active meanwhile.
    pub fn record_hub_failure(
        &self,
        id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE websub_subscriptions SET last_error = ?2, next_action = ?3,
                 attempts = attempts + 1, pending = NULL,
                 state = CASE WHEN state IN ('active', 'unsubscribing') THEN state
                              ELSE 'failed' END
             WHERE id = ?1",
            params![id, error, to_unix(retry_at)],
        )?;
        Ok(())
    }

    /// The hub verified a pending subscription (W3C WebSub §5.3): active
    /// until `lease_expires`, renewed at `renew_at`.
    pub fn record_verified(
        &self,
        id: i64,
        lease_expires: DateTime<Utc>,
        renew_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE websub_subscriptions SET state = 'active', pending = NULL,
                 lease_expires = ?2, next_action = ?3, attempts = 0, last_error = NULL
             WHERE id = ?1",
            params![id, to_unix(lease_expires), to_unix(renew_at)],
        )?;
        Ok(())
    }

    /// The hub denied the subscription (W3C WebSub §5.2): asked again at
    /// `retry_at`.
    pub fn record_denied(
        &self,
        id: i64,
        reason: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE websub_subscriptions SET state = 'denied', pending = NULL,
                 lease_expires = NULL, last_error = ?2, next_action = ?3,
                 attempts = attempts + 1
             WHERE id = ?1",
            params![id, reason, to_unix(retry_at)],
        )?;
        Ok(())
    }

    /// Forgets a subscription (unsubscribed, or given up on).
    pub fn delete_subscription(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM websub_subscriptions WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Counts a push accepted on subscription `id`.
    pub fn record_push(&self, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE websub_subscriptions SET pushes = pushes + 1, last_push = ?2 WHERE id = ?1",
            params![id, to_unix(at)],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FeedOrigin;

    #[test]
    fn every_state_is_a_declared_metrics_label() {
        for name in crate::metrics::WEBSUB_STATES {
            assert_eq!(SubscriptionState::parse(name).as_str(), *name);
        }
    }

    fn feed_url() -> crate::model::FeedUrl {
        crate::model::FeedUrl::parse("https://o.example/feed").unwrap()
    }

    fn store_with_feed() -> (Store, i64) {
        let store = Store::open_in_memory().unwrap();
        let id = match store.add_feed(&feed_url(), FeedOrigin::Cli).unwrap() {
            crate::store::AddFeed::Added(id) => id,
            other => panic!("{other:?}"),
        };
        (store, id)
    }

    fn note(store: &mut Store, feed: i64, found: Option<(&str, &str)>) {
        let tx = super::super::write_tx(&mut store.conn).unwrap();
        note_hub(&tx, feed, found, Utc::now()).unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn a_new_hub_replaces_the_old_subscription_which_is_kept_to_unsubscribe() {
        let (mut store, feed) = store_with_feed();
        note(
            &mut store,
            feed,
            Some(("https://hub.a/", "https://o.example/feed")),
        );
        note(
            &mut store,
            feed,
            Some(("https://hub.a/", "https://o.example/feed")),
        );
        let first = store.list_subscriptions().unwrap();
        assert_eq!(first.len(), 1, "the same hub twice is one subscription");
        let req = HubRequest {
            mode: HubMode::Subscribe,
            token: "t1",
            secret: "s1",
            verify_by: Utc::now(),
        };
        store.record_hub_request(first[0].id, req).unwrap();
        note(
            &mut store,
            feed,
            Some(("https://hub.b/", "https://o.example/feed")),
        );
        let rows = store.list_subscriptions().unwrap();
        let shown: Vec<_> = rows
            .iter()
            .map(|r| (r.hub.as_str(), r.feed_id, r.retired, r.state))
            .collect();
        assert_eq!(
            shown,
            [
                ("https://hub.a/", None, true, SubscriptionState::Requested),
                ("https://hub.b/", Some(feed), false, SubscriptionState::New),
            ]
        );
        note(&mut store, feed, None);
        let left: Vec<_> = store
            .list_subscriptions()
            .unwrap()
            .into_iter()
            .map(|r| r.hub)
            .collect();
        assert_eq!(
            left,
            ["https://hub.a/"],
            "a never-asked hub is simply forgotten"
        );
    }

    #[test]
    fn removing_the_feed_leaves_its_subscription_to_be_unsubscribed() {
        let (mut store, feed) = store_with_feed();
        note(
            &mut store,
            feed,
            Some(("https://hub.a/", "https://o.example/feed")),
        );
        assert!(store.remove_feed(&feed_url()).unwrap());
        let rows = store.list_subscriptions().unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].retired && rows[0].feed_id.is_none(), "{rows:?}");
    }
}
