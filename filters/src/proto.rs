//! Wire-level OTLP protobuf walker (in progress).
use crate::{Report, ScrubError, ScrubErrorKind, Scrubber, Signal};

pub(crate) fn scrub(
    _s: &Scrubber,
    _signal: Signal,
    _input: &[u8],
    _out: &mut Vec<u8>,
    _report: &mut Report,
    _emit: bool,
) -> Result<(), ScrubError> {
    Err(ScrubError::new(ScrubErrorKind::BadValue, "", 0))
}
