//! `khabar demo`: the offline tour. Serves the bundled sample outlets
//! (`demo/outlets/`, embedded in the binary) on a free loopback port, polls
//! them into `./khabar-demo/khabar.db` (tags and stories on the way), mails
//! a digest for a demo subscriber to `./khabar-demo/outbox/` (`.eml`, and
//! `.html` to open in a browser), prints what to open, and then runs the
//! daemon on another free port: merged feed, topic feeds, the page and the
//! subscribe form, until Ctrl-C.
//!
//! One outlet announces a WebSub hub (issue #16), served in-process next
//! to the outlets: once the daemon subscribes, the hub verifies intent and
//! pushes a signed document with one more entry, and the tour prints that
//! entry when it is in the daemon's merged feed.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::config::Config;
use crate::digest::{ledger, send_due, PassOptions};
use crate::model::{DigestStatus, SubscriberEmail};
use crate::scheduler::{poll_due, terminal_progress};
use crate::startup::{self, open_store, Delivery};
use crate::store::{AddSubscriber, NewSubscriber};

/// The subscriber whose digest the tour writes to the outbox.
const DEMO_SUBSCRIBER: &str = "reader@khabar-demo.invalid";

/// The outlets' manifest: file, title (for people reading it), Content-Type as served.
const MANIFEST: &str = include_str!("../demo/outlets.toml");

/// Every bundled feed file, by name.
const FILES: &[(&str, &[u8])] = &[
    (
        "bharat-varta.atom",
        include_bytes!("../demo/outlets/bharat-varta.atom"),
    ),
    (
        "dainik-samvad.xml",
        include_bytes!("../demo/outlets/dainik-samvad.xml"),
    ),
    (
        "eastwire.xml",
        include_bytes!("../demo/outlets/eastwire.xml"),
    ),
    (
        "hindi-lahar.json",
        include_bytes!("../demo/outlets/hindi-lahar.json"),
    ),
    (
        "lok-darpan.xml",
        include_bytes!("../demo/outlets/lok-darpan.xml"),
    ),
    ("newsbol.xml", include_bytes!("../demo/outlets/newsbol.xml")),
    (
        "zameeni-khabar.xml",
        include_bytes!("../demo/outlets/zameeni-khabar.xml"),
    ),
    (
        "wonsan-coast.svg",
        include_bytes!("../demo/outlets/wonsan-coast.svg"),
    ),
];

/// The outlet that announces the hub (`Link: <…/hub>; rel="hub"`).
const PUSHING_OUTLET: &str = "bharat-varta.atom";

/// The title of the entry the hub pushes.
const PUSHED_TITLE: &str = "रूस और उत्तर कोरिया के बीच नई रेल सेवा पर बातचीत (WebSub से तुरंत पहुंची ख़बर)";

/// Files the outlets link to that are not feeds (an item's picture), with
/// their Content-Type: the demo's pages and digest show them from loopback.
const MEDIA: &[(&str, &str)] = &[("wonsan-coast.svg", "image/svg+xml")];

#[derive(Debug, Deserialize)]
struct Manifest {
    outlet: Vec<Outlet>,
}

/// One bundled outlet.
#[derive(Debug, Clone, Deserialize)]
struct Outlet {
    file: String,
    content_type: String,
}

fn outlets() -> Result<Vec<Outlet>> {
    let manifest: Manifest =
        toml::from_str(MANIFEST).context("reading the bundled demo manifest")?;
    Ok(manifest.outlet)
}

/// Runs the tour in `dir`; with `once`, exits after the first pass.
pub async fn run(dir: &Path, once: bool) -> Result<()> {
    let outlets = outlets()?;
    let addr = serve_outlets(outlets.clone()).await?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let db = dir.join("khabar.db");
    // Each tour starts afresh: the outlets' port changes from run to run.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let outbox = dir.join("outbox");
    let _ = std::fs::remove_dir_all(&outbox);
    // The daemon's port, bound now so the links in feeds and mails are right.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the demo's own server")?;
    let site = listener.local_addr()?;
    let mut config = Config::from_toml(&demo_config(&outlets, addr, site, &db, &outbox)?, None)?;
    // The outlets are served on loopback, which the fetch guard refuses
    // unless allowed: the tour allows their address alone (issue #11).
    config.fetch.allow_private.push(addr.ip().into());
    open_store(&config)?;
    println!(
        "khabar demo: {} sample outlets served at http://{addr}/",
        outlets.len()
    );
    let summary = poll_due(startup::poller(&config)?, true, terminal_progress()).await?;
    println!("first pass: {summary}");
    print_feeds(&config)?;
    print_topics(&config)?;
    let digest = write_demo_digest(&config, &outbox).await?;
    println!("database: {}", db.display());
    println!("digest for {DEMO_SUBSCRIBER}:");
    for file in &digest {
        println!("  {}", file.display());
    }
    if once {
        return Ok(());
    }
    println!("open in a feed reader or a browser (Ctrl-C to stop):");
    println!("  http://{site}/feed.atom     the merged feed");
    for topic in config.tagger.topics() {
        println!("  http://{site}/topics/{}.atom", topic.slug);
    }
    println!("  http://{site}/              the page");
    println!("  http://{site}/subscribe     the subscribe form (mail goes to the outbox)");
    println!(
        "{PUSHING_OUTLET} announces a WebSub hub: the daemon subscribes, and waits for a push…"
    );
    tokio::spawn(print_pushed(site));
    crate::daemon::run_on(config, listener).await
}

