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
    ] {
        assert_one("phone", text, want);
    }
}

#[test]
fn phone_look_alikes_survive() {
    for text in [
        "+1 155 234 5678",   // NANP area starts with 1
        "+1 555 134 5678",   // NANP exchange starts with 1
        "155-234-5678",      // NANP area rule without +1
        "555-134-5678",      // NANP exchange rule
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
