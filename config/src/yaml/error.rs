//! The serde error type of the tree deserializer: structured, so that unknown keys and
//! values can list what is allowed and suggest the closest match, and located, so that it
//! can become a [`Problem`] with a key path and a line and column.

use std::fmt;

use serde::de::{self, Expected, Unexpected};

use crate::error::{Pos, Problem};
use crate::path::KeyPath;
use crate::suggest::closest;

#[derive(Debug)]
pub(crate) enum DeKind {
    Custom(String),
    UnknownField {
        field: String,
        expected: &'static [&'static str],
    },
    UnknownVariant {
        variant: String,
        expected: &'static [&'static str],
    },
    Mismatch {
        found: String,
        expected: String,
    },
    MissingField(&'static str),
    DuplicateField(&'static str),
}

/// A deserialization error, located at the innermost node it arose in.
#[derive(Debug)]
pub(crate) struct DeError {
    pub kind: DeKind,
    pub at: Option<(KeyPath, Pos)>,
}

impl DeError {
    fn new(kind: DeKind) -> Self {
        DeError { kind, at: None }
    }

    pub(crate) fn mismatch(found: &str, expected: impl Into<String>) -> Self {
        DeError::new(DeKind::Mismatch {
            found: found.to_owned(),
            expected: expected.into(),
        })
    }

    /// Attaches a location unless an inner node already did: the innermost is the most precise.
    pub(crate) fn located(mut self, path: &KeyPath, pos: Pos) -> Self {
        if self.at.is_none() {
            self.at = Some((path.clone(), pos));
        }
        self
    }

    /// The key path the problem is about (for a missing key: the key that is missing).
    pub(crate) fn path(&self) -> KeyPath {
        let base = self.at.as_ref().map(|(p, _)| p.clone()).unwrap_or_default();
        match self.kind {
            DeKind::MissingField(field) => base.key(field),
            _ => base,
        }
    }

    pub(crate) fn into_problem(self, origin: &str) -> Problem {
        let path = self.path();
        let mut problem = Problem::new(origin, path, String::new());
        problem.pos = self.at.map(|(_, pos)| pos);
        match self.kind {
            DeKind::Custom(msg) => problem.message = msg,
            DeKind::UnknownField { field, expected } => {
                problem.message = format!("unknown key `{field}`");
                problem.suggestion = closest(&field, expected.iter().copied());
                problem.allowed = expected.iter().map(|s| (*s).to_owned()).collect();
            }
            DeKind::UnknownVariant { variant, expected } => {
                problem.message = format!("unknown value `{variant}`");
                problem.suggestion = closest(&variant, expected.iter().copied());
                problem.allowed = expected.iter().map(|s| (*s).to_owned()).collect();
            }
            DeKind::Mismatch { found, expected } => {
                problem.message = format!("expected {expected}, found {found}");
            }
            DeKind::MissingField(field) => {
                problem.message = format!("missing required key `{field}`");
            }
            DeKind::DuplicateField(field) => {
                problem.message = format!("key `{field}` appears twice");
            }
        }
        problem
    }
}

/// Describes what was found without printing it: a wrong value could be a secret.
fn describe(unexp: &Unexpected<'_>) -> String {
    match unexp {
        Unexpected::Bool(_) => "a boolean".into(),
        Unexpected::Unsigned(n) => format!("the integer {n}"),
        Unexpected::Signed(n) => format!("the integer {n}"),
        Unexpected::Float(_) => "a number".into(),
        Unexpected::Char(_) | Unexpected::Str(_) => "a string".into(),
        Unexpected::Bytes(_) => "bytes".into(),
        Unexpected::Unit | Unexpected::Option => "nothing (null)".into(),
        Unexpected::Seq => "a list".into(),
        Unexpected::Map => "a mapping".into(),
        other => other.to_string(),
    }
}

/// Rewrites serde's Rust-flavoured expectations ("u16") into config-file language.
pub(crate) fn friendly_expected(exp: &str) -> String {
    let range = |lo: &str, hi: &str| format!("an integer from {lo} to {hi}");
    match exp {
        "u8" => range("0", "255"),
        "u16" => range("0", "65535"),
        "u32" => range("0", "4294967295"),
        "u64" | "usize" => range("0", "18446744073709551615"),
        "i32" | "i64" | "isize" => "an integer".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a string" | "a borrowed string" => "a string".into(),
        "f32" | "f64" => "a number".into(),
        other => other.to_owned(),
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(DeKind::Custom(msg.to_string()))
    }
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        DeError::mismatch(&describe(&unexp), friendly_expected(&exp.to_string()))
    }
    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        DeError::mismatch(&describe(&unexp), friendly_expected(&exp.to_string()))
    }
    fn invalid_length(len: usize, exp: &dyn Expected) -> Self {
        DeError::mismatch(&format!("{len} items"), exp.to_string())
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::new(DeKind::UnknownVariant {
            variant: variant.to_owned(),
            expected,
        })
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError::new(DeKind::UnknownField {
            field: field.to_owned(),
            expected,
        })
    }
    fn missing_field(field: &'static str) -> Self {
        DeError::new(DeKind::MissingField(field))
    }
    fn duplicate_field(field: &'static str) -> Self {
        DeError::new(DeKind::DuplicateField(field))
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.kind)
    }
}

impl std::error::Error for DeError {}
