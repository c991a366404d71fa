//! planeguard-loadtest: `sink`, `gen` and `compare` (see README.md).
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use planeguard_filters::Signal;
use planeguard_loadtest::compare::targets::TargetKind;
use planeguard_loadtest::compare::{self, CompareConfig};
use planeguard_loadtest::corpus::{CanaryBook, CorpusArgs};
use planeguard_loadtest::gen::{self, GenConfig, Protocol};
use planeguard_loadtest::sink::{Fault, Sink, SinkConfig};

#[derive(Debug, Parser)]
#[command(
    name = "planeguard-loadtest",
    version,
    about = "Load generator, canary-checking OTLP sink and peer comparison for planeguard. Sends only to loopback."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// OTLP receiver (gRPC + HTTP, protobuf + JSON, gzip) that counts records and checks canaries.
    Sink(SinkArgs),
    /// Send OTLP or plain HTTP load, closed or open loop; report throughput and latency.
    Gen(GenArgs),
    /// Direct vs planeguard vs nginx/haproxy in interleaved rounds; table, JSON and SVG.
    Compare(CompareArgs),
}

/// The corpus shared by gen and sink: run both with the same values so the
/// sink knows every canary the generator planted.
#[derive(Debug, Args, Clone)]
struct CorpusOpts {
    /// Records per request.
    #[arg(long, default_value_t = CorpusArgs::default().batch)]
    batch: usize,
    /// Share of records that carry a canary (PII, secrets, feature values).
    #[arg(long, default_value_t = CorpusArgs::default().pii_share)]
    pii_share: f64,
    /// Corpus seed.
    #[arg(long, default_value_t = CorpusArgs::default().seed)]
    seed: u64,
    /// Distinct requests per signal (the generator cycles through them).
    #[arg(long, default_value_t = CorpusArgs::default().pool)]
    pool: usize,
}

impl CorpusOpts {
    fn args(&self) -> CorpusArgs {
        CorpusArgs {
            seed: self.seed,
            batch: self.batch,
            pii_share: self.pii_share,
            pool: self.pool,
        }
    }
}

