//! `khabar stories list` and `khabar stories show`: the stored stories
//! (issue #7), as a listing or JSON.

use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::SecondsFormat;

use crate::store::{Store, StoryRow};

/// Prints the newest stories (of `topic`), at most `limit`.
pub(super) fn list(
    store: &Store,
    topic: Option<&str>,
    limit: usize,
    json: bool,
) -> Result<ExitCode> {
    let stories = store.list_stories(topic, limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stories)?);
        return Ok(ExitCode::SUCCESS);
    }
    for story in &stories {
        println!("{}", headline(story));
    }
    if stories.is_empty() {
        println!("no stories yet");
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints one story with its members; an unknown id is an error.
pub(super) fn show(store: &Store, id: i64, json: bool) -> Result<ExitCode> {
    let Some(detail) = store.story(id)? else {
        bail!("no story with id {id}; see `khabar stories list`");
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&detail)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", headline(&detail.story));
    for m in &detail.members {
        let marker = if m.item_id == detail.story.representative_id {
            "*"
        } else {
            " "
        };
        println!(
            "{marker} item {}  {}  {}\n    {}\n    {}",
            m.item_id,
            m.first_seen.to_rfc3339_opts(SecondsFormat::Secs, true),
            m.outlet,
            m.title,
            m.url.as_deref().unwrap_or("(no link)"),
        );
        if let Some(reason) = &m.reason {
            println!("    why: {reason}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// "#12  3 items  2026-11-20T10:00:00Z  title — Outlet A, Outlet B".
fn headline(s: &StoryRow) -> String {
    format!(
        "#{}  {} item{}  {}  {} — {}",
        s.id,
        s.member_count,
        if s.member_count == 1 { "" } else { "s" },
        s.first_seen.to_rfc3339_opts(SecondsFormat::Secs, true),
        s.title,
        s.outlets.join(", ")
    )
}
