//! Errors: building a scrubber from a profile, and scrubbing one payload.

use std::fmt;

/// A profile that cannot be compiled (bad regex, unknown detector, missing hash key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError(pub String);

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ProfileError {}

/// Why a payload was rejected. Never contains payload values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScrubErrorKind {
    /// Input ended inside a field.
    Truncated,
    /// A varint longer than 10 bytes or overflowing.
    BadVarint,
    /// A field with a wire type that the OTLP schema does not allow there.
    WrongWireType,
    /// Wire types 3/4 (groups), 6/7, or field number 0.
    InvalidTag,
    /// A string field that is not valid UTF-8.
    InvalidUtf8,
    /// Nesting deeper than the profile's limit.
    TooDeep,
    /// A value larger than the profile's limit.
    TooLarge,
    /// JSON that does not parse, or does not follow the OTLP/JSON mapping.
    BadJson,
    /// A field value outside its domain (bad hex id, bad base64, bad number).
    BadValue,
}

impl ScrubErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::BadVarint => "bad varint",
            Self::WrongWireType => "wrong wire type",
            Self::InvalidTag => "invalid tag",
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::TooDeep => "nesting too deep",
            Self::TooLarge => "value too large",
            Self::BadJson => "malformed JSON",
            Self::BadValue => "invalid value",
        }
    }
}

/// A rejected payload: what went wrong, the field path, and the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrubError {
    pub kind: ScrubErrorKind,
    /// Schema path of the field, e.g. `resource_logs.scope_logs.log_records.body`.
    pub path: String,
    /// Byte offset into the (decompressed) input.
    pub offset: usize,
}

impl ScrubError {
    pub(crate) fn new(kind: ScrubErrorKind, path: impl Into<String>, offset: usize) -> Self {
        Self {
            kind,
            path: path.into(),
            offset,
        }
    }
}

impl fmt::Display for ScrubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} at byte {}", self.kind.as_str(), self.offset)
        } else {
            write!(
                f,
                "{} in {} at byte {}",
                self.kind.as_str(),
                self.path,
                self.offset
            )
        }
    }
}
impl std::error::Error for ScrubError {}
