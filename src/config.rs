//! Configuration: `khabar.toml` (every key optional) → [`RawConfig`] (serde,
//! defaults) → [`Config`] (validated once at start-up).
//!
//! The file comes from `--config`, else `KHABAR_CONFIG`, else `./khabar.toml`
//! when it exists, else built-in defaults. Every key can also be set by an
//! environment variable `KHABAR_<SECTION>_<KEY>`, which wins over the file
//! ([`env`]); errors in such a value name the variable.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::model::{DeliverySchedule, FeedUrl, ScheduleError};
use crate::topics::Tagger;

mod effective;
pub mod env;

pub use effective::Checked;

/// The config file looked for in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "khabar.toml";

/// Shortest `schedule.tick`: tests run the daemon this fast.
pub const MIN_TICK: Duration = Duration::from_millis(100);

/// Longest `schedule.tick`: a slower loop would leave due feeds waiting.
pub const MAX_TICK: Duration = Duration::from_secs(3600);

/// Shortest retention accepted: a typo such as `"180s"` for `"180d"` must
/// not wipe the database.
pub const MIN_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An environment variable sets a key to a value that cannot be used,
    /// or names a key its section does not have.
    #[error("environment variable {var} (config key `{key}`): {problem}")]
    Env {
        /// The variable, e.g. `KHABAR_SMTP_URL`.
        var: String,
        /// The dotted key it sets.
        key: String,
        /// What was expected.
        problem: String,
    },
    /// The TOML is malformed, or a key has the wrong type or is unknown.
    #[error("config {path}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, naming the key and line.
        message: String,
    },
    /// A key has a value of the right type that cannot be used.
    #[error("config {path}: key `{key}`: {problem}")]
    Invalid {
        /// The file (or `<defaults>`).
        path: PathBuf,
        /// The key, dotted.
        key: String,
        /// What was expected.
        problem: String,
    },
}

/// The file as written: every section optional.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    database: RawDatabase,
    fetch: RawFetch,
    schedule: RawSchedule,
    retention: RawRetention,
    server: RawServer,
    smtp: RawSmtp,
    digest: RawDigest,
    websub: RawWebSub,
    feeds: Vec<RawFeed>,
    // Topics are summarised by `khabar config check`, not printed back.
    #[serde(skip_serializing)]
    term_groups: std::collections::BTreeMap<String, crate::topics::TermGroupDef>,
    #[serde(skip_serializing)]
    topics: Vec<crate::topics::TopicDef>,
    searches: Vec<crate::search::saved::SavedSearchDef>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawDatabase {
    path: PathBuf,
}

