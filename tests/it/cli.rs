// The command line as scripts use it (DESIGN.md, "Command line"): feed list
// management, OPML in and out, `parse URL --json`, config errors, the demo.

use std::collections::BTreeSet;

use crate::support::docs::good_atom;
use crate::support::{FeedServer, Khabar, Reply};

fn listed(khabar: &Khabar) -> String {
    khabar.ok(&["feeds", "list"])
}

#[test]
fn feeds_add_list_and_remove_manage_subscriptions() {
    let khabar = Khabar::new(&[]);
    let url = "https://news.example.in/rss/world.xml";

    let added = khabar.ok(&["feeds", "add", url]);
    assert!(added.contains("added feed"), "{added}");
    let again = khabar.ok(&["feeds", "add", url]);
    assert!(again.contains("already subscribed"), "{again}");
    assert_eq!(khabar.feeds().len(), 1, "adding twice subscribes once");
    assert!(listed(&khabar).contains(url));

    let bad = khabar.run(&["feeds", "add", "ftp://news.example.in/feed"]);
    assert!(!bad.status.success(), "an ftp URL is refused");
    assert!(bad.stderr.contains("http"), "{}", bad.stderr);

    let removed = khabar.ok(&["feeds", "remove", url]);
    assert!(removed.contains("removed"), "{removed}");
    assert!(!listed(&khabar).contains(url));
    let missing = khabar.run(&["feeds", "remove", url]);
    assert!(!missing.status.success(), "removing twice fails");
    assert!(missing.stderr.contains(url), "{}", missing.stderr);
}

#[test]
fn removing_a_feed_deletes_its_items() {
    let server = FeedServer::with([(
        "/r.atom",
        Reply::ok("application/atom+xml", good_atom("r", 3)),
    )]);
    let url = server.url("/r.atom");
    let khabar = Khabar::new(&[]);
    khabar.ok(&["feeds", "add", &url]);
    assert_eq!(khabar.poll_all().new_items, 3);
    // What a user reads: the table names each item, oldest first.
    let table = khabar.ok(&["feeds", "items", &url]);
    let titles: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(titles.len(), 3, "{table}");
    assert_eq!(khabar.feed(&url).items, 3);
    khabar.ok(&["feeds", "remove", &url]);
    assert_eq!(khabar.count_items(), 0);
    let gone = khabar.run(&["feeds", "items", &url]);
    assert!(
        !gone.status.success() && gone.stderr.contains("no feed with URL"),
        "{}",
        gone.stderr
    );
}

const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>मेरी फ़ीड</title></head>
  <body>
    <outline text="हिंदी">
      <outline type="rss" text="लोक दर्पण" xmlUrl="https://lokdarpan.example.in/rss.xml" htmlUrl="https://lokdarpan.example.in/"/>
      <outline type="rss" text="Query &amp; ampersand" xmlUrl="https://news.example.in/rss?cat=world&amp;lang=hi"/>
    </outline>
    <outline type="rss" title="Eastwire" xmlUrl="https://eastwire.example.com/feed.atom"/>
    <outline type="rss" text="not http" xmlUrl="ftp://old.example.org/feed"/>
    <outline text="folder without feed"/>
  </body>
</opml>
"#;

