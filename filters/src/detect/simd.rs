//! The bit-parallel parts of the detector pass: which bytes of a value may
//! be triggers ([`candidates`]), and the identifier run before a separator
//! ([`ident_run`]). On x86_64 they use SSE2, sixteen bytes per step; SSE2 is
//! part of the x86_64 baseline. Blocks of 32 bytes or more use AVX2, 32 bytes
//! per step, when the CPU has it (checked at run time). This is the only place
//! of the crate that calls `unsafe` code (the `#[target_feature]` functions),
//! each call with a SAFETY note. Elsewhere portable versions run: eight bytes
//! per step with integer arithmetic, and a byte loop. Measured with
//! `filters/examples/cost.sh` (instructions per log record of the strict
//! scrub): the SSE2 trigger pass took 13,309 down to 12,442; the AVX2 steps
//! 9,180 down to 8,979.

use super::classes::{class, ALNUM, DOT, IDENT_PUNCT};
use super::words;

/// Bit k set when `t[start + k]` (`end - start` is at most 64) may be a
/// trigger.
///
/// On x86_64 sixteen bytes at a time with SSE2 (part of the x86_64 baseline):
/// about half the instructions of the portable eight-byte version, which is
/// the fallback elsewhere. With AVX2 (checked at run time) every block that
/// ends at byte 16 or later takes 32 bytes at a time: a block shorter than
/// that (a short value, or the tail of a long one) is one vector, the 32
/// bytes ending at `end` when there are that many, else the rest of the
/// value zero-padded.
///
/// `phone_key`: the value may be under a phone key, where a short number
/// before a space may be a phone number's first group (see [`Short`]);
/// true keeps more candidates, never fewer.
#[inline(always)]
pub(super) fn candidates(t: &[u8], start: usize, end: usize, phone_key: bool) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        if start == 0 && end == t.len() && end < 16 {
            // A constant limit for these short values, whatever the key:
            // it keeps the numbers before a space (rare in them), and the
            // key's fact is not looked at for every attribute value.
            // SAFETY: as in `candidates_sse2`: SSE2 is enabled at compile
            // time on this target.
            #[allow(unsafe_code)]
            return unsafe { sse2::candidates_whole(t, Short::new(true)) };
        }
        vectors(t, start, end, Short::new(phone_key))
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        let _ = phone_key;
        candidates_swar(&t[start..end], words::after_word(t, start))
    }
}

/// [`candidates`] for a block after the first of a value: never a whole
/// value, so the pass's loop does not carry the setup of that case (the
/// compiler hoisted it into every scan that stopped anywhere).
#[inline(always)]
pub(super) fn later_candidates(t: &[u8], start: usize, end: usize, phone_key: bool) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        vectors(t, start, end, Short::new(phone_key))
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        candidates(t, start, end, phone_key)
    }
}

/// The vector steps of [`candidates`], for anything but a whole short value.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn vectors(t: &[u8], start: usize, end: usize, short: Short) -> u64 {
    // Below 16 bytes one SSE2 vector does, and costs less than an AVX2 one.
    if end >= 16 && avx2::detected() {
        // SAFETY: the only requirement of `avx2::candidates` and
        // `avx2::candidates_short` is that the CPU has AVX2, checked at
        // run time just above.
        #[allow(unsafe_code)]
        return unsafe {
            if end >= 32 {
                avx2::candidates(t, start, end, short)
            } else {
                avx2::candidates_short(t, start, end, short)
            }
        };
    }
    candidates_sse2(t, start, end, short)
}

/// The bytes after which a number of one or two digits starts nothing: as
/// signed bytes, those below this limit (a space, control bytes, zero, which
/// stands for the end of the value, and bytes >= 0x80, which `at_trigger`
/// takes as part of a word that is no number). Such a number fits no
/// detector's shape (`inputs=3 `, `outputs=17 `, `worker-14`), so its first
/// digit is no candidate, and the pass does not stop at a third of the
/// numbers of a log line. Under a phone key a space may follow the first
/// group of a phone number: there the limit leaves it out. After three
/// digits a space may be an SSN's: the limit is [`CONTROL`] there.
///
/// The same holds for one to three digits glued to a letter (`50ms`,
/// `300s`, `11d2` of a UUID): at most an IPv6 group, which the `:` after
/// it finds.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[derive(Clone, Copy)]
struct Short(i8);

/// Signed limit of the bytes that end a number of three digits (see [`Short`]).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
const CONTROL: i8 = b' ' as i8;

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
impl Short {
    #[inline(always)]
    fn new(phone_key: bool) -> Self {
        Self(if phone_key {
            b' ' as i8
        } else {
            b' ' as i8 + 1
        })
    }
}

