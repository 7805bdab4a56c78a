//! A one-pass structural check of estate documents kept as tapes against their kind's schema,
//! which answers "valid" for most documents without jsonschema's generic walk.
//!
//! jsonschema validates a tape through the [`crate::tape_json`] view: every mapping member is
//! decoded, its key compared as text, and each keyword is a call through its validator tree;
//! at 10,000 systems that was 315 M instructions, 5% of a check. Most estate documents are
//! valid, and the kinds' schemas are made of a few structural keywords (`type`, `enum`,
//! `const`, `properties`, `additionalProperties`, `required`, `items`, `uniqueItems`,
//! `$ref`). A [`Shapes`] is those keywords compiled once per kind: a mapping's keys are read as
//! the symbols the tape stores and looked up by number, a string enum compared as text.
//!
//! The keywords that constrain a single value are read here too where their meaning is plain
//! (`minimum`, `minItems`, `minLength` and the like; the formats `date`,
//! `estatelint-duration` and `estatelint-percentage`; a `pattern` of ASCII literals, classes,
//! groups and repetitions, where ECMA and Rust regexes agree); any other (`format: uri`, say)
//! is asked of jsonschema, through a validator of that keyword alone compiled on first use.
//!
//! The check is one-sided. When it accepts a document, jsonschema would accept it too; when
//! it does not, or reaches a keyword it does not read (a subschema with `anyOf`, say), the
//! caller asks jsonschema, which decides and words the errors.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use jsonschema::Validator;
use regex_syntax::hir::{Class, Hir, HirKind, Look};
use serde_json::{Map, Number, Value as Json};

use crate::regexes::ThreadRegex;
use crate::tape::{KeyRef, NodeRef, ValueRef};
use crate::tape_json::TapeJson;

const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const OBJECT: u8 = 4;
const ARRAY: u8 = 8;
const NUMBER: u8 = 16;
const INTEGER: u8 = 32;
const STRING: u8 = 64;
const ANY: u8 = 0x7f;

/// Keywords that only annotate: nothing to check.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$comment",
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// Keywords that constrain one value without subschemas, which jsonschema checks when they
/// are not read here ([`Leaf::Jsonschema`]).
const LEAF: &[&str] = &[
    "format",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
];

/// A kind's schema compiled for the structural check.
pub struct Shapes {
    shapes: Vec<Shape>,
    /// Where the schema's root is in `shapes`.
    root: u32,
    /// Each shape as [`Stream`] reads it: itself, the shape a plain `$ref` (with nothing but
    /// annotations beside it) points to, or [`UNSUPPORTED`] (a `$ref` beside other keywords).
    resolved: Vec<u32>,
    /// How [`Stream`] checks a scalar against each shape.
    plans: Vec<Plan>,
}

/// How a scalar is checked against a shape, worked out once: most shapes allow a type, or
/// one of a few words (an enum's strings are words of the vocabulary, compared by symbol).
enum Plan {
    /// The types (as bits) and nothing else.
    Types(u8),
    /// A string that is one of these words.
    Words(Box<[u32]>),
    /// An integer that is one of these.
    Ints(Box<[i64]>),
    /// Every keyword ([`Shapes::scalar_fits_fully`]).
    Full,
}

/// One subschema.
#[derive(Default)]
struct Shape {
    /// It uses a keyword this check does not read: a document that reaches it is left to
    /// jsonschema.
    unknown: bool,
    /// The JSON types allowed (`type`), as bits.
    types: u8,
    /// `enum` and `const`: the value equals one of each list.
    values: Vec<Vec<Json>>,
    /// `$ref`s: subschemas the value must also match.
    refs: Vec<u32>,
    /// `properties`, `additionalProperties`, `required` (for mappings).
    object: Option<Object>,
    /// `items` (for sequences).
    items: Option<u32>,
    /// `uniqueItems: true`.
    unique: bool,
    /// The keywords of [`LEAF`].
    leaves: Vec<Leaf>,
}

