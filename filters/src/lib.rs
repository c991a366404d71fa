//! planeguard-filters: the scrubbing engine.
//!
//! A [`Profile`] (plain data) compiles into a [`Scrubber`], which rewrites OTLP
//! payloads (protobuf or OTLP/JSON) in one pass over their bytes: untouched
//! ranges are copied, sensitive values are replaced, enclosing lengths are
//! fixed. Anything that cannot be understood is an error, never partial output.
// Unsafe code is denied except where a measured reason allows it (the SSE2
// trigger pass in detect/words.rs, with its SAFETY note).
#![deny(unsafe_code)]

#[cfg(feature = "corpus")]
pub mod corpus;
pub mod detect;
mod error;
mod json;
mod keycache;
mod keys;
mod profile;
mod proto;
mod report;
mod scrubber;

pub use error::{ProfileError, ScrubError, ScrubErrorKind};
pub use profile::{
    Action, CustomDetector, Limits, Mode, Profile, DEFAULT_ALLOW_KEYS, DEFAULT_DENY_KEYS,
};
pub use report::{Location, Reason, Report};
pub use scrubber::{KeyPolicy, Scrubber};

/// The three OTLP signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    Logs,
    Metrics,
    Traces,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Logs, Signal::Metrics, Signal::Traces];

    /// Position in [`Signal::ALL`]: an index into per-signal arrays.
    pub const fn index(self) -> usize {
        match self {
            Signal::Logs => 0,
            Signal::Metrics => 1,
            Signal::Traces => 2,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Signal::Logs => "logs",
            Signal::Metrics => "metrics",
            Signal::Traces => "traces",
        }
    }
}

/// OTLP payload encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `application/x-protobuf` (and the gRPC message body).
    Protobuf,
    /// `application/json`, the OTLP/JSON mapping.
    Json,
}
