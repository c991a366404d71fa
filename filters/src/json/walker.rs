//! The schema-driven walk: reads tokens, applies the shared walker semantics
//! (key policies, free-text detectors, record drop, unknown members) and writes
//! the scrubbed JSON. Unchanged tokens are copied as raw input ranges; only
//! replaced strings are re-encoded.

use std::io::Write as _;

use crate::detect::{KeyFacts, Match};
use crate::keycache::KeyCache;
use crate::{KeyPolicy, Location, Reason, Report, ScrubError, ScrubErrorKind, Scrubber};

use super::schema::{Kind, Msg};
use super::tokenizer::{err, write_string, Lexer};
use super::values::{
    base64_decode, base64_encode, is_hex_id, parse_double_number, parse_double_string, parse_int,
    IntType,
};

/// Raw JSON nesting allowed inside an unknown member (it is validated, then dropped).
const UNKNOWN_DEPTH: usize = 64;

/// Adds a schema path segment to errors coming out of a field.
trait Within {
    fn within(self, name: &str) -> Self;
}

impl<T> Within for Result<T, ScrubError> {
    #[inline]
    fn within(self, name: &str) -> Self {
        self.map_err(|mut e| {
            e.path = if e.path.is_empty() {
                name.to_string()
            } else {
                format!("{name}.{}", e.path)
            };
            e
        })
    }
}

/// Appends rewritten text as a JSON string; text that is not UTF-8 (a detector
/// that split a character) fails closed rather than emitting invalid JSON.
fn write_checked(out: &mut Vec<u8>, text: &[u8], offset: usize) -> Result<(), ScrubError> {
    if std::str::from_utf8(text).is_err() {
        return Err(err(ScrubErrorKind::InvalidUtf8, offset));
    }
    write_string(out, text);
    Ok(())
}

/// The members of `AnyValue` (a oneof: at most one may be set).
#[derive(Clone, Copy, PartialEq, Eq)]
enum AnyField {
    String,
    Bool,
    Int,
    Double,
    Array,
    Kvlist,
    Bytes,
    Strindex,
}

impl AnyField {
    fn from_name(name: &[u8]) -> Option<(Self, &'static str)> {
        Some(match name {
            b"stringValue" | b"string_value" => (Self::String, "string_value"),
            b"boolValue" | b"bool_value" => (Self::Bool, "bool_value"),
            b"intValue" | b"int_value" => (Self::Int, "int_value"),
            b"doubleValue" | b"double_value" => (Self::Double, "double_value"),
            b"arrayValue" | b"array_value" => (Self::Array, "array_value"),
            b"kvlistValue" | b"kvlist_value" => (Self::Kvlist, "kvlist_value"),
            b"bytesValue" | b"bytes_value" => (Self::Bytes, "bytes_value"),
            b"stringValueStrindex" | b"string_value_strindex" => {
                (Self::Strindex, "string_value_strindex")
            }
            _ => return None,
        })
    }

    fn quoted(self) -> &'static [u8] {
        match self {
            Self::String => b"\"stringValue\":",
            Self::Bool => b"\"boolValue\":",
            Self::Int => b"\"intValue\":",
            Self::Double => b"\"doubleValue\":",
            Self::Array => b"\"arrayValue\":",
            Self::Kvlist => b"\"kvlistValue\":",
            Self::Bytes => b"\"bytesValue\":",
            Self::Strindex => b"\"stringValueStrindex\":",
        }
    }
}

/// The members of `KeyValue`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KvField {
    Key,
    Value,
    KeyStrindex,
}

impl KvField {
    fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"key" => Some(Self::Key),
            b"value" => Some(Self::Value),
            b"keyStrindex" | b"key_strindex" => Some(Self::KeyStrindex),
            _ => None,
        }
    }
}

/// What a value under a `Hash` key policy turned out to be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hashed {
    /// No member set: an empty AnyValue.
    Empty,
    /// A scalar: its `hmac:` text is in `Walker::hash`.
    Scalar,
    /// An array or kvlist: replaced by the `hashed_key` token.
    Container,
}

