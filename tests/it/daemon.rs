//! `khabar run` as an operator meets it (issue #6): one instance per
//! database, a clean stop on SIGTERM even mid-fetch, `/healthz`, retention.

use std::time::Duration;

use crate::support::{docs, wait_until, Daemon, FeedServer, Khabar, Reply};

/// The 10 s shutdown requirement; checked with this bound, no tighter.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(10);

/// A daemon config: port 0, a fast tick, and `fetch_timeout` per request.
fn daemon_config(fetch_timeout: &str, feeds: &[String]) -> Khabar {
    let listed: String = feeds
        .iter()
        .map(|url| format!("\n[[feeds]]\nurl = {url:?}\n"))
        .collect();
    Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n\
         [fetch]\nconnect_timeout = \"2s\"\ntimeout = {fetch_timeout:?}\n\n\
         [schedule]\ntick = \"200ms\"\n{listed}"
    ))
}

#[test]
fn a_second_run_on_the_same_database_is_refused_naming_it_and_the_holder() {
    let k = daemon_config("5s", &[]);
    let mut first = Daemon::start(&k);
    let second = k.run(&["run"]);
    assert!(!second.status.success(), "second instance started");
    let db = k.database().display().to_string();
    assert!(second.stderr.contains(&db), "{}", second.stderr);
    assert!(
        second.stderr.contains(&format!("pid {}", first.pid())),
        "{}",
        second.stderr
    );
    assert!(
        second.stdout.is_empty(),
        "it never served: {}",
        second.stdout
    );
    let (status, _) = first.terminate(SHUTDOWN_LIMIT).expect("first stops");
    assert!(status.success(), "{status}");
    // The lock goes with the process: a new instance starts. SIGTERM right
    // after its `listening on` line must still be a clean stop (signals are
    // caught from the first line of `run`, not once the loops are up).
    let mut again = Daemon::start(&k);
    assert!(again.terminate(SHUTDOWN_LIMIT).expect("stops").0.success());
}

#[test]
fn sigterm_during_a_stuck_fetch_exits_0_in_time_with_the_database_intact() {
    let server = FeedServer::with([
        ("/good.xml", Reply::rss(docs::good_rss("good", 5))),
        // Sends headers and then one byte a minute: stuck mid-response.
        ("/stuck.xml", Reply::drip(Duration::from_secs(60))),
    ]);
    let good = server.url("/good.xml");
    let stuck = server.url("/stuck.xml");
    let k = daemon_config("10m", &[good.clone(), stuck.clone()]);
    let mut daemon = Daemon::start(&k);
    wait_until("the good feed's items", || k.count_items() == 5);
    wait_until("the stuck fetch", || {
        !server.requests("/stuck.xml").is_empty()
    });
    let (status, took) = daemon
        .terminate(SHUTDOWN_LIMIT)
        .unwrap_or_else(|| panic!("still running {SHUTDOWN_LIMIT:?} after SIGTERM"));
    assert!(status.success(), "{status}\n{}", daemon.stderr());
    eprintln!("stopped {took:?} after SIGTERM");
    assert_eq!(k.integrity(), "ok");
    assert_eq!(k.count_items(), 5, "committed items survive");
    let abandoned = k.feed(&stuck);
    assert_eq!(
        (abandoned.last_polled, abandoned.error_count),
        (None, 0),
        "an abandoned fetch is neither a poll nor an error; it stays due"
    );
}

#[test]
fn healthz_reports_the_scheduler_and_whether_the_database_takes_writes() {
    let k = daemon_config("5s", &[]);
    let daemon = Daemon::start(&k);
    let (status, body) = daemon.get("/healthz");
    assert_eq!(status, 200, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(health["status"], "ok", "{body}");
    assert_eq!(health["scheduler"]["alive"], true, "{body}");
    assert!(health["scheduler"]["last_tick"].is_string(), "{body}");
    assert_eq!(health["database"]["writable"], true, "{body}");

    // Another process holding the write lock: the probe cannot write.
    // (SQL: the lock is the point, and no command holds one open.)
    let holder = k.db();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    // One answer serves for a second: the next fresh one sees the lock.
    let (mut status, mut body) = (0, String::new());
    wait_until("/healthz to see the lock", || {
        (status, body) = daemon.get("/healthz");
        status != 200
    });
    assert_eq!(status, 503, "{body}");
    let health: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(health["status"], "unhealthy", "{body}");
    assert_eq!(health["database"]["writable"], false, "{body}");
    assert!(
        health["database"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("locked")),
        "{body}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    wait_until("/healthz to see the lock gone", || {
        daemon.get("/healthz").0 == 200
    });
}

#[test]
fn prune_deletes_old_items_and_a_feed_still_listing_them_does_not_revive_them() {
    let server = FeedServer::with([("/old.xml", Reply::rss(docs::good_rss("old", 4)))]);
    let url = server.url("/old.xml");
    let k = Khabar::new(std::slice::from_ref(&url));
    assert_eq!(k.poll_all().new_items, 4);
    // 200 days later the items are past the default 180 d.
    let later = chrono::Utc::now() + chrono::Duration::days(200);
    let dry = k.ok_at(later, &["prune", "--dry-run"]);
    assert!(dry.contains("would delete 4 items"), "{dry}");
    assert_eq!(k.count_items(), 4, "a dry run deletes nothing");
    let done = k.ok_at(later, &["prune"]);
    assert!(done.contains("pruned 4 items"), "{done}");
    assert_eq!(k.count_items(), 0);
    // The outlet still lists them: they are not new again.
    let again = k.poll_all();
    assert_eq!((again.ok, again.new_items), (1, 0), "{again:?}");
    assert_eq!(k.count_items(), 0);
    assert_eq!(k.integrity(), "ok");
}

#[test]
fn run_with_a_bad_tick_names_the_file_the_key_and_what_was_expected() {
    let k = Khabar::with_config("[schedule]\ntick = \"0s\"\n");
    let run = k.run(&["run"]);
    assert!(!run.status.success());
    assert!(run.stderr.contains("khabar.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("schedule.tick"), "{}", run.stderr);
    assert!(run.stderr.contains("expected between"), "{}", run.stderr);
}

#[test]
fn the_daemon_prunes_at_start_before_polling_and_pruned_items_stay_deleted() {
    let server = FeedServer::with([("/old.xml", Reply::rss(docs::good_rss("old", 3)))]);
    let url = server.url("/old.xml");
    let k = daemon_config("5s", std::slice::from_ref(&url));
    assert_eq!(k.poll_all().new_items, 3);
    let polled = k.feed(&url).last_polled;
    // The daemon starts 200 days later: the items are past the default
    // 180 d and the feed is long due.
    let later = chrono::Utc::now() + chrono::Duration::days(200);
    let mut run = k.command(&["run"]);
    run.env("KHABAR_NOW", later.to_rfc3339());
    let mut daemon = Daemon::spawn(run);
    wait_until("the daemon's first poll", || {
        k.feed(&url).last_polled > polled
    });
    assert_eq!(k.count_items(), 0, "pruned at start, not stored again");
    assert!(
        daemon.stderr().contains("retention: pruned"),
        "{}",
        daemon.stderr()
    );
    assert!(daemon.terminate(SHUTDOWN_LIMIT).expect("stops").0.success());
}
