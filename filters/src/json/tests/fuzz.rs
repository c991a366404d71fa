//! Property tests: arbitrary strings survive the tokenizer and the re-encoder;
//! mutated payloads never panic, never yield invalid JSON, and are accepted only
//! when they are JSON (checked against serde_json).

use proptest::prelude::*;
use serde_json::json;

use super::fixtures::logs;
use super::*;

fn one_record(text: &str) -> serde_json::Value {
    json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [{
        "body": {"stringValue": text},
        "severityText": text,
        "attributes": [{"key": text, "value": {"stringValue": text}}],
    }]}]}]})
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any Unicode text (controls, quotes, backslashes, astral characters) is
    /// decoded and copied faithfully.
    #[test]
    fn arbitrary_strings_round_trip(text in any::<String>()) {
        let input = one_record(&text);
        let (v, _) = run(&scrubber(&neutral()), Signal::Logs, &to_json!(input));
        prop_assert_eq!(v, input);
    }

    /// Same, with every value replaced by a key rule: the key survives, and the
    /// replacement is well-formed JSON.
    #[test]
    fn arbitrary_keys_under_strict_rules(text in any::<String>()) {
        let s = scrubber(&strict());
        let (v, _) = run(&s, Signal::Logs, &to_json!(one_record(&text)));
        let attr = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"][0];
        prop_assert_eq!(&attr["key"], &json!(text));
    }

    /// Random edits of a real payload: no panic; accepted only if serde_json
    /// accepts the input too; output is JSON; validate agrees with scrub.
    #[test]
    fn mutated_payloads_fail_closed(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut input = to_json!(logs());
        for (at, byte) in edits {
            let i = at.index(input.len());
            input[i] = byte;
        }
        if let Some(cut) = cut {
            input.truncate(cut.index(input.len()));
        }
        let s = scrubber(&strict());
        let mut out = Vec::new();
        let scrubbed = s.scrub(Signal::Logs, Encoding::Json, &input, &mut out);
        let validated = s.validate(Signal::Logs, Encoding::Json, &input);
        prop_assert_eq!(scrubbed.is_ok(), validated.is_ok());
        match scrubbed {
            Ok(_) => {
                prop_assert!(serde_json::from_slice::<serde_json::Value>(&input).is_ok());
                prop_assert!(serde_json::from_slice::<serde_json::Value>(&out).is_ok());
            }
            Err(e) => {
                prop_assert!(out.is_empty());
                prop_assert!(e.offset <= input.len());
            }
        }
    }
}
