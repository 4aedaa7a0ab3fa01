//! The publish stage (issue #4): stored items → the documents feed readers
//! and people fetch. Merged and per-topic feeds as Atom 1.0 ([`atom`]),
//! RSS 2.0 ([`rss`]) and JSON Feed 1.1 ([`json`]), newest first, paged by
//! RFC 5005 ([`paging`]); the human front page ([`index`]) and the outlets as
//! OPML.
//!
//! Every builder reads plain rows through `store` and returns a
//! [`Document`]: the bytes, their Content-Type and a strong ETag. The HTTP
//! server caches documents; `khabar export` writes them to files.
//!
//! HTML from outlets is sanitised again on the way out
//! ([`crate::normalize::sanitize_html`]), so nothing a feed sent reaches a
//! reader unsanitised even if the database was written by something else.

pub mod atom;
mod entry;
mod export;
pub mod index;
pub mod json;
pub mod paging;
pub mod rss;
pub mod search;
pub mod story;

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::Config;
use crate::store::{EntryQuery, EntryRow, Store, StoreError};
use crate::topics::{TopicInfo, TopicSlug};

pub use export::{export_document, write_atomically};
pub use paging::{Cursor, PageQuery, QueryError, DEFAULT_LIMIT, MAX_LIMIT};

/// The generator named in every document.
const GENERATOR: &str = "khabar";

/// Why a document could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No configured topic has this slug.
    #[error("unknown topic {slug:?}; see `khabar topics list`")]
    UnknownTopic {
        /// The slug asked for.
        slug: String,
    },
    /// No such document (a story page of an unknown id).
    #[error("not found")]
    NotFound,
    /// A search query was refused, or ran past its budget; the message
    /// says what to type instead (answered 400, never 500).
    #[error("{0}")]
    BadQuery(String),
    /// Reading the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A serialiser failed (it writes to memory, so this is a bug).
    #[error("render {format}: {message}")]
    Render {
        /// What was being written.
        format: &'static str,
        /// The serialiser's message.
        message: String,
    },
    /// Writing an exported document failed.
    #[error("write {path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// A built document, ready to be served or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The bytes (UTF-8).
    pub body: Vec<u8>,
    /// Its Content-Type, with charset.
    pub content_type: &'static str,
    /// Strong ETag: a quoted hash of `body`.
    pub etag: String,
    /// When its newest content last changed, if it has dated content.
    pub last_modified: Option<DateTime<Utc>>,
}

impl Document {
    /// Wraps `body`, computing its ETag.
    pub fn new(
        body: Vec<u8>,
        content_type: &'static str,
        last_modified: Option<DateTime<Utc>>,
    ) -> Document {
        let hash = Sha256::digest(&body);
        Document {
            etag: format!("\"{}\"", hex::encode(&hash[..16])),
            body,
            content_type,
            last_modified,
        }
    }
}

/// A syndication format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Atom 1.0 (RFC 4287).
    Atom,
    /// RSS 2.0.
    Rss,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// Every format, in the order pages list them.
    pub const ALL: [Format; 3] = [Format::Atom, Format::Rss, Format::Json];

    /// The file extension of its URLs (`feed.atom`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Atom => "atom",
            Format::Rss => "rss",
            Format::Json => "json",
        }
    }

    /// The format a URL extension names.
    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }

    /// Its Content-Type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// What is published and where: the public base URL and the topics.
#[derive(Debug, Clone)]
pub struct Site {
    base: Url,
    topics: Vec<TopicInfo>,
    searches: Vec<crate::search::SavedSearch>,
    hub: Option<String>,
}

impl Site {
    /// The site `public_url` serves, with these topics.
    pub fn new(public_url: &Url, topics: Vec<TopicInfo>) -> Site {
        let mut base = public_url.clone();
        // Relative links resolve under the base's path only with a slash.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.set_query(None);
        base.set_fragment(None);
        Site {
            base,
            topics,
            searches: Vec::new(),
            hub: None,
        }
    }

    /// The same site, publishing these saved searches (issue #17).
    pub fn with_searches(mut self, searches: Vec<crate::search::SavedSearch>) -> Site {
        self.searches = searches;
        self
    }

