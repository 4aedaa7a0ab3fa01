//! Applies `migrations/NNNN_name.sql` in order, each in its own transaction,
//! and records every applied one in `schema_migrations`.
//!
//! Migrations run with foreign keys off (the caller turns them on after),
//! as SQLite's procedure for rebuilding a table asks: dropping the old
//! table must not cascade into the rows that refer to it. Each migration
//! then has to leave no dangling reference (`PRAGMA foreign_key_check`)
//! before it commits.

use rusqlite::{params, Connection, OptionalExtension};

use super::StoreError;

/// Every migration, in order. The files are embedded so that the binary
/// alone can create and upgrade a database.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    (
        "0002_topics",
        include_str!("../../migrations/0002_topics.sql"),
    ),
    (
        "0003_digest",
        include_str!("../../migrations/0003_digest.sql"),
    ),
    (
        "0004_feed_moves",
        include_str!("../../migrations/0004_feed_moves.sql"),
    ),
    (
        "0005_stories",
        include_str!("../../migrations/0005_stories.sql"),
    ),
    (
        "0006_fulltext",
        include_str!("../../migrations/0006_fulltext.sql"),
    ),
    (
        "0007_retention",
        include_str!("../../migrations/0007_retention.sql"),
    ),
    (
        "0008_subscribe_form",
        include_str!("../../migrations/0008_subscribe_form.sql"),
    ),
    (
        "0009_subscriber_ids",
        include_str!("../../migrations/0009_subscriber_ids.sql"),
    ),
    (
        "0010_media",
        include_str!("../../migrations/0010_media.sql"),
    ),
    (
        "0011_story_evidence",
        include_str!("../../migrations/0011_story_evidence.sql"),
    ),
    (
        "0012_websub",
        include_str!("../../migrations/0012_websub.sql"),
    ),
    (
        "0013_search",
        include_str!("../../migrations/0013_search.sql"),
    ),
    (
        "0014_search_unindexed",
        include_str!("../../migrations/0014_search_unindexed.sql"),
    ),
    (
        "0015_search_names",
        include_str!("../../migrations/0015_search_names.sql"),
    ),
];

/// Applies the migrations this database has not seen yet.
pub(super) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    apply_these(conn, MIGRATIONS)
}

fn apply_these(conn: &mut Connection, migrations: &[(&str, &str)]) -> Result<(), StoreError> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             name TEXT PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let done = applied(conn)?;
    if let Some(unknown) = done
        .iter()
        .find(|name| !MIGRATIONS.iter().any(|(m, _)| m == name))
    {
        return Err(StoreError::UnknownMigration {
            name: unknown.clone(),
        });
    }
    for (name, sql) in migrations
        .iter()
        .filter(|(m, _)| !done.iter().any(|d| d == m))
    {
        let fail = |source| StoreError::Migration {
            name: name.to_string(),
            source,
        };
        let tx = super::write_tx(conn).map_err(fail)?;
        tx.execute_batch(sql).map_err(fail)?;
        let dangling: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(fail)?;
        if let Some(table) = dangling {
            return Err(fail(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                Some(format!("rows of {table} refer to rows that are gone")),
            )));
        }
        tx.execute(
            "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, unixepoch())",
            params![name],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        tracing::info!(migration = name, "applied migration");
    }
    Ok(())
}

/// Names of the applied migrations, oldest first.
pub(super) fn applied(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT name FROM schema_migrations ORDER BY name")?;
    let names = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SubscriberEmail;
    use crate::store::{AddSubscriber, NewSubscriber, Store};

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    // See: issue #11
    #[test]
    fn subscriber_ids_are_never_reused_and_the_rebuild_keeps_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let before_0009 = MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0009_subscriber_ids")
            .unwrap();
        {
            let mut conn = Connection::open(&path).unwrap();
            apply_these(&mut conn, &MIGRATIONS[..before_0009]).unwrap();
            conn.execute_batch(
                "INSERT INTO subscribers (id, email, timezone, schedule, status, created_at,
                                          requested_topics, requested_at)
                 VALUES (1, 'a@example.org', 'UTC', '0 0 7 * * *', 'active', 10, NULL, NULL),
                        (3, 'B@example.org', 'Asia/Kolkata', '0 0 9 * * *', 'pending', 20,
                         '[\"russia-north-korea\"]', 20);
                 INSERT INTO digests (subscriber_id, period_start, period_end, status,
                                      message_id, created_at)
                 VALUES (1, 0, 100, 'sent', '<m1@x>', 100), (3, 0, 100, 'pending', '<m3@x>', 100);",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let rows = store.subscribers().unwrap();
        let kept: Vec<(i64, &str, &str)> = rows
            .iter()
            .map(|s| (s.id, s.email.as_str(), s.status.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                (1, "a@example.org", "active"),
                (3, "B@example.org", "pending")
            ]
        );
        assert_eq!(count(&store.conn, "SELECT count(*) FROM digests"), 2);
        assert_eq!(
            count(
                &store.conn,
                "SELECT count(*) FROM subscribers WHERE requested_topics IS NOT NULL"
            ),
            1
        );
        assert_ne!(rows[0].token_salt, rows[1].token_salt, "a salt each");
        assert_eq!(rows[0].token_salt.len(), 32);
        let email_unique_nocase = store.conn.execute(
            "INSERT INTO subscribers (email, timezone, schedule, created_at)
             VALUES ('A@EXAMPLE.ORG', 'UTC', '*', 0)",
            [],
        );
        assert!(email_unique_nocase.is_err(), "the email index survived");

        // The highest id goes; the next subscriber does not get it back.
        let b = SubscriberEmail::parse("B@example.org").unwrap();
        assert!(store.remove_subscriber(&b).unwrap());
        assert_eq!(
            count(&store.conn, "SELECT count(*) FROM digests"),
            1,
            "the removed subscriber's ledger goes with them (foreign keys on)"
        );
        let c = SubscriberEmail::parse("c@example.org").unwrap();
        let new = NewSubscriber {
            email: &c,
            topics: None,
            delivery: &crate::model::DeliverySchedule::parse("UTC", "0 0 7 * * *").unwrap(),
        };
        let AddSubscriber::Added(id) = store.add_subscriber(&new, chrono::Utc::now()).unwrap()
        else {
            panic!("a new subscriber")
        };
        assert_eq!(id, 4, "not 3 again");

        // Unsubscribing replaces the salt.
        let salt = store.subscriber(1).unwrap().unwrap().token_salt;
        assert!(store.unsubscribe(1).unwrap());
        assert_ne!(store.subscriber(1).unwrap().unwrap().token_salt, salt);
    }
}
