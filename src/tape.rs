//! Compact read-only trees for estate documents: each document's nodes encoded into one byte
//! buffer (a tape), read through small copyable views that decode as they walk.
//!
//! The loader's tree ([`crate::yaml::Node`]) spends 32 bytes on every node and 64 on every
//! mapping entry, each collection in its own allocation: at 100,000 systems that is 460 MB
//! for 138 MB of YAML. A tape spends a few bytes per node: positions are stored as small
//! differences, the keys and enum values of the schemas as one-byte symbols, and collections
//! inline with their byte length so a walk can skip them. Estate documents are encoded
//! straight from the parser's events ([`TapeBuilder`], driven by `yaml::load_tapes`), validated
//! and checked as tapes; only a file with something unusual (an alias, a repeated key, an
//! error) goes through the loader's tree first. Rule packs and the config keep the tree.
//!
//! Layout of a node: a tag byte (type in the low three bits, `SYM`, `EXACT`), the start
//! as a zigzag varint relative to a cursor (the parent's start for a first child, else the
//! previous sibling's end; a mapping value's is its key's end), the span length as a varint
//! (left out for `EXACT` strings), then the payload: an integer as a zigzag varint, a float
//! as 8 bytes, a string as a symbol number or a length and its bytes, a collection as its
//! item count, its body's byte length and the body.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::source::Span;
use crate::yaml::{Node, Value};

const T_NULL: u8 = 0;
const T_FALSE: u8 = 1;
const T_TRUE: u8 = 2;
const T_INT: u8 = 3;
const T_FLOAT: u8 = 4;
const T_STR: u8 = 5;
const T_SEQ: u8 = 6;
const T_MAP: u8 = 7;
/// The string is a symbol of the vocabulary: its payload is the symbol's number.
const SYM: u8 = 0x08;
/// The string's span is exactly as long as the string: no span length is stored.
const EXACT: u8 = 0x10;

/// Strings stored as one or two bytes: the words every document repeats, then the schemas'
/// property names and enum values.
struct Vocabulary {
    words: Vec<&'static str>,
    /// Each word's [`Parts`], beside it.
    parts: Vec<Parts>,
    /// Open addressing by [`Parts::hash`], probed linearly: in each slot, the hash's top 32
    /// bits above a word's number plus one (0 is an empty slot). Every scalar of every
    /// document is looked up here and most are not words, so a miss must stop at an empty
    /// slot or an unequal hash without comparing text; the table is kept a quarter full or
    /// less, and small (8 bytes a slot: 4 KB for the built-in schemas' words), because the
    /// parser's own data pushes it out of the core's first cache between two lookups.
    slots: Vec<u64>,
    mask: usize,
    /// A hash's top bits pick its first slot (the multiply mixes every input bit into them).
    shift: u32,
}

/// A string read as whole words: its length, and its first and last eight bytes
/// (overlapping when shorter; four and four below eight; first, middle and last below four).
/// Up to 16 bytes they are the string, so equal parts are equal strings.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Parts {
    lo: u64,
    hi: u64,
    len: usize,
}

impl Parts {
    /// Strings this long or shorter are their parts.
    const WHOLE: usize = 16;

    #[inline]
    fn of(b: &[u8]) -> Parts {
        let (lo, hi) = if let (Some(f), Some(l)) = (b.first_chunk::<8>(), b.last_chunk::<8>()) {
            (u64::from_le_bytes(*f), u64::from_le_bytes(*l))
        } else if let (Some(f), Some(l)) = (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            (
                u64::from(u32::from_le_bytes(*f)),
                u64::from(u32::from_le_bytes(*l)),
            )
        } else if let (Some(&f), Some(&l)) = (b.first(), b.last()) {
            (
                u64::from(f) | u64::from(b[b.len() / 2]) << 8 | u64::from(l) << 16,
                0,
            )
        } else {
            (0, 0)
        };
        Parts {
            lo,
            hi,
            len: b.len(),
        }
    }

    #[inline]
    fn hash(&self) -> u64 {
        (self.lo ^ self.hi.rotate_left(31) ^ (self.len as u64) << 57)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

impl Vocabulary {
    #[inline]
    fn lookup(&self, s: &str) -> Option<u32> {
        let bytes = s.as_bytes();
        let parts = Parts::of(bytes);
        let hash = parts.hash();
        let mut i = (hash >> self.shift) as usize;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            let w = (slot as u32 - 1) as usize;
            if (slot ^ hash) >> 32 == 0
                && self.parts[w] == parts
                && (parts.len <= Parts::WHOLE || self.words[w].as_bytes() == bytes)
            {
                return Some(w as u32);
            }
            i = (i + 1) & self.mask;
        }
    }

    fn insert(&mut self, word: &'static str) {
        let parts = Parts::of(word.as_bytes());
        let hash = parts.hash();
        let mut i = (hash >> self.shift) as usize;
        loop {
            match self.slots[i] {
                0 => break,
                slot if self.words[(slot as u32 - 1) as usize] == word => return,
                _ => i = (i + 1) & self.mask,
            }
        }
        self.words.push(word);
        self.parts.push(parts);
        self.slots[i] = (hash & !u64::from(u32::MAX)) | self.words.len() as u64;
    }
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let common = [
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "spec",
        crate::kind::API_VERSION,
    ];
    let kinds = crate::kind::Kind::ALL.map(crate::kind::Kind::name);
    let schema_words = crate::schema::vocabulary();
    let size = ((common.len() + kinds.len() + schema_words.len()) * 4).next_power_of_two();
    let leaked = schema_words
        .into_iter()
        .map(|w| -> &'static str { Box::leak(w.into_boxed_str()) });
    let mut vocabulary = Vocabulary {
        words: Vec::new(),
        parts: Vec::new(),
        slots: vec![0; size],
        mask: size - 1,
        shift: 64 - size.trailing_zeros(),
    };
    for word in common.into_iter().chain(kinds).chain(leaked) {
        vocabulary.insert(word);
    }
    vocabulary
});

/// How many entities ahead a loop over many of them asks for the memory it will read
/// ([`Tape::prefetch_str`]): at 100,000 systems their documents are rarely in a cache, and
/// each entity's work in the name index and the reference walk is too small to hide the wait.
pub const PREFETCH_AHEAD: usize = 8;

/// One document, encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Tape(Box<[u8]>);

impl std::fmt::Debug for Tape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.root().fmt(f)
    }
}

impl Tape {
    /// Encodes a loaded tree.
    pub fn from_node(node: &Node) -> Tape {
        let mut out = Vec::with_capacity(64);
        encode(node, 0, &mut out);
        Tape(out.into_boxed_slice())
    }

    /// The document's root node.
    pub fn root(&self) -> NodeRef<'_> {
        let mut pos = 0;
        read(&self.0, &mut pos, 0)
    }

    /// Bytes the encoding takes.
    pub fn encoded_len(&self) -> usize {
        self.0.len()
    }
}

/// Bytes appended to a vector after one check of its room: a node's head and its payload's
/// numbers are a few bytes, written for every scalar of every document (pushed one by one,
/// each push checked the room again and could grow the vector).
struct Append<'a> {
    out: &'a mut Vec<u8>,
    len: usize,
}

impl<'a> Append<'a> {
    /// The most one node's head and numbers take: a tag, its start (a difference of two
    /// `u32`: 5 bytes), span length and item count (5 each) and a body's length (10). More
    /// would panic at the room's bounds check, never write past it.
    const ROOM: usize = 26;

    fn new(out: &'a mut Vec<u8>) -> Append<'a> {
        out.reserve(Self::ROOM);
        let len = out.len();
        Append { out, len }
    }

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        // Checked against the room made (never fails: see `ROOM`), so no byte lands outside.
        let at = self.len - self.out.len();
        self.out.spare_capacity_mut()[at].write(b);
        self.len += 1;
    }

    #[inline(always)]
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.byte((v as u8) | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }
}

impl Drop for Append<'_> {
    fn drop(&mut self) {
        // SAFETY: every byte below `len` was written by `byte`, within the vector's capacity.
        unsafe { self.out.set_len(self.len) }
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A scalar's typed value, borrowed: what the tape encoder encodes.
#[derive(Clone, Copy, Debug)]
pub enum ScalarValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

/// A node's head: tag, start relative to `cursor`, and span length unless [`EXACT`]; the
/// payload's numbers follow through the [`Append`] returned (written when it is dropped).
#[inline(always)]
fn put_head(out: &mut Vec<u8>, tag: u8, cursor: u32, span: Span) -> Append<'_> {
    let mut w = Append::new(out);
    w.byte(tag);
    w.varint(zigzag(i64::from(span.start) - i64::from(cursor)));
    if tag & EXACT == 0 {
        w.varint(u64::from(span.end - span.start));
    }
    w
}

/// Encodes a scalar node.
fn put_scalar(out: &mut Vec<u8>, cursor: u32, span: Span, value: ScalarValue<'_>) {
    put_scalar_sym(out, cursor, span, value, symbol(&value));
}

