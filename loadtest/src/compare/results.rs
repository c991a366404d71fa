//! From per-run measurements to the comparison's figures: medians over
//! rounds, ratios against the direct path and against each peer, the bars
//! of issue 5, and the loose sanity bounds of `--quick`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::scenario::{Scenario, SCENARIOS};
use super::targets::TargetKind;
use crate::gen::latency::Latency;
use crate::gen::GenReport;
use crate::sink::{CanarySample, StatsSnapshot};

/// One run of one scenario against one target.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    pub round: usize,
    pub scenario: &'static str,
    pub target: TargetKind,
    pub throughput: GenReport,
    pub latency: Option<GenReport>,
    /// Sink counters over the throughput phase (drain included).
    pub sink: StatsSnapshot,
    /// Sink counters over the latency phase.
    pub sink_latency_phase: Option<StatsSnapshot>,
    /// Proxy user+sys CPU seconds over the throughput phase (warm-up and
    /// drain included, like `total_requests`).
    pub proxy_cpu_s: Option<f64>,
    /// Time the sink kept receiving after the generator stopped.
    pub drain_s: f64,
    /// Scrubbed paths: the canaries that reached the sink (at most 50).
    pub leaks: Vec<CanarySample>,
}

impl Measurement {
    /// Records that reached the sink in the throughput phase.
    fn delivered_records(&self) -> u64 {
        self.sink.records()
    }

    fn canaries_found(&self) -> u64 {
        self.sink.canaries_found() + self.sink_latency_phase.map_or(0, |s| s.canaries_found())
    }

    fn leaked_payloads(&self) -> u64 {
        self.sink.leaked_payloads() + self.sink_latency_phase.map_or(0, |s| s.leaked_payloads())
    }
}

/// Median figures of one scenario and target.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Row {
    pub scenario: &'static str,
    pub target: String,
    /// Set when the target could not serve this scenario.
    pub failed: Option<String>,
    pub runs: usize,
    pub req_per_s: f64,
    /// Records acknowledged to the generator per second.
    pub records_per_s: f64,
    pub mb_per_s: f64,
    /// Latency percentiles of every round's samples pooled (the median of
    /// each over rounds when samples were not kept).
    pub latency_us: Latency,
    /// Each round's own p99, to show how much it moved.
    pub p99_per_round: Vec<u64>,
    /// `open loop at N req/s` or `closed loop`.
    pub latency_source: String,
    /// p99 minus the direct path's p99.
    pub added_p99_us: Option<f64>,
    /// req/s over the direct path's.
    pub vs_direct: Option<f64>,
    /// req/s over each peer's.
    pub vs_peers: BTreeMap<String, f64>,
    /// Proxy CPU (user+sys) per request, µs.
    pub cpu_us_per_req: Option<f64>,
    /// Proxy CPU per 1,000 records delivered to the sink, ms.
    pub cpu_ms_per_1k_records: Option<f64>,
    /// Records delivered per proxy CPU-second: throughput per proxy core.
    pub records_per_cpu_s: Option<f64>,
    /// CPU per request over each peer's.
    pub cpu_vs_peers: BTreeMap<String, f64>,
    /// All runs: failed requests and their share of all requests.
    pub errors: u64,
    pub error_share: f64,
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Records acknowledged minus records delivered (all runs).
    pub undelivered_records: i64,
    /// Canaries found at the sink over all runs (per payload, distinct).
    pub canaries_found: u64,
    /// Payloads with a canary at the sink over all runs: a leak when the
    /// path is scrubbed (`scrubbed`).
    pub leaked_payloads: u64,
    pub scrubbed: bool,
    /// Scrubbed paths: examples of canaries that reached the sink.
    pub leak_samples: Vec<CanarySample>,
    /// Median request size sent.
    pub bytes_per_request: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn median_of<F: Fn(&Measurement) -> Option<f64>>(ms: &[&Measurement], f: F) -> Option<f64> {
    let v: Vec<f64> = ms.iter().filter_map(|m| f(m)).collect();
    (!v.is_empty()).then(|| median(v))
}