/// [`candidates`] sixteen bytes at a time. Out of line: with AVX2 the pass
/// never gets here (a block past the first ends at byte 65 or later, and a
/// first block shorter than sixteen bytes is a whole value), and inlined,
/// its setup was hoisted into every scan that stopped anywhere.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(never)]
fn candidates_sse2(t: &[u8], start: usize, end: usize, short: Short) -> u64 {
    // SAFETY: the only requirement of `sse2::candidates` is that the CPU has
    // SSE2, and this function is compiled only for targets where SSE2 is
    // enabled at compile time (every x86_64 CPU has it).
    #[allow(unsafe_code)]
    unsafe {
        sse2::candidates(t, start, end, short)
    }
}

/// The portable version of [`candidates`], eight bytes at a time (see [`swar`]).
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn candidates_swar(chunk: &[u8], after_word: bool) -> u64 {
    let mut m = 0u64;
    let mut carry = if after_word { 0x80 } else { 0 };
    let mut words = chunk.chunks_exact(8);
    let mut k = 0;
    for w in &mut words {
        let x = w
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        m |= swar(x, &mut carry) << k;
        k += 8;
    }
    // Zero padding is not a candidate.
    let rest = words.remainder();
    if !rest.is_empty() {
        let x = rest
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        m |= swar(x, &mut carry) << k;
    }
    m
}

