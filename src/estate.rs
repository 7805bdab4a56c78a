//! The estate: entities read from the documents, and the index over them (names unique per
//! kind, references resolved, reverse references) with the findings that building it yields.

use std::hash::BuildHasher;
use std::sync::LazyLock;

use rayon::prelude::*;

use crate::diag::{did_you_mean, rules, Finding};
use crate::kind::{Kind, API_VERSION, NON_ESTATE_KINDS};
use crate::links::Links;
use crate::path::FieldPath;
use crate::source::{FileId, Span};
use crate::tape::{Key, NodeRef, StrAt, Tape, ValueRef};

/// One estate document: a kind, a name, and its tree. Small (24 bytes): an estate holds
/// hundreds of thousands.
#[derive(Debug)]
pub struct Entity {
    pub kind: Kind,
    pub file: FileId,
    /// The document, compactly encoded: read it through [`Entity::root`].
    pub tape: Tape,
    /// `metadata.name` when it is a string: where it is in the tape (read, not copied; a
    /// name [`StrAt::ELSEWHERE`] is looked up again).
    name: StrAt,
}

/// The keys of `metadata.name`.
static NAME: LazyLock<[Key; 2]> = LazyLock::new(|| [Key::new("metadata"), Key::new("name")]);

/// The keys every document is classified by, looked up once.
static ENVELOPE: LazyLock<[Key; 2]> = LazyLock::new(|| [Key::new("apiVersion"), Key::new("kind")]);

impl Entity {
    pub fn new(kind: Kind, file: FileId, tape: Tape) -> Entity {
        Entity::with_name(kind, file, tape, None)
    }

    /// [`Entity::new`] for a tape whose `metadata.name` its builder found already (`name`:
    /// offset and length in the tape, [`crate::tape::TapeBuilder::root_name`]); without it,
    /// the tape is read.
    pub fn with_name(kind: Kind, file: FileId, tape: Tape, name: Option<(usize, usize)>) -> Entity {
        let name = match name {
            Some((at, len)) => tape.str_at_offset(at, len),
            None => name_node(&tape)
                .and_then(|n| n.as_str())
                .map_or(StrAt::NONE, |s| tape.str_at(s)),
        };
        Entity {
            kind,
            file,
            tape,
            name,
        }
    }

    /// The document's root node.
    pub fn root(&self) -> NodeRef<'_> {
        self.tape.root()
    }

    /// `metadata.name`, when it is a string.
    pub fn name(&self) -> Option<&str> {
        match self.name {
            StrAt::NONE => None,
            StrAt::ELSEWHERE => name_node(&self.tape).and_then(|n| n.as_str()),
            at => self.tape.str(at),
        }
    }

    /// Asks the processor for the memory [`Entity::name`] reads, ahead of reading it.
    #[inline]
    pub fn prefetch_name(&self) {
        self.tape.prefetch_str(self.name);
    }

    /// The length of [`Entity::name`], mostly without reading the document (0 without one).
    pub fn name_len(&self) -> usize {
        match self.name.known_len() {
            Some(len) => len,
            None => self.name().map_or(0, str::len),
        }
    }

    /// The span of `metadata.name`, when it is a string.
    pub fn name_span(&self) -> Option<Span> {
        name_node(&self.tape)
            .filter(|n| n.as_str().is_some())
            .map(|n| n.span)
    }

    /// Whether `metadata.name` is a string (without reading it).
    pub fn has_name(&self) -> bool {
        self.name != StrAt::NONE
    }
}

/// The `metadata.name` node of a document.
fn name_node(tape: &Tape) -> Option<NodeRef<'_>> {
    let [metadata, name] = &*NAME;
    Some(
        tape.root()
            .entry_key(metadata)?
            .value
            .entry_key(name)?
            .value,
    )
}

/// What a YAML document is to the linter.
pub enum Classified {
    /// Not an estatelint document (another tool's YAML, a rule pack): passed over.
    Skip,
    Entity(Kind),
    /// An `estatelint/v1` document that cannot be an entity.
    Invalid(Finding),
}

