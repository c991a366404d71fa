//! Labels: a word right before a number in the same text that says what the
//! number is (`ssn=123456789`, `SSN 123456789`, `call 4155552671`,
//! `phone number: 07911 123456`). It is the free-text counterpart of the key
//! context in [`super::keyctx`]: a bare digit run is an SSN or a phone number
//! only when something names it, and in a log line that something is a label.
//!
//! The label is read backwards from the number, so only numbers the pass
//! already stopped at (and whose shape fits) pay for it: over glue bytes
//! (blanks, `= : # . _ - / ( "` and `'`), over up to three filler words
//! (`number`, `no`, `is`, `at`, `me`...), then the label word itself, compared
//! ASCII case-insensitively. A label glued to its filler (`phoneNumber`,
//! `telNo`) counts; one glued to other words counts only for the distinctive
//! words that [`super::keyctx`] also matches inside keys (`customerPhone`,
//! `userSSN`, `msisdn`), not for short ones (`hotel` is no `tel`).
//!
//! Birth labels (`dob`, `date of birth`, `birth date`, `birthday`, `born`,
//! `D.O.B.`, `dateOfBirth`) name a date the same way (see [`super::dob`]).

use super::classes::with_last_two_letters;

/// The number is named as a US SSN.
pub(super) const SSN: u8 = 1;
/// The number is named as a phone number.
pub(super) const PHONE: u8 = 2;
/// A filler word between a label and its number (internal).
const FILLER: u8 = 4;
/// `security`: a label only after `social` (internal).
const SECURITY: u8 = 8;
/// The date is named as a date of birth.
pub(super) const DOB: u8 = 16;
/// `date`: a birth label only after `birth` (internal).
const DATE: u8 = 32;
/// `b`: a birth label only as the last letter of `d.o.b` (internal).
const DOTTED_B: u8 = 64;

/// Most bytes looked at before a number.
const MAX_BACK: usize = 64;
/// Longest word compared (longer words are no labels).
const MAX_WORD: usize = 24;
/// Most filler words between a label and its number.
const MAX_FILLERS: usize = 3;

/// Words that name the number after them, exactly (lowercase).
const WORDS: [(&[u8], u8); 46] = [
    (b"ssn", SSN),
    (b"ssns", SSN),
    (b"socialsecurity", SSN),
    (b"security", SECURITY),
    (b"tel", PHONE),
    (b"tlf", PHONE),
    (b"ph", PHONE),
    (b"fax", PHONE),
    (b"cell", PHONE),
    (b"cellular", PHONE),
    (b"mob", PHONE),
    (b"sms", PHONE),
    (b"call", PHONE),
    (b"called", PHONE),
    (b"calling", PHONE),
    (b"caller", PHONE),
    (b"callback", PHONE),
    (b"dial", PHONE),
    (b"dialed", PHONE),
    (b"dialing", PHONE),
    (b"contact", PHONE),
    (b"reach", PHONE),
    (b"telefon", PHONE),
    (b"telefono", PHONE),
    (b"whatsapp", PHONE),
    (b"landline", PHONE),
    (b"number", FILLER),
    (b"num", FILLER),
    (b"no", FILLER),
    (b"nr", FILLER),
    (b"nbr", FILLER),
    (b"is", FILLER),
    (b"at", FILLER),
    (b"on", FILLER),
    (b"me", FILLER),
    (b"to", FILLER),
    (b"us", FILLER),
    (b"my", FILLER),
    (b"dob", DOB),
    (b"birth", DOB),
    (b"birthday", DOB),
    (b"birthdate", DOB),
    (b"born", DOB),
    (b"bday", DOB),
    (b"date", DATE),
    (b"b", DOTTED_B),
];

/// Words that name the number also at the end of a longer word
/// (`customerPhone`, `userSSN`, `homephone`).
const SUFFIXES: [(&[u8], u8); 9] = [
    (b"ssn", SSN),
    (b"phone", PHONE),
    (b"phones", PHONE),
    (b"mobile", PHONE),
    (b"msisdn", PHONE),
    (b"dob", DOB),
    (b"birth", DOB),
    (b"birthday", DOB),
    (b"birthdate", DOB),
];

/// Filler suffixes of a glued label (`phoneNumber`, `telNo`, `ssnNr`).
const GLUED_FILLERS: [&[u8]; 5] = [b"number", b"num", b"nbr", b"no", b"nr"];

