//! The result of one generator run: throughput, latency percentiles and
//! errors by kind.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::latency::Latency;

#[derive(Clone, Debug, Default, Serialize)]
pub struct GenReport {
    /// `otlp-http`, `otlp-grpc` or `http`.
    pub protocol: String,
    pub target: String,
    /// `closed` (N connections, as fast as possible) or `open` (fixed rate).
    pub mode: String,
    pub connections: usize,
    /// Requests per second asked for (open loop).
    pub rate: Option<f64>,
    /// Length of the measured window (after warm-up), seconds.
    pub seconds: f64,
    /// Successful requests completed in the window.
    pub requests: u64,
    /// Failed requests in the window (all kinds).
    pub errors: u64,
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Records in the successful requests of the window.
    pub records: u64,
    /// Request body bytes of the successful requests of the window.
    pub bytes: u64,
    pub req_per_s: f64,
    pub records_per_s: f64,
    /// Request body megabytes (10^6) per second.
    pub mb_per_s: f64,
    /// Of successful requests in the window; open loop: from the intended
    /// send time (corrected for coordinated omission).
    pub latency_us: Latency,
    /// Open loop: requests the schedule wanted sent in the window that never
    /// went out because every connection was busy.
    pub behind_schedule: u64,
    /// Successful requests over the whole run, warm-up included (for
    /// per-request CPU figures measured over the whole run).
    pub total_requests: u64,
    pub total_records: u64,
}

impl fmt::Display for GenReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.latency_us;
        writeln!(
            f,
            "{} {} -> {}: {} connections{}, {:.1} s measured",
            self.mode,
            self.protocol,
            self.target,
            self.connections,
            self.rate
                .map(|r| format!(" at {r:.0} req/s"))
                .unwrap_or_default(),
            self.seconds
        )?;
        writeln!(
            f,
            "  {:.0} req/s  {:.0} records/s  {:.2} MB/s  ({} requests, {} records)",
            self.req_per_s, self.records_per_s, self.mb_per_s, self.requests, self.records
        )?;
        writeln!(
            f,
            "  latency µs: p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  mean {:.0}",
            l.p50, l.p90, l.p99, l.p999, l.max, l.mean
        )?;
        if self.behind_schedule > 0 {
            writeln!(
                f,
                "  behind schedule: {} requests not sent",
                self.behind_schedule
            )?;
        }
        if self.errors == 0 {
            write!(f, "  errors: none")
        } else {
            let kinds: Vec<String> = self
                .errors_by_kind
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            write!(f, "  errors: {} ({})", self.errors, kinds.join(", "))
        }
    }
}
