//! Schema validation: checks each document against its kind's embedded JSON Schema and turns
//! every violation into a finding on the offending node, worded as a person would.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, Validator};
use serde_json::Value as Json;

use crate::diag::{did_you_mean, rules, Finding};
use crate::kind::Kind;
use crate::shape::Shapes;
use crate::source::{FileId, Span};
use crate::tape::NodeRef;
use crate::tape_json::TapeJson;
use crate::value::{is_duration, is_percentage};
use crate::yaml::{Entry, Located, Node, Value};
use crate::yaml_json::YamlJson;

/// A compiled JSON Schema, kept with its source so errors can quote its descriptions.
pub struct Schema {
    schema: Json,
    /// Compiled on first use, as `tapes` is: most runs meet no document that the structural
    /// check does not accept ([`crate::shape`]), and need neither.
    validator: OnceLock<Validator<YamlJson>>,
    /// The same schema over estate documents as they are kept ([`crate::tape`]).
    tapes: OnceLock<Validator<TapeJson>>,
    /// Its structural keywords, which accept most valid tapes first ([`crate::shape`]).
    shapes: Shapes,
}

static KINDS: LazyLock<Vec<Schema>> = LazyLock::new(|| {
    Kind::ALL
        .iter()
        .map(|kind| Schema::embedded(kind.schema()))
        .collect()
});

/// Reads the kinds' schemas and compiles their structural checks now, if not yet. A run has
/// it done on a pool thread while it loads the rule packs and discovers the files; else the
/// first file's loading would, and every other worker would wait for it. (jsonschema's
/// validators are compiled when a document first needs them.)
pub fn prepare() {
    LazyLock::force(&KINDS);
}

/// The schema of rule packs (`schemas/rule-pack.schema.json`).
pub static RULE_PACK: LazyLock<Schema> =
    LazyLock::new(|| Schema::embedded(include_str!("../schemas/rule-pack.schema.json")));

/// Validation options shared by every schema: draft 2020-12, formats asserted, the tool's own
/// formats registered.
pub fn options<F: jsonschema::json::Json>(
) -> jsonschema::ValidationOptions<'static, std::sync::Arc<dyn jsonschema::Retrieve>, F> {
    jsonschema::options_for::<F>()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("estatelint-duration", is_duration)
        .with_format("estatelint-percentage", is_percentage)
}

impl Schema {
    /// Compiles a schema shipped inside the binary. They are tested to compile
    /// (`schemas_compile`), so failure here is a build defect, not an input error.
    // Invariant: the schemas are compiled into the binary and `schemas_compile` tests them.
    #[allow(clippy::expect_used)]
    fn embedded(text: &str) -> Schema {
        let schema: Json = serde_json::from_str(text).expect("embedded schema is JSON");
        let shapes = Shapes::compile(&schema);
        Schema {
            schema,
            validator: OnceLock::new(),
            tapes: OnceLock::new(),
            shapes,
        }
    }

    /// jsonschema's validator of the schema for `F`, compiled in `cell` on first use.
    // Invariant: the schemas are compiled into the binary and `schemas_compile` tests them.
    #[allow(clippy::expect_used)]
    fn compiled<'s, F: jsonschema::json::Json>(
        &self,
        cell: &'s OnceLock<Validator<F>>,
    ) -> &'s Validator<F> {
        cell.get_or_init(|| {
            options()
                .build(&self.schema)
                .expect("embedded schema compiles")
        })
    }

    /// The validator of trees.
    fn validator(&self) -> &Validator<YamlJson> {
        self.compiled(&self.validator)
    }

    /// The validator of tapes.
    fn tapes(&self) -> &Validator<TapeJson> {
        self.compiled(&self.tapes)
    }

    /// Every violation in the document `root`, each as a finding of `rule` on its node.
    /// `entity` names the document in messages (``System `crm` ``).
    pub fn validate(
        &self,
        root: &Node,
        file: FileId,
        entity: &str,
        rule: &'static str,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        // Most documents are valid: the boolean check is far cheaper than collecting errors.
        if self.validator().is_valid(root) {
            return out;
        }
        let mut keys = Keys::default();
        for error in self.validator().iter_errors(root) {
            let pointer = pointer_segments(error.instance_path().as_str());
            let schema_path = pointer_segments(error.schema_path().as_str());
            let located = root.locate_by(&pointer, |map, key| keys.entry(map, key));
            let ctx = Ctx {
                schema: &self.schema,
                schema_path: &schema_path,
                located,
                pointer: &pointer,
                file,
                entity,
                rule,
            };
            ctx.describe(error.kind(), &error.to_string(), &mut keys, &mut out);
        }
        out
    }
}

