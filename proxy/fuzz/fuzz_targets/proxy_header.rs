//! Fuzzes the PROXY protocol header parser.
//!
//! Beyond "never panics", each input checks the incremental contract the listener relies on:
//! the input split in two (at a point chosen by the first byte) must give the same verdict as
//! the whole, because a header may arrive across any number of TCP segments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planeguard::admission::proxy_protocol::{parse, Limits, Parsed};

fuzz_target!(|data: &[u8]| {
    let Some((&split_seed, input)) = data.split_first() else {
        return;
    };
    for limits in [
        Limits::default(),
        Limits {
            max_header_len: usize::MAX,
        },
    ] {
        let whole = parse(input, &limits);
        if let Ok(Parsed::Complete { consumed, .. }) = &whole {
            assert!(*consumed <= input.len());
            assert_eq!(parse(&input[..*consumed], &limits), whole);
        }

        // Bytes arriving in two segments: the first segment alone must not contradict the whole.
        let cut = if input.is_empty() {
            0
        } else {
            usize::from(split_seed) % input.len()
        };
        match parse(&input[..cut], &limits) {
            // Once refused, more bytes never make a header acceptable.
            Err(_) => assert!(whole.is_err(), "prefix refused but whole {whole:?}"),
            // A complete header does not change when more bytes follow it.
            Ok(Parsed::Complete { .. }) => assert_eq!(parse(&input[..cut], &limits), whole),
            Ok(Parsed::Incomplete { needed_hint }) => {
                assert!(needed_hint >= 1);
                if let Ok(Parsed::Complete { consumed, .. }) = &whole {
                    assert!(cut + needed_hint <= *consumed);
                }
            }
        }
    }
});
