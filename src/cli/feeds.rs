//! `khabar feeds add|list|remove|import|export`: the subscriptions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::Subcommand;

use crate::config::Config;
use crate::model::FeedUrl;
use crate::store::{AddFeed, FeedOrigin, Store, SubscriptionRow, SubscriptionState};
use crate::{opml, startup};

#[derive(Debug, Subcommand)]
pub(super) enum FeedsCommand {
    /// Subscribe to a feed URL.
    Add {
        /// The feed's http(s) URL.
        url: String,
    },
    /// List feeds with their status and last error.
    List {
        /// One JSON object per feed, with its validators, times and item
        /// count, for scripts and monitoring.
        #[arg(long)]
        json: bool,
    },
    /// List the items khabar keeps from one feed, oldest first, with their
    /// topics.
    Items {
        /// The feed's URL as listed.
        url: String,
        /// Each item in full (key, link, summary, sanitised content, media,
        /// first seen, topics) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unsubscribe, deleting the feed's items.
    Remove {
        /// The feed's URL as listed.
        url: String,
    },
    /// Subscribe to every feed in an OPML file.
    Import {
        /// The OPML file.
        file: PathBuf,
    },
    /// Print the feed list as OPML 2.0.
    Export,
}

/// Runs one `feeds` subcommand.
pub(super) fn run(config: &Config, command: FeedsCommand) -> Result<ExitCode> {
    let store = startup::open_store(config)?;
    match command {
        FeedsCommand::Add { url } => {
            let url = FeedUrl::parse(&url)?;
            match store.add_feed(&url, FeedOrigin::Cli)? {
                AddFeed::Added(id) => println!("added feed {id}: {url}"),
                AddFeed::Exists(id) => println!("already subscribed as feed {id}: {url}"),
            }
        }
        FeedsCommand::List { json: false } => print_feeds(&store, config.websub.enabled)?,
        FeedsCommand::List { json: true } => print_feeds_json(&store)?,
        FeedsCommand::Items { url, json } => print_items(&store, &url, json)?,
        FeedsCommand::Remove { url } => {
            // A text that is no feed URL names no subscribed feed either.
            let removed = match FeedUrl::parse(&url) {
                Ok(url) => store.remove_feed(&url)?,
                Err(_) => false,
            };
            if !removed {
                bail!("no feed with URL {url}; see `khabar feeds list`");
            }
            println!("removed {url}");
        }
        FeedsCommand::Import { file } => import_opml(&store, &file)?,
        FeedsCommand::Export => {
            let outlines: Vec<_> = store
                .list_feeds()?
                .into_iter()
                .map(|f| opml::Outline {
                    xml_url: f.url.to_string(),
                    title: f.title,
                    html_url: f.site_url,
                })
                .collect();
            print!("{}", opml::write("khabar feeds", &outlines));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_feeds(store: &Store, websub: bool) -> Result<()> {
    let pushes: std::collections::HashMap<i64, SubscriptionRow> = store
        .list_subscriptions()?
        .into_iter()
        .filter_map(|s| Some((s.feed_id?, s)))
        .collect();
    println!(
        "{:>5}  {:<7}  {:>6}  {:<20}  {:<40}  TITLE / LAST ERROR",
        "ID", "STATUS", "ERRORS", "NEXT DUE", "URL"
    );
    for f in store.list_feeds()? {
        let status = super::ops::feed_status(&f);
        let due = f.state.next_due.format("%Y-%m-%d %H:%M:%S").to_string();
        let note = f.last_error.as_deref().or(f.title.as_deref()).unwrap_or("");
        println!(
            "{:>5}  {:<7}  {:>6}  {:<20}  {:<40}  {note}",
            f.id, status, f.state.error_count, due, f.url
        );
        if let Some(sub) = pushes.get(&f.id) {
            println!("{:>7}push: {}", "", push_state(sub, websub, Utc::now()));
        }
    }
    Ok(())
}

/// `feeds list --json`: what the table shows, and the rest of the row.
fn print_feeds_json(store: &Store) -> Result<()> {
    let counts = store.item_counts()?;
    let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let feeds: Vec<_> = store
        .list_feeds()?
        .into_iter()
        .map(|f| {
            serde_json::json!({
                "id": f.id,
                "url": f.url.as_str(),
                "status": super::ops::feed_status(&f),
                "title": f.title,
                "site_url": f.site_url,
                "etag": f.etag,
                "last_modified": f.last_modified,
                "next_due": time(f.state.next_due),
                "error_count": f.state.error_count,
                "last_error": f.last_error,
                "last_polled": f.last_polled.map(time),
                "interval_secs": f.interval.map(|i| i.as_secs()),
                "full_text": f.full_text,
                "push_active": f.push_active,
                "items": counts.get(&f.id).copied().unwrap_or(0),
            })
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&feeds)?);
    Ok(())
}

/// `feeds items URL`: the feed's stored items, oldest first.
fn print_items(store: &Store, url: &str, json: bool) -> Result<()> {
    let feed = FeedUrl::parse(url)
        .ok()
        .and_then(|url| {
            let feeds = store.list_feeds().ok()?;
            feeds.into_iter().find(|f| f.url == url)
        })
        .with_context(|| format!("no feed with URL {url}; see `khabar feeds list`"))?;
    let mut items = Vec::new();
    for item in store.feed_items(feed.id)? {
        let topics: Vec<String> = store
            .item_topics(item.id)?
            .into_iter()
            .map(|t| t.topic)
            .collect();
        items.push((item, topics));
    }
    if json {
        let items: Vec<_> = items
            .iter()
            .map(|(i, topics)| {
                serde_json::json!({
                    "id": i.id,
                    "key": i.key,
                    "url": i.url,
                    "title": i.title,
                    "summary": i.summary,
                    "content_html": i.content.as_ref().map(|c| c.as_str()),
                    "image": i.media.image,
                    "attachments": i.media.attachments,
                    "published": i.published.to_rfc3339(),
                    "first_seen": i.first_seen.to_rfc3339(),
                    "topics": topics,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    println!("{:>7}  {:<20}  {:<24}  TITLE", "ID", "FIRST SEEN", "TOPICS");
    for (i, topics) in &items {
        let seen = i.first_seen.format("%Y-%m-%d %H:%M:%S");
        println!(
            "{:>7}  {seen:<20}  {:<24}  {}",
            i.id,
            topics.join(","),
            i.title
        );
    }
    Ok(())
}

/// A feed's WebSub state in words (issue #16): active until when, or why not.
fn push_state(sub: &SubscriptionRow, websub: bool, now: chrono::DateTime<Utc>) -> String {
    let at = |t: chrono::DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let why = sub.last_error.as_deref().unwrap_or("no answer");
    let state = match sub.state {
        _ if !websub => "off (websub.enabled is false, or server.public_url is unset)".to_owned(),
        SubscriptionState::Active => match sub.lease_expires {
            Some(until) if until > now => format!("active until {}", at(until)),
            _ => format!("lapsed, resubscribing at {}", at(sub.next_action)),
        },
        SubscriptionState::New => "subscribing".to_owned(),
        SubscriptionState::Requested => {
            format!(
                "awaiting the hub's verification (until {})",
                at(sub.next_action)
            )
        }
        SubscriptionState::Denied | SubscriptionState::Failed => {
            format!("not active: {why}; retrying at {}", at(sub.next_action))
        }
        SubscriptionState::Unsubscribing => "unsubscribing".to_owned(),
    };
    format!("{state} (hub {}, {} pushes)", sub.hub, sub.pushes)
}

fn import_opml(store: &Store, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let outlines = opml::read(&text).with_context(|| format!("reading {}", file.display()))?;
    let (mut added, mut existing, mut invalid) = (0, 0, 0);
    for o in outlines {
        match FeedUrl::parse(&o.xml_url) {
            Ok(url) => match store.add_feed(&url, FeedOrigin::Opml)? {
                AddFeed::Added(_) => added += 1,
                AddFeed::Exists(_) => existing += 1,
            },
            Err(e) => {
                eprintln!("skipped: {e}");
                invalid += 1;
            }
        }
    }
    println!(
        "imported {}: {added} added, {existing} already subscribed, {invalid} skipped",
        file.display()
    );
    Ok(())
}
