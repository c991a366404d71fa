//! Accept loop shared by every HTTP listener: hyper's auto (HTTP/1.1 + h2c) or
//! HTTP/2-only connections, header size and header-read-time limits, and a
//! graceful stop that lets in-flight requests finish.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use tokio::net::TcpListener;

use tokio::sync::{watch, Semaphore};

use crate::idle::IdleIo;

use crate::otlp::grpc::ChunksBody;

#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    pub http2_only: bool,
    pub max_header_bytes: usize,
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// A connection with no bytes in either direction for this long is closed.
    pub idle_timeout: Duration,
    /// The largest HTTP/2 frame clients may send (SETTINGS_MAX_FRAME_SIZE).
    pub http2_max_frame_size: u32,
}

/// HTTP/2's default and smallest maximum frame size.
pub const HTTP2_DEFAULT_FRAME: u32 = 16 * 1024;

/// The maximum frame size the OTLP listeners advertise. An OTLP export is one
/// message of tens of KiB to a few MiB; at the 16 KiB default a typical export
/// arrives as several DATA frames, read 16 KiB per syscall and then joined
/// into one buffer. At 256 KiB most exports are one frame, read in one go and
/// used without a copy (measured: 4.1 -> 3.3 reads per 30 KB request). A
/// connection's read buffer grows to at most one frame.
pub const OTLP_HTTP2_MAX_FRAME: u32 = 256 * 1024;

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            http2_only: false,
            max_header_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            idle_timeout: Duration::from_secs(60),
            http2_max_frame_size: HTTP2_DEFAULT_FRAME,
        }
    }
}

/// The hyper connection builder for a listener's options.
pub fn http_builder(opts: &ServerOptions) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout)
        .max_buf_size(opts.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(opts.max_header_bytes).unwrap_or(u32::MAX))
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .max_frame_size(opts.http2_max_frame_size);
    if opts.http2_only {
        builder = builder.http2_only();
    }
    builder
}

/// Serves until `shutdown` turns true, then stops accepting and waits for the
/// open connections to finish their requests (the caller bounds the wait).
pub async fn serve<H, Fut>(
    listener: TcpListener,
    opts: ServerOptions,
    handler: H,
    mut shutdown: watch::Receiver<bool>,
) where
    H: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<ChunksBody>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    let builder = http_builder(&opts);
    if *shutdown.borrow() {
        return;
    }
    let slots = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let h = handler.clone();
        let svc = service_fn(move |req| {
            let fut = h(req);
            async move { Ok::<_, Infallible>(fut.await) }
        });
        let io = TokioIo::new(IdleIo::new(stream, opts.idle_timeout));
        let conn = graceful.watch(builder.serve_connection(io, svc).into_owned());
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
