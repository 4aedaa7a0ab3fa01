//! Search over HTTP (issue #17): `/search?q=` and `/search.atom|rss|json?q=`
//! from `khabar run` over the demo database; feedparser reads the query
//! feeds as the database has them; bad queries are answered 400 with the
//! reason, never 500, on the page, every feed format and `/api/search`.

use chrono::Utc;
use khabar::search::{Context, Search};
use khabar::store::Store;
use serde_json::{json, Value};

use super::clients::entry;
use super::support::{feedcheck, spawn_khabar, PUBLIC_URL};

const TOPICS: &[&str] = &["russia-north-korea"];

/// `q` percent-encoded.
fn encode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_search_page_finds_both_scripts_and_marks_the_hits() {
    let k = spawn_khabar();
    let page = k.get(&format!("/search?q={}", encode("लावरोव"))).await;
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("form-action 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<mark>लावरोव</mark>"), "{html}");
    assert!(
        html.contains("<mark>Lavrov</mark>"),
        "the English reports: {html}"
    );
    assert!(
        html.contains("/search.atom?q=%E0%A4%B2"),
        "a feed of the query: {html}"
    );

    let latin = k.get("/search?q=Lavrov").await.text().await.unwrap();
    assert!(
        latin.contains("<mark>लावरोव</mark>"),
        "the Hindi reports: {latin}"
    );

    // Paging: page 2 of a common query starts where page 1 ended.
    let common = encode("रूस OR कोरिया OR Russia OR Korea");
    let first = k
        .get(&format!("/search?q={common}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(first.contains("rel=\"next\""), "a next link on page 1");
    let second = k
        .get(&format!("/search?q={common}&page=2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(second.contains("start=\"21\""), "page 2 numbers on from 21");
    assert!(second.contains("rel=\"prev\""), "a previous link on page 2");

    let form = k.get("/search").await;
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("type=\"search\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_queries_are_answered_400_with_the_reason_never_500() {
    let k = spawn_khabar();
    let long = encode(&"ख़बर ".repeat(800)); // over 10 KB
    let cases = [
        ("%22%E0%A4%95%E0%A4%BF%E0%A4%AE", false), // "किम (unclosed)
        ("NEAR(kim%20lavrov)%20%7Btitle%7D%3A%20kim", false),
        ("kim%00lavrov", false),
        ("%00%00%00", true),
        ("AND%20OR%20NOT", true),
        ("-kim", true),
        ("topic%3Anope%20kim", true),
        (long.as_str(), true),
        ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", false),
        ("%FF%FE", true),
    ];
    for (q, refused) in cases {
        for path in [
            format!("/search?q={q}"),
            format!("/search.atom?q={q}"),
            format!("/search.rss?q={q}"),
            format!("/search.json?q={q}"),
            format!("/api/search?q={q}"),
        ] {
            let response = k.get(&path).await;
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            let want = if refused { 400 } else { 200 };
            assert_eq!(status, want, "{path}: {body}");
            if path.starts_with("/api/") {
                let doc: Value = serde_json::from_str(&body).expect("JSON, refused or not");
                if refused {
                    assert!(
                        doc["error"].as_str().is_some_and(|e| !e.is_empty()),
                        "{path}: {body}"
                    );
                }
            } else if !path.starts_with("/search.json") {
                assert!(!body.contains("<script>"), "escaped: {body}");
            }
            if refused {
                assert!(
                    body.len() < 20_000 && !body.contains("internal"),
                    "{path}: {body}"
                );
            }
        }
    }
    let page = k
        .get("/search?q=AND%20OR%20NOT")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("type a word"),
        "the reason is on the page: {page}"
    );
    let health = k.get("/healthz").await;
    assert_eq!(health.status(), 200);
}

/// What the database says a query feed holds, in feedcheck.py's shape.
pub(super) fn expected(store: &Store, query: &str, path: &str, format: &str) -> Value {
    let search = Search::parse(
        query,
        Context {
            topics: TOPICS,
            now: Utc::now(),
        },
    )
    .unwrap();
    let rows = search
        .entries(store, khabar::publish::search::FEED_ENTRIES)
        .unwrap();
    assert!(!rows.is_empty(), "{query} matches");
    let entries: Vec<Value> = rows.iter().map(entry).collect();
    json!({"path": path, "format": format, "topic": null, "entries": entries})
}

