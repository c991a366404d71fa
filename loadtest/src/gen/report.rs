//! The result of one generator run: throughput, latency percentiles and
//! errors by kind.

use std::collections::BTreeMap;
use std::fmt;

use hdrhistogram::Histogram;
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
    /// The samples behind `latency_us`, kept so that runs can be pooled
    /// (percentiles of pooled samples, not medians of percentiles).
    #[serde(skip)]
    pub histogram: Option<Histogram<u64>>,
}

impl GenReport {
    /// Adds another run of the same load to this one, as if both windows
    /// had been one: counts add up, rates are over the summed windows, and
    /// the latency percentiles are of the pooled samples (when both reports
    /// kept theirs, as every generator run does).
    pub fn absorb(&mut self, other: &GenReport) {
        self.seconds += other.seconds;
        self.requests += other.requests;
        self.errors += other.errors;
        for (k, v) in &other.errors_by_kind {
            *self.errors_by_kind.entry(k.clone()).or_default() += v;
        }
        self.records += other.records;
        self.bytes += other.bytes;
        self.behind_schedule += other.behind_schedule;
        self.total_requests += other.total_requests;
        self.total_records += other.total_records;
        let per_s = |v: u64| v as f64 / self.seconds.max(1e-3);
        self.req_per_s = per_s(self.requests);
        self.records_per_s = per_s(self.records);
        self.mb_per_s = per_s(self.bytes) / 1e6;
        match (&mut self.histogram, &other.histogram) {
            // Same bounds on both sides (`latency::histogram`): cannot fail.
            (Some(mine), Some(theirs)) => {
                let _ = mine.add(theirs);
            }
            // Without both sets of samples nothing can be pooled: the
            // percentiles stay those of this report alone.
            _ => self.histogram = None,
        }
        if let Some(h) = &self.histogram {
            self.latency_us = Latency::of(h);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::latency;

    /// A report of `n` requests over `seconds`, latencies `from..from + n`.
    fn run(n: u64, from: u64, seconds: f64) -> GenReport {
        let mut h = latency::histogram();
        for v in from..from + n {
            h.record(v).expect("in bounds");
        }
        GenReport {
            seconds,
            requests: n,
            records: 2 * n,
            bytes: 100 * n,
            errors: 1,
            errors_by_kind: [("timeout".to_string(), 1)].into(),
            latency_us: Latency::of(&h),
            histogram: Some(h),
            ..GenReport::default()
        }
    }

    #[test]
    fn absorbing_pools_samples_and_sums_windows() {
        let mut a = run(1000, 1, 1.0);
        let b = run(1000, 10_001, 3.0);
        a.absorb(&b);
        assert_eq!(a.requests, 2000);
        assert_eq!(a.records, 4000);
        assert_eq!(a.errors, 2);
        assert_eq!(a.errors_by_kind["timeout"], 2);
        assert_eq!(a.seconds, 4.0);
        assert_eq!(a.req_per_s, 500.0);
        assert_eq!(a.mb_per_s, 200_000.0 / 4.0 / 1e6);
        // Half the samples are 1..=1000, half 10,001..=11,000: the pooled
        // p99 is in the slow half, the pooled p50 at the fast half's top.
        assert!(
            (10_900..=10_999).contains(&a.latency_us.p99),
            "{:?}",
            a.latency_us
        );
        assert!(
            (999..=1001).contains(&a.latency_us.p50),
            "{:?}",
            a.latency_us
        );
        assert_eq!(a.histogram.as_ref().map(|h| h.len()), Some(2000));
    }

    #[test]
    fn without_both_sample_sets_nothing_is_pooled() {
        let mut a = run(10, 1, 1.0);
        let before = a.latency_us;
        let mut b = run(10, 5000, 1.0);
        b.histogram = None;
        a.absorb(&b);
        assert_eq!(a.requests, 20);
        assert!(a.histogram.is_none());
        assert_eq!(a.latency_us, before, "percentiles stay this report's");
    }
}
