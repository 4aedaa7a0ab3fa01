//! `khabar stories list|show|eval`: the stored stories (issue #7), as a
//! listing or JSON, and the grouping scored on a labelled JSON Lines file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{SecondsFormat, Utc};
use clap::Subcommand;

use crate::config::Config;
use crate::store::{Store, StoryRow};
use crate::{normalize, startup};

#[derive(Debug, Subcommand)]
pub(super) enum StoriesCommand {
    /// Group the items of a JSON Lines file (`id`, `outlet`, `title`,
    /// `summary`, `content`, `published`, `event`) and print pairwise
    /// precision, recall and F1 against the `event` labels.
    Eval {
        /// The JSON Lines file.
        file: PathBuf,
        /// Print one `{"id", "story", "reason"}` line per item instead, in input order.
        #[arg(long)]
        json: bool,
    },
    /// List stored stories, newest first: id, representative title,
    /// outlets, member count, first seen.
    List {
        /// Only stories with an item tagged with this topic.
        #[arg(long)]
        topic: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print a JSON array instead of a listing.
        #[arg(long)]
        json: bool,
    },
    /// Show one story's items: outlet, title, link, first seen, and why each joined.
    Show {
        /// The story id, as `stories list` prints it.
        id: i64,
        /// Print JSON instead of a listing.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one `stories` subcommand.
pub(super) fn run(config: &Config, command: StoriesCommand) -> Result<ExitCode> {
    match command {
        StoriesCommand::Eval { file, json } => eval(config, &file, json),
        StoriesCommand::List { topic, limit, json } => {
            list(&startup::open_store(config)?, topic.as_deref(), limit, json)
        }
        StoriesCommand::Show { id, json } => show(&startup::open_store(config)?, id, json),
    }
}

/// Prints the newest stories (of `topic`), at most `limit`.
fn list(store: &Store, topic: Option<&str>, limit: usize, json: bool) -> Result<ExitCode> {
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
fn show(store: &Store, id: i64, json: bool) -> Result<ExitCode> {
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

/// One line of `khabar stories eval`'s input.
#[derive(Debug, serde::Deserialize)]
struct StoryLine {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(default)]
    outlet: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    event: Option<String>,
}

/// Groups the items of `file` as the daemon would and prints the scores
/// (or, with `json`, each item's story).
fn eval(config: &Config, file: &Path, json: bool) -> Result<ExitCode> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut items = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let item: StoryLine = serde_json::from_str(line)
            .with_context(|| format!("{}: line {}: not a JSON item", file.display(), n + 1))?;
        let at = match &item.published {
            Some(p) => chrono::DateTime::parse_from_rfc3339(p)
                .with_context(|| {
                    format!(
                        "{}: line {}: published {p:?} is not RFC 3339",
                        file.display(),
                        n + 1
                    )
                })?
                .with_timezone(&Utc),
            None => crate::clock::now(),
        };
        let key = match &item.id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        items.push((key, at, item));
    }
    let contents: Vec<String> = items
        .iter()
        .map(|(_, _, item)| normalize::html_to_text(&item.content))
        .collect();
    let inputs: Vec<crate::stories::StoryInput<'_>> = items
        .iter()
        .zip(&contents)
        .map(|((key, at, item), content)| crate::stories::StoryInput {
            key,
            outlet: &item.outlet,
            title: &item.title,
            summary: &item.summary,
            content,
            at: *at,
        })
        .collect();
    // Items are grouped in the order khabar groups stored items.
    let mut grouper =
        crate::stories::StoryGrouper::new(config.tagger.clone(), crate::stories::DEFAULT_WINDOW);
    let assignments = crate::stories::group_in_order(&mut grouper, &inputs);
    let story: Vec<u64> = assignments.iter().map(|a| a.story).collect();
    if json {
        for ((_, _, item), a) in items.iter().zip(&assignments) {
            println!(
                "{}",
                serde_json::json!({"id": item.id, "story": a.story.to_string(), "reason": a.reason})
            );
        }
    } else {
        let gold: Vec<Option<String>> = items.iter().map(|(_, _, i)| i.event.clone()).collect();
        let score = crate::stories::evaluate(&gold, &story);
        println!(
            "{} items, {} stories: pairwise precision {:.3}, recall {:.3}, F1 {:.3} ({} right pairs, {} wrong, {} missed)",
            items.len(),
            story.iter().collect::<std::collections::HashSet<_>>().len(),
            score.precision,
            score.recall,
            score.f1,
            score.true_pairs,
            score.false_pairs,
            score.missed_pairs
        );
    }
    Ok(ExitCode::SUCCESS)
}
