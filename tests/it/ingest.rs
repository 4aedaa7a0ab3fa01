// See: issue #2 — "each gets a clear error recorded on the feed, the daemon
// and the other feeds carry on, nothing already stored is lost, memory stays
// bounded".
//
// Every misbehaving feed of `support/hostile.rs` is polled once beside a good
// feed (one test each), and all of them together in one config and one
// `poll --all`.

use std::collections::BTreeMap;

use crate::support::hostile::{self, Case, Counted, GOOD_ATOM_ITEMS, GOOD_RSS_ITEMS, MAX_ITEMS};
use crate::support::khabar::Summary;
use crate::support::{FeedServer, Khabar, Reply};

/// Peak resident memory allowed to one `khabar poll` (the bound).
const PEAK_RSS_LIMIT: u64 = 150 << 20;

/// A pass over a few local feeds that takes longer than this is stuck, not slow.
const LIVENESS_SECS: f64 = 20.0;

/// A server with the cases' routes, a khabar subscribed to them, one pass done.
struct Polled {
    server: FeedServer,
    khabar: Khabar,
    summary: Summary,
}

fn poll_cases(cases: &[Case]) -> Polled {
    let server = FeedServer::start();
    for case in cases {
        for (path, reply) in &case.routes {
            server.serve(path, reply.clone());
        }
    }
    let urls: Vec<String> = cases.iter().map(|c| c.subscribe.url(&server)).collect();
    let khabar = Khabar::new(&urls);
    let summary = khabar.poll_all();
    for case in cases {
        let url = case.stored.url(&server);
        (case.check)(&khabar.feed(&url), &khabar.items_of(&url));
    }
    Polled {
        server,
        khabar,
        summary,
    }
}

/// Polls `case` beside a good feed: the case's check holds, and the good
/// feed is stored in full.
fn beside_a_good_feed(case: Case) -> Polled {
    let counted = case.counted;
    let polled = poll_cases(&[hostile::good_rss_feed(), case]);
    let s = polled.summary;
    assert_eq!(s.feeds, 2, "{s:?}");
    assert_eq!(s.ok, 1 + u32::from(counted == Counted::Ok), "{s:?}");
    assert_eq!(s.failed, u32::from(counted == Counted::Failed), "{s:?}");
    assert_eq!(s.gone, u32::from(counted == Counted::Gone), "{s:?}");
    polled
}

/// khabar's peak memory stayed under [`PEAK_RSS_LIMIT`].
fn assert_bounded(polled: &Polled) {
    let peak = polled.khabar.peak_rss();
    assert!(
        peak < PEAK_RSS_LIMIT,
        "peak RSS {} MiB is within {} MiB",
        peak >> 20,
        PEAK_RSS_LIMIT >> 20
    );
}

/// item key → first-seen time, per feed URL.
fn snapshot(khabar: &Khabar) -> BTreeMap<String, BTreeMap<String, i64>> {
    khabar
        .feeds()
        .into_iter()
        .map(|f| {
            let items = khabar
                .items_of(&f.url)
                .into_iter()
                .map(|i| (i.key, i.first_seen))
                .collect();
            (f.url, items)
        })
        .collect()
}

#[test]
fn every_hostile_feed_at_once_costs_only_its_own_poll() {
    let cases = hostile::all();
    let count = |c: Counted| cases.iter().filter(|k| k.counted == c).count() as u32;
    let Polled {
        server: _server,
        khabar,
        summary,
    } = poll_cases(&cases);

    assert_eq!(summary.feeds as usize, cases.len(), "{summary:?}");
    assert_eq!(summary.ok, count(Counted::Ok), "{summary:?}");
    assert_eq!(summary.failed, count(Counted::Failed), "{summary:?}");
    assert_eq!(summary.gone, count(Counted::Gone), "{summary:?}");
    assert_eq!(
        summary.new_items as i64,
        khabar.count_items(),
        "{summary:?}"
    );
    assert!(
        summary.new_items as usize >= GOOD_RSS_ITEMS + GOOD_ATOM_ITEMS + MAX_ITEMS,
        "{summary:?}"
    );
    let peak = khabar.peak_rss();
    assert!(
        peak < PEAK_RSS_LIMIT,
        "khabar's peak RSS {} MiB is within {} MiB",
        peak >> 20,
        PEAK_RSS_LIMIT >> 20
    );

    // A second pass loses nothing and duplicates nothing that was stored.
    // (Feeds moved by a 301 are the exception: see
    // repoll::moved_config_feed_is_not_subscribed_twice.)
    let before = snapshot(&khabar);
    let again = khabar.poll_all();
    let after = snapshot(&khabar);
    for (url, items) in &before {
        assert_eq!(
            after.get(url),
            Some(items),
            "{url}: items and first-seen kept"
        );
    }
    assert!(
        again.not_modified >= 1,
        "the atom feed revalidates: {again:?}"
    );
}

