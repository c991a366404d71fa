//! Key rules: glob patterns over attribute keys (ASCII case-insensitive).

/// A list of glob patterns where `*` matches any run of bytes (dots included).
#[derive(Debug, Default, Clone)]
pub struct KeyPatterns {
    exact: Vec<Box<[u8]>>,
    globs: Vec<Box<[u8]>>,
}

impl KeyPatterns {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Self {
        let mut set = Self::default();
        for p in patterns {
            let p = p
                .as_ref()
                .to_ascii_lowercase()
                .into_bytes()
                .into_boxed_slice();
            if p.contains(&b'*') {
                set.globs.push(p);
            } else {
                set.exact.push(p);
            }
        }
        set
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.globs.is_empty()
    }

    pub fn matches(&self, key: &[u8]) -> bool {
        self.exact.iter().any(|p| p.eq_ignore_ascii_case(key))
            || self.globs.iter().any(|p| glob_match(p, key))
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
    fn exact_is_case_insensitive() {
        let k = KeyPatterns::new(&["latency_ms", "user.*"]);
        assert!(k.matches(b"LATENCY_MS"));
        assert!(k.matches(b"user.id"));
        assert!(!k.matches(b"latency"));
    }
}
