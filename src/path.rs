//! Field paths (`spec.continuity.rpo`, `metadata.annotations.*`, `**`) and their resolution
//! against a spanned document.

use std::sync::{Mutex, PoisonError};

use crate::kind::{Kind, RefField};
use crate::source::Span;
use crate::tape::{Key, NodeRef, SlotPos, SlotTrie, Tape, ValueRef};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    Key(Key),
    /// `*`: any key of a mapping, any item of a sequence.
    Any,
    /// `**`: this node and every node under it.
    Deep,
}

/// A dotted path into a document. Sequences met on the way are entered item by item, so
/// `spec.hosting.regions` names the list and `spec.covers` each covered system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPath {
    segs: Vec<Seg>,
    pub text: String,
    /// The path's number among the plain paths of symbol keys ([`slot_trie`]).
    slot: Option<u32>,
    /// Per kind (in [`Kind::ALL`] order): which of its reference fields this path is
    /// ([`NOT_A_REF`] for none).
    refs: [u8; Kind::COUNT],
}

const NOT_A_REF: u8 = u8::MAX;

/// Plain paths of symbol keys, numbered as they are first parsed (rule packs are compiled
/// before documents are checked, so their paths are all here by then).
static SLOTS: Mutex<Vec<Box<[u32]>>> = Mutex::new(Vec::new());

/// Paths past this many are read by searching, as before they had numbers.
const MAX_SLOTS: usize = 4096;

fn slot_of(syms: &[u32]) -> Option<u32> {
    let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(i) = slots.iter().position(|p| **p == *syms) {
        return Some(i as u32);
    }
    (slots.len() < MAX_SLOTS).then(|| {
        slots.push(syms.into());
        (slots.len() - 1) as u32
    })
}

/// A trie of every numbered path so far, for [`Tape::fill_slots`].
pub fn slot_trie() -> SlotTrie {
    let slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    SlotTrie::new(slots.iter().map(|p| &**p))
}

/// A trie of the numbered paths among `paths` only ([`SlotTrie::only`]): the others, when
/// read through its tables, are searched for.
pub fn slot_trie_of<'p>(paths: impl IntoIterator<Item = &'p FieldPath>) -> SlotTrie {
    let wanted: Vec<u32> = paths.into_iter().filter_map(|p| p.slot).collect();
    let slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    SlotTrie::only(slots.iter().map(|p| &**p), |slot| wanted.contains(&slot))
}

/// A document as rules read it: its root, and when the engine has found them beforehand, the
/// entries of the numbered paths.
#[derive(Clone, Copy, Debug)]
pub struct Doc<'a> {
    pub root: NodeRef<'a>,
    slots: Option<Slots<'a>>,
    /// The document's entity number in the estate, when known: its reference fields can
    /// then be read resolved ([`crate::estate::Estate::linked`]).
    entity: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
struct Slots<'a> {
    tape: &'a Tape,
    table: &'a [SlotPos],
    /// Some numbered path runs into a sequence: its items are searched for, not read.
    into_seq: bool,
}

impl<'a> Doc<'a> {
    /// `tape` (whose root is `root`) with the slot table `table` that [`Tape::fill_slots`]
    /// filled (and returned `into_seq` for).
    pub fn with_slots(
        root: NodeRef<'a>,
        tape: &'a Tape,
        table: &'a [SlotPos],
        into_seq: bool,
    ) -> Doc<'a> {
        Doc {
            root,
            slots: Some(Slots {
                tape,
                table,
                into_seq,
            }),
            entity: None,
        }
    }

    /// The same document, known to be entity `i` of the estate.
    pub fn of_entity(self, i: usize) -> Doc<'a> {
        Doc {
            entity: Some(i),
            ..self
        }
    }

    /// The document's entity number, when known.
    pub fn entity(&self) -> Option<usize> {
        self.entity
    }

    /// Where a numbered path's entry is in the document's tape, when the table can tell
    /// ([`SlotPos::ABSENT`] for a path known to be missing).
    fn slot_pos(&self, path: &FieldPath) -> Option<(&'a Tape, SlotPos)> {
        let slots = self.slots?;
        let at = *slots.table.get(path.slot? as usize)?;
        (at != SlotPos::UNKNOWN).then_some((slots.tape, at))
    }

    /// The entry of a numbered path, when the table has it: `Some(None)` for a path known to
    /// be missing, `None` when the table cannot tell.
    fn slot(&self, path: &FieldPath) -> Option<Option<Hit<'a>>> {
        let (tape, at) = self.slot_pos(path)?;
        Some(tape.entry_at(at).map(|e| Hit {
            node: e.value,
            key: Some(e.key),
        }))
    }

    /// [`Doc::slot`]'s value alone, read without decoding the key or working out spans.
    fn slot_value(&self, path: &FieldPath) -> Option<Option<ValueRef<'a>>> {
        let (tape, at) = self.slot_pos(path)?;
        Some(at.place()?.map(|pos| tape.value_at(pos)))
    }
}

