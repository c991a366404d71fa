//! `compare`: one command that starts the sink, starts each target in front
//! of it (planeguard, and nginx and haproxy when installed), and measures
//! every scenario against every target in interleaved rounds, with the proxy
//! pinned to one core and the generator and sink on the other. Reports
//! medians, ratios, proxy CPU per request and per 1,000 records, peak RSS
//! and the canary leak count at the metadata-plane sink; writes JSON, an SVG
//! chart and Markdown tables.

pub mod procs;
pub mod render;
pub mod results;
pub mod scenario;
pub mod svg;
pub mod targets;

use std::collections::BTreeMap;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::corpus::{CanaryBook, CorpusArgs, Payload};
use crate::gen;
use crate::sink::{Sink, SinkConfig};
use procs::TempDir;
use results::{Bar, Measurement, Row};
use scenario::{Group, Load, Scenario, SCENARIOS};
use targets::{Endpoint, Launch, SinkPorts, Target, TargetKind};

/// What to compare and how long.
#[derive(Clone, Debug)]
pub struct CompareConfig {
    pub quick: bool,
    pub rounds: usize,
    pub load: Load,
    pub planeguard: PathBuf,
    /// Build planeguard (`cargo build --release -p planeguard`) if missing.
    pub build_planeguard: bool,
    pub targets: Vec<TargetKind>,
    /// Scenario ids; empty = all.
    pub scenarios: Vec<String>,
    /// Where to write JSON, SVG and Markdown; `None` = nowhere.
    pub out_dir: Option<PathBuf>,
    /// Pin the proxy and the generator to separate cores with taskset.
    pub pin: bool,
    /// The command line, recorded in the report.
    pub command: String,
}

/// The workspace this crate was built in.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `$CARGO_TARGET_DIR/release/planeguard`, else `target/release/planeguard`
/// of the workspace.
pub fn default_planeguard() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("release").join("planeguard")
}

impl CompareConfig {
    /// The full (manual) run: 3 rounds of 5 s throughput + 5 s latency (in
    /// 5 interleaved slices) per scenario and target.
    pub fn full() -> Self {
        Self {
            quick: false,
            rounds: 3,
            load: Load {
                corpus: CorpusArgs::default(),
                plain_connections: 32,
                otlp_connections: 8,
                plain_rate: 4000.0,
                otlp_rate: 400.0,
                warmup: Duration::from_secs(1),
                duration: Duration::from_secs(5),
                latency_duration: Duration::from_secs(5),
                latency_slices: 5,
            },
            planeguard: default_planeguard(),
            build_planeguard: true,
            targets: TargetKind::ALL.to_vec(),
            scenarios: Vec::new(),
            out_dir: Some(workspace_root().join("loadtest").join("results")),
            pin: true,
            command: String::new(),
        }
    }

    /// The CI smoke test: one short round, no separate latency phase.
    pub fn quick() -> Self {
        let mut c = Self::full();
        c.quick = true;
        c.rounds = 1;
        c.load.plain_connections = 8;
        c.load.otlp_connections = 4;
        c.load.warmup = Duration::from_millis(200);
        c.load.duration = Duration::from_millis(1000);
        c.load.latency_duration = Duration::ZERO;
        c
    }
}

/// The machine the comparison ran on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cpus: usize,
    pub memory_mib: u64,
    pub kernel: String,
    /// `/proc/loadavg` when the comparison started: other work on the
    /// machine skews every figure.
    pub loadavg_at_start: String,
}

