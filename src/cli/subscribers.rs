//! `khabar subscribers add|list|remove`: digest subscribers (issue #5).

use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::config::Config;
use crate::model::{DeliverySchedule, SubscriberEmail};
use crate::startup;
use crate::store::{AddSubscriber, NewSubscriber};

#[derive(Debug, Subcommand)]
pub(super) enum SubscribersCommand {
    /// Add an active subscriber.
    Add {
        /// Their email address.
        email: String,
        /// Topic slugs, comma-separated (default: every topic).
        #[arg(long, value_delimiter = ',')]
        topics: Vec<String>,
        /// IANA time zone (default: `[digest] timezone`).
        #[arg(long)]
        tz: Option<String>,
        /// Daily send time HH:MM in their zone (default: `[digest] schedule`).
        #[arg(long)]
        at: Option<String>,
    },
    /// List subscribers with their topics, schedule and status.
    List,
    /// Remove a subscriber and their digest history.
    Remove {
        /// Their email address.
        email: String,
    },
}

/// Runs one `subscribers` subcommand.
pub(super) fn run(
    config: &Config,
    command: SubscribersCommand,
    now: DateTime<Utc>,
) -> Result<ExitCode> {
    let mut store = startup::open_store(config)?;
    match command {
        SubscribersCommand::Add {
            email,
            topics,
            tz,
            at,
        } => {
            let email = SubscriberEmail::parse(&email)?;
            // A saved search's slug is a digest topic too (issue #17).
            let choices = config.digest_topics();
            let known: Vec<_> = choices.iter().map(|t| t.slug.as_str()).collect();
            if let Some(bad) = topics.iter().find(|t| !known.contains(&t.as_str())) {
                bail!(
                    "unknown topic {bad:?}; known topics and saved searches: {}",
                    known.join(", ")
                );
            }
            let default = &config.digest.delivery;
            let schedule = match at {
                Some(at) => {
                    crate::model::daily_cron(&at).map_err(|e| anyhow::anyhow!("--at {e}"))?
                }
                None => default.cron_source().to_string(),
            };
            let timezone = tz.as_deref().unwrap_or(default.timezone());
            let delivery = DeliverySchedule::parse(timezone, &schedule)?;
            let new = NewSubscriber {
                email: &email,
                topics: (!topics.is_empty()).then_some(topics.as_slice()),
                delivery: &delivery,
            };
            match store.add_subscriber(&new, now)? {
                AddSubscriber::Added(id) => println!("added subscriber {id}: {email}"),
                AddSubscriber::Exists(_) => {
                    bail!("{email} is already subscribed; see `khabar subscribers list`")
                }
            }
        }
        SubscribersCommand::List => {
            for s in store.subscribers()? {
                let topics = s.topics.map_or("all topics".to_string(), |t| t.join(","));
                print!(
                    "{}\t{}\t{}\t{}\t{} {}",
                    s.id, s.email, s.status, topics, s.schedule, s.timezone
                );
                // A row no digest pass can use (an older version's value, a
                // hand edit) is shown, not hidden: its digests stop until the
                // preferences page or a remove and add sets a usable one.
                match &s.delivery {
                    Ok(_) => println!(),
                    Err(e) => println!("\tunusable schedule, no digests: {e}"),
                }
            }
        }
        SubscribersCommand::Remove { email } => {
            let email = SubscriberEmail::parse(&email)?;
            if !store.remove_subscriber(&email)? {
                bail!("no subscriber {email}; see `khabar subscribers list`");
            }
            println!("removed {email}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