/// A string's symbol, when it is a word of the vocabulary.
fn symbol(value: &ScalarValue<'_>) -> Option<u32> {
    match value {
        ScalarValue::Str(s) => VOCABULARY.lookup(s),
        _ => None,
    }
}

/// [`put_scalar`] with the string's symbol looked up already. The head is written at one
/// place for every type: its code is inlined once, not in each type's arm (4.3 -> 2.7 KB of
/// code, run for every scalar).
fn put_scalar_sym(
    out: &mut Vec<u8>,
    cursor: u32,
    span: Span,
    value: ScalarValue<'_>,
    sym: Option<u32>,
) {
    /// What follows the head.
    enum Payload<'s> {
        None,
        Number(u64),
        Float([u8; 8]),
        Text(&'s [u8]),
    }
    let (tag, payload) = match value {
        ScalarValue::Null => (T_NULL, Payload::None),
        ScalarValue::Bool(false) => (T_FALSE, Payload::None),
        ScalarValue::Bool(true) => (T_TRUE, Payload::None),
        ScalarValue::Int(i) => (T_INT, Payload::Number(zigzag(i))),
        ScalarValue::Float(f) => (T_FLOAT, Payload::Float(f.to_le_bytes())),
        ScalarValue::Str(s) => {
            let exact = if s.len() == (span.end - span.start) as usize {
                EXACT
            } else {
                0
            };
            match sym {
                Some(sym) => (T_STR | SYM | exact, Payload::Number(u64::from(sym))),
                None => (T_STR | exact, Payload::Text(s.as_bytes())),
            }
        }
    };
    let mut w = put_head(out, tag, cursor, span);
    match payload {
        Payload::None => {}
        Payload::Number(n) => w.varint(n),
        Payload::Float(bytes) => {
            drop(w);
            out.extend_from_slice(&bytes);
        }
        Payload::Text(text) => {
            w.varint(text.len() as u64);
            drop(w);
            out.extend_from_slice(text);
        }
    }
}

/// Encodes a collection whose items are already encoded in `body`.
fn put_collection(out: &mut Vec<u8>, cursor: u32, span: Span, map: bool, count: u32, body: &[u8]) {
    let mut w = put_head(out, if map { T_MAP } else { T_SEQ }, cursor, span);
    w.varint(count.into());
    w.varint(body.len() as u64);
    drop(w);
    out.extend_from_slice(body);
}

fn encode(node: &Node, cursor: u32, out: &mut Vec<u8>) {
    let start = node.span.start;
    match &node.value {
        Value::Null => put_scalar(out, cursor, node.span, ScalarValue::Null),
        Value::Bool(b) => put_scalar(out, cursor, node.span, ScalarValue::Bool(*b)),
        Value::Int(i) => put_scalar(out, cursor, node.span, ScalarValue::Int(*i)),
        Value::Float(f) => put_scalar(out, cursor, node.span, ScalarValue::Float(*f)),
        Value::Str(s) => put_scalar(out, cursor, node.span, ScalarValue::Str(s)),
        Value::Seq(items) => {
            let mut body = Vec::new();
            let mut at = start;
            for item in items.iter() {
                encode(item, at, &mut body);
                at = item.span.end;
            }
            put_collection(out, cursor, node.span, false, items.len() as u32, &body);
        }
        Value::Map(entries) => {
            let mut body = Vec::new();
            let mut at = start;
            for e in entries.iter() {
                encode(&e.key, at, &mut body);
                encode(&e.value, e.key.span.end, &mut body);
                at = e.value.span.end;
            }
            put_collection(out, cursor, node.span, true, entries.len() as u32, &body);
        }
    }
}

/// Builds tapes from a stream of nodes (a parser's events) without a tree: each open
/// collection collects its encoded items, and is encoded into its parent when it closes.
#[derive(Default)]
pub struct TapeBuilder {
    /// Open collections, outermost first; frames past `depth` are kept for their buffers.
    frames: Vec<Frame>,
    depth: usize,
    root: Option<Tape>,
    /// The scalars of the document being built, as [`ScalarTexts`], when asked for
    /// ([`TapeBuilder::collect_texts`]).
    texts: Option<ScalarTexts>,
    /// The structural check of the document being built, when asked for
    /// ([`TapeBuilder::check_shapes`]).
    shapes: Option<Box<crate::shape::Stream>>,
    /// Where the document's `metadata.name` is, as it is written (a string that is no
    /// word): the frame whose body holds it, its bytes' offset there, and its length. It
    /// moves with the body into each parent, and ends as an offset in the finished tape
    /// ([`TapeBuilder::root_name`]), so an entity needs no walk to find its name.
    name: Option<(usize, usize, usize)>,
    /// Where a finished document is encoded before it is copied to an allocation of its size
    /// among the estate's other documents ([`crate::memory::long_lived`]).
    scratch: Vec<u8>,
}

/// The symbol of `metadata`, and the key `name`: where an entity's name is.
static METADATA_SYM: LazyLock<Option<u32>> = LazyLock::new(|| VOCABULARY.lookup("metadata"));
static NAME_KEY: LazyLock<Key> = LazyLock::new(|| Key::new("name"));

/// Every scalar of a document (mapping keys too) as a whole-document search reads it: the
/// words of the vocabulary as a set of symbols, the other scalars' texts joined by newlines
/// (each followed by one; null has none). Collected while a tape is built, or read from a
/// tape ([`ScalarTexts::of_tape`]): the two agree.
#[derive(Debug, PartialEq, Eq)]
pub struct ScalarTexts {
    text: String,
    /// Where each scalar of `text` starts.
    starts: Vec<u32>,
    /// Bit `s` set: symbol `s` is a scalar of the document.
    symbols: Vec<u64>,
}

impl ScalarTexts {
    /// The scalars of `tape`.
    pub fn of_tape(tape: &Tape) -> ScalarTexts {
        let mut texts = ScalarTexts::new();
        tape.any_scalar(|scalar| {
            texts.push(scalar);
            false
        });
        texts
    }

    /// The texts of the scalars that are not words, each followed by a newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where each scalar of [`ScalarTexts::text`] starts.
    pub fn starts(&self) -> &[u32] {
        &self.starts
    }

    /// Whether some word of the document is one for which `words` (by symbol) holds.
    pub fn any_word(&self, words: &[bool]) -> bool {
        crate::bits::ones(&self.symbols).any(|sym| words.get(sym).copied().unwrap_or(true))
    }

    fn clear(&mut self) {
        self.text.clear();
        self.starts.clear();
        self.symbols.iter_mut().for_each(|b| *b = 0);
    }

    /// Room for every symbol's bit.
    fn new() -> ScalarTexts {
        ScalarTexts {
            text: String::new(),
            starts: Vec::new(),
            symbols: vec![0; crate::bits::words(VOCABULARY.words.len())],
        }
    }

    #[inline(always)]
    fn mark(&mut self, sym: u32) {
        crate::bits::set(&mut self.symbols, sym as usize);
    }

    fn push(&mut self, scalar: Scalar<'_>) {
        use std::fmt::Write;
        match scalar {
            Scalar::Null => return,
            Scalar::Sym(sym) => return self.mark(sym),
            _ => self.starts.push(self.text.len() as u32),
        }
        match scalar {
            Scalar::Null | Scalar::Sym(_) => {}
            Scalar::Str(s) => self.text.push_str(s),
            Scalar::Bool(b) => self.text.push_str(if b { "true" } else { "false" }),
            Scalar::Int(i) => {
                let _ = write!(self.text, "{i}");
            }
            Scalar::Float(f) => {
                let _ = write!(self.text, "{f}");
            }
        }
        self.text.push('\n');
    }

    /// A scalar as the builder has it: typed, with its symbol if it is a word (most are:
    /// those only set a bit, here).
    #[inline(always)]
    fn push_value(&mut self, value: &ScalarValue<'_>, sym: Option<u32>) {
        match (*value, sym) {
            (ScalarValue::Str(_), Some(sym)) => self.mark(sym),
            (ScalarValue::Null, _) => {}
            (ScalarValue::Str(s), None) => {
                self.starts.push(self.text.len() as u32);
                self.text.push_str(s);
                self.text.push('\n');
            }
            (ScalarValue::Bool(b), _) => self.push(Scalar::Bool(b)),
            (ScalarValue::Int(i), _) => self.push(Scalar::Int(i)),
            (ScalarValue::Float(f), _) => self.push(Scalar::Float(f)),
        }
    }
}

#[derive(Default)]
struct Frame {
    map: bool,
    /// A flow collection ends at its bracket, a block one at its last item.
    flow: bool,
    start: u32,
    /// Where the next item's start is measured from.
    cursor: u32,
    count: u32,
    last_end: Option<u32>,
    /// In a mapping: the end of a key that waits for its value.
    key_end: Option<u32>,
    body: Vec<u8>,
    /// The mapping's keys so far: symbols as bits, the texts of the others (hashed once
    /// there are many, so a huge mapping stays linear).
    keys: Vec<u64>,
    other_keys: Vec<String>,
    other_index: Option<foldhash::HashSet<String>>,
    /// In a mapping: the symbol of the last key read, if it is a string that is a word.
    key_sym: Option<u32>,
}