/// One walk over one payload. Every buffer here is allocated once per call.
pub(super) struct Walker<'a> {
    s: &'a Scrubber,
    lx: Lexer<'a>,
    out: &'a mut Vec<u8>,
    report: &'a mut Report,
    /// Write output and apply key policies and detectors. False when validating,
    /// in passthrough, and inside a value that is being replaced whole.
    emit: bool,
    /// Count unknown members (a scrubbing profile, outside replaced values).
    count_unknown: bool,
    /// Nesting of values being replaced whole (their insides are only validated).
    replacing: u32,
    /// A `drop_record` action fired inside the current record.
    drop: bool,
    max_string: usize,
    max_depth: u32,
    matches: Vec<Match>,
    /// Rewritten text from `Scrubber::scrub_text`.
    scratch: Vec<u8>,
    /// Decoded `bytesValue`.
    bytes: Vec<u8>,
    /// Dotted key path of the current attribute value (original key text).
    path: Vec<u8>,
    /// `hmac:` replacement of a value under a `Hash` key policy.
    hash: Vec<u8>,
    hashed: Hashed,
    /// Canonical text of a number being hashed.
    num: Vec<u8>,
    /// Decisions about attribute keys: this thread's table, taken on the
    /// first key of the call and given back when the walker is dropped.
    keys: Option<KeyCache>,
}

impl Drop for Walker<'_> {
    fn drop(&mut self) {
        if let Some(keys) = self.keys.take() {
            keys.give_back();
        }
    }
}

impl<'a> Walker<'a> {
    pub fn new(
        s: &'a Scrubber,
        input: &'a [u8],
        out: &'a mut Vec<u8>,
        report: &'a mut Report,
        emit: bool,
    ) -> Self {
        if emit {
            out.reserve(input.len());
        }
        Self {
            s,
            lx: Lexer::new(input),
            out,
            report,
            emit,
            count_unknown: s.is_scrubbing(),
            replacing: 0,
            drop: false,
            max_string: s.limits.max_string_bytes,
            max_depth: s.limits.max_value_depth,
            matches: Vec::new(),
            scratch: Vec::new(),
            bytes: Vec::new(),
            path: Vec::new(),
            hash: Vec::new(),
            hashed: Hashed::Empty,
            num: Vec::new(),
            keys: None,
        }
    }

    /// Walks the whole payload as `root` and checks nothing follows it.
    pub fn run(&mut self, root: &'static Msg) -> Result<(), ScrubError> {
        self.message(root)?;
        if self.lx.at_end() {
            Ok(())
        } else {
            Err(err(ScrubErrorKind::BadJson, self.lx.pos))
        }
    }

    fn bad_json(&self) -> ScrubError {
        err(ScrubErrorKind::BadJson, self.lx.pos)
    }

    /// Writes `,` unless this is the first member or element.
    #[inline]
    fn comma(&mut self, first: &mut bool) {
        if !*first {
            self.out.push(b',');
        }
        *first = false;
    }

    /// Skips an unknown member's value after validating it; counts it as dropped.
    fn unknown(&mut self) -> Result<(), ScrubError> {
        self.lx.skip_value(UNKNOWN_DEPTH, self.max_string)?;
        if self.count_unknown && self.replacing == 0 {
            self.report.unknown_fields_dropped += 1;
        }
        Ok(())
    }

    // ---- messages ----

    /// A message described by a schema table.
    fn message(&mut self, msg: &'static Msg) -> Result<(), ScrubError> {
        if self.lx.peek() != Some(b'{') {
            return Err(self.bad_json());
        }
        let has_members = self.lx.open_object()?;
        if self.emit {
            self.out.push(b'{');
        }
        if has_members {
            let mut first = true;
            let mut seen = 0u32;
            let mut oneofs = 0u8;
            loop {
                let name = self.lx.member_name(self.max_string)?;
                match msg.find(self.lx.content(&name)) {
                    None => self.unknown()?,
                    Some(i) => {
                        let f = &msg.fields[i];
                        if seen & (1 << i) != 0 {
                            return Err(err(ScrubErrorKind::BadJson, name.start)).within(f.proto);
                        }
                        seen |= 1 << i;
                        if !self.lx.null()? {
                            if f.oneof != 0 {
                                if oneofs & (1 << f.oneof) != 0 {
                                    return Err(err(ScrubErrorKind::BadJson, name.start))
                                        .within(f.proto);
                                }
                                oneofs |= 1 << f.oneof;
                            }
                            if self.emit {
                                self.comma(&mut first);
                                self.out.extend_from_slice(f.quoted.as_bytes());
                            }
                            self.field(f.kind).within(f.proto)?;
                        }
                    }
                }
                if !self.lx.next_member()? {
                    break;
                }
            }
        }
        if self.emit {
            self.out.push(b'}');
        }
        Ok(())
    }