#[tokio::test(flavor = "multi_thread")]
async fn feedparser_reads_query_feeds_as_the_database_has_them() {
    let k = spawn_khabar();
    let store = Store::open(&k.fixture.db).unwrap();
    let query = "लावरोव OR Pyongyang";
    let q = encode(query);
    let atom = format!("/search.atom?q={q}");
    let documents = vec![
        expected(&store, query, &atom, "atom"),
        expected(&store, query, &format!("/search.rss?q={q}"), "rss"),
        expected(&store, query, &format!("/search.json?q={q}"), "json"),
    ];
    let total = documents[0]["entries"].as_array().unwrap().len();
    let spec = json!({
        "base": k.base,
        "public_url": PUBLIC_URL,
        "documents": documents,
        "walk": {"path": atom, "total": total},
    });
    let report = feedcheck(&k.fixture.dir.path().join("expected-search.json"), &spec).await;
    assert!(report.contains("304 with ETag"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_story_has_a_page_linked_from_the_front_page_and_the_feeds() {
    let k = spawn_khabar();
    let front = k.get("/").await.text().await.unwrap();
    let prefix = format!("{PUBLIC_URL}stories/");
    let at = front
        .find(&prefix)
        .expect("the front page links a story page");
    let id: String = front[at + prefix.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let page = k.get(&format!("/stories/{id}")).await;
    assert_eq!(page.status(), 200);
    assert!(page.headers().contains_key("etag"));
    let html = page.text().await.unwrap();
    let reports = html.matches("class=\"title\"").count();
    assert!(reports >= 2, "every outlet's report: {reports}");
    assert!(html.contains("Why it is here"), "why each joined");
    assert!(html.contains("Related stories"), "related stories");
    assert!(html.contains("lang=\"hi\""));

    let atom = k.get("/feed.atom").await.text().await.unwrap();
    // Each `<link … href="…/stories/N">` is a rel="related" link.
    let links: Vec<&str> = atom.split("<link").skip(1).collect();
    let story_links: Vec<&&str> = links
        .iter()
        .filter(|l| l.contains(&format!("href=\"{prefix}")))
        .collect();
    assert!(
        !story_links.is_empty(),
        "Atom entries link their story's page"
    );
    assert!(story_links.iter().all(|l| l.contains("rel=\"related\"")));
    for bad in [
        "/stories/999999",
        "/stories/abc",
        "/stories/-1",
        "/stories/%00",
    ] {
        assert_eq!(k.get(bad).await.status(), 404, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_read_api_answers_json_with_stable_fields() {
    let k = spawn_khabar();
    let get = |path: String| {
        let k = &k;
        async move {
            let r = k.get(&path).await;
            let status = r.status().as_u16();
            let body: Value = serde_json::from_str(&r.text().await.unwrap()).expect("JSON");
            (status, body)
        }
    };
    let (status, stories) = get("/api/stories?topic=russia-north-korea&limit=5".into()).await;
    assert_eq!(status, 200);
    let stories = stories.as_array().unwrap();
    assert_eq!(stories.len(), 5);
    for field in [
        "id",
        "representative_id",
        "title",
        "url",
        "outlets",
        "member_count",
        "first_seen",
        "last_seen",
    ] {
        assert!(stories[0].get(field).is_some(), "{field}: {}", stories[0]);
    }
    let id = stories[0]["id"].as_i64().unwrap();
    let (status, story) = get(format!("/api/stories/{id}")).await;
    assert_eq!(status, 200);
    let member = &story["members"][0];
    for field in [
        "item_id",
        "outlet",
        "title",
        "url",
        "first_seen",
        "published",
        "reason",
        "summary",
    ] {
        assert!(member.get(field).is_some(), "{field}: {member}");
    }
    let (status, _) = get("/api/stories?since=2000-01-01".into()).await;
    assert_eq!(status, 200);
    // `since` is by khabar's first-seen time (the demo was polled just now).
    let (status, none) = get("/api/stories?since=2099-01-01".into()).await;
    assert_eq!((status, none.as_array().map(Vec::len)), (200, Some(0)));

    let (status, results) = get(format!("/api/search?q={}&limit=3", encode("लावरोव"))).await;
    assert_eq!(status, 200);
    for field in ["query", "total", "more", "page", "per_page", "hits"] {
        assert!(results.get(field).is_some(), "{field}");
    }
    let hit = &results["hits"][0];
    for field in [
        "story_id",
        "item_id",
        "title",
        "url",
        "outlet",
        "published",
        "snippet",
        "reports",
        "matched",
        "outlets",
        "score",
        "also",
    ] {
        assert!(hit.get(field).is_some(), "{field}: {hit}");
    }

    for (path, status) in [
        ("/api/stories/999999".to_string(), 404),
        ("/api/stories/x".to_string(), 404),
        ("/api/stories?limit=0".to_string(), 400),
        ("/api/stories?topic=nope".to_string(), 400),
        ("/api/stories?since=soon".to_string(), 400),
        ("/api/search?q=%00".to_string(), 400),
        ("/api/search?q=-kim".to_string(), 400),
        ("/api/search?q=kim&limit=1000".to_string(), 400),
    ] {
        let (got, body) = get(path.clone()).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{path}: {body}"
        );
    }
}