/// Why a builder gives up on a document (the loader's tree then reads it, and reports).
#[derive(Debug, PartialEq, Eq)]
pub struct Unusual;

impl TapeBuilder {
    /// How many collections are open.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The finished document, if its root is complete.
    pub fn take_root(&mut self) -> Option<Tape> {
        self.depth = 0;
        self.root.take()
    }

    /// From now on, collects each document's [`ScalarTexts`] as it is built.
    pub fn collect_texts(&mut self) {
        self.texts.get_or_insert_with(ScalarTexts::new);
    }

    /// The scalars of the document built since the last [`TapeBuilder::start_document`],
    /// when collected.
    pub fn texts(&self) -> Option<&ScalarTexts> {
        self.texts.as_ref()
    }

    /// From now on, checks each document against the kinds' schemas as it is built
    /// ([`crate::shape::Stream`]).
    pub fn check_shapes(&mut self, stream: crate::shape::Stream) {
        self.shapes = Some(Box::new(stream));
    }

    /// The kind whose schema the document built since the last
    /// [`TapeBuilder::start_document`] certainly matches, when checked.
    pub fn accepted(&self) -> Option<crate::kind::Kind> {
        self.shapes.as_ref()?.accepted()
    }

    /// A new document begins: what was collected for the last one is let go.
    pub fn start_document(&mut self) {
        self.depth = 0;
        self.root = None;
        self.name = None;
        if let Some(texts) = &mut self.texts {
            texts.clear();
        }
        if let Some(shapes) = &mut self.shapes {
            shapes.reset();
        }
    }

    pub fn scalar(&mut self, span: Span, value: ScalarValue<'_>) -> Result<(), Unusual> {
        let sym = symbol(&value);
        if let Some(texts) = &mut self.texts {
            texts.push_value(&value, sym);
        }
        let Some(frame) = self.depth.checked_sub(1).map(|d| &mut self.frames[d]) else {
            if let Some(shapes) = &mut self.shapes {
                shapes.scalar(false, &value, sym);
            }
            self.scratch.clear();
            put_scalar_sym(&mut self.scratch, 0, span, value, sym);
            self.root = Some(Tape(crate::memory::long_lived(&self.scratch)));
            return Ok(());
        };
        let cursor = frame.item_cursor();
        let key = frame.map && frame.key_end.is_none();
        if key {
            frame.new_key(&value, sym)?;
            // (Only strings have symbols.)
            frame.key_sym = sym;
        }
        if let Some(shapes) = &mut self.shapes {
            shapes.scalar(key, &value, sym);
        }
        put_scalar_sym(&mut frame.body, cursor, span, value, sym);
        frame.item_done(span.end);
        Ok(())
    }

    /// Where `name`'s value is in `body`, the encoded entries of a mapping (`count` of
    /// them, starting at `start`) that is the value of a root mapping's `metadata`: offset
    /// and length, if it is a string that is no word.
    fn find_name(body: &[u8], count: u32, start: u32) -> Option<(usize, usize)> {
        let map = MapRef(Collection { body, count, start });
        let ValueRef::Str(s) = map.entry_key(&NAME_KEY)?.value.value else {
            return None;
        };
        // A word is read from the vocabulary, not from the body.
        offset_in(body, s).map(|at| (at, s.len()))
    }

    /// Where the finished document's `metadata.name` is in its tape (offset and length),
    /// when the builder noted it: a string that is no word. Otherwise the tape is read.
    pub fn root_name(&self) -> Option<(usize, usize)> {
        match self.name {
            Some((0, at, len)) if self.root.is_some() => Some((at, len)),
            _ => None,
        }
    }

    pub fn start(&mut self, map: bool, flow: bool, start: u32) -> Result<(), Unusual> {
        if let Some(parent) = self.depth.checked_sub(1).map(|d| &self.frames[d]) {
            // A collection as a mapping key: left to the tree.
            if parent.map && parent.key_end.is_none() {
                return Err(Unusual);
            }
        }
        if let Some(shapes) = &mut self.shapes {
            shapes.start(map);
        }
        if self.frames.len() == self.depth {
            self.frames.push(Frame::default());
        }
        let frame = &mut self.frames[self.depth];
        frame.map = map;
        frame.flow = flow;
        frame.start = start;
        frame.cursor = start;
        frame.count = 0;
        frame.last_end = None;
        frame.key_end = None;
        frame.key_sym = None;
        frame.body.clear();
        if map {
            frame.keys.clear();
            frame
                .keys
                .resize(crate::bits::words(VOCABULARY.words.len()), 0);
            frame.other_keys.clear();
            frame.other_index = None;
        }
        self.depth += 1;
        Ok(())
    }

    /// Closes the innermost collection; `event` is the span of its end event.
    pub fn end(&mut self, event: Span) {
        let Some(d) = self.depth.checked_sub(1) else {
            return;
        };
        if let Some(shapes) = &mut self.shapes {
            shapes.end();
        }
        self.depth = d;
        let done = &mut self.frames[d];
        let end = match (done.flow, done.last_end) {
            (false, Some(child)) => child,
            _ => event.end,
        };
        let span = Span {
            start: done.start,
            end,
        };
        let (map, count) = (done.map, done.count);
        let body = std::mem::take(&mut done.body);
        // The mapping under a root mapping's `metadata`: its `name` is noted.
        let root = &self.frames[0];
        if d == 1 && map && root.map && root.key_sym.is_some_and(|k| Some(k) == *METADATA_SYM) {
            if let Some((at, len)) = TapeBuilder::find_name(&body, count, span.start) {
                self.name = Some((1, at, len));
            }
        }
        // Where the body starts in its new place: a name noted in it moves along.
        let moved_to = match d.checked_sub(1) {
            None => {
                let out = &mut self.scratch;
                out.clear();
                put_collection(out, 0, span, map, count, &body);
                let at = out.len() - body.len();
                self.root = Some(Tape(crate::memory::long_lived(out)));
                at
            }
            Some(p) => {
                let parent = &mut self.frames[p];
                let cursor = parent.item_cursor();
                put_collection(&mut parent.body, cursor, span, map, count, &body);
                parent.item_done(end);
                parent.body.len() - body.len()
            }
        };
        if let Some((frame, at, len)) = self.name {
            if frame == d {
                self.name = Some((d.saturating_sub(1), moved_to + at, len));
            }
        }
        // The buffer goes back to its frame for the next collection at this depth.
        let mut body = body;
        body.clear();
        self.frames[d].body = body;
    }
}

impl Frame {
    /// The cursor the next item's start is relative to: a value's is its key's end.
    fn item_cursor(&self) -> u32 {
        self.key_end.unwrap_or(self.cursor)
    }

    /// Records that an item (a key, a value, a sequence item) ended at `end`.
    fn item_done(&mut self, end: u32) {
        if self.map && self.key_end.is_none() {
            self.key_end = Some(end);
            return;
        }
        self.key_end = None;
        self.cursor = end;
        self.last_end = Some(end);
        self.count += 1;
    }

    /// Checks a new scalar key against the mapping's earlier keys (by text, as the loader's
    /// tree compares them); a repeated key is left to the tree, which reports it.
    /// `sym` is the key's symbol if it is a string of the vocabulary.
    fn new_key(&mut self, key: &ScalarValue<'_>, sym: Option<u32>) -> Result<(), Unusual> {
        // Most keys are words: their symbol is all that is compared.
        if let (ScalarValue::Str(_), Some(sym)) = (key, sym) {
            return self.new_word_key(sym);
        }
        let text: Cow<'_, str> = match *key {
            ScalarValue::Str(s) => Cow::Borrowed(s),
            ScalarValue::Null => Cow::Borrowed("null"),
            ScalarValue::Bool(b) => Cow::Owned(b.to_string()),
            ScalarValue::Int(i) => Cow::Owned(i.to_string()),
            ScalarValue::Float(f) => Cow::Owned(f.to_string()),
        };
        const SCAN_LIMIT: usize = 16;
        // Another scalar's text may still be a word (`true`, `null`): looked up by text.
        let sym = match key {
            ScalarValue::Str(_) => None,
            _ => VOCABULARY.lookup(&text),
        };
        if let Some(sym) = sym {
            return self.new_word_key(sym);
        }
        let seen = match &mut self.other_index {
            Some(index) => !index.insert(text.to_string()),
            None => self.other_keys.iter().any(|k| *k == *text),
        };
        if seen {
            return Err(Unusual);
        }
        if self.other_index.is_none() {
            self.other_keys.push(text.into_owned());
            if self.other_keys.len() > SCAN_LIMIT {
                self.other_index = Some(self.other_keys.drain(..).collect());
            }
        }
        Ok(())
    }

    /// [`Frame::new_key`] for a key that is the word `sym`.
    #[inline]
    fn new_word_key(&mut self, sym: u32) -> Result<(), Unusual> {
        match crate::bits::set(&mut self.keys, sym as usize) {
            true => Err(Unusual),
            false => Ok(()),
        }
    }
}

