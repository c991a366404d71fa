//! Key rules: glob patterns over attribute keys (ASCII case-insensitive).
//!
//! Patterns are sorted by shape when compiled (exact, `prefix*`, `*suffix`,
//! `*infix*`, anything else), so matching a key is a handful of slice
//! comparisons rather than a glob walk per pattern.

use std::collections::HashSet;

/// A list of glob patterns where `*` matches any run of bytes (dots included).
#[derive(Debug, Default, Clone)]
pub struct KeyPatterns {
    exact: HashSet<Box<[u8]>>,
    prefixes: Vec<Box<[u8]>>,
    suffixes: Vec<Box<[u8]>>,
    infixes: Vec<memchr::memmem::Finder<'static>>,
    globs: Vec<Box<[u8]>>,
    /// `*` alone: everything matches.
    any: bool,
}

/// Keys longer than this are lowercased on the heap (rare).
const STACK_KEY: usize = 128;

impl KeyPatterns {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Self {
        let mut set = Self::default();
        for p in patterns {
            let p = p.as_ref().to_ascii_lowercase().into_bytes();
            let stars = p.iter().filter(|&&c| c == b'*').count();
            let boxed = |b: &[u8]| b.to_vec().into_boxed_slice();
            match (stars, p.first(), p.last()) {
                (0, _, _) => {
                    set.exact.insert(boxed(&p));
                }
                (1, _, _) if p.len() == 1 => set.any = true,
                (1, _, Some(b'*')) => set.prefixes.push(boxed(&p[..p.len() - 1])),
                (1, Some(b'*'), _) => set.suffixes.push(boxed(&p[1..])),
                (2, Some(b'*'), Some(b'*')) if p.len() > 2 => set
                    .infixes
                    .push(memchr::memmem::Finder::new(&p[1..p.len() - 1]).into_owned()),
                _ => set.globs.push(boxed(&p)),
            }
        }
        set
    }

    pub fn is_empty(&self) -> bool {
        !self.any
            && self.exact.is_empty()
            && self.prefixes.is_empty()
            && self.suffixes.is_empty()
            && self.infixes.is_empty()
            && self.globs.is_empty()
    }

    pub fn matches(&self, key: &[u8]) -> bool {
        if self.any {
            return true;
        }
        let mut stack = [0u8; STACK_KEY];
        let heap;
        let lower: &[u8] = if key.len() <= STACK_KEY {
            let buf = &mut stack[..key.len()];
            buf.copy_from_slice(key);
            buf.make_ascii_lowercase();
            buf
        } else {
            heap = key.to_ascii_lowercase();
            &heap
        };
        (!self.exact.is_empty() && self.exact.contains(lower))
            || self.prefixes.iter().any(|p| lower.starts_with(p))
            || self.suffixes.iter().any(|s| lower.ends_with(s))
            || self.infixes.iter().any(|f| f.find(lower).is_some())
            || self.globs.iter().any(|g| glob_match(g, lower))
    }
}

/// Iterative glob match with backtracking to the last star: O(len(p) * len(k)) worst case.
pub fn glob_match(pattern: &[u8], key: &[u8]) -> bool {
    let (mut p, mut k) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while k < key.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, k));
            p += 1;
        } else if p < pattern.len() && pattern[p] == key[k].to_ascii_lowercase() {
            p += 1;
            k += 1;
        } else if let Some((sp, sk)) = star {
            p = sp + 1;
            k = sk + 1;
            star = Some((sp, sk + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"user.*", b"user.email"));
        assert!(glob_match(b"user.*", b"User.Email"));
        assert!(!glob_match(b"user.*", b"users.email"));
        assert!(glob_match(b"*.password", b"db.password"));
        assert!(!glob_match(b"*.password", b"password"));
        assert!(glob_match(b"*token*", b"x-auth-token-id"));
        assert!(glob_match(b"http.*", b"http.route"));
        assert!(glob_match(b"a*b*c", b"aXXbYYc"));
        assert!(!glob_match(b"a*b*c", b"aXXbYY"));
        assert!(glob_match(b"*", b""));
    }

    #[test]
    fn compiled_shapes_agree_with_the_glob_walk() {
        let patterns = [
            "latency_ms",
            "user.*",
            "*.password",
            "*token*",
            "a*b*c",
            "deployment.environment*",
            "*",
        ];
        let keys = [
            "latency_ms",
            "LATENCY_MS",
            "user.id",
            "users.id",
            "db.password",
            "password",
            "x-auth-token-id",
            "TOKEN",
            "aXbYc",
            "ab",
            "deployment.environment.name",
            "",
            "k8s.pod.name",
        ];
        for p in patterns {
            let set = KeyPatterns::new(&[p]);
            for k in keys {
                assert_eq!(
                    set.matches(k.as_bytes()),
                    glob_match(p.as_bytes(), k.as_bytes()),
                    "pattern {p} key {k}"
                );
            }
        }
        let long = "x".repeat(300) + ".password";
        assert!(KeyPatterns::new(&["*.password"]).matches(long.as_bytes()));
    }

    #[test]
    fn exact_is_case_insensitive() {
        let k = KeyPatterns::new(&["latency_ms", "user.*"]);
        assert!(k.matches(b"LATENCY_MS"));
        assert!(k.matches(b"user.id"));
        assert!(!k.matches(b"latency"));
        assert!(!KeyPatterns::new::<&str>(&[]).matches(b"x"));
    }
}
