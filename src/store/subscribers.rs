//! SQL for `subscribers` (issue #5).

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};

use super::{from_unix, to_unix, Store, StoreError};
use crate::model::SubscriberEmail;

/// A stored subscriber.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriberRow {
    /// Row id.
    pub id: i64,
    /// Their address.
    pub email: SubscriberEmail,
    /// Topic slugs; `None` means every topic.
    pub topics: Option<Vec<String>>,
    /// IANA time zone name.
    pub timezone: String,
    /// Cron expression (with seconds) in `timezone`.
    pub schedule: String,
    /// `pending`, `active`, `unsubscribed` or `bouncing`.
    pub status: String,
    /// When they were added.
    pub created_at: DateTime<Utc>,
}

/// What adding a subscriber did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddSubscriber {
    /// A new row with this id.
    Added(i64),
    /// The address was already subscribed (any status).
    Exists(i64),
}

/// A subscriber to add.
#[derive(Debug, Clone)]
pub struct NewSubscriber<'a> {
    /// Their address.
    pub email: &'a SubscriberEmail,
    /// Topic slugs; `None` means every topic.
    pub topics: Option<&'a [String]>,
    /// IANA time zone name.
    pub timezone: &'a str,
    /// Cron expression (with seconds).
    pub schedule: &'a str,
}

const COLUMNS: &str = "id, email, topics, timezone, schedule, status, created_at";

fn subscriber_from_row(r: &Row<'_>) -> rusqlite::Result<SubscriberRow> {
    let email: String = r.get(1)?;
    let topics: Option<String> = r.get(2)?;
    Ok(SubscriberRow {
        id: r.get(0)?,
        // Only SubscriberEmail values are ever written to this column.
        email: SubscriberEmail::parse(&email).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?,
        topics: topics.and_then(|t| serde_json::from_str(&t).ok()),
        timezone: r.get(3)?,
        schedule: r.get(4)?,
        status: r.get(5)?,
        created_at: from_unix(r.get(6)?),
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
                new.timezone,
                new.schedule,
                to_unix(now)
            ],
        )?;
        Ok(AddSubscriber::Added(self.conn.last_insert_rowid()))
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

    /// Stops a subscriber's digests (the one-click unsubscribe, RFC 8058).
    /// False when no such subscriber.
    pub fn unsubscribe(&mut self, subscriber_id: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE subscribers SET status = 'unsubscribed' WHERE id = ?1",
            [subscriber_id],
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
