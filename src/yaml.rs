//! Spanned YAML loader: builds a tree from saphyr-parser events in which every node carries its
//! byte range, with YAML 1.2 core typing and bounds on depth and alias expansion; and, for
//! estate files without anything unusual, the same documents encoded as tapes straight from
//! the events ([`load_tapes`]).

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::source::{CharToByte, Span};
use crate::tape::{ScalarTexts, ScalarValue, Tape, TapeBuilder};

/// Deepest nesting of collections a document may have.
pub const MAX_DEPTH: usize = 128;
/// Most nodes that alias expansion may add to one document.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// How a mapping key that is a collection is named in JSON views of the tree.
pub const COMPLEX_KEY: &str = "<complex key>";

/// A YAML node and the bytes it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// A mapping entry: the key node and the value node.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Small strings (most names and enum values) live inline, without an allocation.
    Str(compact_str::CompactString),
    // Boxed slices, not `Vec`s: with no capacity word the whole value is 24 bytes, so a node
    // is 32 and a mapping entry 64 (40 and 80 with `Vec`).
    Seq(Box<[Node]>),
    Map(Box<[Entry]>),
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The entry of a mapping whose key is the string `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| match &e.key.value {
            Value::Str(s) => &**s == key,
            _ => e.key.scalar_text().as_deref() == Some(key),
        })
    }

    /// The value of a mapping under `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a dotted path of mapping keys (`spec.continuity.rpo`).
    pub fn get_path(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |node, key| node.get(key))
    }

    /// A scalar's text as a mapping key or in a message: strings as they are, other scalars in
    /// their canonical YAML spelling. Collections have none.
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        Some(match &self.value {
            Value::Str(s) => Cow::Borrowed(&**s),
            Value::Null => Cow::Borrowed("null"),
            Value::Bool(b) => Cow::Owned(b.to_string()),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }

    /// Number of nodes in this subtree (itself included).
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.key.size() + e.value.size()).sum(),
            _ => 0,
        }
    }

    /// The node as JSON, for schema validation. Mapping keys become their scalar text.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(f.to_string())),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| {
                        let key = e.key.scalar_text().map(Cow::into_owned);
                        (key.unwrap_or_else(|| COMPLEX_KEY.into()), e.value.to_json())
                    })
                    .collect(),
            ),
        }
    }

    /// A short description of the value's type, for messages ("a string", "a mapping").
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// The node a path of keys and indexes designates, and the mapping key that holds it.
pub struct Located<'a> {
    pub node: &'a Node,
    pub key: Option<&'a Node>,
}

impl Located<'_> {
    /// The key holding the node, or the node itself at the root.
    pub fn key_or_node_span(&self) -> Span {
        self.key.map_or(self.node.span, |k| k.span)
    }

    /// Where to report a field missing from this node: the key of the mapping that should
    /// hold it, or for a document root, its first key.
    pub fn key_or_first_key_span(&self) -> Span {
        match self.key {
            Some(k) => k.span,
            None => self
                .node
                .as_map()
                .and_then(|m| m.first())
                .map_or(Span::empty(self.node.span.start as usize), |e| e.key.span),
        }
    }
}

impl Node {
    /// Follows a JSON-pointer-like path (mapping keys, sequence indexes) as far as it goes.
    pub fn locate<S: AsRef<str>>(&self, path: &[S]) -> Located<'_> {
        self.locate_by(path, Node::entry)
    }

    /// [`Node::locate`], a mapping's entry under a key found by `entry` (for a reader that
    /// indexes large mappings).
    pub fn locate_by<'a, S: AsRef<str>>(
        &'a self,
        path: &[S],
        mut entry: impl FnMut(&'a Node, &str) -> Option<&'a Entry>,
    ) -> Located<'a> {
        let mut here = Located {
            node: self,
            key: None,
        };
        for segment in path {
            let segment = segment.as_ref();
            let next = match &here.node.value {
                Value::Map(_) => entry(here.node, segment).map(|e| Located {
                    node: &e.value,
                    key: Some(&e.key),
                }),
                Value::Seq(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|n| Located { node: n, key: None }),
                _ => None,
            };
            match next {
                Some(n) => here = n,
                None => break,
            }
        }
        here
    }
}

/// One YAML document of a file.
#[derive(Clone, Debug)]
pub struct Document {
    pub root: Node,
}

/// What went wrong while loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    DuplicateKey,
    TooDeep,
    AliasLimit,
}

