//! `khabar digest preview|send`: one subscriber's digest as it would be
//! mailed now, and a digest pass on demand (issue #5).

use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::config::Config;
use crate::digest::{ledger, send_due, PassOptions};
use crate::model::SubscriberEmail;
use crate::startup::{self, Delivery};

#[derive(Debug, Subcommand)]
pub(super) enum DigestCommand {
    /// Print the digest a subscriber would get now.
    Preview {
        /// The subscriber's email address.
        #[arg(long)]
        subscriber: String,
        /// Print only the HTML part.
        #[arg(long, conflicts_with = "text")]
        html: bool,
        /// Print only the plain-text part.
        #[arg(long)]
        text: bool,
    },
    /// Send the due digests now, then print a summary.
    Send {
        /// Compose and count, but record and send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Every active subscriber, for the period ending now.
        #[arg(long)]
        all: bool,
    },
}

/// Runs one `digest` subcommand at `now`.
pub(super) fn run(config: &Config, command: DigestCommand, now: DateTime<Utc>) -> Result<ExitCode> {
    let mut store = startup::open_store(config)?;
    // lettre's connection pool spawns onto the runtime when built and dropped.
    let rt = startup::runtime()?;
    let _inside = rt.enter();
    let delivery = Delivery::new(config, &mut store)?;
    let sender = delivery.sender(config);
    match command {
        DigestCommand::Preview {
            subscriber,
            html,
            text,
        } => {
            let email = SubscriberEmail::parse(&subscriber)?;
            let sub = store
                .subscriber_by_email(&email)?
                .with_context(|| format!("no subscriber {email}; see `khabar subscribers list`"))?;
            // See: issue #15 — the period `digest send --all` would mail now.
            let period = ledger::period_now(&store, &sub, now)?
                .context("no period to preview: the last digest ends now or later")?;
            let (_, rendered) = ledger::prepare(&store, &sender, &sub, period)?;
            match (html, text) {
                (true, _) => print!("{}", rendered.html),
                (_, true) => print!("{}", rendered.text),
                _ => print!(
                    "Subject: {}\n\n{}\n\n{}",
                    rendered.subject, rendered.text, rendered.html
                ),
            }
        }
        DigestCommand::Send { dry_run, all } => {
            let options = PassOptions { all, dry_run };
            let summary = rt.block_on(send_due(&mut store, &sender, now, options))?;
            println!("{summary}");
            if summary.failed > 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
