//! Property tests over arbitrary OTLP requests built from the reference types
//! (issue 2, point 8):
//! - the output of strict, detect and passthrough scrubbing decodes with prost
//!   (and, for JSON, with the reference serde mapping);
//! - scrubbing is idempotent: scrub(scrub(x)) == scrub(x), byte for byte;
//! - passthrough output is the input, semantically and byte for byte;
//! - scrubbing the protobuf and the OTLP/JSON form of one message gives the
//!   same message and the same report counts.

mod common;

use common::gen::{self, Shape};
use common::{counts, decode, encode, scrub, scrubber, Request};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use planeguard_filters::{Action, Encoding, Profile, Scrubber};
use proptest::prelude::*;

const ENCODINGS: [Encoding; 2] = [Encoding::Protobuf, Encoding::Json];

/// Strict, detect, and a profile that exercises every action and hash keys.
fn scrubbing_profiles() -> Vec<(&'static str, Scrubber)> {
    let mut actions = common::detect();
    actions.hash_key = Some(b"property-test-key".to_vec());
    actions.hash_keys = vec!["query.id".into(), "customer.*".into()];
    actions.actions = vec![
        ("email".into(), Action::Hash),
        ("credit_card".into(), Action::Mask),
        ("us_ssn".into(), Action::DropRecord),
        ("jwt".into(), Action::DropRecord),
    ];
    vec![
        ("strict", scrubber(&common::strict())),
        ("detect", scrubber(&common::detect())),
        ("actions", scrubber(&actions)),
    ]
}

/// (a) the output decodes, in both encodings, for every scrubbing profile.
fn output_decodes<T: Request>(msg: &T) -> Result<(), TestCaseError> {
    for (name, s) in scrubbing_profiles() {
        for encoding in ENCODINGS {
            let input = encode(msg, encoding);
            let (out, report) = scrub(&s, T::SIGNAL, encoding, &input);
            let decoded = decode::<T>(&out, encoding);
            prop_assert!(
                decoded.is_ok(),
                "{name} {encoding:?}: {}",
                decoded.err().unwrap_or_default()
            );
            prop_assert_eq!(
                report.records_in,
                report.records_out + report.dropped_records
            );
            prop_assert_eq!(report.bytes_out as usize, out.len());
        }
    }
    Ok(())
}

/// (b) scrub(scrub(x)) == scrub(x) for the profiles whose replacements are
/// fixed points. Hashing is not (`hmac:` of `hmac:...` is a new value), so the
/// `actions` profile is left out; see README.md.
fn idempotent<T: Request>(msg: &T) -> Result<(), TestCaseError> {
    for (name, s) in [
        ("strict", scrubber(&common::strict())),
        ("detect", scrubber(&common::detect())),
    ] {
        for encoding in ENCODINGS {
            let input = encode(msg, encoding);
            let (once, _) = scrub(&s, T::SIGNAL, encoding, &input);
            let (twice, _) = scrub(&s, T::SIGNAL, encoding, &once);
            if once != twice {
                let show = |b: &[u8]| match decode::<T>(b, encoding) {
                    Ok(m) => format!("{m:?}"),
                    Err(e) => format!("{e}: {}", String::from_utf8_lossy(b)),
                };
                prop_assert!(
                    false,
                    "{name} {encoding:?}: not idempotent: {}",
                    common::first_diff(&show(&once), &show(&twice))
                );
            }
        }
    }
    Ok(())
}

/// (c) passthrough keeps the message: the same bytes, decoding to the input.
fn passthrough_keeps<T: Request>(msg: &T) -> Result<(), TestCaseError> {
    let s = scrubber(&common::passthrough());
    for encoding in ENCODINGS {
        let input = encode(msg, encoding);
        let (out, report) = scrub(&s, T::SIGNAL, encoding, &input);
        prop_assert_eq!(&out, &input);
        prop_assert_eq!(report.total_redactions(), 0);
        prop_assert_eq!(report.records_in, report.records_out);
        let decoded: T = decode(&out, encoding).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&decoded, msg);
    }
    Ok(())
}