#[derive(Clone, Debug)]
pub struct LoadError {
    pub kind: ErrorKind,
    pub span: Span,
    pub message: String,
    /// A second location, e.g. the first occurrence of a duplicate key.
    pub related: Option<(Span, String)>,
}

/// Documents of one file, and the errors met while loading them. A document with a syntax
/// error, too deep a nesting or too many alias expansions is left out; the others are kept.
#[derive(Debug, Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub errors: Vec<LoadError>,
}

/// Loads every document of `text`. `text` may start with a UTF-8 byte-order mark.
pub fn load(text: &str) -> Loaded {
    let mut out = Loaded::default();
    let mut base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while base < text.len() {
        match load_from(text, base, &mut out) {
            None => break,
            Some(error_at) => match next_document_start(text, base, error_at) {
                Some(next) => base = next,
                None => break,
            },
        }
    }
    out
}

/// Every document of `text` encoded straight from the parser's events, without a tree: the
/// way nearly every estate file is read. `None` when the file has anything the tree handles
/// and reports (a syntax error, an anchor or alias, a repeated key, a collection as a key,
/// nesting past [`MAX_DEPTH`]): [`load`] then reads it.
pub fn load_tapes(text: &str) -> Option<Vec<Tape>> {
    load_tapes_scanned(text, None).map(|docs| docs.into_iter().map(|d| d.tape).collect())
}

/// The benchmark's floor ([`crate::floor`]): saphyr-parser's events for `text`,
/// counted and dropped, nothing else; `None` at a syntax error. Here, beside
/// [`load_tapes_scanned`], so that both run one copy of the parser's code: a generic parser
/// is compiled into each crate that uses it, and when the floor was an example program its
/// copy and the library's were inlined differently from build to build (at 10,000 systems
/// 3.30 or 3.42 G instructions for the same events), which moved the ratio check / floor with
/// changes to unrelated code.
pub fn count_events(text: &str) -> Option<usize> {
    let mut parser = Parser::new_from_str(text);
    let mut n = 0;
    while let Some(event) = parser.next_event() {
        event.ok()?;
        n += 1;
    }
    Some(n)
}

/// A document as [`load_tapes_scanned`] reads it.
#[derive(Debug)]
pub struct TapeRead {
    pub tape: Tape,
    /// What `scan` answered (0 without a `scan`).
    pub answers: u64,
    /// The kind whose schema the document certainly matches, checked as it was built
    /// ([`crate::shape::Stream`]; `None`: not known to, jsonschema decides).
    pub accepted: Option<crate::kind::Kind>,
    /// Where `metadata.name` is in the tape, when the builder noted it
    /// ([`TapeBuilder::root_name`]).
    pub name: Option<(usize, usize)>,
}

