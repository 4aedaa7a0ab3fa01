//! One item as it flows from normalisation into the store.

use chrono::{DateTime, Utc};

use super::media::ItemMedia;

/// Stable identity of an item within its feed: the feed's guid/id, else its
/// link, else a hash of title and content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ItemKey {
    /// The guid (RSS) or id (Atom, JSON Feed) exactly as the feed gives it.
    Guid(String),
    /// The item's absolute link, when it has no guid.
    Link(String),
    /// Hex SHA-256 of title and content, when it has neither.
    Hash(String),
}

impl ItemKey {
    /// The form kept in the database: a prefix naming the kind, then the value.
    pub fn to_storage(&self) -> String {
        match self {
            ItemKey::Guid(v) => format!("guid:{v}"),
            ItemKey::Link(v) => format!("link:{v}"),
            ItemKey::Hash(v) => format!("hash:{v}"),
        }
    }
}

/// HTML that has been through khabar's sanitiser (no scripts, no event
/// attributes, no `javascript:` URLs, absolute links).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SanitizedHtml(String);

impl SanitizedHtml {
    /// Wraps the output of the sanitiser; only `normalize::html` calls this.
    pub(crate) fn from_sanitizer(html: String) -> Self {
        SanitizedHtml(html)
    }

    /// Wraps HTML read back from khabar's own database, which only ever stores
    /// sanitiser output. Not for anything that came from outside.
    pub fn from_store_dangerous(html: String) -> Self {
        SanitizedHtml(html)
    }

    /// The sanitised HTML.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether there is no markup or text at all.
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

/// A normalised item, ready to be stored: plain-text title and summary,
/// sanitised content, absolute link, UTC dates.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    /// Identity within the feed.
    pub key: ItemKey,
    /// The guid/id exactly as the feed gave it (shown by `khabar parse`).
    pub guid: Option<String>,
    /// Absolute link to the article.
    pub link: Option<String>,
    /// Plain-text title (entities decoded, NFC); empty when the feed has none.
    pub title: String,
    /// Plain-text summary (entities decoded, NFC).
    pub summary: Option<String>,
    /// Sanitised content HTML.
    pub content: Option<SanitizedHtml>,
    /// Author names, without e-mail addresses.
    pub authors: Vec<String>,
    /// The outlet's own categories/tags.
    pub categories: Vec<String>,
    /// Publication date in UTC; a date after the fetch time is clamped to it.
    pub published: Option<DateTime<Utc>>,
    /// Last-updated date in UTC; clamped like `published`.
    pub updated: Option<DateTime<Utc>>,
    /// Its picture and attachments.
    pub media: ItemMedia,
    /// Hex SHA-256 over title, summary, content and (when there is any)
    /// media: a change means "update in place".
    pub content_hash: String,
}