/// The words the estate schemas name: property names and string enum values, in schema order
/// (each once). Documents repeat them, so tapes store them as symbols (`crate::tape`).
pub fn vocabulary() -> Vec<String> {
    fn walk(node: &Json, out: &mut Vec<String>) {
        match node {
            Json::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("properties", Json::Object(props)) => out.extend(props.keys().cloned()),
                        ("enum", Json::Array(items)) => {
                            out.extend(items.iter().filter_map(Json::as_str).map(String::from))
                        }
                        ("const", Json::String(s)) => out.push(s.clone()),
                        _ => {}
                    }
                    walk(value, out);
                }
            }
            Json::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    // Read from the schemas' text, not the compiled `KINDS`: compiling a schema for tapes
    // prepares its keys as symbols, which needs this vocabulary first.
    for kind in Kind::ALL {
        if let Ok(schema) = serde_json::from_str::<Json>(kind.schema()) {
            walk(&schema, &mut out);
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|w| seen.insert(w.clone()));
    out
}

/// The `spec.policy` keys the Organization schema itself types (it reports their type errors).
pub fn typed_policy_keys() -> Vec<String> {
    schema_of(Kind::Organization)
        .schema
        .pointer("/properties/spec/properties/policy/properties")
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The structural check of documents as they are built, against every kind's schema.
pub fn stream() -> crate::shape::Stream {
    static KINDS_SHAPES: LazyLock<Vec<(Kind, &'static Shapes)>> = LazyLock::new(|| {
        Kind::ALL
            .iter()
            .map(|&kind| (kind, &schema_of(kind).shapes))
            .collect()
    });
    crate::shape::Stream::new(&KINDS_SHAPES)
}

fn schema_of(kind: Kind) -> &'static Schema {
    &KINDS[Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)]
}

/// [`validate`] for a document kept as a tape: checked where it is (by its kind's structural
/// check first, then by jsonschema if that does not accept it), and only an invalid one read
/// back into a tree for its findings to be worded.
pub fn validate_tape(
    kind: Kind,
    root: NodeRef<'_>,
    file: FileId,
    name: Option<&str>,
) -> Vec<Finding> {
    let schema = schema_of(kind);
    if schema.shapes.accepts(root) || schema.tapes().is_valid(root) {
        return Vec::new();
    }
    validate(kind, &root.to_node(), file, name)
}

/// Every schema violation of one estate document, each on its node.
pub fn validate(kind: Kind, root: &Node, file: FileId, name: Option<&str>) -> Vec<Finding> {
    let schema = schema_of(kind);
    let entity = match name {
        Some(n) => format!("{} `{}`", kind.name(), n),
        None => kind.name().to_string(),
    };
    schema.validate(root, file, &entity, rules::SCHEMA)
}

/// The entries of a document's large mappings by key, each mapping indexed the first time an
/// error points into it: a mapping of 40,000 entries with an error in each was searched
/// once per error (12 s).
#[derive(Default)]
struct Keys<'n> {
    maps: HashMap<*const Node, HashMap<Cow<'n, str>, &'n Entry>>,
}

impl<'n> Keys<'n> {
    /// Mappings this small are searched.
    const SEARCHED: usize = 16;

    fn entry(&mut self, map: &'n Node, key: &str) -> Option<&'n Entry> {
        let entries = map.as_map()?;
        if entries.len() <= Self::SEARCHED {
            return map.entry(key);
        }
        let index = self.maps.entry(map as *const Node).or_insert_with(|| {
            let mut index = HashMap::with_capacity(entries.len());
            for e in entries {
                if let Some(text) = e.key.scalar_text() {
                    // The first of repeated keys, as a search finds.
                    index.entry(text).or_insert(e);
                }
            }
            index
        });
        index.get(key).copied()
    }
}

struct Ctx<'a, 'd> {
    schema: &'a Json,
    /// Where the failing keyword is in the schema (through `$defs`, not through `$ref`).
    schema_path: &'a [String],
    /// The failing value in the document.
    located: Located<'d>,
    /// Where the failing value is in the document.
    pointer: &'a [String],
    file: FileId,
    entity: &'a str,
    rule: &'static str,
}

impl<'d> Ctx<'_, 'd> {
    fn finding(&self, span: Span, message: String) -> Finding {
        Finding::error(self.rule, self.file, span, message)
    }

