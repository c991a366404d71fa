//! Assembles a running planeguard from a [`planeguard_config::Config`]: scrubbers,
//! destinations, the pipeline, listeners; and takes it down gracefully.

pub mod admission;
pub mod convert;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use planeguard_config::{self as cfg, Config};
use planeguard_filters::{Scrubber, Signal};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::admin::{Admin, Health};
use crate::export::Destination;
use crate::otlp::grpc_service::OtlpGrpc;
use crate::otlp::http_service::OtlpHttp;
use crate::otlp::RequestLimits;
use crate::pipeline::{Pipeline, ProfileRoute};
use crate::server::{serve, ServerOptions};
use crate::telemetry::metrics as m;
use crate::telemetry::scrub_metrics::ScrubMetrics;

/// Addresses actually bound (useful with port 0).
#[derive(Debug, Clone, Default)]
pub struct Bound {
    pub admin: Option<SocketAddr>,
    pub egress: Option<SocketAddr>,
    pub admission: Option<SocketAddr>,
    pub direct: Option<SocketAddr>,
    pub otlp_grpc: Option<SocketAddr>,
    pub otlp_http: Option<SocketAddr>,
}

/// A started planeguard.
#[derive(Debug)]
pub struct Running {
    pub bound: Bound,
    pub health: Arc<Health>,
    pub pipeline: Arc<Pipeline>,
    shutdown: watch::Sender<bool>,
    admin_shutdown: watch::Sender<bool>,
    admin_task: Option<JoinHandle<()>>,
    listeners: Vec<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
    drain_timeout: Duration,
}

fn signal_of(s: cfg::Signal) -> Signal {
    match s {
        cfg::Signal::Logs => Signal::Logs,
        cfg::Signal::Metrics => Signal::Metrics,
        cfg::Signal::Traces => Signal::Traces,
    }
}

/// Builds the pipeline: one scrubber per profile in use, one destination per
/// destination in use. A destination no flow uses is not built (no connection).
pub fn build_pipeline(config: &Config) -> Result<Pipeline, String> {
    let mut scrubbers: BTreeMap<String, Arc<Scrubber>> = BTreeMap::new();
    let mut destinations: BTreeMap<String, Arc<Destination>> = BTreeMap::new();
    let mut routes: [Vec<ProfileRoute>; 3] = Default::default();
    for (i, s) in cfg::Signal::ALL.into_iter().enumerate() {
        debug_assert_eq!(signal_of(s), Signal::ALL[i]);
        for (name, d) in config.destinations_for(s) {
            let scrubber = match scrubbers.get(&d.profile) {
                Some(sc) => Arc::clone(sc),
                None => {
                    let p = config.profiles.get(&d.profile).ok_or_else(|| {
                        format!(
                            "destinations.{name}.profile: no profile named `{}`",
                            d.profile
                        )
                    })?;
                    let sc = Arc::new(
                        Scrubber::new(&convert::profile(p))
                            .map_err(|e| format!("profiles.{}: {e}", d.profile))?,
                    );
                    scrubbers.insert(d.profile.clone(), Arc::clone(&sc));
                    sc
                }
            };
            let dest = match destinations.get(name) {
                Some(x) => Arc::clone(x),
                None => {
                    let spec = convert::destination(name, d)?;
                    let x = Arc::new(Destination::new(spec)?);
                    destinations.insert(name.to_string(), Arc::clone(&x));
                    x
                }
            };
            let list = &mut routes[i];
            match list.iter_mut().find(|r| *r.profile == *d.profile) {
                Some(r) => r.destinations.push(dest),
                None => list.push(ProfileRoute {
                    profile: Arc::from(d.profile.as_str()),
                    metrics: ScrubMetrics::new(&d.profile, &scrubber),
                    scrubber,
                    destinations: vec![dest],
                }),
            }
        }
    }
    let [logs, metrics, traces] = routes;
    Ok(Pipeline::new(logs, metrics, traces))
}

async fn bind(addr: SocketAddr, key: &str) -> Result<TcpListener, String> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| format!("{key}: cannot listen on {addr}: {e}"))
}

