//! The catalogue of misbehaving feeds from issue #2, and two good ones.
//! Each [`Case`] says what the server sends and what khabar must have
//! stored afterwards; `ingest.rs` polls them one by one and all at once.

use std::time::Duration;

use super::docs::{self, good_atom, good_rss};
use super::khabar::{Feed, Item, BODY_CAP};
use super::raw::RawServer;
use super::server::{FeedServer, Reply};

/// Retry-After the 429 and 503 cases send, in seconds.
pub const RETRY_AFTER_SECS: i64 = 7200;

/// Items in the good RSS and Atom feeds.
pub const GOOD_RSS_ITEMS: usize = 30;
pub const GOOD_ATOM_ITEMS: usize = 20;

/// Where a feed lives.
pub enum Target {
    /// A path on the shared [`FeedServer`].
    Path(&'static str),
    /// An absolute URL on some other server.
    Url(String),
}

impl Target {
    /// The absolute URL.
    pub fn url(&self, server: &FeedServer) -> String {
        match self {
            Target::Path(p) => server.url(p),
            Target::Url(u) => u.clone(),
        }
    }
}

/// What a case's feed looks like after one poll.
pub type Check = Box<dyn Fn(&Feed, &[Item])>;

/// One feed, what its server sends, and what khabar must make of it.
pub struct Case {
    /// Shown in failure messages.
    pub name: &'static str,
    /// Routes to add to the feed server.
    pub routes: Vec<(&'static str, Reply)>,
    /// The URL subscribed to.
    pub subscribe: Target,
    /// Where the feed's row is after the poll (moved feeds change URL).
    pub stored: Target,
    /// How the pass counts it.
    pub counted: Counted,
    /// The check on its row and items.
    pub check: Check,
}

/// Which column of the summary a case lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Ok,
    Failed,
    Gone,
}

impl Case {
    /// A feed at `path` whose poll succeeds; no check on its items yet.
    pub fn at(name: &'static str, path: &'static str, reply: Reply) -> Case {
        Case {
            name,
            routes: vec![(path, reply)],
            subscribe: Target::Path(path),
            stored: Target::Path(path),
            counted: Counted::Ok,
            check: Box::new(|_, _| {}),
        }
    }

    /// The poll must fail with `error` in the feed's last error, storing nothing.
    fn fails_with(mut self, error: &'static str) -> Case {
        let name = self.name;
        self.counted = Counted::Failed;
        self.check = Box::new(move |feed, items| {
            let last = feed.last_error.as_deref().unwrap_or_default();
            assert!(
                last.contains(error),
                "{name}: want an error containing {error:?}, got {last:?}"
            );
            assert_eq!(feed.error_count, 1, "{name}: one error counted");
            assert_ne!(feed.status, "gone", "{name}: still polled");
            assert!(items.is_empty(), "{name}: nothing stored, got {items:?}");
        });
        self
    }

    /// The poll must succeed, with `check` holding of the stored items.
    pub fn stores(mut self, check: impl Fn(&[Item]) + 'static) -> Case {
        let name = self.name;
        self.counted = Counted::Ok;
        self.check = Box::new(move |feed, items| {
            assert_eq!(feed.last_error, None, "{name}: no error");
            assert_eq!(feed.error_count, 0, "{name}: no error counted");
            check(items);
        });
        self
    }

    /// Adds a check after the main one.
    fn and(mut self, more: impl Fn(&Feed, &[Item]) + 'static) -> Case {
        let first = self.check;
        self.check = Box::new(move |feed, items| {
            first(feed, items);
            more(feed, items);
        });
        self
    }
}

/// Titles of `items`.
pub fn titles(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.title.as_str()).collect()
}

