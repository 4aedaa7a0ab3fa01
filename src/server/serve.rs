//! The accept loop: HTTP/1.1 with keep-alive, a bounded number of open
//! connections, a timeout on idle and slow clients, and graceful shutdown.
//!
//! `axum::serve` has neither a connection bound nor a header timeout, so an
//! idle or slow-loris client could hold a socket forever; this loop gives
//! each connection a permit and lets hyper close it when no complete
//! request head arrives within [`IDLE_TIMEOUT`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::{router, zerocopy, AppState};

/// Open connections at most; further clients wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 16_384;

/// A connection that sends no complete request head for this long (idle
/// keep-alive included) is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(20);

/// Largest buffered request head; bigger requests are refused.
const MAX_BUFFER: usize = 64 * 1024;

/// Pause after an accept error such as "too many open files", so the loop
/// does not spin while connections close.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How long in-flight requests get to finish after shutdown is asked.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the database is checked for changes made by other processes.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// Serves [`router`] on `listener` until `shutdown` completes, then lets
/// in-flight requests finish (for at most [`DRAIN_TIMEOUT`]).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(Arc::clone(&state));
    let watcher = tokio::spawn(watch_for_changes(state));
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT)
        .max_buf_size(MAX_BUFFER)
        // Body chunks stay their own iovecs, so that zerocopy::Stream can
        // send cached bodies with sendfile rather than hyper copying them.
        .writev(true)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            // The subscribe form's rate limit counts per client address.
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let conn = graceful
            .watch(http.serve_connection(TokioIo::new(zerocopy::Stream::from(stream)), service));
        tokio::spawn(async move {
            // A client that goes away mid-request is not an error of ours.
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    watcher.abort();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}; closing them");
        }
    }
    Ok(())
}

async fn watch_for_changes(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(WATCH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.check_for_changes().await {
            tracing::warn!(error = %e, "checking the database for changes failed");
        }
    }
}
