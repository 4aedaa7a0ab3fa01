//! SQL for `subscribers` (issue #5).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{from_unix, parse_column, to_unix, Store, StoreError};
use crate::model::{DeliverySchedule, ScheduleError, SubscriberEmail, SubscriberStatus};

/// A stored subscriber.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriberRow {
    /// Row id.
    pub id: i64,
    /// Their address.
    pub email: SubscriberEmail,
    /// Topic slugs; `None` means every topic.
    pub topics: Option<Vec<String>>,
    /// IANA time zone name, as stored (shown as is; read [`Self::delivery`]).
    pub timezone: String,
    /// Cron expression (with seconds) in `timezone`, as stored.
    pub schedule: String,
    /// `timezone` and `schedule` parsed once, here: a row an older version
    /// or a hand edit left unusable is this subscriber's error, which the
    /// digest pass records and `subscribers list` shows, never the default.
    pub delivery: Result<DeliverySchedule, ScheduleError>,
    /// Pending, active, unsubscribed or bouncing.
    pub status: SubscriberStatus,
    /// When they were added (or came back after unsubscribing).
    pub created_at: DateTime<Utc>,
    /// Random, inside every signed link's MAC; replaced on unsubscribe.
    pub token_salt: String,
}

/// What a signed link names: a subscriber, and the salt their links are
/// signed with now (issue #11: a link outlives neither the subscriber nor
/// an unsubscribe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberLink {
    /// The subscriber's id, never reused.
    pub id: i64,
    /// Their current token salt.
    pub salt: String,
}

/// What adding a subscriber did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddSubscriber {
    /// A new row with this id.
    Added(i64),
    /// The address was already subscribed (any status).
    Exists(i64),
}

/// What a request on the public form calls for. The web page says the
/// same in every case; only the mail differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeRequest {
    /// Mail a confirmation link to this (new or returning) subscriber.
    Confirm(SubscriberLink),
    /// Already active: mail their preferences link instead.
    AlreadyActive(SubscriberLink),
    /// Mail nothing: the address was mailed moments ago, or it bounces.
    Quiet,
}

/// A subscriber to add.
#[derive(Debug, Clone)]
pub struct NewSubscriber<'a> {
    /// Their address.
    pub email: &'a SubscriberEmail,
    /// Topic slugs; `None` means every topic.
    pub topics: Option<&'a [String]>,
    /// When their digest is due, in their time zone.
    pub delivery: &'a DeliverySchedule,
}

const COLUMNS: &str = "id, email, topics, timezone, schedule, status, created_at, token_salt";

fn subscriber_from_row(r: &Row<'_>) -> rusqlite::Result<SubscriberRow> {
    let email: String = r.get(1)?;
    let topics: Option<String> = r.get(2)?;
    let (timezone, schedule): (String, String) = (r.get(3)?, r.get(4)?);
    Ok(SubscriberRow {
        id: r.get(0)?,
        // Only SubscriberEmail values are ever written to this column.
        email: SubscriberEmail::parse(&email).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?,
        topics: topics.and_then(|t| serde_json::from_str(&t).ok()),
        delivery: DeliverySchedule::parse(&timezone, &schedule),
        timezone,
        schedule,
        status: parse_column(r, 5)?,
        created_at: from_unix(r.get(6)?),
        token_salt: r.get(7)?,
    })
}

impl Store {
    /// Adds an active subscriber, or reports the existing one.
    pub fn add_subscriber(
        &mut self,
        new: &NewSubscriber<'_>,
        now: DateTime<Utc>,
    ) -> Result<AddSubscriber, StoreError> {
        if let Some(existing) = self.subscriber_by_email(new.email)? {
            return Ok(AddSubscriber::Exists(existing.id));
        }
        let topics = new
            .topics
            .map(|t| serde_json::to_string(t).unwrap_or_else(|_| "[]".into()));
        self.conn.execute(
            "INSERT INTO subscribers (email, topics, timezone, schedule, status, created_at)
             VALUES (?1, ?2, ?3, ?4, 'active', ?5)",
            params![
                new.email.as_str(),
                topics,
                new.delivery.timezone(),
                new.delivery.cron_source(),
                to_unix(now)
            ],
        )?;
        Ok(AddSubscriber::Added(self.conn.last_insert_rowid()))
    }

