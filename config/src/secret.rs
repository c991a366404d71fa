//! Secret values (tokens, API keys, HMAC keys) and their references.
//!
//! A secret is written either literally or with references that are resolved when the
//! config is loaded: `${env:NAME}` reads an environment variable, `${file:/path}` reads a
//! file (one trailing newline removed, as editors and `echo` add one). References may sit
//! inside a longer string (`"Bearer ${env:TOKEN}"`); `$${` writes a literal `${`.
//!
//! A [`Secret`] never prints its value: Debug, Display and Serialize all show `[secret]`,
//! and resolution errors name the variable or file, never what was read.

use std::fmt;
use std::path::Path;

use serde::de::{Deserialize, Deserializer};
use serde::{Serialize, Serializer};

/// A secret string. Obtain the value with [`Secret::expose`] at the point of use only.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// What the config says: literal text and references. Kept to allow re-resolution.
    template: String,
    /// The resolved value; `None` until [`Secret::resolve`] succeeded.
    value: Option<String>,
}

/// Why a secret could not be resolved. The message never contains secret material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretError(pub String);

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SecretError {}

/// One piece of a secret template.
enum Part<'a> {
    Literal(&'a str),
    Env(&'a str),
    File(&'a str),
}

impl Secret {
    /// A secret with a known value (no references are interpreted).
    pub fn literal(value: impl Into<String>) -> Self {
        let value = value.into();
        Secret {
            template: value.replace("${", "$${"),
            value: Some(value),
        }
    }

    /// An unresolved secret from config text such as `${env:TOKEN}`.
    pub fn reference(template: impl Into<String>) -> Self {
        Secret {
            template: template.into(),
            value: None,
        }
    }

    /// The value. Empty until resolved; configs from [`crate::Config::load`] and
    /// [`crate::Config::from_yaml_str`] are always resolved.
    pub fn expose(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }

    /// True once the references have been read.
    pub fn is_resolved(&self) -> bool {
        self.value.is_some()
    }

    /// The environment variables and files this secret reads, as `env:NAME` / `file:PATH`
    /// (for `planeguard check` output and for reload triggers). Never values.
    pub fn sources(&self) -> Vec<String> {
        match parse_template(&self.template) {
            Ok(parts) => parts
                .into_iter()
                .filter_map(|p| match p {
                    Part::Literal(_) => None,
                    Part::Env(name) => Some(format!("env:{name}")),
                    Part::File(path) => Some(format!("file:{path}")),
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Reads every reference. Relative `${file:...}` paths are taken from `base_dir` when
    /// given (the config file's directory), else from the working directory.
    pub fn resolve(&mut self, base_dir: Option<&Path>) -> Result<(), SecretError> {
        let parts = parse_template(&self.template)?;
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Env(name) => match std::env::var(name) {
                    Ok(v) => out.push_str(&v),
                    Err(std::env::VarError::NotPresent) => {
                        return Err(SecretError(format!(
                            "environment variable `{name}` (from `${{env:{name}}}`) is not set"
                        )))
                    }
                    Err(std::env::VarError::NotUnicode(_)) => {
                        return Err(SecretError(format!(
                            "environment variable `{name}` is not valid UTF-8"
                        )))
                    }
                },
                Part::File(path) => {
                    let full = match base_dir {
                        Some(dir) if Path::new(path).is_relative() => dir.join(path),
                        _ => Path::new(path).to_path_buf(),
                    };
                    let text = std::fs::read_to_string(&full).map_err(|e| {
                        SecretError(format!(
                            "cannot read secret file `{}`: {}",
                            full.display(),
                            io_reason(&e)
                        ))
                    })?;
                    out.push_str(strip_one_newline(&text));
                }
            }
        }
        self.value = Some(out);
        Ok(())
    }
}

/// The I/O error's kind in words; `read_to_string`'s own messages carry no file content.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::InvalidData => "not valid UTF-8".into(),
        _ => e.to_string(),
    }
}

fn strip_one_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// Splits a template into literal text and references. Errors describe the reference
/// syntax only, never the literal text around it.
fn parse_template(template: &str) -> Result<Vec<Part<'_>>, SecretError> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        let after = &rest[at..];
        if let Some(tail) = after.strip_prefix("$${") {
            parts.push(Part::Literal(&rest[..at]));
            parts.push(Part::Literal("${"));
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            parts.push(Part::Literal(&rest[..at]));
            let end = tail.find('}').ok_or_else(|| {
                SecretError("unterminated `${`: write `${env:NAME}` or `${file:/path}`".into())
            })?;
            parts.push(parse_reference(&tail[..end])?);
            rest = &tail[end + 1..];
        } else {
            parts.push(Part::Literal(&rest[..=at]));
            rest = &rest[at + 1..];
        }
    }
    parts.push(Part::Literal(rest));
    Ok(parts)
}

