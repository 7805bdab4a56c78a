//! The YAML tree as jsonschema's instance representation, so schemas validate documents in
//! place instead of through a `serde_json` copy of every document.
//!
//! Mapping keys are their scalar text (as `Node::to_json` spells them); a float that JSON
//! cannot hold (`.inf`, `.nan`) is the string of its spelling, as it was in the copy.

use std::borrow::Cow;

use jsonschema::json::{Array, Json, JsonNumber, Node as JsonNode, NodeIdentity, Object};
use jsonschema::JsonType;
use serde_json::Value as Serde;

use crate::yaml::{Entry, Node, Value, COMPLEX_KEY};

/// The representation marker: validators built with `jsonschema::options_for::<YamlJson>()`
/// take a `&yaml::Node`.
pub struct YamlJson;

impl Json for YamlJson {
    type Node<'a> = &'a Node;
    type PreparedKey = Box<str>;
    type StringBuffer = NameBuffer;
    // Mappings are short slices scanned in order: a pass over the members is cheaper than a
    // few lookups.
    const KEYS_PER_LOOKUP: usize = 4;
    // Aliases are copied when loading, so no node is its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(buffer: &mut NameBuffer, string: &str, f: impl FnOnce(&Node) -> T) -> T {
        buffer.0.value = Value::Str(string.into());
        f(&buffer.0)
    }
}

/// Scratch node for validating mapping keys (`propertyNames`).
pub struct NameBuffer(Node);

impl Default for NameBuffer {
    fn default() -> Self {
        NameBuffer(Node {
            span: crate::source::Span::empty(0),
            value: Value::Null,
        })
    }
}

/// A number of the tree: YAML integers and finite floats.
#[derive(Clone, Copy)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl JsonNumber for Number {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            Number::Int(i) => u64::try_from(i).ok(),
            Number::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            Number::Int(i) => Some(i),
            Number::Float(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        })
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(match *self {
            Number::Int(i) => i.to_string(),
            Number::Float(f) => f.to_string(),
        })
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(match *self {
            Number::Int(i) => serde_json::Number::from(i),
            // Only finite floats are numbers here (`json_type`), so `from_f64` succeeds.
            Number::Float(f) => serde_json::Number::from_f64(f).unwrap_or_else(|| 0.into()),
        })
    }

    fn is_integer(&self) -> bool {
        match *self {
            Number::Int(_) => true,
            Number::Float(f) => f.fract() == 0.0,
        }
    }

    fn is_written_as_integer(&self) -> bool {
        matches!(self, Number::Int(_))
    }
}

/// A float JSON can hold as a number; the others are strings of their spelling.
fn finite(value: &Value) -> Option<f64> {
    match value {
        Value::Float(f) if f.is_finite() => Some(*f),
        _ => None,
    }
}