#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
const LOW: u64 = 0x0101_0101_0101_0101;
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The 8-bit candidate mask of eight bytes (bit k: byte k, little-endian).
///
/// Anywhere: `( ) * +`, `: ; < = > ? @ A-Z`, `k`. At a word start only (the
/// previous byte is not a digit or lowercase letter; `carry` has the high
/// bit set when the byte before these eight is one): digits, bytes >= 0x80
/// and `b`. The ranges are a little wider than the triggers and the word test
/// a little narrower than `WORD`, to save operations; `words::at_trigger`
/// and the trigger table sort out the extra candidates.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn swar(x: u64, carry: &mut u64) -> u64 {
    // Per-byte arithmetic on the low 7 bits never carries into the next byte;
    // only the high bit of each byte is used.
    let x7 = x & !HIGH_BITS;
    let ge = |lo: u8| x7 + LOW * (0x80 - u64::from(lo));
    let gt = |hi: u8| x7 + LOW * (0x7F - u64::from(hi));
    let ne = |c: u8| (x7 ^ (LOW * u64::from(c))) + LOW * 0x7F;
    let digit = ge(b'0') & !gt(b'9');
    let lower = ge(b'a') & !gt(b'z');
    let anywhere = (ge(b'(') & !gt(b'+')) | (ge(b':') & !gt(b'Z')) | !ne(b'k');
    let start = x | digit | !ne(b'b');
    // Byte k's "after a word" flag is byte k-1's word flag.
    let word = (digit | lower) & HIGH_BITS;
    let after_word = (word << 8) | *carry;
    *carry = word >> 56;
    let hit = (anywhere | (start & !after_word)) & HIGH_BITS;
    // Gather the high bit of each byte into the low 8 bits.
    ((hit >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// [`candidates`] with SSE2 compares. Candidates are exact here: `( ) * +`,
/// `: ; < = > ? @ A-Z` and `k` anywhere; digits, bytes >= 0x80 and `b` where
/// the previous byte is not a digit or lowercase letter.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use super::Short;
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_set_epi64x, _mm_setzero_si128,
        _mm_slli_si128, _mm_srli_si128,
    };

    /// Sixteen bytes as a vector, without an unsafe pointer load: two
    /// little-endian u64 halves.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn load16(b: &[u8; 16]) -> __m128i {
        let mut lo = [0u8; 8];
        let mut hi = [0u8; 8];
        lo.copy_from_slice(&b[..8]);
        hi.copy_from_slice(&b[8..]);
        _mm_set_epi64x(i64::from_le_bytes(hi), i64::from_le_bytes(lo))
    }

    /// Fewer than sixteen bytes, zero-padded (zero is never a candidate).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn load_short(b: &[u8]) -> __m128i {
        let (lo, hi) = super::load_short_halves(b);
        _mm_set_epi64x(hi as i64, lo as i64)
    }

    /// Bytes in `lo..=hi` (unsigned): 0xFF, else 0.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn in_range(x: __m128i, lo: u8, hi: u8) -> __m128i {
        let (bias, limit) = super::range_bias(lo, hi);
        _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(bias)), _mm_set1_epi8(limit))
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn eq(x: __m128i, c: u8) -> __m128i {
        _mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))
    }

    /// The candidate flags of the sixteen bytes `x`, whose lane 0 follows a
    /// byte with word flag `prev_word` (lane 15 of that vector), and their
    /// word flags.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn hits(x: __m128i, prev_word: __m128i, short: Short) -> (u32, __m128i) {
        let digit = in_range(x, b'0', b'9');
        let lower = in_range(x, b'a', b'z');
        let word = _mm_or_si128(digit, lower);
        // Lowercase bearer keywords: the `k` of `tok` (`token`), the `b` of
        // `be`/`ba` (`bearer`, `basic`); any other case has an uppercase
        // letter, a candidate anyway. Lanes whose neighbours are outside this
        // vector (0 and 1 for `tok`, 15 for `b`) stay candidates.
        let edge_lo = _mm_set_epi64x(0, 0xFFFF);
        let edge_hi = _mm_set_epi64x(0xFF << 56, 0);
        let tok = _mm_and_si128(
            eq(x, b'k'),
            _mm_or_si128(
                _mm_and_si128(
                    _mm_slli_si128::<1>(eq(x, b'o')),
                    _mm_slli_si128::<2>(eq(x, b't')),
                ),
                edge_lo,
            ),
        );
        let b_kw = _mm_and_si128(
            eq(x, b'b'),
            _mm_or_si128(
                _mm_srli_si128::<1>(_mm_or_si128(eq(x, b'e'), eq(x, b'a'))),
                edge_hi,
            ),
        );
        let anywhere = _mm_or_si128(
            _mm_or_si128(in_range(x, b'(', b'+'), in_range(x, b':', b'Z')),
            tok,
        );
        // Short numbers and digits glued to a letter (see `Short`). The
        // flags of lanes past 15 shift in as zero: a lane whose decisive
        // byte is not in this vector stays a candidate.
        let letter = _mm_or_si128(lower, in_range(x, b'A', b'Z'));
        let ends = _mm_or_si128(letter, _mm_cmplt_epi8(x, _mm_set1_epi8(short.0)));
        // A space that a digit follows ends no number: it may be the first
        // group of a phone number after a label (`phone: 06 12 34 56 78`).
        // Lane 15's next byte is in the next vector: kept a candidate.
        let next_digit = _mm_or_si128(_mm_srli_si128::<1>(digit), edge_hi);
        let ends = _mm_andnot_si128(_mm_and_si128(eq(x, b' '), next_digit), ends);
        let ends3 = _mm_or_si128(letter, _mm_cmplt_epi8(x, _mm_set1_epi8(super::CONTROL)));
        let nothing = _mm_or_si128(
            _mm_srli_si128::<1>(ends),
            _mm_and_si128(
                _mm_srli_si128::<1>(digit),
                _mm_or_si128(
                    _mm_srli_si128::<2>(ends),
                    _mm_and_si128(_mm_srli_si128::<2>(digit), _mm_srli_si128::<3>(ends3)),
                ),
            ),
        );
        // Digits right after `%` stay candidates (`%40`, a percent-encoded
        // `@`); lane 0, whose byte before is in the previous vector, too.
        let pct = _mm_or_si128(_mm_slli_si128::<1>(eq(x, b'%')), _mm_set_epi64x(0, 0xFF));
        let nothing = _mm_andnot_si128(pct, nothing);
        // Only the high bit of each byte counts: `x` itself has it for bytes
        // >= 0x80.
        let start = _mm_or_si128(_mm_or_si128(_mm_andnot_si128(nothing, digit), b_kw), x);
        let after = _mm_or_si128(_mm_slli_si128::<1>(word), _mm_srli_si128::<15>(prev_word));
        let hit = _mm_or_si128(anywhere, _mm_andnot_si128(after, start));
        (_mm_movemask_epi8(hit) as u32 & 0xFFFF, word)
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn candidates(t: &[u8], start: usize, end: usize, short: Short) -> u64 {
        // Lane 15: whether the byte before `start` is a digit or lowercase letter.
        let prev_word = if super::words::after_word(t, start) {
            _mm_set1_epi8(-1)
        } else {
            _mm_setzero_si128()
        };
        super::steps(
            t,
            start,
            end,
            prev_word,
            _mm_setzero_si128(),
            |b: &[u8; 16], prev| hits(load16(b), prev, short),
            // The bytes from `k` on (not only up to `end`): zero padding
            // must mean the end of the value.
            |k, prev| {
                let rest = t.get(k..).unwrap_or_default();
                let n = end - k;
                let lanes = (1u32 << n) - 1;
                hits(load_short(rest.get(..16).unwrap_or(rest)), prev, short).0 & lanes
            },
        )
    }

    /// `super::candidates(t, 0, t.len())` for a value shorter than sixteen
    /// bytes (most attribute values): one zero-padded vector, with nothing
    /// before it and nothing after it, so none of the block logic.
    #[target_feature(enable = "sse2")]
    pub(super) fn candidates_whole(t: &[u8], short: Short) -> u64 {
        u64::from(hits(load_short(t), _mm_setzero_si128(), short).0)
    }

    /// [`super::ident_run`]: sixteen bytes per step, backwards from `e`.
    #[inline]
    #[target_feature(enable = "sse2")]
    pub(super) fn ident_run(t: &[u8], e: usize, max: usize) -> Option<(usize, bool)> {
        let e = e.min(t.len());
        let mut top = e;
        let mut dotted = false;
        loop {
            // Lanes `0..n` hold `t[top - n..top]`.
            let (x, n) = match top.checked_sub(16).and_then(|s| t.get(s..top)) {
                Some(b) => match <&[u8; 16]>::try_from(b) {
                    Ok(b) => (load16(b), 16),
                    Err(_) => return None,
                },
                // Fewer than sixteen bytes before `top` (a name at the start
                // of the value): the byte loop, kept out of this loop's code
                // so that it stays small enough to inline.
                None => {
                    let (s, d) = super::ident_run_bytes(t, top, max - (e - top))?;
                    return Some((s, dotted | d));
                }
            };
            // `- . 0-9` is `-..=9` without `/`; `| 0x20` maps exactly the
            // ASCII letters onto `a..=z`.
            let ident = _mm_or_si128(
                _mm_or_si128(
                    _mm_andnot_si128(eq(x, b'/'), in_range(x, b'-', b'9')),
                    in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', b'z'),
                ),
                eq(x, b'_'),
            );
            let lanes = (1u32 << n) - 1;
            let ident = _mm_movemask_epi8(ident) as u32 & lanes;
            let miss = !ident & lanes;
            // Identifier bytes right below `top`: the highest lanes.
            let run = match miss {
                0 => n,
                m => n - 1 - (31 - m.leading_zeros() as usize),
            };
            let run_lanes = lanes & !((1u32 << (n - run)) - 1);
            dotted |= _mm_movemask_epi8(eq(x, b'.')) as u32 & run_lanes != 0;
            let s = top - run;
            if e - s > max {
                return None;
            }
            if run < n || s == 0 {
                return Some((s, dotted));
            }
            top = s;
        }
    }
}

