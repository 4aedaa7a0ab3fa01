//! What a feed document says about itself, after normalisation.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::item::NewItem;

/// Feed-level metadata, normalised (plain-text title, absolute link, UTC date).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedMeta {
    /// Plain-text title of the feed.
    pub title: Option<String>,
    /// Absolute URL of the outlet's site (the feed's alternate link).
    pub link: Option<String>,
    /// Language tag as the feed declares it (`hi`, `en-us`).
    pub language: Option<String>,
    /// When the feed says it was last updated.
    pub updated: Option<DateTime<Utc>>,
    /// The feed's own polling hint (RSS `ttl`, `sy:updatePeriod`/`sy:updateFrequency`).
    pub ttl: Option<Duration>,
    /// The absolute http(s) URL of the WebSub hub the feed announces.
    pub hub: Option<String>,
    /// The feed's own absolute http(s) URL (`rel="self"`): the WebSub topic.
    pub self_url: Option<String>,
}

/// A parsed and normalised feed document: metadata plus items in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NormalizedFeed {
    /// Feed-level metadata.
    pub meta: FeedMeta,
    /// Items in document order.
    pub items: Vec<NewItem>,
}

/// An absolute `http`/`https` URL of a feed: the only kind khabar polls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedUrl(url::Url);

/// Why a text is not a [`FeedUrl`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedUrlError {
    /// Not a URL at all.
    #[error("{text:?} is not a URL: {reason}")]
    NotUrl {
        /// The text as given.
        text: String,
        /// What the URL parser said.
        reason: url::ParseError,
    },
    /// A URL, but not an absolute http(s) one with a host.
    #[error("{0:?} is not an http(s) URL")]
    NotHttp(String),
}

impl FeedUrl {
    /// Checks that `s` is an absolute http(s) URL.
    pub fn parse(s: &str) -> Result<FeedUrl, FeedUrlError> {
        let url = url::Url::parse(s.trim()).map_err(|reason| FeedUrlError::NotUrl {
            text: s.to_string(),
            reason,
        })?;
        FeedUrl::try_from(url)
    }

    /// The URL.
    pub fn as_url(&self) -> &url::Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::str::FromStr for FeedUrl {
    type Err = FeedUrlError;

    fn from_str(s: &str) -> Result<FeedUrl, FeedUrlError> {
        FeedUrl::parse(s)
    }
}

impl TryFrom<url::Url> for FeedUrl {
    type Error = FeedUrlError;

    /// Accepts an already parsed URL (a redirect's target) if it is http(s).
    fn try_from(url: url::Url) -> Result<FeedUrl, FeedUrlError> {
        match url.scheme() {
            "http" | "https" if url.host().is_some() => Ok(FeedUrl(url)),
            _ => Err(FeedUrlError::NotHttp(url.to_string())),
        }
    }
}

impl std::fmt::Display for FeedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
