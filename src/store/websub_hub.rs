//! SQL for `websub_hub_subscribers`: who subscribed to khabar's own feeds
//! through its hub (issue #16, W3C WebSub §6), and what each last received.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{from_unix, to_unix, Store, StoreError};

/// A subscriber to one of khabar's feeds.
#[derive(Clone, PartialEq, Eq)]
pub struct HubSubscriberRow {
    /// Row id.
    pub id: i64,
    /// The feed's path relative to the site (`feed.atom`, `topics/x.json`).
    pub topic: String,
    /// Where pushes go.
    pub callback: String,
    /// The HMAC key pushes are signed with, if the subscriber gave one.
    pub secret: Option<String>,
    /// When the lease ends.
    pub lease_expires: DateTime<Utc>,
    /// The tag of the document last delivered.
    pub delivered: Option<String>,
    /// Failed deliveries in a row.
    pub failures: u32,
}

// The secret is a credential: never in logs.
impl std::fmt::Debug for HubSubscriberRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSubscriberRow")
            .field("id", &self.id)
            .field("topic", &self.topic)
            .field("callback", &self.callback)
            .field("lease_expires", &self.lease_expires)
            .finish_non_exhaustive()
    }
}

/// Whether a verified subscription was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubSubscribe {
    /// Stored (new, or a renewal).
    Stored,
    /// The table holds `max` subscriptions already.
    Full,
}

impl Store {
    /// Stores (or renews) a verified subscription, unless `max` other ones
    /// are kept already. Expired leases are dropped first.
    pub fn hub_subscribe(
        &mut self,
        topic: &str,
        callback: &str,
        secret: Option<&str>,
        lease_expires: DateTime<Utc>,
        max: usize,
        now: DateTime<Utc>,
    ) -> Result<HubSubscribe, StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        tx.execute(
            "DELETE FROM websub_hub_subscribers WHERE lease_expires <= ?1",
            [to_unix(now)],
        )?;
        let others: i64 = tx.query_row(
            "SELECT count(*) FROM websub_hub_subscribers WHERE topic != ?1 OR callback != ?2",
            params![topic, callback],
            |r| r.get(0),
        )?;
        if others as u64 >= max as u64 {
            return Ok(HubSubscribe::Full);
        }
        tx.execute(
            "INSERT INTO websub_hub_subscribers (topic, callback, secret, lease_expires)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (topic, callback) DO UPDATE SET secret = ?3, lease_expires = ?4,
                 failures = 0, next_attempt = 0",
            params![topic, callback, secret, to_unix(lease_expires)],
        )?;
        tx.commit()?;
        Ok(HubSubscribe::Stored)
    }

    /// Removes a subscription (unsubscribed, gone, or failing for good).
    pub fn hub_unsubscribe(&self, topic: &str, callback: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM websub_hub_subscribers WHERE topic = ?1 AND callback = ?2",
            params![topic, callback],
        )?;
        Ok(())
    }

    /// Subscriptions with a lease at `now` whose next delivery attempt is due.
    pub fn hub_subscribers_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<HubSubscriberRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, topic, callback, secret, lease_expires, delivered, failures
             FROM websub_hub_subscribers WHERE lease_expires > ?1 AND next_attempt <= ?1
             ORDER BY topic, id",
        )?;
        let rows = stmt.query_map([to_unix(now)], |r| {
            Ok(HubSubscriberRow {
                id: r.get(0)?,
                topic: r.get(1)?,
                callback: r.get(2)?,
                secret: r.get(3)?,
                lease_expires: from_unix(r.get(4)?),
                delivered: r.get(5)?,
                failures: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a delivery of the document tagged `tag`.
    pub fn hub_delivered(&self, id: i64, tag: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE websub_hub_subscribers SET delivered = ?2, failures = 0, next_attempt = 0
             WHERE id = ?1",
            params![id, tag],
        )?;
        Ok(())
    }

    /// Records a failed delivery, tried again at `retry_at`.
    pub fn hub_delivery_failed(&self, id: i64, retry_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE websub_hub_subscribers SET failures = failures + 1, next_attempt = ?2
             WHERE id = ?1",
            params![id, to_unix(retry_at)],
        )?;
        Ok(())
    }

    /// Drops a subscription by id.
    pub fn hub_drop(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM websub_hub_subscribers WHERE id = ?1", [id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_bounded_and_a_renewal_does_not_count_twice() {
        let mut store = Store::open_in_memory().unwrap();
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        let sub =
            |s: &mut Store, cb: &str| s.hub_subscribe("feed.atom", cb, Some("k"), later, 2, now);
        assert_eq!(sub(&mut store, "http://a/").unwrap(), HubSubscribe::Stored);
        assert_eq!(sub(&mut store, "http://b/").unwrap(), HubSubscribe::Stored);
        assert_eq!(
            sub(&mut store, "http://b/").unwrap(),
            HubSubscribe::Stored,
            "renewal"
        );
        assert_eq!(sub(&mut store, "http://c/").unwrap(), HubSubscribe::Full);
        store.hub_unsubscribe("feed.atom", "http://a/").unwrap();
        assert_eq!(sub(&mut store, "http://c/").unwrap(), HubSubscribe::Stored);
        let due = store.hub_subscribers_due(now).unwrap();
        let callbacks: Vec<_> = due.iter().map(|r| r.callback.as_str()).collect();
        assert_eq!(callbacks, ["http://b/", "http://c/"]);
        assert!(
            store.hub_subscribers_due(later).unwrap().is_empty(),
            "leases ended"
        );
    }
}
