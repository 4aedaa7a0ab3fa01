//! Full-text extraction throughput (issue #7): the article pages in
//! `tests/fixtures/fulltext/` extracted over and over on one core, clutter
//! rules and outlet-line stripping included. Run: `cargo bench --bench fulltext`.
//! Prints pages/s; the target is at least 200 pages/s.

use std::time::Instant;

use khabar::fulltext::{extract, OutletLines};

/// Times each page is extracted.
const ROUNDS: usize = 100;

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

fn main() {
    let pages = pages();
    let bytes: usize = pages.iter().map(String::len).sum();
    let base = url::Url::parse("https://news.example/world/article/").expect("base URL");
    let mut outlet = OutletLines::default();
    let mut paragraphs = 0usize;
    let started = Instant::now();
    for _ in 0..ROUNDS {
        for page in &pages {
            let text = extract(page, Some(&base));
            outlet.learn(&text);
            let text = outlet.strip(text);
            paragraphs += text.paragraphs().count();
            std::hint::black_box(text.html(Some(&base)));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let n = pages.len() * ROUNDS;
    println!(
        "full text: {n} pages ({} distinct, {:.1} KB average) in {seconds:.2} s = {:.0} pages/s \
         ({:.1} MB/s of HTML), {paragraphs} paragraphs kept",
        pages.len(),
        bytes as f64 / pages.len() as f64 / 1e3,
        n as f64 / seconds,
        (bytes * ROUNDS) as f64 / seconds / 1e6,
    );
}
