//! The store stage: one SQLite file in WAL mode, schema from `migrations/`,
//! and every SQL statement khabar runs.
//!
//! A [`Store`] owns one connection. Writers batch their work into one
//! transaction (see [`Store::write_poll_results`]); readers open their own
//! `Store` on the same file, which WAL makes safe.

mod digests;
mod error;
mod feeds;
mod fulltext;
mod items;
mod migrate;
mod probe;
mod publish;
mod retention;
mod search;
mod stories;
mod subscribers;
#[cfg(test)]
pub(crate) mod testing;
mod topics;
mod websub;
mod websub_hub;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

/// The poll types the store writes, defined with the other cross-stage types.
pub use crate::model::{FeedState, OutletPages, PollRecord, PollResult};
pub use digests::{DigestItemRow, DigestRow};
pub use error::StoreError;
pub use feeds::{AddFeed, FeedOrigin, FeedRow, FeedStatus, PushRecord};
pub use fulltext::StoredVersion;
pub use items::{ItemRow, StoreReport};
pub use publish::{EntryQuery, EntryRow, MetricsGauges, OutletRow, RelatedRow};
pub use retention::{PruneCutoffs, PruneReport};
pub use search::{HitRow, MatchQuery, MatchRow};
pub use stories::{StoredText, StoryDetail, StoryItem, StoryJoin, StoryMemberRow, StoryRow};
pub use subscribers::{
    AddSubscriber, NewSubscriber, SubscribeRequest, SubscriberLink, SubscriberRow,
};
pub use topics::StoredTopic;
pub use websub::{HubMode, HubRequest, SubscriptionRow, SubscriptionState};
pub use websub_hub::{HubSubscribe, HubSubscriberRow};

/// A write transaction that takes the write lock at `BEGIN`. A deferred
/// one that reads first and writes later fails at once with `SQLITE_BUSY`
/// when another connection committed in between (WAL snapshots cannot be
/// upgraded, and the busy timeout does not apply); this one waits its turn.
fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to khabar's database, migrated to the current schema.
pub struct Store {
    conn: Connection,
    /// When a running search must stop (see `search.rs`).
    deadline: std::sync::Arc<search::Deadline>,
}

impl Store {
    /// Opens (creating if missing) the database file, enables WAL and
    /// foreign keys, and applies pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::setup(conn)
    }

    /// An in-memory database (for `stories eval` and tests).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Takes effect only in a database without tables yet (a new one);
        // retention converts older ones (see `retention.rs`). Setting it
        // rewrites the header, which every other connection's
        // `data_version` reads as a commit (and the HTTP server as a
        // reason to rebuild every document): only when not yet set.
        let auto_vacuum: i64 = conn.pragma_query_value(None, "auto_vacuum", |r| r.get(0))?;
        if auto_vacuum != AUTO_VACUUM_INCREMENTAL {
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let deadline = search::install_deadline(&mut conn)?;
        let mut store = Store { conn, deadline };
        // Foreign keys are turned on once the schema is current (see
        // `migrate`): a table rebuild must not cascade.
        migrate::apply(&mut store.conn)?;
        store.conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(store)
    }

    /// The names of the migrations applied so far, in order.
    pub fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        migrate::applied(&self.conn)
    }
}

/// SQLite's `auto_vacuum` value for "incremental".
const AUTO_VACUUM_INCREMENTAL: i64 = 2;

/// Unix seconds of a UTC time, as stored in every time column.
fn to_unix(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

/// Column `idx` as text parsed into `T` (a status word, say): a stored value
/// `T` does not know is a conversion error naming it, never a default.
fn parse_column<T>(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = r.get(idx)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// The UTC time of a stored Unix-seconds value.
fn from_unix(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// SQLite before 3.50.2 can corrupt memory when an aggregate has more
    /// terms than columns (CVE-2025-6965); the bundled library must be newer.
    #[test]
    fn bundled_sqlite_has_the_cve_2025_6965_fix() {
        let store = super::Store::open_in_memory().unwrap();
        let version: String = store
            .conn
            .query_row("SELECT sqlite_version()", [], |r| r.get(0))
            .unwrap();
        let parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
        assert!(parts >= vec![3, 50, 2], "bundled SQLite {version}");
    }
}
