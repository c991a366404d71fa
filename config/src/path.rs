//! Key paths such as `destinations.datadog.headers["dd-api-key"]` or `flows.logs.to[1]`.
//!
//! Every problem the crate reports names the key path it is about, so that a user can find
//! the offending key even when no line number is available (a default value, for example).

use std::fmt;

/// One step of a [`KeyPath`]: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index (0-based).
    Index(usize),
}

/// A path from the document root to a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyPath(Vec<Seg>);

impl KeyPath {
    /// The empty path: the document root.
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// Builds a path from dotted plain keys, e.g. `KeyPath::keys(&["otlp", "grpc", "listen"])`.
    pub fn keys(keys: &[&str]) -> Self {
        KeyPath(keys.iter().map(|k| Seg::Key((*k).to_owned())).collect())
    }

    /// This path extended by a mapping key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.into()));
        KeyPath(segs)
    }

    /// This path extended by a sequence index.
    pub fn index(&self, index: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        KeyPath(segs)
    }

    /// A path from its steps, root first.
    pub fn from_segments(segments: Vec<Seg>) -> Self {
        KeyPath(segments)
    }

    /// The steps of this path, root first.
    pub fn segments(&self) -> &[Seg] {
        &self.0
    }

    /// True for the document root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// True if `self` equals `other` or lies below it.
    pub fn starts_with(&self, other: &KeyPath) -> bool {
        self.0.starts_with(&other.0)
    }

    /// The last mapping key of the path, if the path ends in one.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Seg::Key(k)) => Some(k),
            _ => None,
        }
    }

    /// The path without its last step (the root stays the root).
    pub fn parent(&self) -> KeyPath {
        let mut segs = self.0.clone();
        segs.pop();
        KeyPath(segs)
    }
}

/// Keys made of these characters print bare (`a.b-c`); anything else is quoted (`a["x.y"]`)
/// so that the printed path is unambiguous.
fn is_bare_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '/')
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if is_bare_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => write!(f, "[{k:?}]")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_keys_indices_and_quoted_keys() {
        let p = KeyPath::keys(&["flows", "logs", "to"]).index(2);
        assert_eq!(p.to_string(), "flows.logs.to[2]");
        let p = KeyPath::keys(&["profiles", "p", "allow_keys"]).key("http.*");
        assert_eq!(p.to_string(), "profiles.p.allow_keys[\"http.*\"]");
        assert_eq!(KeyPath::root().to_string(), "");
    }

    #[test]
    fn prefix_and_parent() {
        let p = KeyPath::keys(&["a", "b"]);
        assert!(p.key("c").starts_with(&p));
        assert!(!p.starts_with(&p.key("c")));
        assert_eq!(p.key("c").parent(), p);
        assert_eq!(p.last_key(), Some("b"));
    }
}
