//! `khabar export atom|rss|json [--topic SLUG] [--out FILE]`: the documents
//! the server publishes, written once for static hosting (without paging
//! links, which a static host could not answer).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{feed_document, FeedRequest, Format, PageQuery, Paging, PublishError, Site};
use crate::config::Config;
use crate::store::Store;
use crate::topics::TopicSlug;

/// The arguments of `khabar export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
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
    #[arg(long, default_value_t = super::DEFAULT_LIMIT, value_parser = parse_limit)]
    limit: usize,
}

/// Builds the document `args` ask for from the configured database and
/// writes it out.
pub fn export_command(config: &Config, args: ExportArgs) -> Result<ExitCode, PublishError> {
    let site = Site::from_config(config);
    let topic = match args.topic {
        Some(slug) => Some(
            TopicSlug::parse(&slug)
                .ok()
                .filter(|s| site.topic(s.as_str()).is_some())
                .ok_or(PublishError::UnknownTopic { slug })?,
        ),
        None => None,
    };
    let request = FeedRequest {
        format: args.format,
        topic,
        page: PageQuery {
            limit: args.limit,
            before: None,
        },
    };
    let store = Store::open(&config.database)?;
    let doc = feed_document(&store, &site, &request, Paging::None)?;
    match args.out {
        Some(path) => write_atomically(&path, &doc.body)?,
        None => std::io::stdout()
            .lock()
            .write_all(&doc.body)
            .map_err(|source| PublishError::Write {
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

/// Writes `body` beside `path` and renames it into place, so a web server
/// never serves a half-written feed.
fn write_atomically(path: &std::path::Path, body: &[u8]) -> Result<(), PublishError> {
    let err = |source| PublishError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, body).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
