//! The publish stage end to end (issue #4): `khabar run` started for real
//! on port 0 over a demo database, driven over HTTP by reqwest, Python's
//! feedparser and headless Chromium.

/// Starting khabar over a demo database.
mod support;

/// feedparser and Chromium read what khabar publishes.
mod clients;
/// The daemon as a process: connection crowds, SIGTERM; `khabar export`.
mod daemon;
/// `khabar demo`: the whole tour, then serving until Ctrl-C.
mod demo;
/// Validators, gzip, the cache, bad input, small endpoints.
mod http;
/// Saved searches: feeds, the search page's list, digest topics (issue #17).
mod saved;
/// The search and story pages in headless Chromium, Devanagari drawn.
mod screens;
/// `/search` and the query feeds (issue #17).
mod search;
/// Bodies sent with sendfile arrive whole and in order.
mod sendfile;