/// Median rows, in scenario then target order; `failures` lists targets that
/// could not serve a scenario.
pub fn rows(
    ms: &[Measurement],
    failures: &[(&'static str, TargetKind, String)],
    targets: &[TargetKind],
) -> Vec<Row> {
    let mut out = Vec::new();
    for sc in SCENARIOS {
        let mut rows: Vec<Row> = Vec::new();
        for &t in targets {
            if let Some((_, _, why)) = failures.iter().find(|(s, k, _)| *s == sc.id && *k == t) {
                rows.push(Row {
                    scenario: sc.id,
                    target: t.as_str().into(),
                    failed: Some(why.clone()),
                    scrubbed: t.scrubs() && sc.group.is_otlp(),
                    ..Row::default()
                });
                continue;
            }
            let mine: Vec<&Measurement> = ms
                .iter()
                .filter(|m| m.scenario == sc.id && m.target == t)
                .collect();
            if !mine.is_empty() {
                rows.push(row(&sc, t, &mine));
            }
        }
        relate(&mut rows);
        out.extend(rows);
    }
    out
}

fn row(sc: &Scenario, t: TargetKind, ms: &[&Measurement]) -> Row {
    let latency_us = pooled_latency(ms).unwrap_or_else(|| median_latency(ms));
    let p99_per_round = ms.iter().map(|m| latency_run(m).latency_us.p99).collect();
    let latency_source = match ms.first().and_then(|m| m.latency.as_ref()) {
        Some(l) => format!("open loop at {:.0} req/s", l.rate.unwrap_or(0.0)),
        None => "closed loop".into(),
    };
    let cpu_us_per_req = median_of(ms, |m| {
        let cpu = m.proxy_cpu_s?;
        (m.throughput.total_requests > 0).then(|| cpu * 1e6 / m.throughput.total_requests as f64)
    });
    let per_record = sc.group.is_otlp();
    let cpu_ms_per_1k_records = median_of(ms, |m| {
        let cpu = m.proxy_cpu_s?;
        let rec = m.delivered_records();
        (per_record && rec > 0).then(|| cpu * 1e3 / (rec as f64 / 1e3))
    });
    let records_per_cpu_s = median_of(ms, |m| {
        let cpu = m.proxy_cpu_s?;
        let rec = m.delivered_records();
        (per_record && cpu > 0.0).then(|| rec as f64 / cpu)
    });
    let mut errors_by_kind = BTreeMap::new();
    let mut errors = 0;
    let mut requests = 0;
    let mut acked: i64 = 0;
    let mut delivered: i64 = 0;
    for m in ms {
        for r in std::iter::once(&m.throughput).chain(m.latency.as_ref()) {
            errors += r.errors;
            requests += r.requests + r.errors;
            for (k, v) in &r.errors_by_kind {
                *errors_by_kind.entry(k.clone()).or_insert(0) += v;
            }
        }
        acked += m.throughput.total_records as i64;
        delivered += m.delivered_records() as i64;
    }
    Row {
        scenario: sc.id,
        target: t.as_str().into(),
        failed: None,
        runs: ms.len(),
        req_per_s: median_of(ms, |m| Some(m.throughput.req_per_s)).unwrap_or(0.0),
        records_per_s: median_of(ms, |m| Some(m.throughput.records_per_s)).unwrap_or(0.0),
        mb_per_s: median_of(ms, |m| Some(m.throughput.mb_per_s)).unwrap_or(0.0),
        latency_us,
        p99_per_round,
        latency_source,
        added_p99_us: None,
        vs_direct: None,
        vs_peers: BTreeMap::new(),
        cpu_us_per_req,
        cpu_ms_per_1k_records,
        records_per_cpu_s,
        cpu_vs_peers: BTreeMap::new(),
        errors,
        error_share: if requests > 0 {
            errors as f64 / requests as f64
        } else {
            0.0
        },
        errors_by_kind,
        undelivered_records: if per_record { acked - delivered } else { 0 },
        canaries_found: ms.iter().map(|m| m.canaries_found()).sum(),
        leaked_payloads: ms.iter().map(|m| m.leaked_payloads()).sum(),
        scrubbed: t.scrubs() && sc.group.is_otlp(),
        leak_samples: {
            let mut v: Vec<CanarySample> = Vec::new();
            for s in ms.iter().flat_map(|m| &m.leaks) {
                if v.len() < 20 && !v.iter().any(|x| x.value == s.value) {
                    v.push(s.clone());
                }
            }
            v
        },
        bytes_per_request: median_of(ms, |m| {
            (m.throughput.requests > 0)
                .then(|| m.throughput.bytes as f64 / m.throughput.requests as f64)
        })
        .unwrap_or(0.0),
    }
}

/// The run whose latency a measurement reports: the open-loop phase, else
/// the closed loop.
fn latency_run(m: &Measurement) -> &GenReport {
    m.latency.as_ref().unwrap_or(&m.throughput)
}

/// Percentiles of all rounds' samples together: with ~20,000 samples per
/// round a p99 is ~200 samples deep, and pooling rounds weighs each slow
/// spell of the host by how long it lasted instead of letting one round's
/// p99 decide. `None` when a run kept no samples.
fn pooled_latency(ms: &[&Measurement]) -> Option<Latency> {
    let mut runs = ms.iter().map(|m| latency_run(m).histogram.as_ref());
    let mut all = runs.next()??.clone();
    for h in runs {
        // Same bounds everywhere (`latency::histogram`): cannot fail.
        let _ = all.add(h?);
    }
    Some(Latency::of(&all))
}

/// The median over rounds of each percentile.
fn median_latency(ms: &[&Measurement]) -> Latency {
    let lat = |f: fn(&Latency) -> u64| {
        median_of(ms, |m| Some(f(&latency_run(m).latency_us) as f64)).unwrap_or(0.0) as u64
    };
    Latency {
        p50: lat(|l| l.p50),
        p90: lat(|l| l.p90),
        p99: lat(|l| l.p99),
        p999: lat(|l| l.p999),
        max: lat(|l| l.max),
        mean: median_of(ms, |m| Some(latency_run(m).latency_us.mean)).unwrap_or(0.0),
    }
}

/// Fills the ratios of one scenario's rows.
fn relate(rows: &mut [Row]) {
    let ok = |r: &Row| r.failed.is_none() && r.req_per_s > 0.0;
    let direct = rows
        .iter()
        .find(|r| r.target == "direct" && ok(r))
        .map(|r| (r.req_per_s, r.latency_us.p99));
    let peers: Vec<(String, f64, Option<f64>)> = rows
        .iter()
        .filter(|r| (r.target == "nginx" || r.target == "haproxy") && ok(r))
        .map(|r| (r.target.clone(), r.req_per_s, r.cpu_us_per_req))
        .collect();
    for r in rows.iter_mut().filter(|r| r.failed.is_none()) {
        if let Some((rps, p99)) = direct {
            r.vs_direct = Some(r.req_per_s / rps);
            r.added_p99_us = Some(r.latency_us.p99 as f64 - p99 as f64);
        }
        for (name, rps, cpu) in &peers {
            r.vs_peers.insert(name.clone(), r.req_per_s / rps);
            if let (Some(mine), Some(theirs)) = (r.cpu_us_per_req, cpu) {
                if *theirs > 0.0 {
                    r.cpu_vs_peers.insert(name.clone(), mine / theirs);
                }
            }
        }
    }
}

/// One of the bars, as measured.
#[derive(Clone, Debug, Serialize)]
pub struct Bar {
    pub bar: String,
    pub measured: String,
    /// `pass`, `FAIL`, or `n/a` (not measured in this run).
    pub verdict: &'static str,
}

fn bar(name: impl Into<String>, measured: impl Into<String>, pass: Option<bool>) -> Bar {
    Bar {
        bar: name.into(),
        measured: measured.into(),
        verdict: match pass {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "n/a",
        },
    }
}

fn find<'a>(rows: &'a [Row], scenario: &str, target: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.scenario == scenario && r.target == target && r.failed.is_none() && r.runs > 0)
}