    /// Records a request from the public form (double opt-in): a new
    /// address becomes `pending`; an existing one keeps its settings until
    /// the emailed link confirms the request. At most one mail per address
    /// every `resend_after`, so the form cannot be used to flood an inbox.
    pub fn request_subscription(
        &mut self,
        new: &NewSubscriber<'_>,
        now: DateTime<Utc>,
        resend_after: chrono::Duration,
    ) -> Result<SubscribeRequest, StoreError> {
        let requested = serde_json::to_string(&new.topics).unwrap_or_else(|_| "null".into());
        let tx = super::write_tx(&mut self.conn)?;
        let existing: Option<(SubscriberLink, SubscriberStatus, Option<i64>)> = tx
            .query_row(
                "SELECT id, token_salt, status, requested_at FROM subscribers WHERE email = ?1",
                [new.email.as_str()],
                |r| {
                    let link = SubscriberLink {
                        id: r.get(0)?,
                        salt: r.get(1)?,
                    };
                    Ok((link, parse_column(r, 2)?, r.get(3)?))
                },
            )
            .optional()?;
        let outcome = match existing {
            None => {
                let link = tx.query_row(
                    "INSERT INTO subscribers (email, topics, timezone, schedule, status, created_at,
                                              requested_topics, requested_at)
                     VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?5)
                     RETURNING id, token_salt",
                    params![
                        new.email.as_str(),
                        new.topics.map(|t| serde_json::to_string(t).unwrap_or_default()),
                        new.delivery.timezone(),
                        new.delivery.cron_source(),
                        to_unix(now),
                        requested
                    ],
                    |r| {
                        Ok(SubscriberLink {
                            id: r.get(0)?,
                            salt: r.get(1)?,
                        })
                    },
                )?;
                SubscribeRequest::Confirm(link)
            }
            Some((_, SubscriberStatus::Bouncing, _)) => SubscribeRequest::Quiet,
            Some((_, _, Some(at))) if from_unix(at) + resend_after > now => SubscribeRequest::Quiet,
            Some((link, status, _)) => {
                tx.execute(
                    "UPDATE subscribers SET requested_topics = ?2, requested_at = ?3 WHERE id = ?1",
                    params![link.id, requested, to_unix(now)],
                )?;
                if status == SubscriberStatus::Active {
                    SubscribeRequest::AlreadyActive(link)
                } else {
                    SubscribeRequest::Confirm(link)
                }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Confirms a request made at most `valid_for` ago: the subscriber
    /// becomes active with the topics they asked for. False when there is
    /// no such request (already confirmed, expired, or never made).
    pub fn confirm_subscription(
        &mut self,
        subscriber_id: i64,
        now: DateTime<Utc>,
        valid_for: chrono::Duration,
    ) -> Result<bool, StoreError> {
        // A returning subscriber starts afresh: `created_at` anchors their
        // first period, so they do not get months of backlog.
        let n = self.conn.execute(
            "UPDATE subscribers
             SET status = 'active',
                 topics = CASE WHEN requested_topics = 'null' THEN NULL ELSE requested_topics END,
                 created_at = CASE WHEN status = 'active' THEN created_at ELSE ?2 END,
                 requested_topics = NULL, requested_at = NULL
             WHERE id = ?1 AND requested_at >= ?3 AND status IN ('pending', 'unsubscribed', 'active')",
            params![subscriber_id, to_unix(now), to_unix(now - valid_for)],
        )?;
        Ok(n > 0)
    }

    /// Forgets requests older than `before`: pending addresses are
    /// deleted, existing subscribers keep what they had.
    pub fn expire_requests(&mut self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        let deleted = tx.execute(
            "DELETE FROM subscribers WHERE status = 'pending' AND requested_at < ?1",
            [to_unix(before)],
        )?;
        tx.execute(
            "UPDATE subscribers SET requested_topics = NULL, requested_at = NULL
             WHERE requested_at < ?1",
            [to_unix(before)],
        )?;
        tx.commit()?;
        Ok(deleted)
    }

    /// Changes what a subscriber receives and when.
    pub fn update_preferences(
        &mut self,
        subscriber_id: i64,
        topics: Option<&[String]>,
        delivery: &DeliverySchedule,
    ) -> Result<bool, StoreError> {
        let topics = topics.map(|t| serde_json::to_string(t).unwrap_or_else(|_| "[]".into()));
        let n = self.conn.execute(
            "UPDATE subscribers SET topics = ?2, timezone = ?3, schedule = ?4 WHERE id = ?1",
            params![
                subscriber_id,
                topics,
                delivery.timezone(),
                delivery.cron_source()
            ],
        )?;
        Ok(n > 0)
    }

    /// The subscriber with this id.
    pub fn subscriber(&self, subscriber_id: i64) -> Result<Option<SubscriberRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM subscribers WHERE id = ?1"))?;
        Ok(stmt
            .query_row([subscriber_id], subscriber_from_row)
            .optional()?)
    }

