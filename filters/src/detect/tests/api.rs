//! The DetectorSet API: enabling, ids, names, custom detectors, match order.

use super::super::{BuiltinDetector, DetectorSet, Match, BUILTIN_COUNT};

fn matches(set: &DetectorSet, key: &str, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    set.scan(key.as_bytes(), text.as_bytes(), &mut out);
    out.iter()
        .map(|m| {
            (
                set.name(m.detector).to_string(),
                text[m.start..m.end].to_string(),
            )
        })
        .collect()
}

#[test]
fn names_and_ids_round_trip() {
    for (i, d) in BuiltinDetector::ALL.iter().enumerate() {
        assert_eq!(d.id() as usize, i);
        assert_eq!(BuiltinDetector::from_name(d.name()), Some(*d));
    }
    assert_eq!(BuiltinDetector::from_name("nope"), None);
    assert_eq!(BUILTIN_COUNT, 18);
}

#[test]
fn only_enabled_detectors_match() {
    let set = DetectorSet::new(&[BuiltinDetector::Email], &[], &[]).expect("set");
    let text = "a@example.com 10.0.0.1 4111111111111111";
    assert_eq!(
        matches(&set, "", text),
        vec![("email".to_string(), "a@example.com".to_string())]
    );
    assert!(set.is_enabled(BuiltinDetector::Email) && !set.is_enabled(BuiltinDetector::Ipv4));
    let none = DetectorSet::new(&[], &[], &[]).expect("set");
    assert_eq!(matches(&none, "customer.full_name", "John Smith"), vec![]);
}

#[test]
fn custom_detectors_get_ids_after_builtins() {
    let custom = vec![
        ("order_ref".to_string(), r"ORD-\d{6}".to_string()),
        ("ticket".to_string(), r"TCK[0-9]+".to_string()),
    ];
    let set = DetectorSet::new(&BuiltinDetector::ALL, &[], &custom).expect("set");
    assert_eq!(set.len(), BUILTIN_COUNT + 2);
    assert!(!set.is_empty());
    assert_eq!(set.name(BUILTIN_COUNT as u16), "order_ref");
    assert_eq!(set.name(BUILTIN_COUNT as u16 + 1), "ticket");
    assert_eq!(set.name(999), "unknown");
    assert_eq!(
        matches(&set, "", "ref ORD-123456 and TCK42 by a@example.com"),
        vec![
            ("order_ref".to_string(), "ORD-123456".to_string()),
            ("ticket".to_string(), "TCK42".to_string()),
            ("email".to_string(), "a@example.com".to_string()),
        ]
    );
}

/// Values shorter than a custom regex can match skip it; a value of exactly
/// the shortest length (and multi-byte text counted in bytes) still matches.
#[test]
fn custom_length_shortcut_keeps_shortest_matches() {
    let custom = vec![
        ("order".to_string(), r"ORD-[0-9]{4}".to_string()),
        ("word".to_string(), r"\bé\w".to_string()),
        ("raw".to_string(), r"(?-u:\xFF)".to_string()),
    ];
    let set = DetectorSet::new(&[], &[], &custom).expect("set");
    assert_eq!(
        matches(&set, "", "ORD-1234"),
        vec![("order".to_string(), "ORD-1234".to_string())]
    );
    assert_eq!(matches(&set, "", "ORD-123"), vec![]);
    assert_eq!(
        matches(&set, "", "éa"),
        vec![("word".to_string(), "éa".to_string())]
    );
    let mut out = Vec::new();
    set.scan(b"", b"\xFF", &mut out);
    assert_eq!(
        out.len(),
        1,
        "a bytes-only pattern is never skipped: {out:?}"
    );
}

#[test]
fn bad_custom_detectors_are_errors() {
    assert!(DetectorSet::new(&[], &[], &[("x".into(), "(".into())]).is_err());
    assert!(DetectorSet::new(&[], &[], &[("email".into(), "a".into())]).is_err());
    assert!(DetectorSet::new(&[], &[], &[("".into(), "a".into())]).is_err());
    assert!(DetectorSet::new(
        &[],
        &[],
        &[("x".into(), "a".into()), ("x".into(), "b".into())]
    )
    .is_err());
}

