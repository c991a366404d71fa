//! A pull tokenizer over JSON bytes: it never builds a tree, it reports where
//! each token lies in the input so the walker can copy untouched tokens as raw
//! byte ranges and re-encode only what it changes.
//!
//! Errors carry the byte offset and an empty path; the walker adds the schema path
//! on the way out.

use memchr::memchr2;

use crate::{ScrubError, ScrubErrorKind};

/// The smallest bound on member names.
const MIN_NAME_LIMIT: usize = 256;

/// A string token: `buf[start..end]` is the raw token including both quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Str {
    pub start: usize,
    pub end: usize,
    /// The content had escapes; its decoded form is in [`Lexer::text`].
    pub escaped: bool,
}

/// A number token `buf[start..end]` that follows the JSON number grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Num {
    pub start: usize,
    pub end: usize,
    /// No fraction and no exponent.
    pub integer: bool,
}

/// The cursor over one payload plus the scratch it needs, allocated once per call.
pub(super) struct Lexer<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
    /// Decoded content of the last escaped string.
    text: Vec<u8>,
    /// Container stack of [`Lexer::skip_value`] (`{` or `[`).
    stack: Vec<u8>,
}

pub(super) fn err(kind: ScrubErrorKind, offset: usize) -> ScrubError {
    ScrubError::new(kind, "", offset)
}

fn bad_json(offset: usize) -> ScrubError {
    err(ScrubErrorKind::BadJson, offset)
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            text: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Skips JSON whitespace and returns the next byte (not consumed).
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.buf.get(self.pos) {
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// Consumes `b` (after whitespace) or fails with `BadJson`.
    #[inline]
    pub fn expect(&mut self, b: u8) -> Result<(), ScrubError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(bad_json(self.pos))
        }
    }

    /// After whitespace: true when only whitespace remains.
    pub fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// Consumes `null` if it is the next token.
    #[inline]
    pub fn null(&mut self) -> Result<bool, ScrubError> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ScrubError> {
        if self.buf[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(bad_json(self.pos))
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self) -> Result<bool, ScrubError> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(bad_json(self.pos)),
        }
    }

    /// Opens an object; returns whether it has members (an empty `{}` is consumed whole).
    #[inline]
    pub fn open_object(&mut self) -> Result<bool, ScrubError> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(false);
        }
        Ok(true)
    }

    /// After a member value: true if another member follows, false at `}`.
    #[inline]
    pub fn next_member(&mut self) -> Result<bool, ScrubError> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(bad_json(self.pos)),
        }
    }

    /// Opens an array; returns whether it has elements (an empty `[]` is consumed whole).
    #[inline]
    pub fn open_array(&mut self) -> Result<bool, ScrubError> {
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(false);
        }
        Ok(true)
    }

    /// After an element: true if another element follows, false at `]`.
    #[inline]
    pub fn next_element(&mut self) -> Result<bool, ScrubError> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(bad_json(self.pos)),
        }
    }

    /// A member name and its colon; the name's content is [`Lexer::content`].
    /// Names are bounded by the string limit, but never below [`MIN_NAME_LIMIT`] so
    /// that a small string limit cannot reject the schema's own names.
    #[inline]
    pub fn member_name(&mut self, max_string: usize) -> Result<Str, ScrubError> {
        let name = self.string(max_string.max(MIN_NAME_LIMIT))?;
        self.expect(b':')?;
        Ok(name)
    }

    /// The decoded content of a string token (valid UTF-8).
    #[inline]
    pub fn content(&self, s: &Str) -> &[u8] {
        if s.escaped {
            &self.text
        } else {
            &self.buf[s.start + 1..s.end - 1]
        }
    }

    /// The raw token bytes `buf[start..end]`.
    #[inline]
    pub fn raw(&self, start: usize, end: usize) -> &'a [u8] {
        &self.buf[start..end]
    }

    /// A string token. Validates UTF-8, control characters and escapes (lone
    /// surrogates are `InvalidUtf8`); decoded content longer than `max` is `TooLarge`.
    pub fn string(&mut self, max: usize) -> Result<Str, ScrubError> {
        if self.peek() != Some(b'"') {
            return Err(bad_json(self.pos));
        }
        let start = self.pos;
        let from = start + 1;
        let Some(k) = memchr2(b'"', b'\\', &self.buf[from..]) else {
            return Err(bad_json(self.buf.len()));
        };
        if self.buf[from + k] == b'"' {
            let content = &self.buf[from..from + k];
            if content.len() > max {
                return Err(err(ScrubErrorKind::TooLarge, start));
            }
            check_segment(content, from)?;
            self.pos = from + k + 1;
            return Ok(Str {
                start,
                end: self.pos,
                escaped: false,
            });
        }
        self.unescape(start, from, max)
    }

    /// Slow path: decodes an escaped string into `self.text`.
    fn unescape(&mut self, start: usize, from: usize, max: usize) -> Result<Str, ScrubError> {
        self.text.clear();
        let buf = self.buf;
        let mut i = from;
        loop {
            let Some(k) = memchr2(b'"', b'\\', &buf[i..]) else {
                return Err(bad_json(buf.len()));
            };
            let segment = &buf[i..i + k];
            check_segment(segment, i)?;
            self.text.extend_from_slice(segment);
            i += k;
            if buf[i] == b'"' {
                if self.text.len() > max {
                    return Err(err(ScrubErrorKind::TooLarge, start));
                }
                self.pos = i + 1;
                return Ok(Str {
                    start,
                    end: self.pos,
                    escaped: true,
                });
            }
            // A backslash escape.
            let esc = *buf.get(i + 1).ok_or_else(|| bad_json(buf.len()))?;
            let simple = match esc {
                b'"' => Some(b'"'),
                b'\\' => Some(b'\\'),
                b'/' => Some(b'/'),
                b'b' => Some(0x08),
                b'f' => Some(0x0c),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                b'u' => None,
                _ => return Err(bad_json(i)),
            };
            if let Some(c) = simple {
                self.text.push(c);
                i += 2;
            } else {
                i = self.unicode_escape(i)?;
            }
            if self.text.len() > max {
                return Err(err(ScrubErrorKind::TooLarge, start));
            }
        }
    }

    /// Decodes `\uXXXX` (and its low surrogate) at `i`; returns the position after it.
    fn unicode_escape(&mut self, i: usize) -> Result<usize, ScrubError> {
        let hi = hex4(self.buf, i + 2).ok_or_else(|| bad_json(i))?;
        let (code, next) = match hi {
            0xD800..=0xDBFF => {
                let j = i + 6;
                if self.buf.get(j) != Some(&b'\\') || self.buf.get(j + 1) != Some(&b'u') {
                    return Err(err(ScrubErrorKind::InvalidUtf8, i));
                }
                let lo = hex4(self.buf, j + 2).ok_or_else(|| bad_json(j))?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return Err(err(ScrubErrorKind::InvalidUtf8, i));
                }
                (0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), j + 6)
            }
            0xDC00..=0xDFFF => return Err(err(ScrubErrorKind::InvalidUtf8, i)),
            _ => (hi, i + 6),
        };
        let c = char::from_u32(code).ok_or_else(|| err(ScrubErrorKind::InvalidUtf8, i))?;
        let mut utf8 = [0u8; 4];
        self.text
            .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
        Ok(next)
    }

    /// A number token following the JSON grammar
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    pub fn number(&mut self) -> Result<Num, ScrubError> {
        self.peek();
        let start = self.pos;
        let (end, integer) = scan_number(self.buf, start).ok_or_else(|| bad_json(start))?;
        self.pos = end;
        Ok(Num {
            start,
            end,
            integer,
        })
    }

    /// Skips one well-formed JSON value of any type, nested at most `max_depth`
    /// containers deep (`TooDeep` beyond), strings at most `max_string` bytes.
    pub fn skip_value(&mut self, max_depth: usize, max_string: usize) -> Result<(), ScrubError> {
        self.stack.clear();
        'value: loop {
            match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    self.pos += 1;
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                    } else {
                        if self.stack.len() >= max_depth {
                            return Err(err(ScrubErrorKind::TooDeep, self.pos));
                        }
                        self.stack.push(open);
                        if open == b'{' {
                            self.member_name(max_string)?;
                        }
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string(max_string)?;
                }
                Some(b't' | b'f') => {
                    self.boolean()?;
                }
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                _ => return Err(bad_json(self.pos)),
            }
            // A value ended: close containers until one continues.
            loop {
                match self.stack.last() {
                    None => return Ok(()),
                    Some(b'{') => {
                        if self.next_member()? {
                            self.member_name(max_string)?;
                            continue 'value;
                        }
                    }
                    Some(_) => {
                        if self.next_element()? {
                            continue 'value;
                        }
                    }
                }
                self.stack.pop();
            }
        }
    }
}

