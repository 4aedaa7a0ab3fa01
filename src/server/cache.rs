//! Built documents kept in memory, so an unchanged feed is served without
//! touching SQLite. Entries are keyed by what was asked for (format, topic,
//! page — never the raw query, so junk parameters cannot multiply them)
//! and stamped with the data generation they were built at; any change to
//! the database bumps the generation and the next request rebuilds. The
//! cache is bounded and evicts the least recently served document.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use flate2::write::GzEncoder;

use super::zerocopy;
use crate::publish::{Document, FeedRequest};

/// Documents kept in each part of the cache (first pages, archive pages).
/// Paged requests can name any position, so the cache is bounded.
const MAX_PER_PART: usize = 256;

/// Search and story documents kept at once, in their own part: any text is
/// a query, so a crawler's queries must not push the feeds out.
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
            body: zerocopy::shared(doc.body),
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
    (zipped.len() < body.len()).then(|| zerocopy::shared(zipped))
}

struct Cached {
    generation: u64,
    served: Arc<Served>,
    /// When it was last served, on the cache's clock.
    used: AtomicU64,
}

/// The cache of served documents, in three separately bounded parts: first
/// pages (what feed readers poll), archive pages (`?before=`), and search
/// and story documents, so that a crawler walking history, a client
/// inventing cursors, or one sending any query, evicts only its own kind. Within a part the least recently served document
/// goes first.
///
/// Hand-written rather than the `lru` crate: its `get` needs `&mut`, which
/// would put every hit of the hot path behind a mutex; here a hit takes a
/// read lock and stamps the entry with one atomic store, and the O(n)
/// search for the oldest entry (n ≤ [`MAX_PER_PART`]) runs only when a
/// document is built, which costs far more.
#[derive(Default)]
pub struct DocCache {
    generation: AtomicU64,
    clock: AtomicU64,
    firsts: RwLock<HashMap<DocKey, Cached>>,
    archive: RwLock<HashMap<DocKey, Cached>>,
    queries: RwLock<HashMap<DocKey, Cached>>,
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

    /// The part `key` lives in, and its bound.
    fn part(&self, key: &DocKey) -> (&RwLock<HashMap<DocKey, Cached>>, usize) {
        match key {
            DocKey::Feed(request) if request.page.before.is_some() => (&self.archive, MAX_PER_PART),
            DocKey::Search(_) | DocKey::Story(_) => (&self.queries, MAX_SEARCH_DOCUMENTS),
            _ => (&self.firsts, MAX_PER_PART),
        }
    }

    /// The document for `key`, if one was built since the last change.
    pub fn get(&self, key: &DocKey) -> Option<Arc<Served>> {
        let current = self.generation();
        let entries = self.part(key).0.read().unwrap_or_else(|e| e.into_inner());
        let cached = entries.get(key).filter(|c| c.generation == current)?;
        let now = self.clock.fetch_add(1, Ordering::Relaxed);
        cached.used.store(now, Ordering::Relaxed);
        Some(Arc::clone(&cached.served))
    }

    /// Keeps `served` for `key`, built from data at `generation`. Stale
    /// documents go at once, from every part (they hold memory, and large
    /// ones a file descriptor, see [`zerocopy`]); when the key's part is
    /// still full, its least recently served document goes.
    pub fn insert(&self, key: DocKey, generation: u64, served: Arc<Served>) {
        let current = self.generation();
        let used = AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed));
        for part in [&self.firsts, &self.archive, &self.queries] {
            let mut entries = part.write().unwrap_or_else(|e| e.into_inner());
            entries.retain(|_, c| c.generation == current);
        }
        let (part, bound) = self.part(&key);
        let mut entries = part.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= bound && !entries.contains_key(&key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, c)| c.used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            key,
            Cached {
                generation,
                served,
                used,
            },
        );
    }

    /// Documents held, all parts.
    #[cfg(test)]
    fn len(&self) -> usize {
        let count = |p: &RwLock<HashMap<DocKey, Cached>>| p.read().unwrap().len();
        count(&self.firsts) + count(&self.archive) + count(&self.queries)
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

    fn page(limit: usize, before: Option<i64>) -> DocKey {
        use crate::publish::{Cursor, Format, PageQuery};
        DocKey::Feed(FeedRequest {
            format: Format::Atom,
            topic: None,
            page: PageQuery {
                limit,
                before: before.and_then(|i| Cursor::parse(&format!("{i}-{i}"))),
            },
        })
    }

    #[test]
    fn the_cache_stays_bounded_and_archive_pages_never_evict_first_pages() {
        let cache = DocCache::default();
        let g = cache.generation();
        cache.insert(page(50, None), g, served("head"));
        for i in 0..(MAX_PER_PART as i64 * 3) {
            cache.insert(page(50, Some(i)), g, served("x"));
        }
        assert!(cache.len() <= 2 * MAX_PER_PART);
        assert!(cache.get(&page(50, None)).is_some(), "the first page stays");
        assert!(cache.get(&page(50, Some(0))).is_none(), "the oldest went");
        assert!(cache
            .get(&page(50, Some(MAX_PER_PART as i64 * 3 - 1)))
            .is_some());
    }

    #[test]
    fn queries_stay_bounded_and_never_evict_feeds() {
        let cache = DocCache::default();
        let g = cache.generation();
        cache.insert(page(50, None), g, served("head"));
        cache.insert(DocKey::Index, g, served("page"));
        for i in 0..(MAX_SEARCH_DOCUMENTS * 3) {
            let q = crate::publish::search::SearchRequest::new(&format!("q{i}"), None, 1);
            cache.insert(DocKey::Search(q), g, served("x"));
            cache.insert(DocKey::Story(i as i64), g, served("s"));
        }
        assert!(cache.len() <= 2 + MAX_SEARCH_DOCUMENTS);
        assert!(cache.get(&page(50, None)).is_some(), "the feed stays");
        assert!(cache.get(&DocKey::Index).is_some(), "the front page stays");
        let last = MAX_SEARCH_DOCUMENTS as i64 * 3 - 1;
        assert!(
            cache.get(&DocKey::Story(last)).is_some(),
            "the newest query stays"
        );
        assert!(cache.get(&DocKey::Story(0)).is_none(), "the oldest went");
    }

    #[test]
    fn the_least_recently_served_goes_first() {
        let cache = DocCache::default();
        let g = cache.generation();
        for limit in 1..=MAX_PER_PART {
            cache.insert(page(limit, None), g, served("x"));
        }
        // The first one inserted is served again: the second is now oldest.
        assert!(cache.get(&page(1, None)).is_some());
        cache.insert(DocKey::Index, g, served("page"));
        assert!(cache.get(&page(1, None)).is_some());
        assert!(cache.get(&page(2, None)).is_none());
        assert!(cache.get(&DocKey::Index).is_some());
    }

    #[test]
    fn stale_documents_go_when_any_document_is_built() {
        let cache = DocCache::default();
        let g = cache.generation();
        cache.insert(DocKey::Opml, g, served("old"));
        cache.insert(page(50, Some(1)), g, served("old archive"));
        cache.invalidate();
        cache.insert(DocKey::Index, cache.generation(), served("new"));
        assert_eq!(cache.len(), 1, "only the fresh document is held");
    }

    #[test]
    fn gzip_is_kept_only_when_it_helps() {
        assert!(served("x").gzip.is_none());
        assert!(served(&"ख़बर ".repeat(200)).gzip.is_some());
    }
}
