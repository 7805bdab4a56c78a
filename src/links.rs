//! Resolved references: every reference field of every entity with its names looked up once,
//! when the estate is indexed, so that rules read entity numbers instead of hashing names.
//!
//! A field's items are what [`crate::path::FieldPath::for_each_item`] gives for its declared path (the
//! items of a list, else the one node), each stored as the number of the entity it names, or
//! [`NOT_NAME`] / [`UNKNOWN`]. Rules that read a reference field through these numbers see
//! exactly what reading the names would show them; a field whose parent is a list (where a
//! path walk fans out) is left to be read as written.

use std::sync::LazyLock;

use rayon::prelude::*;

use crate::estate::Entity;
use crate::kind::{Kind, RefField};
use crate::tape::{Key, NodeRef, ValueRef};

/// The item is not a string.
pub const NOT_NAME: u32 = u32::MAX - 1;
/// The item is a name no entity of the field's target kind has.
pub const UNKNOWN: u32 = u32::MAX;

/// Header bit: the field cannot be read through numbers (a parent on its path is a list).
const UNREAD: u32 = 1 << 31;
/// Header bit: the items are right for rules, but the field is not shaped as declared (a
/// list where one name belongs, one name where a list belongs), so it declares no reference
/// that could be unresolved.
const UNDECLARED: u32 = 1 << 30;
const COUNT: u32 = UNDECLARED - 1;

/// The resolved reference fields of every entity, in estate order.
#[derive(Debug, Default)]
pub struct Links {
    /// Per entity (and one past the last): where its fields begin in `data`.
    start: Vec<u32>,
    /// Per entity, per reference field of its kind (in [`Kind::ref_fields`] order): a header
    /// (the item count and the bits above), then the items.
    data: Vec<u32>,
}

/// The keys of each kind's reference paths, in [`Kind::ref_fields`] order.
static KEYS: LazyLock<[Vec<Vec<Key>>; Kind::COUNT]> = LazyLock::new(|| {
    Kind::ALL.map(|k| {
        k.ref_fields()
            .iter()
            .map(|f| f.path.split('.').map(Key::new).collect())
            .collect()
    })
});

/// For a kind whose reference paths (at most [`MOST_FIELDS`]) are all two keys with the same
/// first (`spec.owner`, `spec.dependsOn`): that first key, and the second of each path in
/// order. Their entries are then found in one walk of the shared mapping
/// ([`crate::tape::MapRef::entries_key`]).
static SHARED: LazyLock<[Option<SharedFirst>; Kind::COUNT]> = LazyLock::new(|| {
    Kind::ALL.map(|k| {
        let paths: Vec<(&str, &str)> = k
            .ref_fields()
            .iter()
            .map(|f| {
                f.path
                    .split_once('.')
                    .filter(|(_, rest)| !rest.contains('.'))
            })
            .collect::<Option<_>>()?;
        let (first, _) = *paths.first()?;
        let shared = paths.len() <= MOST_FIELDS && paths.iter().all(|(f, _)| *f == first);
        shared.then(|| {
            (
                Key::new(first),
                paths.iter().map(|(_, s)| Key::new(s)).collect(),
            )
        })
    })
});

/// A first key that all of a kind's reference paths share, and the second key of each.
type SharedFirst = (Key, Vec<Key>);

/// Most reference fields a kind has (their entries are found into an array of this size).
const MOST_FIELDS: usize = 4;

