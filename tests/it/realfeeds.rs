// Real outlets' feeds as they were served (tests/fixtures/realfeeds/, with
// SOURCES.md) read by khabar and by two oracles: Python's feedparser 6.0.11
// and the feed-rs crate (a dev-dependency: the parser the brief named,
// kept as a cross-check). Item counts, titles, links, ids and dates are
// compared item by item. Every difference must be listed in `EXPECTED`
// with the reason khabar reads the feed differently, and every listed
// difference must still occur; whatever an oracle says, khabar's dates
// lie in 1995..now, its titles have no whitespace at their ends, and it
// finds at least the items feedparser finds.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// An oracle khabar is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Oracle {
    Feedparser,
    FeedRs,
}

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Count,
    Title,
    Link,
    Id,
    Published,
    Updated,
}

/// A difference khabar is known to have with an oracle on a feed, and why.
struct Expected {
    /// The fixture, or `"*"` for every fixture.
    file: &'static str,
    oracle: Oracle,
    field: Field,
    why: &'static str,
}

/// The Times of India's template glues fields together.
const TOI_DATES: &str = "`Sun, 30Mar 2025`, `Mon,31 Mar 2025` and `Mon, 31 Mar 202510:50:41 \
     +0530`: feedparser's RFC 822 reader gives up and the item has no date; khabar cuts the \
     glued fields apart and reads the date the outlet meant";

/// UOL writes its dates in Portuguese.
const UOL_DATES: &str = "`Seg, 24 Set 2018 19:42:40 -0300`: feedparser reads English month \
     names only; khabar also reads them in Portuguese, Spanish, French, German, Italian, \
     Dutch, Indonesian and Hindi";

/// Every difference the fixtures show, with the reason khabar differs.
const EXPECTED: &[Expected] = &[
    Expected {
        file: "timesofindia-2025.xml",
        oracle: Oracle::Feedparser,
        field: Field::Published,
        why: TOI_DATES,
    },
    Expected {
        file: "timesofindia-2025.xml",
        oracle: Oracle::Feedparser,
        field: Field::Updated,
        why: TOI_DATES,
    },
    Expected {
        file: "uol-noticias.xml",
        oracle: Oracle::Feedparser,
        field: Field::Published,
        why: UOL_DATES,
    },
    Expected {
        file: "uol-noticias.xml",
        oracle: Oracle::Feedparser,
        field: Field::Updated,
        why: UOL_DATES,
    },
    Expected {
        file: "uol-noticias.xml",
        oracle: Oracle::FeedRs,
        field: Field::Count,
        why: "a bare `<rss>` root without a `version`: feed-rs finds no root element and loses \
              the whole feed; khabar and feedparser read all six items",
    },
    Expected {
        file: "infoq-news.xml",
        oracle: Oracle::Feedparser,
        field: Field::Id,
        why: "an unescaped `&` in the guid's query string: feedparser turns `&utm_source` \
              into `&utm;_source`; khabar keeps the URL the outlet wrote",
    },
    Expected {
        file: "infoq-news.xml",
        oracle: Oracle::FeedRs,
        field: Field::Count,
        why: "unescaped `&` in links and categories: feed-rs rejects the document and loses \
              both items; khabar reads the `&` as the character it is",
    },
];

/// One fixture, as `manifest.json` lists it.
#[derive(Deserialize)]
struct Feed {
    file: String,
    url: String,
}

/// What a reader found in one item.
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
struct Seen {
    title: Option<String>,
    link: Option<String>,
    id: Option<String>,
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
}

/// One observed difference.
struct Difference {
    file: String,
    oracle: Oracle,
    field: Field,
    detail: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?} {:?}: {}",
            self.file, self.oracle, self.field, self.detail
        )
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/realfeeds")
}

#[test]
fn real_feeds_read_as_feedparser_and_feed_rs_read_them() {
    let manifest_path = fixtures().join("manifest.json");
    let manifest: Vec<Feed> =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).expect("manifest"))
            .expect("manifest is a list of feeds");
    assert!(manifest.len() >= 20, "at least 20 real feeds");
    let feedparser = feedparser_reads(&manifest_path);
    let now = Utc::now();

    let mut differences = Vec::new();
    let mut violations = Vec::new();
    let mut items = 0;
    for feed in &manifest {
        let body = std::fs::read(fixtures().join(&feed.file)).expect("fixture");
        let khabar = khabar_reads(&body, &feed.url, now);
        items += khabar.len();
        violations.extend(invariants(&feed.file, &khabar, now));
        let reference = &feedparser[&feed.file];
        if khabar.len() < reference.len() {
            violations.push(format!(
                "{}: khabar found {} items, feedparser {}",
                feed.file,
                khabar.len(),
                reference.len()
            ));
        }
        differences.extend(compare(&feed.file, Oracle::Feedparser, &khabar, reference));
        match feed_rs_reads(&body, &feed.url) {
            Ok(other) => differences.extend(compare(&feed.file, Oracle::FeedRs, &khabar, &other)),
            Err(e) => differences.push(Difference {
                file: feed.file.clone(),
                oracle: Oracle::FeedRs,
                field: Field::Count,
                detail: format!("feed-rs rejects the document: {e}"),
            }),
        }
    }

    let explained = |d: &Difference| {
        EXPECTED.iter().any(|e| {
            (e.file == "*" || e.file == d.file) && e.oracle == d.oracle && e.field == d.field
        })
    };
    let unexplained: Vec<String> = differences
        .iter()
        .filter(|d| !explained(d))
        .map(Difference::to_string)
        .collect();
    let stale: Vec<String> = EXPECTED
        .iter()
        .filter(|e| {
            !differences.iter().any(|d| {
                (e.file == "*" || e.file == d.file) && e.oracle == d.oracle && e.field == d.field
            })
        })
        .map(|e| format!("{} {:?} {:?} ({})", e.file, e.oracle, e.field, e.why))
        .collect();
    let line = format!(
        "realfeeds: {} feeds, {items} items; {} differences with the oracles, all listed with a reason: {}\n",
        manifest.len(),
        differences.len(),
        unexplained.is_empty()
    );
    std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes()).expect("stdout");
    assert!(
        violations.is_empty(),
        "khabar misreads real feeds:\n{}",
        violations.join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "differences without a reason in EXPECTED:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed differences that no longer occur:\n{}",
        stale.join("\n")
    );
}

