//! A serde `Deserializer` over the located tree that knows the key path of every node.
//!
//! Errors raised while deserializing a node are located at that node (innermost wins), so
//! that "unknown key", "unknown value" and "expected X, found Y" all carry a key path and a
//! line and column. Type mismatches are described by kind, never by value.

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::error::DeError;
use super::tree::{Entry, Kind, Node};
use crate::error::Pos;
use crate::path::KeyPath;

/// Deserializes one node; `path` is where the node sits in the document.
pub(crate) struct NodeDe<'a> {
    node: &'a Node,
    path: KeyPath,
}

impl<'a> NodeDe<'a> {
    pub(crate) fn new(node: &'a Node, path: KeyPath) -> Self {
        NodeDe { node, path }
    }

    fn at(&self, e: DeError) -> DeError {
        e.located(&self.path, self.node.pos)
    }

    fn mismatch(&self, expected: impl Into<String>) -> DeError {
        self.at(DeError::mismatch(self.node.kind.describe(), expected))
    }
}

impl<'de> Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.kind {
            Kind::Null => v.visit_unit(),
            Kind::Bool(b) => v.visit_bool(*b),
            Kind::Int(i) => v.visit_i64(*i),
            Kind::UInt(u) => v.visit_u64(*u),
            Kind::Float(f) => v.visit_f64(*f),
            Kind::Str(s) => v.visit_borrowed_str(s),
            Kind::Seq(items) => v.visit_seq(SeqDe::new(items, self.path.clone())),
            Kind::Map(entries) => v.visit_map(MapDe::new(entries, self.path.clone())),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match (&self.node.kind, &self.node.raw) {
            (Kind::Str(s), _) => v.visit_borrowed_str(s),
            // An unquoted `8080` or `yes` where a string is expected: use what was written.
            (Kind::Bool(_) | Kind::Int(_) | Kind::UInt(_) | Kind::Float(_), Some(raw)) => {
                v.visit_str(raw)
            }
            _ => return Err(self.mismatch("a string")),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            Kind::Bool(b) => v.visit_bool(b).map_err(|e| self.at(e)),
            _ => Err(self.mismatch("true or false")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            Kind::Null => v.visit_none().map_err(|e| self.at(e)),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            Kind::Null => v.visit_unit().map_err(|e| self.at(e)),
            _ => Err(self.mismatch("nothing (null)")),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.kind {
            Kind::Seq(items) => v.visit_seq(SeqDe::new(items, self.path.clone())),
            // `allow_keys:` with nothing after it: an empty list.
            Kind::Null => v.visit_seq(SeqDe::new(&[], self.path.clone())),
            _ => return Err(self.mismatch("a list")),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let r = match &self.node.kind {
            Kind::Map(entries) => v.visit_map(MapDe::new(entries, self.path.clone())),
            // `profiles:` with nothing after it: an empty mapping.
            Kind::Null => v.visit_map(MapDe::new(&[], self.path.clone())),
            _ => return Err(self.mismatch("a mapping")),
        };
        r.map_err(|e| self.at(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        if !matches!(self.node.kind, Kind::Map(_) | Kind::Null) {
            return Err(self.mismatch(format!("a mapping with keys {}", fields.join(", "))));
        }
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        let variant = match (&self.node.kind, &self.node.raw) {
            (Kind::Str(s), _) => s.as_str(),
            (_, Some(raw)) => raw.as_str(),
            _ => return Err(self.mismatch(format!("one of {}", variants.join(", ")))),
        };
        v.visit_enum(UnitVariant { variant })
            .map_err(|e| self.at(e))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit_struct tuple tuple_struct
    }
}

struct SeqDe<'a> {
    items: std::slice::Iter<'a, (usize, Node)>,
    path: KeyPath,
}

impl<'a> SeqDe<'a> {
    fn new(items: &'a [(usize, Node)], path: KeyPath) -> Self {
        SeqDe {
            items: items.iter(),
            path,
        }
    }
}

impl<'de> SeqAccess<'de> for SeqDe<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((index, item)) = self.items.next() else {
            return Ok(None);
        };
        let path = self.path.index(*index);
        seed.deserialize(NodeDe::new(item, path.clone()))
            .map(Some)
            .map_err(|e| e.located(&path, item.pos))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct MapDe<'a> {
    entries: std::slice::Iter<'a, Entry>,
    current: Option<&'a Entry>,
    path: KeyPath,
}

impl<'a> MapDe<'a> {
    fn new(entries: &'a [Entry], path: KeyPath) -> Self {
        MapDe {
            entries: entries.iter(),
            current: None,
            path,
        }
    }
}

impl<'de> MapAccess<'de> for MapDe<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some(entry);
        let path = self.path.key(entry.key.clone());
        seed.deserialize(KeyDe {
            key: &entry.key,
            pos: entry.key_pos,
            path: path.clone(),
        })
        .map(Some)
        .map_err(|e| e.located(&path, entry.key_pos))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some(entry) = self.current.take() else {
            return Err(de::Error::custom(
                "internal: value requested before its key",
            ));
        };
        let path = self.path.key(entry.key.clone());
        seed.deserialize(NodeDe::new(&entry.value, path.clone()))
            .map_err(|e| e.located(&path, entry.value.pos))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// Deserializes a mapping key: always a string (struct field names, map keys, enum names).
struct KeyDe<'a> {
    key: &'a str,
    pos: Pos,
    path: KeyPath,
}

impl<'de> Deserializer<'de> for KeyDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_borrowed_str(self.key)
            .map_err(|e: DeError| e.located(&self.path, self.pos))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// An enum given as a plain string: only unit variants exist in the config.
struct UnitVariant<'a> {
    variant: &'a str,
}

impl<'de> EnumAccess<'de> for UnitVariant<'de> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let value =
            seed.deserialize(IntoDeserializer::<DeError>::into_deserializer(self.variant))?;
        Ok((value, self))
    }
}

impl<'de> VariantAccess<'de> for UnitVariant<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, DeError> {
        Err(DeError::mismatch("a plain value", "a mapping"))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _v: V) -> Result<V::Value, DeError> {
        Err(DeError::mismatch("a plain value", "a list"))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, DeError> {
        Err(DeError::mismatch("a plain value", "a mapping"))
    }
}