/// [`load_tapes`], each document also handed to `scan` as its [`ScalarTexts`] when it ends
/// (while its scalars are at hand, with no second walk of its tape).
pub fn load_tapes_scanned(
    text: &str,
    mut scan: Option<&mut dyn FnMut(&ScalarTexts) -> u64>,
) -> Option<Vec<TapeRead>> {
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let input = &text[base..];
    let mut parser = Parser::new_from_str(input);
    let mut chars = CharToByte::new(input);
    let mut builder = TapeBuilder::default();
    if scan.is_some() {
        builder.collect_texts();
    }
    builder.check_shapes(crate::schema::stream());
    let mut out = Vec::new();
    while let Some(event) = parser.next_event() {
        let (event, span) = event.ok()?;
        let start = (base + chars.byte(span.start.index())) as u32;
        let end = (base + chars.byte(span.end.index())) as u32;
        let span = Span { start, end };
        match event {
            Event::DocumentStart(_) => builder.start_document(),
            Event::DocumentEnd => {
                let name = builder.root_name();
                if let Some(tape) = builder.take_root() {
                    let answer = match (&mut scan, builder.texts()) {
                        (Some(scan), Some(texts)) => scan(texts),
                        _ => 0,
                    };
                    out.push(TapeRead {
                        tape,
                        answers: answer,
                        accepted: builder.accepted(),
                        name,
                    });
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if anchor != 0 || builder.depth() >= MAX_DEPTH {
                    return None;
                }
                let flow = is_flow_start(text, start as usize, end as usize);
                let map = matches!(event, Event::MappingStart(..));
                builder.start(map, flow, start).ok()?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.end(span),
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 {
                    return None;
                }
                let typed = scalar_typed(&value, style, tag.as_deref());
                builder.scalar(span, typed).ok()?;
            }
            Event::Alias(_) => return None,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    Some(out)
}

/// Loads documents from `text[base..]`. On a syntax error, records it and returns its byte
/// offset so that loading can resume at the next document.
fn load_from(text: &str, base: usize, out: &mut Loaded) -> Option<usize> {
    let input = &text[base..];
    let mut parser = Parser::new_from_str(input);
    let mut builder = Builder::new(input, base);
    while let Some(event) = parser.next_event() {
        match event {
            Ok((event, span)) => {
                let (start, end) = (
                    builder.byte(span.start.index()),
                    builder.byte(span.end.index()),
                );
                if let Some(done) = builder.event(event, Span::new(start, end), out) {
                    out.documents.push(done);
                }
            }
            Err(error) => {
                let at = builder.byte(error.marker().index());
                let char_len = text[at..].chars().next().map_or(0, char::len_utf8);
                // The scanner gives up on flow nesting past 255 levels, possibly before the
                // builder has seen level 129: that is the depth cap too, reported once.
                if error.info() == "recursion limit exceeded" {
                    if !builder.skipping {
                        out.errors.push(too_deep(Span::new(at, at + char_len)));
                    }
                } else {
                    out.errors.push(LoadError {
                        kind: ErrorKind::Syntax,
                        span: Span::new(at, at + char_len),
                        message: format!("invalid YAML: {}", error.info()),
                        related: None,
                    });
                }
                return Some(at);
            }
        }
    }
    None
}

/// The byte offset of the first document marker (`---` or after `...`) on a line that starts
/// after `base` and at or after the line holding `error_at`.
fn next_document_start(text: &str, base: usize, error_at: usize) -> Option<usize> {
    let mut line_start = text[..error_at].rfind('\n').map_or(0, |i| i + 1);
    loop {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let line = text[line_start..line_end].trim_start_matches('\u{feff}');
        let marker = |m: &str| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
        };
        if line_start > base && marker("---") {
            return Some(line_start);
        }
        if marker("...") && line_end + 1 > base && line_end < text.len() {
            return Some(line_end + 1);
        }
        if line_end >= text.len() {
            return None;
        }
        line_start = line_end + 1;
    }
}

/// Whether the collection whose start event covers `text[start..end]` is a flow one.
/// Anchors and tags may precede the bracket: `&a [1]`, `!!seq [1]`.
fn is_flow_start(text: &str, start: usize, end: usize) -> bool {
    text[start..end.max(start)].ends_with(['[', '{'])
}

fn too_deep(span: Span) -> LoadError {
    LoadError {
        kind: ErrorKind::TooDeep,
        span,
        message: format!("nesting is deeper than {MAX_DEPTH} levels"),
        related: None,
    }
}

enum Frame {
    Seq {
        start: usize,
        flow: bool,
        anchor: usize,
        /// Where its items begin on the builder's `items` stack.
        first: usize,
    },
    Map {
        start: usize,
        flow: bool,
        anchor: usize,
        /// Where its entries begin on the builder's `entries` stack.
        first: usize,
        key: Option<Node>,
        /// Key text → index in `entries`, built once the mapping grows past a few keys.
        index: Option<HashMap<Box<str>, usize>>,
    },
}

/// Turns one parser run's events into documents.
struct Builder<'a> {
    input: &'a str,
    base: usize,
    chars: CharToByte<'a>,
    stack: Vec<Frame>,
    /// Children of the open collections, innermost last: a finished collection takes its own
    /// off the top in one exact-size allocation, so no collection grows by reallocation.
    items: Vec<Node>,
    entries: Vec<Entry>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    /// Nodes added by alias expansion in the current document.
    alias_nodes: usize,
    /// Set once the current document is abandoned (too deep, alias bomb): later events up to
    /// its end are skipped.
    skipping: bool,
}

impl<'a> Builder<'a> {
    fn new(input: &'a str, base: usize) -> Self {
        Builder {
            input,
            base,
            chars: CharToByte::new(input),
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            alias_nodes: 0,
            skipping: false,
        }
    }

    /// Byte offset in the whole file of a character index in this run's input.
    fn byte(&mut self, char_index: usize) -> usize {
        self.base + self.chars.byte(char_index)
    }

    fn is_flow_start(&self, span: Span) -> bool {
        let (start, end) = (
            span.start as usize - self.base,
            span.end as usize - self.base,
        );
        is_flow_start(self.input, start, end)
    }

    fn event(&mut self, event: Event<'_>, span: Span, out: &mut Loaded) -> Option<Document> {
        match event {
            Event::DocumentStart(_) => {
                self.stack.clear();
                self.items.clear();
                self.entries.clear();
                self.anchors.clear();
                self.root = None;
                self.alias_nodes = 0;
                self.skipping = false;
                None
            }
            Event::DocumentEnd => {
                let root = self.root.take();
                if self.skipping {
                    return None;
                }
                root.map(|root| Document { root })
            }
            _ if self.skipping => None,
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    out.errors.push(too_deep(Span::new(
                        span.start as usize,
                        span.start as usize + 1,
                    )));
                    self.abandon();
                    return None;
                }
                let flow = self.is_flow_start(span);
                let start = span.start as usize;
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            start,
                            flow,
                            anchor,
                            first: self.items.len(),
                        }
                    } else {
                        Frame::Map {
                            start,
                            flow,
                            anchor,
                            first: self.entries.len(),
                            key: None,
                            index: None,
                        }
                    });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop()?;
                let (node, anchor) = match frame {
                    Frame::Seq {
                        start,
                        flow,
                        anchor,
                        first,
                    } => {
                        let items: Box<[Node]> = self.items.drain(first..).collect();
                        let end = collection_end(flow, span, items.last().map(|n| n.span));
                        (
                            Node {
                                span: Span::new(start, end),
                                value: Value::Seq(items),
                            },
                            anchor,
                        )
                    }
                    Frame::Map {
                        start,
                        flow,
                        anchor,
                        first,
                        ..
                    } => {
                        let entries: Box<[Entry]> = self.entries.drain(first..).collect();
                        let end = collection_end(flow, span, entries.last().map(|e| e.value.span));
                        (
                            Node {
                                span: Span::new(start, end),
                                value: Value::Map(entries),
                            },
                            anchor,
                        )
                    }
                };
                self.complete(node, anchor, out);
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar_value(text, style, tag.as_deref());
                self.complete(Node { span, value }, anchor, out);
                None
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    // An alias to a node still being built (`&a [*a]`) or to another
                    // document's anchor: nothing to copy.
                    let (from, to) = (
                        span.start as usize - self.base,
                        span.end as usize - self.base,
                    );
                    let text = self.input.get(from..to).unwrap_or("*");
                    out.errors.push(LoadError {
                        kind: ErrorKind::Syntax,
                        span,
                        message: format!(
                            "alias `{text}` refers to no complete anchor in this document"
                        ),
                        related: None,
                    });
                    self.abandon();
                    return None;
                };
                let size = target.size();
                self.alias_nodes += size;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    out.errors.push(LoadError {
                        kind: ErrorKind::AliasLimit,
                        span,
                        message: format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes in this document"
                        ),
                        related: None,
                    });
                    self.abandon();
                    return None;
                }
                let mut node = target.clone();
                node.span = span;
                self.complete(node, 0, out);
                None
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
        }
    }

    fn abandon(&mut self) {
        self.skipping = true;
        self.stack.clear();
        self.items.clear();
        self.entries.clear();
        self.anchors.clear();
        self.root = None;
    }

    /// Attaches a finished node to its parent (or makes it the document root).
    fn complete(&mut self, node: Node, anchor: usize, out: &mut Loaded) {
        if anchor != 0 {
            self.alias_nodes += node.size();
            if self.alias_nodes > MAX_ALIAS_NODES {
                out.errors.push(LoadError {
                    kind: ErrorKind::AliasLimit,
                    span: Span::new(node.span.start as usize, node.span.start as usize + 1),
                    message: format!(
                        "anchors and aliases hold more than {MAX_ALIAS_NODES} nodes in this document"
                    ),
                    related: None,
                });
                self.abandon();
                return;
            }
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map {
                first, key, index, ..
            }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let entries = &mut self.entries;
                    if let Some(dup) = find_duplicate(&entries[*first..], index, &k) {
                        let first = entries[*first + dup].key.span;
                        out.errors.push(LoadError {
                            kind: ErrorKind::DuplicateKey,
                            span: k.span,
                            message: format!(
                                "duplicate key `{}`",
                                k.scalar_text().unwrap_or_default()
                            ),
                            related: Some((first, "first defined here".into())),
                        });
                    } else {
                        entries.push(Entry {
                            key: k,
                            value: node,
                        });
                    }
                }
            },
        }
    }
}

