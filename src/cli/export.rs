//! `khabar export atom|rss|json [--topic SLUG] [--out FILE] [--limit N]`:
//! the merged feed, or one topic's, written for static hosting.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::config::Config;
use crate::publish::{self, Format, PageQuery, DEFAULT_LIMIT};

/// The arguments of `khabar export`.
#[derive(Debug, clap::Args)]
pub(super) struct ExportArgs {
    /// The format: atom, rss or json.
    #[arg(value_parser = parse_format)]
    format: Format,
    /// Only this topic's items.
    #[arg(long)]
    topic: Option<String>,
    /// Write here instead of stdout (atomically: a temporary file, then rename).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Entries in the document (1–500).
    #[arg(long, default_value_t = DEFAULT_LIMIT, value_parser = parse_limit)]
    limit: usize,
}

/// Builds the document `args` ask for and writes it out.
pub(super) fn run(config: &Config, args: ExportArgs) -> Result<ExitCode> {
    let doc = publish::export_document(config, args.format, args.topic.as_deref(), args.limit)?;
    match args.out {
        Some(path) => publish::write_atomically(&path, &doc.body)?,
        None => std::io::stdout()
            .lock()
            .write_all(&doc.body)
            .map_err(|source| publish::PublishError::Write {
                path: "<stdout>".into(),
                source,
            })?,
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::from_extension(s).ok_or_else(|| "expected atom, rss or json".to_string())
}

fn parse_limit(s: &str) -> Result<usize, String> {
    PageQuery::parse(Some(&format!("limit={s}")))
        .map(|q| q.limit)
        .map_err(|e| e.to_string())
}
