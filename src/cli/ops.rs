//! Operator commands: `khabar completions SHELL`, `khabar man` (both
//! generated from the clap definitions, so they never drift from the real
//! arguments) and `khabar config check`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Subcommand};

use crate::config::Config;
use crate::scheduler::Failure;
use crate::store::{FeedRow, FeedStatus};

/// The environment rule, shown by `--help` and in the man page.
pub const ENVIRONMENT: &str = "\
Environment:
  Every config key can be set by a variable KHABAR_<SECTION>_<KEY>, which wins over
  the file: KHABAR_SERVER_PUBLIC_URL, KHABAR_SMTP_URL, KHABAR_DIGEST_SECRET,
  KHABAR_FETCH_ALLOW_PRIVATE=10.0.0.0/8,127.0.0.1 (lists: comma-separated or TOML),
  KHABAR_FEEDS='[{url = \"https://…\"}]'. KHABAR_CONFIG names the file,
  KHABAR_LOG_JSON=true logs JSON lines. KHABAR_NOW=2026-12-01T07:00:00Z, a test and
  operations aid, starts khabar's clock at that instant: one-shot commands act at
  exactly it, run and demo start there and advance with the real clock. `khabar
  config check` shows the result.";

/// `khabar config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load the configuration (file, environment, defaults), validate it and
    /// print the effective settings with secrets redacted; exit 1 when it
    /// is invalid.
    Check,
}

/// `khabar completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut command = super::Args::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "khabar", &mut out);
    write_stdout(&out)
}

/// `khabar man`: the man page (roff) on stdout, `man -l -` reads it.
pub fn man() -> Result<ExitCode> {
    let mut out = Vec::new();
    clap_mangen::Man::new(super::Args::command())
        .render(&mut out)
        .context("rendering the man page")?;
    write_stdout(&out)
}

/// `khabar config check`.
pub fn config(explicit: Option<&Path>, command: ConfigCommand) -> Result<ExitCode> {
    match command {
        ConfigCommand::Check => {
            let checked = Config::check(explicit).context("invalid configuration")?;
            write_stdout(checked.report().as_bytes())
        }
    }
}

/// A feed's status as `khabar feeds list` shows it: `active`, `failing`
/// (its last poll failed and may succeed when tried again), `broken` (its
/// last failure needs a fix on the server, so it is tried rarely) or `gone`.
pub fn feed_status(feed: &FeedRow) -> &'static str {
    let failure = feed.last_error.as_deref().and_then(Failure::of_recorded);
    match (feed.status, feed.state.error_count, failure) {
        (FeedStatus::Gone, ..) => "gone",
        (_, 0, _) => "active",
        (_, _, Some(Failure::Permanent)) => "broken",
        _ => "failing",
    }
}

fn write_stdout(bytes: &[u8]) -> Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes).context("writing stdout")?;
    stdout.flush().context("writing stdout")?;
    Ok(ExitCode::SUCCESS)
}
