//! Full text costs only its own poll (issue #11): article pages that never
//! finish use up the feed's time budget, not the pass, and the feed is
//! recorded with its teasers; the outlet's line counts are written with
//! the poll, so a poll that fails to be stored counts no page, and the
//! retries do not turn an article's own paragraphs into "the outlet's".
// See: issue #11

use std::time::Duration;

use crate::support::docs::rss;
use crate::support::{wait_until, Daemon, FeedServer, Khabar, Reply};

/// An item with only a teaser, linking to `link`.
fn teaser(guid: &str, link: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><title>ख़बर {guid}</title>\
         <link>{link}</link><description>पूरी ख़बर के लिए लिंक खोलें।</description>\
         <pubDate>Sun, 13 Jul 2025 08:00:00 +0530</pubDate></item>\n"
    )
}

/// An article page: its own paragraphs, and the outlet's tagline.
fn article(own: &[String]) -> Reply {
    let paragraphs: String = own
        .iter()
        .chain(std::iter::once(
            &"हमारी ख़बरें सबसे पहले पढ़ने के लिए ऐप डाउनलोड करें और चैनल से जुड़ें।".to_string(),
        ))
        .map(|p| format!("<p>{p}</p>"))
        .collect();
    Reply::ok(
        "text/html; charset=utf-8",
        format!("<html><body><article><h1>शीर्षक</h1>{paragraphs}</article></body></html>"),
    )
}

fn own_paragraph(page: usize, n: usize) -> String {
    format!(
        "पृष्ठ {page} का अपना अनुच्छेद {n}: मॉस्को और प्योंगयांग के बीच हुई बातचीत का ब्योरा, \
         जिसमें दोनों पक्षों ने सहयोग के नए रास्तों पर विस्तार से चर्चा की।"
    )
}

#[test]
fn article_pages_that_never_finish_use_up_the_feeds_budget_not_the_pass() {
    let server = FeedServer::start();
    // Twenty articles, each sending a byte a minute: two at a time, each
    // cut off by the 2 s fetch timeout, they would take 20 s, three times
    // the 6 s pass deadline.
    let items: Vec<String> = (0..20)
        .map(|i| {
            let path = format!("/slow/{i}.html");
            server.serve(&path, Reply::drip(Duration::from_secs(60)));
            teaser(&format!("slow-{i}"), &server.url(&path))
        })
        .collect();
    server.serve("/slow.xml", Reply::rss(rss("धीमा", &items)));
    let url = server.url("/slow.xml");
    let khabar = Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n\
         [fetch]\nconnect_timeout = \"1s\"\ntimeout = \"2s\"\n\n\
         [schedule]\ntick = \"200ms\"\n\n\
         [[feeds]]\nurl = {url:?}\nfull_text = true\n"
    ));
    let daemon = Daemon::start(&khabar);
    wait_until("the feed recorded with its teasers", || {
        khabar.count_items() == 20
    });
    let feed = khabar.feed(&url);
    assert_eq!(feed.last_error, None, "{feed:?}");
    assert!(feed.last_polled.is_some());
    for item in khabar.items_of(&url) {
        assert_eq!(item.content_html, None, "teaser only: {item:?}");
        assert!(item.summary.unwrap_or_default().contains("पूरी ख़बर"));
    }
    // The daemon's stderr is read by a thread of the test: the warning,
    // written before the items, may reach it a moment after them.
    wait_until("the full-text budget warning", || {
        daemon.stderr().contains("full-text time budget ran out")
    });
}

#[test]
fn a_poll_that_fails_to_be_stored_counts_none_of_its_pages() {
    let server = FeedServer::start();
    let items: Vec<String> = (0..2)
        .map(|page| {
            let path = format!("/a/{page}.html");
            server.serve(
                &path,
                article(&[own_paragraph(page, 1), own_paragraph(page, 2)]),
            );
            teaser(&format!("page-{page}"), &server.url(&path))
        })
        .collect();
    server.serve("/full.xml", Reply::rss(rss("पूरा पाठ", &items)));
    let url = server.url("/full.xml");
    let khabar = Khabar::with_config(&format!("[[feeds]]\nurl = {url:?}\nfull_text = true\n"));
    // The database refuses this feed's items, as a full disk would: the
    // poll is fetched, extracted and counted, then its write fails. Twice.
    khabar.ok(&["feeds", "list"]);
    // SQL: a trigger is how a test makes a write fail; no command can.
    khabar
        .db()
        .execute_batch(
            "CREATE TRIGGER refuse_items BEFORE INSERT ON items
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
        )
        .expect("add the failing trigger");
    for _ in 0..2 {
        let run = khabar.run(&["poll", "--all"]);
        assert!(
            !run.status.success(),
            "the write was to fail: {}",
            run.stdout
        );
        assert!(run.stderr.contains("disk full"), "{}", run.stderr);
    }
    khabar
        .db()
        .execute_batch("DROP TRIGGER refuse_items")
        .expect("drop the trigger");
    let done = khabar.poll_all();
    assert_eq!((done.ok, done.new_items), (1, 2), "{done:?}");

    // SQL: the learnt outlet lines are internal state no command shows.
    let counts: Vec<i64> = {
        let db = khabar.db();
        let mut stmt = db
            .prepare("SELECT pages FROM fulltext_lines ORDER BY pages DESC")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(
        counts.first(),
        Some(&2),
        "the tagline, on both pages: {counts:?}"
    );
    assert!(
        counts[1..].iter().all(|n| *n == 1),
        "each page counted once: {counts:?}"
    );
    for (page, item) in khabar.items_of(&url).iter().enumerate() {
        let html = item.content_html.as_deref().unwrap_or_default();
        assert!(
            html.contains(&format!("पृष्ठ {page} का अपना अनुच्छेद 1")),
            "the article keeps its own paragraphs: {html}"
        );
    }
}