    /// The site of a configuration, with its saved searches; with
    /// `websub.enabled`, its feeds announce `websub.hub`, else khabar's own
    /// hub (issue #16).
    pub fn from_config(config: &Config) -> Site {
        let site = Site::new(&config.public_url, config.tagger.topics().to_vec())
            .with_searches(config.searches.clone());
        let hub = config.websub.enabled.then(|| match &config.websub.hub {
            Some(external) => external.to_string(),
            None => site.url(HUB_PATH),
        });
        Site { hub, ..site }
    }

    /// The saved searches, in config order.
    pub fn searches(&self) -> &[crate::search::SavedSearch] {
        &self.searches
    }

    /// The saved search with this slug.
    pub fn saved_search(&self, slug: &str) -> Option<&crate::search::SavedSearch> {
        self.searches.iter().find(|s| s.slug.as_str() == slug)
    }

    /// The WebSub hub the feeds announce, if any.
    pub fn hub(&self) -> Option<&str> {
        self.hub.as_deref()
    }

    /// The configured topics, in config order.
    pub fn topics(&self) -> &[TopicInfo] {
        &self.topics
    }

    /// The topic with this slug.
    pub fn topic(&self, slug: &str) -> Option<&TopicInfo> {
        self.topics.iter().find(|t| t.slug.as_str() == slug)
    }

    /// The absolute URL of a path relative to the site (`feed.atom`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The site's front page.
    pub fn home(&self) -> String {
        self.base.to_string()
    }
}

/// Where khabar's own WebSub hub answers, relative to the site.
pub const HUB_PATH: &str = crate::config::HUB_PATH;

/// One feed document to build: which items, in which format, which page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedRequest {
    /// The format.
    pub format: Format,
    /// Only this topic's items; all items when `None`.
    pub topic: Option<TopicSlug>,
    /// Which page.
    pub page: PageQuery,
}

impl FeedRequest {
    /// The subscription document (first page) at `path` relative to
    /// `site` (`feed.atom`, `topics/SLUG.json`), if it is one.
    pub fn from_path(site: &Site, path: &str) -> Option<FeedRequest> {
        let (name, ext) = path.rsplit_once('.')?;
        let format = Format::from_extension(ext)?;
        let topic = match name {
            "feed" => None,
            _ => Some(site.topic(name.strip_prefix("topics/")?)?.slug.clone()),
        };
        Some(FeedRequest {
            format,
            topic,
            page: PageQuery::default(),
        })
    }

    /// The document's path relative to the site, without query.
    pub fn path(&self) -> String {
        match &self.topic {
            None => format!("feed.{}", self.format),
            Some(slug) => format!("topics/{slug}.{}", self.format),
        }
    }
}

/// Whether documents link to older pages (served) or stand alone
/// (exported for static hosting, where `?before=` cannot be answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// RFC 5005 links to `?before=` pages.
    Linked,
    /// No paging links.
    None,
}

/// Everything a format writer needs for one document.
#[derive(Debug)]
pub struct Page<'a> {
    /// The site.
    pub site: &'a Site,
    /// The topic, for a topic feed.
    pub topic: Option<&'a TopicInfo>,
    /// The entries, newest first.
    pub entries: &'a [EntryRow],
    /// Stable identity of the feed (the same on every page).
    pub id: String,
    /// The feed's title.
    pub title: String,
    /// One line saying what it holds.
    pub subtitle: String,
    /// This document's URL.
    pub self_url: String,
    /// The subscription document's URL, on older pages.
    pub current_url: Option<String>,
    /// The next older page's URL, when there are older entries.
    pub next_url: Option<String>,
    /// When the newest change in it happened.
    pub updated: DateTime<Utc>,
}

impl Page<'_> {
    /// The hub to announce: on subscription documents (not older pages),
    /// when the site has one (W3C WebSub §4).
    pub fn hub(&self) -> Option<&str> {
        self.site.hub().filter(|_| self.current_url.is_none())
    }
}

