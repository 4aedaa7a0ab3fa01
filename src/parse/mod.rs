//! Parse stage: feed bytes → [`ParsedFeed`], with no I/O.
//!
//! RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 are read leniently, the way feed readers
//! must: the body is decoded by BOM, valid UTF-8, HTTP charset, XML declaration
//! or detection ([`charset`]); HTML entities, stray `&` and control characters
//! are made safe ([`entities`]); a document that breaks off keeps the items read
//! before the break ([`dom`]). JSON Feed 1.0/1.1 is read from `serde_json`
//! values, skipping items of the wrong shape. The values stay raw (dates as
//! written, relative links, HTML); `normalize` turns them into items.
//!
//! ```
//! let feed = khabar::parse::parse_feed(b"<rss><channel><title>t</title></channel></rss>", None).unwrap();
//! assert_eq!(feed.meta.title.unwrap().value, "t");
//! ```

mod atom;
mod charset;
mod dom;
mod element;
mod entities;
mod error;
mod json;
mod media;
mod namespaces;
mod rss;

pub use charset::decode as decode_text;
pub(crate) use entities::{char_reference, html_entity};
pub use error::ParseError;

/// Escapes text for HTML content (`&`, `<`, `>`).
pub(crate) fn escape_html_into(text: &str, out: &mut String) {
    element::escape_into(text, false, out);
}

/// What a feed document says, before normalisation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFeed {
    /// Feed-level values.
    pub meta: ParsedMeta,
    /// Entries in document order.
    pub entries: Vec<ParsedEntry>,
}

/// Feed-level values as written in the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedMeta {
    /// The feed's title.
    pub title: Option<Text>,
    /// The site's link, possibly relative.
    pub link: Option<String>,
    /// Language tag (`language`, `dc:language`, root `xml:lang`).
    pub language: Option<String>,
    /// Last-updated date as written (lastBuildDate, dc:date, dcterms:modified, Atom updated/modified).
    pub updated: Option<String>,
    /// The document's `xml:base`, possibly relative.
    pub base: Option<String>,
    /// RSS `<ttl>`, in minutes.
    pub ttl_minutes: Option<u32>,
    /// `sy:updatePeriod` (hourly, daily, weekly, monthly, yearly).
    pub update_period: Option<String>,
    /// `sy:updateFrequency`: how many updates per period.
    pub update_frequency: Option<u32>,
    /// The WebSub hub the feed announces (`link rel="hub"`, JSON Feed
    /// `hubs`), possibly relative.
    pub hub: Option<String>,
    /// The feed's own canonical URL (`link rel="self"`, JSON Feed
    /// `feed_url`): the WebSub topic, possibly relative.
    pub self_link: Option<String>,
}

/// One entry's values as written in the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedEntry {
    /// RSS guid, Atom/JSON id, or RSS 1.0 `rdf:about`.
    pub id: Option<String>,
    /// The entry's title.
    pub title: Option<Text>,
    /// The entry's link, possibly relative.
    pub link: Option<String>,
    /// The entry's effective `xml:base`, possibly relative.
    pub base: Option<String>,
    /// Summary or description.
    pub summary: Option<Text>,
    /// Full content.
    pub content: Option<Text>,
    /// Author strings as written (`me@example.com (Name)`).
    pub authors: Vec<String>,
    /// Category terms.
    pub categories: Vec<String>,
    /// Publication date as written (pubDate, dcterms:issued, Atom published/issued).
    pub published: Option<String>,
    /// Update date as written (dc:date, dcterms:modified, Atom updated/modified).
    pub updated: Option<String>,
    /// Pictures and files, in document order: RSS enclosures, Atom
    /// enclosure links, Media RSS content and thumbnails, JSON Feed image
    /// and attachments, podcast artwork.
    pub media: Vec<ParsedMedia>,
    /// Media RSS `media:description`: the summary when there is none.
    pub media_description: Option<Text>,
}

/// One picture or file an entry points to, as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedMedia {
    /// Where in the entry it was found.
    pub role: MediaRole,
    /// Its URL, possibly relative.
    pub url: String,
    /// The media type as written (`type`, `mime_type`).
    pub mime_type: Option<String>,
    /// Media RSS `medium` (`image`, `audio`, `video`).
    pub medium: Option<String>,
    /// Size in bytes as written (`length`, `fileSize`, `size_in_bytes`).
    pub size: Option<String>,
    /// Playing time in seconds as written.
    pub duration: Option<String>,
    /// Width in pixels as written.
    pub width: Option<String>,
}

