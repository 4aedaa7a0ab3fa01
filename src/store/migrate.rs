//! Applies `migrations/NNNN_name.sql` in order, each in its own transaction,
//! and records every applied one in `schema_migrations`.

use rusqlite::{params, Connection};

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
        "0010_media",
        include_str!("../../migrations/0010_media.sql"),
    ),
    (
        "0011_story_evidence",
        include_str!("../../migrations/0011_story_evidence.sql"),
    ),
    (
        "0013_search",
        include_str!("../../migrations/0013_search.sql"),
    ),
];

/// Applies the migrations this database has not seen yet.
pub(super) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
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
    for (name, sql) in MIGRATIONS
        .iter()
        .filter(|(m, _)| !done.iter().any(|d| d == m))
    {
        let fail = |source| StoreError::Migration {
            name: name.to_string(),
            source,
        };
        let tx = super::write_tx(conn).map_err(fail)?;
        tx.execute_batch(sql).map_err(fail)?;
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
