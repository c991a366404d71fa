//! Protobuf wire primitives: varints, tags, and a field reader over a byte slice.

use crate::{ScrubError, ScrubErrorKind};

pub(crate) const WT_VARINT: u8 = 0;
pub(crate) const WT_FIXED64: u8 = 1;
pub(crate) const WT_LEN: u8 = 2;
pub(crate) const WT_FIXED32: u8 = 5;

/// One field as it stands in the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FieldRef<'a> {
    /// Tag, length prefix (if any) and value: the whole field, for verbatim copies.
    pub whole: &'a [u8],
    /// For varint/fixed fields, the value.
    pub scalar: u64,
    pub number: u32,
    pub wire_type: u8,
    /// Length of the tag bytes at the start of `whole`.
    tag_len: u8,
    /// Offset of the value bytes of a length-delimited field in `whole` (0 otherwise).
    body_off: u8,
}

impl<'a> FieldRef<'a> {
    /// The tag bytes as they were encoded.
    #[inline]
    pub fn tag(&self) -> &'a [u8] {
        &self.whole[..self.tag_len as usize]
    }

    /// For length-delimited fields, the value bytes; empty otherwise.
    #[inline]
    pub fn body(&self) -> &'a [u8] {
        if self.wire_type == WT_LEN {
            &self.whole[self.body_off as usize..]
        } else {
            &[]
        }
    }
}

/// Reads fields one after the other, validating the wire format.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Byte offset of `part` inside `whole` (both slices of the same input).
pub(crate) fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Offset of the reader inside `input`, for error messages.
    pub fn offset(&self, input: &[u8]) -> usize {
        offset_in(input, self.buf) + self.pos
    }

    fn varint(&mut self) -> Result<u64, ScrubErrorKind> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(ScrubErrorKind::Truncated);
            };
            self.pos += 1;
            if i == 9 && b > 1 {
                return Err(ScrubErrorKind::BadVarint);
            }
            value |= u64::from(b & 0x7F) << (7 * i);
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(ScrubErrorKind::BadVarint)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ScrubErrorKind> {
        let end = self.pos.checked_add(n).ok_or(ScrubErrorKind::Truncated)?;
        let s = self
            .buf
            .get(self.pos..end)
            .ok_or(ScrubErrorKind::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    /// A varint whose first byte is usually all there is (tags, short lengths).
    #[inline(always)]
    fn fast_varint(&mut self) -> Result<u64, ScrubErrorKind> {
        match self.buf.get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(u64::from(b))
            }
            _ => self.varint(),
        }
    }

    /// The next field, or `None` at the end of the buffer.
    ///
    /// Inline: the common shapes (a one-byte tag, then a length of one or two
    /// bytes, a one-byte varint or a fixed value) are read here, without the
    /// call and the result passed through memory; anything else, including
    /// every error, takes [`Self::next_field_slow`], which reads from the same
    /// position and so reports the same error at the same offset.
    #[inline(always)]
    pub fn next_field(&mut self) -> Result<Option<FieldRef<'a>>, ScrubErrorKind> {
        let Some(rest) = self.buf.get(self.pos..) else {
            return self.next_field_slow();
        };
        let (t, l) = match *rest {
            [] => return Ok(None),
            [t, l, ..] => (t, l),
            [_] => return self.next_field_slow(),
        };
        // A one-byte tag of a field number other than 0.
        if (8..0x80).contains(&t) {
            let number = u32::from(t >> 3);
            let (end, body_off, scalar) = match t & 7 {
                WT_LEN if l < 0x80 => (2 + usize::from(l), 2, 0),
                WT_LEN => match rest.get(2) {
                    Some(&l1) if l1 < 0x80 => {
                        (3 + (usize::from(l & 0x7F) | usize::from(l1) << 7), 3, 0)
                    }
                    _ => return self.next_field_slow(),
                },
                WT_VARINT if l < 0x80 => (2, 0, u64::from(l)),
                WT_VARINT => {
                    // A longer varint (an int attribute): read as the slow
                    // path would, from just after the tag.
                    let start = self.pos;
                    self.pos += 1;
                    let scalar = self.varint()?;
                    return Ok(Some(FieldRef {
                        whole: &self.buf[start..self.pos],
                        scalar,
                        number,
                        wire_type: WT_VARINT,
                        tag_len: 1,
                        body_off: 0,
                    }));
                }
                WT_FIXED64 => match rest.get(1..9) {
                    Some(b) => {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(b);
                        (9, 0, u64::from_le_bytes(a))
                    }
                    None => return self.next_field_slow(),
                },
                WT_FIXED32 => match rest.get(1..5) {
                    Some(b) => {
                        let mut a = [0u8; 4];
                        a.copy_from_slice(b);
                        (5, 0, u64::from(u32::from_le_bytes(a)))
                    }
                    None => return self.next_field_slow(),
                },
                _ => return self.next_field_slow(),
            };
            if let Some(whole) = rest.get(..end) {
                self.pos += end;
                return Ok(Some(FieldRef {
                    whole,
                    scalar,
                    number,
                    wire_type: t & 7,
                    tag_len: 1,
                    body_off,
                }));
            }
        }
        self.next_field_slow()
    }

    /// [`Self::next_field`] for any shape, and every error.
    #[inline(never)]
    fn next_field_slow(&mut self) -> Result<Option<FieldRef<'a>>, ScrubErrorKind> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let start = self.pos;
        let tag = self.fast_varint()?;
        let tag_end = self.pos;
        let number = tag >> 3;
        let wire_type = (tag & 7) as u8;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return Err(ScrubErrorKind::InvalidTag);
        }
        let mut body_off = 0usize;
        let mut scalar = 0;
        match wire_type {
            WT_LEN => {
                let len = self.fast_varint()?;
                body_off = self.pos - start;
                let len = usize::try_from(len).map_err(|_| ScrubErrorKind::Truncated)?;
                if len > self.buf.len() - self.pos {
                    return Err(ScrubErrorKind::Truncated);
                }
                self.pos += len;
            }
            WT_VARINT => scalar = self.fast_varint()?,
            WT_FIXED64 => {
                let b = self.take(8)?;
                scalar = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
            }
            WT_FIXED32 => {
                let b = self.take(4)?;
                scalar = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            }
            _ => return Err(ScrubErrorKind::InvalidTag),
        }
        Ok(Some(FieldRef {
            whole: &self.buf[start..self.pos],
            scalar,
            number: number as u32,
            wire_type,
            tag_len: (tag_end - start) as u8,
            body_off: body_off as u8,
        }))
    }
}

