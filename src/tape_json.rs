//! Tape nodes as jsonschema's instance representation, so estate documents are validated as
//! they are kept, without a tree. Read as [`crate::yaml_json`] reads the loader's tree: mapping
//! keys are their scalar text, a float JSON cannot hold (`.inf`, `.nan`) is the string of its
//! spelling.

use std::borrow::Cow;

use jsonschema::json::{Array, Json, Node as JsonNode, NodeIdentity, Object};
use jsonschema::JsonType;
use serde_json::Value as Serde;

use crate::tape::{Key, MapIter, MapRef, NodeRef, SeqIter, SeqRef, ValueRef};
use crate::yaml_json::Number;

/// The representation marker: validators built with `jsonschema::options_for::<TapeJson>()`
/// take a [`NodeRef`].
pub struct TapeJson;

impl Json for TapeJson {
    type Node<'a> = NodeRef<'a>;
    type PreparedKey = Key;
    type StringBuffer = ();
    const KEYS_PER_LOOKUP: usize = 4;
    // Aliases are copied when loading, so no node is its own descendant.
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Key {
        Key::new(key)
    }

    fn with_string_node<T>(_: &mut (), string: &str, f: impl FnOnce(NodeRef<'_>) -> T) -> T {
        f(NodeRef {
            span: crate::source::Span::empty(0),
            value: ValueRef::Str(string),
        })
    }
}

/// A float JSON can hold as a number; the others are strings of their spelling.
fn finite(value: &ValueRef<'_>) -> Option<f64> {
    match value {
        ValueRef::Float(f) if f.is_finite() => Some(*f),
        _ => None,
    }
}

impl<'a> JsonNode<'a, TapeJson> for NodeRef<'a> {
    type Object = MapRef<'a>;
    type Array = SeqRef<'a>;
    type Number = Number;

    fn as_object(&self) -> Option<MapRef<'a>> {
        self.as_map()
    }

    fn as_array(&self) -> Option<SeqRef<'a>> {
        self.as_seq()
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self.value {
            ValueRef::Str(s) => Some(Cow::Borrowed(s)),
            ValueRef::Float(f) if !f.is_finite() => Some(Cow::Owned(f.to_string())),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Number> {
        match self.value {
            ValueRef::Int(i) => Some(Number::Int(i)),
            v => finite(&v).map(Number::Float),
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            ValueRef::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        self.value.is_null()
    }

    fn json_type(&self) -> JsonType {
        match self.value {
            ValueRef::Null => JsonType::Null,
            ValueRef::Bool(_) => JsonType::Boolean,
            ValueRef::Int(_) => JsonType::Number,
            ValueRef::Float(f) if f.is_finite() => JsonType::Number,
            ValueRef::Float(_) | ValueRef::Str(_) => JsonType::String,
            ValueRef::Seq(_) => JsonType::Array,
            ValueRef::Map(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &Serde) -> bool {
        // `enum` and `const` of scalars are the common case: compare without a copy.
        match (self.value, expected) {
            (ValueRef::Str(s), Serde::String(e)) => s == e,
            (ValueRef::Bool(b), Serde::Bool(e)) => b == *e,
            (ValueRef::Null, Serde::Null) => true,
            (ValueRef::Int(i), Serde::Number(n)) => {
                n.as_i64() == Some(i) || n.as_f64().is_some_and(|e| e == i as f64)
            }
            (ValueRef::Str(_) | ValueRef::Bool(_) | ValueRef::Null | ValueRef::Int(_), _) => false,
            _ => jsonschema::json::cmp::equal(&self.to_node().to_json(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Serde> {
        Cow::Owned(self.to_node().to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        // Collections are told apart by where their bodies are; scalars need no identity.
        match self.value {
            ValueRef::Seq(s) => Some(NodeIdentity::new(s.body_address())),
            ValueRef::Map(m) => Some(NodeIdentity::new(m.body_address())),
            _ => None,
        }
    }
}

impl<'a> Object<'a, TapeJson> for MapRef<'a> {
    type Node = NodeRef<'a>;
    type MemberName = Cow<'a, str>;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        MapRef::len(self)
    }

    fn get(&self, key: &Key) -> Option<NodeRef<'a>> {
        self.entry_key(key).map(|e| e.value)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

/// The members of a mapping, in document order.
pub struct Members<'a>(MapIter<'a>);

impl<'a> Iterator for Members<'a> {
    type Item = (Cow<'a, str>, NodeRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next_named()
    }
}

impl<'a> Array<'a, TapeJson> for SeqRef<'a> {
    type Node = NodeRef<'a>;
    type ElementsIter = SeqIter<'a>;

    fn len(&self) -> usize {
        SeqRef::len(self)
    }

    fn elements(&self) -> SeqIter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tape::Tape;
    use serde_json::json;

    #[test]
    fn tapes_validate_as_the_tree_does() {
        let schema = json!({
            "type": "object",
            "properties": {
                "tier": {"enum": [1, 2, 3]},
                "name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
                "ratio": {"type": "number"},
                "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
                "spec": {"$ref": "#"},
                "2": {"const": "two"},
            },
            "propertyNames": {"maxLength": 5},
            "required": ["name"],
            "additionalProperties": false,
        });
        let tree = jsonschema::options_for::<crate::yaml_json::YamlJson>()
            .build(&schema)
            .expect("compiles");
        let tapes = jsonschema::options_for::<TapeJson>()
            .build(&schema)
            .expect("compiles");
        let cases = [
            "name: ab\ntier: 2\nratio: 0.5\ntags: [a, b]",
            "name: ab\ntier: 2.0\n2: two",
            "name: ab\n2: three",
            "name: ab\ntier: \"2\"",
            "name: a",
            "tier: 1",
            "name: ab\nratio: .inf",
            "name: ab\ntags: [a, a]",
            "name: ab\nlonger: x",
            "name: ab\nspec: {name: cd, spec: {name: e}}",
            "name: ab\nspec: {name: cd, spec: {name: ef}}",
            // Keys read as words though quoted, keys that are other scalars, complex keys.
            "'name': ab\n\"tier\": 2\nratio: 1",
            "'name': a\n\"tier\": 2",
            "name: ab\ntrue: x",
            "name: ab\n[a, b]: x",
            "name: ab\n? {a: 1}\n: x",
        ];
        for text in cases {
            let root = crate::yaml::load(text).documents.remove(0).root;
            let tape = Tape::from_node(&root);
            assert_eq!(tapes.is_valid(tape.root()), tree.is_valid(&root), "{text}");
        }
    }
}
