//! `khabar parse FILE|URL [--json]`: one feed through fetch, parse and
//! normalize, printed as a listing or as DESIGN.md's JSON.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::config::Config;
use crate::fetch::{FetchOutcome, FetchRequest, Fetcher};
use crate::model::FeedUrl;
use crate::{normalize, parse, startup};

/// Parses `target` (a file or an http(s) URL) and prints its items.
pub(super) fn run(config: &Config, target: &str, json: bool) -> Result<ExitCode> {
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
    let feed = normalize::normalize_feed(
        parsed,
        base.as_ref(),
        crate::clock::now(),
        config.fetch.max_items,
    );
    if json {
        println!("{}", normalize::parse_report(&feed));
        return Ok(ExitCode::SUCCESS);
    }
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
    Ok(ExitCode::SUCCESS)
}

/// The body, Content-Type and final URL of one fetch of `target`.
fn fetch_one(config: &Config, target: &str) -> Result<(Vec<u8>, Option<String>, Option<url::Url>)> {
    let url = FeedUrl::parse(target)?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let request = FetchRequest {
        url: url.as_url().clone(),
        etag: None,
        last_modified: None,
    };
    match startup::runtime()?.block_on(fetcher.fetch(&request)) {
        FetchOutcome::Fetched(f) => Ok((f.body, f.content_type, Some(f.final_url))),
        FetchOutcome::Failed(e) => Err(e.into()),
        FetchOutcome::Gone => bail!("fetch {target}: HTTP 410 Gone"),
        FetchOutcome::NotModified { .. } => bail!("fetch {target}: unexpected 304"),
    }
}