/// Decides whether a document is an estate entity, and of which kind.
pub fn classify(root: NodeRef<'_>, file: FileId) -> Classified {
    let [api_version, kind_key] = &*ENVELOPE;
    let Some(api) = root.entry_key(api_version) else {
        return Classified::Skip;
    };
    match api.value.as_str() {
        Some(API_VERSION) => {}
        Some(other) if other.starts_with("estatelint/") => {
            return Classified::Invalid(
                Finding::error(
                    rules::API_VERSION,
                    file,
                    api.value.span,
                    format!("unsupported apiVersion `{other}`"),
                )
                .with_label("not supported by this version")
                .with_help(format!("this version of estatelint reads `{API_VERSION}`")),
            )
        }
        _ => return Classified::Skip,
    }
    let Some(kind) = root.entry_key(kind_key) else {
        return Classified::Invalid(
            Finding::error(
                rules::SCHEMA,
                file,
                api.key.span,
                format!("`{API_VERSION}` document is missing required field `kind`"),
            )
            .with_label("`kind` missing here")
            .with_help(format!("add `kind:` with one of {}", kinds_list())),
        );
    };
    let Some(text) = kind.value.as_str() else {
        return Classified::Invalid(
            Finding::error(
                rules::SCHEMA,
                file,
                kind.value.span,
                format!("kind must be a string, found {}", kind.value.type_name()),
            )
            .with_help(format!("use one of {}", kinds_list())),
        );
    };
    if NON_ESTATE_KINDS.contains(&text) {
        return Classified::Skip;
    }
    match Kind::ALL.into_iter().find(|k| k.name() == text) {
        Some(k) => Classified::Entity(k),
        None => {
            let help = match did_you_mean(text, Kind::ALL.map(Kind::name)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known kinds: {}", kinds_list()),
            };
            Classified::Invalid(
                Finding::error(
                    rules::UNKNOWN_KIND,
                    file,
                    kind.value.span,
                    format!("unknown kind `{text}`"),
                )
                .with_label("not an estate kind")
                .with_help(help),
            )
        }
    }
}

fn kinds_list() -> String {
    Kind::ALL.map(|k| format!("`{}`", k.name())).join(", ")
}

/// All entities of a run, in file order, and lookups by kind and name.
#[derive(Debug, Default)]
pub struct Estate {
    pub entities: Vec<Entity>,
    /// Per kind (in `Kind::ALL` order): name → entity index.
    by_name: [NameIndex; Kind::COUNT],
    /// Per kind: entity indexes in estate order.
    by_kind: [Vec<u32>; Kind::COUNT],
    /// Entities whose name an earlier entity of their kind has → that entity.
    duplicate_of: foldhash::HashMap<usize, usize>,
    /// Every reference field, resolved.
    pub links: Links,
    /// Whole-document searches done while the files were read, by expression: bit `i` set,
    /// entity `i` may match ([`crate::checks::DocScan`]).
    scanned: Vec<(String, Vec<u64>)>,
}

