//! Planted canaries never survive a strict profile (issue 2, point 8).
//!
//! The corpus plants sensitive values of every detector kind in every location
//! and carrier (free text, allowed and unlisted keys, nested kvlists, arrays,
//! bytes, attribute keys, feature keys). Its canaries assume the strict
//! default profile (allowed keys such as `exception.message` are left to the
//! detectors) with the feature namespaces `user.*` and `transaction.*`.

mod common;

use planeguard_filters::corpus::{self, find_canaries, Batch, Canary, CorpusConfig};
use planeguard_filters::{Encoding, Scrubber, Signal};

const ENCODINGS: [Encoding; 2] = [Encoding::Protobuf, Encoding::Json];
const SEEDS: [u64; 5] = [1, 2, 3, 17, 0x5eed];

fn describe(c: &Canary) -> String {
    format!(
        "{} at {} via {:?} (record {:?}): {:?}",
        c.kind.name(),
        c.location.as_str(),
        c.carrier,
        c.record,
        c.value
    )
}

/// Scrubs `b` in `encoding` and fails listing every canary that survived.
fn assert_no_survivors(s: &Scrubber, b: &Batch, encoding: Encoding, what: &str) {
    let (out, report) = common::scrub(s, b.signal, encoding, b.payload(encoding));
    let survivors = common::survivors(&out, &b.canaries);
    assert!(
        survivors.is_empty(),
        "{what} {:?} {encoding:?}: {} of {} canaries survived:\n  {}",
        b.signal,
        survivors.len(),
        b.canaries.len(),
        survivors
            .iter()
            .map(|c| describe(c))
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    assert_eq!(report.records_in as usize, b.records, "{what}");
    assert!(report.total_redactions() as usize >= b.canaries.len() / 2);
}

/// Every canary of the adversarial corpus (every detector kind, in every
/// location and carrier) is caught, in both encodings, for several seeds.
#[test]
fn adversarial_canaries_never_survive_strict() {
    let s = common::scrubber(&common::strict());
    for signal in Signal::ALL {
        for seed in SEEDS {
            let b = corpus::adversarial(signal, seed);
            assert!(b.canaries.len() > 100, "{signal:?}: {}", b.canaries.len());
            for encoding in ENCODINGS {
                assert_no_survivors(&s, &b, encoding, &format!("adversarial seed {seed}"));
            }
        }
    }
}

#[test]
fn corpus_canaries_never_survive_strict() {
    let s = common::scrubber(&common::strict());
    let cfg = CorpusConfig {
        pii_share: 0.5,
        ..CorpusConfig::default()
    };
    for signal in Signal::ALL {
        for b in corpus::batches(&cfg, signal, 4) {
            for encoding in ENCODINGS {
                assert_no_survivors(&s, &b, encoding, "corpus");
            }
        }
        // The benchmark corpus as configured by default.
        let b = corpus::batch(&CorpusConfig::default(), signal, 9);
        for encoding in ENCODINGS {
            assert_no_survivors(&s, &b, encoding, "default corpus");
        }
    }
}

#[test]
fn scrubbed_corpus_still_decodes_and_keeps_every_record() {
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    let s = common::scrubber(&common::strict());
    for signal in Signal::ALL {
        let b = corpus::adversarial(signal, 4);
        for encoding in ENCODINGS {
            let (out, report) = common::scrub(&s, signal, encoding, b.payload(encoding));
            let decoded = match signal {
                Signal::Logs => common::decode::<ExportLogsServiceRequest>(&out, encoding).err(),
                Signal::Metrics => {
                    common::decode::<ExportMetricsServiceRequest>(&out, encoding).err()
                }
                Signal::Traces => common::decode::<ExportTraceServiceRequest>(&out, encoding).err(),
            };
            assert_eq!(decoded, None, "{signal:?} {encoding:?}");
            assert_eq!(report.records_out as usize, b.records);
        }
    }
}

/// The fast matcher of the tests agrees with the corpus' own `find_canaries`.
#[test]
fn survivors_agrees_with_find_canaries() {
    for signal in Signal::ALL {
        // Also an adversarial batch of another kind of needle (escapes, base64).
        let b = corpus::batch(&CorpusConfig::default(), signal, 3);
        let adv = corpus::adversarial(signal, 9);
        let (adv_out, _) = common::scrub(
            &common::scrubber(&common::strict()),
            signal,
            Encoding::Protobuf,
            &adv.protobuf,
        );
        assert_eq!(
            common::survivors(&adv_out, &adv.canaries),
            find_canaries(&adv_out, &adv.canaries)
        );
        let (out, _) = common::scrub(
            &common::scrubber(&common::detect()),
            signal,
            Encoding::Json,
            &b.json,
        );
        for payload in [&b.protobuf, &b.json, &out] {
            assert_eq!(
                common::survivors(payload, &b.canaries),
                find_canaries(payload, &b.canaries)
            );
        }
    }
}

#[test]
fn passthrough_keeps_every_canary() {
    let s = common::scrubber(&common::passthrough());
    for signal in Signal::ALL {
        let batches = [
            corpus::adversarial(signal, 1),
            corpus::batch(&CorpusConfig::default(), signal, 0),
        ];
        for b in &batches {
            for encoding in ENCODINGS {
                let (out, report) = common::scrub(&s, signal, encoding, b.payload(encoding));
                assert_eq!(out, b.payload(encoding));
                assert_eq!(common::survivors(&out, &b.canaries).len(), b.canaries.len());
                assert_eq!(report.total_redactions(), 0);
            }
        }
    }
}

/// Every canary kind is redacted by the detector of its kind somewhere: the
/// strict key rules alone are not what keeps the canaries out.
#[test]
fn every_detector_fires_on_the_adversarial_corpus() {
    use planeguard_filters::Reason;
    let s = common::scrubber(&common::strict());
    for signal in Signal::ALL {
        let b = corpus::adversarial(signal, 2);
        for encoding in ENCODINGS {
            let (_, report) = common::scrub(&s, signal, encoding, b.payload(encoding));
            let fired: std::collections::BTreeSet<String> = report
                .redactions(s.detector_count())
                .filter(|(r, _, _)| matches!(r, Reason::Detector(_)))
                .map(|(r, _, _)| s.reason_name(r).to_string())
                .collect();
            for kind in corpus::CanaryKind::ALL {
                assert!(
                    fired.contains(kind.name()),
                    "{signal:?} {encoding:?}: {} never fired ({fired:?})",
                    kind.name()
                );
            }
        }
    }
}
