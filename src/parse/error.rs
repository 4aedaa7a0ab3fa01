//! Why a body could not be read as a feed.

/// A body that is not a feed khabar can read. Messages are lowercase and say
/// what was found, so they can be shown on the feed's row as they are.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// The body is empty or only whitespace.
    #[error("not a feed: the body is empty")]
    Empty,
    /// The body is an HTML page (often a site's home page or an error page).
    #[error(
        "not a feed: looks like an HTML page (point the feed URL at the RSS/Atom link instead)"
    )]
    HtmlPage,
    /// The document's root element is not one of rss, rdf:RDF, feed or channel.
    #[error("not a feed: the root element is <{root}>, expected <rss>, <rdf:RDF> or <feed>")]
    UnknownRoot {
        /// Local name of the root element found.
        root: String,
    },
    /// The XML broke before any root element was read.
    #[error("malformed xml at byte {position}: {message}")]
    MalformedXml {
        /// Byte offset where the reader stopped, in the decoded text after
        /// entity clean-up (close to, not exactly, the offset in the body).
        position: u64,
        /// The XML reader's description of the problem.
        message: String,
    },
    /// JSON that is not a JSON Feed.
    #[error("not a feed: {0}")]
    NotJsonFeed(String),
    /// The body is neither XML nor JSON.
    #[error("not a feed: the body starts with neither '<' nor '{{'")]
    NotMarkup,
}