fn slot(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl Estate {
    /// Indexes `entities` (already in file and position order) and reports duplicate names,
    /// a second Organization and unresolved references.
    pub fn build(entities: Vec<Entity>) -> (Estate, Vec<Finding>) {
        let mut estate = Estate {
            entities,
            ..Estate::default()
        };
        // Sized exactly: at 100,000 systems, growing them by doubling kept 1 MB spare.
        let mut counts = [0; Kind::COUNT];
        for e in &estate.entities {
            counts[slot(e.kind)] += 1;
        }
        for (of_kind, count) in estate.by_kind.iter_mut().zip(counts) {
            of_kind.reserve_exact(count);
        }
        for (i, e) in estate.entities.iter().enumerate() {
            estate.by_kind[slot(e.kind)].push(i as u32);
        }
        // Findings with the entity they are on, put in estate order below.
        let mut found: Vec<(usize, Finding)> = Vec::new();
        if let [first, rest @ ..] = &estate.by_kind[slot(Kind::Organization)][..] {
            let first = &estate.entities[*first as usize];
            for &i in rest {
                let i = i as usize;
                let e = &estate.entities[i];
                found.push((
                    i,
                    Finding::error(
                        rules::MULTIPLE_ORGANIZATIONS,
                        e.file,
                        kind_span(e),
                        "estate defines more than one Organization".into(),
                    )
                    .with_label("second Organization")
                    .with_related(first.file, kind_span(first), "first Organization")
                    .with_help("merge them: an estate describes one organization"),
                ));
            }
        }
        // Each kind's names indexed on a thread of its own, the largest kinds first and
        // each kind a task of its own, so that the threads finish together (split in
        // halves of the kinds' list, one thread took systems, backups and integrations:
        // at 100,000 systems 17 ms of wall for 20 ms of work).
        let entities = &estate.entities;
        let mut largest_first: Vec<usize> = (0..Kind::COUNT).collect();
        largest_first.sort_by_key(|&k| std::cmp::Reverse(estate.by_kind[k].len()));
        let mut indexed: Vec<(usize, (NameIndex, _))> = largest_first
            .into_par_iter()
            .with_max_len(1)
            .map(|k| (k, name_index(entities, &estate.by_kind[k])))
            .collect();
        indexed.sort_by_key(|(k, _)| *k);
        for (k, (index, duplicates)) in indexed.into_iter() {
            estate.by_name[k] = index;
            for (i, first, finding) in duplicates {
                estate.duplicate_of.insert(i, first);
                found.push((i, finding));
            }
        }
        estate.links = Links::build(&estate.entities, |k, n| estate.lookup_index(k, n));
        // Stable: on one entity, the Organization finding stays first.
        found.sort_by_key(|(i, _)| *i);
        let mut findings: Vec<Finding> = found.into_iter().map(|(_, f)| f).collect();
        findings.extend(estate.check_references());
        (estate, findings)
    }

    /// Records what the whole-document search for `pattern` answered, entity by entity.
    pub fn add_scanned(&mut self, pattern: &str, bits: Vec<u64>) {
        self.scanned.push((pattern.to_string(), bits));
    }

    /// What the whole-document search for `pattern` answered, if it was done.
    pub fn scanned(&self, pattern: &str) -> Option<&[u64]> {
        self.scanned
            .iter()
            .find(|(p, _)| p == pattern)
            .map(|(_, bits)| &bits[..])
    }

    /// The entity that others reach by entity `i`'s name: `i` itself, or the first of its
    /// kind with the name when `i` defines it again; `None` for an entity without a name.
    pub fn canonical(&self, i: usize) -> Option<usize> {
        if !self.entities.get(i)?.has_name() {
            return None;
        }
        Some(self.duplicate_of.get(&i).copied().unwrap_or(i))
    }

    /// The resolved items of entity `i`'s field `path` when it is a reference field of the
    /// entity's kind to entities of `target` ([`Links::items`]).
    pub fn linked(&self, i: usize, path: &FieldPath, target: Kind) -> Option<&[u32]> {
        let (f, field) = path.reference(self.entities.get(i)?.kind)?;
        (field.target == target)
            .then(|| self.links.items(i, f))
            .flatten()
    }

    /// The index of the entity of `kind` named `name`.
    pub fn lookup_index(&self, kind: Kind, name: &str) -> Option<usize> {
        self.by_name[slot(kind)].find(name)
    }

    pub fn lookup(&self, kind: Kind, name: &str) -> Option<&Entity> {
        self.lookup_index(kind, name).map(|i| &self.entities[i])
    }

    /// Indexes of the entities of `kind`, in estate order (as `u32`: 4 bytes an entity).
    pub fn of_kind(&self, kind: Kind) -> &[u32] {
        &self.by_kind[slot(kind)]
    }

    pub fn names_of(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.by_name[slot(kind)].names()
    }

    fn check_references(&self) -> Vec<Finding> {
        // Names compared for suggestions, at most: a kind of 20,000 names with 20,000 broken
        // references to it took 20 million comparisons (5 s) before this bound.
        self.check_references_within(2_000_000)
    }

    /// [`Estate::check_references`], suggestions made while at most `max_compared` names
    /// have been compared.
    fn check_references_within(&self, max_compared: usize) -> Vec<Finding> {
        const MAX_SUGGESTIONS: usize = 1_000;
        let mut suggestions = 0;
        let mut compared = 0;
        let mut findings = Vec::new();
        // Names were looked up when the links were built; the few broken ones are worded in
        // estate order (suggestions are counted in that order).
        let mut broken = Vec::new();
        // Most estates have no broken reference: the links tell at once (a scan of their
        // numbers) rather than by walking every entity's fields (410,000 entities at 100,000
        // systems: 6 ms).
        if !self.links.may_have_unresolved() {
            return findings;
        }
        for (i, e) in self.entities.iter().enumerate() {
            broken.extend(
                self.links
                    .unresolved(i, e)
                    .map(|(field, node)| (e, field, node)),
            );
        }
        for (e, field, node) in broken {
            let Some(target) = node.as_str() else {
                continue;
            };
            let field_name = field.path.rsplit('.').next().unwrap_or(field.path);
            let owner = match e.name() {
                Some(n) => format!(" of {} `{n}`", e.kind.name()),
                None => String::new(),
            };
            let mut f = Finding::error(
                rules::UNRESOLVED_REFERENCE,
                e.file,
                node.span,
                format!(
                    "{field_name} `{target}`{owner} is not a defined {}",
                    field.target.name()
                ),
            )
            .with_label(format!("no {} by this name", field.target.name()));
            // A suggestion compares the name with every name of its kind: after many broken
            // references (a generated estate gone wrong), stop suggesting.
            suggestions += 1;
            compared += self.by_name[slot(field.target)].table.len();
            let suggestion = (suggestions <= MAX_SUGGESTIONS && compared <= max_compared)
                .then(|| did_you_mean(target, self.names_of(field.target)))
                .flatten();
            match suggestion {
                Some(s) => {
                    let close = self.lookup(field.target, s);
                    f = f.with_help(format!("did you mean `{s}`?"));
                    if let Some((c, span)) = close.and_then(|c| Some((c, c.name_span()?))) {
                        f = f.with_related(c.file, span, format!("`{s}` is defined here"));
                    }
                }
                None => {
                    f = f.with_help(format!(
                        "define {} named `{target}`, or correct the name",
                        field.target.with_article()
                    ))
                }
            }
            findings.push(f);
        }
        findings
    }
}

impl Estate {
    /// The entity whose document holds `span` in `file`, and the field path to the node the
    /// span falls in (`spec.continuity.rpo`, `spec.dependsOn[1]`): a finding's identity that
    /// survives edits elsewhere in the file.
    pub fn locate(&self, file: FileId, span: Span) -> Option<(&Entity, String)> {
        let entity = &self.entities[self.entity_at(file, span)?];
        Some((entity, field_path(entity.root(), span)))
    }

    /// The number of the entity whose document holds `span` in `file`.
    fn entity_at(&self, file: FileId, span: Span) -> Option<usize> {
        // Entities are in file order, then document order: two binary searches.
        let start = self.entities.partition_point(|e| e.file < file);
        let end = start + self.entities[start..].partition_point(|e| e.file == file);
        let in_file = &self.entities[start..end];
        let after = in_file.partition_point(|e| e.root().span.start <= span.start);
        let last = after.checked_sub(1)?;
        (span.start <= in_file[last].root().span.end).then_some(start + last)
    }

    /// [`Estate::locate`] of many places at once, in their order: each entity's document is
    /// walked once for all the places in it.
    pub fn locate_all(&self, places: &[(FileId, Span)]) -> Vec<Option<(&Entity, String)>> {
        let mut found: Vec<(usize, Span, usize)> = Vec::new();
        for (at, &(file, span)) in places.iter().enumerate() {
            if let Some(i) = self.entity_at(file, span) {
                found.push((i, span, at));
            }
        }
        found.sort_unstable_by_key(|&(i, span, at)| (i, span.start, at));
        let mut paths = vec![String::new(); places.len()];
        for group in found.chunk_by(|a, b| a.0 == b.0) {
            let spans: Vec<(Span, usize)> = group.iter().map(|&(_, span, at)| (span, at)).collect();
            field_paths(self.entities[group[0].0].root(), &spans, &mut paths);
        }
        let mut out: Vec<Option<(&Entity, String)>> = places.iter().map(|_| None).collect();
        for (i, _, at) in found {
            out[at] = Some((&self.entities[i], std::mem::take(&mut paths[at])));
        }
        out
    }
}

/// The dotted path of the deepest node of `root` containing `span`.
pub fn field_path(root: NodeRef<'_>, span: Span) -> String {
    let mut out = [String::new()];
    field_paths(root, &[(span, 0)], &mut out);
    let [path] = out;
    path
}

/// [`field_path`] of many spans of one document in one walk of it: `spans` in order of
/// start, each with the place of its path in `out`. A mapping's entries are read once for
/// all the spans in it, not once per span (100,000 findings in one mapping took minutes).
fn field_paths(root: NodeRef<'_>, spans: &[(Span, usize)], out: &mut [String]) {
    let mut prefix = String::new();
    descend(root, &mut prefix, spans, out);
}

/// The spans of `spans` (in order of start), all within `node` or starting in it, under
/// `node` whose path is `prefix`.
fn descend(node: NodeRef<'_>, prefix: &mut String, spans: &[(Span, usize)], out: &mut [String]) {
    let inside = |n: &NodeRef<'_>, span: Span| n.span.start <= span.start && span.end <= n.span.end;
    // A collection's children in document order, each with the key that holds it (none for
    // an item); a scalar has none.
    let children: Vec<(Option<NodeRef<'_>>, NodeRef<'_>)> = match node.value {
        ValueRef::Map(entries) => entries.iter().map(|e| (Some(e.key), e.value)).collect(),
        ValueRef::Seq(items) => items.iter().map(|n| (None, n)).collect(),
        _ => Vec::new(),
    };
    let start = |(key, n): &(Option<NodeRef<'_>>, NodeRef<'_>)| key.unwrap_or(*n).span.start;
    // For each span, the last child starting at or before it is the only one that can hold
    // it. Spans before the first child stay at `prefix`.
    let mut rest = spans;
    for (_, at) in take_before(&mut rest, children.first().map(start)) {
        out[*at] = prefix.clone();
    }
    for (i, child) in children.iter().enumerate() {
        let mine = take_before(&mut rest, children.get(i + 1).map(start));
        if mine.is_empty() {
            continue;
        }
        let len = prefix.len();
        let (key, value) = *child;
        // A key that is no scalar names no field: its spans stay at `prefix`.
        let segment = match key {
            Some(key) => key.scalar_text().map(|text| {
                let dot = if len > 0 { "." } else { "" };
                format!("{dot}{text}")
            }),
            None => Some(format!("[{i}]")),
        };
        let named = segment.is_some();
        prefix.push_str(segment.as_deref().unwrap_or_default());
        let held =
            |span: Span| named && (inside(&value, span) || key.is_some_and(|k| inside(&k, span)));
        enter(value, prefix, len, mine, held, out);
        prefix.truncate(len);
    }
}

/// The first spans of `rest` (in order of start), those starting before `start` (all of
/// them without one), taken off it.
fn take_before<'s>(rest: &mut &'s [(Span, usize)], start: Option<u32>) -> &'s [(Span, usize)] {
    let n = start.map_or(rest.len(), |s| {
        rest.partition_point(|(span, _)| span.start < s)
    });
    let (now, later) = rest.split_at(n);
    *rest = later;
    now
}

