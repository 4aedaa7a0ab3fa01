//! The command line (contract in DESIGN.md): clap's arguments, and one thin
//! file per command group that parses its arguments, calls library
//! functions and prints. Errors carry context for the operator; start-up
//! (database, poller, mailer) is [`crate::startup`]'s.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use crate::clock;
use crate::config::Config;
use crate::startup;
use crate::telemetry;

mod digest;
mod export;
mod feeds;
mod ops;
mod parse;
mod poll;
mod search;
mod stories;
mod subscribers;
mod tag;
mod topics;

/// khabar — news feed aggregator.
#[derive(Debug, Parser)]
#[command(name = "khabar", version, about, long_about = None, after_long_help = ops::ENVIRONMENT)]
pub struct Args {
    /// Config file (TOML). Default: ./khabar.toml when present.
    #[arg(long, global = true, env = "KHABAR_CONFIG")]
    config: Option<PathBuf>,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true, env = "KHABAR_LOG_JSON")]
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
        command: topics::TopicsCommand,
    },
    /// Stories: the same event told by several outlets.
    Stories {
        #[command(subcommand)]
        command: stories::StoriesCommand,
    },
    /// Manage subscriptions.
    Feeds {
        #[command(subcommand)]
        command: feeds::FeedsCommand,
    },
    /// Write the merged feed, or one topic's, for static hosting.
    Export(export::ExportArgs),
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
        command: subscribers::SubscribersCommand,
    },
    /// Search stored reports in either script; one result per story
    /// (syntax: words, "phrases", AND/OR/NOT, topic:, outlet:, since:, until:).
    Search {
        /// The query (several words are joined by spaces). Put `--` before
        /// a query that starts with `-`.
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
        command: digest::DigestCommand,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff; `khabar man | man -l -`).
    Man,
    /// Check the configuration.
    Config {
        #[command(subcommand)]
        command: ops::ConfigCommand,
    },
}

impl Args {
    /// Whether the command keeps running (daemon, demo) rather than
    /// printing a result and exiting.
    pub fn is_long_running(&self) -> bool {
        matches!(self.command, Command::Demo { .. } | Command::Run)
    }
}

/// How long the daemon's runtime waits for blocking work (a commit in
/// progress) after `khabar run` returned, within the 10 s shutdown budget.
const RUNTIME_SHUTDOWN: Duration = Duration::from_secs(1);

/// The instant one-shot commands (`digest`, `subscribers add`, `prune`)
/// act at: exactly `KHABAR_NOW` when set (see [`crate::clock`]), else the
/// system clock. Read once here and passed down.
fn now() -> DateTime<Utc> {
    clock::pinned().unwrap_or_else(clock::now)
}

/// Runs one command line.
pub fn run(args: Args) -> Result<ExitCode> {
    clock::start(std::env::var("KHABAR_NOW").ok().as_deref())?;
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
        Command::Demo { once, dir } => startup::runtime()?
            .block_on(crate::demo::run(&dir, once))
            .map(|_| ExitCode::SUCCESS),
        Command::Poll { all } => poll::poll(&config()?, all),
        Command::Parse { target, json } => parse::run(&config()?, &target, json),
        Command::Tag { topic } => tag::run(&config()?, topic.as_deref()),
        Command::Topics { command } => topics::run(&config()?, command),
        Command::Feeds { command } => feeds::run(&config()?, command),
        Command::Export(export) => export::run(&config()?, export),
        Command::Run => {
            let runtime = startup::runtime()?;
            let result = runtime.block_on(crate::daemon::run(config()?));
            // Work still running past the shutdown deadline is abandoned;
            // SQLite keeps every committed write.
            runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Prune { dry_run } => poll::prune(&config()?, dry_run, now()),
        Command::Stories { command } => stories::run(&config()?, command),
        Command::Subscribers { command } => subscribers::run(&config()?, command, now()),
        Command::Digest { command } => digest::run(&config()?, command, now()),
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
            search::run(&config, &startup::open_store(&config)?, &args)
        }
        Command::Completions { shell } => ops::completions(shell),
        Command::Man => ops::man(),
        Command::Config { command } => ops::config(args.config.as_deref(), command),
    }
}
