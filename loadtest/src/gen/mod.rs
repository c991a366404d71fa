//! The load generator: OTLP logs, metrics or traces (gRPC or HTTP, protobuf
//! or JSON, optional gzip) or plain HTTP POSTs, from `connections`
//! connections, closed loop (as fast as answers come) or open loop (a fixed
//! rate, latency from the intended send time). Runs are bounded by
//! `duration` (and optionally a request count) and stop by themselves.

mod client;
mod h1;
pub mod latency;
mod report;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use planeguard_filters::{Encoding, Signal};

use crate::corpus::{self, CorpusArgs, Framing, Payload};
use crate::otlp;
use client::{Conn, Outcome, Template};
use latency::{Latency, OpenLoop};
pub use report::GenReport;

/// What is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/HTTP (`POST /v1/{signal}`), HTTP/1.1.
    OtlpHttp,
    /// OTLP/gRPC over HTTP/2 without TLS.
    OtlpGrpc,
    /// Plain HTTP/1.1 POSTs of `size` bytes.
    Http,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::OtlpHttp => "otlp-http",
            Protocol::OtlpGrpc => "otlp-grpc",
            Protocol::Http => "http",
        }
    }
}

/// One generator run.
#[derive(Clone, Debug)]
pub struct GenConfig {
    pub target: SocketAddr,
    pub protocol: Protocol,
    pub signal: Signal,
    /// OTLP/HTTP: send OTLP/JSON instead of protobuf.
    pub json: bool,
    pub gzip: bool,
    /// Plain HTTP: body size in bytes.
    pub size: usize,
    /// Plain HTTP: request path.
    pub path: String,
    pub corpus: CorpusArgs,
    pub connections: usize,
    /// `Some` = open loop at this many requests per second in total.
    pub rate: Option<f64>,
    /// Measured window, after `warmup`.
    pub duration: Duration,
    pub warmup: Duration,
    /// Stop after this many requests (warm-up included).
    pub max_requests: Option<u64>,
    /// Per request (and per connect).
    pub timeout: Duration,
    /// Print a progress line to stderr at this interval.
    pub progress: Option<Duration>,
}

impl GenConfig {
    pub fn new(target: SocketAddr, protocol: Protocol) -> Self {
        Self {
            target,
            protocol,
            signal: Signal::Logs,
            json: false,
            gzip: false,
            size: 4096,
            path: "/post".into(),
            corpus: CorpusArgs::default(),
            connections: 8,
            rate: None,
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(1),
            max_requests: None,
            timeout: Duration::from_secs(10),
            progress: None,
        }
    }
}

/// The request bodies of `cfg`, built once (a comparison reuses them across
/// runs).
pub fn payloads(cfg: &GenConfig) -> Vec<Payload> {
    let enc = if cfg.json {
        Encoding::Json
    } else {
        Encoding::Protobuf
    };
    match cfg.protocol {
        Protocol::OtlpHttp => {
            corpus::otlp_pool(&cfg.corpus, cfg.signal, enc, cfg.gzip, Framing::Http)
        }
        Protocol::OtlpGrpc => corpus::otlp_pool(
            &cfg.corpus,
            cfg.signal,
            Encoding::Protobuf,
            cfg.gzip,
            Framing::Grpc,
        ),
        Protocol::Http => vec![corpus::plain_body(cfg.size)],
    }
}

/// Runs `cfg` with freshly built payloads.
pub async fn run(cfg: &GenConfig) -> Result<GenReport, String> {
    let p: Arc<[Payload]> = payloads(cfg).into();
    run_with(cfg, p).await
}