/// The spans `mine` that fall to `child` (whose path is `prefix`, its parent's the first
/// `parent_len` bytes of it): those it `held` end there or go deeper, the others end at the
/// parent.
fn enter(
    child: NodeRef<'_>,
    prefix: &mut String,
    parent_len: usize,
    mine: &[(Span, usize)],
    held: impl Fn(Span) -> bool,
    out: &mut [String],
) {
    let collection = matches!(child.value, ValueRef::Map(_) | ValueRef::Seq(_));
    let mut deeper: Vec<(Span, usize)> = Vec::new();
    for &(span, at) in mine {
        if !held(span) {
            out[at] = prefix[..parent_len].to_string();
        } else if child.span == span || !collection {
            out[at] = prefix.clone();
        } else {
            deeper.push((span, at));
        }
    }
    if !deeper.is_empty() {
        descend(child, prefix, &deeper, out);
    }
}

/// Names of one kind → entities. The names are copied into one buffer, so that a look-up
/// compares against a few megabytes laid end to end rather than reaching into documents
/// spread over the whole estate; each slot of the table holds where its name is and the
/// entity that defines it, so a look-up reads the table and the name, nothing between
/// (with positions in the table and a vector of ends and one of entities beside it, two more
/// reads that miss the cache: `find` took 61 ms of CPU at 100,000 systems).
#[derive(Debug, Default)]
struct NameIndex {
    table: hashbrown::HashTable<Named>,
    hasher: foldhash::fast::RandomState,
    /// Every distinct name, each after its length ([`NameIndex::LONG`]).
    names: Vec<u8>,
}