fn has_titles(name: &'static str, want: &'static [&'static str]) -> impl Fn(&[Item]) {
    move |items| {
        let got = titles(items);
        for w in want {
            assert!(got.contains(w), "{name}: want title {w:?} among {got:?}");
        }
    }
}

/// Every case, good feeds first.
pub fn all() -> Vec<Case> {
    vec![
        good_rss_feed(),
        good_atom_feed_with_validators(),
        truncated_xml(),
        html_page(),
        windows_1252_labelled_utf8(),
        utf8_labelled_iso_8859_1(),
        fifty_megabytes(),
        gzip_bomb(),
        one_byte_every_two_seconds(),
        redirect_loop(),
        six_redirects(),
        moved_permanently_twice(),
        not_found(),
        server_error(),
        gone(),
        too_many_requests(),
        unavailable(),
        no_guid_no_link(),
        ten_thousand_items(),
        billion_laughs(),
        megabyte_title(),
        control_characters(),
        invalid_utf8_bytes(),
        json_feed_with_wrong_types(),
        body_breaks_off(),
        not_http(),
    ]
}

pub fn good_rss_feed() -> Case {
    Case::at(
        "good rss",
        "/good.xml",
        Reply::rss(good_rss("good", GOOD_RSS_ITEMS)),
    )
    .stores(|items| {
        assert_eq!(items.len(), GOOD_RSS_ITEMS, "good rss: every item");
    })
}

/// ETag and Last-Modified, so a second poll is a 304.
pub fn good_atom_feed_with_validators() -> Case {
    let reply = Reply::ok("application/atom+xml", good_atom("atom", GOOD_ATOM_ITEMS))
        .validated(Some("\"atom-v1\""), Some("Sun, 13 Jul 2025 03:00:00 GMT"));
    Case::at("good atom", "/good.atom", reply)
        .stores(|items| {
            assert_eq!(items.len(), GOOD_ATOM_ITEMS, "good atom: every entry");
        })
        .and(|feed, _| {
            assert_eq!(feed.etag.as_deref(), Some("\"atom-v1\""), "etag stored");
            assert!(feed.last_modified.is_some(), "last-modified stored");
        })
}

pub fn truncated_xml() -> Case {
    let mut body = docs::rss("कटा हुआ", &docs::items("cut", 2));
    let cut = body.find("</channel>").expect("channel end");
    body.truncate(cut);
    body.push_str("<item><guid>cut-2</guid><title>तीसरी ख़बर अधू");
    Case::at("truncated xml", "/truncated.xml", Reply::rss(body))
        .stores(has_titles("truncated xml", &["cut शीर्षक 0", "cut शीर्षक 1"]))
}

pub fn html_page() -> Case {
    let page = "<!DOCTYPE html><html lang=hi><head><title>मुखपृष्ठ</title></head>\
                <body><h1>ख़बरें</h1><p>यह फ़ीड नहीं है</body></html>";
    Case::at(
        "html page",
        "/home.html",
        Reply::ok("text/html; charset=utf-8", page),
    )
    .fails_with("HTML page")
}

/// Curly quotes, a dash and é in windows-1252, with an HTTP header claiming UTF-8.
pub const CP1252_TITLE: &str =
    "\u{201C}Kim\u{201D} meets Putin\u{2019}s envoy \u{2014} caf\u{e9} talks resume";

pub fn windows_1252_labelled_utf8() -> Case {
    let (title, _, _) = encoding_rs::WINDOWS_1252.encode(CP1252_TITLE);
    let mut body =
        b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><title>Eastwire</title>\
                     <item><guid>cp-1</guid><title>"
            .to_vec();
    body.extend_from_slice(&title);
    body.extend_from_slice(b"</title><description>");
    body.extend_from_slice(&title);
    body.extend_from_slice(b"</description></item></channel></rss>");
    Case::at(
        "windows-1252 labelled utf-8",
        "/cp1252.xml",
        Reply::rss(body),
    )
    .stores(has_titles("windows-1252 labelled utf-8", &[CP1252_TITLE]))
}

pub fn utf8_labelled_iso_8859_1() -> Case {
    let body = docs::rss("लहर", &[docs::item("latin-1", "उत्तर कोरिया और रूस")])
        .replace("encoding=\"utf-8\"", "encoding=\"iso-8859-1\"");
    Case::at(
        "utf-8 labelled iso-8859-1",
        "/mislabelled.xml",
        Reply::ok("application/rss+xml; charset=iso-8859-1", body),
    )
    .stores(has_titles(
        "utf-8 labelled iso-8859-1",
        &["उत्तर कोरिया और रूस"],
    ))
}

/// 50 MB, chunked with no Content-Length, generated as it is sent.
pub fn fifty_megabytes() -> Case {
    Case::at(
        "50 MB body",
        "/huge.xml",
        Reply::stream(
            "application/rss+xml",
            "<rss><channel><item><title>",
            50 << 20,
        ),
    )
    .fails_with("exceeds")
}

/// 64 MiB of zeros in about 64 KiB of gzip.
pub fn gzip_bomb() -> Case {
    let name = "gzip bomb";
    Case::at(
        name,
        "/bomb.xml",
        Reply::gzip("application/rss+xml", docs::gzip_bomb(64 << 20)),
    )
    .fails_with("exceeds")
    .and(move |feed, _| {
        let error = feed.last_error.as_deref().unwrap_or_default();
        assert!(
            error.contains(&BODY_CAP.to_string()),
            "{name}: the error names the cap: {error}"
        );
    })
}

pub fn one_byte_every_two_seconds() -> Case {
    Case::at(
        "slow drip",
        "/slow.xml",
        Reply::drip(Duration::from_secs(2)),
    )
    .fails_with("timed out")
}

pub fn redirect_loop() -> Case {
    let mut case = Case::at("redirect loop", "/loop-a", Reply::redirect(302, "/loop-b"))
        .fails_with("redirect loop");
    case.routes
        .push(("/loop-b", Reply::redirect(302, "/loop-a")));
    case
}

/// /hop-0 → … → /hop-6: six redirects, one more than `max_redirects`.
pub fn six_redirects() -> Case {
    const HOPS: [&str; 7] = [
        "/hop-0", "/hop-1", "/hop-2", "/hop-3", "/hop-4", "/hop-5", "/hop-6",
    ];
    let mut case = Case::at("six redirects", HOPS[0], Reply::redirect(302, HOPS[1]))
        .fails_with("more than 5 redirects");
    for w in HOPS[1..].windows(2) {
        case.routes.push((w[0], Reply::redirect(302, w[1])));
    }
    case.routes.push((HOPS[6], Reply::rss(good_rss("hop", 1))));
    case
}

/// /old → 301 → /older → 308 → /new.xml: the stored URL becomes /new.xml.
pub fn moved_permanently_twice() -> Case {
    let mut case = Case::at(
        "moved twice",
        "/old.xml",
        Reply::redirect(301, "/older.xml"),
    )
    .stores(|items| assert_eq!(items.len(), 3, "moved feed: its items"));
    case.routes
        .push(("/older.xml", Reply::redirect(308, "/new.xml")));
    case.routes
        .push(("/new.xml", Reply::rss(good_rss("moved", 3))));
    case.stored = Target::Path("/new.xml");
    case
}

pub fn not_found() -> Case {
    Case::at("404", "/missing.xml", Reply::status(404)).fails_with("HTTP 404")
}

pub fn server_error() -> Case {
    Case::at("500", "/broken.xml", Reply::status(500)).fails_with("HTTP 500")
}

pub fn gone() -> Case {
    let mut case = Case::at("410", "/retired.xml", Reply::status(410));
    case.counted = Counted::Gone;
    case.check = Box::new(|feed, items| {
        assert_eq!(feed.status, "gone", "410 retires the feed");
        assert!(items.is_empty());
    });
    case
}

fn retry_after(feed: &Feed) {
    let polled = feed.last_polled.expect("polled");
    assert!(
        feed.next_due >= polled + RETRY_AFTER_SECS,
        "next due {} is at least Retry-After {RETRY_AFTER_SECS}s after the poll at {polled}",
        feed.next_due
    );
}

pub fn too_many_requests() -> Case {
    let reply = Reply::status(429).header("retry-after", &RETRY_AFTER_SECS.to_string());
    Case::at("429", "/busy.xml", reply)
        .fails_with("HTTP 429")
        .and(|feed, _| retry_after(feed))
}

pub fn unavailable() -> Case {
    let reply = Reply::status(503).header("retry-after", &RETRY_AFTER_SECS.to_string());
    Case::at("503", "/down.xml", reply)
        .fails_with("HTTP 503")
        .and(|feed, _| retry_after(feed))
}

/// Items told apart only by title and description.
pub const NO_ID_ITEMS: usize = 5;

pub fn no_guid_no_link() -> Case {
    let items: Vec<String> = (0..NO_ID_ITEMS)
        .map(|i| {
            format!(
                "<item><title>बिना पहचान {i}</title><description>&lt;p&gt;सार {i}&lt;/p&gt;</description></item>"
            )
        })
        .collect();
    // Two items alike in every field are one item.
    let mut items = items;
    items.push(items[0].clone());
    Case::at(
        "no guid, no link",
        "/anonymous.xml",
        Reply::rss(docs::rss("अनाम", &items)),
    )
    .stores(|items| {
        assert_eq!(items.len(), NO_ID_ITEMS, "one row per distinct item");
        assert!(
            items.iter().all(|i| i.key.starts_with("hash:")),
            "hash keys: {items:?}"
        );
    })
}

/// Items kept from one document (`fetch.max_items`, default; issue #11).
pub const MAX_ITEMS: usize = 1_000;

/// Ten thousand small undated items (≈ 500 KB, under the test body cap): the
/// first [`MAX_ITEMS`] are kept, feeds listing their newest first.
pub fn ten_thousand_items() -> Case {
    let items: Vec<String> = (0..10_000)
        .map(|i| format!("<item><guid>n{i}</guid><title>t{i}</title></item>"))
        .collect();
    Case::at(
        "10,000 items",
        "/many.xml",
        Reply::rss(docs::rss("बहुत", &items)),
    )
    .stores(|items| {
        assert_eq!(items.len(), MAX_ITEMS, "the item cap");
        assert_eq!(items[0].key, "guid:n0");
        assert_eq!(items[MAX_ITEMS - 1].key, format!("guid:n{}", MAX_ITEMS - 1));
    })
}

pub fn billion_laughs() -> Case {
    Case::at(
        "billion laughs",
        "/lol.xml",
        Reply::rss(docs::billion_laughs()),
    )
    .stores(|items| {
        assert!(items.len() <= 2, "no extra items: {}", items.len());
        let stored: usize = items
            .iter()
            .map(|i| i.title.len() + i.key.len() + i.summary.as_ref().map_or(0, String::len))
            .sum();
        assert!(
            stored < 64 * 1024,
            "entities stay unexpanded: {stored} bytes"
        );
        assert!(titles(items).contains(&"सादा"), "the plain item is kept");
    })
}

/// A title of 333,333 Devanagari letters (1 MB of UTF-8), under the body cap.
pub fn megabyte_title() -> Case {
    let title = "ख".repeat(333_333);
    let body = docs::rss(
        "लंबा",
        &[docs::item("long-1", &title), docs::item("short-1", "छोटा")],
    );
    Case::at("1 MB title", "/long-title.xml", Reply::rss(body)).stores(|items| {
        assert_eq!(items.len(), 2);
        let long = &items[0].title;
        assert!(
            long.chars().count() <= 2048 && long.chars().all(|c| c == 'ख'),
            "long title cut to at most 2048 letters, got {} bytes",
            long.len()
        );
        assert_eq!(items[1].title, "छोटा");
    })
}

pub fn control_characters() -> Case {
    let body = docs::rss(
        "नियंत्रण",
        &[docs::item("ctl-1", "पुतिन\u{1}\u{b} और\u{1f} किम\u{0}")],
    );
    Case::at("control characters", "/control.xml", Reply::rss(body)).stores(|items| {
        assert_eq!(titles(items), ["पुतिन और किम"]);
        for item in items {
            let text = format!("{}{}", item.title, item.summary.as_deref().unwrap_or(""));
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "no control characters left: {text:?}"
            );
        }
    })
}

