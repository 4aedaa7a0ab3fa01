//! `khabar run`'s server under load (issue #11): a flood of `/metrics` and
//! `/healthz` does not stall the writer, archive pages do not evict the
//! merged feed, and `/metrics` answers only the allowed networks.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{docs, wait_until, Daemon, FeedServer, Khabar, Reply};

/// A daemon config listening on port 0 with a fast tick, and `extra`.
fn daemon(extra: &str) -> Khabar {
    Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n{extra}\n\n[schedule]\ntick = \"200ms\"\n"
    ))
}

/// `GET path` from the local address `source` (a second loopback
/// address stands for another machine): the status code.
fn get_from(source: &str, addr: &str, path: &str) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{source}:0").parse().unwrap())
            .expect("bind a second loopback address");
        let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: khabar\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
    })
}

#[test]
fn metrics_answer_only_the_allowed_networks() {
    let k = daemon("metrics_allow = [\"127.0.0.1/32\"]");
    let d = Daemon::start(&k);
    assert_eq!(get_from("127.0.0.1", &d.addr, "/metrics"), 200);
    assert_eq!(get_from("127.0.0.2", &d.addr, "/metrics"), 403);
    // Only /metrics is restricted.
    assert_eq!(get_from("127.0.0.2", &d.addr, "/feed.atom"), 200);
    assert_eq!(get_from("127.0.0.2", &d.addr, "/healthz"), 200);

    // The default is loopback only: 127.0.0.2 is loopback too.
    let k = daemon("");
    let d = Daemon::start(&k);
    assert_eq!(get_from("127.0.0.2", &d.addr, "/metrics"), 200);

    // Behind a proxy, the address the proxy appended decides.
    let k = daemon("behind_proxy = true\nmetrics_allow = [\"10.9.8.7/32\"]");
    let d = Daemon::start(&k);
    assert_eq!(
        d.get("/metrics").0,
        403,
        "the proxy itself is not the client"
    );
    let status = d
        .get_with("/metrics", "X-Forwarded-For: 1.2.3.4, 10.9.8.7")
        .0;
    assert_eq!(status, 200);
}

#[test]
fn a_bad_allow_list_names_the_key() {
    let k = daemon("metrics_allow = [\"10.0.0.0/99\"]");
    let run = k.run(&["run"]);
    assert!(!run.status.success());
    assert!(
        run.stderr.contains("server.metrics_allow"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("10.0.0.0/99"), "{}", run.stderr);
}

#[test]
fn a_flood_of_metrics_and_health_checks_does_not_stall_the_writer() {
    const FEEDS: usize = 60;
    let server = FeedServer::start();
    let urls: Vec<String> = (0..FEEDS)
        .map(|n| {
            let path = format!("/f{n}.xml");
            server.serve(&path, Reply::rss(docs::good_rss(&format!("f{n}"), 20)));
            server.url(&path)
        })
        .collect();
    let listed: String = urls
        .iter()
        .map(|url| format!("\n[[feeds]]\nurl = {url:?}\n"))
        .collect();
    let k = Khabar::with_config(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[schedule]\ntick = \"200ms\"\n\
         [fetch]\nconcurrency = 4\nper_host = 4\n{listed}"
    ));
    let d = Arc::new(Daemon::start(&k));
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let flood: Vec<_> = (0..8)
        .map(|i| {
            let (d, stop, answered) = (d.clone(), stop.clone(), answered.clone());
            std::thread::spawn(move || {
                let path = if i % 2 == 0 { "/metrics" } else { "/healthz" };
                while !stop.load(Ordering::Relaxed) {
                    let (status, body) = d.get(path);
                    assert!(
                        status == 200 || path == "/healthz",
                        "{path}: {status} {body}"
                    );
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // The pass completes while the flood goes on (no time is asserted:
    // a stalled writer would hang here until the test's HANG bound).
    wait_until("every feed polled during the flood", || {
        k.feeds().iter().all(|f| f.last_polled.is_some())
    });
    stop.store(true, Ordering::Relaxed);
    for thread in flood {
        thread.join().expect("a flood thread failed");
    }
    assert!(answered.load(Ordering::Relaxed) > 0);
    assert_eq!(k.count_items(), (FEEDS * 20) as i64);
    assert!(k.feeds().iter().all(|f| f.error_count == 0));
}

/// The `khabar_publish_builds_total` value of a scrape.
fn builds(d: &Daemon) -> u64 {
    let (_, text) = d.get("/metrics");
    text.lines()
        .find_map(|l| l.strip_prefix("khabar_publish_builds_total ")?.parse().ok())
        .unwrap_or_else(|| panic!("no builds counter in\n{text}"))
}

#[test]
fn unique_archive_pages_do_not_evict_the_merged_feed() {
    let k = daemon("");
    let d = Daemon::start(&k);
    // Wait for a quiet database (the start-up writes rebuild rightly).
    let mut before = u64::MAX;
    wait_until("a quiet database", || {
        assert_eq!(d.get("/feed.atom").0, 200);
        let now = builds(&d);
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let quiet = now == before;
        before = now;
        quiet
    });
    // More unique cursors than the whole cache holds.
    let pages = 600;
    for n in 0..pages {
        let (status, _) = d.get(&format!("/feed.atom?before={}-{n}", 1_700_000_000 + n));
        assert_eq!(status, 200);
    }
    assert_eq!(builds(&d), before + pages, "each archive page was built");
    assert_eq!(d.get("/feed.atom").0, 200);
    assert_eq!(
        builds(&d),
        before + pages,
        "the merged feed came from memory"
    );
}
