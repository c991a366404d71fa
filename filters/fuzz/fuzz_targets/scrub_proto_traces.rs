//! Arbitrary bytes as an OTLP traces request in Protobuf encoding, scrubbed with a strict
//! profile: see `planeguard_filters_fuzz::check` for what must hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use planeguard_filters::{Encoding, Signal};

fuzz_target!(|data: &[u8]| {
    planeguard_filters_fuzz::check(Signal::Traces, Encoding::Protobuf, data);
});
