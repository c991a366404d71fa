//! Wire-level OTLP/JSON walker: scrubs an `Export*ServiceRequest` in one pass
//! over its bytes, following the semantics shared with the protobuf walker
//! (/work/walker-semantics.md is the contract: key policies on every
//! `repeated KeyValue`, detectors on free text, record drop, unknown members
//! dropped, fail closed).
//!
//! - [`tokenizer`]: a pull tokenizer that reports token byte ranges, unescapes
//!   strings into a reused buffer and validates UTF-8, escapes and numbers.
//! - [`schema`]: static tables of every OTLP message (JSON and proto names, kinds).
//! - [`values`]: integer/double/hex-id/base64 domain checks and codecs.
//! - [`walker`]: the walk itself; untouched tokens are copied as raw input
//!   ranges, only replaced strings are re-encoded. Output uses lowerCamelCase
//!   names and no whitespace.

mod schema;
mod tokenizer;
mod values;
mod walker;

#[cfg(test)]
mod tests;

use crate::{Report, ScrubError, Scrubber, Signal};

/// Scrubs (or with `emit == false` only validates) one OTLP/JSON request into
/// `out`. In passthrough the walk only validates: the caller copies the input.
pub(crate) fn scrub(
    s: &Scrubber,
    signal: Signal,
    input: &[u8],
    out: &mut Vec<u8>,
    report: &mut Report,
    emit: bool,
) -> Result<(), ScrubError> {
    let emit = emit && s.is_scrubbing();
    walker::Walker::new(s, input, out, report, emit).run(schema::request(signal))
}
