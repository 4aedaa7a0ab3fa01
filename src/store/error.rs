//! Errors of the store stage.

use std::path::PathBuf;

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("open database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The folder for the database could not be created.
    #[error("create database folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A migration failed; the database is left at the previous version.
    #[error("apply migration {name}: {source}")]
    Migration {
        /// The migration file's name.
        name: String,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database was written by a newer khabar.
    #[error("database has migration {name} that this khabar does not know; upgrade khabar")]
    UnknownMigration {
        /// The unknown migration's name.
        name: String,
    },
    /// A query ran past its time budget and was stopped.
    #[error("the query took longer than {budget:?} and was stopped")]
    Interrupted {
        /// The budget.
        budget: std::time::Duration,
    },
    /// Database work on the blocking pool panicked; it was rolled back.
    #[error("database work panicked: {0}")]
    Panicked(String),
    /// Any other SQLite error.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