/// Where a collection ends: a flow collection at its closing bracket, a block collection at
/// the end of its last child (so trailing comments and blank lines are not underlined).
fn collection_end(flow: bool, end_event: Span, last_child: Option<Span>) -> usize {
    match (flow, last_child) {
        (false, Some(child)) => child.end as usize,
        _ => end_event.end as usize,
    }
}

/// Index of an existing entry with the same scalar key as `key`, if any. Small mappings are
/// scanned; larger ones keep a hash index so a huge mapping stays linear.
fn find_duplicate(
    entries: &[Entry],
    index: &mut Option<HashMap<Box<str>, usize>>,
    key: &Node,
) -> Option<usize> {
    const SCAN_LIMIT: usize = 16;
    let text = key.scalar_text()?;
    if entries.len() < SCAN_LIMIT {
        return entries
            .iter()
            .position(|e| e.key.scalar_text().as_deref() == Some(&*text));
    }
    let map = index.get_or_insert_with(|| {
        let mut m = HashMap::with_capacity(entries.len() * 2);
        for (i, e) in entries.iter().enumerate() {
            if let Some(t) = e.key.scalar_text() {
                m.entry(t.into()).or_insert(i);
            }
        }
        m
    });
    if let Some(&i) = map.get(&*text) {
        return Some(i);
    }
    map.insert(text.into(), entries.len());
    None
}

