//! khabar (ख़बर, "news"): a daemon that polls news outlets' feeds into
//! SQLite, tags items by topic, groups stories, republishes merged feeds and
//! mails digests. One module per pipeline stage, in pipeline order.

/// Command line: each subcommand calls one library function and prints.
pub mod cli;
/// `khabar.toml` → validated [`config::Config`].
pub mod config;
/// `khabar run` besides HTTP: single-instance lock, scheduler loop, retention.
pub mod daemon;
/// The offline tour: bundled outlets on loopback.
pub mod demo;
/// Daily digests: compose, render (askama), deliver exactly once (lettre).
pub mod digest;
/// Polite, bounded HTTP fetching.
pub mod fetch;
/// Article pages → main text without boilerplate, for full-text feeds (issue #7).
pub mod fulltext;
/// What the fuzzer runs (issue #11): each stage from arbitrary bytes.
pub mod fuzzing;
/// The HTML escaper of the askama templates.
pub mod html_escape;
/// Types that cross stages.
pub mod model;
/// Parsed feed → normalised items (plain text, sanitised HTML, UTC, identity).
pub mod normalize;
/// OPML import and export of the feed list.
pub mod opml;
/// Feed bytes → parsed feed (charset, RSS/Atom/JSON Feed).
pub mod parse;
/// Stored items → Atom/RSS/JSON feeds, the front page and OPML (issue #4).
pub mod publish;
/// When each feed is due, and the polling pass.
pub mod scheduler;
/// Full-text search in both scripts: query language, index text, ranking (issue #17).
pub mod search;
/// HTTP: the published feeds, front page, OPML, health and metrics; `khabar run`.
pub mod server;
/// SQLite: schema, migrations and all SQL.
pub mod store;
/// Story grouping: the same event told by several outlets.
pub mod stories;
/// Logging setup.
pub mod telemetry;
/// Topic tagging: term groups, rules, one automaton for all topics.
pub mod topics;
/// Devanagari ↔ Latin: name skeletons that meet across scripts, romanization.
pub mod translit;