/// A keyword that constrains one value.
enum Leaf {
    /// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (for numbers).
    Bound(Bound, Number),
    /// `minItems`/`maxItems`, `minProperties`/`maxProperties`, `minLength`/`maxLength`: the
    /// size of a sequence, a mapping or a string (in characters) at least (`true`) or at most.
    Size(Sized, bool, u64),
    /// `format` of dates, durations and percentages.
    Format(Format),
    /// `pattern` as a Rust regex, where it means what the ECMA one does.
    Pattern(ThreadRegex),
    /// Any other: a validator of the keyword alone, compiled by jsonschema on first use.
    Jsonschema(Json, OnceLock<Option<Validator<TapeJson>>>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Bound {
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sized {
    Items,
    Properties,
    Length,
}

#[derive(Clone, Copy)]
enum Format {
    Date,
    Duration,
    Percentage,
}

struct Object {
    /// By key symbol ([`crate::tape::vocabulary_len`] of them).
    slots: Box<[Slot]>,
    /// Whether any key is a property (else every key is an additional one, whatever it is).
    named: bool,
    additional: Additional,
    /// The bits of [`Slot::bit`] every required key sets.
    required: u64,
}

#[derive(Clone, Copy)]
struct Slot {
    /// The property's subschema, or [`Slot::NONE`] for a key that is no property.
    shape: u32,
    /// The key's bit among the required ones, or [`Slot::NO_BIT`].
    bit: u8,
}

impl Slot {
    const NONE: u32 = u32::MAX;
    const NO_BIT: u8 = u8::MAX;
    const EMPTY: Slot = Slot {
        shape: Slot::NONE,
        bit: Slot::NO_BIT,
    };
}

enum Additional {
    Any,
    Forbidden,
    Shape(u32),
}

impl Shapes {
    /// Compiles `schema` (a whole schema document: `$ref`s are resolved within it).
    pub fn compile(schema: &Json) -> Shapes {
        let mut compiler = Compiler {
            root: schema,
            shapes: Vec::new(),
            refs: HashMap::new(),
        };
        let root = compiler.shape(schema);
        let shapes = compiler.shapes;
        let resolved = (0..shapes.len() as u32)
            .map(|i| resolve(&shapes, i))
            .collect();
        let plans = shapes.iter().map(Plan::of).collect();
        Shapes {
            shapes,
            root,
            resolved,
            plans,
        }
    }

    /// Whether the document `root` certainly matches the schema (jsonschema would accept it).
    /// `false` says nothing: the document may be valid all the same.
    pub fn accepts(&self, root: NodeRef<'_>) -> bool {
        self.matches(self.root, root)
    }

    fn matches(&self, at: u32, node: NodeRef<'_>) -> bool {
        let shape = &self.shapes[at as usize];
        if !shape.holds_here(node) || !shape.refs.iter().all(|&r| self.matches(r, node)) {
            return false;
        }
        match node.value {
            ValueRef::Map(map) => match &shape.object {
                Some(object) => self.members_match(object, map),
                None => true,
            },
            ValueRef::Seq(seq) => {
                if let Some(items) = shape.items {
                    if !seq.iter().all(|item| self.matches(items, item)) {
                        return false;
                    }
                }
                !shape.unique || all_distinct_strings(seq)
            }
            _ => true,
        }
    }

    fn members_match(&self, object: &Object, map: crate::tape::MapRef<'_>) -> bool {
        let mut seen = 0u64;
        let mut members = map.iter();
        while let Some((key, value)) = members.next_keyed() {
            let (sym, string) = match key {
                KeyRef::Sym(sym) => (Some(sym), true),
                KeyRef::Str(_) => (None, true),
                KeyRef::Other(_) => (None, false),
            };
            match object.member(sym, string, &mut seen) {
                None => return false,
                Some(ANY_VALUE) => {}
                Some(target) if !self.matches(target, value) => return false,
                Some(_) => {}
            }
        }
        seen & object.required == object.required
    }
}

impl Shape {
    /// Whether the keywords that read `node` itself hold (its type, `enum`/`const`, the
    /// single-value ones), not those of its members or items nor its `$ref`s.
    fn holds_here(&self, node: NodeRef<'_>) -> bool {
        !self.unknown
            && self.types & type_of(&node.value) != 0
            && self
                .values
                .iter()
                .all(|values| values.iter().any(|v| equals(&node.value, v)))
            && self.leaves.iter().all(|leaf| leaf.holds(node))
    }
}

impl Object {
    /// What the value of the member keyed `sym` (a word), or by a string that is no word
    /// (`string`), or by another scalar must match: its property's shape, the shape of
    /// additional properties, or [`ANY_VALUE`]; its required bit is added to `seen`. `None`
    /// when the key is not allowed, or not compared here (a key that is no string, named
    /// by its text, where properties are named).
    fn member(&self, sym: Option<u32>, string: bool, seen: &mut u64) -> Option<u32> {
        let slot = match sym {
            Some(sym) => self.slots.get(sym as usize).copied().unwrap_or(Slot::EMPTY),
            // Every property name is a word, so a string key that is none is no property.
            None if string || !self.named => Slot::EMPTY,
            None => return None,
        };
        if slot.bit != Slot::NO_BIT {
            *seen |= 1 << slot.bit;
        }
        match (slot.shape, &self.additional) {
            (Slot::NONE, Additional::Any) => Some(ANY_VALUE),
            (Slot::NONE, Additional::Forbidden) => None,
            (Slot::NONE, Additional::Shape(s)) => Some(*s),
            (s, _) => Some(s),
        }
    }
}

impl Plan {
    fn of(shape: &Shape) -> Plan {
        if shape.unknown {
            return Plan::Types(0);
        }
        if !shape.leaves.is_empty() || shape.values.len() > 1 {
            return Plan::Full;
        }
        let Some(values) = shape.values.first() else {
            return Plan::Types(shape.types);
        };
        let words: Option<Box<[u32]>> = values
            .iter()
            .map(|v| crate::tape::Key::new(v.as_str()?).sym())
            .collect();
        let ints: Option<Box<[i64]>> = values.iter().map(Json::as_i64).collect();
        match (words, ints) {
            (Some(words), _) if shape.types & STRING != 0 => Plan::Words(words),
            (_, Some(ints)) if shape.types & INTEGER != 0 => Plan::Ints(ints),
            _ => Plan::Full,
        }
    }
}

/// A shape to stream with: past plain `$ref`s (a chain of at most a few), or [`UNSUPPORTED`].
fn resolve(shapes: &[Shape], mut at: u32) -> u32 {
    for _ in 0..8 {
        let shape = &shapes[at as usize];
        match shape.refs.as_slice() {
            [] => return at,
            [target]
                if shape.types == ANY
                    && shape.values.is_empty()
                    && shape.object.is_none()
                    && shape.items.is_none()
                    && !shape.unique
                    && shape.leaves.is_empty()
                    && !shape.unknown =>
            {
                at = *target
            }
            _ => return UNSUPPORTED,
        }
    }
    UNSUPPORTED
}

/// What a [`Stream`] expects next, besides a shape's number.
const ANY_VALUE: u32 = u32::MAX;
/// The root mapping before its `kind` is read.
const PENDING_ROOT: u32 = u32::MAX - 1;
/// The value of the root's `kind`.
const PENDING_KIND: u32 = u32::MAX - 2;
/// The value of another root key read before `kind`.
const PENDING_VALUE: u32 = u32::MAX - 3;
/// A shape [`Stream`] cannot check.
const UNSUPPORTED: u32 = u32::MAX - 4;

/// The structural check run on a document while its events come, so that nothing is decoded
/// from the tape again: the tape builder ([`crate::tape::TapeBuilder`]) feeds it each scalar
/// and each collection's start and end. The kind's shapes are taken when the root's `kind`
/// is read; root scalars before it (`apiVersion`) are checked against every kind's. A
/// document it cannot follow (a collection at the root before `kind`, a `$ref` beside other
/// keywords, a keyword checked only on whole collections by jsonschema) is not accepted,
/// and is validated as before.
pub struct Stream {
    kinds: &'static [(crate::kind::Kind, &'static Shapes)],
    kind_sym: Option<u32>,
    /// The kind read, with its shapes.
    kind: Option<(crate::kind::Kind, &'static Shapes)>,
    levels: Vec<Level>,
    failed: bool,
    /// Root keys read before `kind` (their symbols), and the kinds whose root accepted them
    /// (bit by place in `kinds`).
    early_keys: Vec<u32>,
    early_kinds: u32,
    /// The last root key read before `kind` whose value was a word, that word, and the
    /// kinds whose root rejects it there: every document of a file starts with the same
    /// `apiVersion: estatelint/v1`, which is then checked against each kind's root once.
    early_word: Option<(u32, u32, u32)>,
    /// Hashes of the string items of open `uniqueItems` sequences.
    hashes: Vec<u64>,
}

struct Level {
    shape: u32,
    map: bool,
    /// In a mapping: what the value after the key just read must match; in a sequence, what
    /// each item must.
    target: u32,
    /// In a mapping: whether a key was read and its value not yet.
    after_key: bool,
    /// The required keys read, as [`Slot::bit`]s.
    seen: u64,
    count: u64,
    /// Where this sequence's item hashes start in [`Stream::hashes`], if it has `uniqueItems`.
    unique_from: Option<usize>,
}

impl Stream {
    /// A check against the shapes of `kinds`.
    pub fn new(kinds: &'static [(crate::kind::Kind, &'static Shapes)]) -> Stream {
        static KIND: LazyLock<Option<u32>> = LazyLock::new(|| crate::tape::Key::new("kind").sym());
        let mut stream = Stream {
            kinds,
            kind_sym: *KIND,
            kind: None,
            levels: Vec::new(),
            failed: false,
            early_keys: Vec::new(),
            early_kinds: 0,
            early_word: None,
            hashes: Vec::new(),
        };
        stream.reset();
        stream
    }