    fn field(&mut self, kind: Kind) -> Result<(), ScrubError> {
        match kind {
            Kind::Text(loc) => self.text(loc),
            Kind::TextList(loc) => self.list(|w| w.text(loc)),
            Kind::Attributes(loc) => self.list(|w| w.key_value(loc, 0)),
            Kind::Body(loc) => self.any_value(loc, 0, false),
            Kind::HexId(bytes) => self.hex_id(bytes),
            Kind::Int(ty) => self.int(ty).map(drop),
            Kind::IntList(ty) => self.list(|w| w.int(ty).map(drop)),
            Kind::Double => self.double().map(drop),
            Kind::DoubleList => self.list(|w| w.double().map(drop)),
            Kind::Bool => self.boolean().map(drop),
            Kind::Enum(names) => self.enumeration(names),
            Kind::Message(m) => self.message(m),
            Kind::MessageList(m) => self.message_list(m),
        }
    }

    /// A JSON array, each element walked by `each`.
    fn list(
        &mut self,
        mut each: impl FnMut(&mut Self) -> Result<(), ScrubError>,
    ) -> Result<(), ScrubError> {
        if self.lx.peek() != Some(b'[') {
            return Err(self.bad_json());
        }
        let has_elements = self.lx.open_array()?;
        if self.emit {
            self.out.push(b'[');
        }
        if has_elements {
            let mut first = true;
            loop {
                if self.emit {
                    self.comma(&mut first);
                }
                each(self)?;
                if !self.lx.next_element()? {
                    break;
                }
            }
        }
        if self.emit {
            self.out.push(b']');
        }
        Ok(())
    }

    /// A repeated message; records whose scrubbing fired a drop are left out.
    fn message_list(&mut self, msg: &'static Msg) -> Result<(), ScrubError> {
        if self.lx.peek() != Some(b'[') {
            return Err(self.bad_json());
        }
        let has_elements = self.lx.open_array()?;
        if self.emit {
            self.out.push(b'[');
        }
        if has_elements {
            let mut kept = 0usize;
            loop {
                let mark = self.out.len();
                if self.emit && kept > 0 {
                    self.out.push(b',');
                }
                if msg.record {
                    self.drop = false;
                    self.report.records_in += 1;
                }
                self.message(msg)?;
                if msg.record && self.drop {
                    self.out.truncate(mark);
                    self.report.dropped_records += 1;
                    self.drop = false;
                } else {
                    kept += 1;
                    if msg.record {
                        self.report.records_out += 1;
                    }
                }
                if !self.lx.next_element()? {
                    break;
                }
            }
        }
        if self.emit {
            self.out.push(b']');
        }
        Ok(())
    }

    // ---- scalars ----

    /// A free-text string field.
    fn text(&mut self, loc: Location) -> Result<(), ScrubError> {
        let st = self.lx.string(self.max_string)?;
        if !self.emit {
            return Ok(());
        }
        let text = self.lx.content(&st);
        match self.s.scrub_text(
            loc,
            b"",
            KeyFacts::NONE,
            text,
            &mut self.matches,
            &mut self.scratch,
            self.report,
        ) {
            None => self.out.extend_from_slice(self.lx.raw(st.start, st.end)),
            Some(drop) => {
                self.drop |= drop;
                write_checked(self.out, &self.scratch, self.lx.pos)?;
            }
        }
        Ok(())
    }

    fn hex_id(&mut self, bytes: usize) -> Result<(), ScrubError> {
        let st = self.lx.string(self.max_string)?;
        if !is_hex_id(self.lx.content(&st), bytes) {
            return Err(err(ScrubErrorKind::BadValue, st.start));
        }
        if self.emit {
            self.out.extend_from_slice(self.lx.raw(st.start, st.end));
        }
        Ok(())
    }

