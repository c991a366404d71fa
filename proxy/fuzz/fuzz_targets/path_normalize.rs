//! Fuzzes request-path normalization: never panics, and its output is a fixed point that is
//! free of the spellings the route allowlist must never see.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planeguard::admission::path::normalize;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(normalized) = normalize(raw) {
        assert!(normalized.starts_with('/'));
        assert!(!normalized.contains("//"));
        assert!(!normalized.split('/').any(|s| s == "." || s == ".."));
        assert_eq!(normalize(&normalized).as_deref(), Ok(normalized.as_str()));
    }
});