impl<'a> From<NodeRef<'a>> for Doc<'a> {
    fn from(root: NodeRef<'a>) -> Doc<'a> {
        Doc {
            root,
            slots: None,
            entity: None,
        }
    }
}

/// A node found by a path, and the mapping key that holds it.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    pub node: NodeRef<'a>,
    pub key: Option<NodeRef<'a>>,
}

impl Hit<'_> {
    /// The key when there is one (to underline a field rather than its whole value).
    pub fn key_span(&self) -> Span {
        self.key.map_or(self.node.span, |k| k.span)
    }
}

impl FieldPath {
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        if text.is_empty() {
            return Err("empty field path".into());
        }
        let segs: Vec<Seg> = text
            .split('.')
            .map(|s| match s {
                "" => Err(format!("field path `{text}` has an empty segment")),
                "*" => Ok(Seg::Any),
                "**" => Ok(Seg::Deep),
                k => Ok(Seg::Key(Key::new(k))),
            })
            .collect::<Result<_, _>>()?;
        let syms: Option<Vec<u32>> = segs
            .iter()
            .map(|s| match s {
                Seg::Key(k) => k.sym(),
                _ => None,
            })
            .collect();
        let refs = Kind::ALL.map(|k| {
            k.ref_fields()
                .iter()
                .position(|r| r.path == text)
                .map_or(NOT_A_REF, |i| i as u8)
        });
        Ok(FieldPath {
            segs,
            text: text.to_string(),
            slot: syms.and_then(|s| slot_of(&s)),
            refs,
        })
    }

    /// Which of `kind`'s reference fields ([`Kind::ref_fields`]) this path is: its number
    /// and its declaration.
    pub fn reference(&self, kind: Kind) -> Option<(usize, &'static RefField)> {
        let i = self.refs[kind as usize] as usize;
        kind.ref_fields().get(i).map(|r| (i, r))
    }

    /// Whether the path is `**`: every node of the document.
    pub fn is_everything(&self) -> bool {
        self.segs == [Seg::Deep]
    }

    /// Whether the path has no wildcard: it names at most one node.
    /// The path's number among the plain paths of symbol keys, when it has one: its column
    /// in a slot table ([`crate::tape::Tape::fill_slots`]).
    pub fn slot_number(&self) -> Option<u32> {
        self.slot
    }

    pub fn is_plain(&self) -> bool {
        self.segs.iter().all(|s| matches!(s, Seg::Key(_)))
    }

    /// Every node the path reaches, in document order.
    pub fn resolve<'a>(&self, doc: impl Into<Doc<'a>>) -> Vec<Hit<'a>> {
        let mut out = Vec::new();
        self.for_each_hit(doc.into(), &mut |h| out.push(h));
        out
    }

    /// [`FieldPath::resolve`] handed to `f` one by one.
    fn for_each_hit<'a>(&self, doc: Doc<'a>, f: &mut impl FnMut(Hit<'a>)) {
        if !doc.slots.is_some_and(|s| s.into_seq) {
            if let Some(hit) = doc.slot(self) {
                return hit.into_iter().for_each(f);
            }
        }
        let root = Hit {
            node: doc.root,
            key: None,
        };
        walk(root, &self.segs, f);
    }

    /// The first node the path reaches.
    pub fn first<'a>(&self, doc: impl Into<Doc<'a>>) -> Option<Hit<'a>> {
        let doc = doc.into();
        if let Some(hit) = doc.slot(self) {
            return hit;
        }
        let root = doc.root;
        if self.is_plain() {
            let mut here = Hit {
                node: root,
                key: None,
            };
            for seg in &self.segs {
                let Seg::Key(k) = seg else { return None };
                let entry = here.node.entry_key(k)?;
                here = Hit {
                    node: entry.value,
                    key: Some(entry.key),
                };
            }
            return Some(here);
        }
        self.resolve(root).into_iter().next()
    }

    /// The value of [`FieldPath::first`], for readers that need no span: a numbered path's
    /// value is then read from its slot without its key.
    pub fn first_value<'a>(&self, doc: impl Into<Doc<'a>>) -> Option<ValueRef<'a>> {
        let doc = doc.into();
        if let Some(value) = doc.slot_value(self) {
            return value;
        }
        self.first(doc).map(|hit| hit.node.value)
    }

    /// Every scalar the path reaches, with sequences at the end entered too (`spec.covers`
    /// gives each covered name).
    pub fn items<'a>(&self, doc: impl Into<Doc<'a>>) -> Vec<Hit<'a>> {
        let mut out = Vec::new();
        self.for_each_item(doc, |hit| out.push(hit));
        out
    }

    /// [`FieldPath::items`] handed to `f` one by one, without collecting them.
    pub fn for_each_item<'a>(&self, doc: impl Into<Doc<'a>>, mut f: impl FnMut(Hit<'a>)) {
        let doc = doc.into();
        let whole = Hit {
            node: doc.root,
            key: None,
        };
        // `**` already reaches every item.
        match self.segs[..] {
            [Seg::Deep] => return visit(whole, &mut f),
            [.., Seg::Deep] => return self.for_each_hit(doc, &mut f),
            _ => {}
        }
        self.for_each_hit(doc, &mut |hit: Hit<'a>| match hit.node.value {
            ValueRef::Seq(items) => items.iter().for_each(|n| f(Hit { node: n, key: None })),
            _ => f(hit),
        });
    }

    /// Where to report this path missing from `root`: the key of the deepest mapping on the
    /// path that exists, or the document's first key.
    pub fn missing_span(&self, root: NodeRef<'_>) -> Span {
        let mut here: Option<NodeRef<'_>> = None;
        let mut node = root;
        for seg in &self.segs {
            let Seg::Key(k) = seg else { break };
            match node.entry_key(k) {
                Some(e) => {
                    here = Some(e.key);
                    node = e.value;
                }
                None => break,
            }
        }
        match here {
            Some(key) => key.span,
            None => root
                .as_map()
                .and_then(|m| m.first())
                .map_or(root.span, |e| e.key.span),
        }
    }
}