/// Where a [`ParsedMedia`] was found, which says what it is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MediaRole {
    /// The entry's declared main image (JSON Feed `image`).
    Image,
    /// A Media RSS `media:thumbnail`.
    Thumbnail,
    /// A Media RSS `media:content`.
    #[default]
    Content,
    /// An RSS `enclosure`, an Atom `link rel="enclosure"`, a JSON Feed attachment.
    Enclosure,
    /// Podcast artwork (`itunes:image`): a picture only when nothing else is.
    Artwork,
}

/// A text value and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// Whether `value` is plain text or HTML.
    pub kind: TextKind,
    /// The text or markup.
    pub value: String,
    /// The `xml:base` in effect where the value was found, possibly relative.
    pub base: Option<String>,
}

/// How a [`Text`] value is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Literal text: `<` is a character, not markup.
    Plain,
    /// HTML markup (escaped HTML and inline XHTML both end up here).
    Html,
}

/// Parses a feed body. `http_content_type` is the response's Content-Type,
/// whose charset is used when the body has no BOM and is not valid UTF-8.
pub fn parse_feed(body: &[u8], http_content_type: Option<&str>) -> Result<ParsedFeed, ParseError> {
    let text = charset::decode(body, http_content_type);
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    match start.chars().next() {
        None => Err(ParseError::Empty),
        Some('{') => json::parse(start),
        Some('<') => parse_xml(start),
        Some(_) => Err(ParseError::NotMarkup),
    }
}

fn parse_xml(text: &str) -> Result<ParsedFeed, ParseError> {
    let xml = entities::prepare(text);
    let root = match dom::read(&xml) {
        Ok(root) => root,
        Err(_) if looks_like_html(text) => return Err(ParseError::HtmlPage),
        Err((position, message)) => return Err(ParseError::MalformedXml { position, message }),
    };
    match root.name.as_str() {
        "rss" | "RDF" | "channel" => Ok(rss::map(&root)),
        "feed" => Ok(atom::map(&root)),
        name if name.eq_ignore_ascii_case("html") || name.eq_ignore_ascii_case("head") => {
            Err(ParseError::HtmlPage)
        }
        name => Err(ParseError::UnknownRoot {
            root: name.to_owned(),
        }),
    }
}

/// Most authors or categories kept per entry: hostile feeds repeat them.
const MAX_LIST_LEN: usize = 64;

