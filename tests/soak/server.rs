//! The soak test's outlets: feeds that gain an item every few seconds, and
//! feeds that misbehave. The server remembers every item key it served in
//! a 200, so the test can compare what was served with what was stored.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// Items a growing feed lists: its newest ones.
const LISTED: u64 = 10;

/// A misbehaving outlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehaviour {
    /// Accepts the request and never answers.
    Hang,
    /// Always 500.
    ServerError,
    /// 200 with a body that is not a feed.
    BadXml,
}

impl Misbehaviour {
    /// Every kind, for the feed list.
    pub const ALL: [Misbehaviour; 3] = [
        Misbehaviour::Hang,
        Misbehaviour::ServerError,
        Misbehaviour::BadXml,
    ];

    /// The path it is served on.
    pub fn path(self) -> &'static str {
        match self {
            Misbehaviour::Hang => "/bad/hang.xml",
            Misbehaviour::ServerError => "/bad/error.xml",
            Misbehaviour::BadXml => "/bad/xml.xml",
        }
    }
}

struct Outlets {
    started: Instant,
    growing: u64,
    /// Feed number → keys served in a 200.
    served: Mutex<BTreeMap<u64, BTreeSet<String>>>,
    /// Set before the end: growing feeds answer 304 from then on.
    frozen: AtomicBool,
    flap_requests: AtomicU64,
}

/// The running server; it lives as long as the test.
pub struct Soak {
    addr: SocketAddr,
    outlets: Arc<Outlets>,
    _runtime: tokio::runtime::Runtime,
}

impl Soak {
    /// Serves `growing` feeds that gain items (the last of them flaps
    /// between 500 and 200), and one feed per [`Misbehaviour`].
    pub fn start(growing: u64) -> Soak {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("soak server runtime");
        let outlets = Arc::new(Outlets {
            started: Instant::now(),
            growing,
            served: Mutex::new(BTreeMap::new()),
            frozen: AtomicBool::new(false),
            flap_requests: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/feed/{n}", get(growing_feed))
            .route("/bad/{kind}", get(bad_feed))
            .with_state(Arc::clone(&outlets));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind soak server");
        let addr = listener.local_addr().expect("soak server address");
        runtime.spawn(async move { axum::serve(listener, app).await });
        Soak {
            addr,
            outlets,
            _runtime: runtime,
        }
    }

    /// URL of growing feed `n`.
    pub fn feed_url(&self, n: u64) -> String {
        format!("http://{}/feed/{n}", self.addr)
    }

    /// URL of a misbehaving feed.
    pub fn bad_url(&self, kind: Misbehaviour) -> String {
        format!("http://{}{}", self.addr, kind.path())
    }

    /// Whether growing feed `n` is the flapping one.
    pub fn flaps(&self, n: u64) -> bool {
        n + 1 == self.outlets.growing
    }

    /// From now on growing feeds gain nothing and answer 304.
    pub fn freeze(&self) {
        self.outlets.frozen.store(true, Ordering::SeqCst);
    }

    /// Keys served in a 200 by growing feed `n`.
    pub fn served(&self, n: u64) -> BTreeSet<String> {
        lock(&self.outlets.served)
            .get(&n)
            .cloned()
            .unwrap_or_default()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Feed `n` gains an item every 2–5 s.
fn period(n: u64) -> Duration {
    Duration::from_secs(2 + n % 4)
}

async fn growing_feed(State(outlets): State<Arc<Outlets>>, Path(n): Path<u64>) -> Response {
    if n >= outlets.growing {
        return StatusCode::NOT_FOUND.into_response();
    }
    if outlets.frozen.load(Ordering::SeqCst) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    if n + 1 == outlets.growing && outlets.flap_requests.fetch_add(1, Ordering::SeqCst) % 2 == 0 {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let age = outlets.started.elapsed();
    let newest = (age.as_secs_f64() / period(n).as_secs_f64()) as u64;
    let first = newest.saturating_sub(LISTED - 1);
    let now = chrono::Utc::now();
    let mut items = String::new();
    let mut keys = Vec::new();
    for k in (first..=newest).rev() {
        let guid = format!("f{n}-{k}");
        let made = now - chrono::Duration::from_std(age - period(n) * k as u32).unwrap_or_default();
        items.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>ख़बर {n}: अंक {k}</title>\
             <link>https://soak.example.in/{guid}.html</link>\
             <description>रूस और उत्तर कोरिया: अपडेट {k}</description>\
             <pubDate>{}</pubDate></item>",
            made.to_rfc2822()
        ));
        keys.push(guid);
    }
    lock(&outlets.served).entry(n).or_default().extend(keys);
    (
        [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
             <title>आउटलेट {n}</title><link>https://soak.example.in/</link>{items}</channel></rss>"
        ),
    )
        .into_response()
}

async fn bad_feed(Path(kind): Path<String>) -> Response {
    match kind.as_str() {
        "hang.xml" => std::future::pending().await,
        "error.xml" => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "xml.xml" => (
            [(header::CONTENT_TYPE, "application/rss+xml")],
            "<?xml version=\"1.0\"?><error>&&& <unclosed",
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