/// A name of a [`NameIndex`]: where it starts (its length) in `names`, and its entity.
#[derive(Debug, Clone, Copy)]
struct Named {
    at: u32,
    entity: u32,
}

impl NameIndex {
    /// A length below this is one byte; from it on, this byte and four (little-endian).
    const LONG: u8 = u8::MAX;

    fn name(&self, named: Named) -> &[u8] {
        name_at(&self.names, named.at)
    }

    fn find(&self, name: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(name.as_bytes());
        let named = self
            .table
            .find(hash, |&n| self.name(n) == name.as_bytes())?;
        Some(named.entity as usize)
    }

    /// Adds `name`, defined by entity `i`, in one probe of the table; when the name is there
    /// already, the entity that defined it first instead.
    fn insert(&mut self, name: &str, i: usize) -> Option<usize> {
        let hash = self.hasher.hash_one(name.as_bytes());
        let (names, hasher) = (&self.names, &self.hasher);
        let entry = self.table.entry(
            hash,
            |&n| name_at(names, n.at) == name.as_bytes(),
            |&n| hasher.hash_one(name_at(names, n.at)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(first) => Some(first.get().entity as usize),
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(Named {
                    at: self.names.len() as u32,
                    entity: i as u32,
                });
                match u8::try_from(name.len()) {
                    Ok(len) if len < Self::LONG => self.names.push(len),
                    _ => {
                        self.names.push(Self::LONG);
                        self.names.extend((name.len() as u32).to_le_bytes());
                    }
                }
                self.names.extend_from_slice(name.as_bytes());
                None
            }
        }
    }