    /// A new document begins.
    pub fn reset(&mut self) {
        self.kind = None;
        self.levels.clear();
        self.failed = false;
        self.early_keys.clear();
        self.early_kinds = (1u32 << self.kinds.len()) - 1;
        self.hashes.clear();
    }

    /// The kind whose schema the document just ended certainly matches.
    pub fn accepted(&self) -> Option<crate::kind::Kind> {
        match self.kind {
            Some((kind, _)) if !self.failed && self.levels.is_empty() => Some(kind),
            _ => None,
        }
    }

    /// What the next value must match, counted as an item of the innermost collection.
    fn next_target(&mut self) -> u32 {
        let Some(level) = self.levels.last_mut() else {
            return PENDING_ROOT;
        };
        level.count += 1;
        level.after_key = false;
        level.target
    }

    /// A scalar: a mapping key when `key`, else a value.
    pub fn scalar(&mut self, key: bool, value: &crate::tape::ScalarValue<'_>, sym: Option<u32>) {
        if self.failed {
            return;
        }
        let value = scalar_ref(value);
        let ok = if key {
            self.key(&value, sym)
        } else {
            let target = self.next_target();
            let unique = self.unique_item(&value);
            unique && self.value(target, &value, sym)
        };
        self.failed = !ok;
    }

    /// Records an item of a `uniqueItems` sequence; false for a repeat, or an item not a
    /// string (left to jsonschema).
    fn unique_item(&mut self, value: &ValueRef<'_>) -> bool {
        use std::hash::BuildHasher;
        let Some(from) = self.levels.last().and_then(|l| l.unique_from) else {
            return true;
        };
        let ValueRef::Str(s) = value else {
            return false;
        };
        let hash = foldhash::fast::FixedState::with_seed(0).hash_one(s);
        // Equal hashes of unequal strings are taken for a repeat: jsonschema then decides.
        if self.hashes[from..].contains(&hash) {
            return false;
        }
        self.hashes.push(hash);
        true
    }

    fn key(&mut self, key: &ValueRef<'_>, sym: Option<u32>) -> bool {
        let Some(level) = self.levels.last_mut() else {
            return false;
        };
        level.after_key = true;
        match level.shape {
            ANY_VALUE => {
                level.target = ANY_VALUE;
                true
            }
            PENDING_ROOT => {
                if sym.is_some() && sym == self.kind_sym {
                    level.target = PENDING_KIND;
                    return true;
                }
                let Some(sym) = sym else {
                    return false;
                };
                level.target = PENDING_VALUE;
                self.early_keys.push(sym);
                true
            }
            shape => {
                let Some((_, shapes)) = self.kind else {
                    return false;
                };
                let string = matches!(key, ValueRef::Str(_));
                match shapes.member(shape, sym, string, &mut level.seen) {
                    Some(target) => {
                        level.target = target;
                        true
                    }
                    None => false,
                }
            }
        }
    }