/// Types a scalar by the YAML 1.2 core schema: only plain scalars are typed, so `"1"` is a
/// string and `NO`, `yes`, `on` are strings too. Core tags (`!!str`, `!!int` ...) are honoured.
fn scalar_value(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    match scalar_typed(&text, style, tag) {
        ScalarValue::Null => Value::Null,
        ScalarValue::Bool(b) => Value::Bool(b),
        ScalarValue::Int(i) => Value::Int(i),
        ScalarValue::Float(f) => Value::Float(f),
        ScalarValue::Str(s) => Value::Str(s.into()),
    }
}

/// [`scalar_value`] without copying the text.
fn scalar_typed<'t>(text: &'t str, style: ScalarStyle, tag: Option<&Tag>) -> ScalarValue<'t> {
    if let Some(tag) = tag.filter(|t| t.is_yaml_core_schema()) {
        let typed = match tag.suffix.as_str() {
            "str" => Some(ScalarValue::Str(text)),
            "null" => Some(ScalarValue::Null),
            "bool" => core_bool(text).map(ScalarValue::Bool),
            "int" => core_int(text).map(ScalarValue::Int),
            "float" => core_float(text).map(ScalarValue::Float),
            _ => None,
        };
        return typed.unwrap_or(ScalarValue::Str(text));
    }
    if style != ScalarStyle::Plain || tag.is_some() {
        return ScalarValue::Str(text);
    }
    // Most plain scalars are words: an int or float starts with a digit, a sign or a dot, and
    // a word can only be a null or a bool.
    if let Some(first) = text.bytes().next().filter(u8::is_ascii_alphabetic) {
        if !b"nNtTfF".contains(&first) {
            return ScalarValue::Str(text);
        }
        return match text {
            "null" | "Null" | "NULL" => ScalarValue::Null,
            t => core_bool(t).map_or(ScalarValue::Str(t), ScalarValue::Bool),
        };
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => ScalarValue::Null,
        t => {
            if let Some(b) = core_bool(t) {
                ScalarValue::Bool(b)
            } else if let Some(i) = core_int(t) {
                ScalarValue::Int(i)
            } else if let Some(f) = core_float(t) {
                ScalarValue::Float(f)
            } else {
                ScalarValue::Str(t)
            }
        }
    }
}

