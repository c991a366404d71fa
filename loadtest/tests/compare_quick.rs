//! `compare --quick` end to end: the real binary starts the sink, planeguard
//! (and nginx/haproxy when installed), runs a short round and writes JSON,
//! SVG and Markdown. Loose sanity bounds only, no timing assertions.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

const LOADTEST: &str = env!("CARGO_BIN_EXE_planeguard-loadtest");

/// The comparisons pin themselves and their proxies to the machine's
/// cores: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The planeguard binary: $PLANEGUARD_BIN, else a release or debug build in
/// this test's target directory, else a debug build made now.
fn planeguard_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PLANEGUARD_BIN") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    // <target>/<profile>/deps/compare_quick-HASH
    let target = exe.parent()?.parent()?.parent()?.to_path_buf();
    for profile in ["release", "debug"] {
        let p = target.join(profile).join("planeguard");
        if p.is_file() {
            return Some(p);
        }
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let ok = Command::new(cargo)
        .args(["build", "-p", "planeguard"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(workspace)
        .status()
        .is_ok_and(|s| s.success());
    let p = target.join("debug").join("planeguard");
    (ok && p.is_file()).then_some(p)
}

fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .any(|d| d.join(program).is_file())
}

fn rows<'a>(report: &'a Value, scenario: &str) -> Vec<&'a Value> {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["scenario"] == scenario)
        .collect()
}

fn row<'a>(report: &'a Value, scenario: &str, target: &str) -> &'a Value {
    rows(report, scenario)
        .into_iter()
        .find(|r| r["target"] == target)
        .unwrap_or_else(|| panic!("no row for {scenario} via {target}"))
}

#[test]
fn compare_quick_runs_every_target_and_writes_reports() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(planeguard) = planeguard_binary() else {
        eprintln!("skipped: the planeguard binary could not be built");
        return;
    };
    let out = std::env::temp_dir().join(format!("planeguard-compare-test-{}", std::process::id()));
    let mut targets = vec!["direct", "planeguard"];
    for peer in ["nginx", "haproxy"] {
        if installed(peer) {
            targets.push(peer);
        } else {
            eprintln!("{peer} not installed: not compared");
        }
    }
    let scenarios = ["plain-4k", "otlp-http-logs", "otlp-grpc-logs-gzip"];
    let t0 = Instant::now();
    let output = Command::new(LOADTEST)
        .args(["compare", "--quick", "--no-build", "--planeguard"])
        .arg(&planeguard)
        .arg("--out")
        .arg(&out)
        .arg("--targets")
        .arg(targets.join(","))
        .arg("--scenarios")
        .arg(scenarios.join(","))
        .output()
        .expect("run compare");
    let took = t0.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}\n{stdout}");
    assert!(took < Duration::from_secs(120), "quick took {took:?}");

    let json = std::fs::read(out.join("compare-quick.json")).expect("JSON written");
    let report: Value = serde_json::from_slice(&json).expect("valid JSON");
    let svg = std::fs::read_to_string(out.join("compare-quick.svg")).expect("SVG written");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let md = std::fs::read_to_string(out.join("compare-quick.md")).expect("Markdown written");
    assert!(md.contains("#### Bars"));
    let _ = std::fs::remove_dir_all(&out);

    // Any sanity problem fails: harness problems, and a canary at the
    // metadata-plane sink (the mission of planeguard: zero leaks, every run).
    let sanity: Vec<&str> = report["sanity"]
        .as_array()
        .expect("sanity")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(sanity.is_empty(), "sanity problems: {sanity:?}");
    assert_eq!(output.status.code(), Some(0));

    for sc in scenarios {
        let d = row(&report, sc, "direct");
        assert!(d["failed"].is_null(), "{d}");
        assert!(d["req_per_s"].as_f64().unwrap() > 0.0);
        assert_eq!(d["errors"], 0, "{d}");
        if sc.starts_with("otlp") {
            assert!(
                d["canaries_found"].as_u64().unwrap() > 0,
                "the unscrubbed path shows canaries"
            );
            assert_eq!(d["scrubbed"], false);
            let p = row(&report, sc, "planeguard");
            assert!(
                p["failed"].is_null(),
                "planeguard must run the OTLP scenarios: {p}"
            );
            assert!(p["req_per_s"].as_f64().unwrap() > 0.0, "{p}");
            assert_eq!(p["scrubbed"], true);
            assert!(p["cpu_us_per_req"].as_f64().unwrap() > 0.0, "{p}");
            assert!(p["records_per_cpu_s"].as_f64().unwrap() > 0.0, "{p}");
            assert!(p["vs_direct"].as_f64().unwrap() > 0.0, "{p}");
            assert_eq!(p["leaked_payloads"], 0, "canaries leaked: {p}");
        }
        for peer in &targets[2..] {
            let r = row(&report, sc, peer);
            assert!(r["failed"].is_null(), "{peer} installed but failed: {r}");
            assert!(r["cpu_us_per_req"].as_f64().unwrap() > 0.0, "{r}");
        }
    }
    // Plain proxying goes through planeguard's admission listener.
    let p = row(&report, "plain-4k", "planeguard");
    assert!(
        p["failed"].is_null(),
        "planeguard must proxy plain HTTP: {p}"
    );
    assert!(p["req_per_s"].as_f64().unwrap() > 0.0, "{p}");
    assert!(p["cpu_us_per_req"].as_f64().unwrap() > 0.0, "{p}");
    let pg = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == "planeguard")
        .expect("planeguard summary");
    assert!(pg["peak_rss_bytes"].as_u64().unwrap() > 1 << 20, "{pg}");
    assert!(report["bars"].as_array().unwrap().len() >= 8);
}

