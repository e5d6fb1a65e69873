//! The HTTP listener, with the limits `axum::serve` lacks: it accepts TCP connections while fewer
//! than `max_connections` are open (further ones wait in the kernel's listen queue until one
//! closes), serves each over HTTP/1.1 with keep-alive, closes a connection whose request head
//! does not arrive within `header_read_timeout` (a slow client, or an idle keep-alive one), gives
//! handlers `ConnectInfo<SocketAddr>`, and on shutdown stops accepting, lets in-flight requests
//! finish, and cuts whatever is still open when the drain time is over.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

/// How often, at most, a full listener says so in the log.
const FULL_WARNING_EVERY: Duration = Duration::from_secs(60);

/// The listener's limits (`--header-read-timeout`, `--max-connections`) and its drain time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has to send a complete request head.
    pub header_read_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// How long shutdown waits for in-flight requests before closing their connections.
    pub drain: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains: idle connections close at
/// once, a connection with a request in flight closes after its response, and every connection
/// still open after `limits.drain` is closed. Returns when all are closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (closing_tx, closing) = watch::channel(false);
    let mut conns = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut warned: Option<Instant> = None;
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = accept(&listener, &permits, &mut warned) => accepted,
        };
        // Finished connections are reaped here, so the set holds only open ones.
        while conns.try_join_next().is_some() {}
        if let Some((stream, peer, permit)) = accepted {
            let conn = Connection {
                app: app.clone(),
                peer,
                header_read_timeout: limits.header_read_timeout,
                closing: closing.clone(),
                _permit: permit,
            };
            conns.spawn(conn.serve(stream));
        }
    }
    // Connections still in the listen queue are refused from here on.
    drop(listener);
    let _ = closing_tx.send(true);
    drain(conns, limits.drain).await;
}

/// Waits for a free connection slot, then for a connection. `None` when accepting failed.
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
    warned: &mut Option<Instant>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let permit = match permits.clone().try_acquire_owned() {
        Ok(permit) => permit,
        Err(_) => {
            if warned.is_none_or(|at| at.elapsed() >= FULL_WARNING_EVERY) {
                *warned = Some(Instant::now());
                tracing::warn!(
                    "all connections in use (--max-connections); new ones wait until one closes"
                );
            }
            permits.clone().acquire_owned().await.ok()?
        }
    };
    match listener.accept().await {
        Ok((stream, peer)) => Some((stream, peer, permit)),
        Err(e) if is_peer_error(&e) => None,
        Err(e) => {
            // Typically out of file descriptors: give connections time to close.
            tracing::error!("accepting a connection failed: {e}");
            tokio::time::sleep(Duration::from_secs(1)).await;
            None
        }
    }
}

/// Errors caused by one client (it gave up before we accepted), not by the listener.
fn is_peer_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// One accepted connection and what serving it needs.
struct Connection {
    app: Router,
    peer: SocketAddr,
    header_read_timeout: Duration,
    closing: watch::Receiver<bool>,
    /// Frees the connection's slot when the connection ends.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    /// Serves requests until the client leaves, the head timeout closes the connection, or
    /// shutdown lets the request in flight finish.
    async fn serve(mut self, stream: TcpStream) {
        let peer = self.peer;
        let app = tower::ServiceExt::map_request(self.app, move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .keep_alive(true);
        let conn = builder
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))
            .with_upgrades();
        let mut conn = std::pin::pin!(conn);
        let result = tokio::select! {
            result = conn.as_mut() => result,
            () = until_true(&mut self.closing) => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        };
        if let Err(e) = result {
            tracing::debug!("connection from {peer} ended: {e}");
        }
    }
}

/// Resolves once `flag` is true (or can no longer change).
async fn until_true(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|on| *on).await;
}

/// Waits up to `within` for every connection to finish, then closes the rest.
async fn drain(mut conns: JoinSet<()>, within: Duration) {
    let finished =
        tokio::time::timeout(within, async { while conns.join_next().await.is_some() {} }).await;
    if finished.is_err() {
        tracing::warn!(
            "{} connection(s) still busy {} s after shutdown began; closing them",
            conns.len(),
            within.as_secs_f32()
        );
        conns.shutdown().await;
    }
}
