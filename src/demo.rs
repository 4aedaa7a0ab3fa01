//! `khabar demo`: the offline tour. Serves the bundled sample outlets
//! (`demo/outlets/`, embedded in the binary) on a free loopback port, polls
//! them into `./khabar-demo/khabar.db` (tags and stories on the way), mails
//! a digest for a demo subscriber to `./khabar-demo/outbox/` (`.eml`, and
//! `.html` to open in a browser), prints what to open, and then runs the
//! daemon on another free port: merged feed, topic feeds, the page and the
//! subscribe form, until Ctrl-C.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
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
        timezone: config.digest.timezone.name(),
        schedule: &config.digest.schedule,
    };
    let id = match store.add_subscriber(&new, chrono::Utc::now())? {
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
    let subsec = chrono::Utc::now().timestamp_subsec_micros();
    tokio::time::sleep(std::time::Duration::from_micros(
        1_000_000 - u64::from(subsec),
    ))
    .await;
    let summary = send_due(&mut store, &sender, chrono::Utc::now(), options).await?;
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

/// Starts the outlets' server on 127.0.0.1 and a free port.
async fn serve_outlets(outlets: Vec<Outlet>) -> Result<SocketAddr> {
    let app = Router::new()
        .route("/{file}", get(outlet_file))
        .with_state(outlets);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the demo outlets' server")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

async fn outlet_file(
    State(outlets): State<Vec<Outlet>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
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
    (
        [(header::CONTENT_TYPE, content_type), (header::ETAG, etag)],
        *body,
    )
        .into_response()
}