/// Appends `value` unless it is already there or the list is full.
fn push_unique(list: &mut Vec<String>, value: String) {
    if list.len() < MAX_LIST_LEN && !list.contains(&value) {
        list.push(value);
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html")
}

/// Joins an element's `xml:base` onto the one in effect around it. A base that
/// is still relative stays as written, to be resolved against the feed URL.
/// The `href` of the first `<link>` in `links` whose space-separated
/// `rel` names `rel` (case-insensitively, as RFC 8288 §3.3 says).
fn link_with_rel<'a>(links: impl Iterator<Item = &'a dom::Element>, rel: &str) -> Option<String> {
    links
        .filter(|l| {
            l.attr("rel").is_some_and(|r| {
                r.split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
            })
        })
        .find_map(|l| l.attr("href"))
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

fn join_base(outer: Option<&str>, own: Option<&str>) -> Option<String> {
    let own = own.map(str::trim).filter(|b| !b.is_empty());
    match (outer, own) {
        (outer, None) => outer.map(str::to_owned),
        (Some(outer), Some(own)) => match url::Url::parse(outer).and_then(|u| u.join(own)) {
            Ok(joined) => Some(joined.into()),
            Err(_) => Some(own.to_owned()),
        },
        (None, Some(own)) => Some(own.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // See: issue #16
    #[test]
    fn websub_hub_and_self_links_are_found_in_every_format() {
        let cases = [
            (
                "atom",
                r#"<feed xmlns="http://www.w3.org/2005/Atom"><link href="/"/>
                   <link rel="hub" href="https://hub.example/"/>
                   <link rel="self" href="/feed.atom"/></feed>"#,
            ),
            (
                "rss with atom:link",
                r#"<rss xmlns:atom="http://www.w3.org/2005/Atom"><channel>
                   <atom:link rel="HUB" href="https://hub.example/"/>
                   <atom:link rel="self" href="/feed.atom"/></channel></rss>"#,
            ),
            (
                "json feed",
                r#"{"version": "https://jsonfeed.org/version/1.1", "items": [],
                    "feed_url": "/feed.atom",
                    "hubs": [{"type": "rssCloud", "url": "https://x/"},
                             {"type": "WebSub", "url": "https://hub.example/"}]}"#,
            ),
        ];
        for (name, doc) in cases {
            let meta = parse_feed(doc.as_bytes(), None).unwrap().meta;
            assert_eq!(
                (meta.hub.as_deref(), meta.self_link.as_deref()),
                (Some("https://hub.example/"), Some("/feed.atom")),
                "{name}"
            );
        }
        let none = parse_feed(
            b"<rss><channel><link>https://o/</link></channel></rss>",
            None,
        );
        assert_eq!(none.unwrap().meta.hub, None);
    }

    fn titles(feed: &ParsedFeed) -> Vec<String> {
        feed.entries
            .iter()
            .map(|e| e.title.as_ref().map_or(String::new(), |t| t.value.clone()))
            .collect()
    }

    #[test]
    fn formats_are_read() {
        let cases: [(&str, &str, &[&str]); 5] = [
            ("rss 2.0", "<rss version='2.0'><channel><item><title>a</title></item></channel></rss>", &["a"]),
            (
                "rss 1.0",
                "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'>\
                 <channel><title>c</title></channel><item rdf:about='http://x/1'><title>a</title></item></rdf:RDF>",
                &["a"],
            ),
            ("rss 0.91", "<rss version='0.91'><channel><item><title>a</title></item><item><title>b</title></item></channel></rss>", &["a", "b"]),
            ("atom 1.0", "<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>a</title></entry></feed>", &["a"]),
            ("atom 0.3", "<feed version='0.3' xmlns='http://purl.org/atom/ns#'><entry><title>a</title></entry></feed>", &["a"]),
        ];
        for (name, xml, want) in cases {
            let feed = parse_feed(xml.as_bytes(), None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(titles(&feed), want, "{name}");
        }
    }

    #[test]
    fn json_feed_1_1_is_read_and_bad_items_skipped() {
        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "ख़बर", "home_page_url": "https://example.org/",
            "language": "hi", "items": [
              {"id": "1", "url": "https://example.org/1", "title": "पुतिन", "content_html": "<p>x</p>",
               "date_published": "2025-07-13T08:00:00+05:30", "authors": [{"name": "Desk"}], "tags": ["russia"]},
              "not an item",
              {"id": 2, "title": 7, "content_text": "plain"}]}"#;
        let feed = parse_feed(json.as_bytes(), Some("application/feed+json")).expect("json feed");
        assert_eq!(feed.meta.language.as_deref(), Some("hi"));
        assert_eq!(feed.entries.len(), 2, "the string item is skipped");
        let first = &feed.entries[0];
        assert_eq!(first.authors, ["Desk"]);
        assert_eq!(first.categories, ["russia"]);
        assert_eq!(
            first.published.as_deref(),
            Some("2025-07-13T08:00:00+05:30")
        );
        assert_eq!(feed.entries[1].id.as_deref(), Some("2"));
        assert_eq!(
            feed.entries[1].title, None,
            "a title of the wrong type is absent"
        );
    }

    #[test]
    fn json_feed_image_and_attachments_are_read() {
        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "items": [
              {"id": "1", "image": "https://example.org/p.jpg", "attachments": [
                {"url": "https://example.org/e.mp3", "mime_type": "audio/mpeg",
                 "size_in_bytes": 1200, "duration_in_seconds": 61.5},
                {"mime_type": "audio/mpeg"}, "not an attachment"]}]}"#;
        let feed = parse_feed(json.as_bytes(), None).expect("json feed");
        let media = &feed.entries[0].media;
        assert_eq!(
            media.len(),
            2,
            "the attachment without a url is skipped: {media:?}"
        );
        assert_eq!(
            (media[0].role, media[0].url.as_str()),
            (MediaRole::Image, "https://example.org/p.jpg")
        );
        assert_eq!(media[1].role, MediaRole::Enclosure);
        assert_eq!(media[1].size.as_deref(), Some("1200"));
        assert_eq!(media[1].duration.as_deref(), Some("61.5"));
    }

    #[test]
    fn media_rss_nested_in_content_and_group_is_read() {
        let xml = r#"<rss xmlns:media="http://search.yahoo.com/mrss/"><channel><item><title>t</title>
            <media:content url="https://x.in/v.mp4" type="video/mp4" medium="video">
              <media:thumbnail url="https://x.in/t.jpg"/><media:description>in content</media:description>
            </media:content>
            <media:group><media:content url="https://x.in/g.jpg" medium="image" width="1100"/></media:group>
            <enclosure url="https://x.in/a.mp3" length="10" type="audio/mpeg"/>
            <itunes:image xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" href="https://x.in/art.png"/>
            </item></channel></rss>"#;
        let entry = &parse_feed(xml.as_bytes(), None).expect("rss").entries[0];
        let roles: Vec<(MediaRole, &str)> = entry
            .media
            .iter()
            .map(|m| (m.role, m.url.as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                (MediaRole::Content, "https://x.in/v.mp4"),
                (MediaRole::Thumbnail, "https://x.in/t.jpg"),
                (MediaRole::Content, "https://x.in/g.jpg"),
                (MediaRole::Enclosure, "https://x.in/a.mp3"),
                (MediaRole::Artwork, "https://x.in/art.png"),
            ]
        );
        assert_eq!(
            entry.media_description.as_ref().map(|t| t.value.as_str()),
            Some("in content")
        );
    }

    #[test]
    fn bodies_that_are_not_feeds_say_why() {
        let cases: [(&str, &[u8], ParseError); 5] = [
            ("html page", b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>hi<br></body></html>", ParseError::HtmlPage),
            ("unclosed html page", b"<!doctype html>\n<html lang=en><body><p>a & b", ParseError::HtmlPage),
            ("empty", b"  \n", ParseError::Empty),
            ("plain text", b"Service Unavailable", ParseError::NotMarkup),
            ("other xml", b"<svg><g/></svg>", ParseError::UnknownRoot { root: "svg".into() }),
        ];
        for (name, body, want) in cases {
            assert_eq!(parse_feed(body, None), Err(want), "{name}");
        }
        let json = parse_feed(br#"{"version": 1, "items": 3}"#, None);
        assert!(
            matches!(json, Err(ParseError::NotJsonFeed(_))),
            "json with wrong types: {json:?}"
        );
    }

    #[test]
    fn damaged_documents_keep_their_items() {
        let cases: [(&str, &[u8], &[&str]); 6] = [
            ("truncated mid-item", b"<rss><channel><item><title>one</title></item><item><title>two</title><desc", &["one", "two"]),
            ("truncated in cdata", b"<rss><channel><item><title>one</title></item><item><title><![CDATA[tw", &["one", ""]),
            ("html entities without dtd", b"<rss><channel><item><title>a&nbsp;b&rsquo;s &copy;</title></item></channel></rss>", &["a\u{a0}b\u{2019}s \u{a9}"]),
            ("undefined entity", b"<rss><channel><item><title>&bogus; x</title></item></channel></rss>", &["&bogus; x"]),
            ("control characters", b"<rss><channel><item><title>a\x01\x0bb</title></item></channel></rss>", &["ab"]),
            ("invalid utf-8", b"<rss><channel><item><title>Caf\xe9 cr\xe8me br\xfbl\xe9e</title></item></channel></rss>", &["Café crème brûlée"]),
        ];
        for (name, body, want) in cases {
            let feed = parse_feed(body, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(titles(&feed), want, "{name}");
        }
    }

    #[test]
    fn billion_laughs_stays_small() {
        let mut xml = String::from("<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY lol 'lol'>");
        for n in 1..=9 {
            let prev = if n == 1 {
                "lol".to_owned()
            } else {
                format!("lol{}", n - 1)
            };
            xml.push_str(&format!(
                "<!ENTITY lol{n} '{}'>",
                format!("&{prev};").repeat(10)
            ));
        }
        xml.push_str("]><rss><channel><item><title>&lol9;</title><guid>&lol;-1</guid></item></channel></rss>");
        let feed = parse_feed(xml.as_bytes(), None).expect("feed");
        assert_eq!(titles(&feed), ["&lol9;"]);
        assert_eq!(
            feed.entries[0].id.as_deref(),
            Some("lol-1"),
            "a simple entity is expanded once"
        );
    }

    #[test]
    fn hostile_sizes_are_handled() {
        let items = "<item><title>t</title></item>".repeat(10_000);
        let feed = parse_feed(
            format!("<rss><channel>{items}</channel></rss>").as_bytes(),
            None,
        )
        .expect("many items");
        assert_eq!(feed.entries.len(), 10_000, "ten thousand items");

        let deep = format!(
            "<rss><channel><item><title>{}x</title></item></channel></rss>",
            "<b>".repeat(100_000)
        );
        let feed = parse_feed(deep.as_bytes(), None).expect("deep nesting");
        assert_eq!(feed.entries.len(), 1, "deep nesting");

        let title = "ख".repeat(1 << 20);
        let feed = parse_feed(
            format!("<rss><channel><item><title>{title}</title></item></channel></rss>").as_bytes(),
            None,
        )
        .expect("big title");
        assert_eq!(titles(&feed)[0].len(), title.len(), "1 MB title");
    }
}
