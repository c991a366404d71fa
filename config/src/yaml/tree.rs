//! A YAML document as a tree of located nodes.
//!
//! serde-saphyr parses the text (syntax errors and duplicate keys come back with exact
//! positions) into this tree via its `Spanned` wrapper; everything after that (typed
//! deserialization with key paths, validation, secrets) works on the tree, so every later
//! problem can still be pointed at a line and column.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};

use crate::error::{ConfigError, Pos, Problem};
use crate::path::{KeyPath, Seg};

/// A node and where it starts in the source.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub pos: Pos,
    pub kind: Kind,
    /// The source text of a non-string scalar (`0x10`, `yes`, `8080`), so that a string-typed
    /// key given an unquoted number still receives exactly what was written.
    pub raw: Option<String>,
}

/// What a node holds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    /// Items with their index in the source list: pruning a bad item must not renumber the
    /// items after it, or their problems would name the wrong index.
    Seq(Vec<(usize, Node)>),
    Map(Vec<Entry>),
}

/// One `key: value` pair of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Kind {
    /// How the node is described in "expected X, found Y" messages. Never the value itself:
    /// the value might be a secret.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "nothing (null)",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) | Kind::UInt(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Parses `src` into a tree. `origin` names the source in the error.
pub(crate) fn parse(src: &str, origin: &str) -> Result<Node, ConfigError> {
    match serde_saphyr::from_str::<Spanned<RawNode>>(src) {
        Ok(root) => Ok(convert(root, src)),
        Err(err) => {
            let message = UserMessageFormatter
                .format_message(&err)
                .escape_debug()
                .to_string();
            let mut problem = Problem::new(origin, KeyPath::root(), message);
            problem.pos = err.location().and_then(|l| pos_of(&l));
            Err(ConfigError::new(vec![problem]))
        }
    }
}

fn pos_of(loc: &serde_saphyr::Location) -> Option<Pos> {
    let line = u32::try_from(loc.line()).ok()?;
    let column = u32::try_from(loc.column()).ok()?;
    (line > 0).then_some(Pos { line, column })
}

/// The source text a span covers, when the parser knows byte offsets.
fn raw_text(loc: &serde_saphyr::Location, src: &str) -> Option<String> {
    let span = loc.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    src.get(start..start.checked_add(len)?).map(str::to_owned)
}

fn convert(spanned: Spanned<RawNode>, src: &str) -> Node {
    let loc = spanned.referenced;
    let pos = pos_of(&loc).unwrap_or(Pos { line: 1, column: 1 });
    let (kind, scalar) = match spanned.value {
        RawNode::Null => (Kind::Null, false),
        RawNode::Bool(b) => (Kind::Bool(b), true),
        RawNode::Int(i) => (Kind::Int(i), true),
        RawNode::UInt(u) => (Kind::UInt(u), true),
        RawNode::Float(f) => (Kind::Float(f), true),
        RawNode::Str(s) => (Kind::Str(s), false),
        RawNode::Seq(items) => (
            Kind::Seq(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| (i, convert(n, src)))
                    .collect(),
            ),
            false,
        ),
        RawNode::Map(entries) => (
            Kind::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| Entry {
                        key_pos: pos_of(&k.referenced).unwrap_or(pos),
                        key: k.value,
                        value: convert(v, src),
                    })
                    .collect(),
            ),
            false,
        ),
    };
    let raw = if scalar { raw_text(&loc, src) } else { None };
    Node { pos, kind, raw }
}

impl Node {
    /// An empty document: nothing in it can be located.
    pub(crate) fn empty() -> Node {
        Node {
            pos: Pos { line: 1, column: 1 },
            kind: Kind::Null,
            raw: None,
        }
    }

    /// The node at `path`, if there is one.
    pub(crate) fn get(&self, path: &KeyPath) -> Option<&Node> {
        path.segments()
            .iter()
            .try_fold(self, |node, seg| node.child(seg))
    }

    /// True if a node exists at `path`.
    pub(crate) fn contains(&self, path: &KeyPath) -> bool {
        self.get(path).is_some()
    }

    fn child(&self, seg: &Seg) -> Option<&Node> {
        match (&self.kind, seg) {
            (Kind::Map(entries), Seg::Key(k)) => {
                entries.iter().find(|e| &e.key == k).map(|e| &e.value)
            }
            (Kind::Seq(items), Seg::Index(i)) => items.iter().find(|(j, _)| j == i).map(|(_, n)| n),
            _ => None,
        }
    }

    /// The best position for a problem about `path`: the node itself if it exists, else the
    /// nearest ancestor below the root that does (a missing key is reported where its
    /// mapping starts); `None` when nothing on the path is written in the file.
    pub(crate) fn locate(&self, path: &KeyPath) -> Option<Pos> {
        let mut node = self;
        let mut pos = None;
        for seg in path.segments() {
            match node.child(seg) {
                Some(child) => {
                    pos = Some(child.pos);
                    node = child;
                }
                None => return pos,
            }
        }
        pos
    }