    /// The subschema holding the failing keyword.
    fn keyword_parent(&self) -> Option<&Json> {
        let (_, parent) = self.schema_path.split_last()?;
        walk(self.schema, parent)
    }

    /// The description of the failing field: on its property (which may `$ref` a shared
    /// definition), else on the subschema holding the failing keyword.
    fn field_help(&self, pointer: &[String]) -> Option<String> {
        let desc = property_schema(self.schema, pointer)
            .and_then(|s| s.get("description"))
            .or_else(|| self.keyword_parent()?.get("description"))?
            .as_str()?;
        Some(format!("`{}`: {}", dotted(pointer), sentence(desc)))
    }

    /// The findings of one error; `keys` finds entries of the document's large mappings.
    fn describe(
        &self,
        kind: &ValidationErrorKind,
        fallback: &str,
        keys: &mut Keys<'d>,
        out: &mut Vec<Finding>,
    ) {
        let located = &self.located;
        let node = located.node;
        let field = field_name(self.pointer);
        let found = found(node);
        let help = self.field_help(self.pointer);
        let with_help = |f: Finding| match &help {
            Some(h) => f.with_help(h.clone()),
            None => f,
        };
        match kind {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                let allowed: Vec<&str> = self
                    .keyword_parent()
                    .and_then(|s| s.get("properties"))
                    .and_then(Json::as_object)
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                for key in unexpected {
                    let key_span = keys
                        .entry(node, key)
                        .map_or(located.key_or_node_span(), |e| e.key.span);
                    let place = if self.pointer.is_empty() {
                        "at the top level".to_string()
                    } else {
                        format!("in `{}`", dotted(self.pointer))
                    };
                    let help = match did_you_mean(key, allowed.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if self.pointer.first().map(String::as_str) == Some("metadata")
                            || self.pointer.is_empty() =>
                        {
                            format!("allowed here: {}", list(&allowed))
                        }
                        None => format!(
                            "allowed here: {}; a team's own data goes in `metadata.labels` or `metadata.annotations`",
                            list(&allowed)
                        ),
                    };
                    out.push(
                        self.finding(
                            key_span,
                            format!("unknown field `{key}` {place} of {}", self.entity),
                        )
                        .with_label("unknown field")
                        .with_help(help),
                    );
                }
            }
            ValidationErrorKind::Required { property } => {
                let property = property.as_str().unwrap_or_default();
                let holder = if self.pointer.is_empty() {
                    format!("{} document", self.entity)
                } else {
                    format!("`{}` of {}", dotted(self.pointer), self.entity)
                };
                let mut child = self.pointer.to_vec();
                child.push(property.to_string());
                let help = property_schema(self.schema, &child)
                    .and_then(|s| s.get("description"))
                    .and_then(Json::as_str)
                    .map(|d| format!("add `{property}`: {}", sentence(d)))
                    .unwrap_or_else(|| format!("add `{property}`"));
                out.push(
                    self.finding(
                        located.key_or_first_key_span(),
                        format!("{holder} is missing required field `{property}`"),
                    )
                    .with_label(format!("`{property}` missing here"))
                    .with_help(help),
                );
            }
            ValidationErrorKind::Enum { options } => {
                let opts = options.as_array().map(Vec::as_slice).unwrap_or_default();
                let shown: Vec<String> = opts.iter().map(plain_json).collect();
                let found = if node.as_str().is_some() && opts.iter().all(|o| !o.is_string()) {
                    format!(
                        "the string `\"{}\"`",
                        shorten(node.as_str().unwrap_or_default())
                    )
                } else {
                    found
                };
                let suggestion = node
                    .as_str()
                    .and_then(|s| did_you_mean(s, opts.iter().filter_map(Json::as_str)));
                let f = self
                    .finding(
                        node.span,
                        format!("{field} must be one of {}, found {found}", shown.join(", ")),
                    )
                    .with_label("not an allowed value");
                out.push(match suggestion {
                    Some(s) => f.with_help(format!("did you mean `{s}`?")),
                    None => with_help(f),
                });
            }
            ValidationErrorKind::Type { kind } => {
                let format = self
                    .keyword_parent()
                    .and_then(|s| s.get("format"))
                    .and_then(Json::as_str);
                let expected = match kind {
                    _ if format.is_some() => format_phrase(format.unwrap_or_default()).to_string(),
                    TypeKind::Single(t) => type_phrase(*t).to_string(),
                    TypeKind::Multiple(set) => {
                        let names: Vec<&str> = set.iter().map(type_phrase).collect();
                        names.join(" or ")
                    }
                };
                out.push(with_help(
                    self.finding(
                        node.span,
                        format!("{field} must be {expected}, found {found}"),
                    )
                    .with_label(format!("expected {expected}")),
                ));
            }
            ValidationErrorKind::Format { format } => {
                let expected = format_phrase(format);
                out.push(with_help(
                    self.finding(
                        node.span,
                        format!("{field} must be {expected}, found {found}"),
                    )
                    .with_label(format!(
                        "not {}",
                        expected.split(" such as").next().unwrap_or(expected)
                    )),
                ));
            }
            ValidationErrorKind::Minimum { limit }
            | ValidationErrorKind::ExclusiveMinimum { limit } => {
                let how = if matches!(kind, ValidationErrorKind::Minimum { .. }) {
                    "at least"
                } else {
                    "more than"
                };
                out.push(with_help(self.finding(
                    node.span,
                    format!("{field} must be {how} {limit}, found {found}"),
                )));
            }
            ValidationErrorKind::Maximum { limit }
            | ValidationErrorKind::ExclusiveMaximum { limit } => {
                let how = if matches!(kind, ValidationErrorKind::Maximum { .. }) {
                    "at most"
                } else {
                    "less than"
                };
                out.push(with_help(self.finding(
                    node.span,
                    format!("{field} must be {how} {limit}, found {found}"),
                )));
            }
            ValidationErrorKind::MinItems { limit } => {
                let items = if *limit == 1 {
                    "item".to_string()
                } else {
                    format!("{limit} items")
                };
                let at_least = if *limit == 1 {
                    "at least one"
                } else {
                    "at least"
                };
                out.push(with_help(self.finding(
                    node.span,
                    format!("{field} must list {at_least} {items}"),
                )));
            }
            ValidationErrorKind::UniqueItems => {
                let items = node.as_seq().unwrap_or_default();
                let dup = items.iter().enumerate().find_map(|(j, item)| {
                    let first = items[..j].iter().position(|p| p.value == item.value)?;
                    Some((first, j))
                });
                match dup {
                    Some((first, j)) => out.push(
                        self.finding(
                            items[j].span,
                            format!("{field} lists {} twice", found_value(&items[j])),
                        )
                        .with_label("repeated here")
                        .with_related(self.file, items[first].span, "first listed here")
                        .with_help("remove the repeated item"),
                    ),
                    None => {
                        out.push(self.finding(node.span, format!("{field} has repeated items")))
                    }
                }
            }
            ValidationErrorKind::Pattern { pattern } => {
                out.push(with_help(self.finding(
                    node.span,
                    format!("{field} must match `{pattern}`, found {found}"),
                )));
            }
            ValidationErrorKind::MinLength { limit } => out.push(with_help(self.finding(
                node.span,
                format!("{field} must be at least {limit} characters long"),
            ))),
            ValidationErrorKind::MaxLength { limit } => out.push(with_help(self.finding(
                node.span,
                format!("{field} must be at most {limit} characters long"),
            ))),
            ValidationErrorKind::Constant { expected_value } => out.push(self.finding(
                node.span,
                format!(
                    "{field} must be {}, found {found}",
                    plain_json(expected_value)
                ),
            )),
            _ => out.push(with_help(
                self.finding(node.span, lowercase_first(fallback)),
            )),
        }
    }
}

