//! What `khabar export atom|rss|json [--topic SLUG] [--out FILE]` writes:
//! the documents the server publishes, built once for static hosting
//! (without paging links, which a static host could not answer).

use std::path::PathBuf;

use super::{feed_document, Document, FeedRequest, Format, PageQuery, Paging, PublishError, Site};
use crate::config::Config;
use crate::store::Store;
use crate::topics::TopicSlug;

/// The document `khabar export` writes: `format`, of `topic` when given
/// (a configured topic's slug), at most `limit` entries, without paging
/// links.
pub fn export_document(
    config: &Config,
    format: Format,
    topic: Option<&str>,
    limit: usize,
) -> Result<Document, PublishError> {
    let site = Site::from_config(config);
    let topic = match topic {
        Some(slug) => Some(
            TopicSlug::parse(slug)
                .ok()
                .filter(|s| site.topic(s.as_str()).is_some())
                .ok_or_else(|| PublishError::UnknownTopic {
                    slug: slug.to_string(),
                })?,
        ),
        None => None,
    };
    let request = FeedRequest {
        format,
        topic,
        page: PageQuery {
            limit,
            before: None,
        },
    };
    let store = Store::open(&config.database)?;
    feed_document(&store, &site, &request, Paging::None)
}

/// Writes `body` beside `path` and renames it into place, so a web server
/// never serves a half-written feed.
pub fn write_atomically(path: &std::path::Path, body: &[u8]) -> Result<(), PublishError> {
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
