//! The pictures and files an item carries, after normalisation: every URL
//! is absolute http(s), so they can be published and shown as they are.

use serde::{Deserialize, Serialize};

/// An item's picture and attachments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemMedia {
    /// The item's picture: a Media RSS thumbnail, else its largest image,
    /// else the JSON Feed `image` or podcast artwork.
    pub image: Option<String>,
    /// Files the item carries: RSS enclosures, Atom enclosure links, Media
    /// RSS audio and video, JSON Feed attachments (document order, no
    /// duplicate URLs).
    pub attachments: Vec<Attachment>,
}

impl ItemMedia {
    /// Whether the item carries no picture and no file.
    pub fn is_empty(&self) -> bool {
        self.image.is_none() && self.attachments.is_empty()
    }
}

/// One file an item carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Absolute http(s) URL of the file.
    pub url: String,
    /// Its media type (`audio/mpeg`), when the feed gave a well-formed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Its size in bytes, when the feed gave one above zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// Its playing time in seconds, when the feed gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<u64>,
}
