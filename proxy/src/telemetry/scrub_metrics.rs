//! The per-request counters of the OTLP path as registered handles.
//!
//! `counter!` with labels builds a key, hashes it and looks it up in the
//! recorder's registry on every call; a strict profile reports a dozen
//! (reason, location) pairs per request. These handles are registered on
//! first use and then cost one atomic add. Names and labels are those of
//! [`super::metrics`].

use std::sync::OnceLock;

use metrics::{counter, Counter};
use planeguard_filters::{Report, Scrubber, Signal};

use super::metrics::{BYTES_RECEIVED, RECORDS_RECEIVED, REDACTIONS, REQUESTS, UNKNOWN_FIELDS};

/// Records and bytes received, per signal.
static RECEIVED: [OnceLock<(Counter, Counter)>; 3] = [const { OnceLock::new() }; 3];

/// Requests answered OK, per transport (`grpc`, `http`) and signal.
static ACCEPTED: [[OnceLock<Counter>; 3]; 2] = [const { [const { OnceLock::new() }; 3] }; 2];

/// Counts a request answered OK (`planeguard_otlp_requests_total{outcome="ok"}`).
pub fn accepted(signal: Signal, transport: &'static str) {
    let t = usize::from(transport == "http");
    ACCEPTED[t][signal.index()]
        .get_or_init(|| counter!(REQUESTS, "signal" => signal.as_str(), "transport" => transport, "outcome" => "ok"))
        .increment(1);
}

/// Counts a request's records and bytes as received.
pub fn received(signal: Signal, records: u64, bytes: usize) {
    let (r, b) = RECEIVED[signal.index()].get_or_init(|| {
        (
            counter!(RECORDS_RECEIVED, "signal" => signal.as_str()),
            counter!(BYTES_RECEIVED, "signal" => signal.as_str()),
        )
    });
    r.increment(records);
    b.increment(bytes as u64);
}

/// The redaction and unknown-field counters of one profile.
#[derive(Debug)]
pub struct ScrubMetrics {
    profile: String,
    detector_count: usize,
    /// Per slot of [`Report::redaction_slots`].
    redactions: Box<[OnceLock<Counter>]>,
    unknown: [OnceLock<Counter>; 3],
}

impl ScrubMetrics {
    pub fn new(profile: &str, scrubber: &Scrubber) -> Self {
        let detector_count = scrubber.detector_count();
        let slots = Report::slot_count(detector_count);
        Self {
            profile: profile.to_string(),
            detector_count,
            redactions: (0..slots).map(|_| OnceLock::new()).collect(),
            unknown: [const { OnceLock::new() }; 3],
        }
    }

    /// Adds a scrub call's report to the counters.
    pub fn record(&self, signal: Signal, scrubber: &Scrubber, report: &Report) {
        if report.unknown_fields_dropped > 0 {
            self.unknown[signal.index()]
                .get_or_init(|| {
                    counter!(UNKNOWN_FIELDS, "signal" => signal.as_str(), "profile" => self.profile.clone())
                })
                .increment(report.unknown_fields_dropped);
        }
        if report.total_redactions() == 0 {
            return;
        }
        for (slot, reason, location, n) in report.redaction_slots(self.detector_count) {
            let counter = match self.redactions.get(slot) {
                Some(cell) => cell.get_or_init(|| {
                    counter!(
                        REDACTIONS,
                        "profile" => self.profile.clone(),
                        "reason" => scrubber.reason_name(reason).to_string(),
                        "location" => location.as_str()
                    )
                }),
                // A report from another scrubber (never, by construction):
                // count it the slow way rather than lose it.
                None => {
                    counter!(
                        REDACTIONS,
                        "profile" => self.profile.clone(),
                        "reason" => scrubber.reason_name(reason).to_string(),
                        "location" => location.as_str()
                    )
                    .increment(u64::from(n));
                    continue;
                }
            };
            counter.increment(u64::from(n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use planeguard_filters::{Encoding, Profile};

    /// The cached handles count what the registry-lookup path counted: the
    /// same names, labels and values on /metrics.
    #[test]
    fn cached_counters_reach_the_recorder() {
        let handle = crate::telemetry::prometheus().expect("recorder");
        let mut profile = Profile::strict_default();
        profile.allow_keys.clear();
        let scrubber = Scrubber::new(&profile).expect("profile");
        let metrics = ScrubMetrics::new("cachetest", &scrubber);
        // One attribute under a key the profile does not allow.
        let req = opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest {
            resource_logs: vec![opentelemetry_proto::tonic::logs::v1::ResourceLogs {
                scope_logs: vec![opentelemetry_proto::tonic::logs::v1::ScopeLogs {
                    log_records: vec![opentelemetry_proto::tonic::logs::v1::LogRecord {
                        attributes: vec![opentelemetry_proto::tonic::common::v1::KeyValue {
                            key: "secret.thing".into(),
                            value: Some(opentelemetry_proto::tonic::common::v1::AnyValue {
                                value: Some(
                                    opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(
                                        "x".into(),
                                    ),
                                ),
                            }),
                            ..Default::default()
                        }],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let bytes = prost::Message::encode_to_vec(&req);
        let mut out = Vec::new();
        let report = scrubber
            .scrub(Signal::Logs, Encoding::Protobuf, &bytes, &mut out)
            .expect("scrub");
        assert_eq!(report.total_redactions(), 1);
        metrics.record(Signal::Logs, &scrubber, &report);
        metrics.record(Signal::Logs, &scrubber, &report);
        let text = handle.render();
        let line = text
            .lines()
            .find(|l| l.starts_with(REDACTIONS) && l.contains("profile=\"cachetest\""))
            .unwrap_or_else(|| panic!("no redaction line for the profile in:\n{text}"));
        assert!(line.contains("location=\"log.attributes\""), "{line}");
        assert!(line.ends_with(" 2"), "{line}");
    }
}
