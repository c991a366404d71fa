//! Labels in the text before a number: `ssn=123456789`, `call 4155552671`,
//! `phone: 07911 123456`. Without one, such numbers are ordinary log numbers.

use super::{assert_not, scan, scan_key};

fn found(detector: &str, text: &str) -> Vec<String> {
    scan(text)
        .into_iter()
        .filter(|(d, _)| d == detector)
        .map(|(_, v)| v)
        .collect()
}

#[track_caller]
fn assert_found(detector: &str, text: &str, want: &str) {
    assert_eq!(found(detector, text), vec![want.to_string()], "{text:?}");
}

#[test]
fn ssn_after_a_label() {
    for text in [
        "ssn=123456789",
        "SSN 123456789",
        "SSN: 123456789",
        "ssn#123456789",
        "SSN No. 123456789",
        "ssn number is 123456789",
        "Social Security Number: 123456789",
        "social security no 123456789",
        "social_security_number=123456789",
        "customer.ssn=123456789",
        "userSSN=123456789",
        "SocialSecurityNumber: 123456789",
        "{\"ssn\":\"123456789\"}",
        "{\\\"ssn\\\": \\\"123456789\\\"}",
        "tenant.ssn=123456789",
    ] {
        assert_found("us_ssn", text, "123456789");
    }
    // With a label the shape alone decides, also outside the issued ranges.
    assert_found("us_ssn", "ssn 987-65-4321", "987-65-4321");
    assert_found("us_ssn", "SSN: 900123456", "900123456");
}

#[test]
fn nine_digits_without_an_ssn_label_survive() {
    for text in [
        "123456789",
        "order 123456789 shipped",
        "rows=123456789",
        "ssn_cache_size=123456789",
        "ssn lookup took 123456789 ns",
        "security scan 123456789",
        "class 123456789",
        "ssn 1234567890", // ten digits
        "ssn 12345678",   // eight digits
        "987-65-4321",    // outside the issued ranges, no label
    ] {
        assert_not("us_ssn", text);
    }
}

#[test]
fn phone_after_a_label() {
    for (text, want) in [
        ("call 4155552671", "4155552671"),
        ("phone: 07911 123456", "07911 123456"),
        ("tel 212 555 0123", "212 555 0123"),
        ("Tel. 030 1234567", "030 1234567"),
        ("tel 06.12.34.56.78", "06.12.34.56.78"),
        ("fax 0049 30 901820", "0049 30 901820"),
        ("phoneNumber=4155552671", "4155552671"),
        ("customer.phone_number: 4155552671", "4155552671"),
        ("mobile no. 4155552671", "4155552671"),
        ("customerPhone=4155552671", "4155552671"),
        ("cell: 5551234567", "5551234567"),
        ("contact number is 020 7946 0958", "020 7946 0958"),
        ("call me at 4155552671 later", "4155552671"),
        ("call us at 4155552671", "4155552671"),
        ("my phone number is 07911 123456", "07911 123456"),
        ("msisdn=447911123456", "447911123456"),
        ("SMS to 07911123456", "07911123456"),
        ("{\"phone\":\"4155552671\"}", "4155552671"),
        ("tel=1234567", "1234567"),
    ] {
        assert_found("phone", text, want);
    }
}

#[test]
fn numbers_without_a_phone_label_survive() {
    for text in [
        "4155552671",
        "took 4155552671 ns",
        "order 4155552671 shipped",
        "hotel 4155552671",
        "intel 4155552671",
        "call took 1234567 ns",
        "call id 4155552671",
        "called at 2024-01-15 10:00",
        "phone updated 2024-01-15",
        "call at 15.01.2024",
        "phone 123456",            // six digits
        "tel 200 OK",              // three digits
        "call 3 times",            // one digit
        "phone 12345678901234567", // too long
        "x9phone 4155552671",
        "latency_ms=14.2 inputs=3 outputs=17 retries=0",
        "phone: v1.2.3",
    ] {
        assert_not("phone", text);
    }
}

#[test]
fn label_and_key_agree() {
    // A label in free text finds what the same value under a telling key
    // finds.
    let hit = |v: &str| vec![("phone".to_string(), v.to_string())];
    assert_eq!(scan_key("user.phone", "07911 123456"), hit("07911 123456"));
    assert_eq!(scan_key("note", "phone 07911 123456"), hit("07911 123456"));
    assert_eq!(scan_key("note", "phone=07911 123456"), hit("07911 123456"));
}

/// After a phone label, a number whose first group has one or two digits
/// (`06 12 34 56 78`) is found: the vector pass keeps such a group a
/// candidate when a digit follows its space.
#[test]
fn labelled_phone_numbers_with_a_short_first_group() {
    for (text, want) in [
        ("phone: 06 12 34 56 78", "06 12 34 56 78"),
        ("call 06 12 34 56 78 now", "06 12 34 56 78"),
        ("Tel.: 01 42 68 53 00", "01 42 68 53 00"),
    ] {
        super::assert_one("phone", text, want);
    }
    // At every offset of a vector.
    for pad in 0..70 {
        let text = format!("{}, phone: 06 12 34 56 78", "x".repeat(pad));
        let found = super::scan(&text);
        assert!(
            found.contains(&("phone".to_string(), "06 12 34 56 78".to_string())),
            "{pad}: {found:?}"
        );
    }
    for text in [
        "took 3 12 ms",
        "values 1 2 3 4 5 6 7 8",
        "at 2024-05-29 16:26:40 ok",
    ] {
        super::assert_none(text);
    }
}