    /// Every name, in no particular order.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.table
            .iter()
            .map(|&n| std::str::from_utf8(self.name(n)).unwrap_or_default())
    }

    /// Room the names take: each with its length ([`NameIndex::LONG`]).
    fn room(names: impl Iterator<Item = usize>) -> usize {
        names
            .map(|len| len + if len < usize::from(Self::LONG) { 1 } else { 5 })
            .sum()
    }
}

/// The name written at `at` of a [`NameIndex`]'s names, after its length.
fn name_at(names: &[u8], at: u32) -> &[u8] {
    let at = at as usize;
    let (len, from) = match names.get(at) {
        Some(&NameIndex::LONG) => {
            let len = names
                .get(at + 1..at + 5)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_le_bytes);
            (len as usize, at + 5)
        }
        Some(&len) => (usize::from(len), at + 1),
        None => (0, at),
    };
    names.get(from..from + len).unwrap_or_default()
}

/// Name → entity for the entities `of_kind` (all of one kind, in estate order), and a finding
/// for each name defined again (with the entity that defined it first).
fn name_index(entities: &[Entity], of_kind: &[u32]) -> (NameIndex, Vec<(usize, usize, Finding)>) {
    // The names' string sized exactly (grown by doubling it kept 1.4 MB spare at 100,000
    // systems); a name defined twice is counted twice, a few bytes more.
    let bytes = NameIndex::room(of_kind.iter().map(|&i| entities[i as usize].name_len()));
    let mut index = NameIndex {
        table: hashbrown::HashTable::with_capacity(of_kind.len()),
        names: Vec::with_capacity(bytes),
        ..NameIndex::default()
    };
    let mut duplicates = Vec::new();
    for (k, &i) in of_kind.iter().enumerate() {
        if let Some(&ahead) = of_kind.get(k + crate::tape::PREFETCH_AHEAD) {
            entities[ahead as usize].prefetch_name();
        }
        let i = i as usize;
        let e = &entities[i];
        let Some(name) = e.name() else {
            continue;
        };
        if let Some(first_index) = index.insert(name, i) {
            let first = &entities[first_index];
            let first_span = first.name_span().unwrap_or_default();
            let span = e.name_span().unwrap_or_default();
            duplicates.push((
                i,
                first_index,
                Finding::error(
                    rules::DUPLICATE_NAME,
                    e.file,
                    span,
                    format!("{} `{name}` is defined twice", e.kind.name()),
                )
                .with_label("defined again here")
                .with_related(first.file, first_span, "first defined here")
                .with_help(format!(
                    "names are unique within a kind: rename one {} or remove the leftover copy",
                    e.kind.name()
                )),
            ));
        }
    }
    (index, duplicates)
}

fn kind_span(e: &Entity) -> Span {
    let root = e.root();
    root.get("kind").map_or(root.span, |n| n.span)
}

#[cfg(test)]
mod locate_tests {
    use super::*;

