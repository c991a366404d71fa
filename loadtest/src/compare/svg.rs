//! The latency chart, written by hand: one panel per scenario, grouped bars
//! of p50 / p90 / p99 / p99.9 per target on a logarithmic axis (latencies
//! through different proxies span orders of magnitude).

use std::fmt::Write as _;

use super::results::Row;
use super::scenario::SCENARIOS;

const PANEL_W: f64 = 520.0;
const PANEL_H: f64 = 270.0;
const COLS: usize = 2;
const TOP: f64 = 70.0;
const PLOT_LEFT: f64 = 70.0;
const PLOT_RIGHT: f64 = 20.0;
const PLOT_TOP: f64 = 40.0;
const PLOT_BOTTOM: f64 = 40.0;

const ORDER: [&str; 4] = ["direct", "planeguard", "nginx", "haproxy"];

fn color(target: &str) -> &'static str {
    match target {
        "direct" => "#8c8c8c",
        "planeguard" => "#1f6fb4",
        "nginx" => "#2ca02c",
        "haproxy" => "#d9482b",
        _ => "#9467bd",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn label_us(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.0} s", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0} ms", v / 1e3)
    } else {
        format!("{v:.0} µs")
    }
}

/// The chart of `rows`, titled `title`.
pub fn chart(rows: &[Row], title: &str) -> String {
    let panels: Vec<(&str, &str, Vec<&Row>)> = SCENARIOS
        .iter()
        .map(|s| {
            (
                s.id,
                s.title,
                rows.iter()
                    .filter(|r| r.scenario == s.id && r.failed.is_none() && r.runs > 0)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, _, rs)| !rs.is_empty())
        .collect();
    let nrows = panels.len().div_ceil(COLS).max(1);
    let width = PANEL_W * COLS as f64;
    let height = TOP + PANEL_H * nrows as f64 + 10.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
        width / 2.0,
        escape(title)
    );
    // Legend: every target that appears.
    let mut targets: Vec<&str> = Vec::new();
    for (_, _, rs) in &panels {
        for r in rs {
            if !targets.contains(&r.target.as_str()) {
                targets.push(&r.target);
            }
        }
    }
    // A fixed legend order, whatever scenario each target first appears in.
    let rank = |t: &str| ORDER.iter().position(|o| *o == t).unwrap_or(ORDER.len());
    targets.sort_by_key(|t| rank(t));
    for (i, t) in targets.iter().enumerate() {
        let x = 20.0 + i as f64 * 120.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="38" width="12" height="12" fill="{}"/><text x="{}" y="48">{}</text>"#,
            color(t),
            x + 16.0,
            escape(t)
        );
    }
    let _ = writeln!(
        s,
        r##"<text x="{}" y="48" text-anchor="end" fill="#555">latency percentiles, log scale</text>"##,
        width - 20.0
    );
    for (i, (id, title, rs)) in panels.iter().enumerate() {
        let x0 = (i % COLS) as f64 * PANEL_W;
        let y0 = TOP + (i / COLS) as f64 * PANEL_H;
        panel(&mut s, x0, y0, id, title, rs);
    }
    s.push_str("</svg>\n");
    s
}

/// A percentile's label and how to read it from a row.
type Percentile = (&'static str, fn(&Row) -> u64);

fn panel(s: &mut String, x0: f64, y0: f64, id: &str, title: &str, rows: &[&Row]) {
    let pcts: [Percentile; 4] = [
        ("p50", |r| r.latency_us.p50),
        ("p90", |r| r.latency_us.p90),
        ("p99", |r| r.latency_us.p99),
        ("p99.9", |r| r.latency_us.p999),
    ];
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|r| pcts.iter().map(move |(_, f)| f(r).max(1) as f64))
        .collect();
    let lo = values
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .max(1.0);
    let hi = values.iter().copied().fold(1.0, f64::max);
    let dlo = lo.log10().floor();
    let dhi = hi.log10().ceil().max(dlo + 1.0);
    let px = x0 + PLOT_LEFT;
    let pw = PANEL_W - PLOT_LEFT - PLOT_RIGHT;
    let py = y0 + PLOT_TOP;
    let ph = PANEL_H - PLOT_TOP - PLOT_BOTTOM;
    let y_of = |v: f64| py + ph - (v.max(1.0).log10() - dlo) / (dhi - dlo) * ph;
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" font-weight="bold">{} <tspan font-weight="normal" fill="#555">{}</tspan></text>"##,
        px,
        y0 + 22.0,
        escape(id),
        escape(title)
    );
    // Decade grid lines.
    let mut d = dlo;
    while d <= dhi + 1e-9 {
        let v = 10f64.powf(d);
        let y = y_of(v);
        let _ = writeln!(
            s,
            r##"<line x1="{px}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555">{}</text>"##,
            px + pw,
            px - 6.0,
            y + 4.0,
            label_us(v)
        );
        d += 1.0;
    }
    let group_w = pw / pcts.len() as f64;
    let bar_w = (group_w * 0.8 / rows.len().max(1) as f64).min(28.0);
    for (g, (name, f)) in pcts.iter().enumerate() {
        let gx = px + g as f64 * group_w;
        let start = gx + (group_w - bar_w * rows.len() as f64) / 2.0;
        for (k, r) in rows.iter().enumerate() {
            let v = f(r).max(1) as f64;
            let y = y_of(v);
            let x = start + k as f64 * bar_w;
            let _ = writeln!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} {}: {} µs</title></rect>"#,
                (bar_w - 2.0).max(1.0),
                (py + ph - y).max(0.5),
                color(&r.target),
                escape(&r.target),
                name,
                f(r)
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{name}</text>"#,
            gx + group_w / 2.0,
            py + ph + 16.0
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{px}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
        py + ph,
        px + pw,
        py + ph
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::latency::Latency;

    #[test]
    fn chart_has_a_bar_per_target_and_percentile() {
        let row = |t: &str, base: u64| Row {
            scenario: "plain-4k",
            target: t.into(),
            runs: 1,
            latency_us: Latency {
                p50: base,
                p90: base * 2,
                p99: base * 5,
                p999: base * 20,
                max: base * 50,
                mean: base as f64,
            },
            ..Row::default()
        };
        let svg = chart(&[row("direct", 40), row("planeguard", 60)], "t <1>");
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect x=").count(),
            8 + 2,
            "8 bars + 2 legend swatches"
        );
        assert!(svg.contains("t &lt;1&gt;"));
        assert!(svg.contains("planeguard p99: 300 µs"));
        assert!(svg.contains("10 ms") || svg.contains("1 ms"));
    }
}