/// [`candidates`] with AVX2 compares, 32 bytes per step, for blocks of at
/// least 32 bytes (shorter ones take the SSE2 path): a log line costs about
/// half the instructions of the sixteen-byte steps. AVX2 is not part of the
/// x86_64 baseline, so the caller checks for it at run time. The candidates
/// are those of [`sse2`], except at the edges of a 32-byte vector instead of
/// a 16-byte one.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod avx2 {
    use super::sse2::load16;
    use super::Short;
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi8, _mm256_alignr_epi8, _mm256_and_si256, _mm256_andnot_si256,
        _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_permute2x128_si256, _mm256_set1_epi8, _mm256_set_epi64x, _mm256_set_m128i,
        _mm256_setzero_si256, _mm_shuffle_epi8,
    };

    /// Whether the CPU has AVX2 (cached by the standard library after the
    /// first call).
    #[inline]
    pub(super) fn detected() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
    }

    /// 32 bytes as a vector, without an unsafe pointer load: four
    /// little-endian u64 quarters.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn load32(b: &[u8; 32]) -> __m256i {
        let q = |k: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[k..k + 8]);
            i64::from_le_bytes(w)
        };
        _mm256_set_epi64x(q(24), q(16), q(8), q(0))
    }

    /// Bytes in `lo..=hi` (unsigned): 0xFF, else 0 (see `sse2::in_range`).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn in_range(x: __m256i, lo: u8, hi: u8) -> __m256i {
        let (bias, limit) = super::range_bias(lo, hi);
        _mm256_cmpgt_epi8(
            _mm256_set1_epi8(limit),
            _mm256_add_epi8(x, _mm256_set1_epi8(bias)),
        )
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn eq(x: __m256i, c: u8) -> __m256i {
        _mm256_cmpeq_epi8(x, _mm256_set1_epi8(c as i8))
    }

    /// The upper half of `v` in the lower one, zero above: with `alignr::<N>`
    /// of it and `v`, lane i is lane i + N of `v` (zero past lane 31).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn above(v: __m256i) -> __m256i {
        _mm256_permute2x128_si256::<0x81>(v, v)
    }

    /// Lane i of the result is lane i - 1 of `x`, lane 0 is lane 31 of
    /// `prev`. (`alignr` shifts within each 128-bit half; the permute gives
    /// each half the half that comes before it.)
    #[inline]
    #[target_feature(enable = "avx2")]
    fn up1(x: __m256i, prev: __m256i) -> __m256i {
        let before = _mm256_permute2x128_si256::<0x21>(prev, x);
        _mm256_alignr_epi8::<15>(x, before)
    }

    /// The candidate flags of the 32 bytes `x`, whose lane 0 follows a byte
    /// with word flag `prev_word` (lane 31 of that vector), and their word
    /// flags. Lanes whose neighbours are outside `x` stay candidates where
    /// a neighbour would decide (0 and 1 for `tok`, 31 for `b`, 29 to 31
    /// for a digit).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn hits(x: __m256i, prev_word: __m256i, short: Short) -> (u32, __m256i) {
        let digit = in_range(x, b'0', b'9');
        let lower = in_range(x, b'a', b'z');
        let word = _mm256_or_si256(digit, lower);
        // The bytes one and two lanes before each lane (zero before lane 0),
        // and the byte one lane after (zero after lane 31).
        let low_first = _mm256_permute2x128_si256::<0x08>(x, x);
        let back1 = _mm256_alignr_epi8::<15>(x, low_first);
        let back2 = _mm256_alignr_epi8::<14>(x, low_first);
        let high_last = _mm256_permute2x128_si256::<0x81>(x, x);
        let next = _mm256_alignr_epi8::<1>(high_last, x);
        let edge_lo = _mm256_set_epi64x(0, 0, 0, 0xFFFF);
        let edge_hi = _mm256_set_epi64x(0xFF << 56, 0, 0, 0);
        let tok = _mm256_and_si256(
            eq(x, b'k'),
            _mm256_or_si256(_mm256_and_si256(eq(back1, b'o'), eq(back2, b't')), edge_lo),
        );
        let b_kw = _mm256_and_si256(
            eq(x, b'b'),
            _mm256_or_si256(_mm256_or_si256(eq(next, b'e'), eq(next, b'a')), edge_hi),
        );
        let anywhere = _mm256_or_si256(
            _mm256_or_si256(in_range(x, b'(', b'+'), in_range(x, b':', b'Z')),
            tok,
        );
        // Short numbers and digits glued to a letter (see `Short`); `| 0x20`
        // maps exactly the ASCII letters onto `a..=z`. The flags of lanes
        // past 31 are zero: a lane whose decisive byte is not in this vector
        // stays a candidate.
        let letter = in_range(_mm256_or_si256(x, _mm256_set1_epi8(0x20)), b'a', b'z');
        let ends = _mm256_or_si256(letter, _mm256_cmpgt_epi8(_mm256_set1_epi8(short.0), x));
        // A space that a digit follows ends no number: it may be the first
        // group of a phone number after a label (`phone: 06 12 34 56 78`).
        // Lane 31's next byte is in the next vector: kept a candidate.
        let next_digit = _mm256_or_si256(in_range(next, b'0', b'9'), edge_hi);
        let ends = _mm256_andnot_si256(_mm256_and_si256(eq(x, b' '), next_digit), ends);
        let ends3 = _mm256_or_si256(
            letter,
            _mm256_cmpgt_epi8(_mm256_set1_epi8(super::CONTROL), x),
        );
        let (ends_hi, digit_hi) = (above(ends), above(digit));
        let nothing = _mm256_or_si256(
            _mm256_alignr_epi8::<1>(ends_hi, ends),
            _mm256_and_si256(
                _mm256_alignr_epi8::<1>(digit_hi, digit),
                _mm256_or_si256(
                    _mm256_alignr_epi8::<2>(ends_hi, ends),
                    _mm256_and_si256(
                        _mm256_alignr_epi8::<2>(digit_hi, digit),
                        _mm256_alignr_epi8::<3>(above(ends3), ends3),
                    ),
                ),
            ),
        );
        // Digits right after `%` stay candidates (`%40`, a percent-encoded
        // `@`); lane 0, whose byte before is in the previous vector, too.
        let pct = _mm256_or_si256(eq(back1, b'%'), _mm256_set_epi64x(0, 0, 0, 0xFF));
        let nothing = _mm256_andnot_si256(pct, nothing);
        // Only the high bit of each byte counts: `x` itself has it for bytes
        // >= 0x80.
        let start = _mm256_or_si256(
            _mm256_or_si256(_mm256_andnot_si256(nothing, digit), b_kw),
            x,
        );
        let after = up1(word, prev_word);
        let hit = _mm256_or_si256(anywhere, _mm256_andnot_si256(after, start));
        (_mm256_movemask_epi8(hit) as u32, word)
    }

    /// Up to 32 bytes, zero-padded (zero is never a candidate). From 16
    /// bytes on (every value this takes in the pass), the first sixteen and
    /// the last sixteen, whose bytes a shuffle moves into place: no branch
    /// on the length, where the overlapping loads of `load_short_halves`
    /// took one of three ways by it.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn load_short(b: &[u8]) -> __m256i {
        let b = b.get(..32).unwrap_or(b);
        let n = b.len();
        let halves = (
            b.first_chunk::<16>(),
            b.last_chunk::<16>(),
            SLIDE.get(32 - n..),
        );
        let (Some(first), Some(last), Some(slide)) = halves else {
            let (q0, q1) = super::load_short_halves(b);
            return _mm256_set_epi64x(0, 0, q1 as i64, q0 as i64);
        };
        let Some(slide) = slide.first_chunk::<16>() else {
            return _mm256_setzero_si256();
        };
        // Lane j of the upper half is byte `16 + j` of `b`, which is byte
        // `j + (32 - n)` of `last`, or zero past the end.
        let upper = _mm_shuffle_epi8(load16(last), load16(slide));
        _mm256_set_m128i(upper, load16(first))
    }

    /// Shuffle indices: `SLIDE[s..s + 16]` moves byte `j + s` of a vector to
    /// lane `j` and zeroes the lanes past byte 15 (index with the high bit set).
    const SLIDE: [u8; 32] = {
        let mut t = [0x80u8; 32];
        let mut i = 0;
        while i < 16 {
            t[i] = i as u8;
            i += 1;
        }
        t
    };

    /// `super::candidates` for `end < 32` (at most 64 bytes from `start`):
    /// one vector of the bytes from `start` on, zero-padded, so that the last
    /// byte of the block still sees the byte after it.
    #[target_feature(enable = "avx2")]
    pub(super) fn candidates_short(t: &[u8], start: usize, end: usize, short: Short) -> u64 {
        let prev_word = if super::words::after_word(t, start) {
            _mm256_set1_epi8(-1)
        } else {
            _mm256_setzero_si256()
        };
        let rest = t.get(start..).unwrap_or_default();
        let x = match rest.first_chunk::<32>() {
            Some(b) => load32(b),
            None => load_short(rest),
        };
        let n = end.saturating_sub(start);
        let lanes = if n >= 32 { u32::MAX } else { (1u32 << n) - 1 };
        u64::from(hits(x, prev_word, short).0 & lanes)
    }

    /// `super::candidates` for `end >= 32`: full vectors from `start`, then
    /// the 32 bytes ending at `end` for the rest.
    #[target_feature(enable = "avx2")]
    pub(super) fn candidates(t: &[u8], start: usize, end: usize, short: Short) -> u64 {
        // Lane 31: whether the byte before `start` is a digit or lowercase letter.
        let prev_word = if super::words::after_word(t, start) {
            _mm256_set1_epi8(-1)
        } else {
            _mm256_setzero_si256()
        };
        super::steps(
            t,
            start,
            end,
            prev_word,
            _mm256_setzero_si256(),
            |b: &[u8; 32], prev| hits(load32(b), prev, short),
            // Not reached: `end >= 32`, so the 32 bytes before `end` exist.
            |_, _| 0,
        )
    }
}