#[derive(Debug, Args)]
struct SinkArgs {
    /// Address to listen on (gRPC and HTTP on the same port).
    #[arg(long, default_value = "127.0.0.1:4319")]
    listen: SocketAddr,
    /// Also serve plain HTTP/1.1 POSTs here, without hyper (the upstream of
    /// plain-proxying benchmarks; bodies counted, answered `200 ok`).
    #[arg(long)]
    plain_listen: Option<SocketAddr>,
    /// Answer every request after this delay (fault test), e.g. 200ms.
    #[arg(long, value_parser = parse_duration)]
    delay: Option<Duration>,
    /// Answer every request with this HTTP status (gRPC: the mapped grpc-status).
    #[arg(long)]
    fail_status: Option<u16>,
    /// Refuse connections (do not listen) while running.
    #[arg(long)]
    refuse: bool,
    /// Do not look for canaries.
    #[arg(long)]
    no_canary_check: bool,
    /// Stop after this long (default: run until Ctrl-C).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Print the counters at this interval when they change.
    #[arg(long, value_parser = parse_duration, default_value = "5s")]
    print_every: Duration,
    /// Runtime worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[command(flatten)]
    corpus: CorpusOpts,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProtocolArg {
    OtlpHttp,
    OtlpGrpc,
    Http,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SignalArg {
    Logs,
    Metrics,
    Traces,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EncodingArg {
    Protobuf,
    Json,
}

#[derive(Debug, Args)]
struct GenArgs {
    /// Where to send (loopback only).
    #[arg(long, default_value = "127.0.0.1:4318")]
    target: SocketAddr,
    #[arg(long, value_enum, default_value = "otlp-http")]
    protocol: ProtocolArg,
    #[arg(long, value_enum, default_value = "logs")]
    signal: SignalArg,
    /// OTLP/HTTP body encoding.
    #[arg(long, value_enum, default_value = "protobuf")]
    encoding: EncodingArg,
    /// gzip request bodies (OTLP).
    #[arg(long)]
    gzip: bool,
    /// Plain HTTP body size in bytes.
    #[arg(long, default_value_t = 4096)]
    size: usize,
    /// Plain HTTP request path.
    #[arg(long, default_value = "/post")]
    path: String,
    /// Concurrent connections (one request in flight each).
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Open loop at this many requests/s in total (default: closed loop).
    #[arg(long)]
    rate: Option<f64>,
    /// Measured time, e.g. 10s, 500ms, 2m.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    duration: Duration,
    /// Unmeasured warm-up before it.
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    warmup: Duration,
    /// Stop after this many requests (warm-up included).
    #[arg(long)]
    requests: Option<u64>,
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    timeout: Duration,
    /// Progress line every second (default: on for runs of 10 s or more).
    #[arg(long, overrides_with = "no_progress")]
    progress: bool,
    #[arg(long)]
    no_progress: bool,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Runtime worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[command(flatten)]
    corpus: CorpusOpts,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Short smoke test (< 2 minutes) with loose sanity bounds; exit 1 if violated.
    #[arg(long)]
    quick: bool,
    #[arg(long)]
    rounds: Option<usize>,
    /// Closed-loop (throughput) phase per run.
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Open-loop (latency) phase per run; 0 = latency from the closed loop.
    #[arg(long, value_parser = parse_duration)]
    latency_duration: Option<Duration>,
    /// The latency phase runs in this many slices, the targets taking turns
    /// slice by slice; percentiles are of all slices' and rounds' samples.
    #[arg(long)]
    latency_slices: Option<usize>,
    #[arg(long, value_parser = parse_duration)]
    warmup: Option<Duration>,
    #[arg(long)]
    plain_connections: Option<usize>,
    #[arg(long)]
    otlp_connections: Option<usize>,
    /// Open-loop rate of the latency phase, plain scenarios (req/s).
    #[arg(long)]
    plain_rate: Option<f64>,
    /// Open-loop rate of the latency phase, OTLP scenarios (req/s).
    #[arg(long)]
    otlp_rate: Option<f64>,
    /// planeguard binary (default: target/release/planeguard of the workspace,
    /// or $CARGO_TARGET_DIR/release/planeguard).
    #[arg(long)]
    planeguard: Option<PathBuf>,
    /// Do not run `cargo build --release -p planeguard` when the binary is missing.
    #[arg(long)]
    no_build: bool,
    /// Targets, comma-separated: direct, planeguard, nginx, haproxy.
    #[arg(long, value_delimiter = ',')]
    targets: Option<Vec<String>>,
    /// Scenarios, comma-separated (default all): plain-4k, plain-64k,
    /// otlp-http-logs, otlp-http-logs-gzip, otlp-grpc-logs, otlp-grpc-logs-gzip.
    #[arg(long, value_delimiter = ',')]
    scenarios: Option<Vec<String>>,
    /// Output directory for JSON, SVG and Markdown (default loadtest/results).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Do not pin with taskset.
    #[arg(long)]
    no_pin: bool,
    #[command(flatten)]
    corpus: CorpusOpts,
}

/// `10s`, `500ms`, `2m`, or a bare number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("bad duration {s:?}: use 10s, 500ms or 2m"))?;
    let secs = match unit {
        "ms" => v / 1e3,
        "s" => v,
        "m" => v * 60.0,
        _ => return Err(format!("bad duration unit in {s:?}: use ms, s or m")),
    };
    if !(secs.is_finite() && secs >= 0.0) {
        return Err(format!("bad duration {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Sink(a) => run_sink(a),
        Cmd::Gen(a) => run_gen(a),
        Cmd::Compare(a) => run_compare(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("planeguard-loadtest: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_sink(a: SinkArgs) -> Result<ExitCode, String> {
    planeguard_loadtest::ensure_loopback(a.listen)?;
    if let Some(p) = a.plain_listen {
        planeguard_loadtest::ensure_loopback(p)?;
    }
    let fault = match (a.refuse, a.fail_status, a.delay) {
        (true, _, _) => Fault::Refuse,
        (_, Some(s), _) => Fault::Status(s),
        (_, _, Some(d)) => Fault::Delay(d),
        _ => Fault::None,
    };
    let book = if a.no_canary_check {
        CanaryBook::empty()
    } else {
        CanaryBook::new(&a.corpus.args())
    };
    let rt = runtime(a.threads)?;
    rt.block_on(async move {
        eprintln!("sink: {} canaries indexed", book.len());
        let mut cfg = SinkConfig::new(a.listen, Arc::new(book));
        cfg.fault = fault.clone();
        cfg.plain_listen = a.plain_listen;
        let sink = Sink::start(cfg)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
        eprintln!(
            "sink listening on {} (OTLP gRPC + HTTP, GET /stats); fault: {fault:?}",
            sink.addr()
        );
        if let Some(p) = sink.plain_addr() {
            eprintln!("sink listening on {p} (plain HTTP/1.1)");
        }
        let stop = async {
            match a.duration {
                Some(d) => tokio::time::sleep(d).await,
                None => interrupted().await,
            }
        };
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(a.print_every.max(Duration::from_millis(100)));
        let mut last = sink.stats();
        loop {
            tokio::select! {
                _ = &mut stop => break,
                _ = tick.tick() => {
                    let now = sink.stats();
                    if now != last {
                        eprintln!("sink: {}", now.line());
                        last = now;
                    }
                }
            }
        }
        let stats = sink.stats();
        for c in sink.canary_samples() {
            eprintln!(
                "sink: canary found: {} {} planted in {} ({}): {:?}",
                c.signal, c.kind, c.location, c.carrier, c.value
            );
        }
        sink.stop().await;
        eprintln!("sink: {}", stats.line());
        println!(
            "{}",
            serde_json::to_string_pretty(&stats).map_err(|e| e.to_string())?
        );
        Ok(ExitCode::SUCCESS)
    })
}

fn run_gen(a: GenArgs) -> Result<ExitCode, String> {
    let mut cfg = GenConfig::new(
        a.target,
        match a.protocol {
            ProtocolArg::OtlpHttp => Protocol::OtlpHttp,
            ProtocolArg::OtlpGrpc => Protocol::OtlpGrpc,
            ProtocolArg::Http => Protocol::Http,
        },
    );
    cfg.signal = match a.signal {
        SignalArg::Logs => Signal::Logs,
        SignalArg::Metrics => Signal::Metrics,
        SignalArg::Traces => Signal::Traces,
    };
    cfg.json = matches!(a.encoding, EncodingArg::Json);
    cfg.gzip = a.gzip;
    cfg.size = a.size;
    cfg.path = a.path;
    cfg.corpus = a.corpus.args();
    cfg.connections = a.connections;
    cfg.rate = a.rate;
    cfg.duration = a.duration;
    cfg.warmup = a.warmup;
    cfg.max_requests = a.requests;
    cfg.timeout = a.timeout;
    let long = a.duration + a.warmup >= Duration::from_secs(10);
    cfg.progress = ((a.progress || long) && !a.no_progress).then_some(Duration::from_secs(1));
    let rt = runtime(a.threads)?;
    let report = rt.block_on(async {
        tokio::select! {
            r = gen::run(&cfg) => r,
            _ = interrupted() => Err("interrupted".to_string()),
        }
    })?;
    println!("{report}");
    if let Some(p) = a.report_json {
        let json = serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(&p, json).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run_compare(a: CompareArgs) -> Result<ExitCode, String> {
    let mut cfg = if a.quick {
        CompareConfig::quick()
    } else {
        CompareConfig::full()
    };
    cfg.command = std::env::args().collect::<Vec<_>>().join(" ");
    if let Some(v) = a.rounds {
        cfg.rounds = v;
    }
    if let Some(v) = a.duration {
        cfg.load.duration = v;
    }
    if let Some(v) = a.latency_duration {
        cfg.load.latency_duration = v;
    }
    if let Some(v) = a.latency_slices {
        if v == 0 {
            return Err("--latency-slices must be at least 1".into());
        }
        cfg.load.latency_slices = v;
    }
    if let Some(v) = a.warmup {
        cfg.load.warmup = v;
    }
    if let Some(v) = a.plain_connections {
        cfg.load.plain_connections = v;
    }
    if let Some(v) = a.otlp_connections {
        cfg.load.otlp_connections = v;
    }
    if let Some(v) = a.plain_rate {
        cfg.load.plain_rate = v;
    }
    if let Some(v) = a.otlp_rate {
        cfg.load.otlp_rate = v;
    }
    if let Some(p) = a.planeguard {
        cfg.planeguard = p;
    }
    cfg.build_planeguard = !a.no_build;
    if let Some(ts) = a.targets {
        cfg.targets = ts
            .iter()
            .map(|t| {
                TargetKind::parse(t.trim()).ok_or_else(|| {
                    format!("unknown target {t:?}; known: direct, planeguard, nginx, haproxy")
                })
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(s) = a.scenarios {
        cfg.scenarios = s.into_iter().map(|s| s.trim().to_string()).collect();
    }
    if let Some(o) = a.out {
        cfg.out_dir = Some(o);
    }
    cfg.pin = !a.no_pin;
    cfg.load.corpus = a.corpus.args();
    // Generator and sink share one core: one worker thread, so that they do
    // not preempt each other in OS time slices (which shows as latency).
    let rt = runtime(1)?;
    let report = rt.block_on(async {
        tokio::select! {
            r = compare::run(&cfg) => r,
            _ = interrupted() => {
                Err("interrupted: every started process was stopped".to_string())
            }
        }
    })?;
    print!("{}", compare::text(&report));
    Ok(if report.sanity.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Ctrl-C or SIGTERM (`timeout`, a CI runner, `kill`): either stops a run the
/// same way, so the processes `compare` started are stopped with it.
async fn interrupted() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