/// Entry `n`, bit `c - 'a'`: some word of [`WORDS`] `n` bytes long ends
/// with the letter `c`. Most words before a number (`elapsed`, `took`,
/// `rows`) are rejected by this one lookup.
const WORD_ENDS: [u32; MAX_WORD + 1] = {
    let mut t = [0u32; MAX_WORD + 1];
    let mut i = 0;
    while i < WORDS.len() {
        let w = WORDS[i].0;
        t[w.len()] |= 1 << (w[w.len() - 1] - b'a');
        i += 1;
    }
    t
};

/// Bit `c - 'a'`: some suffix or glued filler ends with `c` (a word that
/// does not end so can only be one of [`WORDS`]).
const SUFFIX_ENDS: u32 = {
    let mut m = 0u32;
    let mut i = 0;
    while i < SUFFIXES.len() {
        let w = SUFFIXES[i].0;
        m |= 1 << (w[w.len() - 1] - b'a');
        i += 1;
    }
    let mut i = 0;
    while i < GLUED_FILLERS.len() {
        let w = GLUED_FILLERS[i];
        m |= 1 << (w[w.len() - 1] - b'a');
        i += 1;
    }
    m
};

/// Entry `c - 'a'`, bit `p - 'a'`: some word of [`WORDS`] or [`SUFFIXES`],
/// or a label glued to a filler, ends with the letters `p c`. The pass asks
/// [`may_follow_label`] before it reads a number that only a label can name.
const BIGRAMS: [u32; 26] = bigrams(SSN | PHONE | FILLER, true);

/// [`BIGRAMS`] for birth labels, before a date: the labels, and the fillers
/// `is` and `on` (`dob is ...`, `born on ...`).
const DOB_BIGRAMS: [u32; 26] = with_last_two_letters(
    with_last_two_letters(bigrams(DOB | DATE, false), b"is"),
    b"on",
);

/// Entry `c - 'a'`, bit `p - 'a'`: some word of [`WORDS`] or [`SUFFIXES`]
/// with a flag in `flags` ends with the letters `p c`; with `glued`, also
/// the glued fillers.
const fn bigrams(flags: u8, glued: bool) -> [u32; 26] {
    let mut t = [0u32; 26];
    let mut i = 0;
    while i < WORDS.len() {
        if WORDS[i].1 & flags != 0 && WORDS[i].0.len() >= 2 {
            t = with_last_two_letters(t, WORDS[i].0);
        }
        i += 1;
    }
    let mut i = 0;
    while i < SUFFIXES.len() {
        if SUFFIXES[i].1 & flags != 0 {
            t = with_last_two_letters(t, SUFFIXES[i].0);
        }
        i += 1;
    }
    let mut i = 0;
    while glued && i < GLUED_FILLERS.len() {
        t = with_last_two_letters(t, GLUED_FILLERS[i]);
        i += 1;
    }
    t
}

/// Most glue bytes between a label and its number that
/// [`may_follow_label`] skips (`\": \"` of escaped JSON is six).
const MAX_GLUE: usize = 8;

/// Cheap necessary condition of [`before`] naming the number at `i`: a few
/// glue bytes, then two letters that some label or filler ends with
/// (`offset 4821907` ends in `et`, which none does). Inline: the pass asks
/// it for every number that only a label could name.
#[inline(always)]
pub(super) fn may_follow_label(t: &[u8], i: usize) -> bool {
    let j = glue_start(t, i);
    j != i && j >= 2 && ends_like(&BIGRAMS, t[j - 2], t[j - 1])
}

/// [`may_follow_label`] for a date that a birth label may name (the `b` of
/// `d.o.b.` too).
#[inline(always)]
pub(super) fn may_follow_dob_label(t: &[u8], i: usize) -> bool {
    let j = glue_start(t, i);
    j != i
        && j >= 2
        && (ends_like(&DOB_BIGRAMS, t[j - 2], t[j - 1])
            || (t[j - 1] | 0x20 == b'b' && t[j - 2] == b'.'))
}

/// Where the glue bytes (at most [`MAX_GLUE`]) right before `i` start.
#[inline(always)]
fn glue_start(t: &[u8], i: usize) -> usize {
    let mut j = i;
    while j > 0 && i - j < MAX_GLUE && is_glue(t[j - 1]) {
        j -= 1;
    }
    j
}

/// Whether some word of `bigrams` ends with the letters `p c` (any case).
#[inline(always)]
fn ends_like(bigrams: &[u32; 26], p: u8, c: u8) -> bool {
    let (p, c) = (p | 0x20, c | 0x20);
    c.is_ascii_lowercase()
        && p.is_ascii_lowercase()
        && bigrams[(c - b'a') as usize] >> (p - b'a') & 1 != 0
}

