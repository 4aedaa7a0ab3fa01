//! Built documents kept in memory, so an unchanged feed is served without
//! touching SQLite. Entries are keyed by what was asked for (format, topic,
//! page — never the raw query, so junk parameters cannot multiply them)
//! and stamped with the data generation they were built at; any change to
//! the database bumps the generation and the next request rebuilds.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use flate2::write::GzEncoder;

use crate::publish::{Document, FeedRequest};

/// Documents kept at once. Paged requests can name any position, so the
/// cache is bounded; when full, stale entries go first, then all of them.
const MAX_DOCUMENTS: usize = 512;

/// Search and story documents kept at once, of the [`MAX_DOCUMENTS`]: any text is a
/// query, so a crawler's queries must not push the feeds out.
const MAX_SEARCH_DOCUMENTS: usize = 64;

/// What a cached document answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DocKey {
    /// A feed (merged or topic, any format and page).
    Feed(FeedRequest),
    /// The front page.
    Index,
    /// The outlets as OPML.
    Opml,
    /// A story's page (issue #17).
    Story(i64),
    /// A search page or query feed (issue #17).
    Search(crate::publish::search::SearchRequest),
}

/// A document ready to serve: its bytes plain and gzipped, and its
/// validators as header values, all computed once when it was built.
#[derive(Debug)]
pub struct Served {
    /// The body.
    pub body: Bytes,
    /// The gzipped body, when gzip made it smaller.
    pub gzip: Option<Bytes>,
    /// Content-Type.
    pub content_type: HeaderValue,
    /// The ETag's opaque part, unquoted.
    pub tag: String,
    /// ETag of the plain body.
    pub etag: HeaderValue,
    /// ETag of the gzipped body (a different representation, RFC 9110 §8.8.3).
    pub etag_gzip: HeaderValue,
    /// Last-Modified, whole seconds.
    pub last_modified: Option<(DateTime<Utc>, HeaderValue)>,
}

impl Served {
    /// Prepares `doc` for serving.
    pub fn new(doc: Document) -> Served {
        let tag = doc.etag.trim_matches('"').to_string();
        let header = |s: String| {
            // The ETag is hex and the date is ASCII: always valid header values.
            HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static("\"\""))
        };
        let last_modified = doc.last_modified.map(|t| {
            let system: std::time::SystemTime = t.into();
            (t, header(httpdate::fmt_http_date(system)))
        });
        Served {
            gzip: gzip(&doc.body),
            body: Bytes::from(doc.body),
            content_type: HeaderValue::from_static(doc.content_type),
            etag: header(format!("\"{tag}\"")),
            etag_gzip: header(format!("\"{tag}-gz\"")),
            tag,
            last_modified,
        }
    }
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    let zipped = encoder.finish().ok()?;
    (zipped.len() < body.len()).then(|| Bytes::from(zipped))
}

struct Cached {
    generation: u64,
    served: Arc<Served>,
}

/// The cache of served documents.
#[derive(Default)]
pub struct DocCache {
    generation: AtomicU64,
    entries: RwLock<HashMap<DocKey, Cached>>,
}

impl DocCache {
    /// The current data generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Marks every cached document stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The document for `key`, if one was built since the last change.
    pub fn get(&self, key: &DocKey) -> Option<Arc<Served>> {
        let current = self.generation();
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|c| c.generation == current)
            .map(|c| Arc::clone(&c.served))
    }

    /// Keeps `served` for `key`, built from data at `generation`.
    pub fn insert(&self, key: DocKey, generation: u64, served: Arc<Served>) {
        let current = self.generation();
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if matches!(key, DocKey::Search(_) | DocKey::Story(_)) && !entries.contains_key(&key) {
            let searches = entries
                .keys()
                .filter(|k| matches!(k, DocKey::Search(_) | DocKey::Story(_)))
                .count();
            if searches >= MAX_SEARCH_DOCUMENTS {
                entries.retain(|k, c| {
                    !matches!(k, DocKey::Search(_) | DocKey::Story(_)) || c.generation == current
                });
                let searches = entries
                    .keys()
                    .filter(|k| matches!(k, DocKey::Search(_) | DocKey::Story(_)))
                    .count();
                if searches >= MAX_SEARCH_DOCUMENTS {
                    entries.retain(|k, _| !matches!(k, DocKey::Search(_) | DocKey::Story(_)));
                }
            }
        }
        if entries.len() >= MAX_DOCUMENTS && !entries.contains_key(&key) {
            entries.retain(|_, c| c.generation == current);
            if entries.len() >= MAX_DOCUMENTS {
                entries.clear();
            }
        }
        entries.insert(key, Cached { generation, served });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(body: &str) -> Arc<Served> {
        Arc::new(Served::new(Document::new(
            body.as_bytes().to_vec(),
            "text/plain",
            None,
        )))
    }

    #[test]
    fn a_change_makes_cached_documents_stale() {
        let cache = DocCache::default();
        let g = cache.generation();
        cache.insert(DocKey::Index, g, served("a"));
        assert!(cache.get(&DocKey::Index).is_some());
        cache.invalidate();
        assert!(cache.get(&DocKey::Index).is_none());
    }

    #[test]
    fn a_document_built_before_a_change_is_never_served_after_it() {
        let cache = DocCache::default();
        let g = cache.generation();
        cache.invalidate();
        cache.insert(DocKey::Opml, g, served("old"));
        assert!(cache.get(&DocKey::Opml).is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        use crate::publish::{Cursor, Format, PageQuery};
        let cache = DocCache::default();
        for i in 0..(MAX_DOCUMENTS as i64 * 3) {
            let key = DocKey::Feed(FeedRequest {
                format: Format::Atom,
                topic: None,
                page: PageQuery {
                    limit: 50,
                    before: Cursor::parse(&format!("{i}-{i}")),
                },
            });
            cache.insert(key, cache.generation(), served("x"));
        }
        assert!(cache.entries.read().unwrap().len() <= MAX_DOCUMENTS);
    }

    #[test]
    fn gzip_is_kept_only_when_it_helps() {
        assert!(served("x").gzip.is_none());
        assert!(served(&"ख़बर ".repeat(200)).gzip.is_some());
    }
}
