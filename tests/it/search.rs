// Search through the real binary (issue #17): on the demo outlets a name
// typed in Devanagari finds the Latin-script reports and back; bad queries
// get a clear message, never a crash; the index follows every change to
// the items (new, changed, removed, and a database from before search).

use serde_json::Value;

use crate::support::docs::{item, rss};
use crate::support::{demo_outlets, FeedServer, Khabar, Reply};

/// `khabar search --json QUERY`: the results document.
fn search(khabar: &Khabar, query: &str) -> Value {
    let out = khabar.ok(&["search", "--json", "--limit", "100", "--", query]);
    serde_json::from_str(&out).expect("search --json prints JSON")
}

/// Every report the results name: each hit's title and its other matches'.
fn titles(results: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for hit in results["hits"].as_array().expect("hits") {
        out.push(hit["title"].as_str().expect("title").to_string());
        for other in hit["also"].as_array().expect("also") {
            out.push(other["title"].as_str().expect("title").to_string());
        }
    }
    out
}

fn is_devanagari(title: &str) -> bool {
    title
        .chars()
        .any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
}

#[test]
fn names_are_found_in_both_scripts_on_the_demo_outlets() {
    let (_server, urls) = demo_outlets();
    let khabar = Khabar::new(&urls);
    khabar.poll_all();

    let deva = titles(&search(&khabar, "लावरोव"));
    assert!(
        deva.iter()
            .any(|t| t.contains("Lavrov") && !t.contains("लावरोव") && !is_devanagari(t)),
        "लावरोव finds the English reports: {deva:#?}"
    );
    assert!(deva.iter().any(|t| t.contains("लावरोव")), "{deva:#?}");
    assert!(
        deva.iter().any(|t| t.contains("लॉवरोव")),
        "another spelling: {deva:#?}"
    );

    let latin = titles(&search(&khabar, "Lavrov"));
    assert!(
        latin
            .iter()
            .any(|t| t.contains("लावरोव") && !t.contains("Lavrov")),
        "Lavrov finds the Hindi reports: {latin:#?}"
    );
    assert!(
        latin
            .iter()
            .any(|t| t.contains("Lavrov") && !is_devanagari(t)),
        "{latin:#?}"
    );

    let pyongyang = titles(&search(&khabar, "Pyongyang"));
    assert!(
        pyongyang
            .iter()
            .any(|t| t.contains("प्योंगयांग") && !t.contains("Pyongyang")),
        "{pyongyang:#?}"
    );
    let deva = titles(&search(&khabar, "प्योंगयांग"));
    assert!(
        deva.iter()
            .any(|t| t.contains("Pyongyang") && !t.contains("प्योंगयांग")),
        "{deva:#?}"
    );

    // One result per story: the seven outlets' Wonsan reports are one hit.
    let results = search(&khabar, "लावरोव");
    let stories: Vec<&Value> = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["story_id"])
        .collect();
    let mut unique = stories.clone();
    unique.dedup();
    assert_eq!(stories.len(), unique.len(), "{results:#}");
    assert!(
        results["hits"][0]["reports"].as_u64().unwrap() >= 2,
        "{results:#}"
    );
}

