//! The hub's HTTP/1 server: axum's router behind hyper, with the timeouts
//! `axum::serve` has no place for. A client that sends half a request, or
//! keeps a connection open and sends nothing more, is cut off after
//! [`header_timeout`]; a request body that trickles in is cut off after
//! [`BODY_TIMEOUT`] (a layer of the router). Without them, slow clients held
//! their connections forever, and 1,100 of them took every file descriptor.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// A request body must arrive within this.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// In-flight requests get this long to finish when the hub stops.
const DRAIN: Duration = Duration::from_secs(20);

/// How long a client has to send a request's headers, and how long a
/// kept-alive connection may wait idle for the next request: 10 s, or
/// `HUB_HEADER_TIMEOUT_SECONDS`.
pub fn header_timeout() -> Duration {
    std::env::var("HUB_HEADER_TIMEOUT_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(10))
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (up to [`DRAIN`]). Each request carries the
/// peer's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was taken: the others go on.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req
            });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => tracing::warn!("requests still in flight were cut off"),
    }
    Ok(())
}