#[inline]
fn varint(tape: &[u8], pos: &mut usize) -> u64 {
    // Most numbers (deltas, lengths, symbols) fit one byte.
    let first = tape[*pos];
    if first < 0x80 {
        *pos += 1;
        return u64::from(first);
    }
    varint_long(tape, pos)
}

#[cold]
fn varint_long(tape: &[u8], pos: &mut usize) -> u64 {
    // Two bytes, most of the time (a collection's body length), read without the loop.
    if let [first, second, ..] = tape[*pos..] {
        if second < 0x80 {
            *pos += 2;
            return u64::from(first & 0x7f) | u64::from(second) << 7;
        }
    }
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = tape[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// A node's tag, start and stored span length (none for exact strings).
#[inline]
fn head(tape: &[u8], pos: &mut usize, cursor: u32) -> (u8, u32, Option<u32>) {
    let tag = tape[*pos];
    *pos += 1;
    let start = (i64::from(cursor) + unzigzag(varint(tape, pos))) as u32;
    let len = (tag & EXACT == 0).then(|| varint(tape, pos) as u32);
    (tag, start, len)
}

/// Moves `pos` past the node there without building it; returns the node's end.
fn skip(tape: &[u8], pos: &mut usize, cursor: u32, words: &[&str]) -> u32 {
    skip_inline(tape, pos, cursor, words)
}

/// [`skip`], inlined into the loops that skip most nodes they meet ([`fill_map`]).
#[inline(always)]
fn skip_inline(tape: &[u8], pos: &mut usize, cursor: u32, words: &[&str]) -> u32 {
    let (tag, start, len) = head(tape, pos, cursor);
    match tag & 7 {
        T_INT => {
            varint(tape, pos);
        }
        T_FLOAT => *pos += 8,
        T_STR if tag & SYM != 0 => {
            let sym = varint(tape, pos) as usize;
            if len.is_none() {
                return start + words[sym].len() as u32;
            }
        }
        T_STR => {
            let n = varint(tape, pos) as usize;
            *pos += n;
            if len.is_none() {
                return start + n as u32;
            }
        }
        T_SEQ | T_MAP => {
            varint(tape, pos);
            let n = varint(tape, pos) as usize;
            *pos += n;
        }
        _ => {}
    }
    start + len.unwrap_or(0)
}

/// Where `s` starts in `bytes`, if it is a part of them (a string decoded from a tape is, a
/// word of the vocabulary is not).
fn offset_in(bytes: &[u8], s: &str) -> Option<usize> {
    let (base, at) = (bytes.as_ptr() as usize, s.as_ptr() as usize);
    (at >= base && at + s.len() <= base + bytes.len()).then(|| at - base)
}

/// Moves `pos` past the node there, decoding nothing but the lengths it needs to: [`skip`]
/// for a reader that needs no span (no cursor, no end worked out).
#[inline]
fn pass(tape: &[u8], pos: &mut usize) {
    let tag = tape[*pos];
    *pos += 1;
    pass_varint(tape, pos);
    if tag & EXACT == 0 {
        pass_varint(tape, pos);
    }
    match tag & 7 {
        T_INT => pass_varint(tape, pos),
        T_FLOAT => *pos += 8,
        T_STR if tag & SYM != 0 => pass_varint(tape, pos),
        T_STR => *pos += varint(tape, pos) as usize,
        T_SEQ | T_MAP => {
            pass_varint(tape, pos);
            *pos += varint(tape, pos) as usize;
        }
        _ => {}
    }
}

/// Moves `pos` past the varint there.
#[inline]
fn pass_varint(tape: &[u8], pos: &mut usize) {
    while tape[*pos] & 0x80 != 0 {
        *pos += 1;
    }
    *pos += 1;
}

/// A mapping key to look up, with its symbol when it is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub text: Box<str>,
    sym: Option<u32>,
}

impl Key {
    pub fn new(text: &str) -> Key {
        Key {
            text: text.into(),
            sym: VOCABULARY.lookup(text),
        }
    }

    /// The key's symbol, when it is a word of the vocabulary.
    pub fn sym(&self) -> Option<u32> {
        self.sym
    }
}

/// A scalar of a document as [`Tape::any_scalar`] meets it.
#[derive(Clone, Copy, Debug)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A word of the vocabulary, by number ([`word`]).
    Sym(u32),
    Str(&'a str),
}

/// How many words the vocabulary has: symbols are below this.
pub fn vocabulary_len() -> usize {
    VOCABULARY.words.len()
}

/// The word of a symbol.
pub fn word(sym: u32) -> &'static str {
    VOCABULARY.words[sym as usize]
}

/// Where a string read from a tape is ([`Tape::str_at`]): the range of its bytes in the
/// tape, in three bytes instead of a copy (an entity keeps its name so). A string that is a
/// symbol, starts past 64 KiB or is longer than 254 bytes is [`StrAt::ELSEWHERE`]: its
/// reader finds it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrAt {
    /// The start, little-endian: bytes, so the three pack without padding.
    at: [u8; 2],
    len: u8,
}

impl StrAt {
    pub const NONE: StrAt = StrAt {
        at: [u8::MAX; 2],
        len: 0,
    };
    pub const ELSEWHERE: StrAt = StrAt {
        at: [u8::MAX; 2],
        len: 1,
    };

    /// The string's bytes in the tape: start and length (none for [`StrAt::NONE`] and
    /// [`StrAt::ELSEWHERE`]).
    fn range(&self) -> Option<std::ops::Range<usize>> {
        let start = u16::from_le_bytes(self.at);
        (start != u16::MAX).then(|| {
            let start = usize::from(start);
            start..start + usize::from(self.len)
        })
    }

    /// The string's length in bytes, known without reading the tape (none for
    /// [`StrAt::NONE`] and [`StrAt::ELSEWHERE`]).
    pub fn known_len(&self) -> Option<usize> {
        self.range().map(|r| r.len())
    }
}

impl Tape {
    /// Where `s`, a string read from this tape, is.
    pub fn str_at(&self, s: &str) -> StrAt {
        offset_in(&self.0, s).map_or(StrAt::ELSEWHERE, |at| self.str_at_offset(at, s.len()))
    }

    /// [`Tape::str_at`] of the `len` bytes at offset `at` of this tape, a string the
    /// builder wrote there ([`TapeBuilder::root_name`]).
    pub fn str_at_offset(&self, at: usize, len: usize) -> StrAt {
        match self.0.get(at..at + len) {
            // Only a range of this tape becomes a `StrAt`, and `Tape::str` checks its bytes
            // when it reads them.
            Some(_) => match (u16::try_from(at), u8::try_from(len)) {
                (Ok(start), Ok(len)) if start < u16::MAX => StrAt {
                    at: start.to_le_bytes(),
                    len,
                },
                _ => StrAt::ELSEWHERE,
            },
            None => StrAt::ELSEWHERE,
        }
    }

    /// Asks the processor for the cache line of the string at `at` (of the document's start
    /// for a string not noted), for a reader that comes to it shortly: a loop over many
    /// entities' names otherwise waits on each one's memory in turn ([`PREFETCH_AHEAD`]).
    #[inline]
    pub fn prefetch_str(&self, at: StrAt) {
        self.prefetch_at(at.range().map_or(0, |r| r.start));
    }

    /// [`Tape::prefetch_str`] for a reader that starts at the document's root.
    #[inline]
    pub fn prefetch_start(&self) {
        self.prefetch_at(0);
    }