/// Raw string content between escapes: no control characters, valid UTF-8.
#[inline]
fn check_segment(segment: &[u8], offset: usize) -> Result<(), ScrubError> {
    // One branch-free (vectorizable) pass for the common case: printable ASCII.
    let plain = segment
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x60));
    if plain {
        return Ok(());
    }
    if segment.iter().any(|&b| b < 0x20) {
        let at = segment.iter().position(|&b| b < 0x20).unwrap_or(0);
        return Err(bad_json(offset + at));
    }
    if !segment.is_ascii() {
        if let Err(e) = std::str::from_utf8(segment) {
            return Err(err(ScrubErrorKind::InvalidUtf8, offset + e.valid_up_to()));
        }
    }
    Ok(())
}

fn hex4(buf: &[u8], at: usize) -> Option<u32> {
    let digits = buf.get(at..at + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = (v << 4) | u32::from(hex_digit(d)?);
    }
    Some(v)
}

/// Value of one hexadecimal digit (either case).
#[inline]
pub(super) fn hex_digit(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

/// Scans a JSON number starting at `start`; returns its end and whether it is an
/// integer (no fraction, no exponent). `None` if the grammar is violated.
pub(super) fn scan_number(buf: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut i = start;
    if buf.get(i) == Some(&b'-') {
        i += 1;
    }
    match buf.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(buf.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return None,
    }
    let mut integer = true;
    if buf.get(i) == Some(&b'.') {
        integer = false;
        i += 1;
        let digits = i;
        while matches!(buf.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == digits {
            return None;
        }
    }
    if matches!(buf.get(i), Some(b'e' | b'E')) {
        integer = false;
        i += 1;
        if matches!(buf.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits = i;
        while matches!(buf.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == digits {
            return None;
        }
    }
    Some((i, integer))
}

/// Appends `text` as a JSON string literal (quotes included), escaping `"`, `\`
/// and control characters. `text` must be valid UTF-8.
pub(super) fn write_string(out: &mut Vec<u8>, text: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut run = 0;
    for (i, &b) in text.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..=0x1f => 0,
            _ => continue,
        };
        out.extend_from_slice(&text[run..i]);
        run = i + 1;
        if short == 0 {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 15)]);
        } else {
            out.push(b'\\');
            out.push(short);
        }
    }
    out.extend_from_slice(&text[run..]);
    out.push(b'"');
}
