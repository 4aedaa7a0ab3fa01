//! khabar's integration tests: one binary. Each test starts the real
//! `khabar` executable with a fresh temp dir and SQLite file, against feed
//! servers on 127.0.0.1 (see `support/`).

mod support;

/// `feeds add|list|remove|import|export`, `parse URL --json`, config errors
/// and the demo, driven through the binary.
mod cli;
/// feedparser's test feeds against `khabar parse --json` (issue #12).
mod conformance;
/// `khabar run`: single instance, SIGTERM, `/healthz`, retention (issue #6).
mod daemon;
/// Digests through a real SMTP server (aiosmtpd), exactly once; the
/// subscriber pages (issue #5).
mod digest;
/// The form's rate limit behind a proxy: the last forwarded hop (issue #11).
mod forwarded;
/// Full text: article pages → main text, through the extractor and the binary (issue #7).
mod fulltext;
/// Full text costs only its own poll: a time budget, counts with the poll (issue #11).
mod fulltext_costs;
/// Inputs the fuzzer found, replayed (issue #11).
mod fuzz;
/// The fetch guard: nothing internal is fetched, stored or republished (issue #11).
mod guard;
/// Every hostile feed in one poll beside good ones, with its own server
/// (issue #2; the first ingest test, kept whole).
mod hostile_poll;
/// Hostile and broken feeds: each costs only its own poll (issue #2).
mod ingest;
/// Parse limits and linear text on attacker-written feeds (issue #11).
mod limits;
/// Enclosures and Media RSS through poll, feeds, digest and page (issue #12).
mod media;
/// `/metrics` through Prometheus' parser: counters never go down (issue #12).
mod metrics;
/// Operator surface: configuration from the environment alone,
/// completions, man page, `config check`, failures classified (issue #12).
mod ops;
/// The publish stage end to end (issue #4): HTTP, feedparser, Chromium.
mod publish;
/// Real outlets' feeds against feedparser and feed-rs (issue #12).
mod realfeeds;
/// What a second poll does: conditional GET, no loss, no duplicates.
mod repoll;
/// Only http(s) URLs leave khabar, whatever a feed sends (issue #11).
mod schemes;
/// Search (issue #17): both scripts, bad queries, the index kept in step.
mod search;
/// The server under load: floods, archive pages, the metrics allow list (issue #11).
mod serving;
/// SMTP credentials only over TLS (issue #11).
mod smtp;
/// Stories (issue #7): one event from several outlets, shown once everywhere.
mod stories;
/// `khabar tag` and `khabar topics`: the contract, the dev set, retagging.
mod tag;
/// WebSub against a loopback hub: subscribe, verify, pushes, renewal (issue #16).
mod websub;
/// WebSub with an external hub (`websub.hub`): announced, pinged on change (issue #16).
mod websub_publish;
