//! Normalize stage: [`ParsedFeed`] → [`NormalizedFeed`].
//!
//! Titles and summaries become plain text (entities decoded, NFC); content
//! becomes [`SanitizedHtml`](crate::model::SanitizedHtml) with absolute links;
//! links are made absolute against `xml:base`, then the feed URL; dates become
//! UTC, clamped to the fetch time; each item gets a stable [`ItemKey`] and a
//! content hash. Items keep document order.
//!
//! ```
//! use khabar::{normalize::normalize_feed, parse::parse_feed};
//! let parsed = parse_feed(b"<rss><channel><item><title>A &amp; B</title></item></channel></rss>", None).unwrap();
//! let feed = normalize_feed(parsed, None, chrono::Utc::now(), 1_000);
//! assert_eq!(feed.items[0].title, "A & B");
//! ```

mod dates;
mod depth;
mod html;
mod identity;
pub mod limits;
mod media;
mod report;
mod text;
mod urls;

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

pub use depth::limit_depth;
pub use html::sanitize_html;
pub use report::parse_report;
pub(crate) use text::is_block_element;
pub use text::{html_to_text, nfc};
pub use urls::{http_url, web_url};

use crate::model::{FeedMeta, ItemKey, NewItem, NormalizedFeed, SanitizedHtml};
use crate::parse::{ParsedEntry, ParsedFeed, ParsedMeta, Text, TextKind};

/// Normalises a parsed feed. `feed_url` resolves relative links; `now` is the
/// fetch time, the latest date an item may carry; of more than `max_items`
/// entries the newest are kept.
pub fn normalize_feed(
    parsed: ParsedFeed,
    feed_url: Option<&Url>,
    now: DateTime<Utc>,
    max_items: usize,
) -> NormalizedFeed {
    let base = urls::effective_base(parsed.meta.base.as_deref(), feed_url);
    let dates: Vec<_> = parsed
        .entries
        .iter()
        .map(|e| {
            let date = |d: &Option<String>| d.as_deref().and_then(|d| dates::parse_date(d, now));
            date(&e.published).or_else(|| date(&e.updated))
        })
        .collect();
    let items = parsed
        .entries
        .iter()
        .zip(limits::newest(&dates, max_items))
        .filter(|(_, keep)| *keep)
        .map(|(entry, _)| item(entry, base.as_ref(), now))
        .collect();
    NormalizedFeed {
        meta: meta(&parsed.meta, base.as_ref(), now),
        items,
    }
}

fn meta(meta: &ParsedMeta, base: Option<&Url>, now: DateTime<Utc>) -> FeedMeta {
    FeedMeta {
        title: meta.title.as_ref().map(title).filter(|t| !t.is_empty()),
        link: meta
            .link
            .as_deref()
            .and_then(|l| urls::absolute_link(l, base)),
        language: meta
            .language
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
        updated: meta
            .updated
            .as_deref()
            .and_then(|d| dates::parse_date(d, now)),
        ttl: ttl(meta),
        hub: meta.hub.as_deref().and_then(|l| urls::http_url(l, base)),
        self_url: meta
            .self_link
            .as_deref()
            .and_then(|l| urls::http_url(l, base)),
    }
}

/// The feed's polling hint: RSS `ttl` (minutes), else `sy:updatePeriod` divided
/// by `sy:updateFrequency` (RSS 1.0 syndication module).
fn ttl(meta: &ParsedMeta) -> Option<Duration> {
    if let Some(minutes) = meta.ttl_minutes.filter(|m| *m > 0) {
        return Some(Duration::from_secs(u64::from(minutes) * 60));
    }
    let period_secs: u64 = match meta.update_period.as_deref()?.trim() {
        "hourly" => 3_600,
        "daily" => 86_400,
        "weekly" => 604_800,
        "monthly" => 2_592_000,
        "yearly" => 31_536_000,
        _ => return None,
    };
    let frequency = u64::from(meta.update_frequency.unwrap_or(1).max(1));
    Some(Duration::from_secs(period_secs / frequency))
}