    fn value(&mut self, target: u32, value: &ValueRef<'_>, sym: Option<u32>) -> bool {
        match target {
            ANY_VALUE => true,
            PENDING_KIND => self.read_kind(value, sym),
            PENDING_VALUE => {
                let Some(&key) = self.early_keys.last() else {
                    return false;
                };
                if let (Some((k, w, rejects)), Some(word)) = (self.early_word, sym) {
                    if (k, w) == (key, word) {
                        self.early_kinds &= !rejects;
                        return true;
                    }
                }
                let mut rejects = 0;
                for (i, (_, shapes)) in self.kinds.iter().enumerate() {
                    let fits = shapes.stream_root().is_some_and(|root| {
                        shapes
                            .member(root, Some(key), true, &mut 0)
                            .is_some_and(|t| shapes.scalar_fits(t, value, sym))
                    });
                    if !fits {
                        rejects |= 1 << i;
                    }
                }
                self.early_kinds &= !rejects;
                // A word's fit is the same wherever it is read (its text and type are its
                // number's).
                if let Some(word) = sym {
                    self.early_word = Some((key, word, rejects));
                }
                true
            }
            shape => match self.kind {
                Some((_, shapes)) => shapes.scalar_fits(shape, value, sym),
                None => false,
            },
        }
    }

    /// The root's `kind`: its shapes are taken, and what was read before it is checked.
    fn read_kind(&mut self, value: &ValueRef<'_>, sym: Option<u32>) -> bool {
        let ValueRef::Str(name) = value else {
            return false;
        };
        let Some(place) = self.kinds.iter().position(|(k, _)| k.name() == *name) else {
            return false;
        };
        if self.early_kinds & (1 << place) == 0 {
            return false;
        }
        let (kind, shapes) = self.kinds[place];
        self.kind = Some((kind, shapes));
        let Some(root) = shapes.stream_root().filter(|&r| shapes.opens(r, true)) else {
            return false;
        };
        let Some(level) = self.levels.last_mut() else {
            return false;
        };
        level.shape = root;
        for key in &self.early_keys {
            if shapes
                .member(root, Some(*key), true, &mut level.seen)
                .is_none()
            {
                return false;
            }
        }
        shapes
            .member(root, self.kind_sym, true, &mut level.seen)
            .is_some_and(|target| shapes.scalar_fits(target, value, sym))
    }

    /// A collection starts (a mapping when `map`).
    pub fn start(&mut self, map: bool) {
        if self.failed {
            return;
        }
        if self
            .levels
            .last()
            .is_some_and(|l| (l.map && !l.after_key) || l.unique_from.is_some())
        {
            // A collection as a key, or as an item of a `uniqueItems` sequence (compared
            // by jsonschema).
            self.failed = true;
            return;
        }
        let target = self.next_target();
        let shape = match target {
            ANY_VALUE => ANY_VALUE,
            PENDING_ROOT if map => PENDING_ROOT,
            PENDING_ROOT | PENDING_KIND | PENDING_VALUE => {
                self.failed = true;
                return;
            }
            shape => {
                let Some((_, shapes)) = self.kind else {
                    self.failed = true;
                    return;
                };
                if !shapes.opens(shape, map) {
                    self.failed = true;
                    return;
                }
                shape
            }
        };
        let (items, unique) = match (shape, self.kind) {
            (ANY_VALUE | PENDING_ROOT, _) | (_, None) => (ANY_VALUE, false),
            (s, Some((_, shapes))) => {
                let s = &shapes.shapes[s as usize];
                let items = s.items.map_or(ANY_VALUE, |i| shapes.resolved[i as usize]);
                if items == UNSUPPORTED {
                    self.failed = true;
                    return;
                }
                (items, s.unique && !map)
            }
        };
        self.levels.push(Level {
            shape,
            map,
            target: if map { ANY_VALUE } else { items },
            after_key: false,
            seen: 0,
            count: 0,
            unique_from: unique.then_some(self.hashes.len()),
        });
    }

    /// The innermost collection ends.
    pub fn end(&mut self) {
        if self.failed {
            return;
        }
        let Some(level) = self.levels.pop() else {
            self.failed = true;
            return;
        };
        if let Some(from) = level.unique_from {
            self.hashes.truncate(from);
        }
        let ok = match (level.shape, self.kind) {
            (ANY_VALUE, _) => true,
            (PENDING_ROOT, _) | (_, None) => false,
            (shape, Some((_, shapes))) => shapes.closes(shape, level.map, level.count, level.seen),
        };
        self.failed = !ok;
    }
}

/// A scalar as the check reads it.
fn scalar_ref<'a>(value: &crate::tape::ScalarValue<'a>) -> ValueRef<'a> {
    use crate::tape::ScalarValue as S;
    match *value {
        S::Null => ValueRef::Null,
        S::Bool(b) => ValueRef::Bool(b),
        S::Int(i) => ValueRef::Int(i),
        S::Float(f) => ValueRef::Float(f),
        S::Str(s) => ValueRef::Str(s),
    }
}

impl Shapes {
    /// [`Object::member`] of a mapping of shape `at` (resolved), the target resolved too:
    /// what the value of the key (`sym`, or a string that is no word when `string`) must
    /// match, [`ANY_VALUE`] for anything; `None` if the key is not allowed, or not decided
    /// here.
    fn member(&self, at: u32, sym: Option<u32>, string: bool, seen: &mut u64) -> Option<u32> {
        let Some(object) = &self.shapes[at as usize].object else {
            return Some(ANY_VALUE);
        };
        match object.member(sym, string, seen)? {
            ANY_VALUE => Some(ANY_VALUE),
            target => Some(self.resolved[target as usize]).filter(|&t| t < UNSUPPORTED),
        }
    }

    /// The root shape as [`Stream`] reads it, unless it cannot.
    fn stream_root(&self) -> Option<u32> {
        Some(self.resolved[self.root as usize]).filter(|&r| r < UNSUPPORTED)
    }

