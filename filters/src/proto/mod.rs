//! Wire-level OTLP protobuf walker: one pass over the input, copying untouched
//! fields verbatim, rewriting only what a rule or detector changes, and fixing
//! the enclosing lengths. Semantics shared with the JSON walker are described
//! in `walker-semantics` terms in the crate docs of `scrubber.rs`.

mod schema;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use crate::detect::Match;
use crate::scrubber::KeyPolicy;
use crate::{Location, Reason, Report, ScrubError, ScrubErrorKind, Scrubber, Signal};
use schema::{Kind, Schema};
use wire::{
    begin_len, check_packed_varints, finish_len, put_varint, FieldRef, Reader, WT_FIXED32,
    WT_FIXED64, WT_LEN, WT_VARINT,
};

const MAX_PATH: usize = 24;

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
        policies: HashMap::new(),
        path: [""; MAX_PATH],
        depth: 0,
    };
    if emit && s.is_scrubbing() {
        w.out.reserve(input.len() + input.len() / 8);
        w.message::<true>(schema, input).map(|_| ())
    } else {
        w.message::<false>(schema, input).map(|_| ())
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
    /// Key rule per top-level attribute key, for this call.
    policies: HashMap<&'a [u8], KeyPolicy>,
    /// Field names from the root, for error messages.
    path: [&'static str; MAX_PATH],
    depth: usize,
}

/// Whether a value is under a key (key rules apply) or free text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyed {
    Yes,
    No,
}