/// Builds one feed document from the database.
pub fn feed_document(
    store: &Store,
    site: &Site,
    request: &FeedRequest,
    paging: Paging,
) -> Result<Document, PublishError> {
    let topic = match &request.topic {
        Some(slug) => {
            Some(
                site.topic(slug.as_str())
                    .ok_or_else(|| PublishError::UnknownTopic {
                        slug: slug.to_string(),
                    })?,
            )
        }
        None => None,
    };
    // One more than shown tells whether an older page exists.
    let mut entries = store.publish_entries(&EntryQuery {
        topic: request.topic.as_ref().map(TopicSlug::as_str),
        before: request.page.before.map(|c| (c.published, c.id)),
        limit: request.page.limit + 1,
    })?;
    let more = entries.len() > request.page.limit;
    entries.truncate(request.page.limit);
    let page = describe(site, topic, request, &entries, more, paging);
    let body = match request.format {
        Format::Atom => atom::render(&page)?,
        Format::Rss => rss::render(&page)?,
        Format::Json => json::render(&page)?,
    };
    let last_modified = entries.iter().map(entry::changed).max();
    Ok(Document::new(
        body,
        request.format.content_type(),
        last_modified,
    ))
}

fn describe<'a>(
    site: &'a Site,
    topic: Option<&'a TopicInfo>,
    request: &FeedRequest,
    entries: &'a [EntryRow],
    more: bool,
    paging: Paging,
) -> Page<'a> {
    let path = request.path();
    let subscription = site.url(&path);
    let linked = paging == Paging::Linked;
    let next_url = entries.last().filter(|_| more && linked).map(|last| {
        let older = PageQuery {
            before: Some(Cursor {
                published: last.item.published,
                id: last.item.id,
            }),
            ..request.page
        };
        format!("{subscription}{}", older.to_query())
    });
    let self_url = if linked {
        format!("{subscription}{}", request.page.to_query())
    } else {
        subscription.clone()
    };
    let (title, subtitle) = match topic {
        None => (
            "khabar — सभी ख़बरें (all outlets)".to_string(),
            "Every item from every outlet khabar follows, newest first".to_string(),
        ),
        Some(t) => (
            format!("khabar — {}", t.name),
            format!(
                "Items about “{}” from every outlet khabar follows, newest first",
                t.name
            ),
        ),
    };
    Page {
        site,
        topic,
        entries,
        id: feed_id(site, topic),
        title,
        subtitle,
        current_url: request
            .page
            .before
            .filter(|_| linked)
            .map(|_| subscription.clone()),
        self_url,
        next_url,
        updated: entries
            .iter()
            .map(entry::changed)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH),
    }
}

/// The feed's stable id: a name-based UUID of the site and topic, so it
/// stays the same across pages, formats and restarts.
fn feed_id(site: &Site, topic: Option<&TopicInfo>) -> String {
    let topic = topic.map_or("*", |t| t.slug.as_str());
    name_uuid(&format!("khabar feed\n{}\n{topic}", site.home()))
}

/// `urn:uuid:` of a name: SHA-256 truncated to a version-8 UUID (RFC 9562
/// §5.8), stable for the same name.
fn name_uuid(name: &str) -> String {
    let hash = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The outlets as OPML 2.0, for readers that want the sources themselves.
pub fn outlets_opml(store: &Store) -> Result<Document, PublishError> {
    let outlines: Vec<_> = store
        .publish_outlets()?
        .into_iter()
        .map(|o| crate::opml::Outline {
            xml_url: o.feed_url,
            title: o.title,
            html_url: o.site_url,
        })
        .collect();
    let body = crate::opml::write("khabar outlets", &outlines).into_bytes();
    Ok(Document::new(body, "text/x-opml; charset=utf-8", None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_urls_keep_the_base_path() {
        let site = Site::new(&Url::parse("https://news.example/khabar").unwrap(), vec![]);
        assert_eq!(
            site.url("feed.atom"),
            "https://news.example/khabar/feed.atom"
        );
        assert_eq!(site.home(), "https://news.example/khabar/");
    }

    #[test]
    fn name_uuids_are_stable_and_well_formed() {
        let a = name_uuid("x");
        assert_eq!(a, name_uuid("x"));
        assert_ne!(a, name_uuid("y"));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        assert_eq!(&a["urn:uuid:".len() + 14..][..1], "8", "version 8");
    }

    #[test]
    fn etags_are_strong_and_follow_the_body() {
        let a = Document::new(b"a".to_vec(), "text/plain", None);
        let b = Document::new(b"b".to_vec(), "text/plain", None);
        assert!(a.etag.starts_with('"') && a.etag.ends_with('"'));
        assert_ne!(a.etag, b.etag);
        assert_eq!(
            a.etag,
            Document::new(b"a".to_vec(), "text/plain", None).etag
        );
    }
}