/// Splits a JSON pointer into unescaped segments.
pub fn pointer_segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Walks a schema by schema-path segments.
fn walk<'a>(schema: &'a Json, path: &[String]) -> Option<&'a Json> {
    path.iter().try_fold(schema, |s, seg| match s {
        Json::Object(m) => m.get(seg),
        Json::Array(a) => a.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

/// The schema of the property at an instance location, following `properties`, `items`,
/// `additionalProperties` and local `$ref`s.
fn property_schema<'a>(root: &'a Json, pointer: &[String]) -> Option<&'a Json> {
    let mut here = root;
    for seg in pointer {
        let resolved = resolve_ref(root, here);
        here = if let Some(p) = resolved.get("properties").and_then(|p| p.get(seg)) {
            p
        } else if let Some(items) = resolved.get("items") {
            items
        } else {
            resolved
                .get("additionalProperties")
                .filter(|a| a.is_object())?
        };
    }
    Some(here)
}

fn resolve_ref<'a>(root: &'a Json, schema: &'a Json) -> &'a Json {
    match schema
        .get("$ref")
        .and_then(Json::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => root.pointer(pointer).unwrap_or(schema),
        None => schema,
    }
}

/// `spec.continuity.rpo`, `spec.dependsOn[1]`.
fn dotted(pointer: &[String]) -> String {
    let mut out = String::new();
    for seg in pointer {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// The field's own name (`tier`), or `dependsOn[1]` for an item, or `document` for the root.
fn field_name(pointer: &[String]) -> String {
    match pointer {
        [] => "document".into(),
        [.., parent, last] if last.parse::<usize>().is_ok() => format!("{parent}[{last}]"),
        [.., last] => last.clone(),
    }
}

fn found(node: &Node) -> String {
    match &node.value {
        Value::Seq(_) | Value::Map(_) | Value::Null => node.type_name().to_string(),
        _ => found_value(node),
    }
}

fn found_value(node: &Node) -> String {
    format!("`{}`", shorten(&node.scalar_text().unwrap_or_default()))
}

fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.replace('\n', "\\n")
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{}…", cut.replace('\n', "\\n"))
    }
}