    /// An integer as a JSON integer or a decimal string; copied as written.
    fn int(&mut self, ty: IntType) -> Result<i128, ScrubError> {
        let start = match self.lx.peek() {
            Some(b'"' | b'-' | b'0'..=b'9') => self.lx.pos,
            _ => return Err(self.bad_json()),
        };
        let value = if self.lx.buf[start] == b'"' {
            let st = self.lx.string(self.max_string)?;
            parse_int(self.lx.content(&st), ty)
        } else {
            let n = self.lx.number()?;
            if n.integer {
                parse_int(self.lx.raw(n.start, n.end), ty)
            } else {
                None
            }
        };
        let value = value.ok_or_else(|| err(ScrubErrorKind::BadValue, start))?;
        if self.emit {
            self.out.extend_from_slice(self.lx.raw(start, self.lx.pos));
        }
        Ok(value)
    }

    /// A double as a JSON number, `"NaN"`, `"Infinity"`, `"-Infinity"` or a numeric string.
    fn double(&mut self) -> Result<f64, ScrubError> {
        let start = match self.lx.peek() {
            Some(b'"' | b'-' | b'0'..=b'9') => self.lx.pos,
            _ => return Err(self.bad_json()),
        };
        let value = if self.lx.buf[start] == b'"' {
            let st = self.lx.string(self.max_string)?;
            parse_double_string(self.lx.content(&st))
        } else {
            let n = self.lx.number()?;
            parse_double_number(self.lx.raw(n.start, n.end))
        };
        let value = value.ok_or_else(|| err(ScrubErrorKind::BadValue, start))?;
        if self.emit {
            self.out.extend_from_slice(self.lx.raw(start, self.lx.pos));
        }
        Ok(value)
    }

    fn boolean(&mut self) -> Result<bool, ScrubError> {
        self.lx.peek();
        let start = self.lx.pos;
        let value = self.lx.boolean()?;
        if self.emit {
            self.out.extend_from_slice(self.lx.raw(start, self.lx.pos));
        }
        Ok(value)
    }

    /// An enum as an int32 or one of its value names.
    fn enumeration(&mut self, names: &[&str]) -> Result<(), ScrubError> {
        if self.lx.peek() == Some(b'"') {
            let st = self.lx.string(self.max_string)?;
            let name = self.lx.content(&st);
            if !names.iter().any(|n| n.as_bytes() == name) {
                return Err(err(ScrubErrorKind::BadValue, st.start));
            }
            if self.emit {
                self.out.extend_from_slice(self.lx.raw(st.start, st.end));
            }
            Ok(())
        } else {
            self.int(IntType::I32).map(drop)
        }
    }

    // ---- attributes ----

    /// One `KeyValue`. The key is needed before the value (its policy), but JSON
    /// member order is free: when `value` comes first the rest of the object is
    /// scanned for the key, then the walk resumes at the value.
    fn key_value(&mut self, loc: Location, depth: u32) -> Result<(), ScrubError> {
        if self.lx.peek() != Some(b'{') {
            return Err(self.bad_json());
        }
        let has_members = self.lx.open_object()?;
        if self.emit {
            self.out.push(b'{');
        }
        let base = self.path.len();
        let mut first = true;
        // Offset of the key's string token once taken (possibly ahead of the walk).
        let mut key_at: Option<usize> = None;
        let mut path_set = false;
        let (mut seen_key, mut seen_value, mut seen_strindex) = (false, false, false);
        if has_members {
            loop {
                let name = self.lx.member_name(self.max_string)?;
                match KvField::from_name(self.lx.content(&name)) {
                    Some(KvField::Key) => {
                        if seen_key {
                            return Err(err(ScrubErrorKind::BadJson, name.start)).within("key");
                        }
                        seen_key = true;
                        if !self.lx.null()? {
                            let at = self.lx.pos;
                            if key_at == Some(at) {
                                // Taken by the look-ahead; already validated and written.
                                self.lx.string(self.max_string)?;
                            } else {
                                self.take_key(base, &mut first).within("key")?;
                                key_at = Some(at);
                                path_set = true;
                            }
                        }
                    }
                    Some(KvField::Value) => {
                        if seen_value {
                            return Err(err(ScrubErrorKind::BadJson, name.start)).within("value");
                        }
                        seen_value = true;
                        if !self.lx.null()? {
                            if !path_set {
                                // Only policies need the key early; validation does not.
                                if !seen_key && self.emit {
                                    key_at = self.look_ahead_key(base, depth, &mut first)?;
                                }
                                if key_at.is_none() {
                                    self.push_key(base, b"");
                                }
                                path_set = true;
                            }
                            if self.emit {
                                self.comma(&mut first);
                                self.out.extend_from_slice(b"\"value\":");
                            }
                            self.kv_value(loc, depth).within("value")?;
                        }
                    }
                    Some(KvField::KeyStrindex) => {
                        if seen_strindex {
                            return Err(err(ScrubErrorKind::BadJson, name.start))
                                .within("key_strindex");
                        }
                        seen_strindex = true;
                        if !self.lx.null()? {
                            if self.emit {
                                self.comma(&mut first);
                                self.out.extend_from_slice(b"\"keyStrindex\":");
                            }
                            self.int(IntType::I32).within("key_strindex")?;
                        }
                    }
                    None => self.unknown()?,
                }
                if !self.lx.next_member()? {
                    break;
                }
            }
        }
        if self.emit {
            self.out.push(b'}');
        }
        self.path.truncate(base);
        Ok(())
    }