impl<'a> Walker<'a, '_> {
    fn err(&self, kind: ScrubErrorKind, at: &[u8]) -> ScrubError {
        let depth = self.depth.min(MAX_PATH);
        let mut e = ScrubError::at(kind, wire::offset_in(self.input, at));
        e.path = self.path[..depth].join(".");
        e
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

    fn next(&self, r: &mut Reader<'a>) -> Result<Option<FieldRef<'a>>, ScrubError> {
        r.next_field().map_err(|k| {
            let depth = self.depth.min(MAX_PATH);
            let mut e = ScrubError::at(k, r.offset(self.input));
            e.path = self.path[..depth].join(".");
            e
        })
    }

    fn expect_wt(&self, f: &FieldRef<'a>, wt: u8) -> Result<(), ScrubError> {
        if f.wire_type == wt {
            Ok(())
        } else {
            Err(self.err(ScrubErrorKind::WrongWireType, f.whole))
        }
    }

    fn utf8(&self, f: &FieldRef<'a>) -> Result<(), ScrubError> {
        self.size(f)?;
        match std::str::from_utf8(f.body) {
            Ok(_) => Ok(()),
            Err(e) => Err(self.err(ScrubErrorKind::InvalidUtf8, &f.body[e.valid_up_to()..])),
        }
    }

    fn size(&self, f: &FieldRef<'a>) -> Result<(), ScrubError> {
        if f.body.len() > self.s.limits.max_string_bytes {
            return Err(self.err(ScrubErrorKind::TooLarge, f.body));
        }
        Ok(())
    }

    /// Walks a message by its schema table. Returns whether a `drop_record` fired.
    fn message<const EMIT: bool>(
        &mut self,
        schema: &'static Schema,
        data: &'a [u8],
    ) -> Result<bool, ScrubError> {
        let mut r = Reader::new(data);
        let mut drop = false;
        while let Some(f) = self.next(&mut r)? {
            let Some(field) = schema.field(f.number) else {
                self.unknown(&f);
                continue;
            };
            self.push(field.name);
            drop |= self.field::<EMIT>(field.kind, &f)?;
            self.pop();
        }
        Ok(drop)
    }

    fn unknown(&mut self, _f: &FieldRef<'a>) {
        // The reader has already checked that the field is well-formed.
        self.report.unknown_fields_dropped += 1;
    }

    fn field<const EMIT: bool>(
        &mut self,
        kind: Kind,
        f: &FieldRef<'a>,
    ) -> Result<bool, ScrubError> {
        match kind {
            Kind::Msg(sub) => {
                self.expect_wt(f, WT_LEN)?;
                self.nested::<EMIT>(sub, f)
            }
            Kind::Text(loc) => {
                self.expect_wt(f, WT_LEN)?;
                self.utf8(f)?;
                Ok(self.text::<EMIT>(loc, Keyed::No, f))
            }
            Kind::Attrs(loc) => {
                self.expect_wt(f, WT_LEN)?;
                self.key_value::<EMIT>(loc, f, 0, 0)
            }
            Kind::Body => {
                self.expect_wt(f, WT_LEN)?;
                self.key_path.clear();
                self.any_value_field::<EMIT>(Location::LogBody, Keyed::No, f, 0)
            }
            Kind::TraceId | Kind::SpanId => {
                self.expect_wt(f, WT_LEN)?;
                let want = if matches!(kind, Kind::TraceId) { 16 } else { 8 };
                if !f.body.is_empty() && f.body.len() != want {
                    return Err(self.err(ScrubErrorKind::BadValue, f.body));
                }
                self.copy::<EMIT>(f);
                Ok(false)
            }
            Kind::Varint => self.scalar::<EMIT>(f, WT_VARINT),
            Kind::Fixed64 => self.scalar::<EMIT>(f, WT_FIXED64),
            Kind::Fixed32 => self.scalar::<EMIT>(f, WT_FIXED32),
            Kind::PackedFixed64 => {
                if f.wire_type == WT_LEN && f.body.len() % 8 != 0 {
                    return Err(self.err(ScrubErrorKind::Truncated, f.body));
                }
                if f.wire_type != WT_LEN {
                    self.expect_wt(f, WT_FIXED64)?;
                }
                self.copy::<EMIT>(f);
                Ok(false)
            }
            Kind::PackedVarint => {
                if f.wire_type == WT_LEN {
                    check_packed_varints(f.body).map_err(|k| self.err(k, f.body))?;
                } else {
                    self.expect_wt(f, WT_VARINT)?;
                }
                self.copy::<EMIT>(f);
                Ok(false)
            }
        }
    }

    fn scalar<const EMIT: bool>(&mut self, f: &FieldRef<'a>, wt: u8) -> Result<bool, ScrubError> {
        self.expect_wt(f, wt)?;
        self.copy::<EMIT>(f);
        Ok(false)
    }

    #[inline]
    fn copy<const EMIT: bool>(&mut self, f: &FieldRef<'a>) {
        if EMIT {
            self.out.extend_from_slice(f.whole);
        }
    }

    /// A nested message field; records (log records, spans, data points) are
    /// counted here and removed when a `drop_record` action fired inside them.
    fn nested<const EMIT: bool>(
        &mut self,
        sub: &'static Schema,
        f: &FieldRef<'a>,
    ) -> Result<bool, ScrubError> {
        let mark = self.out.len();
        let pending = EMIT.then(|| begin_len(self.out, f.tag, f.body.len()));
        let drop = self.message::<EMIT>(sub, f.body)?;
        if sub.record {
            self.report.records_in += 1;
            if drop {
                self.out.truncate(mark);
                self.report.dropped_records += 1;
                return Ok(false);
            }
            self.report.records_out += 1;
        }
        if let Some(p) = pending {
            finish_len(self.out, p);
        }
        Ok(drop)
    }

    /// Writes a length-delimited field with `tag` and the bytes of `self.scratch`.
    fn write_scratch(&mut self, tag: &[u8]) {
        self.out.extend_from_slice(tag);
        put_varint(self.out, self.scratch.len() as u64);
        self.out.extend_from_slice(&self.scratch);
    }

    /// A string or bytes field: detectors, then verbatim copy or rewrite.
    fn text<const EMIT: bool>(&mut self, loc: Location, keyed: Keyed, f: &FieldRef<'a>) -> bool {
        if !EMIT {
            return false;
        }
        let key: &[u8] = if keyed == Keyed::Yes {
            &self.key_path
        } else {
            b""
        };
        match self.s.scrub_text(
            loc,
            key,
            f.body,
            &mut self.matches,
            &mut self.scratch,
            self.report,
        ) {
            None => {
                self.out.extend_from_slice(f.whole);
                false
            }
            Some(drop) => {
                self.write_scratch(f.tag);
                drop
            }
        }
    }

    /// One `KeyValue` field (tag included). `parent_len` is the length of the
    /// parent's key path in `self.key_path` (0 at the top level).
    fn key_value<const EMIT: bool>(
        &mut self,
        loc: Location,
        f: &FieldRef<'a>,
        parent_len: usize,
        depth: u32,
    ) -> Result<bool, ScrubError> {
        self.push("attributes");
        // Pass 1: find the key (proto3: the last occurrence wins) and check structure.
        let mut key: Option<FieldRef<'a>> = None;
        let mut r = Reader::new(f.body);
        while let Some(kf) = self.next(&mut r)? {
            match kf.number {
                1 => {
                    self.expect_wt(&kf, WT_LEN)?;
                    self.utf8(&kf)?;
                    key = Some(kf);
                }
                2 => self.expect_wt(&kf, WT_LEN)?,
                3 => self.expect_wt(&kf, WT_VARINT)?,
                _ => {}
            }
        }
        let key_bytes: &'a [u8] = key.map(|k| k.body).unwrap_or(&[]);
        self.key_path.truncate(parent_len);
        if parent_len > 0 {
            self.key_path.push(b'.');
        }
        self.key_path.extend_from_slice(key_bytes);
        let policy = if EMIT {
            if parent_len == 0 {
                let s = self.s;
                *self
                    .policies
                    .entry(key_bytes)
                    .or_insert_with(|| s.key_policy(key_bytes))
            } else {
                self.s.key_policy(&self.key_path)
            }
        } else {
            KeyPolicy::Scan
        };

        let pending = EMIT.then(|| begin_len(self.out, f.tag, f.body.len()));
        let mut drop = false;
        if EMIT {
            if let Some(kf) = key {
                drop |= self.text::<true>(Location::AttributeKey, Keyed::No, &kf);
            }
        }
        let mut r = Reader::new(f.body);
        while let Some(kf) = self.next(&mut r)? {
            match kf.number {
                1 => {}
                2 => {
                    self.push("value");
                    drop |= match policy {
                        KeyPolicy::Scan => {
                            self.any_value_field::<EMIT>(loc, Keyed::Yes, &kf, depth)?
                        }
                        other => {
                            self.any_value_field::<false>(loc, Keyed::Yes, &kf, depth)?;
                            if EMIT {
                                self.replace_value(other, loc, &kf);
                            }
                            false
                        }
                    };
                    self.pop();
                }
                3 => self.copy::<EMIT>(&kf),
                _ => self.unknown(&kf),
            }
        }
        if let Some(p) = pending {
            finish_len(self.out, p);
        }
        self.key_path.truncate(parent_len);
        self.pop();
        Ok(drop)
    }

    /// Writes `AnyValue { string_value: <replacement> }` for a whole value under a key rule.
    fn replace_value(&mut self, policy: KeyPolicy, loc: Location, f: &FieldRef<'a>) {
        self.scratch.clear();
        match policy {
            KeyPolicy::Scan => return,
            KeyPolicy::Redact(reason) => {
                self.s.count(reason, loc, self.report);
                self.scratch.extend_from_slice(self.s.token(reason));
            }
            KeyPolicy::Hash => {
                self.s.count(Reason::HashedKey, loc, self.report);
                self.hash_any_value(f.body);
            }
        }
        // AnyValue { 1: scratch }
        self.out.extend_from_slice(f.tag);
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
            Some((1 | 7, f)) => f.body.to_vec(),
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
    fn container_depth(&self, depth: u32, f: &FieldRef<'a>) -> Result<(), ScrubError> {
        if depth > self.s.limits.max_value_depth {
            return Err(self.err(ScrubErrorKind::TooDeep, f.whole));
        }
        Ok(())
    }

    /// An `AnyValue` field (tag included).
    fn any_value_field<const EMIT: bool>(
        &mut self,
        loc: Location,
        keyed: Keyed,
        f: &FieldRef<'a>,
        depth: u32,
    ) -> Result<bool, ScrubError> {
        if depth > self.s.limits.max_value_depth {
            return Err(self.err(ScrubErrorKind::TooDeep, f.whole));
        }
        let pending = EMIT.then(|| begin_len(self.out, f.tag, f.body.len()));
        let mut drop = false;
        let mut r = Reader::new(f.body);
        while let Some(v) = self.next(&mut r)? {
            match v.number {
                1 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.utf8(&v)?;
                    drop |= self.text::<EMIT>(loc, keyed, &v);
                }
                7 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.size(&v)?;
                    drop |= self.text::<EMIT>(loc, keyed, &v);
                }
                2 | 3 | 8 => self.scalar::<EMIT>(&v, WT_VARINT).map(|_| ())?,
                4 => self.scalar::<EMIT>(&v, WT_FIXED64).map(|_| ())?,
                5 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.container_depth(depth + 1, &v)?;
                    self.push("array_value");
                    drop |= self.array::<EMIT>(loc, keyed, &v, depth + 1)?;
                    self.pop();
                }
                6 => {
                    self.expect_wt(&v, WT_LEN)?;
                    self.container_depth(depth + 1, &v)?;
                    self.push("kvlist_value");
                    drop |= self.kvlist::<EMIT>(loc, &v, depth + 1)?;
                    self.pop();
                }
                _ => self.unknown(&v),
            }
        }
        if let Some(p) = pending {
            finish_len(self.out, p);
        }
        Ok(drop)
    }

    fn array<const EMIT: bool>(
        &mut self,
        loc: Location,
        keyed: Keyed,
        f: &FieldRef<'a>,
        depth: u32,
    ) -> Result<bool, ScrubError> {
        let pending = EMIT.then(|| begin_len(self.out, f.tag, f.body.len()));
        let mut drop = false;
        let mut r = Reader::new(f.body);
        while let Some(v) = self.next(&mut r)? {
            if v.number == 1 {
                self.expect_wt(&v, WT_LEN)?;
                drop |= self.any_value_field::<EMIT>(loc, keyed, &v, depth)?;
            } else {
                self.unknown(&v);
            }
        }
        if let Some(p) = pending {
            finish_len(self.out, p);
        }
        Ok(drop)
    }

    /// A `KeyValueList`: each entry gets the key rules of its full dotted path.
    fn kvlist<const EMIT: bool>(
        &mut self,
        loc: Location,
        f: &FieldRef<'a>,
        depth: u32,
    ) -> Result<bool, ScrubError> {
        let pending = EMIT.then(|| begin_len(self.out, f.tag, f.body.len()));
        let parent_len = self.key_path.len();
        let mut drop = false;
        let mut r = Reader::new(f.body);
        while let Some(v) = self.next(&mut r)? {
            if v.number == 1 {
                self.expect_wt(&v, WT_LEN)?;
                drop |= self.key_value::<EMIT>(loc, &v, parent_len, depth)?;
            } else {
                self.unknown(&v);
            }
        }
        self.key_path.truncate(parent_len);
        if let Some(p) = pending {
            finish_len(self.out, p);
        }
        Ok(drop)
    }
}
