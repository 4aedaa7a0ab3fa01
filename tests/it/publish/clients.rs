//! Real clients read what khabar publishes: Python's feedparser (as feed
//! readers do) and headless Chromium (as a person on a phone does).

use std::process::Command;

use khabar::store::{EntryQuery, EntryRow, Store};
use serde_json::{json, Value};

use super::support::{feedcheck, spawn_khabar, Khabar, PUBLIC_URL};
use crate::support::chromium::screenshot;

const TOPIC: &str = "russia-north-korea";

/// What the database says a document holds, in feedcheck.py's shape.
fn expected(k: &Khabar, path: &str, format: &str, topic: Option<&str>) -> Value {
    let store = Store::open(&k.fixture.db).unwrap();
    let rows = store
        .publish_entries(&EntryQuery {
            topic,
            before: None,
            limit: 50,
        })
        .unwrap();
    let entries: Vec<Value> = rows.iter().map(entry).collect();
    json!({"path": path, "format": format, "topic": topic, "entries": entries})
}

/// An entry as feedcheck.py expects it in its spec (also for search feeds).
pub(super) fn entry(e: &EntryRow) -> Value {
    // The outlet's last change, or a later report joining the story.
    let own = e
        .item
        .updated
        .unwrap_or(e.item.published)
        .max(e.item.published);
    let updated = e.story_last_seen.map_or(own, |joined| own.max(joined));
    json!({
        "title": e.item.title,
        "link": e.item.url,
        "published": e.item.published.timestamp(),
        "updated": updated.timestamp(),
        "source_title": e.outlet.title,
        "source_url": e.outlet.feed_url,
    })
}

fn python_with_feedparser() -> bool {
    Command::new("python3")
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn feedparser_reads_every_format_as_the_database_has_it() {
    assert!(
        python_with_feedparser(),
        "python3 with feedparser is required: pip install -r tests/requirements.txt"
    );
    let k = spawn_khabar();
    let store = Store::open(&k.fixture.db).unwrap();
    assert_eq!(store.count_items().unwrap(), 74, "the demo database");
    // One entry per story (issue #7): the walk meets every story once.
    let total = store.count_stories().unwrap();
    let topic_stories = store.list_stories(Some(TOPIC), usize::MAX).unwrap().len();
    let topic_path = format!("/topics/{TOPIC}.atom");
    let spec = json!({
        "base": k.base,
        "public_url": PUBLIC_URL,
        "documents": [
            expected(&k, "/feed.atom", "atom", None),
            expected(&k, &topic_path, "atom", Some(TOPIC)),
            expected(&k, "/feed.rss", "rss", None),
            expected(&k, &format!("/topics/{TOPIC}.rss"), "rss", Some(TOPIC)),
            expected(&k, "/feed.json", "json", None),
            expected(&k, &format!("/topics/{TOPIC}.json"), "json", Some(TOPIC)),
        ],
        "walk": {"path": "/feed.atom?limit=20", "total": total},
    });
    assert_eq!(
        spec["documents"][1]["entries"].as_array().unwrap().len(),
        topic_stories
    );
    let report = feedcheck(&k.fixture.dir.path().join("expected.json"), &spec).await;
    assert!(report.contains("ok walk"), "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_front_page_renders_devanagari_in_headless_chromium() {
    let k = spawn_khabar();
    let page = k.get("/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("ताज़ा ख़बरें"), "{html}");
    assert!(html.contains(TOPIC), "topic feed links are listed");

    let url = k.url("/");
    tokio::task::spawn_blocking(move || screenshot(&url, "front-page-412x900.png", 412, 900))
        .await
        .unwrap();
}
