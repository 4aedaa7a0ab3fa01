//! Entry points for the fuzzer (`fuzz/`, issue #11) and for the regression
//! tests that replay what it found (`tests/it/fuzz.rs`). Each takes arbitrary
//! bytes and runs one stage the way the daemon does; none may panic, hang or
//! allocate without bound, whatever the bytes.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::Config;
use crate::fulltext::{extract, OutletLines};
use crate::normalize::{self, limits::DEFAULT_MAX_ITEMS};
use crate::parse::parse_feed;
use crate::scheduler::derive::derive_item;
use crate::stories::TermFinder;
use crate::topics::{tag_item_text, Tagger};

/// The stages there are targets for, by the name `scripts/fuzz` uses.
pub const TARGETS: [&str; 6] = ["feed", "normalize", "html", "fulltext", "topics", "config"];

/// Runs target `name` on `data`. Unknown names panic: a typo in a script must
/// not pass as a clean run.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "feed" => feed(data),
        "normalize" => ingest(data),
        "html" => html(data),
        "fulltext" => fulltext(data),
        "topics" => topics(data),
        "config" => config(data),
        other => panic!("no fuzz target {other:?}"),
    }
}

/// Content types the first byte of a `feed` input chooses from.
const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some("application/rss+xml"),
    Some("text/xml; charset=iso-8859-1"),
    Some("application/atom+xml; charset=windows-1251"),
    Some("application/feed+json"),
    Some("text/html; charset=shift_jis"),
];

/// Splits off the first byte as a content-type choice.
fn with_content_type(data: &[u8]) -> (Option<&'static str>, &[u8]) {
    match data.split_first() {
        Some((first, body)) => (
            CONTENT_TYPES[usize::from(*first) % CONTENT_TYPES.len()],
            body,
        ),
        None => (None, data),
    }
}

/// The feed parser: first byte picks the HTTP content type, the rest is the body.
pub fn feed(data: &[u8]) {
    let (content_type, body) = with_content_type(data);
    let _ = parse_feed(body, content_type);
}

static TAGGER: LazyLock<Tagger> = LazyLock::new(Tagger::builtin);
static FINDER: LazyLock<TermFinder> = LazyLock::new(|| TermFinder::new(&TAGGER));
static FEED_URL: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://outlet.example/rss/feed.xml").expect("a valid URL"));

/// A fixed fetch time, so that a replayed input behaves as it did when found.
fn fetch_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_752_375_600, 0).unwrap_or_default()
}

/// The whole ingest path short of the database, as a poll runs it: parse,
/// normalise, then each item's text tagged and signed for story grouping.
pub fn ingest(data: &[u8]) {
    let (content_type, body) = with_content_type(data);
    ingest_with(body, content_type);
}

/// [`ingest`] of a whole body, with no content type.
pub fn ingest_body(body: &[u8]) {
    ingest_with(body, None);
}

fn ingest_with(body: &[u8], content_type: Option<&str>) {
    let Ok(parsed) = parse_feed(body, content_type) else {
        return;
    };
    let feed = normalize::normalize_feed(parsed, Some(&FEED_URL), fetch_time(), DEFAULT_MAX_ITEMS);
    for item in &feed.items {
        derive_item(&TAGGER, &FINDER, item, true);
    }
}

/// HTML → text and the sanitiser, on the same markup.
pub fn html(data: &[u8]) {
    let markup = String::from_utf8_lossy(data);
    normalize::html_to_text(&markup);
    normalize::sanitize_html(&markup, Some(&FEED_URL));
}

/// Full-text extraction of an article page, outlet lines learnt and stripped.
pub fn fulltext(data: &[u8]) {
    let page = String::from_utf8_lossy(data);
    let extracted = extract(&page, Some(&FEED_URL));
    let mut outlet = OutletLines::default();
    outlet.learn(&extracted);
    outlet.strip(extracted).html(Some(&FEED_URL));
}

/// The topic rule compiler: term groups and topics from TOML; a tagger that
/// compiles then tags a sample text.
pub fn topics(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tagger) = Tagger::from_toml(text) {
        tag_item_text(
            &tagger,
            "रूस और उत्तर कोरिया के बीच नई संधि",
            Some("Moscow and Pyongyang sign a treaty"),
            "किम जोंग उन ने पुतिन से मुलाकात की।",
            &[],
        );
    }
}

/// The config loader: `khabar.toml` text to a validated configuration.
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::from_toml_with_env(text, None, Vec::new());
    }
}