/// A length prefix of one or two varint bytes: (length, prefix size).
#[inline(always)]
fn short_len(b: &[u8]) -> Option<(usize, usize)> {
    match b {
        [l0, ..] if *l0 < 0x80 => Some((*l0 as usize, 1)),
        [l0, l1, ..] if *l1 < 0x80 => Some(((*l0 & 0x7F) as usize | (*l1 as usize) << 7, 2)),
        _ => None,
    }
}

/// A length-delimited field with a one-byte tag at the start of `b`, if it is one
/// with a short length prefix: the common shape of OTLP keys, values and strings.
#[inline(always)]
pub(crate) fn short_len_field(b: &[u8], tag: u8, number: u32) -> Option<FieldRef<'_>> {
    if b.first() != Some(&tag) {
        return None;
    }
    let (len, n) = short_len(&b[1..])?;
    let end = (1 + n).checked_add(len)?;
    Some(FieldRef {
        whole: b.get(..end)?,
        scalar: 0,
        number,
        wire_type: WT_LEN,
        tag_len: 1,
        body_off: (1 + n) as u8,
    })
}

/// `KeyValue` in its canonical layout: `key` then `value`, nothing else.
/// `None` means "take the general path" (which also reports malformed input).
#[inline]
pub(crate) fn simple_key_value(b: &[u8]) -> Option<(FieldRef<'_>, Option<FieldRef<'_>>)> {
    let key = short_len_field(b, 0x0A, 1)?;
    let rest = &b[key.whole.len()..];
    if rest.is_empty() {
        return Some((key, None));
    }
    let value = short_len_field(rest, 0x12, 2)?;
    (value.whole.len() == rest.len()).then_some((key, Some(value)))
}

/// Whether an `AnyValue` body is one well-formed scalar and nothing else:
/// `bool_value`, `int_value` or field 8 (an int32 string table index) with a
/// varint of at most nine bytes (which cannot overflow), or `double_value`.
/// No detector reads such a value. False means "take the general path".
#[inline]
pub(crate) fn lone_scalar(b: &[u8]) -> bool {
    match b {
        // Field 4, fixed64.
        [0x21, rest @ ..] => rest.len() == 8,
        // Fields 2, 3 and 8, varint: continuation bits on every byte but the last.
        [0x10 | 0x18 | 0x40, rest @ .., last] => {
            rest.len() < 9 && *last < 0x80 && rest.iter().all(|&x| x >= 0x80)
        }
        _ => false,
    }
}

/// Whether `b` is all ASCII. Most strings are short: 16 bytes a time, then
/// the tail as one or two overlapping loads rather than a loop over bytes.
#[inline(always)]
pub(crate) fn is_ascii(b: &[u8]) -> bool {
    const HI: u64 = 0x8080_8080_8080_8080;
    let word = |i: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[i..i + 8]);
        u64::from_le_bytes(a)
    };
    let n = b.len();
    if n < 8 {
        if n < 4 {
            return b.iter().all(|&x| x < 0x80);
        }
        let half = |i: usize| {
            let mut a = [0u8; 4];
            a.copy_from_slice(&b[i..i + 4]);
            u32::from_le_bytes(a)
        };
        return (half(0) | half(n - 4)) & 0x8080_8080 == 0;
    }
    let mut acc = word(n - 8);
    let mut i = 0;
    while i + 16 <= n {
        acc |= word(i) | word(i + 8);
        i += 16;
    }
    if i + 8 <= n {
        acc |= word(i);
    }
    acc & HI == 0
}