#[test]
fn truncated_xml_keeps_the_items_before_the_break() {
    beside_a_good_feed(hostile::truncated_xml());
}

#[test]
fn html_page_instead_of_a_feed_is_recorded_as_not_a_feed() {
    beside_a_good_feed(hostile::html_page());
}

#[test]
fn windows_1252_body_labelled_utf8_is_read_as_windows_1252() {
    beside_a_good_feed(hostile::windows_1252_labelled_utf8());
}

#[test]
fn utf8_body_labelled_iso_8859_1_is_read_as_utf8() {
    beside_a_good_feed(hostile::utf8_labelled_iso_8859_1());
}

#[test]
fn fifty_megabyte_body_stops_at_the_body_cap() {
    assert_bounded(&beside_a_good_feed(hostile::fifty_megabytes()));
}

#[test]
fn gzip_bomb_stops_at_the_body_cap() {
    assert_bounded(&beside_a_good_feed(hostile::gzip_bomb()));
}

#[test]
fn server_sending_a_byte_every_two_seconds_times_out() {
    beside_a_good_feed(hostile::one_byte_every_two_seconds());
}

#[test]
fn redirect_loop_is_recorded_on_the_feed() {
    beside_a_good_feed(hostile::redirect_loop());
}

#[test]
fn six_redirects_are_one_too_many() {
    let polled = beside_a_good_feed(hostile::six_redirects());
    assert!(
        polled.server.requests("/hop-6").is_empty(),
        "the sixth redirect is not followed"
    );
}

#[test]
fn five_redirects_are_followed() {
    let server = FeedServer::with([
        ("/r1", Reply::redirect(302, "/r2")),
        ("/r2", Reply::redirect(307, "/r3")),
        ("/r3", Reply::redirect(302, "/r4")),
        ("/r4", Reply::redirect(303, "/r5")),
        ("/r5", Reply::redirect(302, "/end.xml")),
        (
            "/end.xml",
            Reply::rss(crate::support::docs::good_rss("end", 4)),
        ),
    ]);
    let khabar = Khabar::new(&[server.url("/r1")]);
    let summary = khabar.poll_all();
    assert_eq!((summary.ok, summary.new_items), (1, 4), "{summary:?}");
    assert_eq!(
        khabar.items_of(&server.url("/r1")).len(),
        4,
        "temporary redirects keep the subscribed URL"
    );
}

#[test]
fn moved_feed_updates_its_stored_url() {
    let polled = beside_a_good_feed(hostile::moved_permanently_twice());
    let urls: Vec<String> = polled.khabar.feeds().into_iter().map(|f| f.url).collect();
    assert!(
        !urls.contains(&polled.server.url("/old.xml")),
        "the old URL is replaced: {urls:?}"
    );
}

#[test]
fn not_found_and_server_error_are_recorded_on_the_feed() {
    beside_a_good_feed(hostile::not_found());
    beside_a_good_feed(hostile::server_error());
}

#[test]
fn failing_feed_backs_off_further_after_each_error_and_recovers() {
    let server = FeedServer::with([("/flaky.xml", Reply::status(500))]);
    let url = server.url("/flaky.xml");
    let khabar = Khabar::new(std::slice::from_ref(&url));
    khabar.poll_all();
    let first = khabar.feed(&url);
    khabar.poll_all();
    let second = khabar.feed(&url);
    assert_eq!((first.error_count, second.error_count), (1, 2));
    let wait = |f: &crate::support::khabar::Feed| f.next_due - f.last_polled.expect("polled");
    assert!(
        wait(&second) > wait(&first),
        "the second wait ({}s) is longer than the first ({}s)",
        wait(&second),
        wait(&first)
    );

    server.serve(
        "/flaky.xml",
        Reply::rss(crate::support::docs::good_rss("flaky", 2)),
    );
    khabar.poll_all();
    let healed = khabar.feed(&url);
    assert_eq!((healed.error_count, healed.last_error), (0, None));
    assert_eq!(khabar.items_of(&url).len(), 2);
}

#[test]
fn gone_feed_is_retired_and_never_polled_again() {
    let polled = beside_a_good_feed(hostile::gone());
    let again = polled.khabar.poll_all();
    assert_eq!(again.feeds, 1, "only the good feed is polled: {again:?}");
    assert_eq!(polled.server.requests("/retired.xml").len(), 1);
}

