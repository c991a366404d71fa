//! Latency measurement that does not lie under load.
//!
//! A closed-loop client waits for each answer before sending the next
//! request, so when the server stalls it stops sending: the stall shows up as
//! one slow sample while every request that *should* have been sent during it
//! is silently omitted ("coordinated omission"). The open-loop generator
//! therefore measures each request from its *intended* send time on a fixed
//! schedule ([`OpenLoop`]), not from when it actually went out: a request that
//! had to wait for the connection to free up carries that wait in its latency,
//! exactly as a real client population arriving at that rate would see it.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency recorded (longer values are clamped): 60 s, in µs.
const MAX_US: u64 = 60_000_000;

/// The fixed send schedule of an open-loop run: `rate` requests per second
/// in total, spread evenly over `connections` interleaved connections.
#[derive(Clone, Copy, Debug)]
pub struct OpenLoop {
    pub start: Instant,
    pub rate: f64,
    pub connections: usize,
}

impl OpenLoop {
    /// When request `k` of connection `conn` is meant to be sent.
    pub fn intended(&self, conn: usize, k: u64) -> Instant {
        let slot = k as f64 * self.connections.max(1) as f64 + conn as f64;
        self.start + Duration::from_secs_f64(slot / self.rate.max(1e-9))
    }

    /// Number of requests of connection `conn` intended before `t`.
    pub fn due_before(&self, conn: usize, t: Instant) -> u64 {
        let elapsed = t.saturating_duration_since(self.start).as_secs_f64();
        let slots = elapsed * self.rate.max(1e-9);
        let n = self.connections.max(1) as f64;
        let c = conn as f64;
        if slots <= c {
            0
        } else {
            ((slots - c) / n).ceil() as u64
        }
    }
}

/// When request `k` of connection `conn` may be sent: `None` for at once.
///
/// A closed loop sends the next request as soon as the previous answer is
/// in, and must not wait on a timer at all: tokio's timers tick every
/// millisecond and `sleep_until(now)` can wait for the next tick. It did,
/// and every closed-loop run was capped at about `connections / 1.4 ms`
/// requests per second whatever the target (direct, 32 connections: 22,900
/// req/s with the generator's CPU 69% idle; 64 connections: 37,700), so the
/// plain-HTTP rows measured the timer, not the proxies.
pub fn send_at(open: Option<&OpenLoop>, conn: usize, k: u64) -> Option<Instant> {
    open.map(|plan| plan.intended(conn, k))
}

/// Where an open-loop request's latency starts.
///
/// From its intended send time when the connection was still busy with the
/// previous request at that moment (the server's slowness delayed it: that
/// wait is part of the latency); from the actual send time when the
/// connection was free, since any lateness then is only the generator's own
/// timer granularity (tokio timers fire on a 1 ms tick), which the server did
/// not cause and which would otherwise add up to 1 ms to every sample.
pub fn latency_start(intended: Instant, connection_free_at: Instant, sent: Instant) -> Instant {
    if connection_free_at > intended {
        intended
    } else {
        sent
    }
}

/// A histogram of microseconds with 3 significant digits up to 60 s.
pub fn histogram() -> Histogram<u64> {
    // Constant bounds, valid for hdrhistogram (low >= 1, high >= 2 * low,
    // sigfig <= 5): this cannot fail.
    Histogram::new_with_bounds(1, MAX_US, 3).expect("constant histogram bounds are valid")
}

/// Records `done - from` (the corrected latency when `from` is the intended
/// send time).
pub fn record(hist: &mut Histogram<u64>, from: Instant, done: Instant) {
    let us = done.saturating_duration_since(from).as_micros();
    let us = u64::try_from(us).unwrap_or(MAX_US).clamp(1, MAX_US);
    let _ = hist.record(us);
}

/// Percentiles of a histogram, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

