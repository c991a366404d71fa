//! Request-path normalization and the route allowlist.
//!
//! The allowlist is only as strong as the agreement between how we read a path and how the
//! upstream reads it. So the path is first brought to one canonical spelling (unreserved
//! characters decoded, dot segments resolved, duplicate slashes collapsed) and every spelling
//! whose meaning depends on the reader (an encoded `/`, `\` or `.` segment, `..;`, double
//! encoding, NUL) is refused outright rather than guessed at. The normalized path is what gets
//! matched and what should be forwarded.

use std::fmt;
use std::fmt::Write as _;

#[cfg(test)]
mod tests;

/// Why a request path was refused. [`PathError::reason`] is a stable metric/audit label; byte
/// offsets in the variants point into the raw path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Empty, or not starting with `/` (e.g. `*` or an absolute URI).
    NotAbsolute,
    /// `%` not followed by two hex digits.
    BadPercentEncoding { at: usize },
    /// `%2F`: a slash that some readers treat as a separator and others do not.
    EncodedSlash { at: usize },
    /// `%5C`: a backslash, a separator on some servers.
    EncodedBackslash { at: usize },
    /// `%00` or a raw NUL byte.
    Nul { at: usize },
    /// `%25` followed by hex digits: decodes to a fresh escape on a reader that decodes twice.
    DoubleEncoding { at: usize },
    /// A `.` or `..` segment spelled with `%2E`.
    EncodedDotSegment,
    /// A `.` or `..` segment with `;` parameters (`..;/`), which servlet containers resolve.
    DotSegmentParameter,
    /// A raw backslash.
    Backslash { at: usize },
    /// A raw control character other than NUL.
    ControlChar { at: usize },
    /// A raw byte outside ASCII (must be percent-encoded).
    NonAscii { at: usize },
    /// A raw ASCII character not allowed in a path (space, `"`, `<`, `?`, `#`, ...).
    InvalidChar { ch: char, at: usize },
    /// A `..` segment that would climb above `/`.
    EscapesRoot,
}

impl PathError {
    pub fn reason(&self) -> &'static str {
        match self {
            PathError::NotAbsolute => "not_absolute",
            PathError::BadPercentEncoding { .. } => "bad_percent_encoding",
            PathError::EncodedSlash { .. } => "encoded_slash",
            PathError::EncodedBackslash { .. } => "encoded_backslash",
            PathError::Nul { .. } => "nul",
            PathError::DoubleEncoding { .. } => "double_encoding",
            PathError::EncodedDotSegment => "encoded_dot_segment",
            PathError::DotSegmentParameter => "dot_segment_parameter",
            PathError::Backslash { .. } => "backslash",
            PathError::ControlChar { .. } => "control_char",
            PathError::NonAscii { .. } => "non_ascii",
            PathError::InvalidChar { .. } => "invalid_char",
            PathError::EscapesRoot => "escapes_root",
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::NotAbsolute => f.write_str("request path must start with '/'"),
            PathError::BadPercentEncoding { at } => {
                write!(f, "invalid percent-escape at byte {at}")
            }
            PathError::EncodedSlash { at } => write!(f, "encoded '/' (%2F) at byte {at}"),
            PathError::EncodedBackslash { at } => write!(f, "encoded '\\' (%5C) at byte {at}"),
            PathError::Nul { at } => write!(f, "NUL at byte {at}"),
            PathError::DoubleEncoding { at } => {
                write!(f, "double percent-encoding (%25xx) at byte {at}")
            }
            PathError::EncodedDotSegment => f.write_str("dot segment spelled with %2E"),
            PathError::DotSegmentParameter => f.write_str("dot segment with ';' parameters"),
            PathError::Backslash { at } => write!(f, "backslash at byte {at}"),
            PathError::ControlChar { at } => write!(f, "control character at byte {at}"),
            PathError::NonAscii { at } => write!(f, "raw non-ASCII byte at byte {at}"),
            PathError::InvalidChar { ch, at } => write!(f, "character {ch:?} at byte {at}"),
            PathError::EscapesRoot => f.write_str("'..' climbs above the root"),
        }
    }
}

impl std::error::Error for PathError {}