fn core_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn core_int(t: &str) -> Option<i64> {
    if let Some(oct) = t.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    if let Some(hex) = t.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn core_float(t: &str) -> Option<f64> {
    // Most plain scalars are words: only a digit, a sign or a dot can start a float.
    if !t.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        return None;
    }
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    match unsigned {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if t.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        ".nan" | ".NaN" | ".NAN" if unsigned.len() == t.len() => return Some(f64::NAN),
        _ => {}
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?, read in one pass
    // (a date or a version, which start with a digit too, stops at its first `-` or `.`).
    let b = unsigned.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_digits = digits(0);
    let mut at = int_digits;
    let mantissa_ok = if b.get(at) == Some(&b'.') {
        let frac_digits = digits(at + 1);
        at += 1 + frac_digits;
        int_digits + frac_digits > 0
    } else {
        int_digits > 0
    };
    let exponent_ok = match b.get(at) {
        Some(b'e' | b'E') => {
            at += 1;
            if matches!(b.get(at), Some(b'-' | b'+')) {
                at += 1;
            }
            let exp_digits = digits(at);
            at += exp_digits;
            exp_digits > 0
        }
        _ => true,
    };
    // Nothing after the exponent (`1.5x`, `1e3.5`).
    let whole = at == b.len();
    if mantissa_ok && exponent_ok && whole {
        t.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of<'a>(src: &'a str, node: &Node) -> &'a str {
        &src[node.span.range()]
    }

    /// The tapes of `text` read straight from events, or `None`; when read, they must be
    /// exactly the tapes of the loader's tree.
    fn tapes_agree(text: &str) -> bool {
        let Some(fast) = load_tapes(text) else {
            return false;
        };
        let loaded = load(text);
        assert!(loaded.errors.is_empty(), "{text:?}: {:?}", loaded.errors);
        let slow: Vec<Tape> = loaded
            .documents
            .iter()
            .map(|d| Tape::from_node(&d.root))
            .collect();
        assert_eq!(fast, slow, "{text:?}");
        // What the builder collects of each document's scalars is what its tape holds.
        let mut collected = Vec::new();
        let mut scan = |texts: &ScalarTexts| {
            collected.push(format!("{texts:?}"));
            collected.len() as u64
        };
        let scanned = load_tapes_scanned(text, Some(&mut scan)).unwrap_or_default();
        let read: Vec<String> = slow
            .iter()
            .map(|t| format!("{:?}", ScalarTexts::of_tape(t)))
            .collect();
        assert_eq!(collected, read, "{text:?}");
        // Each tape keeps the answer for its own document.
        let answers: Vec<u64> = scanned.iter().map(|d| d.answers).collect();
        assert_eq!(answers, (1..=slow.len() as u64).collect::<Vec<_>>());
        true
    }

    #[test]
    fn tapes_from_events_equal_tapes_from_the_tree() {
        let read = [
            "apiVersion: estatelint/v1\nkind: System\nmetadata: {name: crm}\nspec:\n  tier: 1\n  \
             ratio: -2.5\n  on: true\n  none: ~\n  regions: [eu-west-1, 'us-east-1']\n  \
             note: \"tab\\there\"\n  text: |\n    two\n    lines\n  1: one\n",
            "- a\n- [b, {c: d}]\n- {}\n- []\n---\nplain\n---\n...\n",
            "\u{feff}k: v # comment\r\nl: [1, 2.0, .inf, 0x1f, !!str 3, !!int '4']\r\n\n# trailing\n",
            "name: café\nnext: 日本語 text\nseq:\n- x\n-\n  - nested\n  - deeper: [y]\n",
            "",
            "# only a comment\n",
            "a:\nb: {}\nc:\n  - {d: e, f: [g]}\n",
        ];
        let many: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        for text in read.into_iter().chain([many.as_str()]) {
            assert!(tapes_agree(text), "{text:?} should be read from events");
        }
        // A key repeated past the first few, where repeats are found by hashing.
        let repeated = format!("{many}k3: again\n");
        // What the tree handles and reports is left to it.
        let left = [
            "a: &x 1\nb: *x\n",
            "a: 1\na: 2\n",
            "1: a\n'1': b\n",
            "? [complex]\n: key\n",
            "a: [unclosed\n",
            &"[".repeat(MAX_DEPTH + 1),
            &repeated,
        ];
        for text in left {
            assert_eq!(load_tapes(text), None, "{text:?}");
        }
    }

    #[test]
    fn every_fixture_reads_the_same_from_events() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    files(&path, out);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                    out.push(path);
                }
            }
        }
        let mut paths = Vec::new();
        files(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata")),
            &mut paths,
        );
        let mut read = 0;
        for path in paths {
            // Small files: the hostile ones of several megabytes are slow in debug builds.
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if text.len() < 1 << 20 && tapes_agree(&text) {
                read += 1;
            }
        }
        assert!(read > 10, "only {read} fixtures read from events");
    }

    #[test]
    fn spans_are_byte_offsets_after_non_ascii_text() {
        let src = "title: Zürich – 東京 😀\nname: billing\n";
        let doc = &load(src).documents[0].root;
        let name = doc.get("name").unwrap();
        assert_eq!(text_of(src, name), "billing");
        assert_eq!(name.span.start as usize, src.find("billing").unwrap());
        let key = &doc.entry("name").unwrap().key;
        assert_eq!(text_of(src, key), "name");
    }

    #[test]
    fn spans_cover_quoted_scalars_and_flow_collections() {
        let src = "a: \"x y\"\nb: [1, 2]\nc: {d: e}\n";
        let doc = &load(src).documents[0].root;
        assert_eq!(text_of(src, doc.get("a").unwrap()), "\"x y\"");
        assert_eq!(text_of(src, doc.get("b").unwrap()), "[1, 2]");
        assert_eq!(text_of(src, doc.get("c").unwrap()), "{d: e}");
    }

    #[test]
    fn block_collections_end_at_their_last_child() {
        let src = "a:\n  - x\n  - y\n\n# trailing\nb: 1\n";
        let doc = &load(src).documents[0].root;
        assert_eq!(text_of(src, doc.get("a").unwrap()), "- x\n  - y");
    }

    #[test]
    fn yaml_1_2_core_typing() {
        let src = "a: NO\nb: yes\nc: on\nd: true\ne: 12\nf: '12'\ng: 1.5\nh: ~\ni:\nj: 0x1F\nk: 2026-01-31\nl: !!str 7\nm: .inf\nn: 1e3\no: 0o17\n";
        let doc = &load(src).documents[0].root;
        let v = |k: &str| doc.get(k).unwrap().value.clone();
        assert_eq!(v("a"), Value::Str("NO".into()));
        assert_eq!(v("b"), Value::Str("yes".into()));
        assert_eq!(v("c"), Value::Str("on".into()));
        assert_eq!(v("d"), Value::Bool(true));
        assert_eq!(v("e"), Value::Int(12));
        assert_eq!(v("f"), Value::Str("12".into()));
        assert_eq!(v("g"), Value::Float(1.5));
        assert_eq!(v("h"), Value::Null);
        assert_eq!(v("i"), Value::Null);
        assert_eq!(v("j"), Value::Int(31));
        assert_eq!(v("k"), Value::Str("2026-01-31".into()));
        assert_eq!(v("l"), Value::Str("7".into()));
        assert_eq!(v("m"), Value::Float(f64::INFINITY));
        assert_eq!(v("n"), Value::Float(1000.0));
        assert_eq!(v("o"), Value::Int(15));
    }

    #[test]
    fn the_core_float_grammar_is_read_to_its_edges() {
        // [-+]? ( . [0-9]+ | [0-9]+ ( . [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        let floats = [
            ("1.5", 1.5),
            ("1.", 1.0),
            (".5", 0.5),
            ("+.5", 0.5),
            ("-2.5", -2.5),
            ("1e3", 1000.0),
            ("1E+3", 1000.0),
            ("2.5e-1", 0.25),
            (".5e1", 5.0),
            ("-.inf", f64::NEG_INFINITY),
        ];
        for (text, want) in floats {
            assert_eq!(core_float(text), Some(want), "{text}");
        }
        let not_floats = [
            "",
            ".",
            "-",
            "+.",
            "e3",
            ".e3",
            "1e",
            "1e+",
            "1.2.3",
            "1..2",
            "2026-01-31",
            "1-2",
            "1e3.5",
            "1_000.5",
            "1.5x",
            "--1",
            "+-1",
            "1ee3",
            " 1.5",
            "0x1F",
            "-.nan",
        ];
        for text in not_floats {
            assert_eq!(core_float(text), None, "{text}");
        }
        assert!(core_float(".nan").is_some_and(f64::is_nan));
    }

    #[test]
    fn several_documents_per_file() {
        let src = "a: 1\n---\nb: 2\n---\n- c\n";
        let loaded = load(src);
        assert!(loaded.errors.is_empty());
        assert_eq!(loaded.documents.len(), 3);
        assert_eq!(loaded.documents[2].root.as_seq().unwrap().len(), 1);
    }

    #[test]
    fn a_syntax_error_loses_only_its_own_document() {
        let src = "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n";
        let loaded = load(src);
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].kind, ErrorKind::Syntax);
        let keys: Vec<_> = loaded
            .documents
            .iter()
            .map(|d| {
                d.root.as_map().unwrap()[0]
                    .key
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(keys, ["a", "d"]);
        // The error points into the broken document, inside the file.
        let at = loaded.errors[0].span.start as usize;
        assert!(at > src.find("b:").unwrap() && at <= src.find("d:").unwrap());
    }

    #[test]
    fn recovery_after_error_keeps_later_offsets_right() {
        let src = "é: [\n---\nname: ü-x\n";
        let loaded = load(src);
        assert_eq!(loaded.errors.len(), 1);
        let name = loaded.documents[0].root.get("name").unwrap();
        assert_eq!(text_of(src, name), "ü-x");
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_spans() {
        let src = "a: 1\nb: 2\na: 3\n";
        let loaded = load(src);
        assert_eq!(loaded.errors.len(), 1);
        let e = &loaded.errors[0];
        assert_eq!(e.kind, ErrorKind::DuplicateKey);
        assert_eq!(e.span.start as usize, src.rfind("a:").unwrap());
        assert_eq!(e.related.as_ref().unwrap().0.start, 0);
        // The first value is kept.
        assert_eq!(
            loaded.documents[0].root.get("a").unwrap().value,
            Value::Int(1)
        );
    }

    #[test]
    fn duplicate_keys_in_large_mappings_use_the_index() {
        let mut src: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        src.push_str("k42: again\n");
        let loaded = load(&src);
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].message, "duplicate key `k42`");
    }

    #[test]
    fn nesting_past_the_cap_is_an_error_not_a_crash() {
        let depth = 100_000;
        let src = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let loaded = load(&src);
        assert!(loaded.documents.is_empty());
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].kind, ErrorKind::TooDeep);
        assert!((loaded.errors[0].span.start as usize) < depth);

        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(load(&ok).errors.is_empty());
    }

    #[test]
    fn deep_block_sequences_are_capped_too() {
        let src: String = (0..1000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let loaded = load(&src);
        assert!(loaded.errors.iter().any(|e| e.kind == ErrorKind::TooDeep));
    }

    #[test]
    fn alias_bombs_stop_at_the_expansion_bound() {
        let mut src = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(", ");
            src.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
        }
        src.push_str("---\nafter: bomb\n");
        let loaded = load(&src);
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].kind, ErrorKind::AliasLimit);
        // The next document is still loaded.
        assert_eq!(loaded.documents.len(), 1);
        assert!(loaded.documents[0].root.get("after").is_some());
    }

    #[test]
    fn aliases_expand_to_copies_spanned_at_the_alias() {
        let src = "a: &x {k: v}\nb: *x\n";
        let doc = &load(src).documents[0].root;
        let b = doc.get("b").unwrap();
        assert_eq!(b.get("k").unwrap().as_str(), Some("v"));
        assert_eq!(text_of(src, b), "*x");
    }

    #[test]
    fn byte_order_mark_is_skipped_and_offsets_stay_right() {
        let src = "\u{feff}name: x\n";
        let loaded = load(src);
        assert!(loaded.errors.is_empty());
        let name = loaded.documents[0].root.get("name").unwrap();
        assert_eq!(text_of(src, name), "x");
    }

    #[test]
    fn empty_and_comment_only_files_have_no_documents() {
        assert!(load("").documents.is_empty());
        assert!(load("# only a comment\n").documents.is_empty());
        let dashes = load("---\n");
        assert!(dashes.errors.is_empty());
        assert!(dashes.documents.iter().all(|d| d.root.value == Value::Null));
    }

    #[test]
    fn crlf_line_endings_keep_spans_right() {
        let src = "a: 1\r\nname: x\r\n";
        let name = load(src).documents[0].root.get("name").cloned().unwrap();
        assert_eq!(text_of(src, &name), "x");
    }

    #[test]
    fn to_json_and_paths() {
        let src = "spec:\n  continuity: {rpo: 4h}\n  list: [1, two]\n";
        let doc = &load(src).documents[0].root;
        assert_eq!(
            doc.get_path("spec.continuity.rpo").unwrap().as_str(),
            Some("4h")
        );
        assert_eq!(
            doc.to_json(),
            serde_json::json!({"spec": {"continuity": {"rpo": "4h"}, "list": [1, "two"]}})
        );
        let located = doc.locate(&["spec", "list", "1"]);
        assert_eq!(text_of(src, located.node), "two");
    }
}