/// The constants of a byte range test `lo..=hi` with one add and one signed
/// compare: `x - lo <= hi - lo` unsigned is `x + (0x80 - lo) < hi - lo + 0x81`
/// signed (the bias maps the unsigned range onto the signed one).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn range_bias(lo: u8, hi: u8) -> (i8, i8) {
    (
        0x80u8.wrapping_sub(lo) as i8,
        (hi - lo).wrapping_add(0x81) as i8,
    )
}

/// The candidate mask of `t[start..end]` (at most 64 bytes) from `hits`,
/// which gives the flags of `N` bytes after a vector of word flags `prev`,
/// and their word flags. Full vectors first, each after the previous one;
/// then the last `N` bytes up to `end`, overlapping bytes already seen: their
/// lanes are shifted out, and the first new byte's "after a word" flag comes
/// from the real byte before it (`zero` stands for the byte before those `N`,
/// whose lane is shifted out). When `t` holds fewer than `N` bytes up to
/// `end`, `short` gives the flags of the bytes from its first argument up
/// to `end`.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn steps<const N: usize, V: Copy>(
    t: &[u8],
    start: usize,
    end: usize,
    mut prev: V,
    zero: V,
    hits: impl Fn(&[u8; N], V) -> (u32, V),
    short: impl FnOnce(usize, V) -> u32,
) -> u64 {
    let mut m = 0u64;
    let mut k = start;
    while k + N <= end {
        let Some(b) = t.get(k..k + N).and_then(|b| <&[u8; N]>::try_from(b).ok()) else {
            break;
        };
        let (h, w) = hits(b, prev);
        m |= u64::from(h) << (k - start);
        prev = w;
        k += N;
    }
    if k < end {
        let n = end - k;
        let last = end.checked_sub(N).and_then(|s| t.get(s..end));
        let h = match last.and_then(|b| <&[u8; N]>::try_from(b).ok()) {
            Some(b) => hits(b, zero).0 >> (N - n),
            None => short(k, prev),
        };
        m |= u64::from(h) << (k - start);
    }
    m
}