    /// Whether a scalar (`sym` its symbol, if it is a word) certainly matches shape `at`
    /// (resolved).
    #[inline]
    fn scalar_fits(&self, at: u32, value: &ValueRef<'_>, sym: Option<u32>) -> bool {
        if at == ANY_VALUE {
            return true;
        }
        let Some(plan) = self.plans.get(at as usize) else {
            return false;
        };
        match (plan, value) {
            (Plan::Types(types), _) => types & type_of(value) != 0,
            (Plan::Words(words), ValueRef::Str(_)) => sym.is_some_and(|s| words.contains(&s)),
            (Plan::Ints(ints), ValueRef::Int(i)) => ints.contains(i),
            (Plan::Words(_) | Plan::Ints(_), _) => false,
            (Plan::Full, _) => self.scalar_fits_fully(at, value),
        }
    }

    /// [`Shapes::scalar_fits`] keyword by keyword.
    fn scalar_fits_fully(&self, at: u32, value: &ValueRef<'_>) -> bool {
        self.shapes[at as usize].holds_here(NodeRef {
            span: crate::source::Span::empty(0),
            value: *value,
        })
    }

    /// Whether a collection (a mapping when `map`) may start where shape `at` (resolved) is
    /// expected, as far as its start tells.
    fn opens(&self, at: u32, map: bool) -> bool {
        if at >= UNSUPPORTED {
            return false;
        }
        let shape = &self.shapes[at as usize];
        !shape.unknown
            && shape.types & if map { OBJECT } else { ARRAY } != 0
            && shape.values.is_empty()
    }

    /// Whether a collection of shape `at` that held `count` items (`seen` its required keys)
    /// certainly matches what only its end tells: required keys, sizes.
    fn closes(&self, at: u32, map: bool, count: u64, seen: u64) -> bool {
        let shape = &self.shapes[at as usize];
        let required = match (&shape.object, map) {
            (Some(object), true) => object.required,
            _ => 0,
        };
        seen & required == required
            && shape.leaves.iter().all(|leaf| match leaf {
                Leaf::Size(Sized::Items, at_least, n) if !map => within_size(count, *at_least, *n),
                Leaf::Size(Sized::Properties, at_least, n) if map => {
                    within_size(count, *at_least, *n)
                }
                Leaf::Jsonschema(..) => false,
                _ => true,
            })
    }
}

/// The JSON type of a value as [`crate::tape_json`] presents it: an integer is a number and an
/// integer, a float that JSON cannot hold (`.inf`, `.nan`) a string.
fn type_of(value: &ValueRef<'_>) -> u8 {
    match value {
        ValueRef::Null => NULL,
        ValueRef::Bool(_) => BOOLEAN,
        ValueRef::Int(_) => NUMBER | INTEGER,
        // A float with no fraction is an integer to jsonschema; here it is only a number
        // (such a value is then left to jsonschema where only integers are allowed).
        ValueRef::Float(f) if f.is_finite() => NUMBER,
        ValueRef::Float(_) | ValueRef::Str(_) => STRING,
        ValueRef::Seq(_) => ARRAY,
        ValueRef::Map(_) => OBJECT,
    }
}

/// Whether a scalar equals an `enum` or `const` value; false for what is not compared here
/// (floats, collections), which jsonschema then decides.
fn equals(value: &ValueRef<'_>, expected: &Json) -> bool {
    match (value, expected) {
        (ValueRef::Str(s), Json::String(e)) => s == e,
        (ValueRef::Int(i), Json::Number(n)) => n.as_i64() == Some(*i),
        (ValueRef::Bool(b), Json::Bool(e)) => b == e,
        (ValueRef::Null, Json::Null) => true,
        _ => false,
    }
}

/// `uniqueItems` for a sequence of strings; false for any other item (left to jsonschema).
fn all_distinct_strings(seq: crate::tape::SeqRef<'_>) -> bool {
    let mut seen: Vec<&str> = Vec::with_capacity(seq.len());
    for item in seq.iter() {
        let ValueRef::Str(s) = item.value else {
            return false;
        };
        if seen.contains(&s) {
            return false;
        }
        seen.push(s);
    }
    true
}

impl Leaf {
    fn new(keyword: &str, value: &Json) -> Leaf {
        let size = |sized, at_least| value.as_u64().map(|n| Leaf::Size(sized, at_least, n));
        let bound = |b| match value {
            Json::Number(n) => Some(Leaf::Bound(b, n.clone())),
            _ => None,
        };
        let read = match keyword {
            "minimum" => bound(Bound::Minimum),
            "maximum" => bound(Bound::Maximum),
            "exclusiveMinimum" => bound(Bound::ExclusiveMinimum),
            "exclusiveMaximum" => bound(Bound::ExclusiveMaximum),
            "minItems" => size(Sized::Items, true),
            "maxItems" => size(Sized::Items, false),
            "minProperties" => size(Sized::Properties, true),
            "maxProperties" => size(Sized::Properties, false),
            "minLength" => size(Sized::Length, true),
            "maxLength" => size(Sized::Length, false),
            "format" => match value.as_str() {
                Some("date") => Some(Leaf::Format(Format::Date)),
                Some("estatelint-duration") => Some(Leaf::Format(Format::Duration)),
                Some("estatelint-percentage") => Some(Leaf::Format(Format::Percentage)),
                _ => None,
            },
            "pattern" => value.as_str().and_then(plain_regex).map(Leaf::Pattern),
            _ => None,
        };
        read.unwrap_or_else(|| {
            let mut alone = Map::new();
            alone.insert(keyword.to_string(), value.clone());
            Leaf::Jsonschema(Json::Object(alone), OnceLock::new())
        })
    }

