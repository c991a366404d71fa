//! JSON parsing for JOSE headers, claim sets and JWKS documents that refuses duplicate
//! member names.
//!
//! `serde_json::Value` silently keeps the last of two equal keys; a token carrying two
//! `alg` or two `aud` members could then mean different things to planeguard and to the
//! server behind it. RFC 7515 §4 lets a parser either reject such input or use the last
//! value; rejecting is the one that cannot be exploited.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `bytes` as one JSON object with no duplicate member names at any depth.
/// Errors are opaque on purpose: serde's messages may quote parts of the input.
pub(crate) fn parse_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Strict>(bytes) {
        Ok(Strict(Value::Object(map))) => Some(map),
        _ => None,
    }
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let Strict(value) = access.next_value()?;
            if map.contains_key(&key) {
                return Err(de::Error::custom("duplicate member name"));
            }
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_object;
    use serde_json::json;

    #[test]
    fn parses_nested_objects() {
        let map = parse_object(br#"{"a":1,"b":{"c":[true,null,"x",1.5,-3]}}"#);
        assert_eq!(
            map.map(serde_json::Value::Object),
            Some(json!({"a":1,"b":{"c":[true,null,"x",1.5,-3]}}))
        );
    }

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        assert!(parse_object(br#"{"alg":"RS256","alg":"none"}"#).is_none());
        assert!(parse_object(br#"{"a":{"roles":["x"],"roles":["admin"]}}"#).is_none());
        assert!(parse_object(br#"{"a":[{"k":1,"k":2}]}"#).is_none());
    }

    #[test]
    fn rejects_non_objects_and_trailing_garbage() {
        assert!(parse_object(b"[1]").is_none());
        assert!(parse_object(b"\"x\"").is_none());
        assert!(parse_object(b"{} x").is_none());
        assert!(parse_object(b"").is_none());
        assert!(parse_object(b"{\"a\":").is_none());
    }
}