    /// Asks for the cache line of byte `pos`; nothing past the end (an empty tape included).
    #[inline]
    fn prefetch_at(&self, pos: usize) {
        #[cfg(target_arch = "x86_64")]
        if let Some(byte) = self.0.get(pos) {
            // SAFETY: a prefetch is a hint: it reads no memory and faults on no address.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    std::ptr::from_ref(byte).cast(),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = pos;
    }

    /// The string [`Tape::str_at`] found in the tape (none for [`StrAt::NONE`] and
    /// [`StrAt::ELSEWHERE`]).
    pub fn str(&self, at: StrAt) -> Option<&str> {
        let bytes = self.0.get(at.range()?)?;
        if bytes.is_ascii() {
            // SAFETY: ASCII bytes are UTF-8. (Names are ASCII nearly always: `from_utf8`'s
            // general check took 128 instructions for a name of ten bytes.)
            return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        std::str::from_utf8(bytes).ok()
    }
}

impl Tape {
    /// Whether `f` holds for some scalar of the document, mapping keys included: one pass
    /// over the bytes in document order, without building nodes or spans.
    pub fn any_scalar(&self, mut f: impl FnMut(Scalar<'_>) -> bool) -> bool {
        let tape = &self.0[..];
        let mut pos = 0;
        while pos < tape.len() {
            let tag = tape[pos];
            pos += 1;
            varint(tape, &mut pos);
            if tag & EXACT == 0 {
                varint(tape, &mut pos);
            }
            let scalar = match tag & 7 {
                T_NULL => Scalar::Null,
                T_FALSE => Scalar::Bool(false),
                T_TRUE => Scalar::Bool(true),
                T_INT => Scalar::Int(unzigzag(varint(tape, &mut pos))),
                T_FLOAT => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&tape[pos..pos + 8]);
                    pos += 8;
                    Scalar::Float(f64::from_le_bytes(b))
                }
                T_STR if tag & SYM != 0 => Scalar::Sym(varint(tape, &mut pos) as u32),
                T_STR => {
                    let n = varint(tape, &mut pos) as usize;
                    let bytes = &tape[pos..pos + n];
                    pos += n;
                    // SAFETY: these bytes were copied from a `str` by `encode`, whole.
                    Scalar::Str(unsafe { std::str::from_utf8_unchecked(bytes) })
                }
                _ => {
                    // A collection's count and body length; its body follows inline.
                    varint(tape, &mut pos);
                    varint(tape, &mut pos);
                    continue;
                }
            };
            if f(scalar) {
                return true;
            }
        }
        false
    }
}

/// Field paths of symbol keys (`spec.continuity.rpo`) as a trie, each path numbered: one walk
/// of a document finds every path's entry ([`Tape::fill_slots`]), so rules read fields by
/// number instead of searching mappings level by level.
#[derive(Debug, Default)]
pub struct SlotTrie {
    nodes: Vec<TrieNode>,
    slots: usize,
    /// Slots left out of the trie ([`SlotTrie::only`]): a table marks them
    /// [`SlotPos::UNKNOWN`], and their readers search the document instead.
    unknown: Vec<u32>,
}

#[derive(Debug, Default)]
struct TrieNode {
    /// (symbol, child node), in insertion order.
    children: Vec<(u32, u32)>,
    /// For a node of many children (`spec`): the child's place in `children` by symbol,
    /// [`NO_CHILD`] for none; empty for the others, whose few children are searched.
    by_sym: Box<[u32]>,
    slot: Option<u32>,
}

const NO_CHILD: u32 = u32::MAX;

/// Children past this many are also listed by symbol ([`TrieNode::by_sym`]).
const SEARCHED_CHILDREN: usize = 8;

impl SlotTrie {
    /// A trie of `paths` (each a list of key symbols); path `i` is slot `i`.
    pub fn new<'p>(paths: impl IntoIterator<Item = &'p [u32]>) -> SlotTrie {
        SlotTrie::only(paths, |_| true)
    }

    /// A trie of the paths whose slot `keep` holds, numbered as in [`SlotTrie::new`]: a table
    /// filled by it has the others [`SlotPos::UNKNOWN`]. For reading a few fields of many
    /// documents, where filling every slot would cost more than the reads.
    pub fn only<'p>(
        paths: impl IntoIterator<Item = &'p [u32]>,
        keep: impl Fn(u32) -> bool,
    ) -> SlotTrie {
        let mut trie = SlotTrie {
            nodes: vec![TrieNode::default()],
            slots: 0,
            unknown: Vec::new(),
        };
        for (slot, path) in paths.into_iter().enumerate() {
            trie.slots = slot + 1;
            if !keep(slot as u32) {
                trie.unknown.push(slot as u32);
                continue;
            }
            let mut node = 0usize;
            for &sym in path {
                node = match trie.nodes[node].children.iter().find(|c| c.0 == sym) {
                    Some(&(_, child)) => child as usize,
                    None => {
                        let child = trie.nodes.len();
                        trie.nodes[node].children.push((sym, child as u32));
                        trie.nodes.push(TrieNode::default());
                        child
                    }
                };
            }
            trie.nodes[node].slot.get_or_insert(slot as u32);
        }
        for node in &mut trie.nodes {
            if node.children.len() > SEARCHED_CHILDREN {
                let mut by_sym = vec![NO_CHILD; VOCABULARY.words.len()];
                for (place, &(sym, _)) in node.children.iter().enumerate() {
                    by_sym[sym as usize] = place as u32;
                }
                node.by_sym = by_sym.into();
            }
        }
        trie
    }

    /// How many slots a document's table has.
    pub fn len(&self) -> usize {
        self.slots
    }

    pub fn is_empty(&self) -> bool {
        self.slots == 0
    }

    /// The child of `node` keyed `sym`: its place among the node's children, and its node.
    fn child(&self, node: u32, sym: u32) -> Option<(usize, u32)> {
        let node = self.nodes.get(node as usize)?;
        let place = if node.by_sym.is_empty() {
            node.children.iter().position(|c| c.0 == sym)?
        } else {
            let place = *node.by_sym.get(sym as usize)?;
            (place != NO_CHILD).then_some(place as usize)?
        };
        Some((place, node.children[place].1))
    }
}

/// Where a slot's mapping entry is in its tape: the key's byte position and the cursor its
/// start is relative to; [`SlotPos::ABSENT`] when the document lacks the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotPos {
    pos: u32,
    cursor: u32,
}

impl SlotPos {
    pub const ABSENT: SlotPos = SlotPos {
        pos: u32::MAX,
        cursor: 0,
    };
    /// The path was not looked for ([`SlotTrie::only`]).
    pub const UNKNOWN: SlotPos = SlotPos {
        pos: u32::MAX,
        cursor: 1,
    };

    /// The entry's byte position in its tape (for [`Tape::value_at`]): `Some(None)` when the
    /// document lacks the path, `None` when it was not looked for.
    pub fn place(self) -> Option<Option<u32>> {
        match self {
            SlotPos::UNKNOWN => None,
            SlotPos::ABSENT => Some(None),
            at => Some(Some(at.pos)),
        }
    }
}

impl Tape {
    /// Finds the entry of every path of `trie` in this document (reached through mappings
    /// only, first match), writing their positions to `out` (`trie.len()` long). Returns
    /// whether some path runs into a sequence on the way, where a path's wider readings
    /// (every item of the sequence) differ from its first match.
    pub fn fill_slots(&self, trie: &SlotTrie, out: &mut [SlotPos]) -> bool {
        out.fill(SlotPos::ABSENT);
        for &slot in &trie.unknown {
            if let Some(at) = out.get_mut(slot as usize) {
                *at = SlotPos::UNKNOWN;
            }
        }
        let tape = &self.0[..];
        let mut pos = 0;
        let (tag, start, _) = head(tape, &mut pos, 0);
        let mut into_seq = false;
        if tag & 7 == T_MAP {
            fill_map(tape, pos, start, trie, 0, out, &mut into_seq);
        }
        into_seq
    }

    /// The value of the mapping entry at byte position `place` ([`SlotPos::place`]), read
    /// without its span (which needs the slot's cursor): for readers of a value only.
    pub fn value_at(&self, place: u32) -> ValueRef<'_> {
        let tape = &self.0[..];
        let mut pos = place as usize;
        pass(tape, &mut pos);
        let (tag, start, _) = head(tape, &mut pos, 0);
        payload(tape, &mut pos, tag, start)
    }

    /// The mapping entry at a slot position found by [`Tape::fill_slots`].
    pub fn entry_at(&self, at: SlotPos) -> Option<EntryRef<'_>> {
        if at.pos == u32::MAX {
            return None;
        }
        let mut pos = at.pos as usize;
        let key = read(&self.0, &mut pos, at.cursor);
        let value = read(&self.0, &mut pos, key.span.end);
        Some(EntryRef { key, value })
    }
}

/// [`Tape::fill_slots`] for the mapping whose count is at `pos`, at trie node `node`.
fn fill_map(
    tape: &[u8],
    mut pos: usize,
    start: u32,
    trie: &SlotTrie,
    node: u32,
    out: &mut [SlotPos],
    into_seq: &mut bool,
) {
    let words = &VOCABULARY.words;
    let count = varint(tape, &mut pos);
    varint(tape, &mut pos);
    let mut cursor = start;
    // The node's children met so far, by place: once all are, the rest of the mapping has
    // nothing to find and is not walked (a node of more than 64 children walks it all).
    let children = trie
        .nodes
        .get(node as usize)
        .map_or(0, |n| n.children.len());
    let all = match children {
        0 => return,
        1..64 => (1u64 << children) - 1,
        _ => 0,
    };
    let mut met = 0u64;
    for _ in 0..count {
        let at = pos;
        let key_cursor = cursor;
        let (sym, key_end) = if let Some(key) = sym_key_in(tape, &mut pos, cursor, words) {
            (Some(key.sym), key.end)
        } else {
            // A key written so that it is not stored as a symbol (quoted differently, a
            // number): looked up by its text, as `entry_key` compares it.
            let key = read(tape, &mut pos, cursor);
            let sym = key.scalar_text().and_then(|t| VOCABULARY.lookup(&t));
            (sym, key.span.end)
        };
        let child = sym.and_then(|s| trie.child(node, s));
        if let Some((place, child)) = child {
            let entry = &trie.nodes[child as usize];
            if let Some(slot) = entry.slot {
                let slot = &mut out[slot as usize];
                if *slot == SlotPos::ABSENT {
                    *slot = SlotPos {
                        pos: at as u32,
                        cursor: key_cursor,
                    };
                }
            }
            if !entry.children.is_empty() {
                let mut p = pos;
                let (vtag, vstart, _) = head(tape, &mut p, key_end);
                match vtag & 7 {
                    T_MAP => fill_map(tape, p, vstart, trie, child, out, into_seq),
                    T_SEQ => *into_seq = true,
                    _ => {}
                }
            }
            met |= 1u64.checked_shl(place as u32).unwrap_or(0);
            if met == all {
                return;
            }
        }
        cursor = skip_inline(tape, &mut pos, key_end, words);
    }
}