fn item(entry: &ParsedEntry, feed_base: Option<&Url>, now: DateTime<Utc>) -> NewItem {
    let base = urls::effective_base(entry.base.as_deref(), feed_base);
    let guid = entry
        .id
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(|g| limits::cut(g, limits::MAX_ID_BYTES).to_owned());
    let link = entry
        .link
        .as_deref()
        .and_then(|l| urls::absolute_link(l, base.as_ref()))
        .filter(|l| l.len() <= limits::MAX_ID_BYTES);
    let title = entry.title.as_ref().map(title).unwrap_or_default();
    // Media RSS `media:description` stands in when the entry has no summary
    // (a YouTube or photo feed's only text).
    let summary = [entry.summary.as_ref(), entry.media_description.as_ref()]
        .into_iter()
        .flatten()
        .map(plain_text)
        .find(|s| !s.is_empty());
    let media = media::item_media(&entry.media, base.as_ref());
    let content = entry
        .content
        .as_ref()
        .map(|c| content(c, base.as_ref()))
        .filter(|c| !c.is_empty());
    let content_str = content.as_ref().map(SanitizedHtml::as_str);
    let key: ItemKey = identity::item_key(
        guid.as_deref(),
        link.as_deref(),
        &title,
        content_str.or(summary.as_deref()),
    );
    NewItem {
        content_hash: identity::content_hash(&title, summary.as_deref(), content_str, &media),
        key,
        guid,
        link,
        authors: entry
            .authors
            .iter()
            .filter_map(|a| {
                text::author_name(&html_to_text(limits::cut(a, limits::MAX_SUMMARY_BYTES)))
            })
            .map(|mut a| {
                limits::truncate(&mut a, limits::MAX_TITLE_BYTES);
                a
            })
            .map(trim_edges)
            .filter(|a| !a.is_empty())
            .collect(),
        categories: entry
            .categories
            .iter()
            .map(|c| trim_edges(text::title_text(c, false)))
            .filter(|c| !c.is_empty())
            .collect(),
        published: entry
            .published
            .as_deref()
            .and_then(|d| dates::parse_date(d, now)),
        updated: entry
            .updated
            .as_deref()
            .and_then(|d| dates::parse_date(d, now)),
        title,
        summary,
        content,
        media,
    }
}

fn title(value: &Text) -> String {
    trim_edges(text::title_text(&value.value, value.kind == TextKind::Html))
}

/// Whitespace of every kind at the ends removed (U+00A0 from `&nbsp;`, the
/// ideographic space, zero-width spaces and a stray BOM): outlets pad
/// titles with them, and an invisible difference must not make two
/// identical headlines differ. Inside the text they stay.
fn trim_edges(text: String) -> String {
    let edge = |c: char| c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}');
    let trimmed = text.trim_matches(edge);
    if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_owned()
    }
}

/// A summary's plain text, at most [`limits::MAX_SUMMARY_BYTES`].
fn plain_text(value: &Text) -> String {
    let mut text = match value.kind {
        TextKind::Html => html_to_text(&value.value),
        TextKind::Plain => text::nfc(value.value.trim()),
    };
    limits::truncate(&mut text, limits::MAX_SUMMARY_BYTES);
    text
}