impl Machine {
    pub fn detect() -> Self {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
        Self {
            cpu: cpuinfo
                .lines()
                .find_map(|l| l.strip_prefix("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_else(|| "unknown".into()),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_mib: meminfo
                .lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map_or(0, |kb| kb / 1024),
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            loadavg_at_start: loadavg(),
        }
    }
}

fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// What a target was, as reported.
#[derive(Clone, Debug, Serialize)]
pub struct TargetSummary {
    pub target: TargetKind,
    pub version: Option<String>,
    /// Groups (`plain`, `otlp-http`, `otlp-grpc`) it could not serve.
    pub failures: BTreeMap<String, String>,
    pub peak_rss_bytes: Option<u64>,
    pub idle_rss_bytes: Option<u64>,
    /// Spawn to every listener accepting, slowest process.
    pub ready_ms: Option<f64>,
    /// Each process of the target (planeguard runs one per group).
    pub processes: Vec<ProcessSummary>,
}

/// One process of a target.
#[derive(Clone, Debug, Serialize)]
pub struct ProcessSummary {
    /// The groups it served (`plain`, `otlp-http`, `otlp-grpc`).
    pub groups: Vec<String>,
    pub peak_rss_bytes: Option<u64>,
    pub idle_rss_bytes: Option<u64>,
    pub ready_ms: Option<f64>,
}

/// Everything a comparison produced.
#[derive(Clone, Debug, Serialize)]
pub struct CompareReport {
    pub quick: bool,
    pub command: String,
    pub started_unix: u64,
    pub seconds: f64,
    pub machine: Machine,
    pub pinning: String,
    pub rounds: usize,
    pub load: Load,
    pub notes: Vec<String>,
    pub targets: Vec<TargetSummary>,
    pub rows: Vec<Row>,
    pub bars: Vec<Bar>,
    /// `--quick` bounds that were violated (empty = sane).
    pub sanity: Vec<String>,
    /// `/proc/loadavg` when the comparison ended.
    pub loadavg_at_end: String,
    pub files: Vec<String>,
    pub measurements: Vec<Measurement>,
}

/// Runs the comparison. Every process started is stopped before this
/// returns, and also if the future is dropped (Ctrl-C).
pub async fn run(cfg: &CompareConfig) -> Result<CompareReport, String> {
    let t0 = Instant::now();
    let started_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let machine = Machine::detect();
    let mut notes = Vec::new();
    let scenarios: Vec<Scenario> = SCENARIOS
        .into_iter()
        .filter(|s| cfg.scenarios.is_empty() || cfg.scenarios.iter().any(|id| id == s.id))
        .collect();
    if scenarios.is_empty() {
        return Err(format!(
            "no scenario selected; known: {}",
            SCENARIOS.map(|s| s.id).join(", ")
        ));
    }
    let mut groups: Vec<Group> = scenarios.iter().map(|s| s.group).collect();
    groups.dedup();

    let (pinning, pin) = pinning(cfg.pin);
    eprintln!("compare: {pinning}");

    let book = Arc::new(CanaryBook::new(&cfg.load.corpus));
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut sink_cfg = SinkConfig::new(loopback, book);
    sink_cfg.plain_listen = Some(loopback);
    let sink = Sink::start(sink_cfg)
        .await
        .map_err(|e| format!("cannot start the sink: {e}"))?;
    let sink_ports = SinkPorts {
        otlp: sink.addr(),
        plain: sink.plain_addr().unwrap_or(sink.addr()),
    };
    let dir = TempDir::new("planeguard-compare").map_err(|e| format!("no temp dir: {e}"))?;

    let launch = Launch {
        dir: &dir.0,
        sink: sink_ports,
        pin,
        groups: &groups,
    };
    let mut targets: Vec<Target> = Vec::new();
    for kind in &cfg.targets {
        let t = match kind {
            TargetKind::Direct => targets::direct(sink_ports, &groups),
            TargetKind::Planeguard => {
                ensure_planeguard(cfg, &mut notes);
                targets::planeguard(&launch, &cfg.planeguard).await
            }
            TargetKind::Nginx => targets::nginx(&launch).await,
            TargetKind::Haproxy => targets::haproxy(&launch).await,
        };
        for (g, why) in &t.failures {
            let line = format!("{} ({}): {why}", kind.as_str(), g.as_str());
            eprintln!("compare: {line}");
            notes.push(line);
        }
        targets.push(t);
    }

    let mut failures = Vec::new();
    for sc in &scenarios {
        for t in &targets {
            if let Err(e) = t.endpoint(sc.group) {
                failures.push((sc.id, t.kind, e));
            }
        }
    }
    let pools: Vec<Arc<[Payload]>> = scenarios
        .iter()
        .map(|sc| {
            let any = SocketAddr::from(([127, 0, 0, 1], 1));
            gen::payloads(&sc.throughput(any, &cfg.load)).into()
        })
        .collect();
    let ticks = procs::clock_ticks();
    let rounds = cfg.rounds.max(1);
    let mut ms = Vec::new();
    for round in 0..rounds {
        for (sc, pool) in scenarios.iter().zip(&pools) {
            let n = targets.len();
            // Rotate the order each round so no target always runs first.
            let serving: Vec<(TargetKind, Endpoint)> = (0..n)
                .map(|j| &targets[(j + round) % n])
                .filter_map(|t| Some((t.kind, t.endpoint(sc.group).ok()?)))
                .collect();
            let mut round_ms = Vec::with_capacity(serving.len());
            for (kind, ep) in &serving {
                let m = measure(round, sc, *kind, ep, &cfg.load, pool, &sink, ticks).await?;
                eprintln!(
                    "round {}/{rounds} {:<20} via {:<10} {:>9.0} req/s {:>10.0} rec/s  cpu {}  errors {}  canaries {}",
                    round + 1,
                    sc.id,
                    kind.as_str(),
                    m.throughput.req_per_s,
                    m.throughput.records_per_s,
                    m.proxy_cpu_s.map_or("-".into(), |c| format!("{c:.2}s")),
                    m.throughput.errors,
                    m.sink.canaries_found(),
                );
                round_ms.push(m);
            }
            latency_phase(sc, &serving, &mut round_ms, &cfg.load, pool, &sink).await?;
            for m in round_ms.iter().filter(|m| m.latency.is_some()) {
                let l = m.latency.as_ref().map(|l| l.latency_us).unwrap_or_default();
                eprintln!(
                    "round {}/{rounds} {:<20} via {:<10} latency µs p50 {:>6}  p90 {:>6}  p99 {:>6}  errors {}  canaries {}",
                    round + 1,
                    sc.id,
                    m.target.as_str(),
                    l.p50,
                    l.p90,
                    l.p99,
                    m.latency.as_ref().map_or(0, |l| l.errors),
                    m.sink_latency_phase.map_or(0, |s| s.canaries_found()),
                );
            }
            ms.extend(round_ms);
        }
    }

    let kinds: Vec<TargetKind> = targets.iter().map(|t| t.kind).collect();
    let rows = results::rows(&ms, &failures, &kinds);
    let summaries: Vec<TargetSummary> = targets
        .iter()
        .map(|t| TargetSummary {
            target: t.kind,
            version: t.version.clone(),
            failures: t
                .failures
                .iter()
                .map(|(g, w)| (g.as_str().to_string(), w.clone()))
                .collect(),
            peak_rss_bytes: t.peak_rss(),
            idle_rss_bytes: t.idle_rss(),
            ready_ms: t.ready_ms(),
            processes: t
                .instances
                .iter()
                .filter_map(|i| {
                    let p = i.proc.as_ref()?;
                    Some(ProcessSummary {
                        groups: i
                            .groups
                            .iter()
                            .map(|(g, _)| g.as_str().to_string())
                            .collect(),
                        peak_rss_bytes: procs::status_bytes(p.pid(), "VmHWM"),
                        idle_rss_bytes: i.idle_rss,
                        ready_ms: i.ready_ms,
                    })
                })
                .collect(),
        })
        .collect();
    // Stop every proxy now (by PID, in their guards).
    drop(targets);
    sink.stop().await;
    let pg = summaries
        .iter()
        .find(|s| s.target == TargetKind::Planeguard);
    let bars = results::bars(
        &rows,
        pg.and_then(|p| p.peak_rss_bytes),
        pg.and_then(|p| p.ready_ms),
    );
    let sanity = if cfg.quick {
        results::sanity(&rows)
    } else {
        Vec::new()
    };
    let mut report = CompareReport {
        quick: cfg.quick,
        command: cfg.command.clone(),
        started_unix,
        seconds: t0.elapsed().as_secs_f64(),
        machine,
        pinning,
        rounds,
        load: cfg.load.clone(),
        notes,
        targets: summaries,
        rows,
        bars,
        sanity,
        loadavg_at_end: loadavg(),
        files: Vec::new(),
        measurements: ms,
    };
    if let Some(out) = &cfg.out_dir {
        report.files = write_files(&report, out)?;
    }
    Ok(report)
}

/// The throughput phase of one scenario against one target.
#[allow(clippy::too_many_arguments)]
async fn measure(
    round: usize,
    sc: &Scenario,
    target: TargetKind,
    ep: &Endpoint,
    load: &Load,
    pool: &Arc<[Payload]>,
    sink: &Sink,
    ticks: f64,
) -> Result<Measurement, String> {
    let cpu = || ep.pid.and_then(|p| procs::cpu_seconds(p, ticks));
    sink.clear_canary_samples();
    let s0 = sink.stats();
    let c0 = cpu();
    let throughput = gen::run_with(&sc.throughput(ep.addr, load), Arc::clone(pool)).await?;
    let drain_s = drain(sink).await;
    let c1 = cpu();
    let s1 = sink.stats();
    let leaks = if target.scrubs() && sc.group.is_otlp() {
        sink.canary_samples()
    } else {
        Vec::new()
    };
    Ok(Measurement {
        leaks,
        round,
        scenario: sc.id,
        target,
        throughput,
        latency: None,
        sink: s1.since(&s0),
        sink_latency_phase: None,
        proxy_cpu_s: c0.zip(c1).map(|(a, b)| (b - a).max(0.0)),
        drain_s,
    })
}

/// The open-loop latency phase of one scenario and round: the targets take
/// turns slice by slice (the order rotated each slice), and each target's
/// slices are pooled into its measurement (`ms[i]` belongs to `serving[i]`).
async fn latency_phase(
    sc: &Scenario,
    serving: &[(TargetKind, Endpoint)],
    ms: &mut [Measurement],
    load: &Load,
    pool: &Arc<[Payload]>,
    sink: &Sink,
) -> Result<(), String> {
    let n = serving.len();
    for slice in 0..load.latency_slices.max(1) {
        for j in 0..n {
            let i = (j + slice) % n;
            let (kind, ep) = &serving[i];
            let Some(g) = sc.latency_slice(ep.addr, load) else {
                return Ok(());
            };
            let scrubbed = kind.scrubs() && sc.group.is_otlp();
            if scrubbed {
                sink.clear_canary_samples();
            }
            let s0 = sink.stats();
            let r = gen::run_with(&g, Arc::clone(pool)).await?;
            drain(sink).await;
            let delta = sink.stats().since(&s0);
            let m = &mut ms[i];
            match &mut m.latency {
                Some(l) => l.absorb(&r),
                None => m.latency = Some(r),
            }
            m.sink_latency_phase = Some(match m.sink_latency_phase {
                Some(before) => before.plus(&delta),
                None => delta,
            });
            if scrubbed {
                for leak in sink.canary_samples() {
                    if m.leaks.len() >= LEAK_SAMPLES {
                        break;
                    }
                    m.leaks.push(leak);
                }
            }
        }
    }
    Ok(())
}

/// Canary samples kept per measurement.
const LEAK_SAMPLES: usize = 50;

/// Waits until the sink has received nothing for 200 ms (store-and-forward
/// proxies keep exporting after they answered), at most 10 s. Returns how
/// long it kept receiving.
async fn drain(sink: &Sink) -> f64 {
    const QUIET: Duration = Duration::from_millis(200);
    let start = Instant::now();
    let mut last = sink.stats().requests();
    let mut last_change = start;
    loop {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let now = sink.stats().requests();
        if now != last {
            last = now;
            last_change = Instant::now();
        } else if last_change.elapsed() >= QUIET || start.elapsed() >= Duration::from_secs(10) {
            return (last_change - start).as_secs_f64();
        }
    }
}

/// Pins this process (generator and sink) to the first allowed CPU and
/// returns how to pin proxies to the second.
fn pinning(want: bool) -> (String, Option<(PathBuf, usize)>) {
    if !want {
        return ("not pinned (--no-pin)".into(), None);
    }
    let Some(taskset) = procs::find_program("taskset") else {
        return ("not pinned: taskset not found (util-linux)".into(), None);
    };
    let cpus = procs::allowed_cpus();
    if cpus.len() < 2 {
        return (
            format!("not pinned: only {} CPU available", cpus.len()),
            None,
        );
    }
    match procs::pin_self(&taskset, cpus[0]) {
        Ok(()) => (
            format!(
                "proxy pinned to CPU {}, generator and sink pinned to CPU {} (taskset; {} CPUs allowed)",
                cpus[1],
                cpus[0],
                cpus.len()
            ),
            Some((taskset, cpus[1])),
        ),
        Err(e) => (format!("not pinned: {e}"), None),
    }
}

/// Builds planeguard in release mode when the binary is missing (and
/// building is allowed).
fn ensure_planeguard(cfg: &CompareConfig, notes: &mut Vec<String>) {
    if cfg.planeguard.is_file() || !cfg.build_planeguard {
        return;
    }
    eprintln!(
        "compare: {} missing; running `cargo build --release -p planeguard`",
        cfg.planeguard.display()
    );
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "-p", "planeguard"])
        .current_dir(workspace_root())
        .status();
    match status {
        Ok(s) if s.success() => {
            notes.push("built planeguard (cargo build --release -p planeguard)".into())
        }
        Ok(s) => notes.push(format!("cargo build --release -p planeguard failed: {s}")),
        Err(e) => notes.push(format!("cannot run cargo to build planeguard: {e}")),
    }
}

