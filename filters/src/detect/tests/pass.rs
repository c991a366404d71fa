//! The single pass: triggers inside words, block boundaries, and the rule
//! that a match found at a word start hides the word starts inside it (also
//! from `kv`, whose identifier is read backwards from its separator).

use super::super::{BuiltinDetector, DetectorSet, Match};
use super::scan;

/// Every built-in with features `user.*` and `garcia.*` (so that an
/// identifier starting inside a name can be a feature name).
fn scan_garcia(text: &str) -> Vec<(String, String)> {
    let set = DetectorSet::new(
        &BuiltinDetector::ALL,
        &["user.*".to_string(), "garcia.*".to_string()],
        &[],
    )
    .expect("set");
    let mut out: Vec<Match> = Vec::new();
    set.scan(b"", text.as_bytes(), &mut out);
    out.iter()
        .map(|m| {
            (
                set.name(m.detector).to_string(),
                text[m.start..m.end].to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(d, t)| (d.to_string(), t.to_string()))
        .collect()
}

#[test]
fn identifier_starting_inside_a_match_is_not_a_key() {
    // `Garcia.authorization` starts inside the name: no Authorization value.
    assert_eq!(
        scan_garcia("Maria Garcia.authorization=Bearer abcdefgh"),
        pairs(&[("person_name", "Maria Garcia")])
    );
    assert_eq!(
        scan_garcia("maria Garcia.authorization=Bearer abcdefgh"),
        pairs(&[("feature_value", "Bearer"), ("bearer_token", "abcdefgh")])
    );
    // A card inside the identifier does not hide the identifier's start...
    assert_eq!(
        scan_garcia("user.4111-1111-1111-1111=abc"),
        pairs(&[
            ("credit_card", "4111-1111-1111-1111"),
            ("feature_value", "abc")
        ])
    );
    assert_eq!(
        scan_garcia("maria Garcia.4111-1111-1111-1111=abc"),
        pairs(&[
            ("credit_card", "4111-1111-1111-1111"),
            ("feature_value", "abc")
        ])
    );
    // ...but a name before it does, even with the card in between.
    assert_eq!(
        scan_garcia("Maria Garcia.4111-1111-1111-1111=abc"),
        pairs(&[
            ("person_name", "Maria Garcia"),
            ("credit_card", "4111-1111-1111-1111")
        ])
    );
}

#[test]
fn separator_inside_a_match_still_ends_its_identifier() {
    // The first `:` of the address is inside the IPv6 match; `user.1` is
    // still tried as a key (its value overlaps the address, which wins).
    assert_eq!(
        scan("user.1:2:3:4:5:6:7:8 rest"),
        pairs(&[("ipv6", "1:2:3:4:5:6:7:8")])
    );
    assert_eq!(
        scan("eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.sig user.b=2"),
        pairs(&[
            ("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.sig"),
            ("feature_value", "2")
        ])
    );
}

#[test]
fn triggers_inside_words() {
    // Keywords in any case: found at `k` or at an uppercase letter.
    assert_eq!(
        scan("tOKEN abcdefgh12"),
        pairs(&[("bearer_token", "abcdefgh12")])
    );
    assert_eq!(
        scan("toKen abcdefgh12"),
        pairs(&[("bearer_token", "abcdefgh12")])
    );
    assert_eq!(scan("xtoken abcdefgh12"), pairs(&[]));
    // IPv6 groups of letters only have no trigger byte: the `:` finds them.
    assert_eq!(
        scan("see dead:beef::1 now"),
        pairs(&[("ipv6", "dead:beef::1")])
    );
    assert_eq!(scan("x user.fe80::1 rest"), pairs(&[("ipv6", "fe80::1")]));
    // Digits inside a word start nothing.
    assert_eq!(scan("id x4111111111111111 y"), pairs(&[]));
}

#[test]
fn matches_across_block_boundaries() {
    // The pass collects candidates 64 bytes at a time.
    for pad in 50..70 {
        let text = format!("{}4111 1111 1111 1111 {}", " ".repeat(pad), "x".repeat(60));
        let card = pairs(&[("credit_card", "4111 1111 1111 1111")]);
        assert_eq!(scan(&text), card, "pad {pad}");
        let text = format!("{}user.id=42 a@b.example", "y".repeat(pad));
        assert_eq!(scan(&text), pairs(&[("email", "a@b.example")]), "pad {pad}");
        let text = format!("{} user.id=42 a@b.example", "y".repeat(pad));
        assert_eq!(
            scan(&text),
            pairs(&[("feature_value", "42"), ("email", "a@b.example")]),
            "pad {pad}"
        );
    }
}

#[test]
fn reduced_sets_stop_at_their_own_triggers_only() {
    let set = DetectorSet::new(&[BuiltinDetector::Email], &[], &[]).expect("set");
    let mut out: Vec<Match> = Vec::new();
    let text = b"4111 1111 1111 1111 John Smith user.id=1 a@b.example";
    set.scan(b"", text, &mut out);
    assert_eq!(
        out,
        vec![Match {
            start: 41,
            end: 52,
            detector: BuiltinDetector::Email.id()
        }]
    );
    let set = DetectorSet::new(&[], &[], &[]).expect("set");
    out.clear();
    set.scan(b"", text, &mut out);
    assert!(out.is_empty());
}

#[test]
fn short_words_of_letters_skip_the_pass_only_below_key_id_length() {
    for text in [
        "INFO",
        "WARN",
        "BEARER",
        "Token",
        "eyJabc",
        "AKIAABCDEFGHIJKLMNO",
    ] {
        assert_eq!(scan(text), pairs(&[]), "{text}");
    }
    // Twenty capitals can be an AWS key id: the pass still runs.
    assert_eq!(
        scan("AKIAABCDEFGHIJKLMNOP"),
        pairs(&[("aws_access_key_id", "AKIAABCDEFGHIJKLMNOP")])
    );
}

#[test]
fn short_numbers_and_glued_digits_are_found_from_their_colon() {
    // The pass does not stop at one to three digits before a letter, a
    // space or the end; an IPv6 group of that shape is found from its `:`.
    for (text, want) in [
        ("peer 12ab:cd::1 up", "12ab:cd::1"),
        ("peer 123f:db8::1", "123f:db8::1"),
        ("peer 2a:db8::7 x=1", "2a:db8::7"),
    ] {
        assert_eq!(scan(text), pairs(&[("ipv6", want)]), "{text}");
    }
    assert_eq!(scan("took 50ms, 300s, id 11d2 rows=7 n=42"), pairs(&[]));
    // Three digits before a space still start an SSN.
    assert_eq!(scan("ssn 123 45 6789"), pairs(&[("us_ssn", "123 45 6789")]));
}
