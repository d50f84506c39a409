//! The JSON tree a policy is read through: strings borrowed from the text where they need no
//! unescaping, objects as vectors of entries.
//!
//! `serde_json::Value` (with `preserve_order`) allocates every string and hashes every key into
//! an `IndexMap`; for a trust policy that was 13,000 of the 14,000 instructions its parse cost
//! CreateRole. This tree keeps what the parser needs and behaves like `Value` where it shows:
//! a repeated key keeps its first position and its last value, and [`Node`] prints as the
//! compact JSON `Value` prints.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Number;

/// A JSON value borrowing from the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Object<'a>),
}

/// A JSON object: its entries in the order of first appearance, each key once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Object<'a> {
    entries: Vec<(Cow<'a, str>, Node<'a>)>,
}

impl<'a> Object<'a> {
    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The keys, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    /// The entries, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Node<'a>)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether `key` is present.
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Adds an entry; a key seen before keeps its place and takes the new value, as in
    /// `serde_json::Map` with `preserve_order`. Objects in policies have a handful of keys, so
    /// the scan is short; one with many keys switches to a hash index.
    fn insert(&mut self, key: Cow<'a, str>, value: Node<'a>, index: &mut Option<KeyIndex>) {
        const SCAN_LIMIT: usize = 16;
        let found = match index {
            Some(index) => index.get(key.as_ref()).copied(),
            None => self.entries.iter().position(|(k, _)| *k == key),
        };
        if let Some(slot) = found.and_then(|at| self.entries.get_mut(at)) {
            slot.1 = value;
            return;
        }
        if let Some(index) = index {
            index.insert(key.to_string(), self.entries.len());
        }
        self.entries.push((key, value));
        if index.is_none() && self.entries.len() > SCAN_LIMIT {
            *index = Some(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(at, (k, _))| (k.to_string(), at))
                    .collect(),
            );
        }
    }
}

type KeyIndex = std::collections::HashMap<String, usize>;

/// Parses `text` as one JSON value, with serde_json's grammar and error messages.
pub(crate) fn parse(text: &str) -> Result<Node<'_>, serde_json::Error> {
    serde_json::from_str(text)
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node<'de>, E> {
        // serde_json never hands over a non-finite number; `Null` is what `Value` would hold.
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::String(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut object = Object::default();
        let mut index = None;
        while let Some(Key(key)) = map.next_key()? {
            let value = map.next_value()?;
            object.insert(key, value, &mut index);
        }
        Ok(Node::Object(object))
    }
}

/// An object key, borrowed when it needs no unescaping.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Number(n) => n.serialize(serializer),
            Node::String(s) => serializer.serialize_str(s),
            Node::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(object) => {
                let mut map = serializer.serialize_map(Some(object.len()))?;
                for (k, v) in object.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl fmt::Display for Node<'_> {
    /// Compact JSON, as `serde_json::Value` displays.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree prints as `serde_json::Value` prints the same text, key order, repeated keys,
    /// escapes and numbers included.
    #[test]
    fn prints_as_serde_json_value_does() {
        let many: String = (0..40)
            .map(|i| format!("\"k{}\":{i}", i % 23))
            .collect::<Vec<_>>()
            .join(",");
        let texts = [
            r#"{"b":1,"a":[true,false,null],"b":2}"#.to_owned(),
            r#"{"s":"tab\t quote\" \u00e9 \ud83d\ude00","n":-1.5e3,"u":18446744073709551615}"#
                .to_owned(),
            r#"[{"x":{}},[],"",0]"#.to_owned(),
            format!("{{{many}}}"),
            "\"plain\"".to_owned(),
        ];
        for text in &texts {
            let node = parse(text).unwrap();
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(node.to_string(), value.to_string(), "{text}");
        }
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let node = parse(r#"{"Effect":"Allow","Note":"a\"b"}"#).unwrap();
        let Node::Object(o) = node else { panic!() };
        assert!(matches!(
            o.get("Effect"),
            Some(Node::String(Cow::Borrowed("Allow")))
        ));
        assert!(matches!(o.get("Note"), Some(Node::String(Cow::Owned(s))) if s == "a\"b"));
        assert!(o.contains_key("Note") && !o.contains_key("note"));
    }

    #[test]
    fn errors_are_serde_json_errors() {
        let ours = parse("{\"a\":").unwrap_err().to_string();
        let theirs = serde_json::from_str::<serde_json::Value>("{\"a\":")
            .unwrap_err()
            .to_string();
        assert_eq!(ours, theirs);
    }
}