    /// Every subscriber, by id.
    pub fn subscribers(&self) -> Result<Vec<SubscriberRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM subscribers ORDER BY id"))?;
        let rows = stmt.query_map([], subscriber_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Active subscribers, by id.
    pub fn active_subscribers(&self) -> Result<Vec<SubscriberRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM subscribers WHERE status = 'active' ORDER BY id"
        ))?;
        let rows = stmt.query_map([], subscriber_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The subscriber with this address (case-insensitive).
    pub fn subscriber_by_email(
        &self,
        email: &SubscriberEmail,
    ) -> Result<Option<SubscriberRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM subscribers WHERE email = ?1"
        ))?;
        Ok(stmt
            .query_row([email.as_str()], subscriber_from_row)
            .optional()?)
    }

    /// Deletes a subscriber and their ledger; false when unknown.
    pub fn remove_subscriber(&mut self, email: &SubscriberEmail) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM subscribers WHERE email = ?1", [email.as_str()])?;
        Ok(n > 0)
    }

    /// Stops a subscriber's digests (the one-click unsubscribe, RFC 8058)
    /// and replaces their token salt, so that every link mailed to them so
    /// far stops working (issue #11). False when no such subscriber.
    pub fn unsubscribe(&mut self, subscriber_id: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE subscribers
             SET status = 'unsubscribed', token_salt = lower(hex(randomblob(16)))
             WHERE id = ?1",
            [subscriber_id],
        )?;
        Ok(n > 0)
    }

    /// Brings back a subscriber who unsubscribed (from their preferences
    /// link, which proves the mailbox is theirs). False when not
    /// unsubscribed.
    pub fn resubscribe(
        &mut self,
        subscriber_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE subscribers SET status = 'active', created_at = ?2
             WHERE id = ?1 AND status = 'unsubscribed'",
            params![subscriber_id, to_unix(now)],
        )?;
        Ok(n > 0)
    }

    /// Marks a subscriber whose address keeps failing permanently.
    pub fn mark_bouncing(&mut self, subscriber_id: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE subscribers SET status = 'bouncing' WHERE id = ?1",
            [subscriber_id],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn request(store: &mut Store, email: &SubscriberEmail, now: &str) -> SubscribeRequest {
        let topics = ["russia-north-korea".to_string()];
        let new = NewSubscriber {
            email,
            topics: Some(&topics),
            delivery: &crate::model::DeliverySchedule::parse("Asia/Kolkata", "0 0 7 * * *")
                .unwrap(),
        };
        store
            .request_subscription(&new, at(now), chrono::Duration::minutes(10))
            .unwrap()
    }

    #[test]
    fn an_unknown_stored_status_is_an_error_naming_it() {
        let mut store = Store::open_in_memory().unwrap();
        let a = SubscriberEmail::parse("a@example.org").unwrap();
        let SubscribeRequest::Confirm(link) = request(&mut store, &a, "2026-11-23T10:00:00Z")
        else {
            panic!("a new address is asked to confirm");
        };
        // Only a hand edit past the table's CHECK can store such a word.
        store
            .conn
            .execute_batch(&format!(
                "PRAGMA ignore_check_constraints = ON;
                 UPDATE subscribers SET status = 'paused' WHERE id = {};",
                link.id
            ))
            .unwrap();
        let err = store.subscriber(link.id).unwrap_err().to_string();
        assert!(
            err.contains(r#"unknown subscriber status "paused""#),
            "{err}"
        );
    }

    #[test]
    fn form_requests_are_confirmed_once_throttled_and_expire() {
        let mut store = Store::open_in_memory().unwrap();
        let a = SubscriberEmail::parse("a@example.org").unwrap();
        let SubscribeRequest::Confirm(link) = request(&mut store, &a, "2026-11-23T10:00:00Z")
        else {
            panic!("a new address is asked to confirm");
        };
        let id = link.id;
        assert_eq!(
            store.subscriber(id).unwrap().unwrap().status,
            SubscriberStatus::Pending
        );
        assert!(store.active_subscribers().unwrap().is_empty());
        assert_eq!(
            request(&mut store, &a, "2026-11-23T10:05:00Z"),
            SubscribeRequest::Quiet,
            "a second mail within ten minutes is not sent"
        );
        let day = chrono::Duration::hours(48);
        assert!(
            !store
                .confirm_subscription(id, at("2026-11-25T10:00:01Z"), day)
                .unwrap(),
            "too late"
        );
        assert!(store
            .confirm_subscription(id, at("2026-11-24T10:00:00Z"), day)
            .unwrap());
        let sub = store.subscriber(id).unwrap().unwrap();
        assert_eq!(sub.status, SubscriberStatus::Active);
        assert_eq!(sub.topics, Some(vec!["russia-north-korea".to_string()]));
        assert!(
            !store
                .confirm_subscription(id, at("2026-11-24T10:00:01Z"), day)
                .unwrap(),
            "a confirmation works once"
        );
        assert_eq!(
            request(&mut store, &a, "2026-11-24T11:00:00Z"),
            SubscribeRequest::AlreadyActive(link)
        );

        let b = SubscriberEmail::parse("b@example.org").unwrap();
        request(&mut store, &b, "2026-11-23T10:00:00Z");
        assert_eq!(
            store.expire_requests(at("2026-11-25T10:00:01Z")).unwrap(),
            1
        );
        assert!(store.subscriber_by_email(&b).unwrap().is_none());
        assert_eq!(
            store.subscriber(id).unwrap().unwrap().status,
            SubscriberStatus::Active,
            "expiry never touches confirmed subscribers"
        );
    }

    #[test]
    fn a_request_never_changes_an_existing_subscribers_settings() {
        let mut store = Store::open_in_memory().unwrap();
        let a = SubscriberEmail::parse("a@example.org").unwrap();
        let new = NewSubscriber {
            email: &a,
            topics: None,
            delivery: &crate::model::DeliverySchedule::parse("Europe/Moscow", "0 0 9 * * *")
                .unwrap(),
        };
        store
            .add_subscriber(&new, at("2026-11-20T00:00:00Z"))
            .unwrap();
        let before = store.subscriber_by_email(&a).unwrap().unwrap();
        store.unsubscribe(before.id).unwrap();
        let outcome = request(&mut store, &a, "2026-11-23T10:00:00Z");
        let unsubscribed = store.subscriber(before.id).unwrap().unwrap();
        let link = SubscriberLink {
            id: unsubscribed.id,
            salt: unsubscribed.token_salt,
        };
        assert_eq!(outcome, SubscribeRequest::Confirm(link));
        let after = store.subscriber_by_email(&a).unwrap().unwrap();
        assert_eq!(
            after.status,
            SubscriberStatus::Unsubscribed,
            "not until confirmed"
        );
        assert_eq!(after.topics, None);
        assert_eq!(after.timezone, "Europe/Moscow");
    }
}