    /// Sets the key path: the parent path, a dot when it is non-empty, the key.
    fn push_key(&mut self, base: usize, key: &[u8]) {
        self.path.truncate(base);
        if base > 0 {
            self.path.push(b'.');
        }
        self.path.extend_from_slice(key);
    }

    /// Reads the key string at the cursor into the path and writes it out, scrubbed
    /// as an attribute key.
    fn take_key(&mut self, base: usize, first: &mut bool) -> Result<(), ScrubError> {
        let st = self.lx.string(self.max_string)?;
        let key = self.lx.content(&st);
        self.path.truncate(base);
        if base > 0 {
            self.path.push(b'.');
        }
        let key_start = self.path.len();
        self.path.extend_from_slice(key);
        if !self.emit {
            return Ok(());
        }
        self.comma(first);
        self.out.extend_from_slice(b"\"key\":");
        match self.s.scrub_text(
            Location::AttributeKey,
            b"",
            KeyFacts::NONE,
            &self.path[key_start..],
            &mut self.matches,
            &mut self.scratch,
            self.report,
        ) {
            None => self.out.extend_from_slice(self.lx.raw(st.start, st.end)),
            Some(drop) => {
                self.drop |= drop;
                write_checked(self.out, &self.scratch, self.lx.pos)?;
            }
        }
        Ok(())
    }

    /// At a `value` that precedes its key: finds the object's `key` member ahead,
    /// takes it, and returns the cursor to the value. Returns the key's offset.
    fn look_ahead_key(
        &mut self,
        base: usize,
        depth: u32,
        first: &mut bool,
    ) -> Result<Option<usize>, ScrubError> {
        let resume = self.lx.pos;
        // Raw JSON depth of a legal value: up to 4 levels per AnyValue container,
        // plus what unknown members may nest.
        let max_json_depth =
            4 * (self.max_depth.saturating_sub(depth) as usize + 1) + UNKNOWN_DEPTH;
        self.lx.skip_value(max_json_depth, self.max_string)?;
        let mut found = None;
        while self.lx.next_member()? {
            let name = self.lx.member_name(self.max_string)?;
            if self.lx.content(&name) == b"key" {
                if self.lx.peek() == Some(b'"') {
                    found = Some(self.lx.pos);
                    self.take_key(base, first).within("key")?;
                }
                // A null key is absent; a key of another type fails when the walk gets there.
                break;
            }
            self.lx.skip_value(max_json_depth, self.max_string)?;
        }
        self.lx.pos = resume;
        Ok(found)
    }

