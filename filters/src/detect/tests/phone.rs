//! phone: E.164, NANP formats, key-context bare digits.

use super::{assert_not, assert_one, scan_key};

#[test]
fn phone_formats() {
    for (text, want) in [
        ("call +14155552671 now", "+14155552671"),
        ("+1 555 234 5678", "+1 555 234 5678"),
        ("tel: +1 (555) 234-5678.", "+1 (555) 234-5678"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("+49-30-1234567", "+49-30-1234567"),
        ("+33.1.23.45.67.89", "+33.1.23.45.67.89"),
        ("(555) 234-5678", "(555) 234-5678"),
        ("at (555)234-5678,", "(555)234-5678"),
        ("555-234-5678", "555-234-5678"),
        ("555.234.5678", "555.234.5678"),
        ("1-800-555-0199", "1-800-555-0199"),
        ("{\"phone\":\"555-234-5678\"}", "555-234-5678"),
        // Followed by another number.
        ("call +1 415 555 0134 2024", "+1 415 555 0134"),
        ("+44 20 7946 0958 2024 12", "+44 20 7946 0958"),
        // Punctuated NANP shapes whatever their digits (generated test
        // numbers need not follow the plan).
        ("+1 155 234 5678", "+1 155 234 5678"),
        ("+1-012-345-6789", "+1-012-345-6789"),
        ("155-234-5678", "155-234-5678"),
        ("555-134-5678", "555-134-5678"),
        ("(123)456-7890", "(123)456-7890"),
        ("012.345.6789", "012.345.6789"),
        ("+1234567890", "+1234567890"),
        // Country prefixes dialled from the US, glued extensions.
        ("001-555-123-4567", "001-555-123-4567"),
        ("1.800.555.0199", "1.800.555.0199"),
        ("call 555-123-4567x1234 now", "555-123-4567x1234"),
        ("(555)123-4567X89", "(555)123-4567X89"),
        ("+1-555-123-4567x123", "+1-555-123-4567x123"),
        ("555.123.4567 x123", "555.123.4567"),
        // Single spaces, under the numbering plan's rules.
        ("415 555 2671", "415 555 2671"),
        ("call 415 555 2671.", "415 555 2671"),
        ("\"to\":\"212 555 0123\"", "212 555 0123"),
    ] {
        assert_one("phone", text, want);
    }
}

#[test]
fn phone_look_alikes_survive() {
    for text in [
        "155 234 5678",      // NANP area starts with 1 (spaced: plan rules)
        "555 134 5678",      // NANP exchange starts with 1
        "411 555 2671",      // N11 service code as area code
        "415 911 2671",      // N11 as exchange
        "595 555 2671",      // area codes with 9 in the middle are reserved
        "+1234567",          // too short for E.164
        "+1234567890123456", // too long
        "+0123456789",       // no country code starts with 0
        "1+23456789012",     // arithmetic
        "2024-01-15T10:00:00+05:30",
        "2024-01-15T10:00:00+0000",
        "555-234-56789", // line number too long
        "555-234.5678",  // mixed separators
        "4155552671",    // bare digits without a phone key
        "took 5552345678ns",
        "555-123-4567y12", // not an extension
        "555-123-4567x1234567",
        // Space-separated groups in a list are not a NANP number.
        "sizes 64 256 512 1024 2048",
        "256 512 1024 4096",
        "ids 7 415 555 2671",
        "took 415 ms",
        "took 415 555 ms",
    ] {
        assert_not("phone", text);
    }
}

#[test]
fn bare_digits_only_under_phone_keys() {
    let hit = |v: &str| vec![("phone".to_string(), v.to_string())];
    assert_eq!(scan_key("user_phone", "4155552671"), hit("4155552671"));
    assert_eq!(
        scan_key("contact.mobile", "07700900123"),
        hit("07700900123")
    );
    assert_eq!(scan_key("tel", "030 1234567"), hit("030 1234567"));
    assert_eq!(scan_key("MobileNumber", "1234567"), hit("1234567"));
    assert_eq!(scan_key("telemetry.sdk.build", "4155552671"), vec![]);
    assert_eq!(scan_key("hotel_id", "4155552671"), vec![]);
    assert_eq!(scan_key("order.id", "4155552671"), vec![]);
    assert_eq!(scan_key("user_phone", "123456"), vec![]);
}

#[test]
fn one_before_a_spaced_number_is_its_country_code() {
    // The pass does not stop at the lone `1`; the number is found from its
    // area code, and a lone `1` before it does not make a list.
    assert_eq!(
        super::scan("1 415 555 2671"),
        vec![("phone".to_string(), "415 555 2671".to_string())]
    );
    let hit = |v: &str| vec![("phone".to_string(), v.to_string())];
    assert_eq!(scan_key("tel", "1 415 555 2671"), hit("1 415 555 2671"));
    assert_eq!(scan_key("note", "call 1 415 555 2671"), hit("415 555 2671"));
}
