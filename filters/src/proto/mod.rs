//! Wire-level OTLP protobuf walker: one pass over the input, copying untouched
//! fields verbatim, rewriting only what a rule or detector changes, and fixing
//! the enclosing lengths. Semantics shared with the JSON walker are described
//! in `walker-semantics` terms in the crate docs of `scrubber.rs`.

mod schema;
mod wire;

#[cfg(test)]
mod tests;

use crate::detect::{KeyFacts, Match};
use crate::keycache::{KeyCache, KeyInfo};
use crate::scrubber::KeyPolicy;
use std::cell::Cell;

use crate::{Location, Reason, Report, ScrubError, ScrubErrorKind, Scrubber, Signal};
use schema::{Kind, Schema};
use wire::{
    begin_len, check_packed_varints, finish_len, FieldRef, Pending, Reader, WT_FIXED32, WT_FIXED64,
    WT_LEN, WT_VARINT,
};

/// Also used to encode the scrubber's redacted `KeyValue` values.
pub(crate) use wire::put_varint;

const MAX_PATH: usize = 24;

/// Walk modes (a const generic, so each mode compiles to its own code).
/// Validate: structure only, nothing written, no detector. Emit: rules,
/// detectors and output.
const VALIDATE: u8 = 0;
const EMIT: u8 = 1;
/// Walks one export request. With `EMIT` false nothing is written and no
/// detector runs: a validate-only walk.
pub(crate) fn scrub(
    s: &Scrubber,
    signal: Signal,
    input: &[u8],
    out: &mut Vec<u8>,
    report: &mut Report,
    emit: bool,
) -> Result<(), ScrubError> {
    let schema = match signal {
        Signal::Logs => &schema::EXPORT_LOGS,
        Signal::Metrics => &schema::EXPORT_METRICS,
        Signal::Traces => &schema::EXPORT_TRACES,
    };
    let mut w = Walker {
        s,
        input,
        out,
        report,
        matches: Vec::new(),
        scratch: Vec::new(),
        key_path: Vec::new(),
        facts: KeyFacts::NONE,
        keys: None,
        path: [""; MAX_PATH],
        depth: 0,
        span: 0..0,
        frames: Vec::new(),
        open_upto: 0,
        error: Cell::new(None),
    };
    let walked = if emit && s.is_scrubbing() {
        w.out.reserve(input.len() + input.len() / 8);
        let walked = w.message::<EMIT>(schema, input);
        if walked.is_ok() {
            w.flush();
        }
        walked
    } else {
        w.message::<VALIDATE>(schema, input)
    };
    match walked {
        Ok(_) => Ok(()),
        // Every `Stop` comes from `err` or `read_err`, which store the error
        // first; fail closed all the same if one did not.
        Err(Stop) => Err(w
            .error
            .take()
            .unwrap_or_else(|| ScrubError::at(ScrubErrorKind::BadValue, 0))),
    }
}

/// A walk stopped on malformed input; the error itself is in
/// `Walker::error`. A zero-sized error keeps every result of the walk in a
/// register: with the 40-byte `ScrubError` in them, each call's result went
/// through memory and was checked there, on every field.
#[derive(Debug)]
struct Stop;

impl Drop for Walker<'_, '_> {
    fn drop(&mut self) {
        if let Some(keys) = self.keys.take() {
            keys.give_back();
        }
    }
}

struct Walker<'a, 'o> {
    s: &'o Scrubber,
    input: &'a [u8],
    out: &'o mut Vec<u8>,
    report: &'o mut Report,
    matches: Vec<Match>,
    scratch: Vec<u8>,
    /// Dotted key path of the attribute being walked.
    key_path: Vec<u8>,
    /// What `key_path` says about its value (see `KeyFacts`).
    facts: KeyFacts,
    /// Decisions about attribute keys: this thread's table, taken on the
    /// first key of the call and given back when the walker is dropped.
    keys: Option<KeyCache>,
    /// Field names from the root, for error messages.
    path: [&'static str; MAX_PATH],
    depth: usize,
    /// Input bytes to be copied verbatim, not yet written (contiguous run).
    span: std::ops::Range<usize>,
    /// Enclosing length-delimited fields being emitted, outermost first.
    frames: Vec<Frame>,
    /// `frames[..open_upto]` have their tag and length placeholder written to
    /// `out`; the others are still inside `span` as verbatim bytes.
    open_upto: usize,
    /// The error that stopped the walk (see [`Stop`]).
    error: Cell<Option<ScrubError>>,
}

/// A length-delimited field whose header is written lazily: while everything
/// inside it is copied verbatim its bytes stay in the pending span, and only a
/// change inside makes it write its tag and a length to fix at the end.
#[derive(Debug)]
struct Frame {
    header_start: usize,
    tag_len: usize,
    body_start: usize,
    body_len: usize,
    /// Where the field starts in `out` once materialized.
    out_start: usize,
    pending: Option<Pending>,
}

/// Whether a value is under a key (key rules apply) or free text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyed {
    Yes,
    No,
}