impl Default for RawDatabase {
    fn default() -> Self {
        RawDatabase {
            path: "khabar.db".into(),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawFetch {
    concurrency: usize,
    per_host: usize,
    #[serde(with = "humantime_serde")]
    connect_timeout: Duration,
    #[serde(with = "humantime_serde")]
    timeout: Duration,
    max_body_bytes: u64,
    max_inflight_bytes: u64,
    max_redirects: usize,
    max_articles: usize,
    allow_private: Vec<String>,
    max_items: usize,
    user_agent: Option<String>,
}

impl Default for RawFetch {
    fn default() -> Self {
        RawFetch {
            concurrency: 32,
            per_host: 2,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_inflight_bytes: 16 * 1024 * 1024,
            max_redirects: 5,
            max_articles: 20,
            allow_private: Vec::new(),
            max_items: crate::normalize::limits::DEFAULT_MAX_ITEMS,
            user_agent: None,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawSchedule {
    #[serde(with = "humantime_serde")]
    interval: Duration,
    #[serde(with = "humantime_serde")]
    min_interval: Duration,
    #[serde(with = "humantime_serde")]
    max_interval: Duration,
    #[serde(with = "humantime_serde")]
    tick: Duration,
    batch: usize,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            interval: Duration::from_secs(30 * 60),
            min_interval: Duration::from_secs(5 * 60),
            max_interval: Duration::from_secs(24 * 3600),
            tick: Duration::from_secs(30),
            batch: 256,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawRetention {
    #[serde(with = "humantime_serde")]
    items: Duration,
    #[serde(with = "humantime_serde")]
    fetch_log: Duration,
}

impl Default for RawRetention {
    fn default() -> Self {
        RawRetention {
            items: Duration::from_secs(180 * 24 * 3600),
            fetch_log: Duration::from_secs(14 * 24 * 3600),
        }
    }
}

/// Who may read `/metrics` unless `server.metrics_allow` says otherwise:
/// this machine only.
pub const DEFAULT_METRICS_ALLOW: [&str; 2] = ["127.0.0.0/8", "::1/128"];

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawServer {
    listen: String,
    public_url: Option<String>,
    behind_proxy: bool,
    metrics_allow: Vec<String>,
}

impl Default for RawServer {
    fn default() -> Self {
        RawServer {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            behind_proxy: false,
            metrics_allow: DEFAULT_METRICS_ALLOW
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawSmtp {
    url: Option<String>,
    from: String,
    reply_to: Option<String>,
    username: Option<String>,
    password: Option<String>,
    connections: u32,
}

impl Default for RawSmtp {
    fn default() -> Self {
        RawSmtp {
            url: None,
            from: "khabar <digest@example.org>".into(),
            reply_to: None,
            username: None,
            password: None,
            connections: 8,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawDigest {
    schedule: String,
    timezone: String,
    outbox: PathBuf,
    send_empty: bool,
    max_attempts: u32,
    #[serde(with = "humantime_serde")]
    retry_backoff: Duration,
    secret: Option<String>,
    subscribe_form: bool,
    #[serde(with = "humantime_serde")]
    confirm_within: Duration,
}

impl Default for RawDigest {
    fn default() -> Self {
        RawDigest {
            schedule: "0 0 7 * * *".into(),
            timezone: "Asia/Kolkata".into(),
            outbox: "outbox".into(),
            send_empty: false,
            max_attempts: 5,
            retry_backoff: Duration::from_secs(1),
            secret: None,
            subscribe_form: false,
            confirm_within: Duration::from_secs(48 * 3600),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
struct RawWebSub {
    enabled: Option<bool>,
    #[serde(with = "humantime_serde")]
    lease: Duration,
    max_subscribers: usize,
    hub: Option<String>,
}

impl Default for RawWebSub {
    fn default() -> Self {
        RawWebSub {
            enabled: None,
            lease: Duration::from_secs(10 * 24 * 3600),
            max_subscribers: 10_000,
            hub: None,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    url: String,
    #[serde(default, with = "humantime_serde")]
    interval: Option<Duration>,
    #[serde(default)]
    full_text: bool,
}

/// `server.public_url` when the file sets none.
const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Shortest accepted HMAC secret: a guessable key would let anyone sign
/// unsubscribe and confirmation links.
const MIN_SECRET_LEN: usize = 16;

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
    /// The SQLite file.
    pub database: PathBuf,
    /// Fetcher limits.
    pub fetch: FetchConfig,
    /// Poll interval bounds.
    pub schedule: ScheduleConfig,
    /// How long items and the fetch log are kept.
    pub retention: RetentionConfig,
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// Base of links in published feeds and emails.
    pub public_url: url::Url,
    /// Trust the last `X-Forwarded-For` address as the client's (only
    /// behind a reverse proxy that sets it), for the form's rate limit.
    pub behind_proxy: bool,
    /// Clients allowed to read `/metrics` (the client address as for
    /// `behind_proxy`); loopback only by default.
    pub metrics_allow: Vec<ipnet::IpNet>,
    /// Feeds listed in the file.
    pub feeds: Vec<FeedConfig>,
    /// The compiled topics (the built-in ones when the file defines none).
    pub tagger: Arc<Tagger>,
    /// Mail delivery (issue #5).
    pub smtp: SmtpConfig,
    /// Digest defaults and delivery policy (issue #5).
    pub digest: DigestConfig,
    /// Saved searches (`[[searches]]`): published as feeds and offered as
    /// digest topics (issue #17).
    pub searches: Vec<crate::search::SavedSearch>,
    /// WebSub push (issue #16).
    pub websub: WebSubConfig,
}

impl Config {
    /// What a subscriber may pick for a digest: the topics, then the saved
    /// searches (their slugs never clash).
    pub fn digest_topics(&self) -> Vec<crate::topics::TopicInfo> {
        let saved = self.searches.iter().map(|s| crate::topics::TopicInfo {
            slug: s.slug.clone(),
            name: s.name.clone(),
        });
        self.tagger.topics().iter().cloned().chain(saved).collect()
    }

    /// The saved search with this slug.
    pub fn saved_search(&self, slug: &str) -> Option<&crate::search::SavedSearch> {
        self.searches.iter().find(|s| s.slug.as_str() == slug)
    }
}

/// WebSub (issue #16): subscribing to outlets' hubs, and the hub khabar's
/// own feeds announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSubConfig {
    /// Subscribe to hubs feeds announce (`websub.enabled`, env
    /// `KHABAR_WEBSUB_ENABLED`; default: on when `server.public_url` is set,
    /// since hubs must be able to reach the callback).
    pub enabled: bool,
    /// The lease asked of hubs (`hub.lease_seconds`), and the longest
    /// khabar's own hub grants.
    pub lease: Duration,
    /// Most subscriptions khabar's own hub keeps (`websub.max_subscribers`).
    pub max_subscribers: usize,
    /// An external hub that distributes khabar's feeds instead of its own
    /// (`websub.hub`, env `KHABAR_WEBSUB_HUB`): announced in every feed and
    /// told of each change with `hub.mode=publish`.
    pub hub: Option<url::Url>,
}

/// Where khabar's own WebSub hub answers, relative to `server.public_url`.
pub const HUB_PATH: &str = "websub/hub";

/// Where and as whom digests are mailed.
#[derive(Clone)]
pub struct SmtpConfig {
    /// `smtp://` or `smtps://` relay; `None` writes `.eml` files to the outbox.
    pub url: Option<url::Url>,
    /// The `From` mailbox.
    pub from: lettre::message::Mailbox,
    /// The `Reply-To` mailbox (defaults to `from`).
    pub reply_to: Option<lettre::message::Mailbox>,
    /// SMTP AUTH user.
    pub username: Option<String>,
    /// SMTP AUTH password (`smtp.password` or env `KHABAR_SMTP_PASSWORD`); never logged.
    pub password: Option<String>,
    /// Connections to the relay, and so digests handed over at once. After
    /// a crash, at most this many accepted digests can be sent again (each
    /// with its original Message-ID, which mail clients deduplicate).
    pub connections: u32,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &self.url.as_ref().map(url::Url::as_str))
            .field("from", &self.from.to_string())
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("connections", &self.connections)
            .finish()
    }
}

/// Digest schedule defaults and delivery policy.
#[derive(Clone)]
pub struct DigestConfig {
    /// New subscribers' delivery times (`digest.schedule`, a cron
    /// expression with seconds, in `digest.timezone`), parsed once here.
    pub delivery: crate::model::DeliverySchedule,
    /// Where `.eml` files go when no SMTP relay is configured.
    pub outbox: PathBuf,
    /// Send a digest even when nothing is new.
    pub send_empty: bool,
    /// Attempts before a permanently failing subscriber is marked bouncing,
    /// and transient retries within one run.
    pub max_attempts: u32,
    /// First wait between transient retries (doubles each time).
    pub retry_backoff: Duration,
    /// HMAC key for unsubscribe links (`digest.secret` or env `KHABAR_SECRET`).
    pub secret: Option<String>,
    /// Serve the public subscribe form at `/subscribe` (needs `secret`).
    pub subscribe_form: bool,
    /// How long a confirmation link from the form stays valid.
    pub confirm_within: Duration,
}

impl std::fmt::Debug for DigestConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestConfig")
            .field("schedule", &self.delivery.cron_source())
            .field("timezone", &self.delivery.tz)
            .field("outbox", &self.outbox)
            .field("send_empty", &self.send_empty)
            .field("max_attempts", &self.max_attempts)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("subscribe_form", &self.subscribe_form)
            .field("confirm_within", &self.confirm_within)
            .finish()
    }
}

/// Limits of the fetch stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// Feeds in flight at once.
    pub concurrency: usize,
    /// Feeds in flight at once on one host.
    pub per_host: usize,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Body bytes held at once by all fetches together, from the first
    /// chunk until the body is parsed (issue #11); one body beyond it may
    /// complete at a time, so at most this plus `max_body_bytes` are held.
    pub max_inflight_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Article pages fetched per full-text feed per pass (issue #7), so a
    /// feed of thousands of new items costs a bounded number of fetches.
    pub max_articles: usize,
    /// Networks khabar may fetch from although they are loopback, private,
    /// link-local or otherwise special-purpose (issue #11); empty by default.
    pub allow_private: Vec<IpNet>,
    /// Items kept from one feed document, the newest (issue #11): a feed of
    /// 250,000 tiny items cannot grow the database without bound.
    pub max_items: usize,
    /// Sent with every request so outlets can tell who polls them and
    /// whom to ask (`fetch.user_agent`; default [`default_user_agent`]).
    pub user_agent: String,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig::from_raw(RawFetch::default(), Vec::new())
    }
}

impl FetchConfig {
    fn from_raw(raw: RawFetch, allow_private: Vec<IpNet>) -> FetchConfig {
        FetchConfig {
            concurrency: raw.concurrency,
            per_host: raw.per_host,
            connect_timeout: raw.connect_timeout,
            timeout: raw.timeout,
            max_body_bytes: raw.max_body_bytes,
            max_inflight_bytes: raw.max_inflight_bytes,
            max_redirects: raw.max_redirects,
            max_articles: raw.max_articles,
            allow_private,
            max_items: raw.max_items,
            user_agent: raw.user_agent.unwrap_or_else(|| default_user_agent(None)),
        }
    }
}

/// Longest `fetch.user_agent` accepted.
const MAX_USER_AGENT: usize = 512;

/// `khabar/VERSION (+PUBLIC_URL)`: the product, and where its operator can
/// be found. A loopback `public_url` (the default) is no contact for an
/// outlet, so then it is just `khabar/VERSION`.
pub fn default_user_agent(public_url: Option<&url::Url>) -> String {
    let product = concat!("khabar/", env!("CARGO_PKG_VERSION"));
    let reachable = public_url.filter(|u| match u.host() {
        Some(url::Host::Domain(d)) => !d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback() && !ip.is_unspecified(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback() && !ip.is_unspecified(),
        None => false,
    });
    match reachable {
        Some(url) => format!("{product} (+{url})"),
        None => product.to_string(),
    }
}

/// A network of `fetch.allow_private`: CIDR (`10.1.0.0/16`), or one
/// address standing for itself alone.
fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("expected a network such as \"10.1.0.0/16\", got {text:?}"))
}

/// Bounds of each feed's poll interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleConfig {
    /// Base interval.
    pub interval: Duration,
    /// Never poll more often than this.
    pub min_interval: Duration,
    /// Never poll less often than this (error backoff included).
    pub max_interval: Duration,
    /// How often `khabar run` looks for due feeds.
    pub tick: Duration,
    /// Most feeds polled in one pass; more due feeds wait for the next pass,
    /// which starts as soon as this one ends.
    pub batch: usize,
}

/// How long `khabar run` and `khabar prune` keep data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    /// Items first seen longer ago than this are deleted.
    pub items: Duration,
    /// Fetch-log rows older than this are deleted.
    pub fetch_log: Duration,
}

impl RetentionConfig {
    /// What a retention run at `now` deletes: everything older than the
    /// configured periods.
    pub fn cutoffs(&self, now: chrono::DateTime<chrono::Utc>) -> crate::store::PruneCutoffs {
        let before = |keep: Duration| {
            chrono::Duration::from_std(keep)
                .ok()
                .and_then(|keep| now.checked_sub_signed(keep))
                .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
        };
        crate::store::PruneCutoffs {
            items_before: before(self.items),
            fetch_log_before: before(self.fetch_log),
        }
    }
}

/// A feed listed in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// Its URL.
    pub url: FeedUrl,
    /// Its own poll interval.
    pub interval: Option<Duration>,
    /// Fetch each new item's article page and keep its main text (issue #7).
    pub full_text: bool,
}

impl Config {
    /// Loads the config from `explicit` (the `--config` flag or
    /// `KHABAR_CONFIG`), else `./khabar.toml` if present, else defaults,
    /// with the environment's `KHABAR_*` keys over it.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (text, source) = read_file(explicit)?;
        Config::from_toml(&text, source)
    }

    /// Builds the config from TOML text, with the process environment's
    /// `KHABAR_*` keys over it.
    pub fn from_toml(text: &str, source: Option<PathBuf>) -> Result<Config, ConfigError> {
        Config::from_toml_with_env(text, source, process_env())
    }

    /// Builds the config from TOML text with `vars` as the environment.
    pub fn from_toml_with_env(
        text: &str,
        source: Option<PathBuf>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let (raw, validator) = layered(text, source.as_deref(), vars)?;
        validator.build(raw, source)
    }
}

/// The config file's text and path: `explicit`, else `./khabar.toml` when
/// it exists, else none (empty text).
fn read_file(explicit: Option<&Path>) -> Result<(String, Option<PathBuf>), ConfigError> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
    };
    let Some(path) = path else {
        return Ok((String::new(), None));
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    Ok((text, Some(path)))
}

/// The process's `KHABAR_*` variables whose values are text (a variable
/// that is not UTF-8 is left to the error it will cause when read as one).
fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with(env::PREFIX))
        .collect()
}

/// The file's keys with the environment's over them, and the validator
/// that names each key's origin. The file alone is read first, so that its
/// errors keep their line and column.
fn layered(
    text: &str,
    source: Option<&Path>,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(RawConfig, Validator), ConfigError> {
    let path = source.map_or_else(|| "<defaults>".into(), Path::to_path_buf);
    let syntax = |e: toml::de::Error| ConfigError::Syntax {
        path: path.clone(),
        message: e.to_string().trim_end().to_string(),
    };
    let file: RawConfig = toml::from_str(text).map_err(syntax)?;
    let overlay = env::Overlay::from_vars(vars)?;
    let raw = if overlay.keys.is_empty() {
        file
    } else {
        let mut table: toml::Table = toml::from_str(text).map_err(syntax)?;
        overlay.apply(&mut table);
        // Each variable was tried alone and the file was read alone; what
        // is left to fail is a combination, blamed on the file.
        table.try_into().map_err(syntax)?
    };
    Ok((raw, Validator { path, overlay }))
}

/// Turns raw values into checked ones, naming the key (or the variable
/// that set it) on failure.
struct Validator {
    path: PathBuf,
    overlay: env::Overlay,
}

impl Validator {
    fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        match self.overlay.var_for(key) {
            Some(var) => ConfigError::Env {
                var: var.to_string(),
                key: key.to_string(),
                problem: problem.into(),
            },
            None => ConfigError::Invalid {
                path: self.path.clone(),
                key: key.to_string(),
                problem: problem.into(),
            },
        }
    }

    /// Checks each saved search against the topics and the others: the
    /// error names the entry by its slug.
    fn searches(
        &self,
        defs: Vec<crate::search::saved::SavedSearchDef>,
        tagger: &Tagger,
    ) -> Result<Vec<crate::search::SavedSearch>, ConfigError> {
        let topics: Vec<&str> = tagger.topics().iter().map(|t| t.slug.as_str()).collect();
        let mut searches: Vec<crate::search::SavedSearch> = Vec::with_capacity(defs.len());
        for (i, def) in defs.into_iter().enumerate() {
            let key = format!("searches[{i}] ({:?})", def.slug);
            let saved = crate::search::SavedSearch::check(def, &topics)
                .map_err(|problem| self.invalid(&key, problem))?;
            if searches.iter().any(|s| s.slug == saved.slug) {
                return Err(self.invalid(&key, "another saved search has this slug"));
            }
            searches.push(saved);
        }
        Ok(searches)
    }

    fn build(&self, raw: RawConfig, source: Option<PathBuf>) -> Result<Config, ConfigError> {
        let database = raw.database.path;
        let listen_text = raw.server.listen;
        let listen = listen_text.parse().map_err(|_| {
            self.invalid(
                "server.listen",
                format!("expected host:port, got {listen_text:?}"),
            )
        })?;
        let public_url_set = raw.server.public_url.is_some();
        let public_url_text = raw
            .server
            .public_url
            .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned());
        let public_url = url::Url::parse(&public_url_text).map_err(|e| {
            self.invalid(
                "server.public_url",
                format!("expected an absolute URL: {e}"),
            )
        })?;
        let metrics_allow = raw
            .server
            .metrics_allow
            .iter()
            .map(|net| {
                // A bare address is a network of one.
                net.parse::<ipnet::IpNet>()
                    .or_else(|_| net.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        self.invalid(
                            "server.metrics_allow",
                            format!("expected CIDR networks like \"127.0.0.1/32\", got {net:?}"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?;
        let fetch = self.fetch(raw.fetch, &public_url)?;
        let websub = self.websub(raw.websub, public_url_set)?;
        let schedule = self.schedule(raw.schedule)?;
        let retention = self.retention(raw.retention)?;
        self.smtp(&raw.smtp)?;
        let digest = self.digest_config(raw.digest)?;
        let smtp = self.smtp_config(raw.smtp)?;
        let feeds = raw
            .feeds
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let url = FeedUrl::parse(&f.url)
                    .map_err(|e| self.invalid(&format!("feeds[{i}].url"), e.to_string()))?;
                Ok(FeedConfig {
                    url,
                    interval: f.interval,
                    full_text: f.full_text,
                })
            })
            .collect::<Result<_, ConfigError>>()?;
        let tagger = if raw.topics.is_empty() {
            Tagger::builtin()
        } else {
            Tagger::compile(&raw.term_groups, &raw.topics)
                .map_err(|e| self.invalid("topics", e.to_string()))?
        };
        let searches = self.searches(raw.searches, &tagger)?;
        Ok(Config {
            searches,
            tagger: Arc::new(tagger),
            source,
            database,
            fetch,
            schedule,
            retention,
            listen,
            public_url,
            behind_proxy: raw.server.behind_proxy,
            metrics_allow,
            feeds,
            smtp,
            digest,
            websub,
        })
    }

    fn websub(&self, raw: RawWebSub, public_url_set: bool) -> Result<WebSubConfig, ConfigError> {
        let enabled = raw.enabled.unwrap_or(public_url_set);
        if raw.lease < Duration::from_secs(1) {
            return Err(self.invalid("websub.lease", "expected at least 1s"));
        }
        let hub = raw
            .hub
            .map(|text| {
                url::Url::parse(&text)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                    .ok_or_else(|| {
                        self.invalid(
                            "websub.hub",
                            format!(
                                "expected the absolute http(s) URL of a WebSub hub, got {text:?}"
                            ),
                        )
                    })
            })
            .transpose()?;
        Ok(WebSubConfig {
            enabled,
            lease: raw.lease,
            max_subscribers: raw.max_subscribers,
            hub,
        })
    }

    fn digest_config(&self, raw: RawDigest) -> Result<DigestConfig, ConfigError> {
        let delivery = self.delivery(&raw)?;
        if raw.max_attempts == 0 {
            return Err(self.invalid("digest.max_attempts", "expected at least 1"));
        }
        let secret = raw.secret;
        if let Some(short) = secret.as_ref().filter(|s| s.len() < MIN_SECRET_LEN) {
            return Err(self.invalid(
                "digest.secret",
                format!(
                    "expected at least {MIN_SECRET_LEN} characters (got {}); \
                     e.g. `openssl rand -hex 32`",
                    short.len()
                ),
            ));
        }
        if raw.subscribe_form && secret.is_none() {
            return Err(self.invalid(
                "digest.subscribe_form",
                "the public form signs its links: set digest.secret (KHABAR_DIGEST_SECRET) first",
            ));
        }
        if raw.confirm_within < Duration::from_secs(60) {
            return Err(self.invalid("digest.confirm_within", "expected at least 1m"));
        }
        Ok(DigestConfig {
            delivery,
            outbox: raw.outbox,
            send_empty: raw.send_empty,
            max_attempts: raw.max_attempts,
            retry_backoff: raw.retry_backoff,
            secret,
            subscribe_form: raw.subscribe_form,
            confirm_within: raw.confirm_within,
        })
    }

    fn smtp_config(&self, raw: RawSmtp) -> Result<SmtpConfig, ConfigError> {
        let mailbox = |key: &str, text: &str| {
            text.parse::<lettre::message::Mailbox>()
                .map_err(|e| self.invalid(key, format!("expected `Name <address>`: {e}")))
        };
        Ok(SmtpConfig {
            url: raw.url.as_deref().and_then(|u| url::Url::parse(u).ok()),
            from: mailbox("smtp.from", &raw.from)?,
            reply_to: raw
                .reply_to
                .as_deref()
                .map(|r| mailbox("smtp.reply_to", r))
                .transpose()?,
            username: raw.username,
            password: raw.password,
            connections: match raw.connections {
                1..=64 => raw.connections,
                _ => return Err(self.invalid("smtp.connections", "expected 1 to 64")),
            },
        })
    }

    fn fetch(&self, raw: RawFetch, public_url: &url::Url) -> Result<FetchConfig, ConfigError> {
        if raw.concurrency == 0 {
            return Err(self.invalid("fetch.concurrency", "expected at least 1"));
        }
        if raw.per_host == 0 {
            return Err(self.invalid("fetch.per_host", "expected at least 1"));
        }
        if raw.max_body_bytes < 1024 {
            return Err(self.invalid("fetch.max_body_bytes", "expected at least 1024"));
        }
        if raw.max_inflight_bytes < 1024 {
            return Err(self.invalid("fetch.max_inflight_bytes", "expected at least 1024"));
        }
        if !(1..=10_000).contains(&raw.max_items) {
            return Err(self.invalid("fetch.max_items", "expected 1 to 10000"));
        }
        // The environment's list (KHABAR_FETCH_ALLOW_PRIVATE, TOML or
        // comma-separated) has already replaced the file's (`env`); an
        // error names whichever it came from.
        let allow_private = raw
            .allow_private
            .iter()
            .map(|n| parse_network(n).map_err(|e| self.invalid("fetch.allow_private", e)))
            .collect::<Result<_, _>>()?;
        let user_agent = match &raw.user_agent {
            Some(agent) => self.user_agent(agent)?,
            None => default_user_agent(Some(public_url)),
        };
        Ok(FetchConfig {
            user_agent,
            ..FetchConfig::from_raw(raw, allow_private)
        })
    }

    /// A `fetch.user_agent` that can be sent as a header.
    fn user_agent(&self, agent: &str) -> Result<String, ConfigError> {
        let agent = agent.trim();
        if agent.is_empty() || agent.len() > MAX_USER_AGENT {
            return Err(self.invalid(
                "fetch.user_agent",
                format!("expected 1 to {MAX_USER_AGENT} characters"),
            ));
        }
        if agent.chars().any(|c| c.is_control()) {
            return Err(self.invalid("fetch.user_agent", "expected no control characters"));
        }
        Ok(agent.to_string())
    }

    fn schedule(&self, raw: RawSchedule) -> Result<ScheduleConfig, ConfigError> {
        if raw.min_interval.is_zero() {
            return Err(self.invalid("schedule.min_interval", "expected more than 0s"));
        }
        if raw.min_interval > raw.max_interval {
            return Err(self.invalid(
                "schedule.min_interval",
                "expected at most schedule.max_interval",
            ));
        }
        if raw.tick < MIN_TICK || raw.tick > MAX_TICK {
            return Err(self.invalid(
                "schedule.tick",
                format!(
                    "expected between {} and {}",
                    humantime::format_duration(MIN_TICK),
                    humantime::format_duration(MAX_TICK)
                ),
            ));
        }
        if raw.batch == 0 {
            return Err(self.invalid("schedule.batch", "expected at least 1"));
        }
        Ok(ScheduleConfig {
            interval: raw.interval.clamp(raw.min_interval, raw.max_interval),
            min_interval: raw.min_interval,
            max_interval: raw.max_interval,
            tick: raw.tick,
            batch: raw.batch,
        })
    }

    fn retention(&self, raw: RawRetention) -> Result<RetentionConfig, ConfigError> {
        for (key, value) in [
            ("retention.items", raw.items),
            ("retention.fetch_log", raw.fetch_log),
        ] {
            if value < MIN_RETENTION {
                return Err(self.invalid(
                    key,
                    format!(
                        "expected at least {} (a duration such as \"180d\")",
                        humantime::format_duration(MIN_RETENTION)
                    ),
                ));
            }
        }
        Ok(RetentionConfig {
            items: raw.items,
            fetch_log: raw.fetch_log,
        })
    }

    fn delivery(&self, raw: &RawDigest) -> Result<DeliverySchedule, ConfigError> {
        DeliverySchedule::parse(&raw.timezone, &raw.schedule).map_err(|e| match e {
            ScheduleError::TimeZone(_) => self.invalid(
                "digest.timezone",
                format!("unknown time zone {:?}", raw.timezone),
            ),
            // cron's own message is the expression over a caret line; one
            // line naming the value reads better in a log.
            ScheduleError::Cron { .. } => self.invalid(
                "digest.schedule",
                format!(
                    "expected a cron expression with seconds (\"0 0 7 * * *\"), not {:?}",
                    raw.schedule
                ),
            ),
        })
    }

    fn smtp(&self, raw: &RawSmtp) -> Result<(), ConfigError> {
        if let Some(url) = &raw.url {
            let parsed = url::Url::parse(url).map_err(|e| {
                self.invalid("smtp.url", format!("expected smtp:// or smtps:// URL: {e}"))
            })?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(self.invalid("smtp.url", "expected smtp:// or smtps://"));
            }
        }
        raw.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| self.invalid("smtp.from", format!("expected `Name <address>`: {e}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_the_documented_defaults() {
        let c = Config::from_toml("", None).unwrap();
        assert_eq!(c.fetch, FetchConfig::default());
        assert_eq!(c.fetch.concurrency, 32);
        assert_eq!(c.fetch.per_host, 2);
        assert_eq!(c.fetch.max_items, 1_000);
        assert_eq!(c.fetch.max_inflight_bytes, 16 << 20);
        assert_eq!(c.schedule.interval, Duration::from_secs(1800));
        assert_eq!(c.schedule.batch, 256);
        assert_eq!(c.schedule.tick, Duration::from_secs(30));
        assert_eq!(c.retention.items, Duration::from_secs(180 * 86400));
        assert_eq!(c.retention.fetch_log, Duration::from_secs(14 * 86400));
        assert!(c.feeds.is_empty());
    }

    #[test]
    fn invalid_values_name_the_key_and_what_was_expected() {
        let cases = [
            ("[fetch]\nconcurrency = 0", "fetch.concurrency"),
            ("[fetch]\nmax_items = 0", "fetch.max_items"),
            (
                "[fetch]\nmax_inflight_bytes = 10",
                "fetch.max_inflight_bytes",
            ),
            ("[schedule]\ninterval = \"soon\"", "interval"),
            ("[digest]\ntimezone = \"Mars/Olympus\"", "digest.timezone"),
            ("[digest]\nschedule = \"every day\"", "digest.schedule"),
            ("[digest]\nsubscribe_form = true", "digest.subscribe_form"),
            ("[digest]\nsecret = \"short\"", "digest.secret"),
            ("[[feeds]]\nurl = \"ftp://x.example/f\"", "feeds[0].url"),
            ("[fetch]\nconcurency = 3", "concurency"),
            (
                "[fetch]\nallow_private = [\"10.0.0.0/33\"]",
                "fetch.allow_private",
            ),
            (
                "[fetch]\nallow_private = [\"intranet\"]",
                "fetch.allow_private",
            ),
            ("[smtp]\nurl = \"http://x\"", "smtp.url"),
            ("[schedule]\ntick = \"0s\"", "schedule.tick"),
            ("[schedule]\nbatch = 0", "schedule.batch"),
            ("[retention]\nitems = \"180s\"", "retention.items"),
            ("[retention]\nfetch_log = \"2h\"", "retention.fetch_log"),
            ("[retention]\nitems = \"forever\"", "items"),
            (
                "[[topics]]\nslug = \"t\"\nname = \"T\"\nrule = \"nowhere\"",
                "nowhere",
            ),
        ];
        for (text, key) in cases {
            let err = Config::from_toml(text, Some("k.toml".into()))
                .unwrap_err()
                .to_string();
            assert!(err.contains(key), "{text:?}: {err}");
            assert!(err.contains("k.toml"), "{text:?}: {err}");
        }
    }

    #[test]
    fn feeds_and_intervals_are_read() {
        let c = Config::from_toml(
            "[[feeds]]\nurl = \"https://a.example/rss\"\ninterval = \"2h\"\n[schedule]\ninterval = \"10m\"",
            None,
        )
        .unwrap();
        assert_eq!(c.feeds[0].url.as_str(), "https://a.example/rss");
        assert_eq!(c.feeds[0].interval, Some(Duration::from_secs(7200)));
        assert!(!c.feeds[0].full_text, "full text is off unless asked for");
        assert_eq!(c.schedule.interval, Duration::from_secs(600));
        assert_eq!(c.fetch.max_articles, 20);
        let c = Config::from_toml(
            "[fetch]\nmax_articles = 5\n[[feeds]]\nurl = \"https://a.example/rss\"\nfull_text = true",
            None,
        )
        .unwrap();
        assert!(c.feeds[0].full_text);
        assert_eq!(c.fetch.max_articles, 5);
    }

    #[test]
    fn allow_private_takes_networks_and_single_addresses_and_is_empty_by_default() {
        assert!(Config::from_toml("", None)
            .unwrap()
            .fetch
            .allow_private
            .is_empty());
        let c = Config::from_toml(
            "[fetch]\nallow_private = [\"127.0.0.1/32\", \"10.1.0.0/16\", \"fd00::1\"]",
            None,
        )
        .unwrap();
        let nets: Vec<String> = c
            .fetch
            .allow_private
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["127.0.0.1/32", "10.1.0.0/16", "fd00::1/128"]);
    }
}
