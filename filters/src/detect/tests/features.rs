//! feature_value: values of feature-namespace names inside free text.

use super::super::{BuiltinDetector, DetectorSet, Match};
use super::{assert_not, assert_one, scan};

#[test]
fn feature_values_lose_value_keep_name() {
    for (text, want) in [
        ("user.email=a@b.c", "a@b.c"),
        ("user.email: a@b.c", "a@b.c"),
        ("{\"user.email\": \"a@b.c\"}", "a@b.c"),
        ("{\"user.age\": 42}", "42"),
        ("{\"user.age\":42,\"x\":1}", "42"),
        ("user.email='x y'", "x y"),
        ("user.tier=gold; next", "gold"),
        ("(transaction.amount=12.50)", "12.50"),
        ("[user.segment=vip]", "vip"),
        ("user.note=\"say \\\"hi\\\" now\"", "say \\\"hi\\\" now"),
        ("{\\\"user.email\\\": \\\"q r\\\"}", "q r"),
        ("USER.Country=DE", "DE"),
        ("user.id = 1234", "1234"),
        // At the end of a longer dotted name (e.g. inside an attribute key).
        ("tenant.user.ltv_usd=89737.55", "89737.55"),
        ("my.user.email=a", "a"),
    ] {
        assert_one("feature_value", text, want);
    }
}

#[test]
fn non_feature_names_survive() {
    for text in [
        "users.email=a",
        "service.name=checkout",
        "user.email",
        "user.email==x",
        "xuser.email=a",
        "user.email=",
    ] {
        assert_not("feature_value", text);
    }
}

#[test]
fn feature_value_wins_ties_and_covers_other_detectors() {
    // Same range as the email detector: reported as a feature value.
    assert_eq!(
        scan("user.email=alice@example.com"),
        vec![("feature_value".into(), "alice@example.com".into())]
    );
    // A longer quoted value covers the email inside it.
    assert_eq!(
        scan("user.note='mail alice@example.com'"),
        vec![("feature_value".into(), "mail alice@example.com".into())]
    );
}

#[test]
fn no_features_configured_means_no_feature_matches() {
    let set = DetectorSet::new(&BuiltinDetector::ALL, &[], &[]).expect("set");
    let mut out: Vec<Match> = Vec::new();
    set.scan(b"", b"user.tier=gold", &mut out);
    assert!(out.is_empty());
}