    #[test]
    fn locate_finds_entity_and_path() {
        let text = "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: crm\nspec:\n  tier: 0\n  dependsOn: [a, b]\n";
        let root = crate::yaml::load(text).documents.remove(0).root;
        let tier = root.get_path("spec.tier").unwrap().span;
        let dep = root.get_path("spec.dependsOn").unwrap().as_seq().unwrap()[1].span;
        let tape = Tape::from_node(&root);
        assert_eq!(field_path(tape.root(), tier), "spec.tier");
        assert_eq!(field_path(tape.root(), dep), "spec.dependsOn[1]");
        let entity = Entity::new(Kind::System, FileId(0), tape);
        let (estate, _) = Estate::build(vec![entity]);
        let (e, path) = estate.locate(FileId(0), tier).unwrap();
        assert_eq!(e.name(), Some("crm"));
        assert_eq!(path, "spec.tier");
    }

    #[test]
    fn many_places_are_located_in_one_walk_as_one_by_one() {
        let text = "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: crm\nspec:\n  \
                    tier: 0\n  dependsOn: [a, b]\n  continuity: {rpo: 1h, rto: 4h}\n---\n\
                    apiVersion: estatelint/v1\nkind: Owner\nmetadata: {name: ops}\n";
        let docs = crate::yaml::load(text).documents;
        let span_of = |doc: usize, path: &str| docs[doc].root.get_path(path).unwrap().span;
        let key_of = |doc: usize, path: &str| {
            let (parent, key) = path.rsplit_once('.').unwrap();
            docs[doc]
                .root
                .get_path(parent)
                .unwrap()
                .entry(key)
                .unwrap()
                .key
                .span
        };
        let deps = docs[0]
            .root
            .get_path("spec.dependsOn")
            .unwrap()
            .as_seq()
            .unwrap();
        let places = [
            (
                span_of(0, "spec.continuity.rto"),
                "spec.continuity.rto",
                "System/crm",
            ),
            (deps[1].span, "spec.dependsOn[1]", "System/crm"),
            (key_of(0, "spec.tier"), "spec.tier", "System/crm"),
            (span_of(0, "spec"), "spec", "System/crm"),
            (docs[0].root.span, "", "System/crm"),
            (span_of(1, "metadata.name"), "metadata.name", "Owner/ops"),
            (
                span_of(0, "spec.continuity.rpo"),
                "spec.continuity.rpo",
                "System/crm",
            ),
            (deps[0].span, "spec.dependsOn[0]", "System/crm"),
            (Span::new(0, 3), "apiVersion", "System/crm"),
        ];
        let entities = docs
            .iter()
            .zip([Kind::System, Kind::Owner])
            .map(|(d, kind)| Entity::new(kind, FileId(0), Tape::from_node(&d.root)))
            .collect();
        let (estate, _) = Estate::build(entities);
        let mut asked: Vec<(FileId, Span)> = places.iter().map(|p| (FileId(0), p.0)).collect();
        asked.push((FileId(1), Span::new(0, 3)));
        let all = estate.locate_all(&asked);
        assert!(all[places.len()].is_none());
        for ((span, path, entity), found) in places.iter().zip(&all) {
            let (e, got) = found.as_ref().unwrap();
            let name = format!("{}/{}", e.kind.name(), e.name().unwrap());
            assert_eq!((name.as_str(), got.as_str()), (*entity, *path), "{span:?}");
            let (one, alone) = estate.locate(FileId(0), *span).unwrap();
            assert_eq!((one.name(), alone.as_str()), (e.name(), *path));
        }
    }