    /// The value of a `KeyValue`, under the policy of its key path.
    fn kv_value(&mut self, loc: Location, depth: u32) -> Result<(), ScrubError> {
        if !self.emit {
            return self.any_value(loc, depth, false);
        }
        let keys = self.keys.get_or_insert_with(KeyCache::take);
        match self.s.key_info(keys, &self.path, &mut self.matches).policy {
            KeyPolicy::Scan => self.any_value(loc, depth, false),
            KeyPolicy::Redact(reason) => {
                self.quietly(|w| w.any_value(loc, depth, false))?;
                self.s.count(reason, loc, self.report);
                self.write_replacement(self.s.token(reason));
                Ok(())
            }
            KeyPolicy::Hash => {
                self.hashed = Hashed::Empty;
                self.quietly(|w| w.any_value(loc, depth, true))?;
                self.s.count(Reason::HashedKey, loc, self.report);
                if self.hashed == Hashed::Scalar {
                    self.out.extend_from_slice(b"{\"stringValue\":");
                    write_checked(self.out, &self.hash, self.lx.pos)?;
                    self.out.push(b'}');
                } else {
                    self.write_replacement(self.s.token(Reason::HashedKey));
                }
                Ok(())
            }
        }
    }

    /// What the current key path says about its value (cached with its rule).
    fn path_facts(&mut self) -> KeyFacts {
        if self.path.is_empty() {
            return KeyFacts::NONE;
        }
        let keys = self.keys.get_or_insert_with(KeyCache::take);
        self.s.key_info(keys, &self.path, &mut self.matches).facts
    }

    /// `{"stringValue":"<text>"}`.
    fn write_replacement(&mut self, text: &[u8]) {
        self.out.extend_from_slice(b"{\"stringValue\":");
        write_string(self.out, text);
        self.out.push(b'}');
    }

    /// Walks a value that is being replaced whole: validated, nothing written,
    /// no detectors, its unknown members not counted.
    fn quietly(
        &mut self,
        walk: impl FnOnce(&mut Self) -> Result<(), ScrubError>,
    ) -> Result<(), ScrubError> {
        let emit = self.emit;
        self.emit = false;
        self.replacing += 1;
        let result = walk(self);
        self.emit = emit;
        self.replacing -= 1;
        result
    }

    // ---- AnyValue ----

    /// One `AnyValue` with `depth` enclosing arrays/kvlists. Under `hash` (a `Hash`
    /// key policy; `emit` is off) scalars are hashed into `self.hash`.
    fn any_value(&mut self, loc: Location, depth: u32, hash: bool) -> Result<(), ScrubError> {
        if self.lx.peek() != Some(b'{') {
            return Err(self.bad_json());
        }
        let has_members = self.lx.open_object()?;
        if self.emit {
            self.out.push(b'{');
        }
        if has_members {
            let mut first = true;
            let mut set = false;
            loop {
                let name = self.lx.member_name(self.max_string)?;
                match AnyField::from_name(self.lx.content(&name)) {
                    None => self.unknown()?,
                    Some((field, proto)) => {
                        if !self.lx.null()? {
                            if set {
                                // A oneof with two members set.
                                return Err(err(ScrubErrorKind::BadJson, name.start)).within(proto);
                            }
                            set = true;
                            if self.emit {
                                self.comma(&mut first);
                                self.out.extend_from_slice(field.quoted());
                            }
                            self.any_member(field, loc, depth, hash).within(proto)?;
                        }
                    }
                }
                if !self.lx.next_member()? {
                    break;
                }
            }
        }
        if self.emit {
            self.out.push(b'}');
        }
        Ok(())
    }

    fn any_member(
        &mut self,
        field: AnyField,
        loc: Location,
        depth: u32,
        hash: bool,
    ) -> Result<(), ScrubError> {
        match field {
            AnyField::String => self.any_string(loc, hash),
            AnyField::Bytes => self.any_bytes(loc, hash),
            AnyField::Bool => {
                let v = self.boolean()?;
                if hash {
                    self.hash_scalar(if v { b"true" } else { b"false" });
                }
                Ok(())
            }
            AnyField::Int | AnyField::Strindex => {
                let ty = if field == AnyField::Int {
                    IntType::I64
                } else {
                    IntType::I32
                };
                let v = self.int(ty)?;
                if hash {
                    self.num.clear();
                    let _ = write!(self.num, "{v}");
                    self.hash_number();
                }
                Ok(())
            }
            AnyField::Double => {
                let v = self.double()?;
                if hash {
                    self.num.clear();
                    let _ = write!(self.num, "{v}");
                    self.hash_number();
                }
                Ok(())
            }
            AnyField::Array | AnyField::Kvlist => {
                if hash {
                    self.hashed = Hashed::Container;
                }
                self.values(loc, depth + 1, field == AnyField::Kvlist)
            }
        }
    }

