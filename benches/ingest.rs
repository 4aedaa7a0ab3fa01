//! Ingest throughput (issue #2): 2,000 feeds × 50 items (RSS 2.0, Atom and
//! JSON Feed in turn, Hindi text) served from a local HTTP server, polled
//! end to end (fetch, parse, normalise, tag, store) into a fresh database;
//! then a second pass where every feed answers 304. Run:
//! `cargo bench --bench ingest`. Targets: cold ≥ 10,000 items/s, the 304
//! pass under 1 s, peak memory under 150 MB.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use khabar::config::Config;
use khabar::scheduler::{poll_pass, Poller};
use khabar::store::{FeedOrigin, Store};

const FEEDS: usize = 2_000;
const ITEMS: usize = 50;

const TITLES: [&str; 4] = [
    "रूस के रक्षा मंत्री से मिले उत्तर कोरिया के नेता किम जोंग उन",
    "मानसून सत्र में सरकार पेश करेगी नए विधेयक, विपक्ष ने जताई आपत्ति",
    "क्रिकेट: भारत ने इंग्लैंड को पांच विकेट से हराया, गिल का शतक",
    "Samsung Days Sale: Galaxy फोन और टीवी पर भारी छूट",
];
const SUMMARY: &str = "प्योंगयांग में हुई मुलाकात में दोनों देशों ने सैन्य और आर्थिक सहयोग बढ़ाने पर सहमति जताई। \
    अधिकारियों के अनुसार बातचीत में व्यापार, परिवहन और ऊर्जा से जुड़े कई समझौतों पर चर्चा हुई और आगे की बैठकों की रूपरेखा तय की गई।";

fn body(feed: usize) -> (String, &'static str) {
    let item = |i: usize| {
        (
            format!("f{feed}-i{i}"),
            TITLES[(feed + i) % TITLES.len()],
            1 + i % 28,
        )
    };
    match feed % 3 {
        0 => {
            let items: String = (0..ITEMS)
                .map(|i| {
                    let (id, title, day) = item(i);
                    format!(
                        "<item><guid>{id}</guid><title>{title} ({i})</title><link>https://o{feed}.example/{id}</link>\
                         <description>{SUMMARY}</description><pubDate>{day:02} Jul 2025 08:00:00 +0530</pubDate></item>"
                    )
                })
                .collect();
            (format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>आउटलेट {feed}</title>{items}</channel></rss>"), "application/rss+xml")
        }
        1 => {
            let entries: String = (0..ITEMS)
                .map(|i| {
                    let (id, title, day) = item(i);
                    format!(
                        "<entry><id>urn:{id}</id><title>{title} ({i})</title><link href=\"https://o{feed}.example/{id}\"/>\
                         <updated>2025-07-{day:02}T08:00:00Z</updated><content type=\"html\">&lt;p&gt;{SUMMARY}&lt;/p&gt;</content></entry>"
                    )
                })
                .collect();
            (format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>आउटलेट {feed}</title><id>urn:o{feed}</id><updated>2025-07-30T00:00:00Z</updated>{entries}</feed>"), "application/atom+xml")
        }
        _ => {
            let items: Vec<_> = (0..ITEMS)
                .map(|i| {
                    let (id, title, day) = item(i);
                    serde_json::json!({"id": id, "title": format!("{title} ({i})"), "url": format!("https://o{feed}.example/{id}"),
                        "content_html": format!("<p>{SUMMARY}</p>"), "date_published": format!("2025-07-{day:02}T08:00:00Z")})
                })
                .collect();
            let doc = serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": format!("आउटलेट {feed}"), "items": items});
            (doc.to_string(), "application/feed+json")
        }
    }
}

async fn serve(
    State(bodies): State<Arc<Vec<(bytes::Bytes, &'static str)>>>,
    Path(n): Path<usize>,
    headers: HeaderMap,
) -> Response {
    let Some((body, content_type)) = bodies.get(n) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{n}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [(header::CONTENT_TYPE, *content_type), (header::ETAG, &etag)],
        body.clone(),
    )
        .into_response()
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Set in the child process that serves the feeds, so that the parent's
/// peak memory is khabar's alone.
const SERVER_ENV: &str = "KHABAR_BENCH_FEED_SERVER";

/// The child: serves every feed on a free port, prints it, runs until killed.
fn run_feed_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let bodies: Arc<Vec<_>> = Arc::new(
        (0..FEEDS)
            .map(|n| {
                let (body, content_type) = body(n);
                (bytes::Bytes::from(body), content_type)
            })
            .collect(),
    );
    let served_mb = bodies.iter().map(|(b, _)| b.len()).sum::<usize>() as f64 / 1e6;
    let app = Router::new()
        .route("/feed/{n}", get(serve))
        .with_state(bodies);
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    println!("{} {served_mb:.1}", listener.local_addr().expect("addr"));
    runtime
        .block_on(async move { axum::serve(listener, app).await })
        .expect("serve");
}

/// Starts the child feed server; returns it, its address and the MB served.
fn start_feed_server() -> (std::process::Child, String, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env(SERVER_ENV, "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("feed server starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("address");
    let (addr, mb) = line.trim().split_once(' ').expect("address and size");
    (child, addr.to_string(), mb.to_string())
}

fn main() {
    if std::env::var_os(SERVER_ENV).is_some() {
        return run_feed_server();
    }
    let (mut server, addr, served_mb) = start_feed_server();
    // The runtime `khabar poll` and `khabar run` use.
    let runtime = khabar::startup::runtime().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("bench.db");
    // Every feed shares one host here, so the per-host limit is raised as
    // the issue allows; concurrency stays at its default of 32.
    let config = Config::from_toml(
        &format!(
            "[database]\npath = {:?}\n[fetch]\nper_host = 64\nallow_private = [\"127.0.0.1/32\"]\n",
            db.display().to_string()
        ),
        None,
    )
    .expect("config");
    let store = Store::open(&db).expect("store");
    for n in 0..FEEDS {
        store
            .add_feed(
                &khabar::model::FeedUrl::parse(&format!("http://{addr}/feed/{n}")).unwrap(),
                FeedOrigin::Cli,
            )
            .expect("add feed");
    }
    let poller = Arc::new(
        Poller::new(
            &config.fetch,
            config.schedule,
            db.clone(),
            config.tagger.clone(),
        )
        .expect("poller"),
    );
    let pass = || {
        let feeds = store.due_feeds(chrono::Utc::now(), true).expect("feeds");
        runtime
            .block_on(poll_pass(poller.clone(), feeds, None))
            .expect("pass")
    };
    let started = Instant::now();
    let cold = pass();
    let cold_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let warm = pass();
    let warm_secs = started.elapsed().as_secs_f64();
    assert_eq!(
        cold.new_items as usize,
        FEEDS * ITEMS,
        "every item stored: {cold}"
    );
    assert_eq!(
        warm.not_modified as usize, FEEDS,
        "every feed answered 304: {warm}"
    );
    println!("served: {FEEDS} feeds × {ITEMS} items, {served_mb} MB, from a separate process");
    println!(
        "cold poll: {cold_secs:.2} s, {:.0} items/s ({cold})",
        (FEEDS * ITEMS) as f64 / cold_secs
    );
    println!("304 poll:  {warm_secs:.2} s ({warm})");
    println!(
        "peak RSS of khabar's side (poller, parser, tagger, SQLite): {:.0} MB",
        peak_rss_mb()
    );
    let _ = server.kill();
}
