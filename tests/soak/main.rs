//! Soak test (issue #6): the real `khabar run` against outlets that gain an
//! item every few seconds while others hang, fail or send garbage. Over the
//! run every served item is stored exactly once, misbehaving feeds back
//! off, memory stays flat, and SIGTERM ends it cleanly.
//!
//! 90 s by default; `KHABAR_SOAK_SECS=600 cargo test --test soak` runs longer.

// The integration suite's helpers; this binary uses only some of them.
mod server;
#[allow(dead_code, unused_imports)]
#[path = "../it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use server::{Misbehaviour, Soak};
use support::{Daemon, Khabar};

/// Feeds that gain items (the last of them flaps between 500 and 200).
const GROWING: u64 = 20;

/// The default length of the run.
const DEFAULT_SECS: u64 = 90;

/// Time before the first memory reading: caches, pools and the SQLite page
/// cache fill up in the first passes.
const WARM_UP: Duration = Duration::from_secs(20);

/// After the feeds stop growing: long enough for every poll in flight to
/// be written (fetch timeout 2 s, writes within milliseconds).
const SETTLE: Duration = Duration::from_secs(6);

/// Memory growth allowed over the run: allocator slack, not a leak.
const RSS_SLACK_KIB: u64 = 16 * 1024;

/// The resident set size of `pid` now, in KiB (VmRSS).
fn rss_kib(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

fn soak_secs() -> u64 {
    std::env::var("KHABAR_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECS)
        .max(WARM_UP.as_secs() + SETTLE.as_secs() + 10)
}

fn config(soak: &Soak) -> String {
    let mut feeds: Vec<String> = (0..GROWING).map(|n| soak.feed_url(n)).collect();
    feeds.extend(Misbehaviour::ALL.iter().map(|&b| soak.bad_url(b)));
    let listed: String = feeds
        .iter()
        .map(|url| format!("\n[[feeds]]\nurl = {url:?}\n"))
        .collect();
    format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n\
         [fetch]\nconcurrency = 8\nper_host = 8\nconnect_timeout = \"1s\"\ntimeout = \"2s\"\n\n\
         [schedule]\ninterval = \"3s\"\nmin_interval = \"1s\"\nmax_interval = \"20s\"\ntick = \"500ms\"\n\
         {listed}"
    )
}

#[test]
fn a_long_run_stores_every_item_once_backs_off_bad_feeds_and_stays_flat() {
    let soak = Soak::start(GROWING);
    let k = Khabar::with_config(&config(&soak));
    let started = Instant::now();
    let total = Duration::from_secs(soak_secs());
    let mut daemon = Daemon::start(&k);

    std::thread::sleep(WARM_UP);
    let rss_start = rss_kib(daemon.pid());
    std::thread::sleep(total.saturating_sub(started.elapsed() + SETTLE));
    soak.freeze();
    std::thread::sleep(SETTLE);
    let rss_end = rss_kib(daemon.pid());
    let (status, took) = daemon
        .terminate(Duration::from_secs(10))
        .expect("khabar run still running 10 s after SIGTERM");
    println!(
        "soak: {:.0} s, RSS {} MiB after warm-up → {} MiB at the end; stopped {took:.1?} after SIGTERM",
        started.elapsed().as_secs_f64(),
        rss_start / 1024,
        rss_end / 1024
    );
    assert!(status.success(), "{status}\n{}", daemon.stderr());
    assert_eq!(k.integrity(), "ok");

    let mut stored_total = 0;
    for n in 0..GROWING {
        let served = soak.served(n);
        let stored: Vec<String> = k
            .items_of(&soak.feed_url(n))
            .into_iter()
            .map(|i| i.key.trim_start_matches("guid:").to_string())
            .collect();
        let distinct: std::collections::BTreeSet<_> = stored.iter().cloned().collect();
        assert_eq!(distinct.len(), stored.len(), "feed {n}: a key stored twice");
        assert_eq!(distinct, served, "feed {n}: stored ≠ served");
        assert!(
            served.len() >= 5 || soak.flaps(n),
            "feed {n} served only {} items",
            served.len()
        );
        stored_total += stored.len();
    }
    println!("soak: {stored_total} items served and stored exactly once");

    for bad in Misbehaviour::ALL {
        let feed = k.feed(&soak.bad_url(bad));
        let wait = feed.next_due - feed.last_polled.expect("polled");
        assert!(
            feed.error_count >= 2 && feed.last_error.is_some(),
            "{bad:?}: {feed:?}"
        );
        assert!(
            wait > 3,
            "{bad:?} not backed off: next poll {wait} s after the last"
        );
    }
    assert!(
        rss_end <= rss_start + RSS_SLACK_KIB,
        "RSS grew from {rss_start} KiB to {rss_end} KiB"
    );
}