    fn hash_scalar(&mut self, value: &[u8]) {
        self.hash.clear();
        self.s.write_hash(value, &mut self.hash);
        self.hashed = Hashed::Scalar;
    }

    fn hash_number(&mut self) {
        self.hash.clear();
        self.s.write_hash(&self.num, &mut self.hash);
        self.hashed = Hashed::Scalar;
    }

    fn any_string(&mut self, loc: Location, hash: bool) -> Result<(), ScrubError> {
        let st = self.lx.string(self.max_string)?;
        if hash {
            self.hash.clear();
            self.s.write_hash(self.lx.content(&st), &mut self.hash);
            self.hashed = Hashed::Scalar;
        }
        if !self.emit {
            return Ok(());
        }
        let facts = self.path_facts();
        match self.s.scrub_text(
            loc,
            &self.path,
            facts,
            self.lx.content(&st),
            &mut self.matches,
            &mut self.scratch,
            self.report,
        ) {
            None => self.out.extend_from_slice(self.lx.raw(st.start, st.end)),
            Some(drop) => {
                self.drop |= drop;
                write_checked(self.out, &self.scratch, self.lx.pos)?;
            }
        }
        Ok(())
    }

    /// `bytesValue`: base64 in JSON. Scanned on the decoded bytes; re-encoded
    /// (standard, padded) only if something changed.
    fn any_bytes(&mut self, loc: Location, hash: bool) -> Result<(), ScrubError> {
        // The limit is on the decoded bytes; allow for base64's 4/3 expansion first.
        let st = self
            .lx
            .string(self.max_string.saturating_add(2) / 3 * 4 + 4)?;
        if !base64_decode(self.lx.content(&st), &mut self.bytes) {
            return Err(err(ScrubErrorKind::BadValue, st.start));
        }
        if self.bytes.len() > self.max_string {
            return Err(err(ScrubErrorKind::TooLarge, st.start));
        }
        if hash {
            self.hash.clear();
            self.s.write_hash(&self.bytes, &mut self.hash);
            self.hashed = Hashed::Scalar;
        }
        if !self.emit {
            return Ok(());
        }
        let facts = self.path_facts();
        match self.s.scrub_text(
            loc,
            &self.path,
            facts,
            &self.bytes,
            &mut self.matches,
            &mut self.scratch,
            self.report,
        ) {
            None => self.out.extend_from_slice(self.lx.raw(st.start, st.end)),
            Some(drop) => {
                self.drop |= drop;
                self.out.push(b'"');
                base64_encode(&self.scratch, self.out);
                self.out.push(b'"');
            }
        }
        Ok(())
    }

    /// `ArrayValue` or `KeyValueList` (`{"values": [...]}`) at container depth `depth`.
    fn values(&mut self, loc: Location, depth: u32, kvlist: bool) -> Result<(), ScrubError> {
        if depth > self.max_depth {
            return Err(err(ScrubErrorKind::TooDeep, self.lx.pos));
        }
        if self.lx.peek() != Some(b'{') {
            return Err(self.bad_json());
        }
        let has_members = self.lx.open_object()?;
        if self.emit {
            self.out.push(b'{');
        }
        if has_members {
            let mut seen = false;
            loop {
                let name = self.lx.member_name(self.max_string)?;
                if self.lx.content(&name) == b"values" {
                    if seen {
                        return Err(err(ScrubErrorKind::BadJson, name.start)).within("values");
                    }
                    seen = true;
                    if !self.lx.null()? {
                        if self.emit {
                            self.out.extend_from_slice(b"\"values\":");
                        }
                        let walked = if kvlist {
                            self.list(|w| w.key_value(loc, depth))
                        } else {
                            self.list(|w| w.any_value(loc, depth, false))
                        };
                        walked.within("values")?;
                    }
                } else {
                    self.unknown()?;
                }
                if !self.lx.next_member()? {
                    break;
                }
            }
        }
        if self.emit {
            self.out.push(b'}');
        }
        Ok(())
    }
}
