//! ipv4 and ipv6.

use super::{assert_not, assert_one};

#[test]
fn ipv4_positives() {
    for (text, want) in [
        ("10.0.0.1", "10.0.0.1"),
        ("client 192.168.1.20 connected", "192.168.1.20"),
        ("peer=172.16.254.1:8080", "172.16.254.1"),
        ("\"ip\":\"8.8.8.8\"", "8.8.8.8"),
        ("from 255.255.255.255.", "255.255.255.255"),
        ("http://127.0.0.1/health", "127.0.0.1"),
        ("cidr 10.0.0.0/8", "10.0.0.0"),
        ("[0.0.0.0]", "0.0.0.0"),
        // After a word and a dot (an address hidden in an attribute key).
        ("tenant.193.247.117.199", "193.247.117.199"),
        // A URL path segment after a lowercase word.
        ("/v1/customers/193.226.158.46/features", "193.226.158.46"),
        ("GET /ip/10.20.30.40 200", "10.20.30.40"),
    ] {
        assert_one("ipv4", text, want);
    }
}

#[test]
fn ipv4_look_alikes_survive() {
    for text in [
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "v1.2.3.4",
        "version 1.2.3.4",
        "build=10.0.0.1",
        "\"sdk.version\": \"1.2.3.4\"",
        "firmware 4.4.4.4",
        "Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11) Edg/120.0.2210.91",
        "OPR/105.0.0.0",
        "v10.0.19041.1",
        "01.02.03.04",
        "1.2.3.4a",
        "libfoo-1.2.3.4.tar.gz",
        "2024.01.15.10",
        "p99=45.3 p50=12.1",
    ] {
        assert_not("ipv4", text);
    }
}

#[test]
fn ipv6_positives() {
    for (text, want) in [
        (
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        ),
        ("addr 2001:db8::1 up", "2001:db8::1"),
        ("fe80::1ff:fe23:4567:890a.", "fe80::1ff:fe23:4567:890a"),
        ("::1", "::1"),
        ("from ::ffff:192.168.1.1 ok", "::ffff:192.168.1.1"),
        ("[2001:db8::8a2e:370:7334]:443", "2001:db8::8a2e:370:7334"),
        ("\"ip\":\"2001:db8:0:0:1:0:0:1\"", "2001:db8:0:0:1:0:0:1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::192.0.2.33"),
    ] {
        assert_one("ipv6", text, want);
    }
}

#[test]
fn ipv6_look_alikes_survive() {
    for text in [
        "12:34:56",
        "at 10:20:30.123",
        "2024-01-15T10:20:30Z",
        "00:1a:2b:3c:4d:5e",
        "00:1A:2B:3C:4D:5E:6F:70:81",
        "::",
        "std::vec::Vec",
        "Add::new",
        "Cafe::Bad",
        "a::b",
        "2001:db8:::1",
        "1:2:3:4:5:6:7:8:9",
        "fe80::1g",
        "user:pass",
        "ERROR: deadbeef",
    ] {
        assert_not("ipv6", text);
    }
}