/// The bars of issue 5, evaluated on `rows`; `planeguard_peak_rss` in bytes.
pub fn bars(
    rows: &[Row],
    planeguard_peak_rss: Option<u64>,
    planeguard_ready_ms: Option<f64>,
) -> Vec<Bar> {
    let mut out = Vec::new();
    for sc in ["plain-4k", "plain-64k"] {
        let pg = find(rows, sc, "planeguard");
        let hp = find(rows, sc, "haproxy");
        let both = pg.zip(hp);
        out.push(match both {
            Some((p, h)) => bar(
                format!("{sc}: req/s via planeguard >= via haproxy"),
                format!(
                    "{:.0} vs {:.0} ({:.2}x)",
                    p.req_per_s,
                    h.req_per_s,
                    p.req_per_s / h.req_per_s
                ),
                Some(p.req_per_s >= h.req_per_s),
            ),
            None => bar(
                format!("{sc}: req/s via planeguard >= via haproxy"),
                missing(pg, hp),
                None,
            ),
        });
        out.push(
            match both.and_then(|(p, h)| Some((p.cpu_us_per_req?, h.cpu_us_per_req?))) {
                Some((p, h)) => bar(
                    format!("{sc}: proxy CPU per request planeguard <= haproxy"),
                    format!("{p:.1} µs vs {h:.1} µs"),
                    Some(p <= h),
                ),
                None => bar(
                    format!("{sc}: proxy CPU per request planeguard <= haproxy"),
                    missing(pg, hp),
                    None,
                ),
            },
        );
        out.push(
            match both.and_then(|(p, h)| Some((p.added_p99_us?, h.added_p99_us?))) {
                Some((p, h)) => bar(
                    format!("{sc}: added p99 planeguard <= haproxy"),
                    format!("{p:.0} µs vs {h:.0} µs"),
                    Some(p <= h),
                ),
                None => bar(
                    format!("{sc}: added p99 planeguard <= haproxy"),
                    missing(pg, hp),
                    None,
                ),
            },
        );
    }
    for sc in ["otlp-http-logs", "otlp-grpc-logs"] {
        let name = format!("{sc}: >= 600,000 records/s per proxy core (strict, no gzip)");
        out.push(
            match find(rows, sc, "planeguard").and_then(|r| r.records_per_cpu_s) {
                Some(v) => bar(
                    name,
                    format!("{v:.0} records per CPU-second"),
                    Some(v >= 600_000.0),
                ),
                None => bar(name, "not measured (planeguard did not run)", None),
            },
        );
    }
    let scrubbed: Vec<&Row> = rows
        .iter()
        .filter(|r| r.scrubbed && r.failed.is_none() && r.runs > 0)
        .collect();
    let leaks: u64 = scrubbed.iter().map(|r| r.leaked_payloads).sum();
    out.push(bar(
        "zero canaries at the metadata-plane sink in every run",
        if scrubbed.is_empty() {
            "no scrubbed run".to_string()
        } else {
            format!(
                "{leaks} payloads with canaries in {} scenarios",
                scrubbed.len()
            )
        },
        (!scrubbed.is_empty()).then_some(leaks == 0),
    ));
    out.push(match planeguard_peak_rss {
        Some(b) => bar(
            "planeguard RSS <= 64 MiB at peak",
            format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
            Some(b <= 64 << 20),
        ),
        None => bar("planeguard RSS <= 64 MiB at peak", "not measured", None),
    });
    if let Some(ms) = planeguard_ready_ms {
        // Informational: includes process spawn and the connect probe.
        out.push(bar(
            "planeguard ready <= 50 ms after start (spawn to listening)",
            format!("{ms:.0} ms"),
            Some(ms <= 50.0),
        ));
    }
    out
}

