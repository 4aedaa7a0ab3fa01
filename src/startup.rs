//! Start-up: what every entry point (the command line, the demo and the
//! daemon) builds before it works, built the same way for all of them.
//!
//! - [`runtime`]: the async runtime, with a bound on blocking threads;
//! - [`open_store`]: the database opened, migrated and prepared (the
//!   config's feeds subscribed, stored items retagged when the topic rules
//!   changed, stored items given their stories);
//! - [`poller`]: the HTTP client and its limits, kept for as long as the
//!   process polls;
//! - [`Delivery`]: one mailer (one SMTP connection pool) and the key that
//!   signs subscribers' links, shared by digests and the subscribe form.
//!
//! ```no_run
//! # fn demo(config: &khabar::config::Config) -> Result<(), khabar::startup::StartupError> {
//! use khabar::startup;
//! let runtime = startup::runtime()?;
//! let _inside = runtime.enter(); // lettre's pool spawns onto the runtime
//! let mut store = startup::open_store(config)?;
//! let delivery = startup::Delivery::new(config, &mut store)?;
//! let sender = delivery.sender(config);
//! # let _ = sender; Ok(()) }
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::digest::{ledger, Mailer, SendError, Sender};
use crate::fetch::FetchError;
use crate::scheduler::Poller;
use crate::store::{AddFeed, FeedOrigin, Store, StoreError};

/// Threads for blocking work (parsing, SQLite). Parsing is CPU-bound, so
/// more threads than this buy nothing on a small machine, while each extra
/// thread gets its own malloc arena and raises peak memory.
const MAX_BLOCKING_THREADS: usize = 4;

/// Why start-up failed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The async runtime could not be started.
    #[error("starting the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The database could not be opened or migrated.
    #[error("opening database {path}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite or the migration said.
        #[source]
        source: StoreError,
    },
    /// Preparing the opened database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The mailer could not be set up.
    #[error(transparent)]
    Mailer(#[from] SendError),
}

/// The async runtime every khabar command runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime, StartupError> {
    crate::allocator::tune();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()
        .map_err(StartupError::Runtime)
}

/// Opens the database at `config.database` and migrates it, without
/// preparing anything else (retention and the daemon's own connections).
pub fn open_plain(config: &Config) -> Result<Store, StartupError> {
    Store::open(&config.database).map_err(|source| StartupError::Open {
        path: config.database.clone(),
        source,
    })
}

/// Opens and migrates the database, subscribes to the feeds listed in the
/// config, retags stored items when the topic rules changed since they
/// were tagged, and gives stored items without a story theirs.
pub fn open_store(config: &Config) -> Result<Store, StartupError> {
    let mut store = open_plain(config)?;
    for feed in &config.feeds {
        let id = match store.add_feed(&feed.url, FeedOrigin::Config)? {
            AddFeed::Added(id) | AddFeed::Exists(id) => id,
        };
        store.set_feed_interval(id, feed.interval)?;
        store.set_feed_full_text(id, feed.full_text)?;
    }
    if store.rules_fingerprint()?.as_deref() != Some(config.tagger.fingerprint().as_str()) {
        let n = crate::topics::retag_stored(&mut store, &config.tagger)?;
        tracing::info!(items = n, "topic rules changed: retagged stored items");
    }
    // A database upgraded to search (or written by something else) gets
    // its items indexed before anything searches it (issue #17).
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let indexed = crate::search::backfill::index_pending(&mut store, progress)?;
    if indexed > 0 {
        tracing::info!(items = indexed, "indexed stored items for search");
    }
    // A database upgraded to stories (or written without a grouper) gets
    // its items' stories before anything is published from it.
    if store.has_items_without_story()? {
        let finder = Arc::new(crate::stories::TermFinder::new(&config.tagger));
        let mut grouper =
            crate::stories::restore(&mut store, finder, crate::stories::DEFAULT_WINDOW)?;
        let n = crate::stories::assign_pending(&mut store, &mut grouper)?;
        tracing::info!(items = n, "assigned stored items to stories");
    }
    Ok(store)
}

/// The poller for `config`: one HTTP client and its per-host limits, to be
/// kept for as long as the process polls.
pub fn poller(config: &Config) -> Result<Arc<Poller>, StartupError> {
    Ok(Arc::new(Poller::new(
        &config.fetch,
        config.schedule,
        config.database.clone(),
        config.tagger.clone(),
    )?))
}

/// How digests and the subscribe form's mails leave: one mailer, and so
/// one SMTP connection pool, and the key that signs subscribers' links.
pub struct Delivery {
    /// SMTP, or `.eml` files in the outbox.
    pub mailer: Mailer,
    /// The configured link key, else the one kept in the database.
    pub secret: String,
}

impl Delivery {
    /// The delivery for `config`, reading (or creating) the link key in
    /// `store`. Call it inside the runtime: lettre's pool spawns onto it.
    pub fn new(config: &Config, store: &mut Store) -> Result<Delivery, StartupError> {
        Ok(Delivery {
            secret: ledger::link_secret(config, store)?,
            mailer: Mailer::from_config(&config.smtp, &config.digest.outbox)?,
        })
    }

    /// What a digest pass needs besides the store.
    pub fn sender<'a>(&'a self, config: &'a Config) -> Sender<'a> {
        Sender {
            config,
            mailer: &self.mailer,
            secret: &self.secret,
        }
    }
}