pub fn invalid_utf8_bytes() -> Case {
    let body: &[u8] = b"<rss><channel><title>Desk</title>\
        <item><guid>bad-1</guid><title>Caf\xe9 cr\xe8me \xff\xfe br\xfbl\xe9e</title></item>\
        <item><guid>bad-2</guid><title>Kim\x80\x81 visit</title></item></channel></rss>";
    Case::at(
        "invalid utf-8 bytes",
        "/invalid-utf8.xml",
        Reply::ok("application/rss+xml; charset=utf-8", body),
    )
    .stores(|items| {
        assert_eq!(items.len(), 2);
        assert!(
            items[0].title.starts_with("Café crème"),
            "decoded as text, got {:?}",
            items[0].title
        );
    })
}

pub fn json_feed_with_wrong_types() -> Case {
    let body = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "JSON लहर",
        "items": [
          {"id": "j1", "url": "https://json.example.in/1", "title": "सही प्रविष्टि", "content_html": "<p>ठीक</p>"},
          "not an item",
          42,
          {"id": "j2", "title": ["not", "a", "string"], "content_text": "केवल पाठ", "tags": "not-a-list",
           "date_published": 20250713, "authors": "nobody"},
          {"id": "j3", "url": "https://json.example.in/3", "title": "दूसरी सही"}
        ]}"#;
    Case::at(
        "json feed with wrong types",
        "/feed.json",
        Reply::ok("application/feed+json", body),
    )
    .stores(|items| {
        assert_eq!(items.len(), 3, "the three objects are kept: {items:?}");
        assert_eq!(titles(items)[0], "सही प्रविष्टि");
        assert_eq!(titles(items)[2], "दूसरी सही");
    })
}

/// Content-Length promises more than is sent before the connection closes.
pub fn body_breaks_off() -> Case {
    let raw = RawServer::answering(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\
          Connection: close\r\n\r\n<rss><channel><item><guid>x</guid><title>half",
    );
    let mut case =
        Case::at("body breaks off", "/unused-raw", Reply::status(500)).fails_with("reading body");
    case.routes.clear();
    case.subscribe = Target::Url(raw.url("/cut.xml"));
    case.stored = Target::Url(raw.url("/cut.xml"));
    case
}

/// Something that is not HTTP answers on the port.
pub fn not_http() -> Case {
    let raw = RawServer::answering(b"SSH-2.0-OpenSSH_9.6\r\n");
    let mut case = Case::at("not http", "/unused-ssh", Reply::status(500)).fails_with(":");
    case.routes.clear();
    case.subscribe = Target::Url(raw.url("/feed.xml"));
    case.stored = Target::Url(raw.url("/feed.xml"));
    case
}