/// Content as sanitised HTML, at most [`limits::MAX_CONTENT_BYTES`]; only
/// the first [`limits::MAX_RAW_CONTENT_BYTES`] of the markup are read.
fn content(value: &Text, entry_base: Option<&Url>) -> SanitizedHtml {
    let base = urls::effective_base(value.base.as_deref(), entry_base);
    let raw = limits::cut(&value.value, limits::MAX_RAW_CONTENT_BYTES);
    let html = match value.kind {
        TextKind::Html => sanitize_html(raw, base.as_ref()),
        TextKind::Plain => {
            let mut escaped = String::with_capacity(raw.len());
            crate::parse::escape_html_into(raw, &mut escaped);
            sanitize_html(&escaped, base.as_ref())
        }
    };
    limits::cap_content(html, |cut| sanitize_html(cut, base.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_feed;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-07-13T03:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap()
    }

    fn normalize(body: &[u8], content_type: Option<&str>) -> NormalizedFeed {
        let url = Url::parse("https://news.example.in/rss/feed.xml").unwrap();
        normalize_feed(
            parse_feed(body, content_type).unwrap(),
            Some(&url),
            now(),
            limits::DEFAULT_MAX_ITEMS,
        )
    }

    fn rss_item(inner: &str) -> Vec<u8> {
        format!("<rss><channel><title>Desk</title><item>{inner}</item></channel></rss>")
            .into_bytes()
    }

    #[test]
    fn text_is_decoded_to_nfc_plain_text() {
        let mut cp1252 = b"<?xml version='1.0' encoding='windows-1252'?>".to_vec();
        cp1252.extend_from_slice(b"<rss><channel><item><title>\x93Kim\x94 and Putin\x92s talks</title></item></channel></rss>");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend(rss_item("<title>\u{916}\u{93C}बर</title>"));
        let latin1_label = b"<?xml version='1.0' encoding='iso-8859-1'?>"
            .iter()
            .copied();
        let mislabelled: Vec<u8> = latin1_label
            .chain(rss_item("<title>उत्तर कोरिया</title>"))
            .collect();
        let cases: [(&str, Vec<u8>, Option<&str>, &str); 6] = [
            (
                "devanagari precomposed nukta",
                rss_item("<title>\u{95B}बर</title>"),
                None,
                "\u{91C}\u{93C}बर",
            ),
            (
                "devanagari combining nukta",
                rss_item("<title>\u{91C}\u{93C}बर</title>"),
                None,
                "\u{91C}\u{93C}बर",
            ),
            (
                "windows-1252 curly quotes",
                cp1252,
                None,
                "\u{201C}Kim\u{201D} and Putin\u{2019}s talks",
            ),
            (
                "utf-8 labelled iso-8859-1",
                mislabelled,
                Some("text/xml; charset=iso-8859-1"),
                "उत्तर कोरिया",
            ),
            ("utf-8 bom", bom, None, "\u{916}\u{93C}बर"),
            (
                "escaped html in title",
                rss_item("<title>&lt;b&gt;Putin&lt;/b&gt; &amp;amp; Kim</title>"),
                None,
                "Putin & Kim",
            ),
        ];
        for (name, body, content_type, want) in cases {
            assert_eq!(
                normalize(&body, content_type).items[0].title,
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn items_without_guid_or_link_get_a_stable_hash_key() {
        let body =
            rss_item("<title>बिना लिंक</title><description>&lt;p&gt;x&lt;/p&gt;</description>");
        let (first, second) = (normalize(&body, None), normalize(&body, None));
        let ItemKey::Hash(hash) = &first.items[0].key else {
            panic!("want a hash key, got {:?}", first.items[0].key)
        };
        assert_eq!(hash.len(), 64);
        assert_eq!(
            first.items[0].key, second.items[0].key,
            "stable across runs"
        );
        assert_eq!(first.items[0].content_hash, second.items[0].content_hash);
        let other = normalize(&rss_item("<title>दूसरा</title>"), None);
        assert_ne!(other.items[0].key, first.items[0].key);
    }

    #[test]
    fn dates_links_and_keys_are_normalised() {
        let body = rss_item(
            "<guid isPermaLink='false'>id-1</guid><link>/world/1.html</link>\
             <pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate><author>desk@example.in (Delhi Desk)</author>",
        );
        let item = &normalize(&body, None).items[0];
        assert_eq!(item.key, ItemKey::Guid("id-1".into()), "guid key");
        assert_eq!(
            item.link.as_deref(),
            Some("https://news.example.in/world/1.html"),
            "absolute link"
        );
        assert_eq!(item.published, Some(now()), "future date clamped");
        assert_eq!(item.updated, None, "missing date stays missing");
        assert_eq!(item.authors, ["Delhi Desk"], "author name only");
    }

    #[test]
    fn content_is_sanitised_against_xml_base() {
        let body = br#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.example.in/a/"><entry>
            <content type="html">&lt;p onclick="x()"&gt;hi&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src="i.png" onerror="alert(1)"&gt;
            &lt;a href="javascript:alert(1)"&gt;j&lt;/a&gt;&lt;a href="b.html"&gt;b&lt;/a&gt;&lt;/p&gt;</content></entry></feed>"#;
        let content = normalize(body, None).items[0]
            .content
            .clone()
            .expect("content");
        let html = content.as_str();
        for banned in ["script", "onerror", "onclick", "javascript:"] {
            assert!(!html.contains(banned), "{banned} removed from {html}");
        }
        assert!(
            html.contains(r#"src="https://cdn.example.in/a/i.png""#),
            "image absolute: {html}"
        );
        assert!(
            html.contains(r#"href="https://cdn.example.in/a/b.html" rel="noopener noreferrer""#),
            "link: {html}"
        );
    }

    // See: issue #12 — a trailing no-break space made equal headlines differ.
    #[test]
    fn titles_lose_whitespace_of_every_kind_at_the_ends() {
        let cases = [
            (
                "no-break space",
                "<title>पुतिन से मिले किम&nbsp;</title>",
                "पुतिन से मिले किम",
            ),
            (
                "ideographic and zero-width",
                "<title>\u{3000}\u{200B}Kim\u{2003}</title>",
                "Kim",
            ),
            ("inside stays", "<title> a&nbsp;b </title>", "a\u{a0}b"),
        ];
        for (name, inner, want) in cases {
            assert_eq!(
                normalize(&rss_item(inner), None).items[0].title,
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn youtube_style_media_gives_summary_and_picture() {
        let body = r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
            <entry><id>yt:video:abc</id><title>वीडियो</title>
            <link rel="alternate" href="https://www.youtube.com/watch?v=abc"/>
            <link rel="enclosure" type="audio/mpeg" length="1200" href="/a.mp3"/>
            <media:group><media:title>वीडियो</media:title>
              <media:content url="https://www.youtube.com/v/abc" type="application/x-shockwave-flash" width="640"/>
              <media:thumbnail url="https://i.ytimg.com/vi/abc/hqdefault.jpg" width="480" height="360"/>
              <media:description>पुतिन और किम की मुलाक़ात</media:description>
            </media:group></entry></feed>"#;
        let item = &normalize(body.as_bytes(), None).items[0];
        assert_eq!(item.summary.as_deref(), Some("पुतिन और किम की मुलाक़ात"));
        assert_eq!(
            item.link.as_deref(),
            Some("https://www.youtube.com/watch?v=abc"),
            "the enclosure is not the link"
        );
        assert_eq!(
            item.media.image.as_deref(),
            Some("https://i.ytimg.com/vi/abc/hqdefault.jpg")
        );
        let urls: Vec<&str> = item
            .media
            .attachments
            .iter()
            .map(|a| a.url.as_str())
            .collect();
        assert_eq!(
            urls,
            [
                "https://news.example.in/a.mp3",
                "https://www.youtube.com/v/abc"
            ]
        );
        assert_eq!(item.media.attachments[0].size_bytes, Some(1200));
    }

    #[test]
    fn a_summary_wins_over_media_description_and_media_change_the_hash() {
        let with = |media: &str| {
            rss_item(&format!(
                "<title>t</title><description>own</description>{media}\
                 <media:description xmlns:media='http://search.yahoo.com/mrss/'>other</media:description>"
            ))
        };
        let plain = normalize(&with(""), None);
        assert_eq!(plain.items[0].summary.as_deref(), Some("own"));
        let enclosed = normalize(
            &with("<enclosure url='https://cdn.example.in/p.jpg' type='image/jpeg' length='10'/>"),
            None,
        );
        assert_eq!(
            enclosed.items[0].media.image.as_deref(),
            Some("https://cdn.example.in/p.jpg")
        );
        assert_ne!(plain.items[0].content_hash, enclosed.items[0].content_hash);
        let no_media = normalize(
            &rss_item("<title>t</title><description>own</description>"),
            None,
        );
        assert_eq!(
            no_media.items[0].content_hash,
            identity::content_hash("t", Some("own"), None, &Default::default()),
            "items without media keep the hash they always had"
        );
    }

    #[test]
    fn polling_hints_become_a_ttl() {
        let cases = [
            ("rss ttl minutes", "<ttl>45</ttl>", Some(45 * 60)),
            ("sy hourly twice", "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>", Some(1800)),
            ("none", "", None),
        ];
        for (name, hint, want) in cases {
            let body = format!("<rss xmlns:sy='http://purl.org/rss/1.0/modules/syndication/'><channel>{hint}</channel></rss>");
            assert_eq!(
                normalize(body.as_bytes(), None).meta.ttl,
                want.map(Duration::from_secs),
                "{name}"
            );
        }
    }
}