/// Bytes needed to encode `v` as a varint.
pub(crate) fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Validates a packed run of varints.
pub(crate) fn check_packed_varints(mut b: &[u8]) -> Result<(), ScrubErrorKind> {
    while !b.is_empty() {
        let mut r = Reader::new(b);
        r.varint()?;
        b = &b[r.pos..];
    }
    Ok(())
}

/// A length-delimited field being written whose final length is not yet known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    len_pos: usize,
    reserved: usize,
}

/// Writes `tag` and reserves room for a length the size of `expected_len`'s varint.
///
/// Tags have at most five bytes and lengths at most ten: the header is built
/// in a fixed array and appended as one fixed-size copy (no `memcpy` call of
/// a variable length), then the unused tail is cut off.
pub(crate) fn begin_len(out: &mut Vec<u8>, tag: &[u8], expected_len: usize) -> Pending {
    let reserved = varint_len(expected_len as u64);
    let mut head = [0u8; 16];
    let len_pos = out.len() + tag.len();
    match (head.get_mut(..tag.len()), tag) {
        // One-byte tags (nearly all), stored without a `memcpy` call.
        (Some(_), &[t]) => {
            head[0] = t;
            out.extend_from_slice(&head);
            out.truncate(len_pos + reserved);
        }
        (Some(t), _) if tag.len() <= 5 => {
            t.copy_from_slice(tag);
            out.extend_from_slice(&head);
            out.truncate(len_pos + reserved);
        }
        // Not a tag the reader accepts; kept general anyway.
        _ => {
            out.extend_from_slice(tag);
            out.resize(len_pos + reserved, 0);
        }
    }
    Pending { len_pos, reserved }
}

/// Writes the real length, moving the body when its varint size differs from the reservation.
pub(crate) fn finish_len(out: &mut Vec<u8>, p: Pending) {
    let body_start = p.len_pos + p.reserved;
    let len = out.len() - body_start;
    let need = varint_len(len as u64);
    if need > p.reserved {
        let extra = need - p.reserved;
        let old_end = out.len();
        out.resize(old_end + extra, 0);
        out.copy_within(body_start..old_end, body_start + extra);
    } else if need < p.reserved {
        let less = p.reserved - need;
        out.copy_within(body_start.., body_start - less);
        out.truncate(out.len() - less);
    }
    // The varint written in place, byte by byte (at most ten).
    let mut v = len as u64;
    let end = p.len_pos + need;
    for b in &mut out[p.len_pos..end - 1] {
        *b = (v as u8) | 0x80;
        v >>= 7;
    }
    out[end - 1] = v as u8;
}

impl ScrubError {
    pub(crate) fn at(kind: ScrubErrorKind, offset: usize) -> Self {
        Self::new(kind, String::new(), offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_lengths() {
        for (v, n) in [
            (0u64, 1),
            (127, 1),
            (128, 2),
            (16383, 2),
            (16384, 3),
            (u64::MAX, 10),
        ] {
            assert_eq!(varint_len(v), n, "{v}");
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), n);
            let mut r = Reader::new(&out);
            assert_eq!(r.varint(), Ok(v));
        }
    }

    #[test]
    fn overlong_varint_rejected() {
        let bad = [0xFFu8; 11];
        assert_eq!(Reader::new(&bad).varint(), Err(ScrubErrorKind::BadVarint));
        let bad10 = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02];
        assert_eq!(Reader::new(&bad10).varint(), Err(ScrubErrorKind::BadVarint));
    }

    #[test]
    fn finish_len_grows_and_shrinks() {
        let mut out = Vec::new();
        let p = begin_len(&mut out, &[0x0A], 1);
        out.extend(std::iter::repeat_n(7u8, 200));
        finish_len(&mut out, p);
        assert_eq!(&out[..3], &[0x0A, 0xC8, 0x01]);
        assert_eq!(out.len(), 203);

        let mut out = Vec::new();
        let p = begin_len(&mut out, &[0x0A], 300);
        out.extend([1u8, 2, 3]);
        finish_len(&mut out, p);
        assert_eq!(out, vec![0x0A, 3, 1, 2, 3]);
    }

    #[test]
    fn is_ascii_agrees_with_std() {
        let text: Vec<u8> = (0..70u8).map(|i| b'a' + i % 26).collect();
        for len in 0..text.len() {
            for bad in 0..len {
                let mut b = text[..len].to_vec();
                assert!(is_ascii(&b), "{len}");
                b[bad] = 0xC3;
                assert!(!is_ascii(&b), "{len} {bad}");
            }
        }
    }

    #[test]
    fn groups_and_field_zero_rejected() {
        assert_eq!(
            Reader::new(&[0x0B]).next_field().err(),
            Some(ScrubErrorKind::InvalidTag)
        );
        assert_eq!(
            Reader::new(&[0x00, 0x00]).next_field().err(),
            Some(ScrubErrorKind::InvalidTag)
        );
        assert_eq!(
            Reader::new(&[0x0A, 0x05, 1]).next_field().err(),
            Some(ScrubErrorKind::Truncated)
        );
    }
}
