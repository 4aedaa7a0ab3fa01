//! `khabar run`: the daemon's top loop (issue #6). Takes the database's
//! single-instance lock, migrates, serves HTTP on `config.listen` and runs
//! the scheduler loop until SIGTERM or SIGINT; then stops taking new work,
//! abandons the fetches in flight (the writer commits what it has), stops
//! the server, and returns within [`SHUTDOWN_DEADLINE`].

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::Utc;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::watch;

use super::{serve, AppState};
use crate::cli::{new_poller, open_store};
use crate::config::Config;
use crate::daemon::{schedule_loop, InstanceLock};
use crate::scheduler::{pass_deadline, Heartbeat};

/// The longest shutdown may take before the daemon exits anyway: inside
/// the 10 s that systemd (`TimeoutStopSec`) and `docker stop` allow.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(8);

/// Runs the daemon until a termination signal.
pub async fn run(config: Config) -> Result<()> {
    // Caught from the start: a signal during start-up also ends cleanly.
    let mut signals = Signals::install()?;
    let lock = InstanceLock::acquire(&config.database)?;
    // Migrates, subscribes the config's feeds and retags before serving.
    drop(open_store(&config)?);
    let state = AppState::new(&config)
        .with_context(|| format!("opening database {}", config.database.display()))?;
    let heartbeat = Arc::new(Heartbeat::new(
        Utc::now(),
        Heartbeat::stale_after_for(&config.schedule, &config.fetch),
    ));
    state.watch_scheduler(Arc::clone(&heartbeat));
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    // Tests and scripts read this line to find a port-0 server.
    println!("listening on http://{addr}");
    std::io::stdout().flush().context("writing stdout")?;
    tracing::info!(%addr, public_url = %config.public_url, lock = %lock.path().display(), "serving");

    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(serve(
        listener,
        Arc::clone(&state),
        wait_for(stopped.clone()),
    ));
    let scheduler = tokio::spawn(schedule_loop(
        new_poller(&config)?,
        pass_deadline(&config.fetch),
        config.retention,
        heartbeat,
        move || state.invalidate(),
        stopped,
    ));
    signals.recv().await;
    tracing::info!("shutting down");
    let _ = stop.send(true);
    let finished =
        tokio::time::timeout(SHUTDOWN_DEADLINE, async { (scheduler.await, server.await) }).await;
    match finished {
        Ok((scheduler, server)) => {
            scheduler.context("the scheduler loop panicked")?;
            server
                .context("the server panicked")?
                .context("serving HTTP")?;
        }
        Err(_) => tracing::warn!(
            "still busy {SHUTDOWN_DEADLINE:?} after the signal; exiting anyway \
             (every committed write is safe)"
        ),
    }
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// SIGTERM (systemd, `docker stop`) and SIGINT (Ctrl-C).
struct Signals {
    term: Signal,
    interrupt: Signal,
}

impl Signals {
    /// Replaces the default action (exit at once) with a catch.
    fn install() -> Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("listening for SIGINT")?,
        })
    }

    /// Waits for either signal (one already received returns at once).
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}