impl Latency {
    pub fn of(hist: &Histogram<u64>) -> Self {
        if hist.is_empty() {
            return Self::default();
        }
        Self {
            p50: hist.value_at_quantile(0.50),
            p90: hist.value_at_quantile(0.90),
            p99: hist.value_at_quantile(0.99),
            p999: hist.value_at_quantile(0.999),
            max: hist.max(),
            mean: hist.mean(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_loop_never_waits_and_open_loop_keeps_its_schedule() {
        for k in [0, 1, 1000] {
            assert_eq!(send_at(None, 3, k), None, "closed loop: no timer");
        }
        let plan = OpenLoop {
            start: Instant::now(),
            rate: 100.0,
            connections: 4,
        };
        assert_eq!(send_at(Some(&plan), 1, 2), Some(plan.intended(1, 2)));
        assert_eq!(
            plan.intended(1, 2) - plan.start,
            Duration::from_secs_f64(9.0 / 100.0)
        );
    }

    /// A single connection at 1,000 req/s against a server that answers in
    /// 0.5 ms, except one answer that takes 200 ms. Simulated on a virtual
    /// clock so the test is exact and instant.
    fn simulate() -> (Histogram<u64>, Histogram<u64>, Histogram<u64>) {
        let start = Instant::now();
        let plan = OpenLoop {
            start,
            rate: 1000.0,
            connections: 1,
        };
        let mut corrected = histogram();
        let mut naive = histogram();
        let mut hdr_corrected = histogram();
        let mut free_at = start;
        for k in 0..2000u64 {
            let intended = plan.intended(0, k);
            // The client sends when the schedule says so, or when its
            // connection is free again, whichever is later.
            let sent = intended.max(free_at);
            let service = if k == 500 {
                Duration::from_millis(200)
            } else {
                Duration::from_micros(500)
            };
            let done = sent + service;
            let from = latency_start(intended, free_at, sent);
            free_at = done;
            record(&mut corrected, from, done);
            record(&mut naive, sent, done);
            let us = done.duration_since(sent).as_micros() as u64;
            let _ = hdr_corrected.record_correct(us, 1000);
        }
        (corrected, naive, hdr_corrected)
    }

    #[test]
    fn open_loop_latency_includes_the_backlog_of_a_stall() {
        let (corrected, naive, hdr) = simulate();
        assert_eq!(corrected.len(), 2000, "one sample per real request");
        // Measured from the actual send, the stall is a single sample.
        let n = Latency::of(&naive);
        assert!(n.p99 <= 600, "naive p99 {}", n.p99);
        assert!(n.max >= 199_000);
        // Measured from the schedule, every request queued behind the stall
        // is slow: the 200 ms backlog drains at 0.5 ms per request (answers
        // take 0.5 ms, requests are due every 1 ms), so ~400 requests are
        // delayed, ~200 of them by over 100 ms.
        let c = Latency::of(&corrected);
        assert!(c.p50 <= 600, "corrected p50 {}", c.p50);
        assert!(c.p90 >= 10_000, "corrected p90 {}", c.p90);
        assert!(c.p99 >= 150_000, "corrected p99 {}", c.p99);
        let over_100ms = corrected
            .iter_recorded()
            .filter(|v| v.value_iterated_to() >= 100_000)
            .map(|v| v.count_at_value())
            .sum::<u64>();
        assert!(
            (190..=210).contains(&over_100ms),
            "{over_100ms} samples over 100 ms"
        );
        // HdrHistogram's own correction of the naive samples (synthetic
        // samples at the expected interval) sees the same tail.
        let h = Latency::of(&hdr);
        assert!(h.p99 >= 150_000, "record_correct p99 {}", h.p99);
        let ratio = h.p99 as f64 / c.p99 as f64;
        assert!((0.8..1.25).contains(&ratio), "p99 {} vs {}", h.p99, c.p99);
    }

    #[test]
    fn timer_slack_on_a_free_connection_is_not_latency() {
        let t = Instant::now();
        let ms = Duration::from_millis;
        // Free since before the intended time, woken 0.8 ms late by the timer.
        let sent = t + Duration::from_micros(800);
        assert_eq!(latency_start(t, t - ms(1), sent), sent);
        // Busy until 5 ms after the intended time: the wait counts.
        assert_eq!(latency_start(t, t + ms(5), t + ms(5)), t);
    }

    #[test]
    fn schedule_interleaves_connections() {
        let start = Instant::now();
        let plan = OpenLoop {
            start,
            rate: 100.0,
            connections: 4,
        };
        // Slots 0..8 at 10 ms spacing, round-robin over connections.
        assert_eq!(plan.intended(0, 0), start);
        assert_eq!(plan.intended(1, 0) - start, Duration::from_millis(10));
        assert_eq!(plan.intended(0, 1) - start, Duration::from_millis(40));
        assert_eq!(plan.intended(3, 1) - start, Duration::from_millis(70));
        let t = start + Duration::from_millis(45);
        // Connection 0: slots 0 and 4 (0 ms, 40 ms); connection 1: slot 1 only.
        assert_eq!(plan.due_before(0, t), 2);
        assert_eq!(plan.due_before(1, t), 1);
        assert_eq!(plan.due_before(3, start), 0);
    }
}