/// A mapping key stored as a symbol: its number and its span.
struct SymKey {
    sym: u32,
    start: u32,
    end: u32,
}

impl SymKey {
    /// The key as [`read`] would decode it, from what is decoded already.
    fn node<'a>(&self, words: &[&'a str]) -> NodeRef<'a> {
        NodeRef {
            span: Span {
                start: self.start,
                end: self.end,
            },
            value: ValueRef::Str(words[self.sym as usize]),
        }
    }
}

/// The symbol key at `pos`, moving `pos` past it; `None`, `pos` unmoved, for any other node.
/// Most keys are symbols: lookups, slot fills and schema walks read them so, without a node.
#[inline(always)]
fn sym_key(tape: &[u8], pos: &mut usize, cursor: u32) -> Option<SymKey> {
    sym_key_in(tape, pos, cursor, &VOCABULARY.words)
}

/// [`sym_key`] with the vocabulary's words at hand.
#[inline(always)]
fn sym_key_in(tape: &[u8], pos: &mut usize, cursor: u32, words: &[&str]) -> Option<SymKey> {
    if tape.get(*pos)? & (7 | SYM) != T_STR | SYM {
        return None;
    }
    let (_, start, len) = head(tape, pos, cursor);
    let sym = varint(tape, pos) as u32;
    let end = start + len.unwrap_or(words[sym as usize].len() as u32);
    Some(SymKey { sym, start, end })
}

/// Decodes the node at `pos` (moving `pos` past it, collections included).
fn read<'a>(tape: &'a [u8], pos: &mut usize, cursor: u32) -> NodeRef<'a> {
    let (tag, start, len) = head(tape, pos, cursor);
    let value = payload(tape, pos, tag, start);
    let end = match (len, value) {
        (Some(n), _) => start + n,
        (None, ValueRef::Str(s)) => start + s.len() as u32,
        (None, _) => start,
    };
    NodeRef {
        span: Span { start, end },
        value,
    }
}

/// Decodes the value of a node whose head ([`head`]: `tag`, `start`) is read, moving `pos`
/// past it.
#[inline(always)]
fn payload<'a>(tape: &'a [u8], pos: &mut usize, tag: u8, start: u32) -> ValueRef<'a> {
    match tag & 7 {
        T_NULL => ValueRef::Null,
        T_FALSE => ValueRef::Bool(false),
        T_TRUE => ValueRef::Bool(true),
        T_INT => ValueRef::Int(unzigzag(varint(tape, pos))),
        T_FLOAT => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&tape[*pos..*pos + 8]);
            *pos += 8;
            ValueRef::Float(f64::from_le_bytes(b))
        }
        T_STR if tag & SYM != 0 => {
            let sym = varint(tape, pos) as usize;
            ValueRef::Str(VOCABULARY.words[sym])
        }
        T_STR => {
            let n = varint(tape, pos) as usize;
            let bytes = &tape[*pos..*pos + n];
            *pos += n;
            // SAFETY: these bytes were copied from a `str` by `encode`, whole.
            ValueRef::Str(unsafe { std::str::from_utf8_unchecked(bytes) })
        }
        ty => {
            let count = varint(tape, pos) as u32;
            let n = varint(tape, pos) as usize;
            let body = &tape[*pos..*pos + n];
            *pos += n;
            let c = Collection { body, count, start };
            if ty == T_SEQ {
                ValueRef::Seq(SeqRef(c))
            } else {
                ValueRef::Map(MapRef(c))
            }
        }
    }
}

/// A node of a tape: its span and its decoded value.
#[derive(Clone, Copy, Debug)]
pub struct NodeRef<'a> {
    pub span: Span,
    pub value: ValueRef<'a>,
}

/// A node's value; collections are read as they are iterated.
#[derive(Clone, Copy, Debug)]
pub enum ValueRef<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Seq(SeqRef<'a>),
    Map(MapRef<'a>),
}

impl<'a> ValueRef<'a> {
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// [`NodeRef::scalar_text`] of a value.
    pub fn scalar_text(&self) -> Option<Cow<'a, str>> {
        Some(match *self {
            ValueRef::Str(s) => Cow::Borrowed(s),
            ValueRef::Null => Cow::Borrowed("null"),
            ValueRef::Bool(b) => Cow::Owned(b.to_string()),
            ValueRef::Int(i) => Cow::Owned(i.to_string()),
            ValueRef::Float(f) => Cow::Owned(f.to_string()),
            ValueRef::Seq(_) | ValueRef::Map(_) => return None,
        })
    }
}

/// Equal values (spans aside), as YAML compares them: collections item by item.
impl PartialEq for ValueRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ValueRef::Null, ValueRef::Null) => true,
            (ValueRef::Bool(a), ValueRef::Bool(b)) => a == b,
            (ValueRef::Int(a), ValueRef::Int(b)) => a == b,
            (ValueRef::Float(a), ValueRef::Float(b)) => a == b,
            (ValueRef::Str(a), ValueRef::Str(b)) => a == b,
            (ValueRef::Seq(a), ValueRef::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.value == y.value)
            }
            (ValueRef::Map(a), ValueRef::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.key.value == y.key.value && x.value.value == y.value.value)
            }
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Collection<'a> {
    body: &'a [u8],
    count: u32,
    start: u32,
}

/// A sequence's items.
#[derive(Clone, Copy, Debug, Default)]
pub struct SeqRef<'a>(Collection<'a>);

/// A mapping's entries.
#[derive(Clone, Copy, Debug, Default)]
pub struct MapRef<'a>(Collection<'a>);

/// A mapping entry: the key node and the value node.
#[derive(Clone, Copy, Debug)]
pub struct EntryRef<'a> {
    pub key: NodeRef<'a>,
    pub value: NodeRef<'a>,
}

/// What sequences and mappings share: their size, and where their body is.
macro_rules! collection_common {
    ($($view:ident),*) => {$(
        impl $view<'_> {
            pub fn len(&self) -> usize {
                self.0.count as usize
            }

            pub fn is_empty(&self) -> bool {
                self.0.count == 0
            }

            /// Where the body is in memory: tells collections apart.
            pub fn body_address(&self) -> usize {
                self.0.body.as_ptr() as usize
            }
        }
    )*};
}

collection_common!(SeqRef, MapRef);

impl<'a> SeqRef<'a> {
    pub fn iter(&self) -> SeqIter<'a> {
        SeqIter(Walk::new(self.0))
    }

    pub fn get(&self, i: usize) -> Option<NodeRef<'a>> {
        self.iter().nth(i)
    }

    pub fn first(&self) -> Option<NodeRef<'a>> {
        self.iter().next()
    }
}

impl<'a> MapRef<'a> {
    /// The entry whose key is `key`: symbol keys compared by number, their values skipped
    /// unread when they differ.
    pub fn entry_key(&self, key: &Key) -> Option<EntryRef<'a>> {
        let map = self.0;
        let words = &VOCABULARY.words;
        let body = map.body;
        let mut pos = 0;
        let mut cursor = map.start;
        for _ in 0..map.count {
            if let Some(k) = sym_key(body, &mut pos, cursor) {
                // A symbol key: compared by number, and its value skipped unread when it differs.
                if key.sym == Some(k.sym) {
                    let key = k.node(words);
                    let value = read(body, &mut pos, k.end);
                    return Some(EntryRef { key, value });
                }
                cursor = skip(body, &mut pos, k.end, words);
            } else {
                let k = read(body, &mut pos, cursor);
                let value = read(body, &mut pos, k.span.end);
                let hit = match k.value {
                    ValueRef::Str(s) => s == &*key.text,
                    _ => k.scalar_text().as_deref() == Some(&*key.text),
                };
                if hit {
                    return Some(EntryRef { key: k, value });
                }
                cursor = value.span.end;
            }
        }
        None
    }

    /// [`MapRef::entry_key`] for each of `keys` at once (`found[i]` for `keys[i]`: its first
    /// match, as `entry_key` finds it), in one walk of the entries that stops when every key
    /// is found. `found` starts all `None`.
    pub fn entries_key(&self, keys: &[Key], found: &mut [Option<EntryRef<'a>>]) {
        let map = self.0;
        let words = &VOCABULARY.words;
        let body = map.body;
        let mut pos = 0;
        let mut cursor = map.start;
        let mut left = keys.len().min(found.len());
        for _ in 0..map.count {
            if left == 0 {
                return;
            }
            let value = if let Some(k) = sym_key(body, &mut pos, cursor) {
                let wanted =
                    |(key, f): (&Key, &Option<EntryRef<'_>>)| f.is_none() && key.sym == Some(k.sym);
                if !keys.iter().zip(found.iter()).any(wanted) {
                    cursor = skip(body, &mut pos, k.end, words);
                    continue;
                }
                let key = k.node(words);
                let value = read(body, &mut pos, k.end);
                for (want, f) in keys.iter().zip(found.iter_mut()) {
                    if f.is_none() && want.sym == Some(k.sym) {
                        *f = Some(EntryRef { key, value });
                        left -= 1;
                    }
                }
                value
            } else {
                let key = read(body, &mut pos, cursor);
                let value = read(body, &mut pos, key.span.end);
                let text = key.scalar_text();
                for (want, f) in keys.iter().zip(found.iter_mut()) {
                    if f.is_none() && text.as_deref() == Some(&*want.text) {
                        *f = Some(EntryRef { key, value });
                        left -= 1;
                    }
                }
                value
            };
            cursor = value.span.end;
        }
    }

    pub fn iter(&self) -> MapIter<'a> {
        MapIter(Walk::new(self.0))
    }

    pub fn first(&self) -> Option<EntryRef<'a>> {
        self.iter().next()
    }
}