/// Runs `cfg` sending `payloads` round-robin.
pub async fn run_with(cfg: &GenConfig, payloads: Arc<[Payload]>) -> Result<GenReport, String> {
    crate::ensure_loopback(cfg.target)?;
    if payloads.is_empty() {
        return Err("no payloads to send".into());
    }
    if cfg.connections == 0 {
        return Err("--connections must be at least 1".into());
    }
    if let Some(r) = cfg.rate {
        if !(r.is_finite() && r > 0.0) {
            return Err(format!("--rate must be a positive number, not {r}"));
        }
    }
    let h2 = cfg.protocol == Protocol::OtlpGrpc;
    let template = match cfg.protocol {
        Protocol::OtlpHttp => Template::new(
            cfg.target,
            otlp::http_path(cfg.signal),
            false,
            false,
            &Template::otlp_http_headers(cfg.json, cfg.gzip),
        ),
        Protocol::OtlpGrpc => Template::new(
            cfg.target,
            otlp::grpc_path(cfg.signal),
            true,
            true,
            &Template::grpc_headers(cfg.gzip),
        ),
        Protocol::Http => Template::new(
            cfg.target,
            &cfg.path,
            false,
            false,
            &[("content-type", "application/octet-stream")],
        ),
    }?;
    let start = Instant::now();
    let shared = Arc::new(Shared {
        addr: cfg.target,
        template,
        payloads,
        h2,
        timeout: cfg.timeout,
        measure_from: start + cfg.warmup,
        end: start + cfg.warmup + cfg.duration,
        open: cfg.rate.map(|rate| OpenLoop {
            start,
            rate,
            connections: cfg.connections,
        }),
        connections: cfg.connections,
        max_requests: cfg.max_requests,
        issued: AtomicU64::new(0),
        done_ok: AtomicU64::new(0),
        done_err: AtomicU64::new(0),
    });
    let progress = cfg
        .progress
        .map(|every| tokio::spawn(progress_lines(Arc::clone(&shared), every)));
    let workers: Vec<_> = (0..cfg.connections)
        .map(|id| tokio::spawn(worker(Arc::clone(&shared), id)))
        .collect();
    let mut total = WorkerResult::new();
    for w in workers {
        let r = w.await.map_err(|e| format!("generator task failed: {e}"))?;
        total.merge(r);
    }
    if let Some(p) = progress {
        p.abort();
    }
    let last = total.last_done.unwrap_or(shared.end).min(shared.end);
    let seconds = last
        .saturating_duration_since(shared.measure_from)
        .as_secs_f64()
        .max(1e-3);
    let per_s = |v: u64| v as f64 / seconds;
    Ok(GenReport {
        protocol: cfg.protocol.as_str().into(),
        target: cfg.target.to_string(),
        mode: if cfg.rate.is_some() { "open" } else { "closed" }.into(),
        connections: cfg.connections,
        rate: cfg.rate,
        seconds,
        requests: total.ok,
        errors: total.errors.values().sum(),
        errors_by_kind: total.errors,
        records: total.records,
        bytes: total.bytes,
        req_per_s: per_s(total.ok),
        records_per_s: per_s(total.records),
        mb_per_s: per_s(total.bytes) / 1e6,
        latency_us: Latency::of(&total.hist),
        behind_schedule: total.behind,
        total_requests: total.total_ok,
        total_records: total.total_records,
        histogram: Some(total.hist),
    })
}

struct Shared {
    addr: SocketAddr,
    template: Template,
    payloads: Arc<[Payload]>,
    h2: bool,
    timeout: Duration,
    measure_from: Instant,
    end: Instant,
    open: Option<OpenLoop>,
    connections: usize,
    max_requests: Option<u64>,
    issued: AtomicU64,
    done_ok: AtomicU64,
    done_err: AtomicU64,
}

struct WorkerResult {
    hist: Histogram<u64>,
    ok: u64,
    records: u64,
    bytes: u64,
    errors: BTreeMap<String, u64>,
    behind: u64,
    total_ok: u64,
    total_records: u64,
    last_done: Option<Instant>,
}

impl WorkerResult {
    fn new() -> Self {
        Self {
            hist: latency::histogram(),
            ok: 0,
            records: 0,
            bytes: 0,
            errors: BTreeMap::new(),
            behind: 0,
            total_ok: 0,
            total_records: 0,
            last_done: None,
        }
    }

