// Full text (issue #7): the extractor against article pages built around
// corpus/seeds (tests/fixtures/fulltext), then the whole path through the
// binary: a feed of teasers whose article pages are those fixtures.

use std::path::PathBuf;

use khabar::fulltext::{extract, Extracted, OutletLines};
use khabar::normalize::{html_to_text, nfc};
use serde::Deserialize;

use crate::support::docs::rss;
use crate::support::{FeedServer, Khabar, Reply};

/// `tests/fixtures/fulltext/expectations.json`.
#[derive(Deserialize)]
struct Expectations {
    pages: Vec<PageExpectation>,
}

/// One seed's page: what must stay, what must go.
#[derive(Deserialize)]
struct PageExpectation {
    page: String,
    url: String,
    same_outlet_pages: Vec<String>,
    paragraphs: Vec<String>,
    clutter: Vec<String>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fulltext")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).expect("read fixture page")
}

fn expectations() -> Expectations {
    serde_json::from_str(&fixture("expectations.json")).expect("parse expectations.json")
}

/// A line as compared: NFC, every run of whitespace (NBSP too) one space.
fn norm(line: &str) -> String {
    nfc(line).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What one page scored: paragraphs kept (of all), clutter lines left.
struct Score {
    kept: usize,
    total: usize,
    missing: Vec<String>,
    left: Vec<String>,
}

fn score(lines: &[String], want: &PageExpectation) -> Score {
    let lines: Vec<String> = lines.iter().map(|l| norm(l)).collect();
    let missing: Vec<String> = want
        .paragraphs
        .iter()
        .map(|p| norm(p))
        .filter(|p| !lines.contains(p))
        .collect();
    // A clutter line counts as left when it is a line of the output or
    // starts one ("फॉलो करे: X"), or, when it is long enough not to occur
    // inside an article sentence by chance (four words or more), when it is
    // part of one.
    let left = want
        .clutter
        .iter()
        .map(|c| norm(c))
        .filter(|c| {
            lines
                .iter()
                .any(|l| l == c || l.starts_with(&format!("{c} ")))
                || (c.split(' ').count() >= 4 && lines.iter().any(|l| l.contains(c)))
        })
        .collect();
    Score {
        kept: want.paragraphs.len() - missing.len(),
        total: want.paragraphs.len(),
        missing,
        left,
    }
}

fn extract_page(want: &PageExpectation, name: &str) -> Extracted {
    let base = url::Url::parse(&want.url).expect("fixture URL");
    extract(&fixture(name), Some(&base))
}

/// Extracts every seed page after its outlet's earlier pages were learnt;
/// with `learn` false, each page alone, as an outlet's first page would be.
fn run_fixtures(learn: bool) -> Vec<(String, Score)> {
    expectations()
        .pages
        .iter()
        .map(|want| {
            let mut outlet = OutletLines::default();
            if learn {
                for earlier in &want.same_outlet_pages {
                    outlet.learn(&extract_page(want, earlier));
                }
            }
            let page = extract_page(want, &want.page);
            outlet.learn(&page);
            let kept: Vec<String> = outlet.strip(page).paragraphs().map(String::from).collect();
            (want.page.clone(), score(&kept, want))
        })
        .collect()
}

#[test]
fn fulltext_fixture_pages_keep_every_paragraph_and_lose_every_clutter_line() {
    let scores = run_fixtures(true);
    let (mut kept, mut total, mut left) = (0, 0, 0);
    for (page, s) in &scores {
        println!(
            "{page}: paragraphs {}/{}, clutter lines left {}",
            s.kept,
            s.total,
            s.left.len()
        );
        kept += s.kept;
        total += s.total;
        left += s.left.len();
    }
    let recall = kept as f64 / total as f64;
    println!("full text: paragraph recall {recall:.3} ({kept}/{total}), clutter lines left {left}");
    for (page, s) in &scores {
        assert!(
            s.missing.is_empty(),
            "{page}: paragraphs dropped: {:#?}",
            s.missing
        );
        assert!(s.left.is_empty(), "{page}: clutter left: {:#?}", s.left);
    }
    assert_eq!((recall, left), (1.0, 0));
}

#[test]
fn fulltext_outlet_lines_are_only_dropped_once_learnt() {
    // An outlet's first page keeps its template lines that no wording rule
    // knows (Digital News Tak's appeal under every article); after its
    // earlier pages they are gone. Article paragraphs are kept either way.
    let first_pages = run_fixtures(false);
    for (page, s) in &first_pages {
        println!(
            "{page}, nothing learnt: paragraphs {}/{}, clutter lines left {}: {:?}",
            s.kept,
            s.total,
            s.left.len(),
            s.left
        );
    }
    let (_, dnt) = first_pages
        .iter()
        .find(|(page, _)| page.starts_with("004"))
        .expect("the 004 page");
    assert!(dnt.missing.is_empty(), "{:#?}", dnt.missing);
    assert!(
        dnt.left
            .iter()
            .any(|l| l.starts_with("Digital News Tak अपने सभी पाठकों")),
        "the appeal is only known as the outlet's after several pages: {:#?}",
        dnt.left
    );
}

/// The test config: short fetch limits, as in `support::khabar`.
fn config(feeds: &[(String, bool)], max_articles: usize) -> String {
    let listed: String = feeds
        .iter()
        .map(|(url, full)| format!("\n[[feeds]]\nurl = {url:?}\nfull_text = {full}\n"))
        .collect();
    format!(
        "[fetch]\nper_host = 4\nconnect_timeout = \"2s\"\ntimeout = \"3s\"\n\
         max_articles = {max_articles}\n{listed}"
    )
}

/// An RSS item with only a headline and a teaser that names neither
/// country, so only the article page can put it on the beat.
fn teaser_item(guid: &str, link: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>बड़ा बयान: {guid}</title>\
         <link>{link}</link><description>पूरी ख़बर के लिए लिंक खोलें।</description>\
         <pubDate>Sun, 13 Jul 2025 08:00:00 +0530</pubDate></item>\n"
    )
}