impl<'a> IntoIterator for SeqRef<'a> {
    type Item = NodeRef<'a>;
    type IntoIter = SeqIter<'a>;
    fn into_iter(self) -> SeqIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for MapRef<'a> {
    type Item = EntryRef<'a>;
    type IntoIter = MapIter<'a>;
    fn into_iter(self) -> MapIter<'a> {
        self.iter()
    }
}

/// Where a walk over a collection's body is: byte position, cursor for the next start, and
/// items left.
struct Walk<'a> {
    body: &'a [u8],
    pos: usize,
    cursor: u32,
    left: u32,
}

impl<'a> Walk<'a> {
    fn new(c: Collection<'a>) -> Walk<'a> {
        Walk {
            body: c.body,
            pos: 0,
            cursor: c.start,
            left: c.count,
        }
    }

    /// The next node, relative to the cursor (which then moves to its end).
    fn node(&mut self) -> NodeRef<'a> {
        let node = read(self.body, &mut self.pos, self.cursor);
        self.cursor = node.span.end;
        node
    }

    /// Counts one item off; false when none was left.
    fn take(&mut self) -> bool {
        let any = self.left > 0;
        self.left = self.left.saturating_sub(1);
        any
    }
}

pub struct SeqIter<'a>(Walk<'a>);

impl<'a> Iterator for SeqIter<'a> {
    type Item = NodeRef<'a>;

    fn next(&mut self) -> Option<NodeRef<'a>> {
        self.0.take().then(|| self.0.node())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.0.left as usize, Some(self.0.left as usize))
    }
}

impl ExactSizeIterator for SeqIter<'_> {}

pub struct MapIter<'a>(Walk<'a>);

impl<'a> Iterator for MapIter<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        // A value's start is relative to its key's end: the cursor's move after the key.
        self.0.take().then(|| EntryRef {
            key: self.0.node(),
            value: self.0.node(),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.0.left as usize, Some(self.0.left as usize))
    }
}

impl ExactSizeIterator for MapIter<'_> {}