    /// The position of the key at the end of `path` (for problems about a key's name or
    /// presence rather than its value); falls back to [`Node::locate`].
    pub(crate) fn locate_key(&self, path: &KeyPath) -> Option<Pos> {
        let found = path
            .last_key()
            .and_then(|key| match &self.get(&path.parent())?.kind {
                Kind::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| e.key_pos),
                _ => None,
            });
        found.or_else(|| self.locate(path))
    }

    /// Removes the deepest node that exists along `path` and returns the path of what was
    /// removed; `None` when only the root matches (nothing can be removed).
    pub(crate) fn prune(&mut self, path: &KeyPath) -> Option<KeyPath> {
        let segs = path.segments();
        let mut depth = 0;
        let mut node: &Node = self;
        while depth < segs.len() {
            match node.child(&segs[depth]) {
                Some(child) => {
                    node = child;
                    depth += 1;
                }
                None => break,
            }
        }
        if depth == 0 {
            return None;
        }
        let target = KeyPath::from_segments(segs[..depth].to_vec());
        let parent = self.get_mut(&target.parent())?;
        match (&mut parent.kind, &segs[depth - 1]) {
            (Kind::Map(entries), Seg::Key(k)) => entries.retain(|e| &e.key != k),
            (Kind::Seq(items), Seg::Index(i)) => items.retain(|(j, _)| j != i),
            _ => return None,
        }
        Some(target)
    }

    fn get_mut(&mut self, path: &KeyPath) -> Option<&mut Node> {
        let mut node = self;
        for seg in path.segments() {
            node = match (&mut node.kind, seg) {
                (Kind::Map(entries), Seg::Key(k)) => {
                    &mut entries.iter_mut().find(|e| &e.key == k)?.value
                }
                (Kind::Seq(items), Seg::Index(i)) => &mut items.iter_mut().find(|(j, _)| j == i)?.1,
                _ => return None,
            };
        }
        Some(node)
    }
}

/// The shape serde-saphyr deserializes into; positions come from the `Spanned` wrappers.
enum RawNode {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<String>, Spanned<RawNode>)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map_or(RawNode::UInt(v), RawNode::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(RawNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(src: &str) -> Node {
        match parse(src, "t.yaml") {
            Ok(n) => n,
            Err(p) => panic!("{p}"),
        }
    }

    #[test]
    fn positions_and_raw_scalars() {
        let t = tree("a: 1\nb:\n  c: [x, 0x10]\n  d: yes\n");
        let c1 = KeyPath::keys(&["b", "c"]).index(1);
        let n = t.get(&c1).map(|n| (n.pos, n.kind.clone(), n.raw.clone()));
        assert_eq!(
            n,
            Some((
                Pos {
                    line: 3,
                    column: 10
                },
                Kind::Int(16),
                Some("0x10".into())
            ))
        );
        assert_eq!(
            t.locate_key(&KeyPath::keys(&["b", "d"])),
            Some(Pos { line: 4, column: 3 })
        );
        // A missing key is located at the nearest existing ancestor.
        assert_eq!(
            t.locate(&KeyPath::keys(&["b", "zz"])),
            Some(Pos { line: 3, column: 3 })
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let pos_of_error = |src: &str| {
            parse(src, "t.yaml")
                .err()
                .and_then(|e| e.problems().first().and_then(|p| p.pos))
        };
        assert_eq!(pos_of_error("a: [1,\n"), Some(Pos { line: 1, column: 4 }));
        assert_eq!(
            pos_of_error("a: 1\na: 2\n"),
            Some(Pos { line: 2, column: 1 })
        );
    }

    #[test]
    fn prune_removes_deepest_existing_node() {
        let mut t = tree("a:\n  b: 1\n  c: 2\nl: [1, 2]\n");
        let removed = t.prune(&KeyPath::keys(&["a", "b", "x"]));
        assert_eq!(removed, Some(KeyPath::keys(&["a", "b"])));
        assert!(t.get(&KeyPath::keys(&["a", "b"])).is_none());
        assert!(t.get(&KeyPath::keys(&["a", "c"])).is_some());
        let removed = t.prune(&KeyPath::keys(&["l"]).index(0));
        assert_eq!(removed, Some(KeyPath::keys(&["l"]).index(0)));
        // The remaining item keeps its source index.
        assert!(t.get(&KeyPath::keys(&["l"]).index(1)).is_some());
        assert!(t.get(&KeyPath::keys(&["l"]).index(0)).is_none());
        assert_eq!(t.prune(&KeyPath::keys(&["zz"])), None);
    }
}
