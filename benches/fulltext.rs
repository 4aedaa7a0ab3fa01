//! Full-text extraction throughput (issue #7): the article pages in
//! `tests/fixtures/fulltext/` extracted over and over on one core, with
//! clutter rules, line fingerprints, outlet-line stripping and sanitised
//! output included. Run: `cargo bench --bench fulltext`. Prints pages/s; the
//! target is at least 200 pages/s.
//!
//! The fixtures weigh about 6.5 KB, far less than a real outlet's page, so
//! a second run pads each with the weight real pages carry outside the
//! article: a mega-menu of links, inline scripts and JSON state.

use std::time::Instant;

use khabar::fulltext::{extract, OutletLines};

/// Times each page is extracted.
const ROUNDS: usize = 100;

/// Links in the padding's menu and footer (real Hindi outlets carry hundreds).
const PADDING_LINKS: usize = 600;

/// Bytes of inline script in the padding.
const PADDING_SCRIPT_BYTES: usize = 60_000;

fn pages() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fulltext");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("read fixture page"))
        .collect()
}

/// `page` with a real page's weight outside the article added.
fn padded(page: &str) -> String {
    let links: String = (0..PADDING_LINKS)
        .map(|i| format!("<li><a href=\"/section/{i}/\">अनुभाग {i} की ताज़ा ख़बरें</a></li>"))
        .collect();
    let script = format!(
        "<script>window.__STATE__={{\"data\":\"{}\"}};</script>",
        "x".repeat(PADDING_SCRIPT_BYTES)
    );
    let chrome = format!("<nav class=\"mega-menu\"><ul>{links}</ul></nav>{script}");
    let body = page.find("<body").expect("fixture has a body");
    let open_end = body + page[body..].find('>').expect("body tag ends");
    format!("{}{chrome}{}", &page[..=open_end], &page[open_end + 1..])
}

/// Extracts every page `ROUNDS` times; returns pages/s, MB/s, paragraphs per page.
fn run(pages: &[String]) -> (f64, f64, f64) {
    let base = url::Url::parse("https://news.example/world/article/").expect("base URL");
    // Each distinct page counts once towards its outlet's lines, as in a
    // poll; repeating the same pages must not make their text "repeated".
    let mut outlet = OutletLines::default();
    for page in pages {
        outlet.learn(&extract(page, Some(&base)));
    }
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut paragraphs = 0usize;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        for page in pages {
            let text = extract(page, Some(&base));
            std::hint::black_box(text.fingerprints());
            let text = outlet.strip(text);
            paragraphs += text.paragraphs().count();
            std::hint::black_box(text.html(Some(&base)));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let n = (pages.len() * ROUNDS) as f64;
    (
        n / seconds,
        (bytes * ROUNDS) as f64 / seconds / 1e6,
        paragraphs as f64 / n,
    )
}

fn main() {
    let pages = pages();
    let heavy: Vec<String> = pages.iter().map(|p| padded(p)).collect();
    for (what, set) in [("fixture pages", &pages), ("padded pages", &heavy)] {
        let kb = set.iter().map(String::len).sum::<usize>() as f64 / set.len() as f64 / 1e3;
        let (rate, mbs, paragraphs) = run(set);
        println!(
            "full text, {what} ({} distinct, {kb:.1} KB average, x{ROUNDS}): {rate:.0} pages/s \
             ({mbs:.1} MB/s of HTML), {paragraphs:.1} paragraphs kept per page",
            set.len()
        );
    }
}