    fn merge(&mut self, o: WorkerResult) {
        let _ = self.hist.add(&o.hist);
        self.ok += o.ok;
        self.records += o.records;
        self.bytes += o.bytes;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.behind += o.behind;
        self.total_ok += o.total_ok;
        self.total_records += o.total_records;
        self.last_done = self.last_done.max(o.last_done);
    }

    fn error(&mut self, s: &Shared, kind: &str, at: Instant) {
        s.done_err.fetch_add(1, Relaxed);
        if at >= s.measure_from && at <= s.end {
            *self.errors.entry(kind.to_string()).or_default() += 1;
        }
    }
}

async fn worker(s: Arc<Shared>, id: usize) -> WorkerResult {
    let mut r = WorkerResult::new();
    let mut conn: Option<Conn> = None;
    let mut k: u64 = 0;
    // When this connection finished its previous request.
    let mut free_at = Instant::now();
    loop {
        let scheduled = latency::send_at(s.open.as_ref(), id, k);
        let intended = scheduled.unwrap_or_else(Instant::now);
        if intended >= s.end {
            break;
        }
        if let Some(max) = s.max_requests {
            if s.issued.fetch_add(1, Relaxed) >= max {
                break;
            }
        }
        if let Some(at) = scheduled {
            tokio::time::sleep_until(at.into()).await;
        }
        let now = Instant::now();
        if now >= s.end {
            break;
        }
        let c = match &mut conn {
            Some(c) => c,
            None => match client::connect(s.addr, s.h2, s.timeout).await {
                Ok(c) => conn.insert(c),
                Err(kind) => {
                    r.error(&s, kind, Instant::now());
                    k += 1;
                    // Do not spin on a target that refuses connections.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let payload = &s.payloads[((k as usize) * s.connections + id) % s.payloads.len()];
        let from = if s.open.is_some() {
            latency::latency_start(intended, free_at, now)
        } else {
            now
        };
        let outcome = match tokio::time::timeout(
            s.timeout,
            c.send(&s.template, payload.body.clone()),
        )
        .await
        {
            Ok(o) => o,
            Err(_) => Outcome::Broken("timeout"),
        };
        let done = Instant::now();
        free_at = done;
        if conn.as_ref().is_some_and(Conn::closed) {
            conn = None;
        }
        let in_window = done >= s.measure_from && done <= s.end;
        match outcome {
            Outcome::Ok => {
                s.done_ok.fetch_add(1, Relaxed);
                r.total_ok += 1;
                r.total_records += payload.records as u64;
                if in_window {
                    r.ok += 1;
                    r.records += payload.records as u64;
                    r.bytes += payload.body.len() as u64;
                    latency::record(&mut r.hist, from, done);
                    r.last_done = Some(done);
                }
            }
            Outcome::Failed(kind) => r.error(&s, &kind, done),
            Outcome::Broken(kind) => {
                r.error(&s, kind, done);
                conn = None;
            }
        }
        k += 1;
    }
    if let Some(plan) = &s.open {
        let due = plan.due_before(id, s.end);
        let due_before_window = plan.due_before(id, s.measure_from);
        r.behind = due.saturating_sub(k.max(due_before_window));
    }
    r
}

async fn progress_lines(s: Arc<Shared>, every: Duration) {
    let start = Instant::now();
    let mut last_ok = 0;
    let mut tick = tokio::time::interval_at((start + every).into(), every);
    loop {
        tick.tick().await;
        let ok = s.done_ok.load(Relaxed);
        let err = s.done_err.load(Relaxed);
        eprintln!(
            "[{:>5.1}s] {} ok ({:.0}/s), {} errors",
            start.elapsed().as_secs_f64(),
            ok,
            (ok - last_ok) as f64 / every.as_secs_f64(),
            err
        );
        last_ok = ok;
    }
}
