//! Saved searches (issue #17): `[[searches]]` in the config, published at
//! `/searches/SLUG.atom|rss|json` with ETag/304 and read cleanly by
//! feedparser, listed on `/search`, offered as digest topics, and a bad
//! definition refused at load with the slug named.

use reqwest::header;
use serde_json::json;

use super::search::expected;
use super::support::{feedcheck, spawn_khabar_with, Fixture, PUBLIC_URL};

const SAVED: &str =
    "[[searches]]\nslug = \"lavrov\"\nname = \"लावरोव · Lavrov\"\nquery = \"लावरोव\"\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_search_is_a_feed_with_etag_listed_on_the_search_page() {
    let k = spawn_khabar_with(SAVED);
    let atom = k.get("/searches/lavrov.atom").await;
    assert_eq!(atom.status(), 200);
    assert_eq!(
        atom.headers()[header::CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    let etag = atom.headers()[header::ETAG].clone();
    let body = atom.text().await.unwrap();
    assert!(body.contains("Lavrov"), "the English reports: {body}");
    assert!(body.contains("लावरोव"), "the Hindi reports: {body}");
    assert!(
        body.contains(&format!("{PUBLIC_URL}searches/lavrov.atom")),
        "its own address as self: {body}"
    );
    assert!(body.contains("लावरोव · Lavrov"), "titled by name: {body}");
    let again = k
        .http
        .get(k.url("/searches/lavrov.atom"))
        .header(header::IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    for (path, kind) in [
        ("/searches/lavrov.rss", "application/rss+xml"),
        ("/searches/lavrov.json", "application/feed+json"),
    ] {
        let r = k.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let ct = r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_string();
        assert!(ct.starts_with(kind), "{path}: {ct}");
        assert!(r.text().await.unwrap().contains("Lavrov"), "{path}");
    }
    for path in [
        "/searches/nope.atom",
        "/searches/lavrov.html",
        "/searches/lavrov",
    ] {
        assert_eq!(k.get(path).await.status(), 404, "{path}");
    }

    let page = k.get("/search").await.text().await.unwrap();
    assert!(page.contains("Saved searches"), "{page}");
    assert!(
        page.contains(&format!("href=\"{PUBLIC_URL}searches/lavrov.atom\"")),
        "the feed linked: {page}"
    );
    assert!(page.contains("लावरोव · Lavrov"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn feedparser_reads_a_saved_search_as_the_database_has_it() {
    let k = spawn_khabar_with(SAVED);
    let store = khabar::store::Store::open(&k.fixture.db).unwrap();
    let atom = "/searches/lavrov.atom";
    let documents = vec![
        expected(&store, "लावरोव", atom, "atom"),
        expected(&store, "लावरोव", "/searches/lavrov.rss", "rss"),
        expected(&store, "लावरोव", "/searches/lavrov.json", "json"),
    ];
    let total = documents[0]["entries"].as_array().unwrap().len();
    let spec = json!({
        "base": k.base,
        "public_url": PUBLIC_URL,
        "documents": documents,
        "walk": {"path": atom, "total": total},
    });
    let report = feedcheck(&k.fixture.dir.path().join("expected-saved.json"), &spec).await;
    assert!(report.contains("304 with ETag"), "{report}");
}

/// Runs `khabar ARGS` on the fixture (clock pinned to `now` when given).
fn run(fixture: &Fixture, args: &[&str], now: Option<&str>) -> std::process::Output {
    let mut cmd = fixture.command();
    cmd.args(args);
    if let Some(now) = now {
        cmd.env("KHABAR_NOW", now);
    }
    cmd.output().unwrap()
}

#[test]
fn a_subscriber_can_take_a_saved_search_as_a_digest_topic() {
    let fixture = Fixture::with_config(SAVED);
    let add = run(
        &fixture,
        &[
            "subscribers",
            "add",
            "desk@example.org",
            "--topics",
            "lavrov",
        ],
        None,
    );
    assert!(add.status.success(), "{add:?}");
    let bad = run(
        &fixture,
        &["subscribers", "add", "x@example.org", "--topics", "nope"],
        None,
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("lavrov"), "the saved search offered: {err}");

    // The demo's items were first seen just now: preview a little later.
    let later = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let out = run(
        &fixture,
        &[
            "digest",
            "preview",
            "--subscriber",
            "desk@example.org",
            "--text",
        ],
        Some(&later),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("== लावरोव · Lavrov =="),
        "a section for the saved search: {text}"
    );
    assert!(text.contains("Lavrov"), "its English reports: {text}");
    assert!(
        !text.contains("== Russia"),
        "only what the subscriber picked: {text}"
    );
}

#[test]
fn a_bad_saved_search_is_refused_at_load_naming_its_slug() {
    let cases = [
        (
            "slug = \"shoigu\"\nquery = \"topic:nope Shoigu\"",
            "\"shoigu\"",
            "unknown topic",
        ),
        (
            "slug = \"Bad Slug\"\nquery = \"Shoigu\"",
            "\"Bad Slug\"",
            "slug",
        ),
        (
            "slug = \"russia-north-korea\"\nquery = \"Shoigu\"",
            "russia-north-korea",
            "topic",
        ),
        (
            "slug = \"quotes\"\nquery = \"\\\"\\\"\"",
            "\"quotes\"",
            "query",
        ),
    ];
    for (def, slug, problem) in cases {
        let fixture = Fixture::with_config(&format!("[[searches]]\n{def}\n"));
        let out = run(&fixture, &["search", "Lavrov"], None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{def}: accepted");
        assert!(err.contains("searches[0]"), "{def}: {err}");
        assert!(err.contains(slug), "{def}: names the slug: {err}");
        assert!(err.contains(problem), "{def}: says what is wrong: {err}");
    }
    let twice = Fixture::with_config(&format!("{SAVED}{SAVED}"));
    let out = run(&twice, &["search", "Lavrov"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("searches[1]") && err.contains("another saved search"),
        "{err}"
    );
}
