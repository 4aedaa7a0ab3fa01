//! `khabar demo`: the offline tour. Serves the bundled sample outlets
//! (`demo/outlets/`, embedded in the binary) on a free loopback port, polls
//! them into `./khabar-demo/khabar.db` and prints what happened.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::cli::{open_store, poll_once};
use crate::config::Config;

/// The outlets' manifest: file, title, Content-Type as served.
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
];

#[derive(Debug, Deserialize)]
struct Manifest {
    outlet: Vec<Outlet>,
}

/// One bundled outlet.
#[derive(Debug, Clone, Deserialize)]
struct Outlet {
    file: String,
    title: String,
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
    let feeds: String = outlets
        .iter()
        .map(|o| format!("[[feeds]]\nurl = \"http://{addr}/{}\"\n", o.file))
        .collect();
    let config = Config::from_toml(
        &format!("[database]\npath = {:?}\n{feeds}", db.display().to_string()),
        None,
    )?;
    open_store(&config)?;
    println!(
        "khabar demo: {} sample outlets served at http://{addr}/",
        outlets.len()
    );
    let summary = poll_once(&config, true).await?;
    println!("first pass: {summary}");
    print_feeds(&config)?;
    println!("database: {}", db.display());
    if once {
        return Ok(());
    }
    println!("serving the outlets until Ctrl-C");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}

fn print_feeds(config: &Config) -> Result<()> {
    let store = open_store(config)?;
    for feed in store.list_feeds()? {
        let state = feed.last_error.as_deref().unwrap_or("ok");
        println!(
            "  {:<40} {}",
            feed.title.as_deref().unwrap_or(&feed.url),
            state
        );
    }
    println!("  {} items stored", store.count_items()?);
    Ok(())
}

/// Starts the outlets' server on 127.0.0.1 and a free port.
async fn serve_outlets(outlets: Vec<Outlet>) -> Result<SocketAddr> {
    let app = Router::new()
        .route("/:file", get(outlet_file))
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
    let Some(outlet) = outlets.iter().find(|o| o.file == file) else {
        return (StatusCode::NOT_FOUND, "no such outlet").into_response();
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
    let _ = &outlet.title;
    (
        [
            (header::CONTENT_TYPE, outlet.content_type.clone()),
            (header::ETAG, etag),
        ],
        *body,
    )
        .into_response()
}
