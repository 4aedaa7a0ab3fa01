//! `khabar tag [--topic SLUG]`: JSON Lines in (`id`, `title`, `summary`,
//! `content`, `categories`), one line of topics and reasons out per line.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::config::Config;
use crate::normalize;
use crate::topics::{TagInput, Tagger, TopicHit};

/// One line of `khabar tag`'s input (and of `topics explain FILE`'s).
#[derive(Debug, serde::Deserialize)]
pub(super) struct TagLine {
    #[serde(default)]
    pub(super) id: serde_json::Value,
    #[serde(default)]
    pub(super) title: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
}

impl TagLine {
    /// The content as plain text (the input may hold HTML).
    pub(super) fn content_text(&self) -> String {
        self.content
            .as_deref()
            .map(normalize::html_to_text)
            .unwrap_or_default()
    }

    fn hits(&self, tagger: &Tagger) -> Vec<TopicHit> {
        tagger.tag(&self.input(&self.content_text()))
    }

    /// The tagger's input, with `content` as [`TagLine::content_text`] gave it.
    pub(super) fn input<'a>(&'a self, content: &'a str) -> TagInput<'a> {
        TagInput {
            title: &self.title,
            summary: self.summary.as_deref().unwrap_or_default(),
            content,
            categories: &self.categories,
        }
    }
}

/// Tags stdin line by line; a line that is not a JSON object is reported
/// on stderr and makes the exit status a failure, and the run goes on.
pub(super) fn run(config: &Config, only: Option<&str>) -> Result<ExitCode> {
    let tagger = &config.tagger;
    if let Some(slug) = only {
        if !tagger.topics().iter().any(|t| t.slug.as_str() == slug) {
            bail!("unknown topic {slug:?}; see `khabar topics list`");
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut bad = 0;
    for (n, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let item: TagLine = match serde_json::from_str(&line) {
            Ok(item) => item,
            Err(e) => {
                eprintln!(
                    "khabar tag: line {}: not a JSON object with a title: {e}",
                    n + 1
                );
                bad += 1;
                continue;
            }
        };
        let hits: Vec<_> = item
            .hits(tagger)
            .into_iter()
            .filter(|h| only.is_none_or(|s| h.slug.as_str() == s))
            .collect();
        let why: serde_json::Map<String, serde_json::Value> = hits
            .iter()
            .map(|h| (h.slug.to_string(), serde_json::json!(h.why)))
            .collect();
        let slugs: Vec<&str> = hits.iter().map(|h| h.slug.as_str()).collect();
        let row = serde_json::json!({"id": item.id, "topics": slugs, "why": why});
        writeln!(out, "{row}").context("writing stdout")?;
    }
    out.flush().context("writing stdout")?;
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
