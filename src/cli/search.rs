//! `khabar search`: the search stage (issue #17) on the command line, as a
//! listing or JSON.

use std::process::ExitCode;

use anyhow::Result;
use chrono::{SecondsFormat, Utc};

use crate::config::Config;
use crate::search::{Context, PageRequest, Search, SearchError};
use crate::store::Store;

/// What `khabar search` was asked.
pub(super) struct SearchArgs<'a> {
    /// The query's words, as typed (joined by spaces).
    pub words: &'a [String],
    /// `--topic`: only stories of this topic.
    pub topic: Option<&'a str>,
    /// `--since`: only reports published since this date or span.
    pub since: Option<&'a str>,
    /// `--limit`: stories per page.
    pub limit: usize,
    /// `--page`: which page.
    pub page: usize,
    /// `--json`: print the results as JSON.
    pub json: bool,
}

/// Exit status of a query the user must change (as for a usage error).
const BAD_QUERY: u8 = 2;

/// Runs the search and prints its results. A refused query prints why on
/// stderr and exits with status 2.
pub(super) fn run(config: &Config, store: &Store, args: &SearchArgs<'_>) -> Result<ExitCode> {
    let text = query_text(args);
    let slugs: Vec<&str> = config
        .tagger
        .topics()
        .iter()
        .map(|t| t.slug.as_str())
        .collect();
    let now = Utc::now();
    let page = PageRequest {
        page: args.page.max(1),
        per_page: args.limit,
    };
    let results = Search::parse(
        &text,
        Context {
            topics: &slugs,
            now,
        },
    )
    .map_err(SearchError::from)
    .and_then(|search| search.results(store, page, now));
    let results = match results {
        Ok(r) => r,
        Err(e) if e.is_bad_query() => {
            eprintln!("khabar search: {e}");
            return Ok(ExitCode::from(BAD_QUERY));
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
        return Ok(ExitCode::SUCCESS);
    }
    if results.hits.is_empty() {
        println!("no stories match “{}”", results.query);
        return Ok(ExitCode::SUCCESS);
    }
    let first = (results.page - 1) * results.per_page;
    for (n, hit) in results.hits.iter().enumerate() {
        let story = hit
            .story_id
            .map_or_else(|| "-".to_string(), |id| id.to_string());
        println!(
            "{:>3}. {}\n     {} · {} · story {} · {} report{}: {}",
            first + n + 1,
            hit.title,
            hit.outlet,
            hit.published.to_rfc3339_opts(SecondsFormat::Secs, true),
            story,
            hit.reports,
            if hit.reports == 1 { "" } else { "s" },
            hit.outlets.join(", "),
        );
        if !hit.snippet.is_empty() {
            println!("     {}", hit.snippet);
        }
        if let Some(url) = &hit.url {
            println!("     {url}");
        }
        for other in &hit.also {
            println!("     also: {} — {}", other.outlet, other.title);
        }
    }
    let more = if results.more { "+" } else { "" };
    println!(
        "page {} · {}{} stories{}",
        results.page,
        results.total,
        more,
        if results.has_next() {
            format!(" · next: --page {}", results.page + 1)
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// The query's words, with `--topic` and `--since` as filters.
fn query_text(args: &SearchArgs<'_>) -> String {
    let mut text = args.words.join(" ");
    let quoted = |v: &str| format!("\"{}\"", v.replace(['"', '\u{201C}', '\u{201D}'], ""));
    if let Some(topic) = args.topic {
        text.push_str(&format!(" topic:{}", quoted(topic)));
    }
    if let Some(since) = args.since {
        text.push_str(&format!(" since:{}", quoted(since)));
    }
    text
}