/// A short full-mode run: the latency phase in slices that the targets take
/// turns at, pooled per target over slices and rounds.
#[test]
fn latency_phase_in_slices_is_pooled_per_target() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(planeguard) = planeguard_binary() else {
        eprintln!("skipped: the planeguard binary could not be built");
        return;
    };
    let out = std::env::temp_dir().join(format!("planeguard-slices-test-{}", std::process::id()));
    let output = Command::new(LOADTEST)
        .args([
            "compare",
            "--no-build",
            "--rounds",
            "2",
            "--warmup",
            "100ms",
            "--duration",
            "300ms",
            "--latency-duration",
            "900ms",
            "--latency-slices",
            "3",
            "--plain-rate",
            "2000",
            "--otlp-rate",
            "200",
            "--targets",
            "direct,planeguard",
            "--scenarios",
            "plain-4k,otlp-http-logs",
            "--planeguard",
        ])
        .arg(&planeguard)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run compare");
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let json = std::fs::read(out.join("compare.json")).expect("JSON written");
    let _ = std::fs::remove_dir_all(&out);
    let report: Value = serde_json::from_slice(&json).expect("valid JSON");
    assert_eq!(report["load"]["latency_slices"], 3);

    let ms = report["measurements"].as_array().expect("measurements");
    assert_eq!(ms.len(), 2 * 2 * 2, "rounds x scenarios x targets");
    for m in ms {
        let l = &m["latency"];
        // Three slices of 0.3 s each, pooled into one report.
        let secs = l["seconds"].as_f64().unwrap();
        assert!((0.6..=1.2).contains(&secs), "latency window {secs} s: {m}");
        let expected = l["rate"].as_f64().unwrap() * secs;
        let done = l["requests"].as_f64().unwrap();
        assert!(
            done >= 0.5 * expected,
            "{done} of ~{expected} requests: {l}"
        );
        assert_eq!(l["errors"], 0, "{l}");
        let (p50, p99) = (
            l["latency_us"]["p50"].as_u64(),
            l["latency_us"]["p99"].as_u64(),
        );
        assert!(p50 > Some(0) && p50 <= p99, "{l}");
        // The sink saw every slice's requests.
        let sunk = &m["sink_latency_phase"];
        let seen =
            sunk["other_requests"].as_u64().unwrap() + sunk["logs"]["requests"].as_u64().unwrap();
        assert!(seen as f64 >= done, "sink saw {seen} of {done}: {m}");
        if m["target"] == "planeguard" && m["scenario"] == "otlp-http-logs" {
            assert_eq!(sunk["logs"]["leaked_payloads"], 0, "{m}");
        }
    }
    for sc in ["plain-4k", "otlp-http-logs"] {
        for t in ["direct", "planeguard"] {
            let r = row(&report, sc, t);
            let rounds = r["p99_per_round"].as_array().expect("p99 per round");
            assert_eq!(rounds.len(), 2, "{r}");
            // The pooled p99 lies within the rounds' p99s.
            let p99 = r["latency_us"]["p99"].as_u64().unwrap();
            let lo = rounds.iter().filter_map(Value::as_u64).min().unwrap();
            let hi = rounds.iter().filter_map(Value::as_u64).max().unwrap();
            assert!(
                (lo..=hi).contains(&p99),
                "pooled p99 {p99} outside {lo}..={hi}: {r}"
            );
        }
    }
}