/// Binds every listener and starts serving. Ready once this returns.
pub async fn start(config: &Config) -> Result<Running, String> {
    let _ = crate::telemetry::prometheus();
    let pipeline = Arc::new(build_pipeline(config)?);
    let health = Arc::new(Health::default());
    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut bound = Bound::default();
    let mut listeners = Vec::new();
    let (admin_shutdown, admin_shutdown_rx) = watch::channel(false);
    let mut admin_task = None;

    let limits = RequestLimits {
        max_request_bytes: usize::try_from(config.otlp.max_request_bytes).unwrap_or(usize::MAX),
        body_timeout: Duration::from_secs(30),
    };
    let opts = ServerOptions {
        http2_only: false,
        max_header_bytes: usize::try_from(config.otlp.max_header_bytes).unwrap_or(64 << 10),
        header_read_timeout: config.otlp.header_read_timeout,
        max_connections: config.otlp.max_connections as usize,
        idle_timeout: config.otlp.idle_timeout,
        http2_max_frame_size: crate::server::OTLP_HTTP2_MAX_FRAME,
    };

    if config.otlp.http.enabled {
        let l = bind(config.otlp.http.listen, "otlp.http.listen").await?;
        bound.otlp_http = l.local_addr().ok();
        let svc = Arc::new(OtlpHttp {
            pipeline: Arc::clone(&pipeline),
            limits,
        });
        listeners.push(tokio::spawn(serve(
            l,
            opts,
            move |req| Arc::clone(&svc).handle(req),
            shutdown_rx.clone(),
        )));
    }
    if config.otlp.grpc.enabled {
        let l = bind(config.otlp.grpc.listen, "otlp.grpc.listen").await?;
        bound.otlp_grpc = l.local_addr().ok();
        let svc = Arc::new(OtlpGrpc {
            pipeline: Arc::clone(&pipeline),
            limits,
        });
        let grpc_opts = ServerOptions {
            http2_only: true,
            ..opts
        };
        listeners.push(tokio::spawn(serve(
            l,
            grpc_opts,
            move |req| Arc::clone(&svc).handle(req),
            shutdown_rx.clone(),
        )));
    }
    if config.admin.enabled {
        let l = bind(config.admin.listen, "admin.listen").await?;
        bound.admin = l.local_addr().ok();
        let flows = serde_json::to_vec_pretty(&config.flow_table()).unwrap_or_default();
        let svc = Arc::new(Admin {
            health: Arc::clone(&health),
            flows_json: Bytes::from(flows),
        });
        // The admin listener stays up through the drain so probes see "not ready".
        admin_task = Some(tokio::spawn(serve(
            l,
            ServerOptions::default(),
            move |req| Arc::clone(&svc).handle(req),
            admin_shutdown_rx,
        )));
    }
    if let Some(a) = &config.admission {
        let enabled = config.flows.query_execution.enabled;
        let spec = admission::metadata_plane(a, enabled)?;
        let l = bind(a.listen, "admission.listen").await?;
        bound.admission = l.local_addr().ok();
        listeners.push(tokio::spawn(crate::admission::listener::serve(
            l,
            spec,
            shutdown_rx.clone(),
        )));
        if let Some(d) = &a.direct {
            let spec = admission::direct(a)?;
            let l = bind(d.listen, "admission.direct.listen").await?;
            bound.direct = l.local_addr().ok();
            listeners.push(tokio::spawn(crate::admission::listener::serve(
                l,
                spec,
                shutdown_rx.clone(),
            )));
        }
    }
    if let Some(e) = &config.egress {
        let l = bind(e.listen, "egress.listen").await?;
        bound.egress = l.local_addr().ok();
        listeners.push(tokio::spawn(crate::egress::serve(
            l,
            e.clone(),
            shutdown_rx.clone(),
        )));
    }
    let workers = pipeline
        .destinations()
        .iter()
        .flat_map(|d| d.spawn_workers())
        .collect();
    health.set_ready();
    tracing::info!(
        otlp_http = ?bound.otlp_http,
        otlp_grpc = ?bound.otlp_grpc,
        admin = ?bound.admin,
        admission = ?bound.admission,
        direct = ?bound.direct,
        egress = ?bound.egress,
        destinations = pipeline.destinations().len(),
        "planeguard ready"
    );
    Ok(Running {
        bound,
        health,
        pipeline,
        shutdown,
        admin_shutdown,
        admin_task,
        listeners,
        workers,
        drain_timeout: config.shutdown.drain_timeout,
    })
}

impl Running {
    /// Drains: not ready, stop accepting, finish in-flight requests, flush
    /// queues; all within the drain timeout. What cannot be flushed is counted.
    pub async fn shutdown(self) {
        let deadline = Instant::now() + self.drain_timeout;
        self.health.set_draining();
        let _ = self.shutdown.send(true);
        for l in self.listeners {
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = tokio::time::timeout(left, l).await;
        }
        self.pipeline.start_draining();
        let destinations = self.pipeline.destinations();
        for d in &destinations {
            d.queue.close();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let aborts: Vec<_> = self.workers.iter().map(|h| h.abort_handle()).collect();
        if tokio::time::timeout(left, futures_join(self.workers))
            .await
            .is_err()
        {
            aborts.iter().for_each(|a| a.abort());
            tokio::task::yield_now().await;
            for d in &destinations {
                // Workers were cut off: count what is still queued.
                while let Some(item) = d.queue.pop().await {
                    m::dropped(item.signal, &d.name, "shutdown", item.records);
                    d.queue.release(item.reserved);
                }
            }
            tracing::warn!(
                "drain timeout reached; undelivered data counted as dropped (reason=shutdown)"
            );
        }
        let _ = self.admin_shutdown.send(true);
        if let Some(t) = self.admin_task {
            let _ = tokio::time::timeout(Duration::from_secs(1), t).await;
        }
        tracing::info!("planeguard stopped");
    }
}

async fn futures_join(handles: Vec<JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}