impl Links {
    /// Resolves every reference field of `entities` with `lookup` (kind, name → entity).
    pub fn build(
        entities: &[Entity],
        lookup: impl Fn(Kind, &str) -> Option<usize> + Sync,
    ) -> Links {
        const CHUNK: usize = 4096;
        let mut parts: Vec<(Vec<u32>, Vec<u32>)> = entities
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut start = Vec::with_capacity(chunk.len());
                let mut data = Vec::with_capacity(chunk.len() * 4);
                for (k, e) in chunk.iter().enumerate() {
                    if let Some(ahead) = chunk.get(k + crate::tape::PREFETCH_AHEAD) {
                        ahead.tape.prefetch_start();
                    }
                    start.push(data.len() as u32);
                    let shared = SHARED[e.kind as usize].as_ref();
                    resolve(e.root(), e.kind, shared, &lookup, &mut data);
                }
                (start, data)
            })
            .collect();
        // Each part's offsets moved past the parts before it, then the parts joined, all on
        // the pool's threads. (Offsets fit: an estate has far fewer than 2^32 reference
        // items.)
        let mut base = 0;
        let bases: Vec<u32> = parts
            .iter()
            .map(|(_, data)| {
                let b = base;
                base += data.len() as u32;
                b
            })
            .collect();
        parts
            .par_iter_mut()
            .zip(bases)
            .for_each(|((start, _), b)| start.iter_mut().for_each(|s| *s += b));
        let data = crate::memory::concat(parts.iter_mut().map(|(_, d)| d).collect(), 0);
        let mut start = crate::memory::concat(parts.iter_mut().map(|(s, _)| s).collect(), 1);
        start.push(data.len() as u32);
        Links { start, data }
    }

    /// Whether some reference may be unresolved: false when no number is [`UNKNOWN`] (a
    /// header with the same bits, which no estate comes near, would only make it answer true
    /// for nothing: the fields are then walked as before).
    pub fn may_have_unresolved(&self) -> bool {
        self.data.contains(&UNKNOWN)
    }

    /// The fields of entity `e`, each as (header, items).
    fn fields(&self, e: usize) -> impl Iterator<Item = (u32, &[u32])> {
        let run = match (self.start.get(e), self.start.get(e + 1)) {
            (Some(&from), Some(&to)) => self.data.get(from as usize..to as usize),
            _ => None,
        };
        let mut rest = run.unwrap_or_default();
        std::iter::from_fn(move || {
            let (&header, tail) = rest.split_first()?;
            let n = ((header & COUNT) as usize).min(tail.len());
            let (items, after) = tail.split_at(n);
            rest = after;
            Some((header, items))
        })
    }

    /// The items of entity `e`'s reference field number `field` ([`Kind::ref_fields`] order):
    /// the entity each names, [`NOT_NAME`] or [`UNKNOWN`], in document order. `None` when the
    /// field has to be read as written.
    pub fn items(&self, e: usize, field: usize) -> Option<&[u32]> {
        let (header, items) = self.fields(e).nth(field)?;
        (header & UNREAD == 0).then_some(items)
    }

    /// The unresolved references of entity number `i` (`entity`), in a field shaped as
    /// declared: each name that no entity has, with its field.
    pub fn unresolved<'a>(
        &'a self,
        i: usize,
        entity: &'a Entity,
    ) -> impl Iterator<Item = (&'static RefField, NodeRef<'a>)> + 'a {
        let fields = entity
            .kind
            .ref_fields()
            .iter()
            .zip(&KEYS[entity.kind as usize]);
        self.fields(i)
            .zip(fields)
            .filter(|((header, items), _)| {
                header & (UNREAD | UNDECLARED) == 0 && items.contains(&UNKNOWN)
            })
            .flat_map(move |((_, items), (field, keys))| {
                // Only a field with a broken name is walked again. Declared shape: a list's
                // items, or the one node.
                let node = match walk(entity.root(), keys) {
                    Walk::Found(node) => Some(node),
                    _ => None,
                };
                items
                    .iter()
                    .enumerate()
                    .filter(|(_, &t)| t == UNKNOWN)
                    .filter_map(move |(k, _)| {
                        let node = node?;
                        let item = match node.as_seq() {
                            Some(list) => list.iter().nth(k)?,
                            None => node,
                        };
                        Some((field, item))
                    })
            })
    }
}

/// Where a field's path leads in a document.
#[derive(Clone, Copy)]
enum Walk<'a> {
    Found(NodeRef<'a>),
    Absent,
    /// A key applied to a list applies to each item: read as written.
    ThroughList,
}