fn write_files(report: &CompareReport, out: &Path) -> Result<Vec<String>, String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let stem = if report.quick {
        "compare-quick"
    } else {
        "compare"
    };
    let json = serde_json::to_vec_pretty(report).map_err(|e| e.to_string())?;
    let title = format!(
        "planeguard-loadtest compare{}: latency per target ({}, {} CPUs)",
        if report.quick { " --quick" } else { "" },
        report.machine.cpu,
        report.machine.cpus
    );
    let files = [
        (format!("{stem}.json"), json),
        (
            format!("{stem}.svg"),
            svg::chart(&report.rows, &title).into_bytes(),
        ),
        (format!("{stem}.md"), markdown(report).into_bytes()),
    ];
    let mut written = Vec::new();
    for (name, data) in files {
        let p = out.join(name);
        fs::write(&p, data).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        written.push(p.display().to_string());
    }
    Ok(written)
}

/// The report's summary in Markdown (tables, bars, targets, notes).
pub fn markdown(report: &CompareReport) -> String {
    let mut s = format!(
        "Command: `{}`  \nMachine: {}, {} CPUs, {} MiB, Linux {}; load average {} at start, {} at end  \nPinning: {}  \nRounds: {}; throughput phase {:.1} s closed loop ({} connections plain, {} OTLP), latency phase {}; warm-up {:.1} s\n",
        report.command,
        report.machine.cpu,
        report.machine.cpus,
        report.machine.memory_mib,
        report.machine.kernel,
        report.machine.loadavg_at_start,
        report.loadavg_at_end,
        report.pinning,
        report.rounds,
        report.load.duration.as_secs_f64(),
        report.load.plain_connections,
        report.load.otlp_connections,
        if report.load.latency_duration.is_zero() {
            "none (closed-loop latency)".to_string()
        } else {
            format!(
                "{:.1} s open loop at {:.0} req/s plain, {:.0} req/s OTLP, in {} slices per round with the targets taking turns; percentiles of all rounds' samples pooled",
                report.load.latency_duration.as_secs_f64(),
                report.load.plain_rate,
                report.load.otlp_rate,
                report.load.latency_slices.max(1)
            )
        },
        report.load.warmup.as_secs_f64(),
    );
    s.push_str(&render::markdown(&report.rows));
    s.push_str("\n#### Bars\n\n| bar | measured | verdict |\n|---|---|---|\n");
    for b in &report.bars {
        s.push_str(&format!("| {} | {} | {} |\n", b.bar, b.measured, b.verdict));
    }
    s.push_str("\n#### Targets\n\n| target | version | peak RSS | idle RSS | ready |\n|---|---|---:|---:|---:|\n");
    for t in &report.targets {
        let mib = |b: Option<u64>| {
            b.map_or("-".into(), |b| {
                format!("{:.1} MiB", b as f64 / (1 << 20) as f64)
            })
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            t.target.as_str(),
            t.version.as_deref().unwrap_or("-"),
            mib(t.peak_rss_bytes),
            mib(t.idle_rss_bytes),
            t.ready_ms.map_or("-".into(), |m| format!("{m:.0} ms"))
        ));
    }
    let multi: Vec<&TargetSummary> = report
        .targets
        .iter()
        .filter(|t| t.processes.len() > 1)
        .collect();
    for t in multi {
        s.push_str(&format!("\n{} processes:\n\n", t.target.as_str()));
        for p in &t.processes {
            s.push_str(&format!(
                "* {}: peak RSS {}, idle RSS {}\n",
                p.groups.join(", "),
                p.peak_rss_bytes.map_or("-".into(), |b| format!(
                    "{:.1} MiB",
                    b as f64 / (1 << 20) as f64
                )),
                p.idle_rss_bytes.map_or("-".into(), |b| format!(
                    "{:.1} MiB",
                    b as f64 / (1 << 20) as f64
                )),
            ));
        }
    }
    if !report.notes.is_empty() {
        s.push_str("\nNotes:\n\n");
        for n in &report.notes {
            s.push_str(&format!("* {n}\n"));
        }
    }
    s
}