/// (d) protobuf and JSON scrubbing agree on the same logical message.
fn encodings_agree<T: Request>(msg: &T) -> Result<(), TestCaseError> {
    let json = encode(msg, Encoding::Json);
    // The reference serde mapping must round-trip the input itself, or the
    // comparison below would test opentelemetry-proto, not the scrubber.
    let back: T = decode(&json, Encoding::Json).map_err(TestCaseError::fail)?;
    prop_assert_eq!(&back, msg, "reference serde round trip");
    let proto = encode(msg, Encoding::Protobuf);
    let mut profiles = scrubbing_profiles();
    profiles.push(("passthrough", scrubber(&common::passthrough())));
    for (name, s) in profiles {
        let (p_out, p_report) = scrub(&s, T::SIGNAL, Encoding::Protobuf, &proto);
        let (j_out, j_report) = scrub(&s, T::SIGNAL, Encoding::Json, &json);
        let p: T = decode(&p_out, Encoding::Protobuf).map_err(TestCaseError::fail)?;
        let j: T = decode(&j_out, Encoding::Json).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&p, &j, "{}: scrubbed messages differ", name);
        prop_assert_eq!(
            counts(&s, &p_report),
            counts(&s, &j_report),
            "{}: reports differ",
            name
        );
    }
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn logs_output_decodes(msg in gen::logs_request(Shape::ANY)) { output_decodes(&msg)?; }
    #[test]
    fn metrics_output_decodes(msg in gen::metrics_request(Shape::ANY)) { output_decodes(&msg)?; }
    #[test]
    fn traces_output_decodes(msg in gen::traces_request(Shape::ANY)) { output_decodes(&msg)?; }

    #[test]
    fn logs_idempotent(msg in gen::logs_request(Shape::PLAIN_KEYS)) { idempotent(&msg)?; }
    #[test]
    fn metrics_idempotent(msg in gen::metrics_request(Shape::PLAIN_KEYS)) { idempotent(&msg)?; }
    #[test]
    fn traces_idempotent(msg in gen::traces_request(Shape::PLAIN_KEYS)) { idempotent(&msg)?; }

    #[test]
    fn logs_passthrough(msg in gen::logs_request(Shape::JSON)) { passthrough_keeps(&msg)?; }
    #[test]
    fn metrics_passthrough(msg in gen::metrics_request(Shape::JSON)) { passthrough_keeps(&msg)?; }
    #[test]
    fn traces_passthrough(msg in gen::traces_request(Shape::JSON)) { passthrough_keeps(&msg)?; }

    #[test]
    fn logs_encodings_agree(msg in gen::logs_request(Shape::JSON)) { encodings_agree(&msg)?; }
    #[test]
    fn metrics_encodings_agree(msg in gen::metrics_request(Shape::JSON)) { encodings_agree(&msg)?; }
    #[test]
    fn traces_encodings_agree(msg in gen::traces_request(Shape::JSON)) { encodings_agree(&msg)?; }
}

/// Passthrough of protobuf-only constructs (empty AnyValues, `string_value_strindex`).
mod proto_only {
    use super::*;

    proptest! {
        #![proptest_config(config(64))]

        #[test]
        fn logs(msg in gen::logs_request(Shape::ANY)) { passthrough_proto(&msg)?; }
        #[test]
        fn traces(msg in gen::traces_request(Shape::ANY)) { passthrough_proto(&msg)?; }
        #[test]
        fn metrics(msg in gen::metrics_request(Shape::ANY)) { passthrough_proto(&msg)?; }
    }

    fn passthrough_proto<T: Request>(msg: &T) -> Result<(), TestCaseError> {
        let s = scrubber(&common::passthrough());
        let input = encode(msg, Encoding::Protobuf);
        let (out, _) = scrub(&s, T::SIGNAL, Encoding::Protobuf, &input);
        let decoded: T = decode(&out, Encoding::Protobuf).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&decoded, msg);
        Ok(())
    }
}

/// The depth limit is enforced alike in both encodings, and only beyond it.
mod depth_limit {
    use super::nesting;
    use super::*;
    use planeguard_filters::{Limits, ScrubErrorKind, Signal};

    fn deepest(msg: &ExportLogsServiceRequest) -> u32 {
        let mut max = 0;
        for rl in &msg.resource_logs {
            for sl in &rl.scope_logs {
                for r in &sl.log_records {
                    let body = r.body.iter().map(nesting);
                    let attrs = r
                        .attributes
                        .iter()
                        .filter_map(|kv| kv.value.as_ref())
                        .map(nesting);
                    max = max.max(body.chain(attrs).max().unwrap_or(0));
                }
            }
            if let Some(res) = &rl.resource {
                let attrs = res
                    .attributes
                    .iter()
                    .filter_map(|kv| kv.value.as_ref())
                    .map(nesting);
                max = max.max(attrs.max().unwrap_or(0));
            }
            for sl in &rl.scope_logs {
                if let Some(sc) = &sl.scope {
                    let attrs = sc
                        .attributes
                        .iter()
                        .filter_map(|kv| kv.value.as_ref())
                        .map(nesting);
                    max = max.max(attrs.max().unwrap_or(0));
                }
            }
        }
        max
    }