impl<'a> JsonNode<'a, YamlJson> for &'a Node {
    type Object = &'a [Entry];
    type Array = &'a [Node];
    type Number = Number;

    fn as_object(&self) -> Option<&'a [Entry]> {
        self.as_map()
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        self.as_seq()
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match &self.value {
            Value::Str(s) => Some(Cow::Borrowed(s.as_str())),
            Value::Float(f) if !f.is_finite() => Some(Cow::Owned(f.to_string())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Number> {
        match &self.value {
            Value::Int(i) => Some(Number::Int(*i)),
            v => finite(v).map(Number::Float),
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    fn json_type(&self) -> JsonType {
        match &self.value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) => JsonType::Number,
            Value::Float(f) if f.is_finite() => JsonType::Number,
            Value::Float(_) | Value::Str(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &Serde) -> bool {
        // `enum` and `const` of scalars are the common case: compare without a copy.
        match (&self.value, expected) {
            (Value::Str(s), Serde::String(e)) => s.as_str() == e,
            (Value::Bool(b), Serde::Bool(e)) => b == e,
            (Value::Null, Serde::Null) => true,
            (Value::Int(i), Serde::Number(n)) => {
                n.as_i64() == Some(*i) || n.as_f64().is_some_and(|e| e == *i as f64)
            }
            (Value::Str(_) | Value::Bool(_) | Value::Null | Value::Int(_), _) => false,
            _ => jsonschema::json::cmp::equal(&self.to_json(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Serde> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(*self) as usize))
    }
}

/// A mapping key's text: scalars as `to_json` spells them, complex keys as a placeholder.
fn key_text(key: &Node) -> Cow<'_, str> {
    key.scalar_text().unwrap_or(Cow::Borrowed(COMPLEX_KEY))
}

impl<'a> Object<'a, YamlJson> for &'a [Entry] {
    type Node = &'a Node;
    type MemberName = Cow<'a, str>;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        <[Entry]>::len(self)
    }

    fn get(&self, key: &Box<str>) -> Option<&'a Node> {
        self.iter()
            .find(|e| match &e.key.value {
                Value::Str(s) => s.as_str() == &**key,
                _ => key_text(&e.key) == **key,
            })
            .map(|e| &e.value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

/// The members of a mapping, in document order.
pub struct Members<'a>(std::slice::Iter<'a, Entry>);

impl<'a> Iterator for Members<'a> {
    type Item = (Cow<'a, str>, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|e| (key_text(&e.key), &e.value))
    }
}

impl<'a> Array<'a, YamlJson> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn validator(schema: Serde) -> jsonschema::Validator<YamlJson> {
        jsonschema::options_for::<YamlJson>()
            .build(&schema)
            .expect("test schema compiles")
    }

    fn doc(text: &str) -> Node {
        let loaded = crate::yaml::load(text);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded
            .documents
            .into_iter()
            .next()
            .expect("one document")
            .root
    }

    #[test]
    fn validates_like_the_json_copy() {
        let v = validator(json!({
            "type": "object",
            "properties": {
                "tier": {"enum": [1, 2, 3]},
                "name": {"type": "string", "minLength": 2},
                "ratio": {"type": "number"},
                "tags": {"type": "array", "uniqueItems": true},
            },
            "required": ["name"],
            "additionalProperties": false,
        }));
        let cases = [
            ("name: ab\ntier: 2\nratio: 0.5\ntags: [a, b]", true),
            ("name: ab\ntier: 2.0", true),
            ("name: ab\ntier: \"2\"", false),
            ("name: a", false),
            ("tier: 1", false),
            ("name: ab\nratio: .inf", false),
            ("name: ab\ntags: [a, a]", false),
            ("name: ab\n1: x", false),
        ];
        for (text, valid) in cases {
            let node = doc(text);
            assert_eq!(v.is_valid(&node), valid, "{text}");
            let copy = validator(json!({"const": node.to_json()}));
            assert!(copy.is_valid(&node), "{text} equals its own JSON copy");
        }
    }

    #[test]
    fn errors_point_into_the_tree() {
        let v = validator(json!({
            "properties": {"spec": {"properties": {"copies": {"type": "integer"}}}}
        }));
        let node = doc("spec:\n  copies: many\n");
        let paths: Vec<String> = v
            .iter_errors(&node)
            .map(|e| e.instance_path().as_str().to_string())
            .collect();
        assert_eq!(paths, ["/spec/copies"]);
    }

    #[test]
    fn non_finite_floats_are_strings_and_keys_are_their_text() {
        let node = doc("a: .nan\n2: b\n");
        let map = node.as_map().expect("a mapping");
        assert_eq!(JsonNode::json_type(&&map[0].value), JsonType::String);
        let names: Vec<_> = Object::members(&map).map(|(k, _)| k.into_owned()).collect();
        assert_eq!(names, ["a", "2"]);
        let key: Box<str> = "2".into();
        assert!(Object::get(&map, &key).is_some());
    }
}