impl<'a> Walker<'a, '_> {
    /// The error at `at`. Cold and out of line: inlined into the walk's
    /// functions, its path join made their code larger and slower (which
    /// happened or not as other code changed).
    #[cold]
    #[inline(never)]
    fn err(&self, kind: ScrubErrorKind, at: &[u8]) -> Stop {
        let depth = self.depth.min(MAX_PATH);
        let mut e = ScrubError::at(kind, wire::offset_in(self.input, at));
        e.path = self.path[..depth].join(".");
        self.error.set(Some(e));
        Stop
    }

    fn push(&mut self, name: &'static str) {
        if self.depth < MAX_PATH {
            self.path[self.depth] = name;
        }
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth -= 1;
    }

    #[inline(always)]
    fn next(&self, r: &mut Reader<'a>) -> Result<Option<FieldRef<'a>>, Stop> {
        match r.next_field() {
            Ok(f) => Ok(f),
            Err(k) => Err(self.read_err(k, r)),
        }
    }

    /// The error of a field that does not read, at the reader's position. Cold
    /// and out of line, like [`Self::err`].
    #[cold]
    #[inline(never)]
    fn read_err(&self, kind: ScrubErrorKind, r: &Reader<'a>) -> Stop {
        let depth = self.depth.min(MAX_PATH);
        let mut e = ScrubError::at(kind, r.offset(self.input));
        e.path = self.path[..depth].join(".");
        self.error.set(Some(e));
        Stop
    }

    fn expect_wt(&self, f: &FieldRef<'a>, wt: u8) -> Result<(), Stop> {
        if f.wire_type == wt {
            Ok(())
        } else {
            Err(self.err(ScrubErrorKind::WrongWireType, f.whole))
        }
    }

    /// Size limit and UTF-8 check of a string field. Inline: most telemetry
    /// text is short ASCII within the limit, which [`wire::is_ascii`] answers
    /// in a few instructions; anything else takes [`Self::utf8_full`].
    #[inline(always)]
    fn utf8(&self, f: &FieldRef<'a>) -> Result<(), Stop> {
        let b = f.body();
        if b.len() <= self.s.limits.max_string_bytes && wire::is_ascii(b) {
            return Ok(());
        }
        self.utf8_full(f)
    }

    /// [`Self::utf8`] in full: the size error first, then the UTF-8 error.
    #[inline(never)]
    fn utf8_full(&self, f: &FieldRef<'a>) -> Result<(), Stop> {
        self.size(f)?;
        match std::str::from_utf8(f.body()) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.err(ScrubErrorKind::InvalidUtf8, &f.body()[e.valid_up_to()..])),
        }
    }

    /// [`Self::size`] of a pair's key, whose error path ends in `.key`: the
    /// name is pushed only on error (it runs for every cached key).
    #[inline(always)]
    fn key_size(&mut self, k: &FieldRef<'a>) -> Result<(), Stop> {
        if k.body().len() > self.s.limits.max_string_bytes {
            return Err(self.key_too_large(k));
        }
        Ok(())
    }

    #[cold]
    fn key_too_large(&mut self, k: &FieldRef<'a>) -> Stop {
        self.push("key");
        self.err(ScrubErrorKind::TooLarge, k.body())
    }

    fn size(&self, f: &FieldRef<'a>) -> Result<(), Stop> {
        if f.body().len() > self.s.limits.max_string_bytes {
            return Err(self.err(ScrubErrorKind::TooLarge, f.body()));
        }
        Ok(())
    }

    /// Walks a message by its schema table. Returns whether a `drop_record` fired.
    fn message<const M: u8>(
        &mut self,
        schema: &'static Schema,
        data: &'a [u8],
    ) -> Result<bool, Stop> {
        let mut r = Reader::new(data);
        let mut drop = false;
        while let Some(f) = self.next(&mut r)? {
            let Some(field) = schema.field(f.number) else {
                self.unknown::<M>(&f);
                continue;
            };
            if let Some(d) = self.quiet_field::<M>(field.kind, &f) {
                drop |= d;
                continue;
            }
            self.push(field.name);
            drop |= self.field::<M>(field.kind, &f)?;
            self.pop();
        }
        Ok(drop)
    }

    /// A field that cannot fail from here on (a scalar of its wire type, an
    /// id of its size, an ASCII string within the size limit,
    /// an attribute [`Self::clean_pair`]
    /// or [`Self::valid_pair`] takes whole), walked without pushing its name:
    /// only errors read the path. `None`: [`Self::field`] walks it, with the
    /// name pushed (and an attribute not tried here again).
    #[inline(always)]
    fn quiet_field<const M: u8>(&mut self, kind: Kind, f: &FieldRef<'a>) -> Option<bool> {
        let wt = match kind {
            Kind::Varint => WT_VARINT,
            Kind::Fixed64 => WT_FIXED64,
            Kind::Fixed32 => WT_FIXED32,
            Kind::Text(loc) => {
                let b = f.body();
                let quiet = f.wire_type == WT_LEN
                    && b.len() <= self.s.limits.max_string_bytes
                    && wire::is_ascii(b);
                return quiet.then(|| self.text::<M>(loc, Keyed::No, f));
            }
            Kind::TraceId | Kind::SpanId => {
                let want = if matches!(kind, Kind::TraceId) { 16 } else { 8 };
                let n = f.body().len();
                if f.wire_type != WT_LEN || (n != 0 && n != want) {
                    return None;
                }
                self.copy::<M>(f);
                return Some(false);
            }
            Kind::Attrs(_) => {
                let whole = f.wire_type == WT_LEN
                    && if M == EMIT {
                        self.clean_pair(f)
                    } else {
                        self.valid_pair(f)
                    };
                return whole.then_some(false);
            }
            _ => return None,
        };
        if f.wire_type != wt {
            return None;
        }
        self.copy::<M>(f);
        Some(false)
    }

    fn unknown<const M: u8>(&mut self, f: &FieldRef<'a>) {
        // The reader has already checked that the field is well-formed. It is
        // left out of the output: the enclosing fields get their headers
        // written now (their lengths are then fixed when they close), and the
        // verbatim span restarts after the field. Waiting for the next `keep`
        // to notice the gap is not enough: when the field is the last one of
        // its message, that `keep` comes after the message closed with its
        // original length.
        self.report.unknown_fields_dropped += 1;
        if M == EMIT {
            self.write_begin();
            self.skip_past(f);
        }
    }

    // ---- output: verbatim spans and lazily written length headers ----

    /// Appends input bytes to the output, lazily (contiguous runs become one copy).
    #[inline]
    fn keep(&mut self, bytes: &[u8]) {
        let off = wire::offset_in(self.input, bytes);
        if off != self.span.end {
            // A gap: something in between was dropped or rewritten.
            self.write_begin();
            self.span = off..off;
        }
        self.span.end = off + bytes.len();
    }

    /// Starts the next verbatim run after `f`, which was left out or written
    /// otherwise (after `write_begin` has flushed what came before it).
    #[inline]
    fn skip_past(&mut self, f: &FieldRef<'a>) {
        let end = wire::offset_in(self.input, f.whole) + f.whole.len();
        self.span = end..end;
    }

    /// Writes the pending verbatim bytes.
    fn flush(&mut self) {
        if !self.span.is_empty() {
            self.out.extend_from_slice(&self.input[self.span.clone()]);
        }
        self.span.start = self.span.end;
    }

    /// Before writing anything that is not a verbatim copy: every enclosing field
    /// gets its tag and a length placeholder, and pending bytes are written.
    fn write_begin(&mut self) {
        for i in self.open_upto..self.frames.len() {
            let fr = &self.frames[i];
            let (hs, tl, bs, bl) = (fr.header_start, fr.tag_len, fr.body_start, fr.body_len);
            // The header is inside the span by construction; be defensive anyway.
            if self.span.start <= hs && hs <= self.span.end {
                self.out.extend_from_slice(&self.input[self.span.start..hs]);
            }
            let out_start = self.out.len();
            let p = begin_len(self.out, &self.input[hs..hs + tl], bl);
            let fr = &mut self.frames[i];
            fr.out_start = out_start;
            fr.pending = Some(p);
            self.span.start = bs.max(self.span.start);
        }
        self.open_upto = self.frames.len();
        self.flush();
    }

    /// Starts emitting a length-delimited field.
    fn open(&mut self, f: &FieldRef<'a>) {
        let header_start = wire::offset_in(self.input, f.whole);
        let body_start = wire::offset_in(self.input, f.body());
        self.keep(&self.input[header_start..body_start]);
        self.frames.push(Frame {
            header_start,
            tag_len: f.tag().len(),
            body_start,
            body_len: f.body().len(),
            out_start: 0,
            pending: None,
        });
    }

    /// Ends a field started with [`Self::open`]; fixes its length if it was rewritten.
    fn close(&mut self) {
        let Some(fr) = self.frames.pop() else { return };
        if self.open_upto > self.frames.len() {
            self.open_upto = self.frames.len();
        }
        if let Some(p) = fr.pending {
            self.flush();
            finish_len(self.out, p);
        }
    }

    /// Removes the field being emitted (a dropped record) from the output.
    fn discard(&mut self, f: &FieldRef<'a>) {
        self.write_begin();
        if let Some(fr) = self.frames.pop() {
            self.out.truncate(fr.out_start);
        }
        self.open_upto = self.open_upto.min(self.frames.len());
        self.skip_past(f);
    }

    fn field<const M: u8>(&mut self, kind: Kind, f: &FieldRef<'a>) -> Result<bool, Stop> {
        match kind {
            Kind::Msg(sub) => {
                self.expect_wt(f, WT_LEN)?;
                self.nested::<M>(sub, f)
            }
            Kind::Text(loc) => {
                self.expect_wt(f, WT_LEN)?;
                self.utf8(f)?;
                Ok(self.text::<M>(loc, Keyed::No, f))
            }
            Kind::Attrs(loc) => {
                // `quiet_field` has tried `clean_pair` / `valid_pair` already.
                self.expect_wt(f, WT_LEN)?;
                self.key_value::<M>(loc, f, 0, 0)
            }
            Kind::Body => {
                self.expect_wt(f, WT_LEN)?;
                self.key_path.clear();
                self.any_value_field::<M>(Location::LogBody, Keyed::No, f, 0)
            }
            Kind::TraceId | Kind::SpanId => {
                self.expect_wt(f, WT_LEN)?;
                let want = if matches!(kind, Kind::TraceId) { 16 } else { 8 };
                if !f.body().is_empty() && f.body().len() != want {
                    return Err(self.err(ScrubErrorKind::BadValue, f.body()));
                }
                self.copy::<M>(f);
                Ok(false)
            }
            Kind::Varint => self.scalar::<M>(f, WT_VARINT),
            Kind::Fixed64 => self.scalar::<M>(f, WT_FIXED64),
            Kind::Fixed32 => self.scalar::<M>(f, WT_FIXED32),
            Kind::PackedFixed64 => {
                if f.wire_type == WT_LEN && f.body().len() % 8 != 0 {
                    return Err(self.err(ScrubErrorKind::Truncated, f.body()));
                }
                if f.wire_type != WT_LEN {
                    self.expect_wt(f, WT_FIXED64)?;
                }
                self.copy::<M>(f);
                Ok(false)
            }
            Kind::PackedVarint => {
                if f.wire_type == WT_LEN {
                    check_packed_varints(f.body()).map_err(|k| self.err(k, f.body()))?;
                } else {
                    self.expect_wt(f, WT_VARINT)?;
                }
                self.copy::<M>(f);
                Ok(false)
            }
        }
    }

    fn scalar<const M: u8>(&mut self, f: &FieldRef<'a>, wt: u8) -> Result<bool, Stop> {
        self.expect_wt(f, wt)?;
        self.copy::<M>(f);
        Ok(false)
    }

    #[inline]
    fn copy<const M: u8>(&mut self, f: &FieldRef<'a>) {
        if M == EMIT {
            self.keep(f.whole);
        }
    }

    /// A nested message field; records (log records, spans, data points) are
    /// counted here and removed when a `drop_record` action fired inside them.
    fn nested<const M: u8>(
        &mut self,
        sub: &'static Schema,
        f: &FieldRef<'a>,
    ) -> Result<bool, Stop> {
        if M == EMIT {
            self.open(f);
        }
        let drop = self.message::<M>(sub, f.body())?;
        if sub.record {
            self.report.records_in += 1;
            if drop {
                if M == EMIT {
                    self.discard(f);
                }
                self.report.dropped_records += 1;
                return Ok(false);
            }
            self.report.records_out += 1;
        }
        if M == EMIT {
            self.close();
        }
        Ok(drop)
    }

    /// Writes a length-delimited field with `tag` and the bytes of `self.scratch`.
    fn write_scratch(&mut self, tag: &[u8]) {
        self.write_begin();
        self.out.extend_from_slice(tag);
        put_varint(self.out, self.scratch.len() as u64);
        self.out.extend_from_slice(&self.scratch);
    }

    /// A string or bytes field: detectors, then verbatim copy or rewrite.
    fn text<const M: u8>(&mut self, loc: Location, keyed: Keyed, f: &FieldRef<'a>) -> bool {
        self.text_in::<M>(loc, keyed, f, None)
    }

    /// [`Self::text`] for the string of an AnyValue `outer` that holds
    /// nothing else: clean text keeps `outer` whole, with no frame opened
    /// for it; rewritten text opens it first.
    fn text_in<const M: u8>(
        &mut self,
        loc: Location,
        keyed: Keyed,
        f: &FieldRef<'a>,
        outer: Option<&FieldRef<'a>>,
    ) -> bool {
        if M == VALIDATE {
            return false;
        }
        let (key, facts): (&[u8], _) = if keyed == Keyed::Yes {
            (&self.key_path, self.facts)
        } else {
            (b"", KeyFacts::NONE)
        };

        match self.s.scrub_text(
            loc,
            key,
            facts,
            f.body(),
            &mut self.matches,
            &mut self.scratch,
            self.report,
        ) {
            None => {
                self.keep(outer.map_or(f.whole, |o| o.whole));
                false
            }
            Some(drop) => {
                if let Some(o) = outer {
                    self.open(o);
                }
                self.write_scratch(f.tag());
                if outer.is_some() {
                    self.close();
                }
                drop
            }
        }
    }

    /// A top-level attribute that is copied whole, decided without a call to
    /// [`Self::key_value`] (whose frame and spills cost more than this check):
    /// `key, value` in that order, the key's decision in the key cache (so it
    /// is valid UTF-8), clean and under a scanning rule, the value an ASCII
    /// string no detector matches or a lone scalar. False: anything else, for
    /// `key_value` to decide from the start (nothing here has side effects,
    /// so its errors and output are the same as without this check).
    #[inline(always)]
    fn clean_pair(&mut self, f: &FieldRef<'a>) -> bool {
        let Some((k, Some(v))) = wire::simple_key_value(f.body()) else {
            return false;
        };
        let max = self.s.limits.max_string_bytes;
        let key = k.body();
        let keys = self.keys.get_or_insert_with(KeyCache::take);
        let Some(info) = self.s.cached_key_info(keys, key) else {
            return false;
        };
        if !info.key_clean || info.policy != KeyPolicy::Scan || key.len() > max {
            return false;
        }
        match wire::short_len_field(v.body(), 0x0A, 1) {
            Some(s) if s.whole.len() == v.body().len() => {
                let text = s.body();
                if text.len() > max
                    || !wire::is_ascii(text)
                    || !self
                        .s
                        .text_is_clean(key, info.facts, text, &mut self.matches)
                {
                    return false;
                }
            }
            _ if wire::lone_scalar(v.body()) => {}
            _ => return false,
        }
        self.keep(f.whole);
        true
    }

    /// [`Self::clean_pair`] for a validating walk: a top-level `key, value`
    /// pair whose key and string value are ASCII within the size limit, or
    /// whose value is a lone scalar, is well-formed; `key_value` would check
    /// the same and find nothing to report. False: let `key_value` check it.
    #[inline(always)]
    fn valid_pair(&self, f: &FieldRef<'a>) -> bool {
        let Some((k, Some(v))) = wire::simple_key_value(f.body()) else {
            return false;
        };
        let max = self.s.limits.max_string_bytes;
        let ascii = |b: &[u8]| b.len() <= max && wire::is_ascii(b);
        ascii(k.body())
            && match wire::short_len_field(v.body(), 0x0A, 1) {
                Some(s) if s.whole.len() == v.body().len() => ascii(s.body()),
                _ => wire::lone_scalar(v.body()),
            }
    }

    /// One `KeyValue` field (tag included). `parent_len` is the length of the
    /// parent's key path in `self.key_path` (0 at the top level).
    fn key_value<const M: u8>(
        &mut self,
        loc: Location,
        f: &FieldRef<'a>,
        parent_len: usize,
        depth: u32,
    ) -> Result<bool, Stop> {
        // Paths end in `.key` or `.value` under the caller's field name
        // (`attributes`, `values`).
        // Pass 1: find the key (proto3: the last occurrence wins), check structure,
        // and note whether the common `key, value` layout holds.
        let mut key: Option<FieldRef<'a>> = None;
        let mut value: Option<FieldRef<'a>> = None;
        let mut simple = true;
        // A top-level key that is emitted is checked (UTF-8, size) by
        // `checked_key_info`: skipped when the key is in the key cache, which
        // holds checked keys only.
        let mut unchecked_key = None;
        if let Some((k, v)) = wire::simple_key_value(f.body()) {
            if M == EMIT && parent_len == 0 {
                unchecked_key = Some(k);
            } else {
                self.push("key");
                self.utf8(&k)?;
                self.pop();
            }
            key = Some(k);
            value = v;
        } else {
            let mut r = Reader::new(f.body());
            while let Some(kf) = self.next(&mut r)? {
                match kf.number {
                    1 => {
                        self.push("key");
                        self.expect_wt(&kf, WT_LEN)?;
                        self.utf8(&kf)?;
                        self.pop();
                        key = Some(kf);
                    }
                    2 => {
                        self.expect_wt(&kf, WT_LEN)?;
                        simple &= value.is_none();
                        value = Some(kf);
                    }
                    3 => {
                        self.expect_wt(&kf, WT_VARINT)?;
                        simple = false;
                    }
                    _ => simple = false,
                }
            }
        }
        let key_bytes: &'a [u8] = key.map(|k| k.body()).unwrap_or(&[]);
        // Exactly `key, value` in that order (an emitted top-level pair).
        let canonical = unchecked_key.is_some();
        // Fast path: a top-level `key: "string"` pair whose key is clean, whose rule
        // lets the value pass and whose value no detector matches is copied as one
        // span. Anything else takes the general path below (which repeats the check).
        if simple && parent_len == 0 {
            if let Some(s) = value.and_then(|v| wire::short_len_field(v.body(), 0x0A, 1)) {
                if s.whole.len() == value.map_or(0, |v| v.body().len()) {
                    self.push("value");
                    self.utf8(&s)?;
                    self.pop();
                    if M == VALIDATE {
                        return Ok(false);
                    }
                    let info = self.checked_key_info(unchecked_key.take(), key_bytes)?;
                    if info.key_clean
                        && info.policy == KeyPolicy::Scan
                        && self
                            .s
                            .text_is_clean(key_bytes, info.facts, s.body(), &mut self.matches)
                    {
                        self.keep(f.whole);
                        return Ok(false);
                    }
                }
            }
            // A top-level scalar value (int, double, bool): no detector reads
            // it, so under a scanning rule with a clean key the pair is copied
            // as one span, without frames for the pair and its AnyValue.
            if M == EMIT && canonical && value.is_some_and(|v| wire::lone_scalar(v.body())) {
                let info = self.checked_key_info(unchecked_key.take(), key_bytes)?;
                if info.key_clean && info.policy == KeyPolicy::Scan {
                    self.keep(f.whole);
                    return Ok(false);
                }
            }
            // A top-level pair whose clean key's rule replaces the value: the
            // pair is written whole with its final length, without frames for
            // it (whose placeholder and length fixing cost more than the write).
            if let (true, true, Some(kf), Some(vf)) = (M == EMIT, canonical, key, value) {
                let info = self.checked_key_info(unchecked_key.take(), key_bytes)?;
                if info.key_clean && info.policy != KeyPolicy::Scan {
                    // Still checked in full: a redacted value must be well-formed too.
                    self.push("value");
                    self.any_value_field::<VALIDATE>(loc, Keyed::Yes, &vf, depth)?;
                    self.pop();
                    self.replace_pair(info.policy, loc, f, &kf, &vf);
                    return Ok(false);
                }
            }
        }
        if M != VALIDATE {
            self.key_path.truncate(parent_len);
            if parent_len > 0 {
                self.key_path.push(b'.');
            }
            self.key_path.extend_from_slice(key_bytes);
        }
        let info = if M == VALIDATE {
            KeyInfo {
                policy: KeyPolicy::Scan,
                key_clean: true,
                facts: KeyFacts::NONE,
            }
        } else if parent_len == 0 {
            self.checked_key_info(unchecked_key.take(), key_bytes)?
        } else {
            // A nested key: its rule and facts are those of the dotted path.
            let keys = self.keys.get_or_insert_with(KeyCache::take);
            KeyInfo {
                key_clean: false,
                ..self.s.key_info(keys, &self.key_path, &mut self.matches)
            }
        };
        // The value's scans read the facts of this key; the enclosing key's
        // come back when this pair is done.
        let outer_facts = std::mem::replace(&mut self.facts, info.facts);

        if M == EMIT {
            self.open(f);
        }
        let mut drop = false;
        if M == EMIT {
            if let Some(kf) = key {
                if info.key_clean {
                    self.keep(kf.whole);
                } else {
                    drop |= self.text::<M>(Location::AttributeKey, Keyed::No, &kf);
                }
            }
        }
        if simple {
            if let Some(vf) = value {
                drop |= self.value::<M>(info.policy, loc, &vf, depth)?;
            }
        } else {
            let mut r = Reader::new(f.body());
            while let Some(kf) = self.next(&mut r)? {
                match kf.number {
                    1 => {}
                    2 => drop |= self.value::<M>(info.policy, loc, &kf, depth)?,
                    3 => self.copy::<M>(&kf),
                    _ => self.unknown::<M>(&kf),
                }
            }
        }
        if M == EMIT {
            self.close();
        }
        self.facts = outer_facts;
        self.key_path.truncate(parent_len);
        Ok(drop)
    }

    /// The value of a KeyValue under its key rule.
    fn value<const M: u8>(
        &mut self,
        policy: KeyPolicy,
        loc: Location,
        vf: &FieldRef<'a>,
        depth: u32,
    ) -> Result<bool, Stop> {
        self.push("value");
        let drop = match policy {
            KeyPolicy::Scan => self.any_value_field::<M>(loc, Keyed::Yes, vf, depth)?,
            other => {
                // Still checked in full: a redacted value must be well-formed too.
                self.any_value_field::<VALIDATE>(loc, Keyed::Yes, vf, depth)?;
                if M == EMIT {
                    self.replace_value(other, loc, vf);
                }
                false
            }
        };
        self.pop();
        Ok(drop)
    }

    /// Rule and key cleanliness of a top-level attribute key. `unchecked`:
    /// the key field when it still needs its UTF-8 and size check, which a
    /// key found in the cache does not (only checked keys get there).
    /// Inline: it runs for every top-level pair, and as a call its frame and
    /// result passing cost as much as the lookup.
    #[inline(always)]
    fn checked_key_info(
        &mut self,
        unchecked: Option<FieldRef<'a>>,
        key: &[u8],
    ) -> Result<KeyInfo, Stop> {
        let keys = self.keys.get_or_insert_with(KeyCache::take);
        if let Some(info) = self.s.cached_key_info(keys, key) {
            // Valid UTF-8 for sure; the size limit is checked anyway (the same
            // bytes may have been cached as a nested key path).
            if let Some(k) = unchecked {
                self.key_size(&k)?;
            }
            return Ok(info);
        }
        if let Some(k) = unchecked {
            self.push("key");
            self.utf8(&k)?;
            self.pop();
        }
        let keys = self.keys.get_or_insert_with(KeyCache::take);
        Ok(self.s.key_info(keys, key, &mut self.matches))
    }

    /// Writes `AnyValue { string_value: <replacement> }` for a whole value under a key rule.
    fn replace_value(&mut self, policy: KeyPolicy, loc: Location, f: &FieldRef<'a>) {
        if !self.replacement(policy, loc, f) {
            return;
        }
        self.write_begin();
        self.write_replaced(f.tag());
    }

    /// A top-level `key, value` pair whose value a key rule replaces, written
    /// whole: the same bytes as a frame for the pair, the key kept and
    /// [`Self::replace_value`], with the length known before it is written.
    fn replace_pair(
        &mut self,
        policy: KeyPolicy,
        loc: Location,
        f: &FieldRef<'a>,
        kf: &FieldRef<'a>,
        vf: &FieldRef<'a>,
    ) {
        if let KeyPolicy::Redact(reason) = policy {
            // The value field is the same for every pair with this reason
            // (`vf` is tag 2 in the canonical layout): one copy, no scratch.
            self.s.count(reason, loc, self.report);
            let v = self.s.token_value(reason);
            self.write_begin();
            self.out.extend_from_slice(f.tag());
            put_varint(self.out, (kf.whole.len() + v.len()) as u64);
            self.out.extend_from_slice(kf.whole);
            self.out.extend_from_slice(v);
        } else {
            if !self.replacement(policy, loc, vf) {
                return;
            }
            self.write_begin();
            let n = self.scratch.len();
            let inner = 1 + wire::varint_len(n as u64) + n;
            let body = kf.whole.len() + vf.tag().len() + wire::varint_len(inner as u64) + inner;
            self.out.extend_from_slice(f.tag());
            put_varint(self.out, body as u64);
            self.out.extend_from_slice(kf.whole);
            self.write_replaced(vf.tag());
        }
        self.skip_past(f);
    }

    /// Counts the replacement of a value under `policy` and puts its text in
    /// `self.scratch`. False: `Scan`, nothing to replace.
    fn replacement(&mut self, policy: KeyPolicy, loc: Location, f: &FieldRef<'a>) -> bool {
        self.scratch.clear();
        match policy {
            KeyPolicy::Scan => return false,
            KeyPolicy::Redact(reason) => {
                self.s.count(reason, loc, self.report);
                self.scratch.extend_from_slice(self.s.token(reason));
            }
            KeyPolicy::Hash => {
                self.s.count(Reason::HashedKey, loc, self.report);
                self.hash_any_value(f.body());
            }
        }
        true
    }

    /// `tag` and `AnyValue { 1: scratch }`, after [`Self::write_begin`].
    fn write_replaced(&mut self, tag: &[u8]) {
        self.out.extend_from_slice(tag);
        let inner = 1 + wire::varint_len(self.scratch.len() as u64) + self.scratch.len();
        put_varint(self.out, inner as u64);
        self.out.push(0x0A);
        put_varint(self.out, self.scratch.len() as u64);
        self.out.extend_from_slice(&self.scratch);
    }

    /// The hash text of an AnyValue's (last) value, into `self.scratch`.
    fn hash_any_value(&mut self, body: &'a [u8]) {
        let mut last: Option<FieldRef<'a>> = None;
        let mut r = Reader::new(body);
        // Already validated by the caller's walk.
        while let Ok(Some(f)) = r.next_field() {
            if (1..=8).contains(&f.number) {
                last = Some(f);
            }
        }
        // Same rules as the JSON walker: scalars hash their canonical text; an
        // empty value, an array or a kvlist becomes the hashed_key token.
        let text: Vec<u8> = match last.map(|f| (f.number, f)) {
            Some((1 | 7, f)) => f.body().to_vec(),
            Some((2, f)) if f.scalar != 0 => b"true".to_vec(),
            Some((2, _)) => b"false".to_vec(),
            Some((3, f)) => (f.scalar as i64).to_string().into_bytes(),
            Some((8, f)) => (f.scalar as i32).to_string().into_bytes(),
            Some((4, f)) => format!("{}", f64::from_bits(f.scalar)).into_bytes(),
            _ => {
                self.scratch
                    .extend_from_slice(self.s.token(Reason::HashedKey));
                return;
            }
        };
        self.s.write_hash(&text, &mut self.scratch);
    }

    /// Rejects an array/kvlist at container depth `depth` beyond the limit. Checked
    /// on the container itself, not only on the values inside it, so that an empty
    /// container is refused at the same depth as a full one (and as in JSON).
    fn container_depth(&self, depth: u32, f: &FieldRef<'a>) -> Result<(), Stop> {
        if depth > self.s.limits.max_value_depth {
            return Err(self.err(ScrubErrorKind::TooDeep, f.whole));
        }
        Ok(())
    }

    /// An `AnyValue` field (tag included).
    fn any_value_field<const M: u8>(
        &mut self,
        loc: Location,
        keyed: Keyed,
        f: &FieldRef<'a>,
        depth: u32,
    ) -> Result<bool, Stop> {
        if depth > self.s.limits.max_value_depth {
            return Err(self.err(ScrubErrorKind::TooDeep, f.whole));
        }
        // Fast path: `string_value` alone, the common case (kept whole when
        // clean, without a frame of its own).
        if let Some(v) = wire::short_len_field(f.body(), 0x0A, 1) {
            if v.whole.len() == f.body().len() {
                self.utf8(&v)?;
                return Ok(self.text_in::<M>(loc, keyed, &v, Some(f)));
            }
        }
        if M == EMIT {
            self.open(f);
        }
        let mut drop = false;
        let mut r = Reader::new(f.body());
        while let Some(v) = self.next(&mut r)? {
            match v.number {
                1 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.utf8(&v)?;
                    drop |= self.text::<M>(loc, keyed, &v);
                }
                7 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.size(&v)?;
                    drop |= self.text::<M>(loc, keyed, &v);
                }
                2 | 3 | 8 => self.scalar::<M>(&v, WT_VARINT).map(|_| ())?,
                4 => self.scalar::<M>(&v, WT_FIXED64).map(|_| ())?,
                5 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.container_depth(depth + 1, &v)?;
                    self.push("array_value");
                    drop |= self.array::<M>(loc, keyed, &v, depth + 1)?;
                    self.pop();
                }
                6 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.container_depth(depth + 1, &v)?;
                    self.push("kvlist_value");
                    drop |= self.kvlist::<M>(loc, &v, depth + 1)?;
                    self.pop();
                }
                _ => self.unknown::<M>(&v),
            }
        }
        if M == EMIT {
            self.close();
        }
        Ok(drop)
    }

    fn array<const M: u8>(
        &mut self,
        loc: Location,
        keyed: Keyed,
        f: &FieldRef<'a>,
        depth: u32,
    ) -> Result<bool, Stop> {
        if M == EMIT {
            self.open(f);
        }
        let mut drop = false;
        let mut r = Reader::new(f.body());
        while let Some(v) = self.next(&mut r)? {
            if v.number == 1 {
                self.expect_wt(&v, WT_LEN)?;
                drop |= self.any_value_field::<M>(loc, keyed, &v, depth)?;
            } else {
                self.unknown::<M>(&v);
            }
        }
        if M == EMIT {
            self.close();
        }
        Ok(drop)
    }

    /// A `KeyValueList`: each entry gets the key rules of its full dotted path.
    fn kvlist<const M: u8>(
        &mut self,
        loc: Location,
        f: &FieldRef<'a>,
        depth: u32,
    ) -> Result<bool, Stop> {
        if M == EMIT {
            self.open(f);
        }
        let parent_len = self.key_path.len();
        let mut drop = false;
        let mut r = Reader::new(f.body());
        while let Some(v) = self.next(&mut r)? {
            if v.number == 1 {
                self.expect_wt(&v, WT_LEN)?;
                drop |= self.key_value::<M>(loc, &v, parent_len, depth)?;
            } else {
                self.unknown::<M>(&v);
            }
        }
        self.key_path.truncate(parent_len);
        if M == EMIT {
            self.close();
        }
        Ok(drop)
    }
}
