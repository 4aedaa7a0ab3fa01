//! `khabar run`: the daemon's top loop. Serves HTTP on `config.listen`,
//! polls due feeds every [`POLL_EVERY`] and sends due digests every
//! [`DIGEST_EVERY`], until SIGTERM or SIGINT; then stops accepting, lets
//! requests in flight finish, and exits.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::accounts::Accounts;
use super::{serve, AppState};
use crate::cli::{new_poller, open_store};
use crate::config::Config;
use crate::digest::{ledger, send_due, Mailer, PassOptions, Sender};
use crate::scheduler::{poll_due, Poller};
use crate::store::Store;

/// How often the daemon looks for due feeds.
const POLL_EVERY: Duration = Duration::from_secs(30);

/// How often the daemon looks for due digests; schedules are per minute.
const DIGEST_EVERY: Duration = Duration::from_secs(60);

/// How long a digest pass may go on after shutdown is asked. A pass cut
/// short loses nothing: an unfinished digest stays claimed and resumes,
/// with the same Message-ID, on the next start.
const DIGEST_GRACE: Duration = Duration::from_secs(5);

/// Runs the daemon on `config.listen` until a termination signal.
pub async fn run(config: Config) -> Result<()> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    run_on(config, listener).await
}

/// Runs the daemon on an already bound `listener` (the demo binds first,
/// to know its URL) until a termination signal.
pub async fn run_on(config: Config, listener: TcpListener) -> Result<()> {
    // Migrates, subscribes the config's feeds and retags before serving.
    let mut store = open_store(&config)?;
    let secret = ledger::link_secret(&config, &mut store)?;
    drop(store);
    let accounts = Accounts::new(
        &config,
        secret.clone(),
        Mailer::from_config(&config.smtp, &config.digest.outbox)?,
    )
    .with_context(|| format!("opening database {}", config.database.display()))?;
    let state = AppState::new(&config, Some(accounts))
        .with_context(|| format!("opening database {}", config.database.display()))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    // Tests and scripts read this line to find a port-0 server.
    println!("listening on http://{addr}");
    std::io::stdout().flush().context("writing stdout")?;
    tracing::info!(%addr, public_url = %config.public_url, "serving");

    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(serve(
        listener,
        Arc::clone(&state),
        wait_for(stopped.clone()),
    ));
    let poller = tokio::spawn(poll_loop(
        new_poller(&config)?,
        Arc::clone(&state),
        stopped.clone(),
    ));
    let digests = tokio::spawn(digest_loop(config.clone(), secret, state, stopped));
    shutdown_signal().await?;
    tracing::info!("shutting down");
    let _ = stop.send(true);
    poller.await.context("the polling loop panicked")?;
    digests.await.context("the digest loop panicked")?;
    server
        .await
        .context("the server panicked")?
        .context("serving HTTP")?;
    Ok(())
}

/// Polls due feeds every [`POLL_EVERY`]; a failed pass is logged and the
/// next one runs as usual.
async fn poll_loop(poller: Arc<Poller>, state: Arc<AppState>, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        tokio::select! {
            result = poll_due(poller.clone(), false, None) => match result {
                Ok(summary) if summary.feeds > 0 => {
                    state.invalidate();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = format!("{e:#}"), "poll pass failed"),
            },
            // A pass cut short loses nothing: each batch commits atomically.
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

/// Sends due digests every [`DIGEST_EVERY`]; a failed pass is logged and
/// retried on the next tick.
async fn digest_loop(
    config: Config,
    secret: String,
    state: Arc<AppState>,
    mut stopped: watch::Receiver<bool>,
) {
    let mailer = match Mailer::from_config(&config.smtp, &config.digest.outbox) {
        Ok(mailer) => mailer,
        Err(e) => {
            tracing::error!(error = %e, "digests disabled: the mailer could not be set up");
            return;
        }
    };
    let mut store = match Store::open(&config.database) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, "digests disabled: the database could not be opened");
            return;
        }
    };
    let sender = Sender {
        config: &config,
        mailer: &mailer,
        secret: &secret,
    };
    let mut tick = tokio::time::interval(DIGEST_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let pass = send_due(
            &mut store,
            &sender,
            chrono::Utc::now(),
            PassOptions::default(),
        );
        tokio::pin!(pass);
        let finished = tokio::select! {
            result = &mut pass => Some(result),
            _ = stopped.wait_for(|s| *s) => None,
        };
        let result = match finished {
            Some(result) => result,
            None => match tokio::time::timeout(DIGEST_GRACE, &mut pass).await {
                Ok(result) => result,
                Err(_) => {
                    tracing::warn!(
                        "digest pass cut short by shutdown; it resumes on the next start"
                    );
                    return;
                }
            },
        };
        match result {
            Ok(summary) => {
                state.metrics().digests_sent(u64::from(summary.sent));
                state.metrics().digests_failed(u64::from(summary.failed));
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "digest pass failed"),
        }
    }
}

async fn wait_for(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

async fn shutdown_signal() -> Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("listening for SIGTERM")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("listening for SIGINT")?,
        _ = term.recv() => {}
    }
    Ok(())
}
