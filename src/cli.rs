//! The command line (contract in DESIGN.md). Each subcommand calls one
//! library function and prints; errors carry context for the operator.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::fetch::{FetchOutcome, FetchRequest, Fetcher};
use crate::model::FeedUrl;
use crate::scheduler::{poll_due, PassSummary, Poller};
use crate::store::{AddFeed, FeedOrigin, FeedStatus, Store};
use crate::{demo, normalize, opml, parse, telemetry, topics};

mod search;
mod stored_stories;

/// khabar — news feed aggregator.
#[derive(Debug, Parser)]
#[command(name = "khabar", version, about, long_about = None)]
pub struct Args {
    /// Config file (TOML). Default: ./khabar.toml when present.
    #[arg(long, global = true, env = "KHABAR_CONFIG")]
    config: Option<PathBuf>,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Offline tour: serve bundled sample outlets on loopback and poll them.
    Demo {
        /// Exit after the first pass instead of serving until Ctrl-C.
        #[arg(long)]
        once: bool,
        /// Where the demo keeps its database and output.
        #[arg(long, default_value = "khabar-demo")]
        dir: PathBuf,
    },
    /// One polling pass over due feeds, then a summary.
    Poll {
        /// Poll every active feed, due or not.
        #[arg(long)]
        all: bool,
    },
    /// Parse one feed file or URL and print its normalised items.
    Parse {
        /// A file path or an http(s) URL.
        target: String,
        /// Print JSON (the shape in DESIGN.md) instead of a listing.
        #[arg(long)]
        json: bool,
    },
    /// Tag JSON Lines from stdin (`id`, `title`, `summary`, `content`, `categories`).
    Tag {
        /// Report only this topic.
        #[arg(long)]
        topic: Option<String>,
    },
    /// Inspect topics and their tags.
    Topics {
        #[command(subcommand)]
        command: TopicsCommand,
    },
    /// Stories: the same event told by several outlets.
    Stories {
        #[command(subcommand)]
        command: StoriesCommand,
    },
    /// Manage subscriptions.
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// Write the merged feed, or one topic's, for static hosting.
    Export(crate::publish::ExportArgs),
    /// The daemon: serve the published feeds over HTTP and poll due feeds.
    Run,
    /// Apply retention now: delete old items and fetch-log rows, reclaim space.
    Prune {
        /// Only count what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Manage digest subscribers (issue #5).
    Subscribers {
        #[command(subcommand)]
        command: SubscribersCommand,
    },
    /// Search stored reports in either script; one result per story
    /// (syntax: words, "phrases", AND/OR/NOT, topic:, outlet:, since:, until:).
    Search {
        /// The query (several words are joined by spaces).
        /// Put `--` before a query that starts with `-`.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Only stories of this topic slug.
        #[arg(long)]
        topic: Option<String>,
        /// Only reports published since this date (2025-07-01) or span (7d, 36h, 2w).
        #[arg(long)]
        since: Option<String>,
        /// Stories per page (1 to 100).
        #[arg(long, default_value_t = crate::search::DEFAULT_PER_PAGE)]
        limit: usize,
        /// Which page of results.
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Print the results as JSON (the /api/search shape).
        #[arg(long)]
        json: bool,
    },
    /// Preview or send digests (issue #5).
    Digest {
        #[command(subcommand)]
        command: DigestCommand,
    },
}

#[derive(Debug, Subcommand)]
enum StoriesCommand {
    /// Group the items of a JSON Lines file (`id`, `outlet`, `title`,
    /// `summary`, `content`, `published`, `event`) and print pairwise
    /// precision, recall and F1 against the `event` labels.
    Eval {
        /// The JSON Lines file.
        file: PathBuf,
        /// Print one `{"id", "story"}` line per item instead, in input order.
        #[arg(long)]
        json: bool,
    },
    /// List stored stories, newest first: id, representative title,
    /// outlets, member count, first seen.
    List {
        /// Only stories with an item tagged with this topic.
        #[arg(long)]
        topic: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print a JSON array instead of a listing.
        #[arg(long)]
        json: bool,
    },
    /// Show one story's items: outlet, title, link, first seen, and why each joined.
    Show {
        /// The story id, as `stories list` prints it.
        id: i64,
        /// Print JSON instead of a listing.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TopicsCommand {
    /// List the configured topics with their item counts.
    List,
    /// Show every topic's rule tree with what matched, for a stored item id
    /// or each item of a JSON Lines file.
    Explain {
        /// A stored item's id, or a JSON Lines file.
        target: String,
    },
    /// Recompute the tags of every stored item.
    Retag,
}

#[derive(Debug, Subcommand)]
enum FeedsCommand {
    /// Subscribe to a feed URL.
    Add {
        /// The feed's http(s) URL.
        url: String,
    },
    /// List feeds with their status and last error.
    List,
    /// Unsubscribe, deleting the feed's items.
    Remove {
        /// The feed's URL as listed.
        url: String,
    },
    /// Subscribe to every feed in an OPML file.
    Import {
        /// The OPML file.
        file: PathBuf,
    },
    /// Print the feed list as OPML 2.0.
    Export,
}

impl Args {
    /// Whether the command keeps running (daemon, demo) rather than
    /// printing a result and exiting.
    pub fn is_long_running(&self) -> bool {
        matches!(self.command, Command::Demo { .. } | Command::Run)
    }
}

/// Runs one command line.
pub fn run(args: Args) -> Result<ExitCode> {
    telemetry::init(
        if args.is_long_running() {
            "info"
        } else {
            "warn"
        },
        args.log_json,
    );
    let config = || Config::load(args.config.as_deref()).context("loading configuration");
    match args.command {
        Command::Demo { once, dir } => runtime()?
            .block_on(demo::run(&dir, once))
            .map(|_| ExitCode::SUCCESS),
        Command::Poll { all } => {
            let summary = runtime()?.block_on(poll_once(&config()?, all))?;
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Parse { target, json } => parse_command(&config()?, &target, json),
        Command::Tag { topic } => tag_command(&config()?, topic.as_deref()),
        Command::Topics { command } => topics_command(&config()?, command),
        Command::Feeds { command } => feeds_command(&config()?, command),
        Command::Export(export) => Ok(crate::publish::export_command(&config()?, export)?),
        Command::Run => {
            let runtime = runtime()?;
            let result = runtime.block_on(crate::server::run(config()?));
            // Work still running past the shutdown deadline is abandoned;
            // SQLite keeps every committed write.
            runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Prune { dry_run } => prune_command(&config()?, dry_run),
        Command::Stories {
            command: StoriesCommand::Eval { file, json },
        } => stories_eval(&config()?, &file, json),
        Command::Stories {
            command: StoriesCommand::List { topic, limit, json },
        } => stored_stories::list(&open_store(&config()?)?, topic.as_deref(), limit, json),
        Command::Stories {
            command: StoriesCommand::Show { id, json },
        } => stored_stories::show(&open_store(&config()?)?, id, json),
        Command::Subscribers { command } => subscribers_command(&config()?, command),
        Command::Digest { command } => digest_command(&config()?, command),
        Command::Search {
            query,
            topic,
            since,
            limit,
            page,
            json,
        } => {
            let config = config()?;
            let args = search::SearchArgs {
                words: &query,
                topic: topic.as_deref(),
                since: since.as_deref(),
                limit,
                page,
                json,
            };
            search::run(&config, &open_store(&config)?, &args)
        }
    }
}

/// Threads for blocking work (parsing, SQLite). Parsing is CPU-bound, so
/// more threads than this buy nothing on a small machine, while each extra
/// thread gets its own malloc arena and raises peak memory.
const MAX_BLOCKING_THREADS: usize = 4;

/// How long the daemon's runtime waits for blocking work (a commit in
/// progress) after `khabar run` returned, within the 10 s shutdown budget.
const RUNTIME_SHUTDOWN: Duration = Duration::from_secs(1);

/// The async runtime every khabar command runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()
        .context("starting the async runtime")
}

/// Opens the database, subscribes to the feeds listed in the config, and
/// retags stored items when the topic rules changed since they were tagged.
pub fn open_store(config: &Config) -> Result<Store> {
    let mut store = Store::open(&config.database)
        .with_context(|| format!("opening database {}", config.database.display()))?;
    for feed in &config.feeds {
        let id = match store.add_feed(feed.url.as_str(), FeedOrigin::Config)? {
            AddFeed::Added(id) | AddFeed::Exists(id) => id,
        };
        store.set_feed_interval(id, feed.interval)?;
        store.set_feed_full_text(id, feed.full_text)?;
    }
    if store.rules_fingerprint()?.as_deref() != Some(config.tagger.fingerprint().as_str()) {
        let n = retag(&mut store, config)?;
        tracing::info!(items = n, "topic rules changed: retagged stored items");
    }
    // A database upgraded to search (or written by something else) gets its
    // items indexed before anything searches it.
    let indexed =
        crate::search::backfill::index_pending(&mut store, std::io::stderr().is_terminal())?;
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

/// One pass over the due feeds (every active feed with `all`), with a
/// progress bar when stderr is a terminal.
pub async fn poll_once(config: &Config, all: bool) -> Result<PassSummary> {
    drop(open_store(config)?);
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} polling [{bar:30}] {pos}/{len} feeds {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    Ok(poll_due(new_poller(config)?, all, progress).await?)
}

/// The poller for `config`: one HTTP client and its per-host limits, to be
/// kept for as long as the process polls.
pub fn new_poller(config: &Config) -> Result<Arc<Poller>> {
    Ok(Arc::new(Poller::new(
        &config.fetch,
        config.schedule,
        config.database.clone(),
        config.tagger.clone(),
    )?))
}

fn parse_command(config: &Config, target: &str, json: bool) -> Result<ExitCode> {
    let (body, content_type, base) =
        if target.starts_with("http://") || target.starts_with("https://") {
            fetch_one(config, target)?
        } else {
            let body = std::fs::read(target).with_context(|| format!("reading {target}"))?;
            let base = std::fs::canonicalize(target)
                .ok()
                .and_then(|p| url::Url::from_file_path(p).ok());
            (body, None, base)
        };
    let parsed = parse::parse_feed(&body, content_type.as_deref())
        .with_context(|| format!("parsing {target}"))?;
    let feed = normalize::normalize_feed(parsed, base.as_ref(), Utc::now(), config.fetch.max_items);
    if json {
        println!("{}", normalize::parse_report(&feed));
    } else {
        println!(
            "{} — {} items",
            feed.meta.title.as_deref().unwrap_or("(untitled)"),
            feed.items.len()
        );
        for item in &feed.items {
            let date = item
                .published
                .map(|d| d.to_rfc3339())
                .unwrap_or_else(|| "-".into());
            println!(
                "{date}  {}  {}",
                item.title,
                item.link.as_deref().unwrap_or("")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fetch_one(config: &Config, target: &str) -> Result<(Vec<u8>, Option<String>, Option<url::Url>)> {
    let url = FeedUrl::parse(target).map_err(anyhow::Error::msg)?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let request = FetchRequest {
        url: url.as_url().clone(),
        etag: None,
        last_modified: None,
    };
    match runtime()?.block_on(fetcher.fetch(&request)) {
        FetchOutcome::Fetched(f) => Ok((f.body, f.content_type, Some(f.final_url))),
        FetchOutcome::Failed(e) => Err(e.into()),
        FetchOutcome::Gone => bail!("fetch {target}: HTTP 410 Gone"),
        FetchOutcome::NotModified { .. } => bail!("fetch {target}: unexpected 304"),
    }
}

/// `khabar prune [--dry-run]`: the daemon's daily retention, on demand.
fn prune_command(config: &Config, dry_run: bool) -> Result<ExitCode> {
    let mut store = Store::open(&config.database)
        .with_context(|| format!("opening database {}", config.database.display()))?;
    let now = Utc::now();
    let cutoffs = config.retention.cutoffs(now);
    let report = store.prune(cutoffs, now, dry_run)?;
    if dry_run {
        println!(
            "would delete {} items first seen before {}, {} fetch-log rows before {}, {} tombstones",
            report.items,
            cutoffs.items_before.format("%Y-%m-%d"),
            report.fetch_log,
            cutoffs.fetch_log_before.format("%Y-%m-%d"),
            report.tombstones
        );
    } else {
        println!("pruned {report}");
    }
    Ok(ExitCode::SUCCESS)
}

fn feeds_command(config: &Config, command: FeedsCommand) -> Result<ExitCode> {
    let store = open_store(config)?;
    match command {
        FeedsCommand::Add { url } => {
            let url = FeedUrl::parse(&url).map_err(anyhow::Error::msg)?;
            match store.add_feed(url.as_str(), FeedOrigin::Cli)? {
                AddFeed::Added(id) => println!("added feed {id}: {url}"),
                AddFeed::Exists(id) => println!("already subscribed as feed {id}: {url}"),
            }
        }
        FeedsCommand::List => print_feeds(&store)?,
        FeedsCommand::Remove { url } => {
            if !store.remove_feed(url.trim())? {
                bail!("no feed with URL {url}; see `khabar feeds list`");
            }
            println!("removed {url}");
        }
        FeedsCommand::Import { file } => import_opml(&store, &file)?,
        FeedsCommand::Export => {
            let outlines: Vec<_> = store
                .list_feeds()?
                .into_iter()
                .map(|f| opml::Outline {
                    xml_url: f.url,
                    title: f.title,
                    html_url: f.site_url,
                })
                .collect();
            print!("{}", opml::write("khabar feeds", &outlines));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_feeds(store: &Store) -> Result<()> {
    println!(
        "{:>5}  {:<6}  {:>6}  {:<20}  {:<40}  TITLE / LAST ERROR",
        "ID", "STATUS", "ERRORS", "NEXT DUE", "URL"
    );
    for f in store.list_feeds()? {
        let status = match f.status {
            FeedStatus::Active => "active",
            FeedStatus::Gone => "gone",
        };
        let due = f.state.next_due.format("%Y-%m-%d %H:%M:%S").to_string();
        let note = f.last_error.as_deref().or(f.title.as_deref()).unwrap_or("");
        println!(
            "{:>5}  {:<6}  {:>6}  {:<20}  {:<40}  {note}",
            f.id, status, f.state.error_count, due, f.url
        );
    }
    Ok(())
}

fn import_opml(store: &Store, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let outlines = opml::read(&text).with_context(|| format!("reading {}", file.display()))?;
    let (mut added, mut existing, mut invalid) = (0, 0, 0);
    for o in outlines {
        match FeedUrl::parse(&o.xml_url) {
            Ok(url) => match store.add_feed(url.as_str(), FeedOrigin::Opml)? {
                AddFeed::Added(_) => added += 1,
                AddFeed::Exists(_) => existing += 1,
            },
            Err(e) => {
                eprintln!("skipped: {e}");
                invalid += 1;
            }
        }
    }
    println!(
        "imported {}: {added} added, {existing} already subscribed, {invalid} skipped",
        file.display()
    );
    Ok(())
}

fn retag(store: &mut Store, config: &Config) -> Result<u64> {
    let tagger = config.tagger.clone();
    Ok(store.retag_all(&tagger.fingerprint(), |item| {
        topics::tag_item(
            &tagger,
            &item.title,
            item.summary.as_deref(),
            item.content.as_ref(),
            &item.categories,
        )
    })?)
}

/// One line of `khabar tag`'s input.
#[derive(Debug, serde::Deserialize)]
struct TagLine {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
}

impl TagLine {
    fn hits(&self, tagger: &topics::Tagger) -> Vec<topics::TopicHit> {
        let content = self
            .content
            .as_deref()
            .map(normalize::html_to_text)
            .unwrap_or_default();
        tagger.tag(&self.input(&content))
    }

    fn input<'a>(&'a self, content: &'a str) -> topics::TagInput<'a> {
        topics::TagInput {
            title: &self.title,
            summary: self.summary.as_deref().unwrap_or_default(),
            content,
            categories: &self.categories,
        }
    }
}

fn tag_command(config: &Config, only: Option<&str>) -> Result<ExitCode> {
    use std::io::{BufRead, Write};
    let tagger = &config.tagger;
    if let Some(slug) = only {
        if !tagger.topics().iter().any(|t| t.slug.as_str() == slug) {
            bail!("unknown topic {slug:?}; see `khabar topics list`");
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut bad = 0;
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let item: TagLine = match serde_json::from_str(&line) {
            Ok(item) => item,
            Err(e) => {
                eprintln!(
                    "khabar tag: line {}: not a JSON object with a title: {e}",
                    n + 1
                );
                bad += 1;
                continue;
            }
        };
        let hits: Vec<_> = item
            .hits(tagger)
            .into_iter()
            .filter(|h| only.is_none_or(|s| h.slug.as_str() == s))
            .collect();
        let why: serde_json::Map<String, serde_json::Value> = hits
            .iter()
            .map(|h| (h.slug.to_string(), serde_json::json!(h.why)))
            .collect();
        let slugs: Vec<&str> = hits.iter().map(|h| h.slug.as_str()).collect();
        let row = serde_json::json!({"id": item.id, "topics": slugs, "why": why});
        writeln!(out, "{row}").context("writing stdout")?;
    }
    out.flush().context("writing stdout")?;
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn topics_command(config: &Config, command: TopicsCommand) -> Result<ExitCode> {
    let mut store = open_store(config)?;
    match command {
        TopicsCommand::List => {
            let counts = store.topic_counts()?;
            for t in config.tagger.topics() {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == t.slug.as_str())
                    .map_or(0, |(_, n)| *n);
                println!("{:<28} {:>7} items  {}", t.slug, n, t.name);
            }
        }
        TopicsCommand::Explain { target } => explain(&store, config, &target)?,
        TopicsCommand::Retag => println!("retagged {} items", retag(&mut store, config)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(store: &Store, config: &Config, target: &str) -> Result<()> {
    let tagger = &config.tagger;
    if let (Ok(id), false) = (target.parse::<i64>(), Path::new(target).exists()) {
        let item = store
            .item(id)?
            .with_context(|| format!("no item with id {id}"))?;
        let content = item
            .content
            .as_ref()
            .map(|c| normalize::html_to_text(c.as_str()))
            .unwrap_or_default();
        let input = topics::TagInput {
            title: &item.title,
            summary: item.summary.as_deref().unwrap_or_default(),
            content: &content,
            categories: &item.categories,
        };
        println!("item {id}: {}\n{}", item.title, tagger.explain(&input));
        return Ok(());
    }
    let text = std::fs::read_to_string(target).with_context(|| format!("reading {target}"))?;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let item: TagLine = serde_json::from_str(line)
            .with_context(|| format!("{target}: line {}: not a JSON item", n + 1))?;
        let content = item
            .content
            .as_deref()
            .map(normalize::html_to_text)
            .unwrap_or_default();
        println!(
            "{} {}: {}\n{}",
            target,
            item.id,
            item.title,
            tagger.explain(&item.input(&content))
        );
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
enum SubscribersCommand {
    /// Add an active subscriber.
    Add {
        /// Their email address.
        email: String,
        /// Topic slugs, comma-separated (default: every topic).
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        /// IANA time zone (default: `[digest] timezone`).
        #[arg(long)]
        tz: Option<String>,
        /// Daily send time HH:MM in their zone (default: `[digest] schedule`).
        #[arg(long)]
        at: Option<String>,
    },
    /// List subscribers with their topics, schedule and status.
    List,
    /// Remove a subscriber and their digest history.
    Remove {
        /// Their email address.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum DigestCommand {
    /// Print the digest a subscriber would get now.
    Preview {
        /// The subscriber's email address.
        #[arg(long)]
        subscriber: String,
        /// Print only the HTML part.
        #[arg(long, conflicts_with = "text")]
        html: bool,
        /// Print only the plain-text part.
        #[arg(long)]
        text: bool,
    },
    /// Send the due digests now, then print a summary.
    Send {
        /// Compose and count, but record and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Every active subscriber, for the period ending now.
        #[arg(long)]
        all: bool,
    },
}

fn subscribers_command(config: &Config, command: SubscribersCommand) -> Result<ExitCode> {
    use crate::model::SubscriberEmail;
    use crate::store::{AddSubscriber, NewSubscriber};
    let mut store = open_store(config)?;
    match command {
        SubscribersCommand::Add {
            email,
            topics,
            tz,
            at,
        } => {
            let email = SubscriberEmail::parse(&email).map_err(anyhow::Error::msg)?;
            let known: Vec<_> = config
                .tagger
                .topics()
                .iter()
                .map(|t| t.slug.as_str())
                .collect();
            if let Some(bad) = topics.iter().find(|t| !known.contains(&t.as_str())) {
                bail!("unknown topic {bad:?}; known topics: {}", known.join(", "));
            }
            let timezone = tz.unwrap_or_else(|| config.digest.timezone.name().to_string());
            timezone.parse::<chrono_tz::Tz>().map_err(|_| {
                anyhow::anyhow!("unknown time zone {timezone:?} (e.g. Asia/Kolkata)")
            })?;
            let schedule = match at {
                Some(at) => {
                    crate::model::daily_cron(&at).map_err(|e| anyhow::anyhow!("--at {e}"))?
                }
                None => config.digest.schedule.clone(),
            };
            let new = NewSubscriber {
                email: &email,
                topics: (!topics.is_empty()).then_some(topics.as_slice()),
                timezone: &timezone,
                schedule: &schedule,
            };
            match store.add_subscriber(&new, Utc::now())? {
                AddSubscriber::Added(id) => println!("added subscriber {id}: {email}"),
                AddSubscriber::Exists(_) => {
                    bail!("{email} is already subscribed; see `khabar subscribers list`")
                }
            }
        }
        SubscribersCommand::List => {
            for s in store.subscribers()? {
                let topics = s.topics.map_or("all topics".to_string(), |t| t.join(","));
                println!(
                    "{}\t{}\t{}\t{}\t{} {}",
                    s.id, s.email, s.status, topics, s.schedule, s.timezone
                );
            }
        }
        SubscribersCommand::Remove { email } => {
            let email = SubscriberEmail::parse(&email).map_err(anyhow::Error::msg)?;
            if !store.remove_subscriber(&email)? {
                bail!("no subscriber {email}; see `khabar subscribers list`");
            }
            println!("removed {email}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn digest_command(config: &Config, command: DigestCommand) -> Result<ExitCode> {
    use crate::digest::{ledger, Mailer, PassOptions, Sender};
    use crate::model::{DigestPeriod, SubscriberEmail};
    let mut store = open_store(config)?;
    // lettre's connection pool spawns onto the runtime when built and dropped.
    let rt = runtime()?;
    let _inside = rt.enter();
    let secret = ledger::link_secret(config, &mut store)?;
    let mailer = Mailer::from_config(&config.smtp, &config.digest.outbox)?;
    let sender = Sender {
        config,
        mailer: &mailer,
        secret: &secret,
    };
    let now = Utc::now();
    match command {
        DigestCommand::Preview {
            subscriber,
            html,
            text,
        } => {
            let email = SubscriberEmail::parse(&subscriber).map_err(anyhow::Error::msg)?;
            let sub = store
                .subscriber_by_email(&email)?
                .with_context(|| format!("no subscriber {email}; see `khabar subscribers list`"))?;
            let start = store
                .pending_digest(sub.id)?
                .map(|d| d.period.start())
                .or(store.last_digest_end(sub.id)?)
                .unwrap_or(now - chrono::Duration::hours(24));
            let period =
                DigestPeriod::new(start, now).context("the last digest ends in the future")?;
            let (_, rendered) = ledger::prepare(&store, &sender, &sub, period)?;
            match (html, text) {
                (true, _) => print!("{}", rendered.html),
                (_, true) => print!("{}", rendered.text),
                _ => print!(
                    "Subject: {}\n\n{}\n\n{}",
                    rendered.subject, rendered.text, rendered.html
                ),
            }
        }
        DigestCommand::Send { dry_run, all } => {
            let options = PassOptions { all, dry_run };
            let summary =
                rt.block_on(crate::digest::send_due(&mut store, &sender, now, options))?;
            println!("{summary}");
            if summary.failed > 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of `khabar stories eval`'s input.
#[derive(Debug, serde::Deserialize)]
struct StoryLine {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(default)]
    outlet: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    event: Option<String>,
}

fn stories_eval(config: &Config, file: &Path, json: bool) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut items = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let item: StoryLine = serde_json::from_str(line)
            .with_context(|| format!("{}: line {}: not a JSON item", file.display(), n + 1))?;
        let at = match &item.published {
            Some(p) => chrono::DateTime::parse_from_rfc3339(p)
                .with_context(|| {
                    format!(
                        "{}: line {}: published {p:?} is not RFC 3339",
                        file.display(),
                        n + 1
                    )
                })?
                .with_timezone(&Utc),
            None => Utc::now(),
        };
        let key = match &item.id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        items.push((key, at, item));
    }
    let contents: Vec<String> = items
        .iter()
        .map(|(_, _, item)| normalize::html_to_text(&item.content))
        .collect();
    let inputs: Vec<crate::stories::StoryInput<'_>> = items
        .iter()
        .zip(&contents)
        .map(|((key, at, item), content)| crate::stories::StoryInput {
            key,
            outlet: &item.outlet,
            title: &item.title,
            summary: &item.summary,
            content,
            at: *at,
        })
        .collect();
    // Items are grouped in the order khabar groups stored items.
    let mut grouper =
        crate::stories::StoryGrouper::new(config.tagger.clone(), crate::stories::DEFAULT_WINDOW);
    let story: Vec<u64> = crate::stories::group_in_order(&mut grouper, &inputs)
        .into_iter()
        .map(|a| a.story)
        .collect();
    if json {
        for ((_, _, item), story) in items.iter().zip(&story) {
            println!(
                "{}",
                serde_json::json!({"id": item.id, "story": story.to_string()})
            );
        }
    } else {
        let gold: Vec<Option<String>> = items.iter().map(|(_, _, i)| i.event.clone()).collect();
        let score = crate::stories::evaluate(&gold, &story);
        println!(
            "{} items, {} stories: pairwise precision {:.3}, recall {:.3}, F1 {:.3} ({} right pairs, {} wrong, {} missed)",
            items.len(),
            story.iter().collect::<std::collections::HashSet<_>>().len(),
            score.precision,
            score.recall,
            score.f1,
            score.true_pairs,
            score.false_pairs,
            score.missed_pairs
        );
    }
    Ok(ExitCode::SUCCESS)
}