    #[test]
    fn suggestions_stop_when_enough_names_were_compared() {
        // Four owners and three broken references to them: each suggestion compares four
        // names, so a bound of ten allows two.
        let mut text = String::new();
        for i in 0..4 {
            text.push_str(&format!(
                "---\napiVersion: estatelint/v1\nkind: Owner\nmetadata: {{name: team-{i}}}\n"
            ));
        }
        for i in 0..3 {
            text.push_str(&format!(
                "---\napiVersion: estatelint/v1\nkind: System\nmetadata: {{name: s{i}}}\n\
                 spec: {{owner: tema-{i}}}\n"
            ));
        }
        let entities = crate::yaml::load(&text)
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let kind = if i < 4 { Kind::Owner } else { Kind::System };
                Entity::new(kind, FileId(0), Tape::from_node(&d.root))
            })
            .collect();
        let (estate, _) = Estate::build(entities);
        let helps = |found: Vec<Finding>| -> Vec<String> {
            found
                .into_iter()
                .filter_map(|f| f.help.map(|h| h.to_string()))
                .collect()
        };
        assert_eq!(
            helps(estate.check_references_within(10)),
            [
                "did you mean `team-0`?",
                "did you mean `team-1`?",
                "define an Owner named `tema-2`, or correct the name",
            ]
        );
        let all = helps(estate.check_references());
        assert_eq!(all[2], "did you mean `team-2`?");
    }

    #[test]
    fn the_name_index_finds_names_of_every_length_and_the_first_of_a_repeated_one() {
        // Lengths below, at and past the one-byte length (255), one of several bytes a char.
        let names: Vec<String> = ["", "a", "crm", "é-ü"]
            .iter()
            .map(|s| s.to_string())
            .chain([254, 255, 256, 1000].map(|n| "n".repeat(n)))
            .collect();
        let mut index = NameIndex::default();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.insert(name, i), None, "{name}");
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(index.find(name), Some(i), "{name}");
            // Defined again: the entity that defined it first.
            assert_eq!(index.insert(name, 100 + i), Some(i), "{name}");
        }
        assert_eq!(index.find("n".repeat(257).as_str()), None);
        assert_eq!(index.find("cr"), None);
        let mut listed: Vec<&str> = index.names().collect();
        listed.sort_unstable();
        let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(listed, expected);
        // Room made ahead is the room taken.
        assert_eq!(
            NameIndex::room(names.iter().map(String::len)),
            index.names.len()
        );
    }

    #[test]
    fn entities_stay_small_and_find_their_names() {
        // Hundreds of thousands are kept: the name is read from the tape, not copied.
        assert!(std::mem::size_of::<Entity>() <= 24);
        let text = "kind: System\nmetadata: {name: crm-2}\n---\nmetadata: {name: 5}\n---\nmetadata: {name: System}\n";
        let docs = crate::yaml::load(text).documents;
        let e: Vec<Entity> = docs
            .iter()
            .map(|d| Entity::new(Kind::System, FileId(0), Tape::from_node(&d.root)))
            .collect();
        assert_eq!(e[0].name(), Some("crm-2"));
        assert_eq!(&text[e[0].name_span().unwrap().range()], "crm-2");
        assert_eq!(
            (e[1].name(), e[1].name_span(), e[1].has_name()),
            (None, None, false)
        );
        // A name that is a schema word is stored as its symbol, found again when asked for;
        // so is a name too long to be kept as a place.
        assert_eq!(e[2].name(), Some("System"));
        let long = "x".repeat(300);
        let text = format!("metadata: {{name: {long}}}\n");
        let doc = &crate::yaml::load(&text).documents[0];
        let e = Entity::new(Kind::System, FileId(0), Tape::from_node(&doc.root));
        assert_eq!((e.name(), e.has_name()), (Some(long.as_str()), true));
    }

    #[test]
    fn a_name_noted_by_the_builder_is_the_name_the_tape_holds() {
        let long = "n".repeat(300);
        let text = format!(
            "metadata: {{name: crm, title: x}}\nspec: {{}}\n---\n\
             apiVersion: v\nmetadata:\n  title: t\n  name: 'quoted name'\n---\n\
             metadata: {{name: 42}}\n---\nmetadata: {{title: none}}\n---\n\
             metadata: {{name: System}}\n---\nother: {{name: not-metadata}}\n---\n\
             - metadata: {{name: in-a-list}}\n---\nmetadata: {{name: {long}}}\n---\n\
             metadata: [{{name: x}}]\n---\nspec: {{metadata: {{name: deeper}}}}\n"
        );
        let docs = crate::yaml::load_tapes_scanned(&text, None).expect("plain documents");
        let mut noted = Vec::new();
        for d in docs {
            let walked = Entity::new(Kind::System, FileId(0), d.tape.clone());
            let with = Entity::with_name(Kind::System, FileId(0), d.tape, d.name);
            assert_eq!(with.name(), walked.name());
            assert_eq!(with.name_len(), walked.name_len());
            if d.name.is_some() {
                noted.push(with.name().map(str::to_string));
            }
        }
        // Noted: strings that are no words, under a root mapping's `metadata`.
        let expected = [Some("crm"), Some("quoted name"), Some(long.as_str())];
        assert_eq!(noted, expected.map(|n| n.map(str::to_string)));
    }
}
