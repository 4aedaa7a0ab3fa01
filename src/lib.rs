//! khabar (ख़बर, "news"): a daemon that polls news outlets' feeds into
//! SQLite, tags items by topic, groups stories, republishes merged feeds and
//! mails digests. One module per pipeline stage, in pipeline order (each
//! declaration stands alone so that rustfmt keeps the order): entry points
//! and start-up, the stages a feed passes through (scheduler to digest),
//! then what composes them (server, daemon, demo). Imports point down the
//! pipeline and into [`model`]; `scripts/module-graph` prints the graph.

/// Command line: one thin file per command group; used by `main.rs` alone.
pub mod cli;

/// What every entry point builds: the prepared database, the poller, the
/// digest delivery; used by the command line, the demo and the daemon.
pub mod startup;

/// The wall clock: the system's, or one started at `KHABAR_NOW` (a test aid).
pub mod clock;

/// `khabar.toml` → validated [`config::Config`].
pub mod config;

/// Logging setup.
pub mod telemetry;

/// The process's counters, gauges and histograms, for `/metrics`.
pub mod metrics;

/// Types that cross stages: feeds, items, polls, topics, subscribers.
pub mod model;

/// When each feed is due, and the polling pass that runs the stages below.
pub mod scheduler;

/// Polite, bounded HTTP fetching.
pub mod fetch;

/// Feed bytes → parsed feed (charset, RSS/Atom/JSON Feed); no I/O.
pub mod parse;

/// Parsed feed → normalised items (plain text, sanitised HTML, UTC, identity).
pub mod normalize;

/// Article pages → main text without boilerplate, for full-text feeds (issue #7).
pub mod fulltext;

/// Topic tagging: term groups, rules, one automaton for all topics.
pub mod topics;

/// Devanagari ↔ Latin: name skeletons that meet across scripts, romanization.
pub mod translit;

/// Full-text search in both scripts: query language, index text, ranking (issue #17).
pub mod search;

/// SQLite: schema, migrations and all SQL; persists what the stages decided.
pub mod store;

/// Story grouping: the same event told by several outlets.
pub mod stories;

/// Stored items → Atom/RSS/JSON feeds, the front page and OPML (issue #4).
pub mod publish;

/// Daily digests: compose, render (askama), deliver exactly once (lettre).
pub mod digest;

/// OPML import and export of the feed list.
pub mod opml;

/// The HTML escaper of the askama templates.
pub mod html_escape;

/// HTTP only: the published feeds, front page, OPML, health, metrics and
/// subscriber pages.
pub mod server;

/// `khabar run`: lock, scheduler loop, digest loop, server, shutdown.
pub mod daemon;

/// The offline tour: bundled outlets on loopback.
pub mod demo;

/// How freed memory goes back to the system (large blocks, big parses).
pub mod allocator;

/// What the fuzzer runs (issue #11): each stage from arbitrary bytes.
pub mod fuzzing;

/// WebSub (issue #16): subscriptions to outlets' hubs, pushes in.
pub mod websub;