/// The tour's configuration: the outlets, its own database and outbox, a
/// fresh signing key, and the subscribe form on.
fn demo_config(
    outlets: &[Outlet],
    outlets_at: SocketAddr,
    site: SocketAddr,
    db: &Path,
    outbox: &Path,
) -> Result<String> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).context("reading the system's random source")?;
    let feeds: String = outlets
        .iter()
        .map(|o| format!("[[feeds]]\nurl = \"http://{outlets_at}/{}\"\n", o.file))
        .collect();
    Ok(format!(
        "[database]\npath = {:?}\n\
         [server]\nlisten = \"{site}\"\npublic_url = \"http://{site}/\"\n\
         [digest]\noutbox = {:?}\nsecret = \"{}\"\nsubscribe_form = true\n\
         {feeds}",
        db.display().to_string(),
        outbox.display().to_string(),
        hex::encode(key),
    ))
}

/// Adds the demo subscriber and sends their digest (every topic, the last
/// day) to the outbox; returns the `.eml` and a `.html` copy of its HTML
/// part, for a browser.
async fn write_demo_digest(config: &Config, outbox: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut store = open_store(config)?;
    let email = SubscriberEmail::parse(DEMO_SUBSCRIBER)?;
    let new = NewSubscriber {
        email: &email,
        topics: None,
        delivery: &config.digest.delivery,
    };
    let id = match store.add_subscriber(&new, crate::clock::now())? {
        AddSubscriber::Added(id) | AddSubscriber::Exists(id) => id,
    };
    let delivery = Delivery::new(config, &mut store)?;
    let sender = delivery.sender(config);
    let options = PassOptions {
        all: true,
        dry_run: false,
    };
    // Periods end at whole seconds, exclusive: items first seen in this
    // very second belong to the next period. Start the period after them.
    let subsec = crate::clock::now().timestamp_subsec_micros();
    tokio::time::sleep(std::time::Duration::from_micros(
        1_000_000 - u64::from(subsec),
    ))
    .await;
    let summary = send_due(&mut store, &sender, crate::clock::now(), options).await?;
    println!("{summary}");
    let sub = store
        .subscriber(id)?
        .context("the demo subscriber was just added")?;
    let mut files = Vec::new();
    let mut sent = store
        .digests_of(id)?
        .into_iter()
        .filter(|d| d.status == DigestStatus::Sent);
    if let Some(sent) = sent.next_back() {
        let (_, rendered) = ledger::prepare(&store, &sender, &sub, sent.period)?;
        let stem = format!("digest-{id}-{}", sent.period.start().timestamp());
        let html = outbox.join(format!("{stem}.html"));
        std::fs::write(&html, rendered.html)
            .with_context(|| format!("writing {}", html.display()))?;
        files.push(outbox.join(format!("{stem}.eml")));
        files.push(html);
    }
    Ok(files)
}

fn print_topics(config: &Config) -> Result<()> {
    let store = open_store(config)?;
    for (topic, count) in store.topic_counts()? {
        println!("  topic {topic}: {count} items");
    }
    let stories = store.list_stories(None, usize::MAX)?;
    let mut shared: Vec<_> = stories.iter().filter(|s| s.outlets.len() > 1).collect();
    println!(
        "  {} stories; {} told by more than one outlet (`khabar stories list`):",
        stories.len(),
        shared.len()
    );
    // The biggest first; the same on every run (issue #13).
    shared.sort_by(|a, b| (b.outlets.len(), &a.title).cmp(&(a.outlets.len(), &b.title)));
    for story in shared {
        println!("    {} outlets: {}", story.outlets.len(), story.title);
    }
    Ok(())
}

fn print_feeds(config: &Config) -> Result<()> {
    let store = open_store(config)?;
    for feed in store.list_feeds()? {
        let state = feed.last_error.as_deref().unwrap_or("ok");
        println!(
            "  {:<40} {}",
            feed.title.as_deref().unwrap_or(feed.url.as_str()),
            state
        );
    }
    println!("  {} items stored", store.count_items()?);
    Ok(())
}

/// What the outlets' server knows: the outlets, and its own address.
struct Outlets {
    outlets: Vec<Outlet>,
    addr: SocketAddr,
}