/// The `xmlUrl`s of an OPML document, unescaped.
fn xml_urls(opml: &str) -> BTreeSet<String> {
    opml.split("xmlUrl=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("closing quote")].replace("&amp;", "&"))
        .collect()
}

#[test]
fn opml_import_then_export_round_trips_the_feed_list() {
    let khabar = Khabar::new(&[]);
    let file = khabar.dir().join("in.opml");
    std::fs::write(&file, OPML).expect("write opml");
    let imported = khabar.ok(&["feeds", "import", file.to_str().expect("utf-8 path")]);
    assert!(
        imported.contains("3 added, 0 already subscribed, 1 skipped"),
        "{imported}"
    );
    let again = khabar.ok(&["feeds", "import", file.to_str().expect("utf-8 path")]);
    assert!(again.contains("0 added, 3 already subscribed"), "{again}");

    let exported = khabar.ok(&["feeds", "export"]);
    let want: BTreeSet<String> = [
        "https://lokdarpan.example.in/rss.xml",
        "https://news.example.in/rss?cat=world&lang=hi",
        "https://eastwire.example.com/feed.atom",
    ]
    .map(String::from)
    .into();
    assert_eq!(xml_urls(&exported), want, "{exported}");

    // The export is itself importable, and exports the same again.
    let other = Khabar::new(&[]);
    let file = other.dir().join("round.opml");
    std::fs::write(&file, &exported).expect("write opml");
    other.ok(&["feeds", "import", file.to_str().expect("utf-8 path")]);
    assert_eq!(other.ok(&["feeds", "export"]), exported);
}

#[test]
fn parse_url_json_prints_the_documented_shape() {
    let server = FeedServer::with([(
        "/p.atom",
        Reply::ok("application/atom+xml", good_atom("parse", 2)),
    )]);
    let khabar = Khabar::new(&[]);
    let out = khabar.ok(&["parse", &server.url("/p.atom"), "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json on stdout");
    assert_eq!(doc["feed"]["title"], "parse");
    let items = doc["items"].as_array().expect("items array");
    assert_eq!(items.len(), 2);
    let keys: BTreeSet<&str> = items[0]
        .as_object()
        .expect("item object")
        .keys()
        .map(String::as_str)
        .collect();
    let want: BTreeSet<&str> = [
        "id",
        "title",
        "link",
        "published",
        "updated",
        "authors",
        "categories",
        "summary",
        "content",
        // See: issue #12 — media, added beside DESIGN.md's fields.
        "image",
        "attachments",
    ]
    .into();
    assert_eq!(keys, want);
    assert_eq!(items[0]["image"], serde_json::Value::Null);
    assert_eq!(items[0]["attachments"], serde_json::json!([]));
    assert_eq!(items[0]["id"], "urn:parse:0");
    assert_eq!(items[0]["title"], "parse प्रविष्टि 0");
    assert_eq!(items[0]["updated"], "2025-07-13T03:00:00Z");
    assert_eq!(items[0]["authors"], serde_json::json!([]));
    let content = items[0]["content"].as_str().expect("content");
    assert!(
        content.starts_with("<p>पुतिन और किम") && content.ends_with("0</p>"),
        "{content}"
    );
    assert!(
        !khabar.dir().join("khabar.db").exists(),
        "parse subscribes to nothing"
    );
}

#[test]
fn parse_url_that_fails_exits_non_zero_with_the_reason() {
    let server = FeedServer::with([("/gone.xml", Reply::status(404))]);
    let khabar = Khabar::new(&[]);
    let run = khabar.run(&["parse", &server.url("/gone.xml"), "--json"]);
    assert!(!run.status.success());
    assert!(run.stderr.contains("HTTP 404"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn invalid_config_exits_non_zero_naming_the_key() {
    let cases = [
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency"),
        ("[fetch]\nper_host = 0\n", "fetch.per_host"),
        ("[fetch]\nmax_body_bytes = 10\n", "fetch.max_body_bytes"),
        ("[fetch]\ntimeout = \"soon\"\n", "timeout"),
        ("[fetch]\nconcurency = 3\n", "concurency"),
        (
            "[schedule]\nmin_interval = \"2h\"\nmax_interval = \"1h\"\n",
            "schedule.min_interval",
        ),
        ("[[feeds]]\nurl = \"ftp://x.example/f\"\n", "feeds[0].url"),
        ("[[feeds]]\nurl = \"not a url\"\n", "feeds[0].url"),
        ("[digest]\ntimezone = \"Mars/Olympus\"\n", "digest.timezone"),
    ];
    for (toml, key) in cases {
        let khabar = Khabar::with_config(toml);
        let run = khabar.run(&["poll", "--all"]);
        assert!(!run.status.success(), "{toml:?} is refused");
        assert!(
            run.stderr.contains(key),
            "{toml:?}: stderr names {key}: {}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty(),
            "{toml:?}: no summary: {}",
            run.stdout
        );
    }
}

#[test]
fn demo_once_polls_the_seven_sample_outlets() {
    let khabar = Khabar::new(&[]);
    let dir = khabar.dir().join("tour");
    let out = khabar.ok(&["demo", "--once", "--dir", dir.to_str().expect("utf-8 path")]);
    assert!(
        out.contains("7 feeds: 7 ok, 0 not modified, 0 failed, 0 gone; 74 new items"),
        "{out}"
    );
    // What the tour kept, as a user would list it from its database.
    let demo = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut command = khabar.command(args);
        command.env("KHABAR_DATABASE_PATH", dir.join("khabar.db"));
        let out = khabar.run_command(command, args);
        assert!(out.status.success(), "{args:?}: {}", out.stderr);
        serde_json::from_str(&out.stdout).expect("JSON")
    };
    let feeds = demo(&["feeds", "list", "--json"]);
    let items: u64 = feeds.iter().map(|f| f["items"].as_u64().unwrap()).sum();
    assert_eq!(items, 74);
    let healthy = feeds
        .iter()
        .filter(|f| f["status"] == "active" && f["last_error"].is_null());
    assert_eq!(healthy.count(), 7, "{feeds:#?}");
    for feed in &feeds {
        for item in demo(&["feeds", "items", feed["url"].as_str().unwrap(), "--json"]) {
            let html = item["content_html"].as_str().unwrap_or_default();
            assert!(
                !html.contains("<script") && !html.contains("onerror"),
                "no script or event attribute survives sanitising: {html}"
            );
        }
    }
}
