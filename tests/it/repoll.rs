// What a second poll does to what the first stored: conditional GET when
// the server offers validators, updates in place, never a loss or a
// duplicate (DESIGN.md, "Data it must never lose or corrupt").

use crate::support::docs::{good_atom, good_rss, item, rss};
use crate::support::{FeedServer, Khabar, Reply};

#[test]
fn etag_is_sent_back_and_a_304_is_not_modified() {
    let etag = "\"v1-khabar\"".to_string();
    let server = FeedServer::with([(
        "/e.atom",
        Reply::ok("application/atom+xml", good_atom("etag", 5)).validated(Some(&etag), None),
    )]);
    let url = server.url("/e.atom");
    let khabar = Khabar::new(std::slice::from_ref(&url));
    let first = khabar.poll_all();
    let second = khabar.poll_all();
    assert_eq!((first.ok, first.new_items), (1, 5), "{first:?}");
    assert_eq!(
        (second.not_modified, second.ok, second.new_items),
        (1, 0, 0),
        "{second:?}"
    );
    let requests = server.requests("/e.atom");
    assert_eq!(requests.len(), 2);
    assert!(requests[0].headers.get("if-none-match").is_none());
    assert_eq!(
        requests[1]
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok()),
        Some(etag.as_str()),
        "the second poll presents the ETag"
    );
    assert_eq!(khabar.items_of(&url).len(), 5);
    let feed = khabar.feed(&url);
    assert_eq!((feed.error_count, feed.last_error), (0, None));
}

#[test]
fn last_modified_alone_is_sent_back_as_if_modified_since() {
    let lm = "Sun, 13 Jul 2025 03:00:00 GMT";
    let server = FeedServer::with([(
        "/lm.xml",
        Reply::rss(good_rss("lm", 4)).validated(None, Some(lm)),
    )]);
    let khabar = Khabar::new(&[server.url("/lm.xml")]);
    khabar.poll_all();
    let second = khabar.poll_all();
    assert_eq!(second.not_modified, 1, "{second:?}");
    let requests = server.requests("/lm.xml");
    assert_eq!(
        requests[1]
            .headers
            .get("if-modified-since")
            .and_then(|v| v.to_str().ok()),
        Some(lm)
    );
    assert!(requests[1].headers.get("if-none-match").is_none());
}

#[test]
fn changed_item_is_updated_in_place_keeping_its_first_seen_time() {
    let server = FeedServer::with([("/c.xml", Reply::rss(good_rss("c", 3)))]);
    let url = server.url("/c.xml");
    let khabar = Khabar::new(std::slice::from_ref(&url));
    khabar.poll_all();
    let before = khabar.items_of(&url);

    let mut items = crate::support::docs::items("c", 3);
    items[1] = item("c-1", "c शीर्षक 1 (संशोधित)");
    items.push(item("c-3", "नई ख़बर"));
    server.serve("/c.xml", Reply::rss(rss("c", &items)));
    let again = khabar.poll_all();
    assert_eq!((again.new_items, again.updated_items), (1, 1), "{again:?}");

    let after = khabar.items_of(&url);
    assert_eq!(after.len(), 4);
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(
            (old.id, &old.key, old.first_seen),
            (new.id, &new.key, new.first_seen),
            "same row, same first-seen"
        );
    }
    assert_eq!(after[1].title, "c शीर्षक 1 (संशोधित)");
}

#[test]
fn repoll_of_unchanged_feeds_neither_loses_nor_duplicates() {
    let server = FeedServer::with([
        ("/a.xml", Reply::rss(good_rss("a", 12))),
        (
            "/b.atom",
            Reply::ok("application/atom+xml", good_atom("b", 7)),
        ),
    ]);
    let khabar = Khabar::new(&[server.url("/a.xml"), server.url("/b.atom")]);
    khabar.poll_all();
    let before = khabar.all_items();
    let again = khabar.poll_all();
    assert_eq!((again.ok, again.new_items, again.updated_items), (2, 0, 0));
    assert_eq!(khabar.all_items(), before);
}

// A config-listed feed that moved (301) must stay one subscription: the
// next `poll` must not subscribe the old URL again beside the new one.
#[test]
fn moved_config_feed_is_not_subscribed_twice() {
    let server = FeedServer::with([
        ("/old.xml", Reply::redirect(301, "/new.xml")),
        ("/new.xml", Reply::rss(good_rss("moved", 3))),
    ]);
    let khabar = Khabar::new(&[server.url("/old.xml")]);
    khabar.poll_all();
    let second = khabar.poll_all();
    let urls: Vec<String> = khabar.feeds().into_iter().map(|f| f.url).collect();
    assert_eq!(urls, [server.url("/new.xml")], "one subscription");
    assert_eq!(khabar.count_items(), 3, "no duplicated items");
    assert_eq!(second.new_items, 0, "{second:?}");
}

// `khabar poll` (without `--all`) polls only the feeds that are due: a
// second run right after the first finds nothing to do.
#[test]
fn polling_twice_in_quick_succession_does_not_repoll_feeds_not_yet_due() {
    let server = FeedServer::with([("/due.xml", Reply::rss(good_rss("due", 3)))]);
    let khabar = Khabar::new(&[server.url("/due.xml")]);
    let first = khabar.ok(&["poll"]);
    assert!(first.starts_with("1 feeds: 1 ok"), "{first}");
    let second = khabar.ok(&["poll"]);
    assert!(second.starts_with("0 feeds"), "{second}");
}
