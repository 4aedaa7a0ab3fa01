//! `khabar run`: the daemon's top loop (issue #6). Takes the database's
//! single-instance lock, prepares the database ([`startup`]), serves HTTP
//! on `config.listen`, runs the scheduler loop and the digest loop, until
//! SIGTERM or SIGINT; then stops taking new work, abandons the fetches in
//! flight (the writer commits what it has), stops the server, and returns
//! within [`SHUTDOWN_DEADLINE`].

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::watch;

use super::digest_loop::digest_loop;
use super::{schedule_loop, InstanceLock};
use crate::config::Config;
use crate::fetch::Outbound;
use crate::scheduler::{pass_deadline, Heartbeat};
use crate::server::accounts::Accounts;
use crate::server::{announce, distribute};
use crate::server::{serve, AppState};
use crate::startup::{self, Delivery};
use crate::websub::{Callbacks, Hub, Publisher, Subscriber};

/// The longest shutdown may take before the daemon exits anyway: inside
/// the 10 s that systemd (`TimeoutStopSec`) and `docker stop` allow.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(8);

/// Runs the daemon on `config.listen` until a termination signal.
pub async fn run(config: Config) -> Result<()> {
    // Caught from the start: a signal during start-up also ends cleanly.
    let signals = Signals::install()?;
    // Locked before binding: a second instance is told about the first,
    // not about a busy port.
    let lock = InstanceLock::acquire(&config.database)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    daemon(config, listener, signals, lock).await
}

/// Runs the daemon on an already bound `listener` (the demo binds first,
/// to know its URL) until a termination signal.
pub async fn run_on(config: Config, listener: TcpListener) -> Result<()> {
    let signals = Signals::install()?;
    let lock = InstanceLock::acquire(&config.database)?;
    daemon(config, listener, signals, lock).await
}

async fn daemon(
    config: Config,
    listener: TcpListener,
    mut signals: Signals,
    lock: InstanceLock,
) -> Result<()> {
    // Migrates, subscribes the config's feeds and retags before serving.
    let mut store = startup::open_store(&config)?;
    // One mailer, and so one SMTP connection pool, for the form and digests.
    let delivery = Delivery::new(&config, &mut store)?;
    drop(store);
    let accounts = Accounts::new(&config, delivery.secret.clone(), delivery.mailer.clone())
        .with_context(|| format!("opening database {}", config.database.display()))?;
    let state = AppState::new(&config, Some(accounts))
        .with_context(|| format!("opening database {}", config.database.display()))?;
    let heartbeat = Arc::new(Heartbeat::new(
        crate::clock::now(),
        Heartbeat::stale_after_for(&config.schedule, &config.fetch),
    ));
    state.watch_scheduler(Arc::clone(&heartbeat));
    let addr = listener.local_addr().context("reading the bound address")?;
    // Tests and scripts read this line to find a port-0 server.
    println!("listening on http://{addr}");
    std::io::stdout().flush().context("writing stdout")?;
    tracing::info!(%addr, public_url = %config.public_url, lock = %lock.path().display(), "serving");

    let (stop, stopped) = watch::channel(false);
    // The websub routes are ready before the first request is served.
    let poller = startup::poller(&config)?;
    let websub = start_websub(&config, &poller, &state, stopped.clone())?;
    let server = tokio::spawn(serve(
        listener,
        Arc::clone(&state),
        wait_for(stopped.clone()),
    ));
    let digests = tokio::spawn(digest_loop(config.clone(), delivery, stopped.clone()));
    let scheduler = tokio::spawn(schedule_loop(
        poller,
        pass_deadline(&config.fetch),
        config.retention,
        heartbeat,
        move || state.invalidate(),
        stopped,
    ));
    signals.recv().await;
    tracing::info!("shutting down");
    let _ = stop.send(true);
    let finished = tokio::time::timeout(SHUTDOWN_DEADLINE, async {
        let websub = match websub {
            Some(task) => task.await,
            None => Ok(()),
        };
        (scheduler.await, digests.await, server.await, websub)
    })
    .await;
    match finished {
        Ok((scheduler, digests, server, websub)) => {
            scheduler.context("the scheduler loop panicked")?;
            websub.context("the websub subscriber panicked")?;
            digests.context("the digest loop panicked")?;
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

/// With `websub.enabled`: answers on the callbacks, starts the subscriber
/// loop and khabar's own hub, or with `websub.hub` the pings of that hub
/// (issue #16). Pushes are stored by `poller`, the scheduler's, so that one
/// grouper sees polls and pushes alike.
fn start_websub(
    config: &Config,
    poller: &Arc<crate::scheduler::Poller>,
    state: &Arc<AppState>,
    stopped: watch::Receiver<bool>,
) -> Result<Option<tokio::task::JoinHandle<()>>> {
    if !config.websub.enabled {
        return Ok(None);
    }
    let client = Outbound::new(&config.fetch)?;
    let subscriber = Subscriber::new(
        client,
        config.database.clone(),
        &config.public_url,
        &config.websub,
    );
    state.enable_websub(Arc::new(Callbacks::new(
        Arc::clone(poller),
        config.websub.lease,
        config.fetch.max_body_bytes,
    )));
    tracing::info!(callbacks = %subscriber.callback(""), "websub: subscribing to hubs feeds announce");
    let hub = Hub::new(
        Outbound::new(&config.fetch)?,
        config.database.clone(),
        crate::publish::Site::from_config(config),
        config.websub.lease,
        config.websub.max_subscribers,
    );
    let hub = match &config.websub.hub {
        Some(external) => {
            tracing::info!(hub = %external, "websub: khabar's feeds announce the hub of websub.hub, pinged on each change");
            state.enable_hub(Arc::new(hub.served_elsewhere(external.clone())));
            let publisher = Publisher::new(Outbound::new(&config.fetch)?, external.clone());
            tokio::spawn(announce(
                Arc::clone(state),
                Arc::new(publisher),
                stopped.clone(),
            ))
        }
        None => {
            let hub = Arc::new(hub);
            state.enable_hub(Arc::clone(&hub));
            tokio::spawn(distribute(Arc::clone(state), hub, stopped.clone()))
        }
    };
    let subscriber = tokio::spawn(subscriber.run(stopped));
    Ok(Some(tokio::spawn(async move {
        let (hub, subscriber) = tokio::join!(hub, subscriber);
        if let Err(e) = hub.and(subscriber) {
            std::panic::resume_unwind(e.into_panic());
        }
    })))
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
