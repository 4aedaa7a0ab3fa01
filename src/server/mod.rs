//! The HTTP server (issue #4): the published feeds, the front page, OPML,
//! health and metrics, for feed readers and people; and the subscriber
//! pages ([`accounts`], issue #5); and the WebSub callbacks (issue #16).
//!
//! [`router`] maps URLs to small handlers ([`feeds`]); documents come from
//! [`AppState::document`], which serves them from memory ([`cache`]) until
//! the database changes, and builds at most [`MAX_BUILDS`] at once on the
//! blocking pool. [`serve`] runs the accept loop with bounded connections
//! and timeouts; `khabar run` composes it with the scheduler in
//! [`crate::daemon`].
//!
//! ```no_run
//! # async fn demo(config: khabar::config::Config) -> anyhow::Result<()> {
//! use khabar::server::{self, AppState};
//! let state = AppState::new(&config, None)?; // no subscriber pages
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! server::serve(listener, state, std::future::pending()).await?;
//! # Ok(()) }
//! ```

pub mod accounts;
mod api;
mod cache;
mod client;
mod conditional;
mod feeds;
mod health;
mod hub;
mod metrics;
mod search;
mod serve;
mod websub;
mod zerocopy;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use tokio::sync::Semaphore;
use tower_http::timeout::TimeoutLayer;

use crate::config::Config;
use crate::publish::{self, Paging, PublishError, Site};
use crate::store::{Store, StoreError};

pub use cache::{DocKey, Served};
pub use hub::{announce, distribute};
pub use serve::serve;

/// Documents built from SQLite at once; more requests for stale documents
/// wait (and then find the fresh copy another request built).
pub const MAX_BUILDS: usize = 2;

/// Longest time one request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler shares.
pub struct AppState {
    site: Site,
    db: Db,
    cache: cache::DocCache,
    builds: Arc<Semaphore>,
    gauges: metrics::GaugeRefresh,
    health: health::HealthCache,
    accounts: Option<accounts::Accounts>,
    /// The scheduler's heartbeat for `/healthz`, when one runs (`khabar run`).
    heartbeat: OnceLock<Arc<crate::scheduler::Heartbeat>>,
    /// The WebSub callbacks, when subscribing is on (`khabar run`, issue #16).
    websub: OnceLock<Arc<crate::websub::Callbacks>>,
    /// khabar's own WebSub hub, when it runs (`khabar run`, issue #16).
    hub: OnceLock<Arc<crate::websub::Hub>>,
    /// Told each time the cache is invalidated: the hub's distributor
    /// looks for new documents to deliver.
    changed: tokio::sync::Notify,
    /// Who may read `/metrics`.
    metrics_allow: Vec<ipnet::IpNet>,
    /// Whether the client address comes from `X-Forwarded-For`.
    behind_proxy: bool,
}

impl AppState {
    /// The state for serving `config`'s database and site, with the
    /// subscriber pages when `accounts` is given.
    pub fn new(
        config: &Config,
        accounts: Option<accounts::Accounts>,
    ) -> Result<Arc<AppState>, StoreError> {
        let mut state =
            AppState::assemble(config.database.clone(), Site::from_config(config), accounts)?;
        if let Some(state) = Arc::get_mut(&mut state) {
            state.metrics_allow = config.metrics_allow.clone();
            state.behind_proxy = config.behind_proxy;
        }
        Ok(state)
    }

    /// The state for serving the database at `path` as `site`, without
    /// subscriber pages.
    pub fn with_site(path: PathBuf, site: Site) -> Result<Arc<AppState>, StoreError> {
        AppState::assemble(path, site, None)
    }

    fn assemble(
        path: PathBuf,
        site: Site,
        accounts: Option<accounts::Accounts>,
    ) -> Result<Arc<AppState>, StoreError> {
        let watch = Store::open(&path)?;
        let version = watch.data_version()?;
        Ok(Arc::new(AppState {
            site,
            db: Db {
                path,
                idle: Mutex::new(Vec::new()),
                watch: Mutex::new(watch),
                version: AtomicI64::new(version),
            },
            cache: cache::DocCache::default(),
            builds: Arc::new(Semaphore::new(MAX_BUILDS)),
            health: health::HealthCache::default(),
            gauges: metrics::GaugeRefresh::default(),
            accounts,
            heartbeat: OnceLock::new(),
            websub: OnceLock::new(),
            hub: OnceLock::new(),
            changed: tokio::sync::Notify::new(),
            metrics_allow: crate::config::DEFAULT_METRICS_ALLOW
                .iter()
                .filter_map(|net| net.parse().ok())
                .collect(),
            behind_proxy: false,
        }))
    }

    /// The site the documents describe.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Answers on `/websub/…` with `callbacks` (set once; later calls are
    /// ignored).
    pub fn enable_websub(&self, callbacks: Arc<crate::websub::Callbacks>) {
        let _ = self.websub.set(callbacks);
    }