    /// Whether the keyword certainly holds for `node` (false: perhaps not).
    fn holds(&self, node: NodeRef<'_>) -> bool {
        let value = &node.value;
        // A float JSON cannot hold is a string to jsonschema: left to it.
        if matches!(value, ValueRef::Float(f) if !f.is_finite()) {
            return false;
        }
        match self {
            Leaf::Bound(bound, limit) => match value {
                ValueRef::Int(i) => compare_int(*i, limit, *bound),
                ValueRef::Float(f) => compare_float(*f, limit, *bound),
                _ => true,
            },
            Leaf::Size(sized, at_least, n) => {
                let size = match (sized, value) {
                    (Sized::Items, ValueRef::Seq(seq)) => seq.len() as u64,
                    (Sized::Properties, ValueRef::Map(map)) => map.len() as u64,
                    (Sized::Length, ValueRef::Str(s)) => s.chars().count() as u64,
                    _ => return true,
                };
                within_size(size, *at_least, *n)
            }
            Leaf::Format(format) => match value {
                ValueRef::Str(s) => match format {
                    Format::Date => crate::value::Date::parse(s).is_some(),
                    Format::Duration => crate::value::is_duration(s),
                    Format::Percentage => crate::value::is_percentage(s),
                },
                _ => true,
            },
            Leaf::Pattern(regex) => match value {
                ValueRef::Str(s) => regex.is_match(s),
                _ => true,
            },
            Leaf::Jsonschema(keyword, validator) => validator
                .get_or_init(|| crate::schema::options::<TapeJson>().build(keyword).ok())
                .as_ref()
                .is_some_and(|v| v.is_valid(node)),
        }
    }
}

/// Whether `i` is within `limit` as `bound` asks; false where the comparison is not exact.
fn compare_int(i: i64, limit: &Number, bound: Bound) -> bool {
    let ordering = if let Some(l) = limit.as_i64() {
        i.cmp(&l)
    } else if limit.as_u64().is_some() {
        std::cmp::Ordering::Less
    } else {
        // A float limit: the integer as a float is exact up to 2^53.
        match limit.as_f64() {
            Some(l) if i.unsigned_abs() <= 1 << 53 => match (i as f64).partial_cmp(&l) {
                Some(o) => o,
                None => return false,
            },
            _ => return false,
        }
    };
    within(ordering, bound)
}

/// Whether `f` is within `limit` as `bound` asks; false where the comparison is not exact.
fn compare_float(f: f64, limit: &Number, bound: Bound) -> bool {
    let exact = limit.as_i64().is_none_or(|l| l.unsigned_abs() <= 1 << 53)
        && limit.as_u64().is_none_or(|l| l <= 1 << 53);
    match limit.as_f64().and_then(|l| f.partial_cmp(&l)) {
        Some(ordering) if exact => within(ordering, bound),
        _ => false,
    }
}

/// Whether `size` is at least (`at_least`) or at most `n`.
fn within_size(size: u64, at_least: bool, n: u64) -> bool {
    if at_least {
        size >= n
    } else {
        size <= n
    }
}

fn within(ordering: std::cmp::Ordering, bound: Bound) -> bool {
    use std::cmp::Ordering::*;
    match bound {
        Bound::Minimum => ordering != Less,
        Bound::Maximum => ordering != Greater,
        Bound::ExclusiveMinimum => ordering == Greater,
        Bound::ExclusiveMaximum => ordering == Less,
    }
}

/// `pattern` as a Rust regex, when it is made only of what ECMA regexes read alike: ASCII
/// literals and classes of ASCII characters, groups, alternations, repetitions, and `^`/`$`
/// at the edges of the text (no `.`, which ECMA stops at more line ends, no `\d`, `\w`, `\b`,
/// which are Unicode in Rust, no flags).
fn plain_regex(pattern: &str) -> Option<ThreadRegex> {
    fn plain(hir: &Hir) -> bool {
        match hir.kind() {
            HirKind::Empty => true,
            HirKind::Literal(lit) => lit.0.is_ascii(),
            HirKind::Class(Class::Unicode(class)) => {
                class.ranges().iter().all(|r| r.end().is_ascii())
            }
            HirKind::Class(Class::Bytes(_)) => false,
            HirKind::Look(look) => matches!(look, Look::Start | Look::End),
            HirKind::Repetition(rep) => plain(&rep.sub),
            HirKind::Capture(cap) => plain(&cap.sub),
            HirKind::Concat(items) | HirKind::Alternation(items) => items.iter().all(plain),
        }
    }
    if pattern.contains("(?") || pattern.contains('\\') {
        return None;
    }
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    if !plain(&hir) {
        return None;
    }
    regex::Regex::new(pattern).ok().map(ThreadRegex::new)
}

struct Compiler<'a> {
    root: &'a Json,
    shapes: Vec<Shape>,
    /// `$ref` targets compiled so far, by reference.
    refs: HashMap<&'a str, u32>,
}

impl<'a> Compiler<'a> {
    fn shape(&mut self, schema: &'a Json) -> u32 {
        let at = self.shapes.len() as u32;
        self.shapes.push(Shape::default());
        let shape = self.compile(schema);
        self.shapes[at as usize] = shape;
        at
    }

    fn compile(&mut self, schema: &'a Json) -> Shape {
        let mut shape = Shape {
            types: ANY,
            ..Shape::default()
        };
        let map = match schema {
            Json::Bool(true) => return shape,
            Json::Object(map) => map,
            _ => {
                shape.unknown = true;
                return shape;
            }
        };
        for (keyword, value) in map {
            let known = match keyword.as_str() {
                k if ANNOTATIONS.contains(&k) => true,
                k if LEAF.contains(&k) => {
                    shape.leaves.push(Leaf::new(k, value));
                    true
                }
                "type" => self.types(value, &mut shape),
                "enum" => match value {
                    Json::Array(values) => {
                        shape.values.push(values.clone());
                        true
                    }
                    _ => false,
                },
                "const" => {
                    shape.values.push(vec![value.clone()]);
                    true
                }
                "$ref" => match self.reference(value) {
                    Some(r) => {
                        shape.refs.push(r);
                        true
                    }
                    None => false,
                },
                "items" => {
                    shape.items = Some(self.shape(value));
                    true
                }
                "uniqueItems" => match value {
                    Json::Bool(unique) => {
                        shape.unique = *unique;
                        true
                    }
                    _ => false,
                },
                // Read together below.
                "properties" | "additionalProperties" | "required" => true,
                _ => false,
            };
            if !known {
                shape.unknown = true;
                return shape;
            }
        }
        if map.contains_key("properties")
            || map.contains_key("additionalProperties")
            || map.contains_key("required")
        {
            match self.object(map) {
                Some(object) => shape.object = Some(object),
                None => {
                    shape.unknown = true;
                    return shape;
                }
            }
        }
        shape
    }