/// khabar's reading: the parse and normalize stages `khabar poll` runs,
/// with the URL the feed was served from as its base.
fn khabar_reads(body: &[u8], url: &str, now: DateTime<Utc>) -> Vec<Seen> {
    let parsed = khabar::parse::parse_feed(body, None).expect("khabar reads every real feed");
    let base = url::Url::parse(url).expect("fixture URL");
    khabar::normalize::normalize_feed(
        parsed,
        Some(&base),
        now,
        khabar::normalize::limits::DEFAULT_MAX_ITEMS,
    )
    .items
    .into_iter()
    .map(|item| Seen {
        title: Some(item.title),
        link: item.link,
        id: item.guid,
        published: item.published,
        updated: item.updated,
    })
    .collect()
}

/// feedparser's reading of every fixture, from one Python process.
fn feedparser_reads(manifest: &Path) -> BTreeMap<String, Vec<Seen>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/feedparser_dump.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(manifest)
        .output()
        .expect("python3 with feedparser: pip install -r tests/requirements.txt");
    assert!(
        out.status.success(),
        "feedparser_dump.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: BTreeMap<String, Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    all.into_iter()
        .map(|(file, v)| {
            let items = serde_json::from_value(v["items"].clone()).expect("items");
            (file, items)
        })
        .collect()
}

/// feed-rs's reading, with ids it would invent left empty.
fn feed_rs_reads(body: &[u8], url: &str) -> Result<Vec<Seen>, String> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url))
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(body).map_err(|e| e.to_string())?;
    Ok(feed
        .entries
        .into_iter()
        .map(|e| Seen {
            title: e.title.map(|t| t.content),
            link: e.links.first().map(|l| l.href.clone()),
            id: Some(e.id).filter(|id| !id.is_empty()),
            published: e.published,
            updated: e.updated,
        })
        .collect())
}

/// Item by item, the fields where `khabar` and `other` differ.
fn compare(file: &str, oracle: Oracle, khabar: &[Seen], other: &[Seen]) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut differ = |field, detail: String| {
        out.push(Difference {
            file: file.to_owned(),
            oracle,
            field,
            detail,
        })
    };
    if khabar.len() != other.len() {
        differ(
            Field::Count,
            format!("khabar {} items, {oracle:?} {}", khabar.len(), other.len()),
        );
    }
    for (i, (k, o)) in khabar.iter().zip(other).enumerate() {
        let (kt, ot) = (squash(k.title.as_deref()), squash(o.title.as_deref()));
        if kt != ot {
            differ(Field::Title, format!("item {i}: {kt:?} vs {ot:?}"));
        }
        if k.link != o.link {
            differ(
                Field::Link,
                format!("item {i}: {:?} vs {:?}", k.link, o.link),
            );
        }
        if k.id != o.id {
            differ(Field::Id, format!("item {i}: {:?} vs {:?}", k.id, o.id));
        }
        if k.published != o.published {
            differ(
                Field::Published,
                format!("item {i}: {:?} vs {:?}", k.published, o.published),
            );
        }
        // Both oracles answer `updated` with the published date when the
        // item has none.
        let k_updated = k.updated.or(k.published);
        if k_updated != o.updated {
            differ(
                Field::Updated,
                format!("item {i}: {k_updated:?} vs {:?}", o.updated),
            );
        }
    }
    out
}

/// Whitespace runs of any kind as one space, none at the ends.
fn squash(text: Option<&str>) -> String {
    text.unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What must hold of khabar's reading of any real feed.
fn invariants(file: &str, items: &[Seen], now: DateTime<Utc>) -> Vec<String> {
    let earliest = DateTime::parse_from_rfc3339("1995-01-01T00:00:00Z")
        .expect("a date")
        .with_timezone(&Utc);
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        for date in [item.published, item.updated].into_iter().flatten() {
            if date < earliest || date > now {
                out.push(format!("{file} item {i}: date {date} outside 1995..now"));
            }
        }
        let title = item.title.as_deref().unwrap_or_default();
        if title.trim() != title {
            out.push(format!(
                "{file} item {i}: title {title:?} has edge whitespace"
            ));
        }
    }
    out
}
