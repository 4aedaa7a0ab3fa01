//! `khabar topics list|explain|retag`: the configured topics, why an item
//! got its tags, and retagging every stored item.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;

use super::tag::TagLine;
use crate::config::Config;
use crate::store::Store;
use crate::topics::TagInput;
use crate::{normalize, startup, topics};

#[derive(Debug, Subcommand)]
pub(super) enum TopicsCommand {
    /// List the configured topics with their item counts.
    List,
    /// Show every topic's rule tree with what matched, for a stored item id
    /// or each item of a JSON Lines file.
    Explain {
        /// A stored item's id, or a JSON Lines file.
        target: String,
    },
    /// Recompute the tags of every stored item.
    Retag,
}

/// Runs one `topics` subcommand.
pub(super) fn run(config: &Config, command: TopicsCommand) -> Result<ExitCode> {
    let mut store = startup::open_store(config)?;
    match command {
        TopicsCommand::List => {
            let counts = store.topic_counts()?;
            for t in config.tagger.topics() {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == t.slug.as_str())
                    .map_or(0, |(_, n)| *n);
                println!("{:<28} {:>7} items  {}", t.slug, n, t.name);
            }
            for (group, country, places) in config.tagger.gazetteer_groups() {
                println!("  term group {group}: {places} places of {country} from the gazetteer (GeoNames, CC BY 4.0)");
            }
        }
        TopicsCommand::Explain { target } => explain(&store, config, &target)?,
        TopicsCommand::Retag => println!(
            "retagged {} items",
            topics::retag_stored(&mut store, &config.tagger)?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Explains a stored item (`target` is its id) or each line of a JSON
/// Lines file.
fn explain(store: &Store, config: &Config, target: &str) -> Result<()> {
    let tagger = &config.tagger;
    if let (Ok(id), false) = (target.parse::<i64>(), Path::new(target).exists()) {
        let item = store
            .item(id)?
            .with_context(|| format!("no item with id {id}"))?;
        let content = item
            .content
            .as_ref()
            .map(|c| normalize::html_to_text(c.as_str()))
            .unwrap_or_default();
        let input = TagInput {
            title: &item.title,
            summary: item.summary.as_deref().unwrap_or_default(),
            content: &content,
            categories: &item.categories,
        };
        println!("item {id}: {}\n{}", item.title, tagger.explain(&input));
        return Ok(());
    }
    let text = std::fs::read_to_string(target).with_context(|| format!("reading {target}"))?;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let item: TagLine = serde_json::from_str(line)
            .with_context(|| format!("{target}: line {}: not a JSON item", n + 1))?;
        let content = item.content_text();
        println!(
            "{} {}: {}\n{}",
            target,
            item.id,
            item.title,
            tagger.explain(&item.input(&content))
        );
    }
    Ok(())
}
