//! The comparison as text: an aligned table per scenario for the terminal,
//! the same as Markdown for docs/benchmarks.md.

use std::fmt::Write as _;

use super::results::{Bar, Row};
use super::scenario::{Scenario, SCENARIOS};

type Column = (&'static str, fn(&Row) -> String);

fn num(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "-".into())
}

fn ratio(r: &Row, peer: &str) -> String {
    r.vs_peers
        .get(peer)
        .map(|v| format!("{v:.2}x"))
        .unwrap_or_else(|| "-".into())
}

const COLUMNS: &[Column] = &[
    ("target", |r| r.target.clone()),
    ("req/s", |r| num(r.req_per_s)),
    ("records/s", |r| {
        if r.records_per_s > 0.0 {
            num(r.records_per_s)
        } else {
            "-".into()
        }
    }),
    ("MB/s", |r| format!("{:.1}", r.mb_per_s)),
    ("x direct", |r| opt(r.vs_direct, |v| format!("{v:.2}x"))),
    ("x haproxy", |r| ratio(r, "haproxy")),
    ("x nginx", |r| ratio(r, "nginx")),
    ("p50 µs", |r| num(r.latency_us.p50 as f64)),
    ("p90 µs", |r| num(r.latency_us.p90 as f64)),
    ("p99 µs", |r| num(r.latency_us.p99 as f64)),
    ("p99.9 µs", |r| num(r.latency_us.p999 as f64)),
    ("max µs", |r| num(r.latency_us.max as f64)),
    ("+p99 µs", |r| opt(r.added_p99_us, num)),
    ("p99 per round", |r| {
        let v: Vec<String> = r.p99_per_round.iter().map(|p| num(*p as f64)).collect();
        if v.is_empty() {
            "-".into()
        } else {
            v.join(" / ")
        }
    }),
    ("CPU µs/req", |r| {
        opt(r.cpu_us_per_req, |v| format!("{v:.1}"))
    }),
    ("CPU ms/1k rec", |r| {
        opt(r.cpu_ms_per_1k_records, |v| format!("{v:.2}"))
    }),
    ("rec/CPU-s", |r| opt(r.records_per_cpu_s, num)),
    ("errors", |r| {
        if r.errors == 0 {
            "0".into()
        } else {
            format!("{} ({:.1}%)", r.errors, r.error_share * 100.0)
        }
    }),
    ("canaries", |r| {
        if r.scrubbed {
            format!("{} leaks", r.leaked_payloads)
        } else if r.canaries_found > 0 {
            format!("{} seen", r.canaries_found)
        } else {
            "-".into()
        }
    }),
];

/// Each scenario that has rows, with its rows and the latency source of its
/// first target that ran (the tables' heading).
fn scenario_tables(rows: &[Row]) -> impl Iterator<Item = (&'static Scenario, Vec<&Row>, String)> {
    SCENARIOS.iter().filter_map(move |sc| {
        let rs: Vec<&Row> = rows.iter().filter(|r| r.scenario == sc.id).collect();
        if rs.is_empty() {
            return None;
        }
        let source = rs
            .iter()
            .find(|r| r.failed.is_none())
            .map(|r| r.latency_source.clone())
            .unwrap_or_default();
        Some((sc, rs, source))
    })
}

/// Aligned text tables, one per scenario, failures listed under each.
pub fn text(rows: &[Row]) -> String {
    let mut out = String::new();
    for (sc, rs, source) in scenario_tables(rows) {
        let _ = writeln!(out, "\n== {} ({}; latency: {source})", sc.id, sc.title);
        let ok: Vec<&&Row> = rs.iter().filter(|r| r.failed.is_none()).collect();
        let cells: Vec<Vec<String>> = ok
            .iter()
            .map(|r| COLUMNS.iter().map(|(_, f)| f(r)).collect())
            .collect();
        let widths: Vec<usize> = COLUMNS
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                cells
                    .iter()
                    .map(|c| c[i].chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |vals: Vec<String>| {
            vals.iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (v, w))| {
                    let pad = w.saturating_sub(v.chars().count());
                    if i == 0 {
                        format!("{v}{}", " ".repeat(pad))
                    } else {
                        format!("{}{v}", " ".repeat(pad))
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        let _ = writeln!(
            out,
            "{}",
            line(COLUMNS.iter().map(|(h, _)| h.to_string()).collect())
        );
        for c in cells {
            let _ = writeln!(out, "{}", line(c));
        }
        for r in rs.iter().filter(|r| r.failed.is_some()) {
            let _ = writeln!(out, "{}: {}", r.target, r.failed.as_deref().unwrap_or(""));
        }
        for r in rs.iter().filter(|r| !r.leak_samples.is_empty()) {
            let _ = writeln!(
                out,
                "{}: canaries that reached the metadata-plane sink (examples):",
                r.target
            );
            for l in r.leak_samples.iter().take(8) {
                let _ = writeln!(
                    out,
                    "  {} {} in {} ({}): {:?}",
                    l.signal, l.kind, l.location, l.carrier, l.value
                );
            }
        }
    }
    out
}

/// The same tables in Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    for (sc, rs, source) in scenario_tables(rows) {
        let _ = writeln!(
            out,
            "\n#### `{}`: {} (latency: {source})\n",
            sc.id, sc.title
        );
        let _ = writeln!(
            out,
            "| {} |",
            COLUMNS
                .iter()
                .map(|(h, _)| *h)
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(
            out,
            "|{}|",
            COLUMNS
                .iter()
                .enumerate()
                .map(|(i, _)| if i == 0 { "---" } else { "---:" })
                .collect::<Vec<_>>()
                .join("|")
        );
        for r in rs.iter().filter(|r| r.failed.is_none()) {
            let _ = writeln!(
                out,
                "| {} |",
                COLUMNS
                    .iter()
                    .map(|(_, f)| f(r))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
        }
        for r in rs.iter().filter(|r| r.failed.is_some()) {
            let _ = writeln!(out, "\n{}: {}", r.target, r.failed.as_deref().unwrap_or(""));
        }
    }
    out
}

/// The bars as a list.
pub fn bars(bars: &[Bar]) -> String {
    let mut out = String::new();
    for b in bars {
        let _ = writeln!(out, "[{:>4}] {}: {}", b.verdict, b.bar, b.measured);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(999.0), "999");
        assert_eq!(num(1000.0), "1,000");
        assert_eq!(num(1234567.4), "1,234,567");
        assert_eq!(num(-1500.0), "-1,500");
    }

    #[test]
    fn tables_list_rows_and_failures() {
        let ok = Row {
            scenario: "plain-4k",
            target: "direct".into(),
            runs: 1,
            req_per_s: 44000.0,
            ..Row::default()
        };
        let failed = Row {
            scenario: "plain-4k",
            target: "planeguard".into(),
            failed: Some("target failed to start: x".into()),
            ..Row::default()
        };
        let t = text(&[ok.clone(), failed.clone()]);
        assert!(t.contains("44,000"));
        assert!(t.contains("planeguard: target failed to start: x"));
        let m = markdown(&[ok, failed]);
        assert!(m.contains("| direct | 44,000 |"));
    }
}