fn plain_json(v: &Json) -> String {
    match v {
        Json::String(s) => format!("`{s}`"),
        other => other.to_string(),
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn format_phrase(format: &str) -> &'static str {
    match format {
        "estatelint-duration" => "a duration such as `15m`, `4h`, `30d`, `2w`, `18mo` or `1y`",
        "estatelint-percentage" => "a percentage such as `40%`",
        "date" => "a date written `YYYY-MM-DD`",
        "email" => "an email address",
        "uri" => "an absolute URL such as `https://...`",
        _ => "in the expected format",
    }
}

fn type_phrase(t: JsonType) -> &'static str {
    match t {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean (`true` or `false`)",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "a sequence",
        JsonType::Object => "a mapping",
    }
}

/// A schema description as help text: lowercase start, no trailing period.
fn sentence(s: &str) -> String {
    lowercase_first(s.trim().trim_end_matches('.'))
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if !chars.as_str().starts_with(|n: char| n.is_uppercase()) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_compile() {
        assert_eq!(KINDS.len(), Kind::ALL.len());
        for schema in KINDS.iter().chain([&*RULE_PACK]) {
            schema.validator();
            schema.tapes();
        }
    }

    /// The YAML files under `dir`, recursively, in a stable order.
    fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("readable")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }

    /// Variants of `node` with one node replaced, one mapping entry removed, or one added.
    fn variants(node: &Node, out: &mut Vec<Node>) {
        let at = |value: Value| Node {
            span: node.span,
            value,
        };
        let s = |t: &str| at(Value::Str(t.into()));
        let replacements = [
            at(Value::Null),
            at(Value::Bool(true)),
            at(Value::Int(-1)),
            at(Value::Int(2)),
            at(Value::Float(2.0)),
            at(Value::Float(f64::INFINITY)),
            s("x"),
            s("Production"),
            s("2026-02-30"),
            s("15m"),
            at(Value::Seq(Box::new([]))),
            at(Value::Seq(Box::new([s("a"), s("a")]))),
            at(Value::Map(Box::new([]))),
        ];
        out.extend(replacements);
        match &node.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let mut inner = Vec::new();
                    variants(item, &mut inner);
                    for v in inner {
                        let mut items = items.to_vec();
                        items[i] = v;
                        out.push(at(Value::Seq(items.into())));
                    }
                }
            }
            Value::Map(entries) => {
                for i in 0..entries.len() {
                    let mut fewer = entries.to_vec();
                    fewer.remove(i);
                    out.push(at(Value::Map(fewer.into())));
                    let mut inner = Vec::new();
                    variants(&entries[i].value, &mut inner);
                    for v in inner {
                        let mut changed = entries.to_vec();
                        changed[i].value = v;
                        out.push(at(Value::Map(changed.into())));
                    }
                }
                for key in ["zzz", "tier", "owner", "name", "2"] {
                    let mut more = entries.to_vec();
                    let key = if key == "2" {
                        at(Value::Int(2))
                    } else {
                        s(key)
                    };
                    more.push(crate::yaml::Entry { key, value: s("x") });
                    out.push(at(Value::Map(more.into())));
                }
            }
            _ => {}
        }
    }

    /// The kind a tape builder's structural check accepts `node` as, its events fed in
    /// document order (`None` also when the builder leaves the document to the tree).
    fn accepted_as_built(node: &Node) -> Option<Kind> {
        fn feed(builder: &mut crate::tape::TapeBuilder, node: &Node) -> Option<()> {
            use crate::tape::ScalarValue as S;
            let scalar = match &node.value {
                Value::Null => Some(S::Null),
                Value::Bool(b) => Some(S::Bool(*b)),
                Value::Int(i) => Some(S::Int(*i)),
                Value::Float(f) => Some(S::Float(*f)),
                Value::Str(s) => Some(S::Str(s)),
                _ => None,
            };
            if let Some(value) = scalar {
                return builder.scalar(node.span, value).ok();
            }
            match &node.value {
                Value::Seq(items) => {
                    builder.start(false, false, node.span.start).ok()?;
                    for item in items.iter() {
                        feed(builder, item)?;
                    }
                    builder.end(node.span);
                    Some(())
                }
                Value::Map(entries) => {
                    builder.start(true, false, node.span.start).ok()?;
                    for entry in entries.iter() {
                        feed(builder, &entry.key)?;
                        feed(builder, &entry.value)?;
                    }
                    builder.end(node.span);
                    Some(())
                }
                _ => Some(()),
            }
        }
        let mut builder = crate::tape::TapeBuilder::default();
        builder.check_shapes(stream());
        builder.start_document();
        feed(&mut builder, node)?;
        builder.accepted()
    }

    #[test]
    fn the_structural_check_accepts_only_what_jsonschema_accepts() {
        // Every estate document of the test data, and each variant of the example estate's
        // documents with one node changed, removed or added: what the shapes accept, walking
        // a tape or fed a builder's events, the tapes' validator accepts. And they do accept: every valid document of the example
        // estate (its invalid ones are rejected), and most valid variants.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let mut files = Vec::new();
        yaml_files(&root, &mut files);
        let (mut checked, mut valid, mut accepted, mut accepted_built) = (0, 0, 0, 0);
        for path in &files {
            // Some fixtures are not UTF-8 on purpose.
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let example = path.starts_with(root.join("example"));
            for doc in crate::yaml::load(&text).documents {
                let Some(kind) = doc
                    .root
                    .get("kind")
                    .and_then(Node::as_str)
                    .and_then(Kind::parse)
                else {
                    continue;
                };
                let schema = schema_of(kind);
                let mut docs = vec![doc.root.clone()];
                if example {
                    variants(&doc.root, &mut docs);
                }
                for (i, node) in docs.iter().enumerate() {
                    let tape = crate::tape::Tape::from_node(node);
                    let shape = schema.shapes.accepts(tape.root());
                    let built = accepted_as_built(node) == Some(kind);
                    let jsonschema = schema.tapes().is_valid(tape.root());
                    assert!(
                        !shape || jsonschema,
                        "{}: accepted, yet invalid: {node:?}",
                        path.display()
                    );
                    assert!(
                        !built || jsonschema,
                        "{}: accepted as built, yet invalid: {node:?}",
                        path.display()
                    );
                    // What the builder accepts is classified as its kind (check_text takes
                    // its word for it).
                    assert!(
                        !built
                            || matches!(
                                crate::estate::classify(tape.root(), crate::source::FileId(0)),
                                crate::estate::Classified::Entity(k) if k == kind
                            ),
                        "{}: accepted as built, classified otherwise: {node:?}",
                        path.display()
                    );
                    if example && i == 0 {
                        assert_eq!(shape, jsonschema, "{}: {node:?}", path.display());
                        assert_eq!(built, jsonschema, "{}: {node:?}", path.display());
                    }
                    checked += 1;
                    valid += usize::from(jsonschema);
                    accepted += usize::from(shape);
                    accepted_built += usize::from(built);
                }
            }
        }
        assert!(checked > 25_000, "{checked} documents");
        assert!(accepted * 10 > valid * 9, "{accepted} of {valid}");
        assert!(
            accepted_built * 10 > valid * 9,
            "{accepted_built} of {valid} as built"
        );
    }

    #[test]
    fn dotted_paths_read_naturally() {
        let p = pointer_segments("/spec/dependsOn/1");
        assert_eq!(dotted(&p), "spec.dependsOn[1]");
        assert_eq!(field_name(&p), "dependsOn[1]");
        assert_eq!(field_name(&[]), "document");
    }
}