/// Appends the reference fields of an entity of `kind` whose document is `root`: from one
/// walk of their first key's mapping when they share one (`shared`, the kind's entry of
/// [`SHARED`]: every built-in kind's fields do), else each walked on its own (tests pass
/// `None` to hold the two ways equal).
fn resolve(
    root: NodeRef<'_>,
    kind: Kind,
    shared: Option<&SharedFirst>,
    lookup: &impl Fn(Kind, &str) -> Option<usize>,
    data: &mut Vec<u32>,
) {
    let fields = kind.ref_fields();
    match shared {
        Some((first, seconds)) => {
            let walked = shared_walk(root, first, seconds);
            for (field, walked) in fields.iter().zip(walked) {
                encode(walked, field, lookup, data);
            }
        }
        None => {
            for (field, keys) in fields.iter().zip(&KEYS[kind as usize]) {
                encode(walk(root, keys), field, lookup, data);
            }
        }
    }
}

/// What [`walk`] gives for each path `first.second` of `seconds` (at most [`MOST_FIELDS`]),
/// with `first`'s mapping walked once for all of them.
fn shared_walk<'a>(root: NodeRef<'a>, first: &Key, seconds: &[Key]) -> [Walk<'a>; MOST_FIELDS] {
    let mut walked = [Walk::Absent; MOST_FIELDS];
    match walk(root, std::slice::from_ref(first)) {
        Walk::Found(NodeRef {
            value: ValueRef::Map(map),
            ..
        }) => {
            let mut found = [None; MOST_FIELDS];
            map.entries_key(seconds, &mut found);
            for (w, f) in walked.iter_mut().zip(found) {
                if let Some(entry) = f {
                    *w = Walk::Found(entry.value);
                }
            }
        }
        // A list on the way: each path goes through it.
        Walk::Found(NodeRef {
            value: ValueRef::Seq(_),
            ..
        })
        | Walk::ThroughList => walked = [Walk::ThroughList; MOST_FIELDS],
        Walk::Found(_) | Walk::Absent => {}
    }
    walked
}

/// Follows `keys` from `root` through mappings.
fn walk<'a>(root: NodeRef<'a>, keys: &[Key]) -> Walk<'a> {
    let mut node = root;
    for key in keys {
        match node.value {
            ValueRef::Map(_) => match node.entry_key(key) {
                Some(entry) => node = entry.value,
                None => return Walk::Absent,
            },
            ValueRef::Seq(_) => return Walk::ThroughList,
            _ => return Walk::Absent,
        }
    }
    Walk::Found(node)
}