/// Hands `f` every node that `segs` reach from `hit`, in document order. A key met on a
/// sequence applies to each of its items.
fn walk<'a>(hit: Hit<'a>, segs: &[Seg], f: &mut impl FnMut(Hit<'a>)) {
    let Some((seg, rest)) = segs.split_first() else {
        return f(hit);
    };
    let child = |node, key| Hit { node, key };
    match (seg, hit.node.value) {
        (Seg::Key(k), ValueRef::Map(_)) => {
            if let Some(e) = hit.node.entry_key(k) {
                walk(child(e.value, Some(e.key)), rest, f);
            }
        }
        (Seg::Key(_), ValueRef::Seq(items)) => {
            for item in items {
                walk(child(item, None), segs, f);
            }
        }
        (Seg::Any, ValueRef::Map(entries)) => {
            for e in entries {
                walk(child(e.value, Some(e.key)), rest, f);
            }
        }
        (Seg::Any, ValueRef::Seq(items)) => {
            for item in items {
                walk(child(item, None), rest, f);
            }
        }
        (Seg::Deep, _) => visit(hit, &mut |h| walk(h, rest, f)),
        _ => {}
    }
}

/// `hit` and every node under it, in document order.
fn visit<'a>(hit: Hit<'a>, f: &mut impl FnMut(Hit<'a>)) {
    f(hit);
    match hit.node.value {
        ValueRef::Map(entries) => {
            for e in entries {
                visit(
                    Hit {
                        node: e.value,
                        key: Some(e.key),
                    },
                    f,
                );
            }
        }
        ValueRef::Seq(items) => {
            for n in items {
                visit(Hit { node: n, key: None }, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::Val;
    use crate::tape::Tape;
    use crate::yaml::load;

    fn doc(src: &str) -> Tape {
        Tape::from_node(&load(src).documents.remove(0).root)
    }

    #[test]
    fn plain_paths_and_sequences() {
        let src = "spec:\n  covers: [a, b]\n  hosting: {regions: [x]}\n";
        let d = doc(src);
        let p = FieldPath::parse("spec.covers").unwrap();
        let names: Vec<_> = p
            .items(d.root())
            .iter()
            .map(|h| h.node.as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            p.first(d.root()).unwrap().key.unwrap().as_str(),
            Some("covers")
        );
    }

    #[test]
    fn wildcards_reach_every_scalar() {
        let src = "metadata:\n  annotations: {a: x, b: y}\nspec: {list: [{k: z}]}\n";
        let d = doc(src);
        let any = FieldPath::parse("metadata.annotations.*").unwrap();
        assert_eq!(any.resolve(d.root()).len(), 2);
        let deep = FieldPath::parse("**").unwrap();
        let scalars: Vec<_> = deep
            .resolve(d.root())
            .iter()
            .filter_map(|h| h.node.as_str())
            .collect();
        assert_eq!(scalars, ["x", "y", "z"]);
    }

    #[test]
    fn slot_tables_answer_as_searching_does() {
        let docs = [
            "apiVersion: estatelint/v1\nkind: System\nmetadata: {name: crm}\nspec:\n  tier: 1\n  \
             continuity: {rpo: 1h}\n  1: one\n  owner: ~\n  'covers': [a, b]\n",
            // A sequence where a path expects a mapping: every item is searched.
            "kind: Backup\nspec:\n  continuity: [{rpo: 1h}, {rpo: 2h}]\n  tier: 2\n",
            "- not a mapping\n",
        ];
        let paths = [
            "spec.tier",
            "spec.continuity.rpo",
            "spec.continuity.rto",
            "spec.owner",
            "spec.covers",
            "metadata.name",
            "spec",
            "kind",
        ]
        .map(|p| FieldPath::parse(p).unwrap());
        // Every path looked for, some (the others searched for), none.
        let tries = [slot_trie(), slot_trie_of(&paths[..3]), slot_trie_of([])];
        for (trie, src) in tries.iter().flat_map(|t| docs.map(|d| (t, d))) {
            let tape = doc(src);
            let mut table = vec![SlotPos::ABSENT; trie.len()];
            let into_seq = tape.fill_slots(trie, &mut table);
            let unknown = table.iter().filter(|&&p| p == SlotPos::UNKNOWN).count();
            assert_eq!(unknown == 0, std::ptr::eq(trie, &tries[0]), "{src:?}");
            let with = Doc::with_slots(tape.root(), &tape, &table, into_seq);
            let spans = |hits: Vec<Hit<'_>>| {
                hits.iter()
                    .map(|h| (h.node.span, h.key.map(|k| k.span)))
                    .collect::<Vec<_>>()
            };
            for p in &paths {
                assert!(p.slot.is_some(), "{}", p.text);
                let slow = p
                    .first(tape.root())
                    .map(|h| (h.node.span, h.key.map(|k| k.span)));
                let fast = p.first(with).map(|h| (h.node.span, h.key.map(|k| k.span)));
                assert_eq!(fast, slow, "{} in {src:?}", p.text);
                let value = |v: Option<ValueRef<'_>>| v.map(Val::from_value);
                let found = value(p.first(tape.root()).map(|h| h.node.value));
                assert_eq!(value(p.first_value(with)), found, "{} in {src:?}", p.text);
                assert_eq!(value(p.first_value(tape.root())), found, "{}", p.text);
                // A value read at its place alone, as target fields are.
                let placed = table[p.slot.unwrap() as usize].place();
                if let Some(place) = placed {
                    let alone = place.map(|pos| Val::from_value(tape.value_at(pos)));
                    let found = p.first(tape.root()).map(|h| Val::from_ref(h.node));
                    assert_eq!(alone, found, "{} in {src:?}", p.text);
                } else {
                    assert!(!std::ptr::eq(trie, &tries[0]), "{}", p.text);
                }
                assert_eq!(
                    spans(p.items(with)),
                    spans(p.items(tape.root())),
                    "{}",
                    p.text
                );
            }
        }
        let some = &tries[1];
        let mut table = vec![SlotPos::ABSENT; some.len()];
        doc(docs[0]).fill_slots(some, &mut table);
        let at = |p: &FieldPath| table[p.slot.unwrap() as usize];
        assert_ne!(at(&paths[0]), SlotPos::UNKNOWN);
        assert_eq!(at(&paths[5]), SlotPos::UNKNOWN);
        // The second document's rpo is in a list: both items, by search.
        let trie = slot_trie();
        let tape = doc(docs[1]);
        let mut table = vec![SlotPos::ABSENT; trie.len()];
        assert!(tape.fill_slots(&trie, &mut table));
        let with = Doc::with_slots(tape.root(), &tape, &table, true);
        assert_eq!(paths[1].items(with).len(), 2);
    }

    #[test]
    fn missing_span_is_the_deepest_existing_key() {
        let src = "kind: System\nspec:\n  continuity: {rto: 1h}\n";
        let d = doc(src);
        let p = FieldPath::parse("spec.continuity.rpo").unwrap();
        assert_eq!(&src[p.missing_span(d.root()).range()], "continuity");
        let q = FieldPath::parse("spec.owner").unwrap();
        assert_eq!(&src[q.missing_span(d.root()).range()], "spec");
        let r = FieldPath::parse("status.x").unwrap();
        assert_eq!(&src[r.missing_span(d.root()).range()], "kind");
        assert!(FieldPath::parse("a..b").is_err());
    }
}