#[test]
fn filters_narrow_the_results() {
    let (_server, urls) = demo_outlets();
    let khabar = Khabar::new(&urls);
    khabar.poll_all();
    let all = search(&khabar, "Kim");
    let wire = search(&khabar, "Kim outlet:\"eastern wire\"");
    let n = |r: &Value| r["hits"].as_array().unwrap().len();
    assert!(
        n(&wire) > 0 && n(&wire) < n(&all),
        "{} of {}",
        n(&wire),
        n(&all)
    );
    // A story's best match may be another outlet's report; one of its
    // reports must be Eastern Wire's.
    for hit in wire["hits"].as_array().unwrap() {
        let outlets = hit["outlets"].as_array().unwrap();
        assert!(
            outlets
                .iter()
                .any(|o| o.as_str().unwrap().starts_with("Eastern Wire")),
            "{hit:#}"
        );
    }
    let none = search(&khabar, "Kim until:2000-01-01");
    assert_eq!(n(&none), 0);
    // An outlet no feed's title or URL names: nothing, before any matching.
    let nobody = search(&khabar, "Kim outlet:nowhere-at-all");
    assert_eq!(n(&nobody), 0);
    let either = search(&khabar, "Kim outlet:\"eastern wire\" outlet:nowhere-at-all");
    assert_eq!(n(&either), n(&wire), "outlet: values are alternatives");
    let old = search(&khabar, "Kim since:2000-01-01 topic:russia-north-korea");
    assert!(n(&old) > 0);
}

#[test]
fn bad_queries_get_a_clear_message_or_no_results() {
    let khabar = Khabar::new(&[]);
    let long = "ख़बर ".repeat(2_100); // over 10 KB
    let cases: Vec<(&str, Option<&str>)> = vec![
        ("\"किम जोंग", None),
        ("NEAR(kim lavrov, 2) {title}: kim", None),
        ("kim\" OR \"", None),
        ("AND OR NOT", Some("type a word")),
        ("((((", Some("type a word")),
        ("-kim", Some("only exclude")),
        ("topic:nope kim", Some("unknown topic")),
        ("since:yesterday kim", Some("since:")),
        ("k*", Some("prefix")),
        (&long, Some("too long")),
        ("'; DROP TABLE items; --", None),
    ];
    for (query, message) in cases {
        let run = khabar.run(&["search", "--", query]);
        let code = run.status.code().expect("exit code");
        match message {
            None => assert_eq!(code, 0, "{query:?}: {}", run.stderr),
            Some(m) => {
                assert_eq!(code, 2, "{query:?}: {}", run.stdout);
                assert!(run.stderr.contains(m), "{query:?}: {}", run.stderr);
                assert!(run.stderr.lines().count() == 1, "one line: {}", run.stderr);
            }
        }
    }
    assert_eq!(khabar.integrity(), "ok");
}

#[test]
fn the_index_follows_new_changed_and_removed_items() {
    let server = FeedServer::start();
    let feed = |title: &str| Reply::ok("application/rss+xml", rss("Outlet", &[item("one", title)]));
    server.serve("/feed.xml", feed("Shoigu arrives in Wonsan"));
    let khabar = Khabar::new(&[]);
    let url = server.url("/feed.xml");
    khabar.ok(&["feeds", "add", &url]);
    khabar.poll_all();
    let count = |q: &str| search(&khabar, q)["hits"].as_array().unwrap().len();
    assert_eq!(count("Shoigu"), 1);
    assert_eq!(count("शोइगु"), 1, "the name across scripts");

    server.serve("/feed.xml", feed("Belousov arrives in Wonsan"));
    khabar.poll_all();
    assert_eq!(count("Shoigu"), 0, "the old title left the index");
    assert_eq!(count("Belousov"), 1);

    // A database written before search (every item marked by migration
    // 0013): indexed when khabar next opens it.
    let db = khabar.db();
    db.execute_batch("DELETE FROM item_search; INSERT INTO search_pending SELECT id FROM items;")
        .unwrap();
    drop(db);
    assert_eq!(count("Belousov"), 1);
    // Items another tool inserted carry no mark (migration 0014): found by
    // the index row they lack.
    khabar
        .db()
        .execute_batch("DELETE FROM item_search;")
        .unwrap();
    assert_eq!(
        count("Belousov"),
        1,
        "an item without an index row is indexed"
    );
    let pending: i64 = khabar
        .db()
        .query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 0);

    khabar.ok(&["feeds", "remove", &url]);
    assert_eq!(
        count("Belousov"),
        0,
        "a removed feed's items left the index"
    );
    assert_eq!(khabar.integrity(), "ok");
}
