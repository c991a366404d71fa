//! credit_card, us_ssn, iban.

use super::{assert_none, assert_not, assert_one, scan_key};

#[test]
fn credit_cards_in_formats_and_contexts() {
    for (text, want) in [
        ("4111111111111111", "4111111111111111"),
        ("card=4111111111111111;", "4111111111111111"),
        ("paid with 4111 1111 1111 1111.", "4111 1111 1111 1111"),
        ("pan 4111-1111-1111-1111 ok", "4111-1111-1111-1111"),
        // Followed by one more number: expiry, CVV, year.
        ("card 4111 1111 1111 1111 12/27", "4111 1111 1111 1111"),
        ("card 5500 0000 0000 0004 123 cvv", "5500 0000 0000 0004"),
        ("exp 4111 1111 1111 1111 2027", "4111 1111 1111 1111"),
        ("4111 1111 1111 1111 1111 1111", "4111 1111 1111 1111"),
        ("{\"pan\":\"5555555555554444\"}", "5555555555554444"),
        ("amex 3782 822463 10005", "3782 822463 10005"),
        ("amex 378282246310005", "378282246310005"),
        ("discover 6011111111111117", "6011111111111117"),
        ("jcb 3530111333300000", "3530111333300000"),
        ("diners 30569309025904", "30569309025904"),
        ("mc2 2223003122003222", "2223003122003222"),
        ("(4012888888881881)", "4012888888881881"),
    ] {
        assert_one("credit_card", text, want);
    }
}

#[test]
fn every_card_of_a_list_is_found() {
    let cards = "4111 1111 1111 1111 5500 0000 0000 0004 4111 1111 1111 1111";
    let found: Vec<String> = super::scan(cards)
        .into_iter()
        .filter(|(d, _)| d == "credit_card")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        found,
        [
            "4111 1111 1111 1111",
            "5500 0000 0000 0004",
            "4111 1111 1111 1111"
        ]
    );
}

#[test]
fn credit_card_look_alikes_survive() {
    for text in [
        "4111111111111112",              // bad Luhn
        "4111 1111 1111 1112",           // bad Luhn, spaced
        "ts=1705123456785",              // epoch millis with a valid Luhn digit
        "ts_ns=1705123456789012340",     // epoch nanos with a valid Luhn digit
        "id 991234567890120",            // Luhn-valid, no brand starts with 99
        "412345678901234",               // Visa prefix but 15 digits
        "4111111111111111.25",           // a decimal, not a card
        "x4111111111111111",             // inside a word
        "4111111111111111abc",           // glued to letters
        "4111 1111 1111 1112 1111 1111", // bad Luhn, more groups
        "2024-01-15 4111-11-11",         // dates
    ] {
        assert_not("credit_card", text);
    }
}

#[test]
fn ssn_formats() {
    for (text, want) in [
        ("ssn 123-45-6789", "123-45-6789"),
        ("123 45 6789", "123 45 6789"),
        ("\"ssn\":\"078-05-1120\",", "078-05-1120"),
        ("x(665-12-3456)", "665-12-3456"),
    ] {
        assert_one("us_ssn", text, want);
    }
}

#[test]
fn ssn_excluded_ranges_and_look_alikes() {
    for text in [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "999-12-3456",
        "123-00-4567",
        "123-45-0000",
        "123-45-67890",
        "1123-45-6789",
        "123-45 6789", // mixed separators
        "2024-01-15",
        "123456789", // bare 9 digits without an SSN key
        "12-345-6789",
    ] {
        assert_not("us_ssn", text);
    }
}

#[test]
fn bare_ssn_only_under_ssn_key() {
    let hit = vec![("us_ssn".to_string(), "123456789".to_string())];
    assert_eq!(scan_key("customer.ssn", "123456789"), hit);
    assert_eq!(
        scan_key("social_security_number", " 123456789 ")[0].1,
        "123456789"
    );
    assert_eq!(scan_key("SSN", "ssn is 123456789"), hit);
    // Under an SSN key the shape alone decides, also outside the issued
    // ranges (what was entered as an SSN is one).
    assert_eq!(
        scan_key("customer.ssn", "666456789"),
        vec![("us_ssn".to_string(), "666456789".to_string())]
    );
    assert_eq!(scan_key("order.id", "123456789"), vec![]);
    assert_eq!(scan_key("customer.ssn", "12345678"), vec![]);
}

#[test]
fn ibans_in_formats() {
    for (text, want) in [
        ("DE89370400440532013000", "DE89370400440532013000"),
        (
            "iban: DE89 3704 0044 0532 0130 00.",
            "DE89 3704 0044 0532 0130 00",
        ),
        ("to GB82WEST12345698765432 today", "GB82WEST12345698765432"),
        ("FR1420041010050500013M02606", "FR1420041010050500013M02606"),
        ("\"iban\":\"NL91ABNA0417164300\"", "NL91ABNA0417164300"),
        (
            "ES91 2100 0418 4502 0005 1332",
            "ES91 2100 0418 4502 0005 1332",
        ),
        ("IT60X0542811101000000123456", "IT60X0542811101000000123456"),
        ("BE68539007547034", "BE68539007547034"),
        ("CH9300762011623852957", "CH9300762011623852957"),
        (
            "PL61 1090 1014 0000 0712 1981 2874",
            "PL61 1090 1014 0000 0712 1981 2874",
        ),
    ] {
        assert_one("iban", text, want);
    }
}

#[test]
fn iban_look_alikes_survive() {
    for text in [
        "DE89370400440532013001",      // bad checksum
        "DE8937040044053201300",       // too short for DE
        "DE893704004405320130000",     // too long for DE
        "DE89 3704 0044 0532 0130 01", // bad checksum, spaced
        "DE89 37040044 0532 0130 00",  // wrong grouping
        "XX89370400440532013000",      // unknown country
        "de89370400440532013000",      // lowercase country
    ] {
        assert_not("iban", text);
    }
}

#[test]
fn numbers_in_logs_are_not_cards_or_ssns() {
    for text in [
        "GET /api/v1/orders/1234567890123 200 took 1234ms",
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "2024-01-15T10:20:30.123456789Z processed 16384 bytes",
        "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ] {
        assert_none(text);
    }
}

/// After a digit and a comma, only a three-digit thousands group continues the
/// number; lists and CSV rows start a new value at each comma.
#[test]
fn values_after_a_comma_and_a_digit_are_checked() {
    let s = |t: &str| -> Vec<(String, String)> { super::scan(t) };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        s("hosts=10.0.0.1,10.0.0.2,10.0.0.3"),
        pairs(&[
            ("ipv4", "10.0.0.1"),
            ("ipv4", "10.0.0.2"),
            ("ipv4", "10.0.0.3")
        ])
    );
    assert_eq!(s("1,10.0.0.2"), pairs(&[("ipv4", "10.0.0.2")]));
    assert_eq!(
        s("3,4111111111111111"),
        pairs(&[("credit_card", "4111111111111111")])
    );
    assert_eq!(s("7,078-05-1120"), pairs(&[("us_ssn", "078-05-1120")]));
    assert_eq!(s("9,415 555 2671 x"), pairs(&[("phone", "415 555 2671")]));
    // Thousands groups stay one number.
    for t in [
        "1,234,567 rows",
        "total 1,234.50 USD",
        "1,234 items",
        "12,345,678,901,234",
    ] {
        assert!(s(t).is_empty(), "{t}: {:?}", s(t));
    }
}
