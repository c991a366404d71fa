//! The error type of this crate: every problem found in a config file, each located.
//!
//! A problem prints as
//! ``FILE:LINE:COLUMN: key path `a.b[2].c`: what is wrong; did you mean `x`?; allowed: x, y``
//! so that editors and terminals can jump to it, and so that the user learns both what is
//! wrong and what would be right.

use std::fmt;

use crate::path::KeyPath;

/// A line and column in a config file, both 1-based (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// One thing wrong with a config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where the config came from: a file path or a label such as `<embedded default>`.
    pub origin: String,
    /// Where in the file, when known (values that come from defaults have no position).
    pub pos: Option<Pos>,
    /// The key the problem is about (empty for the whole document).
    pub path: KeyPath,
    /// What is wrong. Never contains a secret value.
    pub message: String,
    /// A likely intended value ("did you mean"), for misspelt keys and values.
    pub suggestion: Option<String>,
    /// The values or keys that would have been accepted, when there is a closed set.
    pub allowed: Vec<String>,
}

impl Problem {
    /// A problem with only a message; the caller fills in the rest.
    pub(crate) fn new(origin: &str, path: KeyPath, message: impl Into<String>) -> Self {
        Problem {
            origin: origin.to_owned(),
            pos: None,
            path,
            message: message.into(),
            suggestion: None,
            allowed: Vec::new(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(pos) = self.pos {
            write!(f, ":{}:{}", pos.line, pos.column)?;
        }
        f.write_str(": ")?;
        if !self.path.is_root() {
            write!(f, "key path `{}`: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        if !self.allowed.is_empty() {
            write!(f, "; allowed: {}", self.allowed.join(", "))?;
        }
        Ok(())
    }
}

/// Everything wrong with a config: parse errors, unknown keys, bad values, unresolvable
/// secrets and failed cross-checks. Display prints one problem per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    problems: Vec<Problem>,
}

impl ConfigError {
    /// Builds an error from at least one problem; problems are sorted by position
    /// (unpositioned ones last, in the order found).
    pub(crate) fn new(mut problems: Vec<Problem>) -> Self {
        problems.sort_by_key(|p| (p.pos.is_none(), p.pos));
        ConfigError { problems }
    }

    /// A single problem about the whole file (for example: it cannot be read).
    pub(crate) fn whole_file(origin: &str, message: impl Into<String>) -> Self {
        ConfigError::new(vec![Problem::new(origin, KeyPath::root(), message)])
    }

    /// Every problem found, in file order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_location_path_suggestion_and_allowed() {
        let mut p = Problem::new("cfg.yaml", KeyPath::keys(&["otlp", "grcp"]), "unknown key");
        p.pos = Some(Pos { line: 3, column: 5 });
        p.suggestion = Some("grpc".into());
        p.allowed = vec!["grpc".into(), "http".into()];
        assert_eq!(
            p.to_string(),
            "cfg.yaml:3:5: key path `otlp.grcp`: unknown key; did you mean `grpc`?; allowed: grpc, http"
        );
    }

    #[test]
    fn unlocated_problems_sort_last() {
        let mut a = Problem::new("f", KeyPath::root(), "a");
        a.pos = Some(Pos { line: 9, column: 1 });
        let b = Problem::new("f", KeyPath::keys(&["x"]), "b");
        let mut c = Problem::new("f", KeyPath::root(), "c");
        c.pos = Some(Pos { line: 2, column: 1 });
        let e = ConfigError::new(vec![a, b, c]);
        assert_eq!(e.to_string(), "f:2:1: c\nf:9:1: a\nf: key path `x`: b");
    }
}