/// Up to sixteen bytes as two little-endian u64 halves, zero-padded. A few
/// overlapping loads instead of a step per byte: most attribute values
/// (`INFO`, `worker-7`, `risk_core`) are this short, and the byte loop was a
/// third of their scan. Bytes past the end of `b` are zero.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn load_short_halves(b: &[u8]) -> (u64, u64) {
    let n = b.len();
    if let (Some(f), Some(l)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        // The last eight bytes, shifted so that byte 8 lands in lane 0 (none
        // when `n == 8`); `n > 16` keeps its first sixteen.
        let hi = match n.checked_sub(8) {
            Some(over @ 0..=8) => u64::from_le_bytes(*l)
                .checked_shr(8 * (8 - over) as u32)
                .unwrap_or(0),
            _ => b
                .get(8..16)
                .and_then(|h| h.first_chunk::<8>())
                .map_or(0, |h| u64::from_le_bytes(*h)),
        };
        return (u64::from_le_bytes(*f), hi);
    }
    if let (Some(f), Some(l)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
        // 4..=7 bytes: the first four and the last four (overlapping lanes
        // hold the same byte twice, so OR keeps it).
        let lo =
            u64::from(u32::from_le_bytes(*f)) | u64::from(u32::from_le_bytes(*l)) << (8 * (n - 4));
        return (lo, 0);
    }
    // 0..=3 bytes: the first, middle and last byte cover them all.
    match (b.first(), b.get(n / 2), b.last()) {
        (Some(&x), Some(&y), Some(&z)) => (
            u64::from(x) | u64::from(y) << (8 * (n / 2)) | u64::from(z) << (8 * (n - 1)),
            0,
        ),
        _ => (0, 0),
    }
}