fn html_page(name: &str) -> Reply {
    Reply::ok("text/html; charset=utf-8", fixture(name))
}

#[test]
fn fulltext_feed_items_get_the_article_text_and_are_tagged_on_it() {
    let want = expectations()
        .pages
        .into_iter()
        .find(|p| p.page.starts_with("004"))
        .expect("the 004 page");
    let server = FeedServer::with([
        ("/a/1.html", html_page(&want.same_outlet_pages[0])),
        ("/a/2.html", html_page(&want.same_outlet_pages[1])),
        ("/a/3.html", html_page(&want.page)),
        ("/a/missing.html", Reply::status(404)),
        (
            "/a/report.pdf",
            Reply::ok("application/pdf", "%PDF-1.7 not a page"),
        ),
        ("/b/1.html", html_page(&want.page)),
    ]);
    let article = |p: &str| server.url(p);
    server.serve(
        "/full.xml",
        Reply::rss(rss(
            "पूरा पाठ",
            &[
                teaser_item("full-1", &article("/a/1.html")),
                teaser_item("full-2", &article("/a/2.html")),
                teaser_item("full-3", &article("/a/3.html")),
                teaser_item("full-4", &article("/a/missing.html")),
                teaser_item("full-5", &article("/a/report.pdf")),
            ],
        )),
    );
    server.serve(
        "/teasers.xml",
        Reply::rss(rss("सार", &[teaser_item("plain-1", &article("/b/1.html"))])),
    );
    let (full, plain) = (server.url("/full.xml"), server.url("/teasers.xml"));
    let khabar = Khabar::with_config(&config(&[(full.clone(), true), (plain.clone(), false)], 20));

    let first = khabar.poll_all();
    assert_eq!(
        (first.ok, first.failed, first.new_items),
        (2, 0, 6),
        "{first:?}"
    );

    let items = khabar.items_of(&full);
    let seed = &items[2];
    let html = seed.content_html.clone().expect("article content stored");
    let lines: Vec<String> = html_to_text(&html).lines().map(String::from).collect();
    let s = score(&lines, &want);
    assert!(s.missing.is_empty(), "paragraphs missing: {:#?}", s.missing);
    assert!(s.left.is_empty(), "clutter left: {:#?}", s.left);
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(seed.topics, ["russia-north-korea"]);

    for (failed, why) in [(&items[3], "a 404"), (&items[4], "a page that is not HTML")] {
        assert_eq!(failed.content_html, None, "{why} keeps the feed's teaser");
        assert_eq!(failed.summary.as_deref(), Some("पूरी ख़बर के लिए लिंक खोलें।"));
    }

    let untouched = &khabar.items_of(&plain)[0];
    assert_eq!(
        untouched.content_html, None,
        "no full_text, no article text"
    );
    assert!(untouched.topics.is_empty());
    assert!(
        server.requests("/b/1.html").is_empty(),
        "its page is never fetched"
    );

    let again = khabar.poll_all();
    assert_eq!((again.new_items, again.updated_items), (0, 0), "{again:?}");
    assert_eq!(
        server.requests("/a/3.html").len(),
        1,
        "stored items are not refetched"
    );
    assert_eq!(khabar.items_of(&full)[2].content_html, Some(html.clone()));

    // The outlet edits the entry: its page is fetched again, and the item
    // keeps the article text rather than falling back to the new teaser.
    let edited = teaser_item("full-3", &article("/a/3.html"))
        .replace("full-3</title>", "full-3 (अपडेट)</title>");
    server.serve("/full.xml", Reply::rss(rss("पूरा पाठ", &[edited])));
    let edit = khabar.poll_all();
    assert_eq!((edit.new_items, edit.updated_items), (0, 1), "{edit:?}");
    assert_eq!(
        server.requests("/a/3.html").len(),
        2,
        "a changed entry is refetched"
    );
    let updated = &khabar.items_of(&full)[2];
    assert_eq!(updated.title, "बड़ा बयान: full-3 (अपडेट)");
    assert_eq!(updated.content_html, Some(html));
    assert_eq!(updated.topics, ["russia-north-korea"]);
}

#[test]
fn fulltext_article_fetches_per_feed_and_pass_are_capped() {
    let want = expectations().pages.remove(0);
    let server = FeedServer::start();
    let items: Vec<String> = (0..5)
        .map(|i| {
            let path = format!("/p/{i}.html");
            server.serve(&path, html_page(&want.page));
            teaser_item(&format!("cap-{i}"), &server.url(&path))
        })
        .collect();
    server.serve("/cap.xml", Reply::rss(rss("सीमा", &items)));
    let url = server.url("/cap.xml");
    let khabar = Khabar::with_config(&config(&[(url.clone(), true)], 2));
    let summary = khabar.poll_all();
    assert_eq!((summary.ok, summary.new_items), (1, 5), "{summary:?}");
    let fetched = (0..5)
        .filter(|i| !server.requests(&format!("/p/{i}.html")).is_empty())
        .count();
    assert_eq!(
        fetched, 2,
        "at most fetch.max_articles pages per feed per pass"
    );
    let with_text = khabar
        .items_of(&url)
        .iter()
        .filter(|i| i.content_html.is_some())
        .count();
    assert_eq!(with_text, 2);
}