    /// Regression: the protobuf walker used to accept an empty container one
    /// level beyond the limit (it checked only values inside containers).
    #[test]
    fn empty_container_beyond_the_limit_is_too_deep() {
        use opentelemetry_proto::tonic::common::v1::{
            any_value::Value, AnyValue, ArrayValue, KeyValue, KeyValueList,
        };
        use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
        let wrap = |v: Value| AnyValue { value: Some(v) };
        let empty_kvlist = wrap(Value::KvlistValue(KeyValueList { values: vec![] }));
        let empty_array = wrap(Value::ArrayValue(ArrayValue { values: vec![] }));
        for innermost in [empty_kvlist, empty_array] {
            let mut v = innermost;
            for _ in 0..2 {
                v = wrap(Value::ArrayValue(ArrayValue { values: vec![v] }));
            }
            let msg = ExportLogsServiceRequest {
                resource_logs: vec![ResourceLogs {
                    scope_logs: vec![ScopeLogs {
                        log_records: vec![LogRecord {
                            attributes: vec![KeyValue {
                                key: "k".into(),
                                value: Some(v),
                                key_strindex: 0,
                            }],
                            ..LogRecord::default()
                        }],
                        ..ScopeLogs::default()
                    }],
                    ..ResourceLogs::default()
                }],
            };
            assert_eq!(
                nesting(
                    msg.resource_logs[0].scope_logs[0].log_records[0].attributes[0]
                        .value
                        .as_ref()
                        .expect("value")
                ),
                3
            );
            let s = scrubber(&Profile {
                limits: Limits {
                    max_value_depth: 2,
                    ..Limits::default()
                },
                ..common::strict()
            });
            for encoding in ENCODINGS {
                let got = s.validate(Signal::Logs, encoding, &encode(&msg, encoding));
                assert_eq!(
                    got.map_err(|e| e.kind).err(),
                    Some(ScrubErrorKind::TooDeep),
                    "{encoding:?}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(config(64))]

        #[test]
        fn too_deep_is_rejected_in_both_encodings(
            msg in gen::logs_request(Shape { max_depth: 5, ..Shape::JSON }),
            mode in 0usize..3,
        ) {
            let limit = 2;
            let base = [common::strict(), common::detect(), common::passthrough()][mode].clone();
            let s = scrubber(&Profile {
                limits: Limits { max_value_depth: limit, ..Limits::default() },
                ..base
            });
            let expect_err = deepest(&msg) > limit;
            for encoding in ENCODINGS {
                let input = encode(&msg, encoding);
                let mut out = Vec::new();
                let got = s.scrub(Signal::Logs, encoding, &input, &mut out);
                match got {
                    Err(e) => {
                        prop_assert!(expect_err, "{encoding:?}: unexpected {e}");
                        prop_assert_eq!(e.kind, ScrubErrorKind::TooDeep);
                        prop_assert!(out.is_empty());
                    }
                    Ok(_) => prop_assert!(!expect_err, "{encoding:?}: depth {} accepted", deepest(&msg)),
                }
            }
        }
    }
}

/// Sanity checks of the generators themselves: the properties above are only
/// as good as the coverage of what they generate.
#[test]
fn generators_reach_every_point_type_and_nesting() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = gen::metrics_request(Shape::ANY);
    let mut kinds = std::collections::BTreeSet::new();
    let mut exemplars = 0;
    for _ in 0..200 {
        let msg: ExportMetricsServiceRequest =
            strategy.new_tree(&mut runner).expect("tree").current();
        for rm in &msg.resource_metrics {
            for sm in &rm.scope_metrics {
                for m in &sm.metrics {
                    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
                    let k = match &m.data {
                        None => "none",
                        Some(Data::Gauge(g)) => {
                            exemplars += g
                                .data_points
                                .iter()
                                .map(|p| p.exemplars.len())
                                .sum::<usize>();
                            "gauge"
                        }
                        Some(Data::Sum(_)) => "sum",
                        Some(Data::Histogram(_)) => "histogram",
                        Some(Data::ExponentialHistogram(_)) => "exp",
                        Some(Data::Summary(_)) => "summary",
                    };
                    kinds.insert(k);
                }
            }
        }
    }
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert!(exemplars > 0);

    let strategy = gen::traces_request(Shape::ANY);
    let (mut events, mut links, mut status, mut big) = (0, 0, 0, 0);
    for _ in 0..200 {
        let msg: ExportTraceServiceRequest =
            strategy.new_tree(&mut runner).expect("tree").current();
        for rs in &msg.resource_spans {
            for ss in &rs.scope_spans {
                for sp in &ss.spans {
                    events += sp.events.len();
                    links += sp.links.len();
                    status += usize::from(sp.status.is_some());
                    big += usize::from(sp.name.len() > 4096);
                }
            }
        }
    }
    assert!(events > 0 && links > 0 && status > 0 && big > 0);

    let strategy = gen::any_value(Shape::ANY);
    let deep = (0..300)
        .filter(|_| {
            let v = strategy.new_tree(&mut runner).expect("tree").current();
            nesting(&v) >= 3
        })
        .count();
    assert!(deep > 0, "no AnyValue nested 3 deep");
}

fn nesting(v: &opentelemetry_proto::tonic::common::v1::AnyValue) -> u32 {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    match &v.value {
        Some(Value::ArrayValue(a)) => 1 + a.values.iter().map(nesting).max().unwrap_or(0),
        Some(Value::KvlistValue(l)) => {
            1 + l
                .values
                .iter()
                .filter_map(|kv| kv.value.as_ref())
                .map(nesting)
                .max()
                .unwrap_or(0)
        }
        _ => 0,
    }
}