/// Splits a request target into path and query at the first `?`.
pub fn split_query(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

/// RFC 3986 unreserved characters: safe to decode, they mean the same either way.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Characters allowed raw in a path segment (RFC 3986 `pchar` minus `%`, handled apart).
fn is_pchar(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes the `%XY` at `bytes[at..]`.
fn escape_at(bytes: &[u8], at: usize) -> Option<u8> {
    let hi = hex_value(*bytes.get(at + 1)?)?;
    let lo = hex_value(*bytes.get(at + 2)?)?;
    Some((hi << 4) | lo)
}

/// The character at `bytes[at..]` as a reader would see it after one decoding pass, and how many
/// raw bytes it spans.
fn decoded_char_at(bytes: &[u8], at: usize) -> Option<(u8, usize)> {
    match *bytes.get(at)? {
        b'%' => escape_at(bytes, at).map(|v| (v, 3)),
        b => Some((b, 1)),
    }
}

/// True when two hex digits follow at `at`, raw or percent-encoded (`%25%41%41` reads as `%AA`).
fn starts_with_hex_pair(bytes: &[u8], at: usize) -> bool {
    let Some((first, width)) = decoded_char_at(bytes, at) else {
        return false;
    };
    first.is_ascii_hexdigit()
        && decoded_char_at(bytes, at + width).is_some_and(|(second, _)| second.is_ascii_hexdigit())
}

/// One decoded segment and whether any `.` in it came from `%2E`.
struct Segment {
    text: String,
    encoded_dot: bool,
}

/// Normalizes a request path (no query) to its canonical form, or refuses it.
///
/// * must start with `/`;
/// * `%XX` of an unreserved character is decoded (`/%41` → `/A`); other escapes are kept with
///   uppercase hex (`%3a` → `%3A`);
/// * ambiguous spellings are refused: see [`PathError`];
/// * `.` and `..` segments are resolved (RFC 3986 5.2.4); a `..` above the root is an error;
/// * empty segments (`//`) are dropped; a trailing `/` is kept.
pub fn normalize(raw_path: &str) -> Result<String, PathError> {
    let segments = decode_segments(raw_path)?;
    let mut out: Vec<String> = Vec::with_capacity(segments.len());
    let mut trailing_slash = false;
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.into_iter().enumerate() {
        let text = seg.text.as_str();
        let is_dot = text == "." || text == "..";
        if is_dot && seg.encoded_dot {
            return Err(PathError::EncodedDotSegment);
        }
        if text.contains(';') && matches!(text.split(';').next(), Some("." | "..")) {
            return Err(PathError::DotSegmentParameter);
        }
        // A segment that is removed leaves the path ending in '/' if it was the last one.
        trailing_slash = i == last;
        match text {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    return Err(PathError::EscapesRoot);
                }
            }
            _ => {
                out.push(seg.text);
                trailing_slash = false;
            }
        }
    }
    let mut path = String::with_capacity(raw_path.len());
    for seg in &out {
        path.push('/');
        path.push_str(seg);
    }
    if out.is_empty() || trailing_slash {
        path.push('/');
    }
    Ok(path)
}

/// Validates every byte and splits the path into decoded segments (the first is after the
/// leading `/`; a trailing `/` yields a final empty segment).
fn decode_segments(raw_path: &str) -> Result<Vec<Segment>, PathError> {
    let bytes = raw_path.as_bytes();
    if bytes.first() != Some(&b'/') {
        return Err(PathError::NotAbsolute);
    }
    let mut segments = Vec::new();
    let mut cur = Segment {
        text: String::new(),
        encoded_dot: false,
    };
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'/' => {
                let done = std::mem::replace(
                    &mut cur,
                    Segment {
                        text: String::new(),
                        encoded_dot: false,
                    },
                );
                segments.push(done);
            }
            b'%' => {
                let v = escape_at(bytes, i).ok_or(PathError::BadPercentEncoding { at: i })?;
                match v {
                    0 => return Err(PathError::Nul { at: i }),
                    b'/' => return Err(PathError::EncodedSlash { at: i }),
                    b'\\' => return Err(PathError::EncodedBackslash { at: i }),
                    b'%' if starts_with_hex_pair(bytes, i + 3) => {
                        return Err(PathError::DoubleEncoding { at: i })
                    }
                    b'.' => {
                        cur.text.push('.');
                        cur.encoded_dot = true;
                    }
                    v if is_unreserved(v) => cur.text.push(char::from(v)),
                    // Writing to a String cannot fail.
                    v => {
                        let _ = write!(cur.text, "%{v:02X}");
                    }
                }
                i += 3;
                continue;
            }
            0 => return Err(PathError::Nul { at: i }),
            b'\\' => return Err(PathError::Backslash { at: i }),
            b if b < 0x20 || b == 0x7f => return Err(PathError::ControlChar { at: i }),
            b if b >= 0x80 => return Err(PathError::NonAscii { at: i }),
            b if is_pchar(b) => cur.text.push(char::from(b)),
            b => {
                return Err(PathError::InvalidChar {
                    ch: char::from(b),
                    at: i,
                })
            }
        }
        i += 1;
    }
    segments.push(cur);
    Ok(segments)
}

