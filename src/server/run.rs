//! `khabar run`: the daemon's top loop. Serves HTTP on `config.listen` and
//! polls due feeds every [`POLL_EVERY`], until SIGTERM or SIGINT; then stops
//! accepting, lets requests in flight finish, and exits.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::{serve, AppState};
use crate::cli::{new_poller, open_store};
use crate::config::Config;
use crate::scheduler::{poll_due, Poller};

/// How often the daemon looks for due feeds.
const POLL_EVERY: Duration = Duration::from_secs(30);

/// Runs the daemon until a termination signal.
pub async fn run(config: Config) -> Result<()> {
    // Migrates, subscribes the config's feeds and retags before serving.
    drop(open_store(&config)?);
    let state = AppState::new(&config)
        .with_context(|| format!("opening database {}", config.database.display()))?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
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
    let poller = tokio::spawn(poll_loop(new_poller(&config)?, state, stopped));
    shutdown_signal().await?;
    tracing::info!("shutting down");
    let _ = stop.send(true);
    poller.await.context("the polling loop panicked")?;
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