#[test]
fn too_many_requests_and_unavailable_wait_for_retry_after() {
    beside_a_good_feed(hostile::too_many_requests());
    beside_a_good_feed(hostile::unavailable());
}

#[test]
fn items_without_guid_or_link_are_stored_once_across_polls() {
    let polled = beside_a_good_feed(hostile::no_guid_no_link());
    let before = snapshot(&polled.khabar);
    let again = polled.khabar.poll_all();
    assert_eq!((again.new_items, again.updated_items), (0, 0), "{again:?}");
    assert_eq!(snapshot(&polled.khabar), before);
}

#[test]
fn ten_thousand_items_in_one_feed_are_capped_at_max_items() {
    let polled = beside_a_good_feed(hostile::ten_thousand_items());
    assert_bounded(&polled);
    assert_eq!(
        polled.summary.new_items as usize,
        MAX_ITEMS + GOOD_RSS_ITEMS
    );
}

#[test]
fn billion_laughs_finishes_with_its_entities_unexpanded() {
    let polled = beside_a_good_feed(hostile::billion_laughs());
    assert_bounded(&polled);
    // Not a benchmark: an expansion to 10⁹ "lol"s would take minutes or
    // run out of memory; a few seconds means none happened.
    assert!(
        polled.summary.seconds < LIVENESS_SECS,
        "{:?}",
        polled.summary
    );
}

#[test]
fn megabyte_title_is_cut_to_the_title_limit() {
    assert_bounded(&beside_a_good_feed(hostile::megabyte_title()));
}

#[test]
fn control_characters_are_dropped_from_stored_text() {
    beside_a_good_feed(hostile::control_characters());
}

#[test]
fn invalid_utf8_bytes_are_decoded_as_text() {
    beside_a_good_feed(hostile::invalid_utf8_bytes());
}

#[test]
fn json_feed_with_wrong_types_keeps_its_good_items() {
    beside_a_good_feed(hostile::json_feed_with_wrong_types());
}

#[test]
fn body_that_breaks_off_is_recorded_and_stores_nothing() {
    beside_a_good_feed(hostile::body_breaks_off());
}

#[test]
fn port_that_does_not_speak_http_is_recorded_on_the_feed() {
    beside_a_good_feed(hostile::not_http());
}

#[test]
fn feed_that_breaks_later_keeps_everything_it_stored() {
    let server = FeedServer::with([(
        "/later.xml",
        Reply::rss(crate::support::docs::good_rss("later", 6)),
    )]);
    let url = server.url("/later.xml");
    let khabar = Khabar::new(std::slice::from_ref(&url));
    khabar.poll_all();
    let stored = snapshot(&khabar);

    let breakages = [
        ("500", Reply::status(500)),
        (
            "html",
            Reply::ok("text/html", "<!doctype html><html><body>oops</body></html>"),
        ),
        ("empty", Reply::rss("")),
        ("truncated", Reply::rss("<rss><channel><item><title>x")),
    ];
    for (name, reply) in breakages {
        server.serve("/later.xml", reply);
        khabar.poll_all();
        let now: BTreeMap<_, _> = snapshot(&khabar)
            .into_iter()
            .map(|(u, items)| {
                (
                    u,
                    items
                        .into_iter()
                        .filter(|(k, _)| !k.starts_with("hash:"))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            now, stored,
            "{name}: stored items and first-seen times kept"
        );
        assert!(
            khabar.feed(&url).last_error.is_some() || name == "truncated",
            "{name}: error recorded"
        );
    }
}

// A UTF-8 feed with one bad byte (a cut multi-byte character, a stray
// Latin-1 byte from a CMS) must still read as UTF-8, not as mojibake.
#[test]
fn stray_invalid_byte_in_a_utf8_devanagari_feed_keeps_the_devanagari() {
    let mut body =
        crate::support::docs::rss("समाचार", &crate::support::docs::items("stray", 3)).into_bytes();
    let at = body
        .windows(5)
        .position(|w| w == b"stray")
        .expect("an item");
    body.insert(at, 0xFF);
    let polled =
        beside_a_good_feed(Case::at("stray byte", "/stray.xml", Reply::rss(body)).stores(|_| {}));
    let url = polled.server.url("/stray.xml");
    let items = polled.khabar.items_of(&url);
    assert_eq!(
        hostile::titles(&items),
        ["stray शीर्षक 0", "stray शीर्षक 1", "stray शीर्षक 2"]
    );
}