/// A route pattern that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternError {
    NoMethods,
    /// Methods are case-sensitive tokens; `post` would never match `POST`.
    BadMethod(String),
    NotAbsolute(String),
    /// `*` is only allowed as a whole segment.
    BadWildcard(String),
    /// The literal part is not in normalized form, so no normalized path could match it.
    NotNormalized(String),
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::NoMethods => f.write_str("route lists no methods"),
            PatternError::BadMethod(m) => {
                write!(f, "method {m:?} must be an uppercase token like POST")
            }
            PatternError::NotAbsolute(p) => write!(f, "route path {p:?} must start with '/'"),
            PatternError::BadWildcard(p) => write!(
                f,
                "route path {p:?}: '*' must be a whole segment ('/a/*/b' or a trailing '/*')"
            ),
            PatternError::NotNormalized(p) => write!(
                f,
                "route path {p:?} is not normalized (no '//', '.', '..', or escapes of letters and digits)"
            ),
        }
    }
}

impl std::error::Error for PatternError {}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PatternSegment {
    Literal(String),
    /// `*`: exactly one non-empty segment.
    Any,
}

/// Methods plus a path pattern.
///
/// Pattern syntax: exact (`/v1/query/online`); `*` as a whole segment matches exactly one
/// non-empty segment (`/v1/tables/*/rows`); a trailing `/*` matches one or more segments below
/// the prefix (`/v1/query/*` matches `/v1/query/a` and `/v1/query/a/b` but not `/v1/query` nor
/// `/v1/query/`). Matching is against [`normalize`]d paths only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePattern {
    methods: Vec<String>,
    path: String,
    segments: Vec<PatternSegment>,
    prefix: bool,
}

impl RoutePattern {
    pub fn new<I, S>(methods: I, path: &str) -> Result<Self, PatternError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let methods: Vec<String> = methods.into_iter().map(Into::into).collect();
        if methods.is_empty() {
            return Err(PatternError::NoMethods);
        }
        if let Some(bad) = methods
            .iter()
            .find(|m| m.is_empty() || !m.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(PatternError::BadMethod(bad.clone()));
        }
        let Some(body) = path.strip_prefix('/') else {
            return Err(PatternError::NotAbsolute(path.to_owned()));
        };
        let (body, prefix) = match body.strip_suffix("/*") {
            Some(base) => (base, true),
            None if body == "*" => ("", true),
            None => (body, false),
        };
        let parts: Vec<&str> = if prefix && body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        let last = parts.len().saturating_sub(1);
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.into_iter().enumerate() {
            if part == "*" {
                segments.push(PatternSegment::Any);
                continue;
            }
            if part.contains('*') {
                return Err(PatternError::BadWildcard(path.to_owned()));
            }
            // Only an exact pattern may end in '/' (an empty final segment).
            let empty_ok = part.is_empty() && !prefix && i == last;
            let canonical = format!("/{part}");
            let normalized_ok =
                part != "." && part != ".." && normalize(&canonical).is_ok_and(|n| n == canonical);
            if !(empty_ok || (!part.is_empty() && normalized_ok)) {
                return Err(PatternError::NotNormalized(path.to_owned()));
            }
            segments.push(PatternSegment::Literal(part.to_owned()));
        }
        Ok(Self {
            methods,
            path: path.to_owned(),
            segments,
            prefix,
        })
    }

    pub fn methods(&self) -> &[String] {
        &self.methods
    }

    /// The pattern as written.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// True when `method` is listed and `normalized_path` (output of [`normalize`]) matches.
    pub fn matches(&self, method: &str, normalized_path: &str) -> bool {
        if !self.methods.iter().any(|m| m == method) {
            return false;
        }
        let Some(rest) = normalized_path.strip_prefix('/') else {
            return false;
        };
        let mut parts = rest.split('/');
        for seg in &self.segments {
            let Some(part) = parts.next() else {
                return false;
            };
            let ok = match seg {
                PatternSegment::Any => !part.is_empty(),
                PatternSegment::Literal(lit) => lit == part,
            };
            if !ok {
                return false;
            }
        }
        match parts.next() {
            None => !self.prefix,
            Some(part) => self.prefix && !part.is_empty(),
        }
    }
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.methods.join("|"), self.path)
    }
}

/// An allowlisted route and the roles allowed to call it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub pattern: RoutePattern,
    pub roles: Vec<String>,
}

/// The route allowlist; anything it does not find is denied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    pub fn new(routes: Vec<Route>) -> Self {
        Self { routes }
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The first route (in configuration order) matching `method` and the [`normalize`]d `path`.
    pub fn find(&self, method: &str, normalized_path: &str) -> Option<&Route> {
        self.routes
            .iter()
            .find(|r| r.pattern.matches(method, normalized_path))
    }
}