/// Appends one field, `walked` to along its path: its header, then its items.
fn encode(
    walked: Walk<'_>,
    field: &RefField,
    lookup: &impl Fn(Kind, &str) -> Option<usize>,
    data: &mut Vec<u32>,
) {
    let at = data.len();
    data.push(0);
    let node = match walked {
        Walk::Found(node) => node,
        Walk::Absent => return,
        Walk::ThroughList => {
            data[at] = UNREAD;
            return;
        }
    };
    let resolve = |n: NodeRef<'_>| match n.as_str() {
        Some(name) => lookup(field.target, name).map_or(UNKNOWN, |i| i as u32),
        None => NOT_NAME,
    };
    let declared = match node.value {
        ValueRef::Seq(items) => {
            data.extend(items.iter().map(resolve));
            field.many
        }
        _ => {
            data.push(resolve(node));
            !field.many
        }
    };
    let count = (data.len() - at - 1) as u32;
    data[at] = if count > COUNT {
        UNREAD
    } else if declared {
        count
    } else {
        count | UNDECLARED
    };
    if count > COUNT {
        data.truncate(at + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::FieldPath;
    use crate::source::FileId;
    use crate::tape::Tape;

    fn entity(kind: Kind, src: &str) -> Entity {
        let root = crate::yaml::load(src).documents.remove(0).root;
        Entity::new(kind, FileId(0), Tape::from_node(&root))
    }

    fn names(n: &str) -> Option<usize> {
        ["a", "b", "c"].iter().position(|x| *x == n)
    }

    #[test]
    fn items_are_what_the_path_gives() {
        let docs = [
            "spec: {owner: b, dependsOn: [a, x, 3, c]}",
            // Shaped otherwise than declared: read as the path reads them.
            "spec: {owner: [a, c], dependsOn: b}",
            "spec: {owner: ~, dependsOn: ~}",
            "spec: {}",
            "spec: 5",
            // A list on the way: read as written.
            "spec: [{owner: a}, {owner: b}]",
            // Keys in another order, one quoted (not stored as a word), a key repeated in a
            // mapping below; no `spec` at all.
            "spec: {dependsOn: [c], x: {owner: c}, \"owner\": a}",
            "metadata: {name: q}",
            // The root itself a list.
            "- spec: {owner: a}",
        ];
        let entities: Vec<Entity> = docs.iter().map(|d| entity(Kind::System, d)).collect();
        let links = Links::build(&entities, |_, n| names(n));
        for (i, e) in entities.iter().enumerate() {
            for (f, field) in Kind::System.ref_fields().iter().enumerate() {
                let path = FieldPath::parse(field.path).unwrap();
                let expected: Vec<u32> = path
                    .items(e.root())
                    .iter()
                    .map(|h| match h.node.as_str() {
                        Some(n) => names(n).map_or(UNKNOWN, |i| i as u32),
                        None => NOT_NAME,
                    })
                    .collect();
                match links.items(i, f) {
                    Some(items) => assert_eq!(items, expected, "{} of {}", field.path, docs[i]),
                    None => assert!(i == 5 || i == 8, "{} of {}", field.path, docs[i]),
                }
            }
        }
        assert_eq!(links.items(0, 1), Some(&[0, UNKNOWN, NOT_NAME, 2][..]));
        assert_eq!(links.items(5, 0), None);
        assert_eq!(links.items(6, 0), Some(&[0][..]));
        assert_eq!(links.items(6, 1), Some(&[2][..]));
        assert_eq!(links.items(7, 0), Some(&[][..]));
        assert_eq!(links.items(8, 1), None);
        assert_eq!(links.items(9, 0), None, "past the last entity");
    }

    #[test]
    fn the_shared_walk_gives_what_each_path_walked_alone_gives() {
        // Every built-in kind with reference fields takes the shared walk.
        for kind in Kind::ALL {
            assert_eq!(
                SHARED[kind as usize].is_some(),
                !kind.ref_fields().is_empty(),
                "{kind:?}"
            );
        }
        let docs = [
            (Kind::System, "spec: {owner: b, dependsOn: [a, x, 3, c]}"),
            (
                Kind::System,
                "spec: {dependsOn: {a: 1}, \"owner\": c, owner: a}",
            ),
            (Kind::System, "spec: [{owner: a}]"),
            (Kind::System, "- spec: {owner: a}"),
            (Kind::Backup, "spec: {covers: [a, c], tier: 1}"),
            (Kind::Integration, "spec: {to: c, from: a}"),
            (Kind::Integration, "metadata: {name: q}"),
            (Kind::Owner, "spec: {deputy: b}"),
            (Kind::Organization, "spec: {owner: a}"),
        ];
        let lookup = |_: Kind, n: &str| names(n);
        for (kind, doc) in docs {
            let e = entity(kind, doc);
            let (mut shared, mut alone) = (Vec::new(), Vec::new());
            resolve(
                e.root(),
                kind,
                SHARED[kind as usize].as_ref(),
                &lookup,
                &mut shared,
            );
            resolve(e.root(), kind, None, &lookup, &mut alone);
            assert_eq!(shared, alone, "{doc}");
            assert_eq!(shared.is_empty(), kind == Kind::Organization, "{doc}");
        }
    }

    #[test]
    fn unresolved_names_only_in_declared_shapes() {
        let entities = [
            entity(Kind::System, "spec: {owner: x, dependsOn: [a, y]}"),
            entity(Kind::System, "spec: {owner: [x], dependsOn: z}"),
            entity(Kind::Organization, "spec: {owner: x}"),
        ];
        let links = Links::build(&entities, |_, n| names(n));
        let found: Vec<_> = links
            .unresolved(0, &entities[0])
            .map(|(f, n)| (f.path, n.as_str()))
            .collect();
        assert_eq!(
            found,
            [("spec.owner", Some("x")), ("spec.dependsOn", Some("y"))]
        );
        assert_eq!(links.unresolved(1, &entities[1]).count(), 0);
        assert_eq!(links.unresolved(2, &entities[2]).count(), 0);
    }
}