/// Starts the outlets' server, with the hub, on 127.0.0.1 and a free port.
async fn serve_outlets(outlets: Vec<Outlet>) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the demo outlets' server")?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/hub", post(hub))
        .route("/{file}", get(outlet_file))
        .with_state(Arc::new(Outlets { outlets, addr }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

/// The `Link` header of the outlet that announces the hub.
fn hub_links(addr: SocketAddr) -> String {
    format!("<http://{addr}/hub>; rel=\"hub\", <http://{addr}/{PUSHING_OUTLET}>; rel=\"self\"")
}

/// The outlets' WebSub hub (W3C WebSub §5.1, §5.3, §7): accepts a
/// subscription to the pushing outlet with 202, then verifies intent and,
/// once the subscriber echoes the challenge, pushes the outlet's document
/// with one new entry, signed with the subscriber's secret.
async fn hub(State(server): State<Arc<Outlets>>, body: Bytes) -> Response {
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let topic = format!("http://{}/{PUSHING_OUTLET}", server.addr);
    if field("hub.topic") != topic {
        return (StatusCode::BAD_REQUEST, "unknown topic").into_response();
    }
    let Ok(callback) = url::Url::parse(field("hub.callback")) else {
        return (StatusCode::BAD_REQUEST, "bad hub.callback").into_response();
    };
    if field("hub.mode") != "subscribe" {
        // Unsubscribing needs no push: accepted and forgotten.
        return StatusCode::ACCEPTED.into_response();
    }
    let secret = field("hub.secret").to_owned();
    let links = hub_links(server.addr);
    tokio::spawn(async move {
        if let Err(e) = verify_and_push(callback, topic, secret, links).await {
            eprintln!("demo hub: {e:#}");
        }
    });
    StatusCode::ACCEPTED.into_response()
}

async fn verify_and_push(
    callback: url::Url,
    topic: String,
    secret: String,
    links: String,
) -> Result<()> {
    let client = reqwest::Client::new();
    let mut verify = callback.clone();
    verify
        .query_pairs_mut()
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.topic", &topic)
        .append_pair("hub.challenge", "khabar-demo-challenge")
        .append_pair("hub.lease_seconds", "86400");
    let echoed = client.get(verify).send().await?.text().await?;
    anyhow::ensure!(
        echoed == "khabar-demo-challenge",
        "the subscriber did not confirm"
    );
    let body = pushed_document()?;
    let signature = crate::websub::signature::sign_sha256(secret.as_bytes(), &body);
    let answer = client
        .post(callback)
        .header(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")
        .header(header::LINK, links)
        .header("X-Hub-Signature", signature)
        .body(body)
        .send()
        .await?;
    anyhow::ensure!(
        answer.status().is_success(),
        "the push was answered {}",
        answer.status()
    );
    Ok(())
}

/// The pushing outlet's document with one entry more, dated now.
fn pushed_document() -> Result<Vec<u8>> {
    let (_, feed) = FILES
        .iter()
        .find(|(name, _)| *name == PUSHING_OUTLET)
        .context("the pushing outlet is bundled")?;
    let feed = std::str::from_utf8(feed).context("the bundled Atom is UTF-8")?;
    let now = crate::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let entry = format!(
        "<entry>\n<title type=\"text\">{PUSHED_TITLE}</title>\n\
         <id>https://bharat-varta.example/?p=websub-demo</id>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"https://bharat-varta.example/antarrashtriya/websub-demo\"/>\n\
         <published>{now}</published>\n<updated>{now}</updated>\n\
         <summary type=\"text\">रूस और उत्तर कोरिया ने तुमन नदी के पुल से होकर नई रेल सेवा पर बातचीत की। \
         यह ख़बर पोल से नहीं, हब के धक्के (WebSub push) से पहुंची।</summary>\n</entry>\n"
    );
    let at = feed
        .find("<entry>")
        .context("the bundled Atom has entries")?;
    Ok(format!("{}{entry}{}", &feed[..at], &feed[at..]).into_bytes())
}

/// Prints the pushed entry once the daemon's merged feed carries it.
async fn print_pushed(site: SocketAddr) {
    let client = reqwest::Client::new();
    let url = format!("http://{site}/feed.atom");
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let Ok(answer) = client.get(&url).send().await else {
            continue;
        };
        if answer.text().await.is_ok_and(|t| t.contains(PUSHED_TITLE)) {
            println!(
                "pushed by the hub, in {url} {:.1} s after the daemon started: {PUSHED_TITLE}",
                started.elapsed().as_secs_f64()
            );
            return;
        }
    }
    println!("no push arrived within 2 minutes (see the log)");
}

async fn outlet_file(
    State(server): State<Arc<Outlets>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let outlets = &server.outlets;
    let content_type = match outlets.iter().find(|o| o.file == file) {
        Some(outlet) => outlet.content_type.clone(),
        None => match MEDIA.iter().find(|(name, _)| *name == file) {
            Some((_, content_type)) => (*content_type).to_string(),
            None => return (StatusCode::NOT_FOUND, "no such outlet").into_response(),
        },
    };
    let Some((_, body)) = FILES.iter().find(|(name, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "no such outlet").into_response();
    };
    let etag = format!("\"{:x}\"", body.len() ^ (file.len() << 20));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = (
        [(header::CONTENT_TYPE, content_type), (header::ETAG, etag)],
        *body,
    )
        .into_response();
    if file == PUSHING_OUTLET {
        if let Ok(links) = header::HeaderValue::from_str(&hub_links(server.addr)) {
            response.headers_mut().insert(header::LINK, links);
        }
    }
    response
}