/// The report for the terminal.
pub fn text(report: &CompareReport) -> String {
    let mut s = format!(
        "planeguard-loadtest compare{} — {} ({} CPUs); {}\n",
        if report.quick { " --quick" } else { "" },
        report.machine.cpu,
        report.machine.cpus,
        report.pinning
    );
    s.push_str(&render::text(&report.rows));
    s.push_str("\nbars (as measured):\n");
    s.push_str(&render::bars(&report.bars));
    for t in &report.targets {
        for p in &t.processes {
            s.push_str(&format!(
                "{} ({}): peak RSS {:.1} MiB, idle RSS {:.1} MiB, ready in {}\n",
                t.target.as_str(),
                p.groups.join(", "),
                p.peak_rss_bytes.unwrap_or(0) as f64 / (1 << 20) as f64,
                p.idle_rss_bytes.unwrap_or(0) as f64 / (1 << 20) as f64,
                p.ready_ms.map_or("-".into(), |m| format!("{m:.0} ms"))
            ));
        }
    }
    for n in &report.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    if report.quick {
        if report.sanity.is_empty() {
            s.push_str("sanity: OK\n");
        } else {
            for p in &report.sanity {
                s.push_str(&format!("sanity: FAIL: {p}\n"));
            }
        }
    }
    for f in &report.files {
        s.push_str(&format!("wrote {f}\n"));
    }
    s.push_str(&format!("took {:.0} s\n", report.seconds));
    s
}