    fn types(&self, value: &Json, shape: &mut Shape) -> bool {
        let bit = |name: &str| match name {
            "null" => Some(NULL),
            "boolean" => Some(BOOLEAN),
            "object" => Some(OBJECT),
            "array" => Some(ARRAY),
            "number" => Some(NUMBER),
            "integer" => Some(INTEGER),
            "string" => Some(STRING),
            _ => None,
        };
        let names: Vec<&Json> = match value {
            Json::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let mut types = 0;
        for name in names {
            match name.as_str().and_then(bit) {
                Some(b) => types |= b,
                None => return false,
            }
        }
        shape.types &= types;
        true
    }

    /// A `$ref` within the document (`#` or a JSON pointer from it).
    fn reference(&mut self, value: &'a Json) -> Option<u32> {
        let reference = value.as_str()?;
        if let Some(&at) = self.refs.get(reference) {
            return Some(at);
        }
        let pointer = reference.strip_prefix('#')?;
        let target = self.root.pointer(pointer)?;
        // Reserved before compiling, so a schema that refers to itself ends.
        let at = self.shapes.len() as u32;
        self.shapes.push(Shape::default());
        self.refs.insert(reference, at);
        let shape = self.compile(target);
        self.shapes[at as usize] = shape;
        Some(at)
    }

    fn object(&mut self, map: &'a Map<String, Json>) -> Option<Object> {
        let mut slots = vec![Slot::EMPTY; crate::tape::vocabulary_len()].into_boxed_slice();
        let symbol = |name: &str| crate::tape::Key::new(name).sym().map(|s| s as usize);
        let mut named = false;
        if let Some(properties) = map.get("properties") {
            for (name, schema) in properties.as_object()? {
                // A property that is not a word could not be told from other string keys.
                let sym = symbol(name)?;
                slots[sym].shape = self.shape(schema);
                named = true;
            }
        }
        let mut required = 0u64;
        if let Some(names) = map.get("required") {
            let names = names.as_array()?;
            if names.len() > 64 {
                return None;
            }
            for (bit, name) in names.iter().enumerate() {
                let sym = symbol(name.as_str()?)?;
                if slots[sym].bit == Slot::NO_BIT {
                    slots[sym].bit = bit as u8;
                    required |= 1 << bit;
                }
            }
        }
        let additional = match map.get("additionalProperties") {
            None | Some(Json::Bool(true)) => Additional::Any,
            Some(Json::Bool(false)) => Additional::Forbidden,
            Some(schema) => Additional::Shape(self.shape(schema)),
        };
        Some(Object {
            slots,
            named,
            additional,
            required,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tape::Tape;
    use serde_json::json;

    fn tape(text: &str) -> Tape {
        let root = crate::yaml::load(text).documents.remove(0).root;
        Tape::from_node(&root)
    }

    /// How many of `docs` the shape check accepts, asserting that jsonschema agrees on each.
    fn agreeing(schema: &Json, docs: &[&str]) -> usize {
        let got = answers(schema, docs);
        for (doc, (shape, jsonschema)) in docs.iter().zip(&got) {
            assert_eq!(shape, jsonschema, "{doc}");
        }
        got.iter().filter(|(shape, _)| *shape).count()
    }

    /// The shape check's answer and jsonschema's, for each document.
    fn answers(schema: &Json, docs: &[&str]) -> Vec<(bool, bool)> {
        let shapes = Shapes::compile(schema);
        let validator = crate::schema::options::<TapeJson>()
            .build(schema)
            .expect("compiles");
        docs.iter()
            .map(|d| {
                let t = tape(d);
                (shapes.accepts(t.root()), validator.is_valid(t.root()))
            })
            .collect()
    }

    // Property names are words of the vocabulary (the kinds' own), as the check requires.
    #[test]
    fn each_keyword_accepts_what_jsonschema_accepts_and_rejects_the_rest() {
        let schema = json!({
            "$defs": {"name": {"type": "string", "pattern": "^[a-z]+$"}},
            "type": "object",
            "required": ["kind", "name"],
            "additionalProperties": false,
            "properties": {
                "kind": {"const": "System"},
                "name": {"$ref": "#/$defs/name"},
                "tier": {"enum": [1, 2, 3]},
                "transport": {"enum": ["on", "off"]},
                "utilization": {"type": ["number", "null"], "minimum": 0},
                "seats": {"type": "integer"},
                "regions": {"type": "array", "uniqueItems": true, "items": {"type": "string"}, "minItems": 1},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "date": {"type": "string", "format": "date"},
                "sso": {"type": "boolean"},
            },
        });
        let docs = [
            // Accepted by both.
            "kind: System\nname: crm",
            "kind: System\nname: crm\ntier: 2\ntransport: 'off'\nutilization: 0.5\nseats: 3",
            "kind: System\nname: crm\nutilization: null\nregions: [a, b]\nsso: true",
            "kind: System\nname: crm\nlabels: {team: x, 2024: y, name: z}\ndate: 2026-02-28",
            // Rejected by both: each keyword once.
            "kind: Owner\nname: crm",
            "kind: System",
            "kind: System\nname: CRM",
            "kind: System\nname: crm\ntier: 5",
            "kind: System\nname: crm\ntier: '2'",
            "kind: System\nname: crm\ntransport: maybe",
            "kind: System\nname: crm\nutilization: -1",
            "kind: System\nname: crm\nutilization: x",
            "kind: System\nname: crm\nseats: x",
            "kind: System\nname: crm\nregions: [a, a]",
            "kind: System\nname: crm\nregions: []",
            "kind: System\nname: crm\nregions: [1]",
            "kind: System\nname: crm\nlabels: {team: 1}",
            "kind: System\nname: crm\ndate: 2026-02-30",
            "kind: System\nname: crm\nsso: yes please",
            "kind: System\nname: crm\nextra: 1",
            "kind: System\nname: crm\n'unknown key': 1",
            "[1, 2]",
        ];
        assert_eq!(agreeing(&schema, &docs), 4);
    }

    #[test]
    fn the_builder_accepts_each_document_as_its_own_kind_or_leaves_it() {
        use crate::kind::Kind;
        let text = "\
apiVersion: estatelint/v1
kind: Owner
metadata: {name: team-a}
spec: {}
---
apiVersion: estatelint/v1
kind: Backup
metadata:
  name: b
spec:
  covers: [crm, erp]
  copies: 2
  lastRestoreTest: {date: 2026-02-28, result: passed}
---
metadata: {name: early}
apiVersion: estatelint/v1
kind: Owner
spec: {}
---
apiVersion: estatelint/v1
kind: owner
metadata: {name: lower}
spec: {}
---
apiVersion: estatelint/v1
kind: Backup
metadata: {name: c}
spec: {covers: [crm, crm]}
---
apiVersion: estatelint/v2
kind: Owner
metadata: {name: v2}
spec: {}
---
apiVersion: estatelint/v1
kind: Owner
metadata: {name: no-spec}
---
kind: Owner
apiVersion: estatelint/v1
spec: {}
metadata: {name: kind-first}
---
- apiVersion: estatelint/v1
---
{apiVersion: estatelint/v1, kind: Owner, metadata: {name: flow}, spec: {extra: 1}}
";
        let accepted: Vec<Option<Kind>> = crate::yaml::load_tapes_scanned(text, None)
            .expect("plain documents")
            .into_iter()
            .map(|d| d.accepted)
            .collect();
        assert_eq!(
            accepted,
            vec![
                Some(Kind::Owner),
                Some(Kind::Backup),
                // A collection before `kind`: left to jsonschema (which accepts it).
                None,
                None,
                // A repeated item of `uniqueItems`.
                None,
                None,
                // A required key missing.
                None,
                Some(Kind::Owner),
                None,
                None,
            ]
        );
    }

    #[test]
    fn a_word_read_before_kind_fits_as_it_did_in_the_documents_before() {
        use crate::kind::Kind;
        // Each document's early words are checked against every kind's root once per file
        // and remembered: a word that no kind takes there stays refused, one that fits
        // stays accepted.
        let owner = "apiVersion: estatelint/v1\nkind: Owner\nmetadata: {name: a}\nspec: {}\n";
        let early =
            "spec: production\nkind: Owner\napiVersion: estatelint/v1\nmetadata: {name: b}\n";
        let text = [owner, early, early, owner, owner].join("---\n");
        let accepted: Vec<Option<Kind>> = crate::yaml::load_tapes_scanned(&text, None)
            .expect("plain documents")
            .into_iter()
            .map(|d| d.accepted)
            .collect();
        let owner = Some(Kind::Owner);
        assert_eq!(accepted, vec![owner, None, None, owner, owner]);
    }

    #[test]
    fn bounds_and_sizes_are_read_as_jsonschema_reads_them() {
        let schema = json!({
            "type": "object",
            "properties": {
                "seats": {"minimum": 2, "exclusiveMaximum": 10},
                "utilization": {"exclusiveMinimum": 0.5, "maximum": 1.5},
                "vendor": {"minLength": 2, "maxLength": 3},
                "labels": {"maxProperties": 1},
                "regions": {"maxItems": 1},
            },
        });
        let docs = [
            "seats: 2",
            "seats: 9.5",
            "utilization: 1",
            "utilization: 1.5",
            "vendor: éé",
            "vendor: abc",
            "labels: {a: 1}",
            "regions: [a]",
            "vendor: 2",
            "seats: 1",
            "seats: 10",
            "seats: 1.5",
            "utilization: 0.5",
            "utilization: 2",
            "vendor: é",
            "vendor: abcd",
            "labels: {a: 1, b: 2}",
            "regions: [a, b]",
        ];
        assert_eq!(agreeing(&schema, &docs), 9);
    }

    #[test]
    fn only_patterns_that_ecma_reads_alike_are_matched_here() {
        assert!(plain_regex("^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$").is_some());
        assert!(plain_regex("ab|c+").is_some());
        for pattern in ["^\\d+$", "a.b", "(?i)abc", "^é$", "[^a]", "\\bx"] {
            assert!(plain_regex(pattern).is_none(), "{pattern}");
        }
    }

    #[test]
    fn what_it_does_not_compare_is_left_to_jsonschema() {
        // Valid to jsonschema, not decided here: a float that is an integer, a float in an
        // enum, an integer key where properties are named, a keyword not read here.
        let schema = json!({
            "type": "object",
            "properties": {
                "seats": {"type": "integer"},
                "tier": {"enum": [1, 2.5]},
                "vendor": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
        });
        let docs = [
            "seats: 2.0",
            "tier: 2.5",
            "2: x",
            "vendor: x",
            "seats: 2\ntier: 1",
        ];
        let got = answers(&schema, &docs);
        assert_eq!(
            got,
            vec![
                (false, true),
                (false, true),
                (false, true),
                (false, true),
                (true, true)
            ]
        );
    }
}