fn missing(pg: Option<&Row>, hp: Option<&Row>) -> String {
    match (pg, hp) {
        (None, None) => "not measured (planeguard and haproxy did not run)".into(),
        (None, _) => "not measured (planeguard did not run)".into(),
        (_, None) => "not measured (haproxy did not run)".into(),
        _ => "not measured".into(),
    }
}

/// Loose bounds for `--quick` (CI smoke test): the harness works, not how
/// fast anything is. Returns the problems found.
pub fn sanity(rows: &[Row]) -> Vec<String> {
    let mut problems = Vec::new();
    for r in rows {
        let what = format!("{} via {}", r.scenario, r.target);
        if let Some(f) = &r.failed {
            if r.target == "direct" {
                problems.push(format!("{what}: {f}"));
            }
            continue;
        }
        if r.req_per_s <= 0.0 {
            problems.push(format!("{what}: no successful request"));
        }
        if r.error_share > 0.05 {
            problems.push(format!(
                "{what}: {:.1}% of requests failed ({:?})",
                r.error_share * 100.0,
                r.errors_by_kind
            ));
        }
        if r.scrubbed && r.leaked_payloads > 0 {
            problems.push(format!(
                "{what}: {} payloads with canaries reached the metadata-plane sink",
                r.leaked_payloads
            ));
        }
        if r.target == "direct" && r.scenario.starts_with("otlp") && r.canaries_found == 0 {
            problems.push(format!(
                "{what}: the sink found no canary on the unscrubbed path (the canary check is broken)"
            ));
        }
    }
    if !rows
        .iter()
        .any(|r| r.target == "direct" && r.failed.is_none())
    {
        problems.push("the direct path did not run".into());
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(target: &str, rps: f64, p99: u64, cpu: Option<f64>) -> Row {
        Row {
            scenario: "plain-4k",
            target: target.into(),
            runs: 1,
            req_per_s: rps,
            latency_us: Latency {
                p99,
                ..Latency::default()
            },
            cpu_us_per_req: cpu,
            ..Row::default()
        }
    }

    #[test]
    fn ratios_against_direct_and_peers() {
        let mut rows = vec![
            r("direct", 1000.0, 100, None),
            r("planeguard", 900.0, 150, Some(20.0)),
            r("haproxy", 800.0, 180, Some(25.0)),
        ];
        relate(&mut rows);
        let pg = &rows[1];
        assert_eq!(pg.vs_direct, Some(0.9));
        assert_eq!(pg.added_p99_us, Some(50.0));
        assert_eq!(pg.vs_peers.get("haproxy"), Some(&1.125));
        assert_eq!(pg.cpu_vs_peers.get("haproxy"), Some(&0.8));
        let b = bars(&rows, Some(10 << 20), None);
        assert_eq!(b[0].verdict, "pass");
        assert_eq!(b[1].verdict, "pass");
        assert_eq!(b[2].verdict, "pass");
        // plain-64k was not measured.
        assert_eq!(b[3].verdict, "n/a");
        assert!(b
            .iter()
            .any(|x| x.bar.contains("RSS") && x.verdict == "pass"));
    }

    #[test]
    fn sanity_flags_leaks_errors_and_a_blind_checker() {
        let mut leak = r("planeguard", 10.0, 1, None);
        leak.scenario = "otlp-http-logs";
        leak.scrubbed = true;
        leak.leaked_payloads = 2;
        let mut blind = r("direct", 10.0, 1, None);
        blind.scenario = "otlp-http-logs";
        let mut errs = r("nginx", 10.0, 1, None);
        errs.error_share = 0.5;
        let p = sanity(&[leak, blind, errs]);
        assert_eq!(p.len(), 3, "{p:?}");
        let mut fine = r("direct", 10.0, 1, None);
        fine.scenario = "otlp-http-logs";
        fine.canaries_found = 5;
        assert!(sanity(&[fine]).is_empty());
    }

    /// A plain-4k measurement whose latency phase saw `fast` samples of
    /// 100 µs and `slow` of `slow_us`.
    fn timed(round: usize, fast: u64, slow: u64, slow_us: u64, keep: bool) -> Measurement {
        let mut h = crate::gen::latency::histogram();
        h.record_n(100, fast).expect("in bounds");
        h.record_n(slow_us, slow).expect("in bounds");
        let latency = GenReport {
            requests: fast + slow,
            latency_us: Latency::of(&h),
            histogram: keep.then_some(h),
            ..GenReport::default()
        };
        Measurement {
            round,
            scenario: "plain-4k",
            target: TargetKind::Planeguard,
            throughput: GenReport::default(),
            latency: Some(latency),
            sink: StatsSnapshot::default(),
            sink_latency_phase: None,
            proxy_cpu_s: None,
            drain_s: 0.0,
            leaks: Vec::new(),
        }
    }

    #[test]
    fn latency_percentiles_are_of_pooled_samples() {
        // One round with a slow spell (3% of its samples at 900 µs), two
        // without: each round's p99 is 100 or 900, their median 100, while
        // over all samples 1% are slow, which a pooled p99 shows (900).
        let ms = [
            timed(0, 9700, 300, 900, true),
            timed(1, 10_000, 0, 900, true),
            timed(2, 9950, 50, 900, true),
        ];
        let refs: Vec<&Measurement> = ms.iter().collect();
        let pooled = row(&SCENARIOS[0], TargetKind::Planeguard, &refs);
        assert_eq!(pooled.p99_per_round, vec![900, 100, 100]);
        assert_eq!(pooled.latency_us.p99, 900, "{:?}", pooled.latency_us);
        assert_eq!(pooled.latency_us.p50, 100);
        // Without kept samples: the median of the rounds' percentiles.
        let ms = [
            timed(0, 9700, 300, 900, false),
            timed(1, 10_000, 0, 900, false),
            timed(2, 9950, 50, 900, true),
        ];
        let refs: Vec<&Measurement> = ms.iter().collect();
        let medians = row(&SCENARIOS[0], TargetKind::Planeguard, &refs);
        assert_eq!(medians.latency_us.p99, 100);
    }

    #[test]
    fn median_is_the_middle() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(vec![]), 0.0);
    }
}
