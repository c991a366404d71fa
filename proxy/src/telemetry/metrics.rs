//! planeguard's own metrics: names in one place, labels from closed sets
//! (signal, destination, profile, detector, location, reason). Never values.

use std::time::Duration;

use metrics::{counter, gauge, histogram, Counter, Gauge, Histogram};
use planeguard_filters::Signal;

use crate::export::batch::Batch;

pub const REQUESTS: &str = "planeguard_otlp_requests_total";
pub const RECORDS_RECEIVED: &str = "planeguard_records_received_total";
pub const BYTES_RECEIVED: &str = "planeguard_bytes_received_total";
pub const RECORDS_EXPORTED: &str = "planeguard_records_exported_total";
pub const BYTES_EXPORTED: &str = "planeguard_bytes_exported_total";
pub const RECORDS_DROPPED: &str = "planeguard_records_dropped_total";
pub const REDACTIONS: &str = "planeguard_redactions_total";
pub const UNKNOWN_FIELDS: &str = "planeguard_unknown_fields_dropped_total";
pub const QUEUE_BYTES: &str = "planeguard_queue_bytes";
pub const EXPORT_SECONDS: &str = "planeguard_export_duration_seconds";
pub const EXPORT_ATTEMPTS: &str = "planeguard_export_attempts_total";
pub const REJECTED_REQUESTS: &str = "planeguard_rejected_requests_total";

pub fn request(signal: Signal, transport: &'static str, outcome: &'static str) {
    counter!(REQUESTS, "signal" => signal.as_str(), "transport" => transport, "outcome" => outcome)
        .increment(1);
}

/// A request refused before it reached any queue (bad data, too large, busy...).
pub fn rejected(signal: Signal, reason: &'static str) {
    counter!(REJECTED_REQUESTS, "signal" => signal.as_str(), "reason" => reason).increment(1);
}

pub fn dropped(signal: Signal, destination: &str, reason: &'static str, records: u64) {
    counter!(RECORDS_DROPPED, "signal" => signal.as_str(), "destination" => destination.to_string(), "reason" => reason)
        .increment(records);
}

/// A destination's per-export metrics as registered handles (the labels are
/// its name, known at start): the queue gauge and the successful export.
#[derive(Debug)]
pub struct ExportMetrics {
    queue_bytes: Gauge,
    ok_attempts: Counter,
    seconds: Histogram,
    /// Records and bytes exported, per signal (`Signal::ALL` order).
    exported: [(Counter, Counter); 3],
}

impl ExportMetrics {
    pub fn new(destination: &str) -> Self {
        let d = destination.to_string();
        Self {
            queue_bytes: gauge!(QUEUE_BYTES, "destination" => d.clone()),
            ok_attempts: counter!(EXPORT_ATTEMPTS, "destination" => d.clone(), "outcome" => "ok"),
            seconds: histogram!(EXPORT_SECONDS, "destination" => d.clone()),
            exported: Signal::ALL.map(|s| {
                (
                    counter!(RECORDS_EXPORTED, "signal" => s.as_str(), "destination" => d.clone()),
                    counter!(BYTES_EXPORTED, "signal" => s.as_str(), "destination" => d.clone()),
                )
            }),
        }
    }

    pub fn queue_bytes(&self, bytes: usize) {
        self.queue_bytes.set(bytes as f64);
    }

    /// An export delivered (the `export_done` of outcome `ok`).
    pub fn delivered(&self, item: &Batch, elapsed: Duration) {
        self.ok_attempts.increment(1);
        self.seconds.record(elapsed.as_secs_f64());
        let (records, bytes) = &self.exported[item.signal.index()];
        records.increment(item.records);
        bytes.increment(item.len as u64);
    }
}

pub fn export_done(destination: &str, item: &Batch, outcome: &'static str, elapsed: Duration) {
    let d = destination.to_string();
    counter!(EXPORT_ATTEMPTS, "destination" => d.clone(), "outcome" => outcome).increment(1);
    histogram!(EXPORT_SECONDS, "destination" => d.clone()).record(elapsed.as_secs_f64());
    if outcome == "ok" {
        let s = item.signal.as_str();
        counter!(RECORDS_EXPORTED, "signal" => s, "destination" => d.clone())
            .increment(item.records);
        counter!(BYTES_EXPORTED, "signal" => s, "destination" => d).increment(item.len as u64);
    }
}