fn parse_reference(inner: &str) -> Result<Part<'_>, SecretError> {
    let (scheme, arg) = inner.split_once(':').unwrap_or((inner, ""));
    match scheme {
        "env" => {
            let valid = arg.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && arg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if valid {
                Ok(Part::Env(arg))
            } else {
                Err(SecretError(
                    "`${env:...}` needs a variable name of letters, digits and `_`".into(),
                ))
            }
        }
        "file" if !arg.is_empty() => Ok(Part::File(arg)),
        "file" => Err(SecretError("`${file:...}` needs a path".into())),
        _ => Err(SecretError(
            "unknown secret reference; write `${env:NAME}` or `${file:/path}` (`$${` for a literal `${`)".into(),
        )),
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret]")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("[secret]")
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// Reads the template only; resolution happens after parsing, when all secrets are
    /// resolved together and every failure is reported with its key path.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::literal("hunter2");
        assert_eq!(format!("{s}"), "[secret]");
        assert_eq!(format!("{s:?}"), "[secret]");
        assert_eq!(serde_json::to_string(&s).ok(), Some("\"[secret]\"".into()));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn literal_dollar_brace_survives_resolution() {
        let mut s = Secret::literal("a${b");
        assert_eq!(s.resolve(None), Ok(()));
        assert_eq!(s.expose(), "a${b");
        let mut s = Secret::reference("x$y$${z}");
        assert_eq!(s.resolve(None), Ok(()));
        assert_eq!(s.expose(), "x$y${z}");
    }

    #[test]
    fn interpolates_env_inside_text() {
        std::env::set_var("PLANEGUARD_SECRET_UNIT_TEST_TOKEN", "t0k3n");
        let mut s = Secret::reference("Bearer ${env:PLANEGUARD_SECRET_UNIT_TEST_TOKEN}");
        assert_eq!(s.resolve(None), Ok(()));
        assert_eq!(s.expose(), "Bearer t0k3n");
        assert_eq!(
            s.sources(),
            vec!["env:PLANEGUARD_SECRET_UNIT_TEST_TOKEN".to_string()]
        );
    }

    #[test]
    fn malformed_references_are_refused_without_echoing_text() {
        for t in [
            "pw-XYZ ${env:}",
            "pw-XYZ ${vault:a}",
            "pw-XYZ ${env:A",
            "${file:}",
        ] {
            let err = Secret::reference(t).resolve(None).err();
            let msg = err.map(|e| e.0).unwrap_or_default();
            assert!(!msg.is_empty(), "{t}");
            assert!(!msg.contains("pw-XYZ"), "{msg}");
        }
    }

    #[test]
    fn file_secrets_lose_one_trailing_newline() {
        assert_eq!(strip_one_newline("k\n\n"), "k\n");
        assert_eq!(strip_one_newline("k\r\n"), "k");
        assert_eq!(strip_one_newline("k"), "k");
    }
}