/// What the words right before `i` (where a number starts) name it:
/// [`SSN`], [`PHONE`], [`DOB`], or 0.
///
/// Out of line: few numbers get here, and the pass's own frame stays small.
#[inline(never)]
pub(super) fn before(t: &[u8], i: usize) -> u8 {
    let stop = i.saturating_sub(MAX_BACK);
    let mut j = i.min(t.len());
    let mut fillers = 0;
    loop {
        while j > stop && is_glue(t[j - 1]) {
            j -= 1;
        }
        let e = j;
        while j > stop && t[j - 1].is_ascii_alphabetic() {
            j -= 1;
        }
        // A word that starts inside a longer run (`x9phone`, or cut off by
        // the look-back limit) is no label.
        if j == e || (j > 0 && t[j - 1].is_ascii_alphanumeric()) || (j == stop && stop > 0) {
            return 0;
        }
        match word(&t[j..e]) {
            FILLER if fillers < MAX_FILLERS => fillers += 1,
            SECURITY => {
                return if previous_is(t, j, stop, b"social") {
                    SSN
                } else {
                    0
                }
            }
            DATE => {
                return if previous_is(t, j, stop, b"birth") {
                    DOB
                } else {
                    0
                }
            }
            DOTTED_B => return if dotted_dob(t, j, stop) { DOB } else { 0 },
            FILLER => return 0,
            f => return f,
        }
    }
}

/// Bytes between a label and its number, or between two of its words.
#[inline(always)]
fn is_glue(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'=' | b':' | b'#' | b'.' | b'_' | b'-' | b'/' | b'(' | b'"' | b'\'' | b'\\'
    )
}

/// What one word names (see [`WORDS`], [`SUFFIXES`]).
fn word(w: &[u8]) -> u8 {
    let n = w.len();
    let Some(&last) = w.last() else { return 0 };
    let c = last | 0x20;
    if n > MAX_WORD || !c.is_ascii_lowercase() {
        return 0;
    }
    let bit = 1u32 << (c - b'a');
    let (whole, glued) = (WORD_ENDS[n] & bit != 0, SUFFIX_ENDS & bit != 0);
    if !(whole || glued) {
        return 0;
    }
    let mut buf = [0u8; MAX_WORD];
    for (d, s) in buf.iter_mut().zip(w) {
        *d = s.to_ascii_lowercase();
    }
    let w = &buf[..n];
    let exact = if whole { exact(w) } else { 0 };
    if exact != 0 || !glued {
        return exact;
    }
    // A label glued to a filler (`phonenumber`, `telno`): the label alone.
    for f in GLUED_FILLERS {
        if let Some(head) = w.strip_suffix(f) {
            let named = label(head);
            if named != 0 {
                return named;
            }
        }
    }
    suffix(w)
}

/// The entry of [`WORDS`] that is `w` (lowercase), or 0. Compared as
/// integers: the slice comparisons called `memcmp` for every entry.
fn exact(w: &[u8]) -> u8 {
    let key = pack(w);
    WORDS
        .iter()
        .find(|(x, _)| x.len() == w.len() && pack(x) == key)
        .map_or(0, |&(_, f)| f)
}

/// A label (not a filler) that is `w`, or that `w` ends with.
fn label(w: &[u8]) -> u8 {
    if w.is_empty() {
        return 0;
    }
    let f = exact(w);
    if f & (SSN | PHONE) != 0 {
        return f;
    }
    suffix(w)
}

/// The entry of [`SUFFIXES`] that `w` (lowercase) ends with, or 0.
fn suffix(w: &[u8]) -> u8 {
    SUFFIXES
        .iter()
        .find(|(s, _)| w.len() >= s.len() && pack(&w[w.len() - s.len()..]) == pack(s))
        .map_or(0, |&(_, f)| f)
}

/// Up to the first 16 bytes of `w` as an integer (words compared this way
/// have equal lengths, checked apart, and `socialsecurity` is the longest).
#[inline]
fn pack(w: &[u8]) -> u128 {
    w.iter()
        .take(16)
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

/// Whether the word before the one starting at `j` is `word` (lowercase):
/// `social` before `security`, `birth` before `date`.
fn previous_is(t: &[u8], mut j: usize, stop: usize, word: &[u8]) -> bool {
    while j > stop && is_glue(t[j - 1]) {
        j -= 1;
    }
    let n = word.len();
    j >= n && j - n >= stop && t[j - n..j].eq_ignore_ascii_case(word)
}

/// Whether the `b` at `j` ends `d.o.b` (any case), not glued to a word.
fn dotted_dob(t: &[u8], j: usize, stop: usize) -> bool {
    j >= 4
        && j - 4 >= stop
        && t[j - 4..j].eq_ignore_ascii_case(b"d.o.")
        && (j == 4 || !t[j - 5].is_ascii_alphanumeric())
}