    /// Answers on `/websub/hub` with `hub` (set once; later calls are
    /// ignored). Set before serving, so that no request finds it missing.
    pub fn enable_hub(&self, hub: Arc<crate::websub::Hub>) {
        let _ = self.hub.set(hub);
    }

    /// Forgets every cached document (after this process wrote the database).
    pub fn invalidate(&self) {
        self.cache.invalidate();
        self.changed.notify_one();
    }

    /// Invalidates the cache if another connection committed since the last
    /// look (`PRAGMA data_version`); cheap enough to call every second.
    pub async fn check_for_changes(self: &Arc<Self>) -> Result<(), StoreError> {
        let state = Arc::clone(self);
        let version = tokio::task::spawn_blocking(move || {
            let watch = state.db.watch.lock().unwrap_or_else(|e| e.into_inner());
            watch.data_version()
        })
        .await;
        match version {
            Ok(version) => {
                let version = version?;
                if self.db.version.swap(version, Ordering::AcqRel) != version {
                    self.invalidate();
                }
            }
            // The check panicked: assume a change rather than serve stale data.
            Err(_) => self.invalidate(),
        }
        Ok(())
    }

    /// The document for `key`: from memory when nothing changed since it
    /// was built, else built now on the blocking pool.
    pub async fn document(self: &Arc<Self>, key: DocKey) -> Result<Arc<Served>, PublishError> {
        if let Some(hit) = self.cache.get(&key) {
            crate::metrics::PUBLISH_CACHE_HITS.inc(&[]);
            return Ok(hit);
        }
        // The semaphore is never closed, so acquiring only waits.
        let permit = Arc::clone(&self.builds).acquire_owned().await;
        if let Some(hit) = self.cache.get(&key) {
            crate::metrics::PUBLISH_CACHE_HITS.inc(&[]);
            return Ok(hit);
        }
        let generation = self.cache.generation();
        let state = Arc::clone(self);
        // The build owns its permit and caches its own result: a request
        // that times out (and so drops this future) leaves the build to
        // finish, and the permit is free again only once the blocking
        // thread and its database connection are, so timed-out builds
        // never pile up beyond MAX_BUILDS.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let served = Arc::new(state.build(&key)?);
            state.cache.insert(key, generation, Arc::clone(&served));
            Ok(served)
        })
        .await
        .map_err(|e| PublishError::Render {
            format: "document",
            message: e.to_string(),
        })?
    }

    fn build(&self, key: &DocKey) -> Result<Served, PublishError> {
        let doc = self.db.with_store(|store| match key {
            DocKey::Feed(request) => {
                publish::feed_document(store, &self.site, request, Paging::Linked)
            }
            DocKey::Index => publish::index::index_document(store, &self.site),
            DocKey::Opml => publish::outlets_opml(store),
            DocKey::Story(id) => publish::story::story_document(store, &self.site, *id)?
                .ok_or(PublishError::NotFound),
            DocKey::Search(request) => publish::search::search_document(store, &self.site, request),
        })?;
        crate::metrics::PUBLISH_BUILDS.inc(&[]);
        Ok(Served::new(doc))
    }
}

/// Reader connections, reused across builds (at most [`MAX_BUILDS`] plus
/// the metrics reader are ever open), and the one that watches for changes.
struct Db {
    path: PathBuf,
    idle: Mutex<Vec<Store>>,
    watch: Mutex<Store>,
    version: AtomicI64,
}

impl Db {
    fn with_store<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, PublishError>,
    ) -> Result<T, PublishError> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let store = match pooled {
            Some(store) => store,
            None => Store::open(&self.path)?,
        };
        let result = f(&store);
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(store);
        result
    }
}

/// Every route khabar serves.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(feeds::index))
        .route("/{file}", get(feeds::merged_feed))
        .route("/topics/{file}", get(feeds::topic_feed))
        .route("/opml", get(feeds::opml))
        .route("/search", get(search::page))
        .route("/searches/{file}", get(search::saved))
        .route("/stories/{id}", get(feeds::story))
        .route("/api/stories", get(api::stories))
        .route("/api/stories/{id}", get(api::story))
        .route("/api/search", get(api::search))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::metrics))
        .route("/websub/hub", axum::routing::post(websub::hub))
        .route("/websub/{token}", get(websub::verify).post(websub::push))
        .route(
            "/subscribe",
            get(accounts::subscribe_form).post(accounts::subscribe_submit),
        )
        .route(
            "/confirm",
            get(accounts::confirm_page).post(accounts::confirm_submit),
        )
        .route(
            "/unsubscribe",
            get(accounts::unsubscribe_page).post(accounts::unsubscribe_submit),
        )
        .route(
            "/preferences",
            get(accounts::preferences_page).post(accounts::preferences_submit),
        )
        .fallback(feeds::not_found)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(nosniff))
        .with_state(state)
}

/// Tells browsers to trust our Content-Types, never to guess them.
async fn nosniff(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