/// A mapping key as the schema check reads it ([`MapIter::next_keyed`]).
#[derive(Clone, Copy, Debug)]
pub enum KeyRef<'a> {
    /// A word of the vocabulary, by number.
    Sym(u32),
    /// Another string: never a word of the vocabulary.
    Str(&'a str),
    /// A key that is no string (`2:`, `true:`, a collection).
    Other(NodeRef<'a>),
}

impl<'a> MapIter<'a> {
    /// The next entry as its key, read as a symbol where it is one (without a node), and its
    /// value.
    pub fn next_keyed(&mut self) -> Option<(KeyRef<'a>, NodeRef<'a>)> {
        let walk = &mut self.0;
        if !walk.take() {
            return None;
        }
        let key = match sym_key(walk.body, &mut walk.pos, walk.cursor) {
            Some(key) => {
                walk.cursor = key.end;
                KeyRef::Sym(key.sym)
            }
            None => match walk.node() {
                NodeRef {
                    value: ValueRef::Str(s),
                    ..
                } => KeyRef::Str(s),
                other => KeyRef::Other(other),
            },
        };
        Some((key, walk.node()))
    }

    /// The next entry as its key's text ([`NodeRef::scalar_text`]; a collection key as
    /// [`crate::yaml::COMPLEX_KEY`], as the tree's JSON view names it) and its value: a symbol
    /// key is read as its word, without a node (schema validation walks every member so).
    pub fn next_named(&mut self) -> Option<(Cow<'a, str>, NodeRef<'a>)> {
        let (key, value) = self.next_keyed()?;
        let key = match key {
            KeyRef::Sym(sym) => Cow::Borrowed(VOCABULARY.words[sym as usize]),
            KeyRef::Str(s) => Cow::Borrowed(s),
            KeyRef::Other(node) => node
                .scalar_text()
                .unwrap_or(Cow::Borrowed(crate::yaml::COMPLEX_KEY)),
        };
        Some((key, value))
    }
}

impl<'a> NodeRef<'a> {
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self.value {
            ValueRef::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<MapRef<'a>> {
        match self.value {
            ValueRef::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<SeqRef<'a>> {
        match self.value {
            ValueRef::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The entry of a mapping whose key is the string `key`.
    pub fn entry(&self, key: &str) -> Option<EntryRef<'a>> {
        self.entry_key(&Key::new(key))
    }

    /// [`NodeRef::entry`] with the key's symbol looked up beforehand (field paths keep theirs).
    pub fn entry_key(&self, key: &Key) -> Option<EntryRef<'a>> {
        self.as_map()?.entry_key(key)
    }

    /// The value of a mapping under `key`.
    pub fn get(&self, key: &str) -> Option<NodeRef<'a>> {
        self.entry(key).map(|e| e.value)
    }

    /// Follows a dotted path of mapping keys (`spec.continuity.rpo`).
    pub fn get_path(&self, path: &str) -> Option<NodeRef<'a>> {
        path.split('.').try_fold(*self, |node, key| node.get(key))
    }

    /// A scalar's text as a mapping key or in a message: strings as they are, other scalars in
    /// their canonical YAML spelling. Collections have none.
    pub fn scalar_text(&self) -> Option<Cow<'a, str>> {
        self.value.scalar_text()
    }

    /// A short description of the value's type, for messages ("a string", "a mapping").
    pub fn type_name(&self) -> &'static str {
        match self.value {
            ValueRef::Null => "null",
            ValueRef::Bool(_) => "a boolean",
            ValueRef::Int(_) => "an integer",
            ValueRef::Float(_) => "a number",
            ValueRef::Str(_) => "a string",
            ValueRef::Seq(_) => "a sequence",
            ValueRef::Map(_) => "a mapping",
        }
    }

    /// The node as a loader tree (for the few readers that keep a value).
    pub fn to_node(&self) -> Node {
        let value = match self.value {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Float(f) => Value::Float(f),
            ValueRef::Str(s) => Value::Str(s.into()),
            ValueRef::Seq(items) => Value::Seq(items.iter().map(|n| n.to_node()).collect()),
            ValueRef::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| crate::yaml::Entry {
                        key: e.key.to_node(),
                        value: e.value.to_node(),
                    })
                    .collect(),
            ),
        };
        Node {
            span: self.span,
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    fn round_trip(src: &str) {
        for doc in load(src).documents {
            let tape = Tape::from_node(&doc.root);
            assert_eq!(tape.root().to_node(), doc.root, "{src}");
        }
    }

    #[test]
    fn asking_for_any_place_of_any_document_reads_nothing_and_fails_nowhere() {
        // A prefetch is a hint: every place a caller may name, in an empty document or past
        // a document's end, is asked for without a read that could fail, and the document
        // reads the same afterwards.
        let empty = Tape(Box::new([]));
        let doc = &load("metadata: {name: crm-eu}\n").documents[0];
        let tape = Tape::from_node(&doc.root);
        let root = tape.root();
        let name = root
            .get_path("metadata.name")
            .and_then(|n| n.as_str())
            .map_or(StrAt::NONE, |n| tape.str_at(n));
        for t in [&empty, &tape] {
            t.prefetch_start();
            for at in [StrAt::NONE, StrAt::ELSEWHERE, name] {
                t.prefetch_str(at);
            }
            t.prefetch_at(usize::MAX);
        }
        assert_eq!(tape.str(name), Some("crm-eu"));
        assert_eq!(tape.root().to_node(), doc.root);
    }

    #[test]
    fn every_kind_of_node_round_trips_with_its_span() {
        round_trip(
            "apiVersion: estatelint/v1\nkind: System\nmetadata: {name: crm}\nspec:\n  tier: 1\n  \
             ratio: -2.5\n  on: true\n  off: false\n  none: ~\n  regions: [eu-west-1, 'us-east-1']\n  \
             note: \"tab\\there\"\n  text: |\n    two\n    lines\n  big: 9223372036854775807\n  \
             neg: -9223372036854775808\n",
        );
        round_trip("- a\n- [b, {c: d}]\n- {}\n- []\n---\nplain\n---\n? [complex]\n: key\n");
    }

    #[test]
    fn entries_found_at_once_are_those_found_one_by_one() {
        let keys: Vec<Key> = ["owner", "dependsOn", "tier", "nope", "owner"]
            .iter()
            .map(|k| Key::new(k))
            .collect();
        for src in [
            "{owner: a, dependsOn: [b], tier: 1}",
            "{tier: 1, x: {owner: z}, \"owner\": a}",
            "{dependsOn: {owner: q}, 'tier': 2, 3: x}",
            "{}",
        ] {
            let tape = Tape::from_node(&load(src).documents[0].root);
            let ValueRef::Map(map) = tape.root().value else {
                panic!("{src} is a mapping");
            };
            let mut found = [None; 5];
            map.entries_key(&keys, &mut found);
            for (key, f) in keys.iter().zip(found) {
                let one = map.entry_key(key);
                assert_eq!(
                    f.map(|e| (e.key.span, e.value.span)),
                    one.map(|e| (e.key.span, e.value.span)),
                    "`{}` in {src}",
                    key.text
                );
            }
        }
    }

    #[test]
    fn a_slot_walk_that_stops_early_still_finds_every_path() {
        // Once `spec`'s children are all met the rest of `spec` is not walked; a child met
        // first is no reason to stop, nor is a deeper path's parent.
        let paths: Vec<Vec<u32>> = ["spec.owner", "spec.continuity.rpo", "spec.tier"]
            .iter()
            .map(|p| p.split('.').map(|k| Key::new(k).sym().unwrap()).collect())
            .collect();
        let trie = SlotTrie::new(paths.iter().map(|p| &p[..]));
        let src = "spec: {owner: a, x: 1, continuity: {rto: 1h, rpo: 4h}, y: 2, tier: 3, z: 4}";
        let tape = Tape::from_node(&load(src).documents[0].root);
        let mut row = vec![SlotPos::ABSENT; trie.len()];
        tape.fill_slots(&trie, &mut row);
        let values: Vec<String> = row
            .iter()
            .map(|at| format!("{:?}", tape.entry_at(*at).map(|e| e.value.value)))
            .collect();
        assert_eq!(
            values,
            [r#"Some(Str("a"))"#, r#"Some(Str("4h"))"#, "Some(Int(3))"]
        );
        // A node of more than 64 children walks its whole mapping.
        let words: Vec<&str> = VOCABULARY.words.iter().copied().take(70).collect();
        let many: Vec<Vec<u32>> = words
            .iter()
            .map(|w| vec![Key::new("spec").sym().unwrap(), Key::new(w).sym().unwrap()])
            .collect();
        let trie = SlotTrie::new(many.iter().map(|p| &p[..]));
        let last = words[69];
        let src = format!("spec: {{{}: 1, {last}: 2}}", words[0]);
        let tape = Tape::from_node(&load(&src).documents[0].root);
        let mut row = vec![SlotPos::ABSENT; trie.len()];
        tape.fill_slots(&trie, &mut row);
        assert!(
            row[0] != SlotPos::ABSENT && row[69] != SlotPos::ABSENT,
            "{src}"
        );
        assert!(row[1..69].iter().all(|at| *at == SlotPos::ABSENT));
    }

    #[test]
    fn slot_tables_of_no_paths_are_empty_rows() {
        let tape = Tape::from_node(&load("spec: {tier: 1}\n").documents[0].root);
        for trie in [SlotTrie::new(std::iter::empty()), SlotTrie::default()] {
            assert!(trie.is_empty());
            assert!(!tape.fill_slots(&trie, &mut []));
        }
    }

    #[test]
    fn a_node_of_many_children_finds_them_as_one_of_few_does() {
        // `spec` with more children than are searched one by one (listed by symbol), and
        // `metadata` with few (searched): each path's entry is the one a walk finds.
        let keys = [
            "tier",
            "lifecycle",
            "owner",
            "covers",
            "rpo",
            "rto",
            "frequency",
            "method",
            "from",
            "to",
            "status",
            "deputy",
            "members",
        ];
        assert!(keys.len() > SEARCHED_CHILDREN);
        let mut paths: Vec<Vec<u32>> = keys.iter().map(|k| vec![sym("spec"), sym(k)]).collect();
        paths.push(vec![sym("metadata"), sym("name")]);
        let trie = SlotTrie::new(paths.iter().map(|p| &p[..]));
        assert!(trie.nodes.iter().any(|n| !n.by_sym.is_empty()));
        let src = "metadata: {name: crm}\nspec:\n  owner: a\n  rto: 1h\n  unlisted: 3\n  \
                   members: [x]\n  tier: 1\n";
        let tape = Tape::from_node(&load(src).documents[0].root);
        let mut table = vec![SlotPos::ABSENT; trie.len()];
        tape.fill_slots(&trie, &mut table);
        for (path, at) in paths.iter().zip(&table) {
            let words: Vec<&str> = path.iter().map(|&s| VOCABULARY.words[s as usize]).collect();
            let walked = tape
                .root()
                .entry_key(&Key::new(words[0]))
                .and_then(|e| e.value.entry_key(&Key::new(words[1])));
            let slotted = tape.entry_at(*at);
            assert_eq!(
                slotted.map(|e| (e.key.span, e.value.span)),
                walked.map(|e| (e.key.span, e.value.span)),
                "{words:?}"
            );
        }
        assert_eq!(table.iter().filter(|&&p| p != SlotPos::ABSENT).count(), 5);
    }

    fn sym(word: &str) -> u32 {
        VOCABULARY
            .lookup(word)
            .unwrap_or_else(|| panic!("`{word}` is no word"))
    }

    #[test]
    fn aliases_point_back_and_still_round_trip() {
        round_trip("base: &b {tier: 1, owner: x}\ncopy: *b\nafter: 2\n");
    }

    #[test]
    fn views_read_like_the_loader_tree() {
        let doc = load("spec:\n  owner: team-a\n  covers: [s1, s2]\n  tier: 2\n")
            .documents
            .remove(0);
        let tape = Tape::from_node(&doc.root);
        let root = tape.root();
        let owner = root.get_path("spec.owner").map(|n| n.as_str());
        assert_eq!(owner, Some(Some("team-a")));
        let covers = root.get_path("spec.covers").and_then(|n| n.as_seq());
        let names: Vec<_> = covers
            .iter()
            .flat_map(|s| s.iter())
            .filter_map(|n| n.as_str())
            .collect();
        assert_eq!(names, ["s1", "s2"]);
        assert_eq!(
            covers.and_then(|s| s.get(1)).map(|n| n.span),
            doc.root
                .get_path("spec.covers")
                .and_then(|n| n.as_seq())
                .map(|s| s[1].span)
        );
        assert_eq!(
            root.get_path("spec.tier").map(|n| n.value),
            Some(ValueRef::Int(2))
        );
        assert!(root.get("missing").is_none());
        // Schema words are symbols: a document of them takes a few bytes per node.
        let small =
            Tape::from_node(&load("apiVersion: estatelint/v1\nkind: System\n").documents[0].root);
        assert!(small.encoded_len() <= 17, "{}", small.encoded_len());
    }

    #[test]
    fn a_string_found_in_the_tape_knows_its_length() {
        let long = "x".repeat(300);
        let tape = Tape::from_node(&load(&format!("a: crm-prod\nb: {long}\n")).documents[0].root);
        let root = tape.root();
        let name = root.get("a").and_then(|n| n.as_str()).unwrap();
        let at = tape.str_at(name);
        assert_eq!((at.known_len(), tape.str(at)), (Some(8), Some("crm-prod")));
        // Past 254 bytes a string is found again by its reader: no length without it.
        let far = tape.str_at(root.get("b").and_then(|n| n.as_str()).unwrap());
        assert_eq!(far, StrAt::ELSEWHERE);
        assert_eq!((far.known_len(), StrAt::NONE.known_len()), (None, None));
    }

    #[test]
    fn every_word_is_found_at_its_number_and_near_misses_are_not() {
        let v = &*VOCABULARY;
        assert!(
            v.words.len() > 100,
            "the schemas' words are in: {}",
            v.words.len()
        );
        for (i, w) in v.words.iter().enumerate() {
            assert_eq!(v.lookup(w), Some(i as u32), "{w}");
            // Same length, same first and last eight bytes as some words: a changed middle,
            // end or start, and the word one byte longer or shorter.
            let mut middle = w.as_bytes().to_vec();
            if let Some(b) = middle.get_mut(w.len() / 2) {
                *b ^= 0x20;
            }
            for miss in [
                String::from_utf8_lossy(&middle).into_owned(),
                format!("{w}x"),
                format!("x{w}"),
                w[..w.len().saturating_sub(1)].to_string(),
            ] {
                if !v.words.contains(&miss.as_str()) {
                    assert_eq!(v.lookup(&miss), None, "{miss:?}");
                }
            }
        }
        for free in ["", "crm-prod", "a system of record for customers", "0", "x"] {
            assert_eq!(v.lookup(free), None, "{free:?}");
        }
    }
}
