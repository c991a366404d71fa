//! An OTLP sink: receives gRPC and HTTP (h1 and h2c on one port), protobuf
//! and JSON, gzip; answers at once; counts records and bytes per signal and
//! checks every payload for the canaries the generator planted. Fault modes
//! (slow answers, a chosen failure status, refused connections) can be set at
//! start and changed while running.
//!
//! `GET /stats` on the same port answers the counters as JSON. An optional
//! second port serves plain HTTP/1.1 bodies only ([`plain`]), the upstream
//! of the plain-proxying benchmarks.

mod body;
mod handler;
mod plain;
pub mod stats;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::corpus::CanaryBook;
use handler::State;
pub use stats::{CanarySample, SignalSnapshot, Stats, StatsSnapshot};

/// How the sink misbehaves, for fault tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// Wait this long before handling each request.
    Delay(Duration),
    /// Answer every request with this HTTP status (gRPC: the mapped
    /// grpc-status, see [`crate::wire::grpc_code_for_http`]).
    Status(u16),
    /// Stop listening (new connections are refused) and drop open
    /// connections; listening resumes on the same port when cleared.
    Refuse,
}

/// How to run a sink.
#[derive(Clone, Debug)]
pub struct SinkConfig {
    pub listen: SocketAddr,
    pub canaries: Arc<CanaryBook>,
    pub fault: Fault,
    /// Largest body accepted, after decompression.
    pub max_body_bytes: usize,
    /// Also listen here for plain HTTP/1.1 only (the plain-proxying
    /// benchmarks): bodies counted and answered `200 ok` without hyper.
    pub plain_listen: Option<SocketAddr>,
}

impl SinkConfig {
    pub fn new(listen: SocketAddr, canaries: Arc<CanaryBook>) -> Self {
        Self {
            listen,
            canaries,
            fault: Fault::None,
            max_body_bytes: 64 << 20,
            plain_listen: None,
        }
    }
}

/// A running sink; stops when [`Sink::stop`] is called or it is dropped.
#[derive(Debug)]
pub struct Sink {
    addr: SocketAddr,
    plain_addr: Option<SocketAddr>,
    stats: Arc<Stats>,
    fault: watch::Sender<Fault>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// What a listener of the sink serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Port {
    /// OTLP over gRPC and HTTP (hyper, h1 and h2c), `GET /stats`.
    Otlp,
    /// Plain HTTP/1.1 bodies ([`plain`]).
    Plain,
}

impl Sink {
    /// Binds and starts serving on the current tokio runtime.
    pub async fn start(config: SinkConfig) -> io::Result<Sink> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let plain = match config.plain_listen {
            Some(a) => {
                let l = TcpListener::bind(a).await?;
                Some((l.local_addr()?, l))
            }
            None => None,
        };
        let stats = Arc::new(Stats::default());
        let (fault, fault_rx) = watch::channel(config.fault);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = Arc::new(State {
            stats: Arc::clone(&stats),
            canaries: config.canaries,
            fault: fault_rx.clone(),
            max_body_bytes: config.max_body_bytes,
        });
        let plain_addr = plain.as_ref().map(|(a, _)| *a);
        let mut tasks = Vec::with_capacity(2);
        if let Some((a, l)) = plain {
            tasks.push(tokio::spawn(accept_loop(
                Port::Plain,
                a,
                Some(l),
                Arc::clone(&state),
                fault_rx.clone(),
                shutdown_rx.clone(),
            )));
        }
        tasks.push(tokio::spawn(accept_loop(
            Port::Otlp,
            addr,
            Some(listener),
            state,
            fault_rx,
            shutdown_rx,
        )));
        Ok(Sink {
            addr,
            plain_addr,
            stats,
            fault,
            shutdown,
            tasks,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The plain HTTP/1.1 port, when [`SinkConfig::plain_listen`] was set.
    pub fn plain_addr(&self) -> Option<SocketAddr> {
        self.plain_addr
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Canaries found so far (at most 50 distinct values).
    pub fn canary_samples(&self) -> Vec<CanarySample> {
        self.stats.samples()
    }

    pub fn clear_canary_samples(&self) {
        self.stats.clear_samples();
    }

    /// Changes the fault mode; takes effect for the next request (or at
    /// once for [`Fault::Refuse`]).
    pub fn set_fault(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    /// Stops accepting and closes every connection.
    pub async fn stop(mut self) {
        self.shutdown.send_replace(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

async fn accept_loop(
    port: Port,
    addr: SocketAddr,
    mut listener: Option<TcpListener>,
    state: Arc<State>,
    mut fault: watch::Receiver<Fault>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        if *fault.borrow_and_update() == Fault::Refuse {
            listener = None;
            tokio::select! {
                r = fault.changed() => if r.is_err() { return },
                _ = shutdown.changed() => return,
            }
            continue;
        }
        let Some(l) = &listener else {
            match TcpListener::bind(addr).await {
                Ok(l) => listener = Some(l),
                // The port may linger briefly after a refusal period.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
            continue;
        };
        tokio::select! {
            r = l.accept() => match r {
                Ok((stream, _)) => {
                    state.stats.connection();
                    tokio::spawn(serve(port, stream, Arc::clone(&state), fault.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off briefly.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            r = fault.changed() => if r.is_err() { return },
            _ = shutdown.changed() => {},
        }
    }
}

async fn serve(
    port: Port,
    stream: TcpStream,
    state: Arc<State>,
    mut fault: watch::Receiver<Fault>,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let conn: Pin<Box<dyn Future<Output = ()> + Send>> = match port {
        Port::Plain => Box::pin(plain::serve(stream, state)),
        Port::Otlp => Box::pin(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            let svc = service_fn(move |req| handler::handle(Arc::clone(&state), req));
            let _ = builder.serve_connection(TokioIo::new(stream), svc).await;
        }),
    };
    let refused = async {
        loop {
            if *fault.borrow_and_update() == Fault::Refuse || *shutdown.borrow() {
                return;
            }
            tokio::select! {
                r = fault.changed() => if r.is_err() { return },
                r = shutdown.changed() => if r.is_err() { return },
            }
        }
    };
    tokio::select! {
        _ = conn => {}
        _ = refused => {}
    }
}