/// Bytes of an identifier (`user.email`, `x-amz-signature`).
const IDENT: u32 = ALNUM | IDENT_PUNCT;

/// Start of the identifier run that ends at `e` (exclusive), and whether the
/// run holds a `.`; None when it is longer than `max` bytes.
#[inline]
pub(super) fn ident_run(t: &[u8], e: usize, max: usize) -> Option<(usize, bool)> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: as in `candidates`: the function needs SSE2 only, and this
        // branch is compiled only where SSE2 is enabled at compile time.
        #[allow(unsafe_code)]
        unsafe {
            sse2::ident_run(t, e, max)
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        ident_run_bytes(t, e, max)
    }
}

/// The portable version of [`ident_run`], one byte per step (on x86_64, for
/// the bytes below the last full vector).
#[inline(never)]
fn ident_run_bytes(t: &[u8], e: usize, max: usize) -> Option<(usize, bool)> {
    let mut s = e;
    let mut seen = 0;
    while s > 0 {
        let c = class(t[s - 1]);
        if c & IDENT == 0 {
            break;
        }
        seen |= c;
        s -= 1;
        if e - s > max {
            return None;
        }
    }
    Some((s, seen & DOT != 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::classes::{is, WORD};
    use crate::detect::words::{after_word, BLOCK};
    use proptest::prelude::*;

    /// The widest candidate definition, byte by byte: `( ) * +`,
    /// `: ; < = > ? @ A-Z` and `k` anywhere; digits, bytes >= 0x80 and `b`
    /// where the previous byte is not a digit or lowercase letter.
    fn allowed(t: &[u8], p: usize) -> bool {
        let b = t[p];
        let anywhere = matches!(b, b'('..=b'+' | b':'..=b'Z' | b'k');
        let start = b.is_ascii_digit() || b >= 0x80 || b == b'b';
        anywhere || (start && !after_word(t, p))
    }

    /// What the pass must see: the bytes of [`allowed`] except a word-start
    /// byte inside a word (after any [`WORD`] byte), which `at_trigger` skips,
    /// the first of one to three digits glued to a letter, which start no
    /// number (an IPv6 group is found from the `:` after it), of one or two
    /// digits before the end, a control or non-ASCII byte or (unless
    /// `phone_key`) a space, and of three digits before the end, a control or
    /// non-ASCII byte, and a `k` or `b` that is not part of a lowercase
    /// bearer keyword (`tok`, `be`, `ba`); digits right after a `%` (a
    /// percent-encoded `@` is `%40`) are always needed.
    fn needed(t: &[u8], p: usize, phone_key: bool) -> bool {
        let b = t[p];
        let tok = b == b'k' && p >= 2 && &t[p - 2..p] == b"to";
        let anywhere = matches!(b, b'('..=b'+' | b':'..=b'Z') || tok;
        let digits = t[p..]
            .iter()
            .take(4)
            .take_while(|c| c.is_ascii_digit())
            .count();
        let after = t.get(p + digits).copied();
        let letter = after.is_some_and(|c| c.is_ascii_alphabetic());
        let ends = match after {
            None => true,
            Some(b' ') => {
                !phone_key && digits < 3 && !t.get(p + digits + 1).is_some_and(u8::is_ascii_digit)
            }
            Some(c) => !(b' '..0x80).contains(&c),
        };
        let pct = p > 0 && t[p - 1] == b'%';
        let nothing = (1..=3).contains(&digits) && (letter || ends) && !pct;
        let b_kw = b == b'b' && matches!(t.get(p + 1), Some(b'e' | b'a'));
        let start = (digits > 0 && !nothing) || b >= 0x80 || b_kw;
        anywhere || (start && !(p > 0 && is(t[p - 1], WORD)))
    }

    /// Every block split a scan can make of `t`: the mask of `candidates`
    /// (and of the portable version) holds every byte the pass needs, and
    /// nothing outside the widest definition.
    fn check(t: &[u8]) {
        check_keyed(t, false);
        check_keyed(t, true);
    }

    /// [`check`] for values under a phone key or not.
    fn check_keyed(t: &[u8], phone_key: bool) {
        let mut block = 0;
        while block < t.len() {
            let end = (block + BLOCK).min(t.len());
            for (s, e) in [
                (block, end),
                (0, end.min(BLOCK)),
                (block, (block + 5).min(end)),
                ((block + 3).min(end), end),
            ] {
                let swar = candidates_swar(&t[s..e], after_word(t, s));
                for p in s..e {
                    assert!(
                        !needed(t, p, phone_key) || swar >> (p - s) & 1 == 1,
                        "swar byte {p} of {t:?}"
                    );
                }
                // The dispatching version (AVX2 where the CPU has it), and
                // SSE2 alone.
                #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
                let simd = [
                    candidates(t, s, e, phone_key),
                    candidates_sse2(t, s, e, Short::new(phone_key)),
                ];
                #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
                let simd = [candidates(t, s, e, phone_key)];
                for m in simd {
                    for p in s..e {
                        let bit = m >> (p - s) & 1 == 1;
                        assert!(
                            !needed(t, p, phone_key) || bit,
                            "byte {p} of {t:?} in {s}..{e} (phone key: {phone_key})"
                        );
                        if cfg!(all(target_arch = "x86_64", target_feature = "sse2")) {
                            assert!(!bit || allowed(t, p), "extra byte {p} of {t:?} in {s}..{e}");
                        }
                    }
                    assert_eq!(
                        m >> (e - s).min(63) >> u32::from(e - s == 64),
                        0,
                        "bits past the end"
                    );
                }
            }
            block = end;
        }
    }

    #[test]
    fn candidates_match_the_definition_at_every_length() {
        let line = "GET /v1/query 200 in 14.2ms bob=x k8s é3 (+1) b2b token:AKIA eyJ ~ü9 3f9a-2001:db8::1 4G bearer basic tok n=7 m=42 (5) 12";
        for n in 0..=line.len() {
            check(&line.as_bytes()[..n]);
        }
        check(&[0u8; 70]);
        check(&[0xFFu8; 70]);
    }

    proptest! {
        #[test]
        fn candidates_match_the_definition(t in proptest::collection::vec(any::<u8>(), 0..200)) {
            check(&t);
        }

        #[test]
        fn candidates_match_on_text(t in "[a-zA-Z0-9 .:=@+(bkaeot_\\-]{0,160}") {
            check(t.as_bytes());
        }
    }

    /// The overlapping loads of `load_short_halves` give the bytes in order,
    /// zero-padded, at every length.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[test]
    fn short_loads_are_the_bytes_zero_padded() {
        let src: Vec<u8> = (1..=16).map(|k| k * 15).collect();
        for n in 0..=16 {
            let b = &src[..n];
            let mut want = [0u8; 16];
            want[..n].copy_from_slice(b);
            let (lo, hi) = load_short_halves(b);
            let mut got = [0u8; 16];
            got[..8].copy_from_slice(&lo.to_le_bytes());
            got[8..].copy_from_slice(&hi.to_le_bytes());
            assert_eq!(got, want, "{n} bytes");
        }
    }

    /// The SIMD identifier run agrees with the byte loop at every end.
    fn check_ident(t: &[u8]) {
        for e in 0..=t.len() {
            for max in [3, 16, 128] {
                assert_eq!(
                    ident_run(t, e, max),
                    ident_run_bytes(t, e, max),
                    "{t:?} end {e} max {max}"
                );
            }
        }
    }

    #[test]
    fn ident_runs_at_every_end() {
        check_ident(b"x a.b_c-D9=1 user.email: tenant.user.ltv_usd=3 ");
        check_ident(&[b'a'; 40]);
        check_ident(&[b'.'; 40]);
        check_ident(b"");
    }

    proptest! {
        #[test]
        fn ident_runs_agree(t in "[a-z._=: \\-]{0,80}") {
            check_ident(t.as_bytes());
        }
    }
}