#[test]
fn custom_matches_are_widened_to_char_boundaries() {
    let set = DetectorSet::new(&[], &[], &[("b".into(), r"(?-u:\xC3)".into())]).expect("set");
    let text = "aé b";
    let mut out = Vec::new();
    set.scan(b"", text.as_bytes(), &mut out);
    assert_eq!(
        out,
        vec![Match {
            start: 1,
            end: 3,
            detector: BUILTIN_COUNT as u16
        }]
    );
}

#[test]
fn overlaps_resolve_earliest_then_longest() {
    let custom = vec![("wide".to_string(), r"x a@example\.com".to_string())];
    let set = DetectorSet::new(&BuiltinDetector::ALL, &[], &custom).expect("set");
    // The custom match starts earlier and swallows the email.
    assert_eq!(
        matches(&set, "", "x a@example.com"),
        vec![("wide".to_string(), "x a@example.com".to_string())]
    );
    let custom = vec![("short".to_string(), r"a@ex".to_string())];
    let set = DetectorSet::new(&BuiltinDetector::ALL, &[], &custom).expect("set");
    // Same start: the longer email wins.
    assert_eq!(
        matches(&set, "", "a@example.com"),
        vec![("email".to_string(), "a@example.com".to_string())]
    );
}

#[test]
fn scan_appends_without_clearing() {
    let set = DetectorSet::new(&BuiltinDetector::ALL, &[], &[]).expect("set");
    let sentinel = Match {
        start: 100,
        end: 200,
        detector: 3,
    };
    let mut out = vec![sentinel];
    set.scan(b"", b"a@example.com", &mut out);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], sentinel);
    assert_eq!((out[1].start, out[1].end), (0, 13));
}

#[test]
fn custom_prefix_shortcut_never_hides_a_match() {
    // Patterns with and without a fixed leading literal, anchors, classes and
    // case folding: the shortcut may only skip texts the regex cannot match.
    let patterns = [
        r"ORD-[0-9]{10}",
        r"\bTCK[0-9]+",
        r"(?i)ord-[0-9]+",
        r"(?:ab|ac)x",
        r"[A-Z]{3}-\d",
        r"x*ORD",
        r"^ORD",
    ];
    let texts = [
        "ref ORD-0123456789 end",
        "TCK42 and TCK7",
        "ord-1 Ord-22",
        "abx acx adx",
        "ABC-1",
        "xxORD ORD",
        "ORD at start",
        "nothing here",
        "",
    ];
    for p in patterns {
        let set = DetectorSet::new(&[], &[], &[("c".to_string(), p.to_string())]).unwrap();
        let re = regex::bytes::Regex::new(p).unwrap();
        for t in texts {
            let want: Vec<String> = re
                .find_iter(t.as_bytes())
                .filter(|m| m.start() < m.end())
                .map(|m| t[m.start()..m.end()].to_string())
                .collect();
            let got: Vec<String> = matches(&set, "", t).into_iter().map(|(_, v)| v).collect();
            assert_eq!(got, want, "pattern {p:?} on {t:?}");
        }
    }
}

#[test]
fn custom_patterns_with_a_fixed_start_get_the_shortcut() {
    let prefix = |p: &str| {
        let hir = regex_syntax::Parser::new().parse(p).unwrap();
        super::super::required_prefix(&hir).map(|f| String::from_utf8(f.needle().to_vec()).unwrap())
    };
    assert_eq!(prefix(r"ORD-[0-9]{10}").as_deref(), Some("ORD-"));
    assert_eq!(prefix(r"\bTCK[0-9]+").as_deref(), Some("TCK"));
    assert_eq!(prefix(r"(?:ab|ac)x").as_deref(), Some("a"));
    assert_eq!(prefix(r"(?i)ord-[0-9]+"), None);
    assert_eq!(prefix(r"x*ORD"), None);
    assert_eq!(prefix(r"[A-Z]{3}-\d"), None);
}
