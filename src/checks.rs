//! The check library: each check compiled from its rule-pack node (errors carry spans), an
//! optional per-rule preparation over the estate (indexes for reverse references, uniqueness
//! and cycles), and its evaluation for one entity, which knows which node to underline.

use std::collections::{BTreeMap, HashSet};

// Name and index maps hash short keys millions of times: foldhash (seeded per process, like
// std's) is several times faster than SipHash on them.
use foldhash::{HashMap, HashMapExt, HashSetExt};

use crate::regexes::ThreadRegex;

use crate::diag::did_you_mean;
use crate::estate::{Entity, Estate};
use crate::expr::{CelValue, Expr, Scope};
use crate::kind::Kind;
use crate::links::{NOT_NAME, UNKNOWN};
use crate::path::{Doc, FieldPath};
use crate::select::{
    compare, format_duration, format_number, Condition, Literal, Op, Operand, Resolve, Test, Val,
};
use crate::source::{FileId, Span};
use crate::tape::{self, NodeRef, Scalar, ScalarTexts, SlotPos, Tape, ValueRef};
use crate::yaml::{Node, Value};

#[derive(Debug)]
pub enum Check {
    Required(Vec<FieldPath>),
    Pattern {
        field: FieldPath,
        regex: ThreadRegex,
        forbid: bool,
        /// Whether the regex matches each word of the vocabulary (by symbol), decided once.
        words: Vec<bool>,
    },
    Enum {
        field: FieldPath,
        values: Vec<Literal>,
    },
    Compare {
        field: FieldPath,
        op: Op,
        operand: Operand,
        order: Option<Vec<String>>,
    },
    MaxAge {
        field: FieldPath,
        max: Operand,
    },
    Ref {
        field: FieldPath,
        kind: Kind,
        filter: Vec<Condition>,
    },
    CoveredBy {
        kind: Kind,
        fields: Vec<FieldPath>,
        min: Operand,
        filter: Vec<Condition>,
    },
    Unique {
        field: FieldPath,
    },
    Count {
        fields: Vec<FieldPath>,
        kind: Option<Kind>,
        filter: Vec<Condition>,
        min: Option<Operand>,
        max: Option<Operand>,
    },
    Acyclic {
        field: FieldPath,
    },
    RelatedCompare {
        via: FieldPath,
        field: FieldPath,
        op: Op,
        operand: Operand,
        order: Option<Vec<String>>,
        label_via: bool,
    },
    Headroom {
        capacity: FieldPath,
        demand: FieldPath,
        growth: Operand,
    },
    All(Vec<Check>),
    Any(Vec<Check>),
    Not(Box<Check>),
    Expr {
        expr: Expr,
        at: Option<FieldPath>,
    },
}

/// Names of the checks, as written in packs.
pub const CHECK_NAMES: [&str; 16] = [
    "required",
    "pattern",
    "enum",
    "compare",
    "max-age",
    "ref",
    "covered-by",
    "unique",
    "count",
    "acyclic",
    "related-compare",
    "headroom",
    "all",
    "any",
    "not",
    "expr",
];

/// Values a check hands to message templates (`{count}`, `{cycle}` ...).
pub const CHECK_VARS: [&str; 16] = [
    "value", "operand", "count", "min", "max", "missing", "age", "cycle", "required", "growth",
    "capacity", "demand", "other", "target", "field", "error",
];

/// One failure of a check on one entity.
#[derive(Clone, Debug, Default)]
pub struct Violation {
    pub span: Span,
    pub caption: String,
    pub related: Vec<(FileId, Span, String)>,
    pub vars: BTreeMap<&'static str, String>,
    /// The entity referenced, for `{target.…}` placeholders.
    pub target: Option<usize>,
}

impl Violation {
    fn at(span: Span, caption: impl Into<String>) -> Violation {
        Violation {
            span,
            caption: caption.into(),
            ..Default::default()
        }
    }

    fn var(mut self, name: &'static str, value: impl Into<String>) -> Violation {
        self.vars.insert(name, value.into());
        self
    }
}

/// What checks read besides the entity.
pub struct Ctx<'a> {
    pub estate: &'a Estate,
    pub params: &'a std::collections::HashMap<String, Val>,
    /// Today, in days since 1970-01-01.
    pub today: i64,
    pub cel: &'a CelEnv,
    pub verdicts: &'a Verdicts<'a>,
}

/// Values CEL expressions see that do not depend on the entity.
pub struct CelEnv {
    pub org: CelValue,
    pub params: CelValue,
    pub today: CelValue,
    /// Kind → name → entity; built only when an expression reads `estate`.
    pub estate: Option<CelValue>,
}

impl Resolve for Ctx<'_> {
    fn operand(
        &self,
        operand: &Operand,
        root: Doc<'_>,
        target: Option<NodeRef<'_>>,
    ) -> Option<Val> {
        let non_null = |v: ValueRef<'_>| (!v.is_null()).then(|| Val::from_value(v));
        match operand {
            Operand::Const(lit) => Some(lit.val.clone()),
            Operand::Field(p) => p.first_value(root).and_then(non_null),
            Operand::Target(p) => p.first_value(target?).and_then(non_null),
            Operand::Param(name) => self.params.get(name).cloned(),
            Operand::Today(offset) => {
                let secs = self.operand(offset, root, target)?.as_duration()?;
                Some(Val::Date(self.today + (secs / 86_400) as i64))
            }
        }
    }

    fn refers(&self, kind: Kind, name: &str, filter: &[Condition]) -> bool {
        self.estate
            .lookup_index(kind, name)
            .is_some_and(|t| self.qualifies(t, filter))
    }

    fn refers_linked(
        &self,
        doc: Doc<'_>,
        path: &FieldPath,
        kind: Kind,
        filter: &[Condition],
    ) -> Option<bool> {
        let mut verdicts = self.linked_verdicts(doc, path, kind, filter)?;
        Some(verdicts.any(|v| v == Some(true)))
    }
}

impl Ctx<'_> {
    /// [`Resolve::operand`] with entity `t` as the target: a `target` field found ahead
    /// ([`Verdicts`]) is read at its place.
    fn target_operand(&self, operand: &Operand, root: Doc<'_>, t: usize) -> Option<Val> {
        if let Operand::Target(path) = operand {
            if let Some(value) = self.verdicts.placed_value(path, t, self.estate) {
                return value.filter(|v| !v.is_null()).map(Val::from_value);
            }
        }
        self.operand(operand, root, Some(self.estate.entities[t].root()))
    }

    /// Told from resolved references (`None` when the field has none): for each item of
    /// reference field `path` of `doc`, whether it names an entity of `kind` that satisfies
    /// `filter`, or `None` for an item that names nothing (not a name, or no such entity).
    fn linked_verdicts<'s>(
        &'s self,
        doc: Doc<'_>,
        path: &FieldPath,
        kind: Kind,
        filter: &'s [Condition],
    ) -> Option<impl Iterator<Item = Option<bool>> + 's> {
        let items = self.estate.linked(doc.entity()?, path, kind)?;
        Some(
            items
                .iter()
                .map(move |&t| (t < NOT_NAME).then(|| self.qualifies(t as usize, filter))),
        )
    }

    /// Whether every name in reference field `field` of `doc` is of an entity of `kind` that
    /// satisfies `filter`, told from resolved references (`None` when they cannot tell). As
    /// in [`Check::eval`], a name that resolves to nothing is the core's finding, not this
    /// check's.
    fn ref_passes_linked(
        &self,
        doc: Doc<'_>,
        field: &FieldPath,
        kind: Kind,
        filter: &[Condition],
    ) -> Option<bool> {
        let mut verdicts = self.linked_verdicts(doc, field, kind, filter)?;
        Some(verdicts.all(|v| v != Some(false)))
    }

    /// Whether entity `t` satisfies `filter`, a condition on referenced entities: decided
    /// once per entity and filter when the filter has a [`Verdicts`] slot.
    pub fn qualifies(&self, t: usize, filter: &[Condition]) -> bool {
        if filter.is_empty() {
            return true;
        }
        let decide = || {
            let doc = Doc::from(self.estate.entities[t].root()).of_entity(t);
            satisfies(filter, doc, self)
        };
        match self.verdicts.bits(filter) {
            Some(bits) => bits.get_or(t, decide),
            None => decide(),
        }
    }
}

/// Remembered answers of the filters that rules apply to referenced entities (`refers` in a
/// `where`, `ref` with a `where`): thousands of references name the same few entities. With
/// them, where each document has the fields that rules read of entities other than the one
/// they check (`related-compare`'s `target` operands, a uniqueness check's field), found in
/// the same pass.
#[derive(Debug, Default)]
pub struct Verdicts<'c> {
    filters: Vec<Filter<'c>>,
    /// Position in `filters` by the address of the filter's conditions.
    by_filter: HashMap<usize, usize>,
    fields: Vec<PlacedField<'c>>,
}

/// A field that a rule reads of entities of `kind` while it checks others, and where each
/// entity of the kind has it.
#[derive(Debug)]
struct PlacedField<'c> {
    kind: Kind,
    path: &'c FieldPath,
    /// The position of the rule that reads it.
    rule: usize,
    /// By entity: 0 not found ahead (the document is read instead), 1 no such entry, else
    /// the entry's byte position in the tape plus 2 ([`crate::tape::Tape::value_at`]).
    /// Two bytes an entity, a quarter of a full [`SlotPos`]: 0.8 MB a field at 100,000
    /// systems (410,000 entities).
    at: Vec<std::sync::atomic::AtomicU16>,
}

/// `n` atomics at 0, in memory taken zeroed: a large block comes so from the system, and its
/// pages are only touched when an entity's entry is written (by the threads deciding
/// verdicts), not all on this thread first (six fields of 410,000 entities at 100,000
/// systems: 3 ms before the rules could start).
fn zeroed_atomics(n: usize) -> Vec<std::sync::atomic::AtomicU16> {
    let zeroed = std::mem::ManuallyDrop::new(vec![0u16; n]);
    let (ptr, len, cap) = (zeroed.as_ptr(), zeroed.len(), zeroed.capacity());
    // SAFETY: `AtomicU16` has the size, alignment (2) and bit validity of `u16`, so the
    // vector's block, allocated for `cap` `u16`s, is one for `cap` atomics, `len` of them
    // holding a valid 0; the original vector is not dropped.
    unsafe { Vec::from_raw_parts(ptr.cast_mut().cast(), len, cap) }
}

#[derive(Debug)]
struct Filter<'c> {
    /// The kind of the entities the filter is applied to.
    kind: Kind,
    conditions: &'c [Condition],
    /// The position of the rule that applies it.
    rule: usize,
    bits: Bits,
}

impl<'c> Verdicts<'c> {
    /// Slots for every target filter of `rules` (each a check, a `where` and the kinds it
    /// selects) over `entities` entities; and for the `where` of a rule of one kind whose check
    /// prepares over its whole selection ([`Check::needs_selection`]), which is then decided
    /// ahead through slot tables too, not read document by document when the rule prepares.
    pub fn new(
        rules: impl IntoIterator<Item = (&'c Check, &'c [Condition], Option<&'c [Kind]>)>,
        entities: usize,
    ) -> Verdicts<'c> {
        let mut verdicts = Verdicts::default();
        for (rule, (check, filter, kinds)) in rules.into_iter().enumerate() {
            let mut found: Vec<(Kind, &[Condition])> = Vec::new();
            if let (true, Some(&[kind])) = (check.needs_selection(), kinds) {
                found.push((kind, filter));
            }
            target_filters(filter, &mut found);
            check.target_filters(&mut found);
            if let Some(&[kind]) = kinds {
                let mut fields = Vec::new();
                check.placed_fields(kind, &mut fields);
                for (kind, path) in fields {
                    let known = verdicts
                        .fields
                        .iter()
                        .any(|f| f.kind == kind && f.path.slot_number() == path.slot_number());
                    if path.slot_number().is_some() && !known {
                        verdicts.fields.push(PlacedField {
                            kind,
                            path,
                            rule,
                            at: zeroed_atomics(entities),
                        });
                    }
                }
            }
            for (kind, conditions) in found {
                let key = conditions.as_ptr() as usize;
                if conditions.is_empty() || verdicts.by_filter.contains_key(&key) {
                    continue;
                }
                verdicts.by_filter.insert(key, verdicts.filters.len());
                verdicts.filters.push(Filter {
                    kind,
                    conditions,
                    rule,
                    bits: Bits::new(entities),
                });
            }
        }
        verdicts
    }

    fn bits(&self, filter: &[Condition]) -> Option<&Bits> {
        let at = *self.by_filter.get(&(filter.as_ptr() as usize))?;
        self.filters.get(at).map(|f| &f.bits)
    }

    /// The filters (by number) applied to entities of `kind`, with the rule of each.
    pub fn of_kind(&self, kind: Kind) -> Vec<(usize, usize)> {
        numbered_of_kind(self.filters.iter().map(|f| (f.kind, f.rule)), kind)
    }

    /// The fields (by number) that rules read of entities of `kind` while checking others,
    /// with the rule of each.
    pub fn fields_of_kind(&self, kind: Kind) -> Vec<(usize, usize)> {
        numbered_of_kind(self.fields.iter().map(|f| (f.kind, f.rule)), kind)
    }

    /// The field paths that the filters applied to entities of `kind` read of them, and the
    /// fields that rules read of them.
    pub fn paths_of_kind(&self, kind: Kind) -> Vec<&'c FieldPath> {
        let mut out = Vec::new();
        for f in self.filters.iter().filter(|f| f.kind == kind) {
            f.conditions
                .iter()
                .for_each(|c| c.paths(&mut |p| out.push(p)));
        }
        out.extend(
            self.fields
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| f.path),
        );
        out
    }

    /// The slot column of field number `field` ([`Verdicts::fields_of_kind`]).
    pub fn field_slot(&self, field: usize) -> Option<u32> {
        self.fields.get(field)?.path.slot_number()
    }

    /// Records where entity `t` has field number `field`, as its slot table found it.
    pub fn place_field(&self, field: usize, t: usize, at: SlotPos) {
        let Some(f) = self.fields.get(field) else {
            return;
        };
        let code = match at.place() {
            None => 0,
            Some(None) => 1,
            Some(Some(pos)) => u16::try_from(pos + 2).unwrap_or(0),
        };
        f.at[t].store(code, std::sync::atomic::Ordering::Relaxed);
    }

    /// The value of `path` in entity `t` when found ahead (`Some(None)`: the entity lacks
    /// it), read at its place without a walk from the root.
    fn placed_value<'e>(
        &self,
        path: &FieldPath,
        t: usize,
        estate: &'e Estate,
    ) -> Option<Option<ValueRef<'e>>> {
        let kind = estate.entities[t].kind;
        let slot = path.slot_number()?;
        let f = self
            .fields
            .iter()
            .find(|f| f.kind == kind && f.path.slot_number() == Some(slot))?;
        match f.at[t].load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            1 => Some(None),
            code => Some(Some(estate.entities[t].tape.value_at(u32::from(code) - 2))),
        }
    }

    /// Decides filter number `filter` for entity `t`, read through `doc`, unless already
    /// decided: deciding ahead, in estate order, is cheaper than when references reach it.
    pub fn decide(&self, filter: usize, t: usize, doc: Doc<'_>, ctx: &Ctx<'_>) {
        if let Some(f) = self.filters.get(filter) {
            f.bits.get_or(t, || satisfies(f.conditions, doc, ctx));
        }
    }
}

/// The positions among `items` (each a kind and a rule) of those of `kind`, with their rules.
fn numbered_of_kind(items: impl Iterator<Item = (Kind, usize)>, kind: Kind) -> Vec<(usize, usize)> {
    items
        .enumerate()
        .filter(|(_, (k, _))| *k == kind)
        .map(|(i, (_, rule))| (i, rule))
        .collect()
}

/// Whether `doc` satisfies every condition of `filter`.
fn satisfies(filter: &[Condition], doc: Doc<'_>, ctx: &Ctx<'_>) -> bool {
    filter.iter().all(|c| c.holds(doc, ctx))
}

/// The target filters of `refers` conditions among `conditions`.
fn target_filters<'c>(conditions: &'c [Condition], out: &mut Vec<(Kind, &'c [Condition])>) {
    for c in conditions {
        match &c.test {
            Test::Refers { kind, filter } => {
                out.push((*kind, filter));
                target_filters(filter, out);
            }
            Test::Any(groups) => groups.iter().for_each(|g| target_filters(g, out)),
            _ => {}
        }
    }
}

/// Two bits per entity: unknown, no, yes. Threads that race to decide the same entity reach
/// the same answer, so the bits they set agree.
#[derive(Debug)]
struct Bits(Vec<std::sync::atomic::AtomicU64>);

impl Bits {
    fn new(entities: usize) -> Bits {
        Bits(
            (0..entities.div_ceil(32))
                .map(|_| Default::default())
                .collect(),
        )
    }

    fn get_or(&self, i: usize, decide: impl FnOnce() -> bool) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let (word, shift) = (&self.0[i / 32], (i % 32) * 2);
        match (word.load(Relaxed) >> shift) & 3 {
            1 => false,
            2 => true,
            _ => {
                let yes = decide();
                word.fetch_or((if yes { 2 } else { 1 }) << shift, Relaxed);
                yes
            }
        }
    }
}

/// Per-rule state computed once over the estate before entities are checked; names are
/// borrowed from the estate's documents.
#[derive(Debug, Default)]
pub enum Prep<'a> {
    #[default]
    None,
    /// How many entities name each entity (reverse references).
    Reverse(Reverse<'a>),
    /// Violations decided for the whole selection (uniqueness, cycles), by entity.
    PerEntity(HashMap<usize, Vec<Violation>>),
    Nested(Vec<Prep<'a>>),
    /// A whole-document forbidden pattern's answer for every entity, found while the files
    /// were read ([`DocScan`]): bit `i` set, entity `i` may match.
    Scanned(&'a [u64]),
}

/// Reverse references: how many of the counted entities name each entity.
#[derive(Debug, Default)]
pub struct Reverse<'a> {
    /// The kind every counted field references, when each is a reference field: names are
    /// then counted by the entity they resolve to.
    target: Option<Kind>,
    /// By entity number (with a `target`).
    counts: Vec<u32>,
    /// By name: every name without a `target`, else the names that resolve to nothing.
    by_name: HashMap<&'a str, u32>,
}

impl<'a> Reverse<'a> {
    /// Counts the entities of `kind` that satisfy `filter`, under every entity or name their
    /// `fields` hold; an entity naming the same one twice counts once.
    fn count(ctx: &Ctx<'a>, kind: Kind, fields: &[FieldPath], filter: &[Condition]) -> Reverse<'a> {
        let estate = ctx.estate;
        let mut target = None;
        for f in fields {
            let t = f.reference(kind).map(|(_, r)| r.target);
            if t.is_none() || (target.is_some() && target != t) {
                target = None;
                break;
            }
            target = t;
        }
        let mut rev = Reverse {
            target,
            counts: match target {
                Some(_) => vec![0; estate.entities.len()],
                None => Vec::new(),
            },
            by_name: HashMap::new(),
        };
        let (mut ids, mut names): (Vec<u32>, Vec<&str>) = (Vec::new(), Vec::new());
        for &i in estate.of_kind(kind) {
            let i = i as usize;
            let e = &estate.entities[i];
            // Decided ahead through slot tables ([`Check::target_filters`]).
            if !ctx.qualifies(i, filter) {
                continue;
            }
            ids.clear();
            names.clear();
            for f in fields {
                let linked = target
                    .and_then(|t| estate.linked(i, f, t))
                    .filter(|items| !items.contains(&UNKNOWN));
                match linked {
                    Some(items) => ids.extend(items.iter().filter(|&&t| t < NOT_NAME)),
                    None => f.for_each_item(e.root(), |hit| {
                        let Some(name) = hit.node.as_str() else {
                            return;
                        };
                        match target.and_then(|t| estate.lookup_index(t, name)) {
                            Some(j) => ids.push(j as u32),
                            None => names.push(name),
                        }
                    }),
                }
            }
            ids.sort_unstable();
            ids.dedup();
            for &t in &ids {
                rev.counts[t as usize] += 1;
            }
            names.sort_unstable();
            names.dedup();
            for &name in &names {
                *rev.by_name.entry(name).or_insert(0) += 1;
            }
        }
        rev
    }

    /// How many counted entities name entity `idx`.
    fn of(&self, estate: &Estate, idx: usize) -> usize {
        let e = &estate.entities[idx];
        let Some(name) = e.name() else {
            return 0;
        };
        let resolved = self.target.and_then(|t| match e.kind == t {
            true => estate.canonical(idx),
            false => estate.lookup_index(t, name),
        });
        match resolved {
            Some(j) => self.counts.get(j).copied().unwrap_or(0) as usize,
            None => self.by_name.get(name).copied().unwrap_or(0) as usize,
        }
    }
}

impl Check {
    /// Builds the indexes this check needs over `selection` (entity indexes, in order).
    pub fn prepare<'a>(&self, ctx: &Ctx<'a>, selection: &[usize]) -> Prep<'a> {
        let estate = ctx.estate;
        match self {
            Check::CoveredBy {
                kind,
                fields,
                filter,
                ..
            }
            | Check::Count {
                kind: Some(kind),
                fields,
                filter,
                ..
            } => Prep::Reverse(Reverse::count(ctx, *kind, fields, filter)),
            Check::Unique { field } => {
                // Keyed by the text borrowed from the document (a number is spelled out).
                let mut first: HashMap<std::borrow::Cow<'_, str>, usize> =
                    HashMap::with_capacity(selection.len());
                let mut out: HashMap<usize, Vec<Violation>> = HashMap::new();
                for &i in selection {
                    let e = &estate.entities[i];
                    // Found ahead ([`Verdicts`]), or searched for.
                    let value = match ctx.verdicts.placed_value(field, i, estate) {
                        Some(value) => value,
                        None => field.first(e.root()).map(|h| h.node.value),
                    };
                    let Some(text) = value.filter(|v| !v.is_null()).and_then(|v| v.scalar_text())
                    else {
                        continue;
                    };
                    match first.get(text.as_ref()) {
                        None => {
                            first.insert(text, i);
                        }
                        Some(&f) => {
                            let Some(hit) = field.first(e.root()) else {
                                continue;
                            };
                            let other = &estate.entities[f];
                            let other_span = field
                                .first(other.root())
                                .map_or(other.root().span, |h| h.node.span);
                            let other_name = other.name().unwrap_or("?").to_string();
                            let v = Violation::at(
                                hit.node.span,
                                format!("also used by `{other_name}`"),
                            )
                            .var("value", text.as_ref())
                            .var("other", other_name.clone());
                            let mut v = v;
                            v.related.push((
                                other.file,
                                other_span,
                                format!("`{other_name}` uses `{text}` too"),
                            ));
                            v.target = Some(f);
                            out.entry(i).or_default().push(v);
                        }
                    }
                }
                Prep::PerEntity(out)
            }
            Check::Acyclic { field } => Prep::PerEntity(cycles(estate, field, selection)),
            Check::All(cs) | Check::Any(cs) => {
                Prep::Nested(cs.iter().map(|c| c.prepare(ctx, selection)).collect())
            }
            Check::Not(c) => Prep::Nested(vec![c.prepare(ctx, selection)]),
            Check::Pattern { .. } => self
                .scanned_pattern()
                .and_then(|(regex, _)| estate.scanned(regex.as_str()))
                .map_or(Prep::None, Prep::Scanned),
            _ => Prep::None,
        }
    }

    /// The node this check is about, for `not` to underline when the inner check passes.
    fn subject(&self, e: &Entity) -> Span {
        let name_span = e.name_span().unwrap_or(e.root().span);
        let field = match self {
            Check::Pattern { field, .. }
            | Check::Enum { field, .. }
            | Check::Compare { field, .. }
            | Check::MaxAge { field, .. }
            | Check::Ref { field, .. }
            | Check::Unique { field }
            | Check::Acyclic { field }
            | Check::RelatedCompare { field, .. } => Some(field),
            Check::Required(fields)
            | Check::Count {
                fields, kind: None, ..
            } => fields.first(),
            Check::Headroom { capacity, .. } => Some(capacity),
            Check::Expr { at, .. } => at.as_ref(),
            Check::Not(c) => return c.subject(e),
            Check::All(cs) | Check::Any(cs) => {
                return cs.first().map_or(name_span, |c| c.subject(e))
            }
            Check::CoveredBy { .. } | Check::Count { .. } => None,
        };
        field
            .and_then(|f| f.first(e.root()))
            .map_or(name_span, |h| h.node.span)
    }

    /// Every violation of this check by entity `idx`.
    pub fn eval(
        &self,
        ctx: &Ctx<'_>,
        prep: &Prep,
        idx: usize,
        doc: Doc<'_>,
        scope: Option<&Scope>,
    ) -> Result<Vec<Violation>, String> {
        let e = &ctx.estate.entities[idx];
        let root = doc;
        let name_span = || e.name_span().unwrap_or(root.root.span);
        let mut out = Vec::new();
        match self {
            Check::Required(fields) => {
                for f in fields {
                    let present = f.first_value(root).is_some_and(|v| !v.is_null());
                    if !present {
                        out.push(
                            Violation::at(
                                f.missing_span(root.root),
                                format!("`{}` missing", f.text),
                            )
                            .var("missing", f.text.clone()),
                        );
                    }
                }
            }
            Check::Pattern {
                field,
                regex,
                forbid,
                words,
            } => {
                // A forbidden pattern over a whole document: most documents have no match at
                // all, which one pass over their scalars (keys too) tells without building nodes.
                if *forbid && field.is_everything() {
                    let may = match prep {
                        Prep::Scanned(bits) => crate::bits::get(bits, idx),
                        _ => may_match(regex, words, &e.tape),
                    };
                    if !may {
                        return Ok(out);
                    }
                }
                field.for_each_item(root, |hit| {
                    let Some(text) = hit.node.scalar_text() else {
                        return;
                    };
                    if hit.node.is_null() {
                        return;
                    }
                    if regex.is_match(&text) == *forbid {
                        let caption = if *forbid {
                            "matches a forbidden pattern".to_string()
                        } else {
                            format!("does not match `{}`", regex.as_str())
                        };
                        let key = hit
                            .key
                            .and_then(|k| k.scalar_text())
                            .map(|k| k.into_owned())
                            .unwrap_or_default();
                        out.push(
                            Violation::at(hit.node.span, caption)
                                .var("value", shorten(&text))
                                .var("field", key),
                        );
                    }
                });
            }
            Check::Enum { field, values } => {
                field.for_each_item(root, |hit| {
                    if !values.iter().any(|o| o.equals(hit.node.value)) {
                        let v = Val::from_ref(hit.node);
                        let allowed: Vec<String> = values
                            .iter()
                            .filter_map(|l| l.node.scalar_text().map(|t| t.into_owned()))
                            .collect();
                        out.push(
                            Violation::at(
                                hit.node.span,
                                format!("not one of {}", allowed.join(", ")),
                            )
                            .var("value", v.display()),
                        );
                    }
                });
            }
            Check::Compare {
                field,
                op,
                operand,
                order,
            } => {
                // The value alone first: only a field that fails needs its place found.
                if let Some(value) = field.first_value(root).filter(|v| !v.is_null()) {
                    let left = Val::from_value(value);
                    if let Some(right) = ctx.operand(operand, root, None) {
                        if let Some(ord) = compare(&left, &right, order.as_deref()) {
                            let failed = !op.holds(ord);
                            if let Some(hit) = failed.then(|| field.first(root)).flatten() {
                                out.push(relation(hit.node.span, &left, *op, &right));
                            }
                        }
                    }
                }
            }
            Check::MaxAge { field, max } => {
                if let Some(value) = field.first_value(root) {
                    let date = Val::from_value(value).as_date();
                    let max = ctx.operand(max, root, None).and_then(|m| m.as_duration());
                    if let (Some(date), Some(max)) = (date, max) {
                        let age = ctx.today - date;
                        // Only a date too old needs its place found.
                        let too_old = age * 86_400 > max as i64;
                        if let Some(hit) = too_old.then(|| field.first(root)).flatten() {
                            out.push(
                                Violation::at(hit.node.span, format!("{age} days old"))
                                    .var("age", format!("{age} days"))
                                    .var("max", format_duration(max))
                                    .var("value", Val::from_ref(hit.node).display()),
                            );
                        }
                    }
                }
            }
            Check::Ref {
                field,
                kind,
                filter,
            } => {
                if ctx.ref_passes_linked(doc, field, *kind, filter) == Some(true) {
                    return Ok(out);
                }
                for hit in field.items(root) {
                    let Some(name) = hit.node.as_str() else {
                        continue;
                    };
                    match ctx.estate.lookup_index(*kind, name) {
                        // On a declared reference field an unknown name is the core's
                        // `estatelint/unresolved-reference`; elsewhere it is this rule's.
                        None if field.reference(e.kind).is_some() => {}
                        None => {
                            let mut v = Violation::at(
                                hit.node.span,
                                format!("no {} `{name}`", kind.name()),
                            )
                            .var("value", name);
                            if let Some(s) = did_you_mean(name, ctx.estate.names_of(*kind)) {
                                v = v.var("other", s);
                            }
                            out.push(v);
                        }
                        Some(t) => {
                            let target = &ctx.estate.entities[t];
                            if !ctx.qualifies(t, filter) {
                                let mut v = Violation::at(
                                    hit.node.span,
                                    format!("`{name}` does not qualify"),
                                )
                                .var("value", name)
                                .var("target", name);
                                v.target = Some(t);
                                if let Some(span) = target.name_span() {
                                    v.related.push((
                                        target.file,
                                        span,
                                        format!("{} `{name}`", kind.name()),
                                    ));
                                }
                                out.push(v);
                            }
                        }
                    }
                }
            }
            Check::CoveredBy { min, .. } => {
                let count = reverse(prep, ctx.estate, idx);
                let min = ctx
                    .operand(min, root, None)
                    .and_then(|m| m.as_number())
                    .unwrap_or(1.0);
                if (count as f64) < min {
                    out.push(
                        Violation::at(
                            name_span(),
                            format!("covered by {count}, needs {}", format_number(min)),
                        )
                        .var("count", count.to_string())
                        .var("min", format_number(min)),
                    );
                }
            }
            Check::Count {
                fields,
                kind,
                min,
                max,
                ..
            } => {
                let (count, span) = match kind {
                    Some(_) => (reverse(prep, ctx.estate, idx), None),
                    None => {
                        let mut items = 0;
                        for f in fields {
                            f.for_each_item(root, |_| items += 1);
                        }
                        let span = fields
                            .iter()
                            .find_map(|f| f.first(root))
                            .map(|h| h.key_span());
                        (items, span)
                    }
                };
                let span = || span.unwrap_or_else(name_span);
                let limit = |o: &Option<Operand>| {
                    o.as_ref()
                        .and_then(|o| ctx.operand(o, root, None))
                        .and_then(|v| v.as_number())
                };
                if let Some(max) = limit(max).filter(|m| count as f64 > *m) {
                    out.push(
                        Violation::at(span(), format!("{count}, more than {}", format_number(max)))
                            .var("count", count.to_string())
                            .var("max", format_number(max)),
                    );
                }
                if let Some(min) = limit(min).filter(|m| (count as f64) < *m) {
                    out.push(
                        Violation::at(
                            span(),
                            format!("{count}, fewer than {}", format_number(min)),
                        )
                        .var("count", count.to_string())
                        .var("min", format_number(min)),
                    );
                }
            }
            Check::Unique { .. } | Check::Acyclic { .. } => {
                if let Prep::PerEntity(map) = prep {
                    out.extend(map.get(&idx).cloned().unwrap_or_default());
                }
            }
            Check::RelatedCompare {
                via,
                field,
                op,
                operand,
                order,
                label_via,
            } => {
                let kind = target_kind(e.kind, via);
                // Told from resolved references first: almost every entity passes, and only
                // one that fails needs its names read to be worded (and its value's place
                // found: the value alone is read first).
                let linked = doc.entity().and_then(|i| ctx.estate.linked(i, via, kind));
                if let Some(items) = linked {
                    let left = field
                        .first_value(root)
                        .filter(|v| !v.is_null())
                        .map(Val::from_value);
                    let fails = |t: u32| -> bool {
                        let (Some(left), true) = (&left, t < NOT_NAME) else {
                            return false;
                        };
                        ctx.target_operand(operand, root, t as usize)
                            .and_then(|right| compare(left, &right, order.as_deref()))
                            .is_some_and(|ord| !op.holds(ord))
                    };
                    if !items.iter().any(|&t| fails(t)) {
                        return Ok(out);
                    }
                }
                let left_hit = field.first(root).filter(|h| !h.node.is_null());
                for hit in via.items(root) {
                    let Some(name) = hit.node.as_str() else {
                        continue;
                    };
                    let Some(t) = ctx.estate.lookup_index(kind, name) else {
                        continue;
                    };
                    let target = &ctx.estate.entities[t];
                    let (Some(left_hit), Some(right)) =
                        (left_hit, ctx.target_operand(operand, root, t))
                    else {
                        continue;
                    };
                    let left = Val::from_ref(left_hit.node);
                    let Some(ord) = compare(&left, &right, order.as_deref()) else {
                        continue;
                    };
                    if op.holds(ord) {
                        continue;
                    }
                    let span = if *label_via {
                        hit.node.span
                    } else {
                        left_hit.node.span
                    };
                    let mut v = relation(span, &left, *op, &right).var("target", name);
                    v.caption = format!("{} vs `{name}`: {}", left.display(), right.display());
                    v.target = Some(t);
                    let target_span = match operand {
                        Operand::Target(p) => p
                            .first(target.root())
                            .map_or(target.root().span, |h| h.node.span),
                        _ => target.name_span().unwrap_or(target.root().span),
                    };
                    v.related.push((
                        target.file,
                        target_span,
                        format!("`{name}`: {}", right.display()),
                    ));
                    out.push(v);
                }
            }
            Check::Headroom {
                capacity,
                demand,
                growth,
            } => {
                let num = |p: &FieldPath| {
                    p.first(root)
                        .and_then(|h| Val::from_ref(h.node).as_number().map(|n| (n, h)))
                };
                if let (Some((cap, cap_hit)), Some((dem, _))) = (num(capacity), num(demand)) {
                    let g = ctx
                        .operand(growth, root, None)
                        .and_then(|g| g.as_number())
                        .unwrap_or(0.0);
                    // Rounded up to whole seats; the epsilon keeps 100 × 1.10 at 110, not 111.
                    let required = (dem * (100.0 + g) / 100.0 - 1e-9).ceil();
                    if cap < required {
                        out.push(
                            Violation::at(
                                cap_hit.node.span,
                                format!(
                                    "{} < {} needed",
                                    format_number(cap),
                                    format_number(required)
                                ),
                            )
                            .var("capacity", format_number(cap))
                            .var("demand", format_number(dem))
                            .var("growth", format!("{}%", format_number(g)))
                            .var("required", format_number(required)),
                        );
                    }
                }
            }
            Check::All(cs) => {
                for (c, p) in cs.iter().zip(nested(prep, cs.len())) {
                    out.extend(c.eval(ctx, p, idx, doc, scope)?);
                }
            }
            Check::Any(cs) => {
                // A child that passes, told cheaply, spares wording the failures before it.
                for c in cs {
                    match c.passes(ctx, e, doc) {
                        Some(true) => return Ok(Vec::new()),
                        Some(false) => {}
                        None => break,
                    }
                }
                let mut first = None;
                for (c, p) in cs.iter().zip(nested(prep, cs.len())) {
                    let v = c.eval(ctx, p, idx, doc, scope)?;
                    if v.is_empty() {
                        return Ok(Vec::new());
                    }
                    first.get_or_insert(v);
                }
                out = first.unwrap_or_default();
            }
            Check::Not(c) => {
                let p = nested(prep, 1).next().unwrap_or(&Prep::None);
                if c.eval(ctx, p, idx, doc, scope)?.is_empty() {
                    out.push(Violation::at(c.subject(e), "matches"));
                }
            }
            Check::Expr { expr, at } => {
                let Some(scope) = scope else {
                    return Err("no CEL scope for an expression (internal error)".into());
                };
                let refs = expr.uses_refs.then(|| refs_value(ctx.estate, e));
                let this = expr.uses_self.then(|| crate::expr::to_cel(root.root));
                if !expr.eval(scope, this, refs)? {
                    let span = at
                        .as_ref()
                        .and_then(|a| a.first(root))
                        .map_or_else(name_span, |h| h.node.span);
                    out.push(Violation::at(span, "fails the expression"));
                }
            }
        }
        Ok(out)
    }

    /// Whether this check finds nothing on entity `e`, told without wording violations,
    /// when that is cheap to tell (`None` otherwise). A `Some` check cannot fail with an error.
    fn passes(&self, ctx: &Ctx<'_>, e: &Entity, doc: Doc<'_>) -> Option<bool> {
        match self {
            Check::Ref {
                field,
                kind,
                filter,
            } => {
                if let Some(ok) = ctx.ref_passes_linked(doc, field, *kind, filter) {
                    return Some(ok);
                }
                let mut ok = true;
                field.for_each_item(doc, |hit| {
                    let Some(name) = hit.node.as_str().filter(|_| ok) else {
                        return;
                    };
                    ok = match ctx.estate.lookup_index(*kind, name) {
                        // As in `eval`: an unknown name on a declared reference field is the
                        // core's finding, not this check's.
                        None => field.reference(e.kind).is_some(),
                        Some(t) => ctx.qualifies(t, filter),
                    };
                });
                Some(ok)
            }
            _ => None,
        }
    }

    /// The fields this check, on entities of `kind`, reads of other entities (the `target`
    /// operands of `related-compare`) or of its whole selection before it checks any (a
    /// uniqueness check's field), each with the kind it reads.
    fn placed_fields<'c>(&'c self, kind: Kind, out: &mut Vec<(Kind, &'c FieldPath)>) {
        match self {
            Check::RelatedCompare {
                via,
                operand: Operand::Target(path),
                ..
            } => out.push((target_kind(kind, via), path)),
            Check::Unique { field } => out.push((kind, field)),
            Check::All(cs) | Check::Any(cs) => cs.iter().for_each(|c| c.placed_fields(kind, out)),
            Check::Not(c) => c.placed_fields(kind, out),
            _ => {}
        }
    }

    /// The filters this check applies to referenced or counted entities, nested ones too.
    fn target_filters<'c>(&'c self, out: &mut Vec<(Kind, &'c [Condition])>) {
        match self {
            Check::Ref { kind, filter, .. } => {
                out.push((*kind, filter));
                target_filters(filter, out);
            }
            // The entities counted are filtered once each, ahead ([`Reverse::count`]).
            Check::CoveredBy { kind, filter, .. }
            | Check::Count {
                kind: Some(kind),
                filter,
                ..
            } => {
                out.push((*kind, filter));
                target_filters(filter, out)
            }
            Check::Count { filter, .. } => target_filters(filter, out),
            Check::All(cs) | Check::Any(cs) => cs.iter().for_each(|c| c.target_filters(out)),
            Check::Not(c) => c.target_filters(out),
            _ => {}
        }
    }

    /// The expression (and the words it matches) of a forbidden pattern over every scalar of
    /// a document that a [`DocScan`] answers ahead: one whose expression is joinable.
    pub fn scanned_pattern(&self) -> Option<(&ThreadRegex, &[bool])> {
        match self {
            Check::Pattern {
                field,
                regex,
                forbid: true,
                words,
            } if field.is_everything() && regex.is_joinable() => Some((regex, words)),
            _ => None,
        }
    }

    /// Whether [`Check::prepare`] reads the rule's selection (uniqueness and cycles are
    /// decided among the selected entities).
    pub fn needs_selection(&self) -> bool {
        match self {
            Check::Unique { .. } | Check::Acyclic { .. } => true,
            Check::All(cs) | Check::Any(cs) => cs.iter().any(Check::needs_selection),
            Check::Not(c) => c.needs_selection(),
            _ => false,
        }
    }

    /// Whether any part of this check is an expression.
    pub fn uses_cel(&self) -> bool {
        match self {
            Check::Expr { .. } => true,
            Check::All(cs) | Check::Any(cs) => cs.iter().any(Check::uses_cel),
            Check::Not(c) => c.uses_cel(),
            _ => false,
        }
    }

    /// Whether any part of this check is an expression reading `estate`.
    pub fn uses_estate(&self) -> bool {
        match self {
            Check::Expr { expr, .. } => expr.uses_estate,
            Check::All(cs) | Check::Any(cs) => cs.iter().any(Check::uses_estate),
            Check::Not(c) => c.uses_estate(),
            _ => false,
        }
    }
}

/// `refs` for CEL: each reference field of the entity by its last name (`owner`, `from`,
/// `dependsOn` ...) → the referenced entity, or a list of them for list fields; names that
/// resolve to nothing are left out (null for a single reference).
fn refs_value(estate: &Estate, e: &Entity) -> CelValue {
    let entries = e.kind.ref_fields().iter().map(|field| {
        let key = field
            .path
            .rsplit('.')
            .next()
            .unwrap_or(field.path)
            .to_string();
        let resolve = |n: NodeRef<'_>| {
            n.as_str()
                .and_then(|name| estate.lookup(field.target, name))
                .map(|t| crate::expr::to_cel(t.root()))
        };
        let value = match e.root().get_path(field.path) {
            Some(n) if field.many => CelValue::List(std::sync::Arc::new(
                n.as_seq()
                    .into_iter()
                    .flatten()
                    .filter_map(resolve)
                    .collect(),
            )),
            Some(n) => resolve(n).unwrap_or(CelValue::Null),
            None if field.many => CelValue::List(std::sync::Arc::new(Vec::new())),
            None => CelValue::Null,
        };
        (key, value)
    });
    crate::expr::map(entries)
}

fn nested<'p, 'a>(prep: &'p Prep<'a>, n: usize) -> impl Iterator<Item = &'p Prep<'a>> {
    let list: &[Prep] = match prep {
        Prep::Nested(v) => v,
        _ => &[],
    };
    (0..n).map(move |i| list.get(i).unwrap_or(&Prep::None))
}

/// How many entities name entity `idx`, by a reverse-reference preparation.
fn reverse(prep: &Prep<'_>, estate: &Estate, idx: usize) -> usize {
    match prep {
        Prep::Reverse(rev) => rev.of(estate, idx),
        _ => 0,
    }
}

fn relation(span: Span, left: &Val, op: Op, right: &Val) -> Violation {
    let broken = match op {
        Op::Eq => "≠",
        Op::Ne => "=",
        Op::Lt => "≥",
        Op::Lte => ">",
        Op::Gt => "≤",
        Op::Gte => "<",
    };
    Violation::at(
        span,
        format!("{} {broken} {}", left.display(), right.display()),
    )
    .var("value", left.display())
    .var("operand", right.display())
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 12 {
        format!("{}…", s.chars().take(8).collect::<String>())
    } else {
        s.to_string()
    }
}

/// The kind a reference field of `kind` points at (its declared target), or `kind` itself
/// for a field that is not a declared reference.
pub fn target_kind(kind: Kind, via: &FieldPath) -> Kind {
    via.reference(kind).map_or(kind, |(_, r)| r.target)
}

/// Cycles among `selection` through references in `field`, each reported once, on its first
/// member in estate order, with every edge labelled.
fn cycles(
    estate: &Estate,
    field: &FieldPath,
    selection: &[usize],
) -> HashMap<usize, Vec<Violation>> {
    // The graph over positions in the selection: successors in document order, selected
    // ones only, read from resolved references where the field has them.
    const UNSELECTED: u32 = u32::MAX;
    let mut node_of = vec![UNSELECTED; estate.entities.len()];
    for (n, &i) in selection.iter().enumerate() {
        node_of[i] = n as u32;
    }
    let targets = |i: usize, f: &mut dyn FnMut(usize, Option<Span>)| {
        let e = &estate.entities[i];
        let kind = target_kind(e.kind, field);
        field.for_each_item(e.root(), |hit| {
            if let Some(j) = hit.node.as_str().and_then(|n| estate.lookup_index(kind, n)) {
                f(j, Some(hit.node.span));
            }
        });
    };
    let mut start = Vec::with_capacity(selection.len() + 1);
    let mut succ: Vec<u32> = Vec::new();
    for &i in selection {
        start.push(succ.len());
        let mut push = |j: usize, _| {
            if node_of[j] != UNSELECTED {
                succ.push(node_of[j]);
            }
        };
        let kind = target_kind(estate.entities[i].kind, field);
        match estate.linked(i, field, kind) {
            Some(items) => items
                .iter()
                .filter(|&&t| t < NOT_NAME)
                .for_each(|&t| push(t as usize, None)),
            None => targets(i, &mut push),
        }
    }
    start.push(succ.len());
    let successors = |n: usize| &succ[start[n]..start[n + 1]];
    let mut out: HashMap<usize, Vec<Violation>> = HashMap::new();
    for scc in tarjan(selection.len(), successors) {
        if let [only] = scc[..] {
            if !successors(only).contains(&(only as u32)) {
                continue;
            }
        }
        let scc: Vec<usize> = scc.into_iter().map(|n| selection[n]).collect();
        // The members' edges, with the span of each reference, for the report.
        let mut edges: HashMap<usize, Vec<(usize, Span)>> = HashMap::new();
        for &i in &scc {
            targets(i, &mut |j, span| {
                if let (true, Some(span)) = (node_of[j] != UNSELECTED, span) {
                    edges.entry(i).or_default().push((j, span));
                }
            });
        }
        report_cycles(estate, &scc, &edges, &mut out);
    }
    out
}

/// Findings for the cycles of one strongly connected component `scc` (entity numbers) with
/// the `edges` of its members.
fn report_cycles(
    estate: &Estate,
    scc: &[usize],
    edges: &HashMap<usize, Vec<(usize, Span)>>,
    out: &mut HashMap<usize, Vec<Violation>>,
) {
    let name = |i: usize| estate.entities[i].name().unwrap_or("?").to_string();
    let members: foldhash::HashSet<usize> = scc.iter().copied().collect();
    let mut ordered: Vec<usize> = scc.to_vec();
    ordered.sort_unstable();
    // Every edge that lies on a cycle is shown at least once: for each edge not yet shown,
    // the shortest way back closes a cycle through it. Bounded, so a dense tangle cannot
    // flood the output.
    const MAX_CYCLES: usize = 50;
    let mut shown: foldhash::HashSet<(usize, usize)> = foldhash::HashSet::new();
    let mut reported = 0;
    for &from in &ordered {
        for &(to, span) in edges.get(&from).map_or(&[][..], Vec::as_slice) {
            if !members.contains(&to) || shown.contains(&(from, to)) || reported >= MAX_CYCLES {
                continue;
            }
            let Some(back) = shortest_path(to, from, edges, &members) else {
                continue;
            };
            let mut path = vec![(from, to, span)];
            path.extend(back);
            for &(f, t, _) in &path {
                shown.insert((f, t));
            }
            reported += 1;
            // Reported on the cycle's first member in estate order, starting there.
            let first = path
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.0)
                .map_or(0, |(i, _)| i);
            path.rotate_left(first);
            let start = path[0].0;
            let mut names: Vec<String> = path.iter().map(|(f, _, _)| name(*f)).collect();
            names.push(name(start));
            let cycle = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" → ");
            let (f0, t0, s0) = path[0];
            let mut v = Violation::at(s0, format!("`{}` depends on `{}`", name(f0), name(t0)))
                .var("cycle", cycle)
                .var("count", path.len().to_string());
            for &(f, t, s) in &path[1..] {
                v.related.push((
                    estate.entities[f].file,
                    s,
                    format!("`{}` depends on `{}`", name(f), name(t)),
                ));
            }
            out.entry(start).or_default().push(v);
        }
    }
}

/// The shortest path of edges from `from` to `to` within `members` (breadth-first; edges in
/// document order, so the result is deterministic).
fn shortest_path(
    from: usize,
    to: usize,
    edges: &HashMap<usize, Vec<(usize, Span)>>,
    members: &foldhash::HashSet<usize>,
) -> Option<Vec<(usize, usize, Span)>> {
    if from == to {
        return Some(Vec::new());
    }
    let mut parent: HashMap<usize, (usize, Span)> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    let mut seen: foldhash::HashSet<usize> = {
        let mut s = foldhash::HashSet::new();
        s.insert(from);
        s
    };
    while let Some(n) = queue.pop_front() {
        for &(m, span) in edges.get(&n).map_or(&[][..], Vec::as_slice) {
            if !members.contains(&m) || !seen.insert(m) {
                continue;
            }
            parent.insert(m, (n, span));
            if m == to {
                let mut path = Vec::new();
                let mut cur = to;
                while cur != from {
                    let (p, s) = parent[&cur];
                    path.push((p, cur, s));
                    cur = p;
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(m);
        }
    }
    None
}

/// Strongly connected components of the graph over `0..n` (Tarjan's algorithm, iterative so
/// deep graphs cannot overflow the stack), in order of discovery.
fn tarjan<'s>(n: usize, successors: impl Fn(usize) -> &'s [u32]) -> Vec<Vec<usize>> {
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&(v, next)) = work.last() {
            if next == 0 && index[v] == UNSEEN {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = successors(v).get(next) {
                let w = w as usize;
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == UNSEEN {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(scc);
            }
        }
    }
    out
}

/// Compiles `check:` nodes; errors are (span, message, help).
pub struct Compiler<'a> {
    pub errors: &'a mut Vec<(Span, String, Option<String>)>,
    /// Parameters the pack declares (for `{param: ...}` operands).
    pub params: &'a HashSet<String>,
}

impl Compiler<'_> {
    fn err(&mut self, span: Span, message: impl Into<String>, help: Option<String>) {
        self.errors.push((span, message.into(), help));
    }

    pub fn field(&mut self, node: &Node) -> Option<FieldPath> {
        let text = node.as_str()?;
        match FieldPath::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(node.span, e, None);
                None
            }
        }
    }

    fn fields(&mut self, node: &Node) -> Vec<FieldPath> {
        match &node.value {
            Value::Seq(items) => items.iter().filter_map(|n| self.field(n)).collect(),
            _ => self.field(node).into_iter().collect(),
        }
    }

    pub fn kind(&mut self, node: &Node) -> Option<Kind> {
        let text = node.as_str()?;
        let kind = Kind::ALL.into_iter().find(|k| k.name() == text);
        if kind.is_none() {
            let help = did_you_mean(text, Kind::ALL.map(Kind::name))
                .map(|s| format!("did you mean `{s}`?"));
            self.err(node.span, format!("unknown kind `{text}`"), help);
        }
        kind
    }

    fn regex(&mut self, node: &Node) -> Option<ThreadRegex> {
        let text = node.as_str()?;
        // A size limit keeps hostile patterns from exhausting memory; the regex engine itself
        // runs in linear time, so no pattern can backtrack catastrophically.
        match regex::RegexBuilder::new(text).size_limit(1 << 20).build() {
            Ok(r) => Some(ThreadRegex::new(r)),
            Err(e) => {
                let msg = e.to_string();
                let last = msg
                    .lines()
                    .rfind(|l| !l.trim().is_empty())
                    .unwrap_or(&msg)
                    .trim()
                    .to_string();
                self.err(
                    node.span,
                    format!("invalid regex: {}", last.trim_start_matches("error: ")),
                    None,
                );
                None
            }
        }
    }

    pub fn operand(&mut self, node: &Node, allow_target: bool) -> Option<Operand> {
        let Some(map) = node.as_map() else {
            return Some(Operand::Const(Literal::new(node.clone())));
        };
        if map.len() != 1 {
            self.err(
                node.span,
                "an operand mapping takes one key: `field`, `param`, `today` or `target`",
                None,
            );
            return None;
        }
        let (key, value) = (map[0].key.as_str().unwrap_or_default(), &map[0].value);
        match key {
            "field" => self.field(value).map(Operand::Field),
            "target" if allow_target => self.field(value).map(Operand::Target),
            "target" => {
                self.err(
                    map[0].key.span,
                    "`target` operands only exist in `related-compare`",
                    None,
                );
                None
            }
            "param" => {
                let name = value.as_str()?;
                if !self.params.contains(name) {
                    let help = did_you_mean(name, self.params.iter().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`?"))
                        .or_else(|| Some("declare it under the pack's `parameters:`".into()));
                    self.err(value.span, format!("unknown parameter `{name}`"), help);
                    return None;
                }
                Some(Operand::Param(name.to_string()))
            }
            "today" => self
                .operand(value, false)
                .map(|o| Operand::Today(Box::new(o))),
            other => {
                let help = did_you_mean(other, ["field", "param", "today", "target"])
                    .map(|s| format!("did you mean `{s}`?"));
                self.err(map[0].key.span, format!("unknown operand `{other}`"), help);
                None
            }
        }
    }

    fn comparison(
        &mut self,
        node: &Node,
        allow_target: bool,
    ) -> Option<(Op, Operand, Option<Vec<String>>)> {
        let ops: Vec<_> = Op::ALL
            .iter()
            .filter_map(|(name, op)| node.get(name).map(|n| (*op, n)))
            .collect();
        if ops.len() != 1 {
            self.err(
                node.span,
                "give exactly one of `eq`, `ne`, `lt`, `lte`, `gt`, `gte`",
                None,
            );
            return None;
        }
        let (op, operand) = ops[0];
        let operand = self.operand(operand, allow_target)?;
        let order = node.get("order").and_then(Node::as_seq).map(|s| {
            s.iter()
                .filter_map(|n| n.scalar_text().map(|t| t.into_owned()))
                .collect()
        });
        Some((op, operand, order))
    }

    pub fn conditions(&mut self, node: Option<&Node>) -> Vec<Condition> {
        let Some(map) = node.and_then(Node::as_map) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in map {
            if entry.key.as_str() == Some("any") {
                let groups: Vec<Vec<Condition>> = entry
                    .value
                    .as_seq()
                    .unwrap_or_default()
                    .iter()
                    .map(|g| self.conditions(Some(g)))
                    .collect();
                let path = FieldPath::parse("any").ok();
                if let Some(path) = path {
                    out.push(Condition {
                        path,
                        test: Test::Any(groups),
                        span: entry.key.span,
                    });
                }
                continue;
            }
            let Some(path) = self.field(&entry.key) else {
                continue;
            };
            let v = &entry.value;
            let test = match &v.value {
                Value::Seq(items) => Some(Test::In(literals(items))),
                Value::Map(_) => {
                    if let Some(e) = v.get("exists") {
                        Some(Test::Exists(e.value == Value::Bool(true)))
                    } else if let Some(m) = v.get("matches") {
                        self.regex(m).map(Test::Matches)
                    } else if let Some(list) = v.get("in").and_then(Node::as_seq) {
                        Some(Test::In(literals(list)))
                    } else if let Some(list) = v.get("notIn").and_then(Node::as_seq) {
                        Some(Test::NotIn(literals(list)))
                    } else if let Some(size) = v.get("size") {
                        self.comparison(size, false)
                            .map(|(op, operand, _)| Test::Size { op, operand })
                    } else if let Some(r) = v.get("refers") {
                        let kind = r.get("kind").and_then(|k| self.kind(k));
                        let filter = self.conditions(r.get("where"));
                        kind.map(|kind| Test::Refers { kind, filter })
                    } else {
                        self.comparison(v, false)
                            .map(|(op, operand, order)| Test::Cmp { op, operand, order })
                    }
                }
                _ => Some(Test::Cmp {
                    op: Op::Eq,
                    operand: Operand::Const(Literal::new(v.clone())),
                    order: None,
                }),
            };
            if let Some(test) = test {
                out.push(Condition {
                    path,
                    test,
                    span: entry.key.span,
                });
            }
        }
        out
    }

    /// Compiles one `check:` mapping (the schema has made sure it has exactly one known key).
    pub fn check(&mut self, node: &Node) -> Option<Check> {
        let entry = node.as_map()?.first()?;
        let (name, body) = (entry.key.as_str()?, &entry.value);
        let field = |c: &mut Self| body.get("field").and_then(|f| c.field(f));
        Some(match name {
            "required" => Check::Required(self.fields(body)),
            "pattern" => {
                let field = field(self)?;
                let regex = self.regex(body.get("regex")?)?;
                let words = (0..tape::vocabulary_len() as u32)
                    .map(|sym| regex.is_match(tape::word(sym)))
                    .collect();
                Check::Pattern {
                    field,
                    regex,
                    forbid: body
                        .get("forbid")
                        .is_some_and(|f| f.value == Value::Bool(true)),
                    words,
                }
            }
            "enum" => Check::Enum {
                field: field(self)?,
                values: literals(body.get("values")?.as_seq()?),
            },
            "compare" => {
                let field = field(self)?;
                let (op, operand, order) = self.comparison(body, false)?;
                Check::Compare {
                    field,
                    op,
                    operand,
                    order,
                }
            }
            "max-age" => Check::MaxAge {
                field: field(self)?,
                max: self.operand(body.get("max")?, false)?,
            },
            "ref" => Check::Ref {
                field: field(self)?,
                kind: self.kind(body.get("kind")?)?,
                filter: self.conditions(body.get("where")),
            },
            "covered-by" => Check::CoveredBy {
                kind: self.kind(body.get("kind")?)?,
                fields: self.fields(body.get("field")?),
                min: match body.get("min") {
                    Some(m) => self.operand(m, false)?,
                    None => Operand::Const(Literal::new(Node {
                        span: Span::default(),
                        value: Value::Int(1),
                    })),
                },
                filter: self.conditions(body.get("where")),
            },
            "unique" => Check::Unique {
                field: field(self)?,
            },
            "count" => {
                let kind = match body.get("kind") {
                    Some(k) => Some(self.kind(k)?),
                    None => None,
                };
                if body.get("min").is_none() && body.get("max").is_none() {
                    self.err(entry.key.span, "`count` needs `min` or `max`", None);
                    return None;
                }
                let min = body.get("min").and_then(|m| self.operand(m, false));
                let max = body.get("max").and_then(|m| self.operand(m, false));
                Check::Count {
                    fields: self.fields(body.get("field")?),
                    kind,
                    filter: self.conditions(body.get("where")),
                    min,
                    max,
                }
            }
            "acyclic" => Check::Acyclic {
                field: field(self)?,
            },
            "related-compare" => {
                let via = self.field(body.get("via")?)?;
                let field = field(self)?;
                let (op, operand, order) = self.comparison(body, true)?;
                let label_via = body.get("label").and_then(Node::as_str) == Some("via");
                Check::RelatedCompare {
                    via,
                    field,
                    op,
                    operand,
                    order,
                    label_via,
                }
            }
            "headroom" => Check::Headroom {
                capacity: self.field(body.get("capacity")?)?,
                demand: self.field(body.get("demand")?)?,
                growth: match body.get("growth") {
                    Some(g) => self.operand(g, false)?,
                    None if self.params.contains("growth") => Operand::Param("growth".into()),
                    None => {
                        self.err(
                            entry.key.span,
                            "`headroom` needs `growth`, or a pack parameter named `growth`",
                            None,
                        );
                        return None;
                    }
                },
            },
            "all" | "any" => {
                let children: Vec<Check> = body
                    .as_seq()?
                    .iter()
                    .filter_map(|c| self.check(c))
                    .collect();
                if name == "all" {
                    Check::All(children)
                } else {
                    Check::Any(children)
                }
            }
            "not" => Check::Not(Box::new(self.check(body)?)),
            "expr" => {
                let (source, at) = match body.as_str() {
                    Some(s) => (s, None),
                    None => (
                        body.get("cel")?.as_str()?,
                        body.get("at").and_then(|a| self.field(a)),
                    ),
                };
                match Expr::compile(source) {
                    Ok(expr) => Check::Expr { expr, at },
                    Err(e) => {
                        self.err(body.span, format!("invalid CEL expression: {e}"), None);
                        return None;
                    }
                }
            }
            _ => return None,
        })
    }
}

/// Whether `regex` may match some scalar of a document, keys too, each read as
/// [`NodeRef::scalar_text`] spells it (null has none that a pattern reads; `words` tells which
/// symbols match). When the expression is [`ThreadRegex::is_joinable`], one search of the
/// texts joined by newlines ([`ScalarTexts`]): a search per scalar costs more in setting out
/// than in reading.
fn may_match(regex: &ThreadRegex, words: &[bool], tape: &Tape) -> bool {
    if regex.is_joinable() {
        return texts_may_match(regex, words, &ScalarTexts::of_tape(tape));
    }
    let mut text = String::new();
    tape.any_scalar(|scalar| match scalar {
        Scalar::Null => false,
        Scalar::Sym(sym) => words.get(sym as usize).copied().unwrap_or(true),
        Scalar::Str(s) => regex.is_match(s),
        Scalar::Bool(b) => regex.is_match(if b { "true" } else { "false" }),
        Scalar::Int(i) => {
            text = i.to_string();
            regex.is_match(&text)
        }
        Scalar::Float(f) => {
            text = f.to_string();
            regex.is_match(&text)
        }
    })
}

/// [`may_match`] for a joinable expression, from a document's scalar texts.
fn texts_may_match(regex: &ThreadRegex, words: &[bool], texts: &ScalarTexts) -> bool {
    texts.any_word(words) || regex.is_match(texts.text())
}

/// A forbidden pattern over whole documents (`field: "**"`, `forbid: true`) whose expression
/// is joinable: it is searched while the files are read, each document's scalars at hand
/// as its tape is built, so the rule needs no second walk of every document
/// ([`Prep::Scanned`]). Distinct expressions only; at most 64 (one bit each).
pub struct DocScan {
    regex: ThreadRegex,
    words: Vec<bool>,
    /// Literals one of which each match holds ([`crate::regexes::Required`]), when the
    /// expression has them.
    required: Option<crate::regexes::Required>,
    /// Nanoseconds spent searching, summed over threads ([`DocScan::add_time`]).
    nanos: std::sync::atomic::AtomicU64,
}

impl DocScan {
    /// The scans that `checks` (the rules' top-level checks) ask for.
    pub fn of_checks<'c>(checks: impl IntoIterator<Item = &'c Check>) -> Vec<DocScan> {
        let mut scans: Vec<DocScan> = Vec::new();
        for (regex, words) in checks.into_iter().filter_map(Check::scanned_pattern) {
            if scans.len() < 64 && !scans.iter().any(|s| s.pattern() == regex.as_str()) {
                scans.push(DocScan {
                    regex: regex.clone(),
                    words: words.to_vec(),
                    required: crate::regexes::Required::of(regex.as_str()),
                    nanos: Default::default(),
                });
            }
        }
        scans
    }

    /// The expression, as written: what [`crate::estate::Estate::scanned`] is keyed by.
    pub fn pattern(&self) -> &str {
        self.regex.as_str()
    }

    /// Counts `time` as spent searching (once per file: a shared counter).
    pub fn add_time(&self, time: std::time::Duration) {
        let nanos = u64::try_from(time.as_nanos()).unwrap_or(u64::MAX);
        self.nanos
            .fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
    }

    /// The time spent searching so far, summed over threads.
    pub fn time(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.nanos.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Whether the expression may match a scalar of the document with `texts`.
    pub fn may_match(&self, texts: &ScalarTexts) -> bool {
        texts_may_match(&self.regex, &self.words, texts)
    }

    /// Whether the search of a document with `texts` can wait, to be done together with the
    /// file's other documents ([`DocScan::batch_matches`]): it has literals, and the text is
    /// ASCII. Then what [`DocScan::may_match`] answers is
    /// `texts.any_word(..)` (asked now, [`DocScan::word_matches`]) or the batch's answer.
    pub fn batches(&self, texts: &ScalarTexts) -> bool {
        self.required.is_some() && texts.text().is_ascii()
    }

    /// Whether a word of the document matches (the part of [`DocScan::may_match`] that is
    /// not searched in the texts).
    pub fn word_matches(&self, texts: &ScalarTexts) -> bool {
        texts.any_word(&self.words)
    }

    /// Calls `found` with the number of each document of `batch` with a scalar the expression
    /// may match: the literals are looked for in all the documents' texts at once (`lowered`:
    /// the batch's text, ASCII lowercased), with SIMD, and the expression runs only on each
    /// scalar holding one, on its own (a match in a scalar holds a literal in that scalar).
    /// Searched document by document, the texts were too short for SIMD: at 10,000 systems
    /// the search took 75 of the check's 5,400 million instructions.
    pub fn batch_matches(&self, batch: &ScanBatch, lowered: &[u8], mut found: impl FnMut(usize)) {
        let Some(required) = &self.required else {
            return;
        };
        let mut hits = required.hits(lowered);
        let mut from = 0;
        while let Some(hit) = hits.next_from(from) {
            let (doc, scalar) = batch.scalar_at(hit);
            from = match batch.text.get(scalar.clone()) {
                Some(text) if !self.regex.is_match(text) => (scalar.end + 1).max(hit + 1),
                _ => {
                    found(doc);
                    batch.doc_end(doc)
                }
            };
        }
    }
}

/// The scalar texts of documents of one file whose whole-document searches wait to be done
/// together ([`DocScan::batch_matches`]), joined.
#[derive(Debug, Default)]
pub struct ScanBatch {
    text: String,
    /// Where each scalar starts in `text`.
    starts: Vec<u32>,
    /// Each document: its number (among the file's) and where its text starts.
    docs: Vec<(usize, u32)>,
}

impl ScanBatch {
    /// Adds document number `doc`, whose scalars are `texts`.
    pub fn push(&mut self, doc: usize, texts: &ScalarTexts) {
        let base = self.text.len() as u32;
        self.docs.push((doc, base));
        self.starts.extend(texts.starts().iter().map(|s| s + base));
        self.text.push_str(texts.text());
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The bytes of text it holds.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.starts.clear();
        self.docs.clear();
    }

    /// The text, ASCII letters lowercased, into `out`.
    pub fn lowered(&self, out: &mut Vec<u8>) {
        out.clear();
        out.extend(self.text.bytes().map(|b| b.to_ascii_lowercase()));
    }

    /// The number of the document holding byte `at` of the text, and the bytes its scalar
    /// there takes (without the newline after it).
    fn scalar_at(&self, at: usize) -> (usize, std::ops::Range<usize>) {
        let k = self.starts.partition_point(|&s| s as usize <= at);
        let start = k.checked_sub(1).map_or(0, |k| self.starts[k] as usize);
        let next = self.starts.get(k).map_or(self.text.len(), |&s| s as usize);
        let d = self.docs.partition_point(|&(_, s)| s as usize <= at);
        let doc = d.checked_sub(1).map_or(0, |d| self.docs[d].0);
        (doc, start..next.saturating_sub(1).max(start))
    }

    /// Where the text of the document after document number `doc` starts.
    fn doc_end(&self, doc: usize) -> usize {
        let d = self.docs.partition_point(|&(n, _)| n <= doc);
        self.docs
            .get(d)
            .map_or(self.text.len(), |&(_, s)| s as usize)
    }
}

/// The constants of a sequence written in a pack (`in`, `notIn`, `enum` values).
fn literals(items: &[Node]) -> Vec<Literal> {
    items.iter().cloned().map(Literal::new).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_decided_once_per_entity() {
        let bits = Bits::new(70);
        let mut calls = 0;
        for round in 0..2 {
            for i in [0, 31, 32, 69] {
                let yes = bits.get_or(i, || {
                    calls += 1;
                    i % 2 == 1
                });
                assert_eq!(yes, i % 2 == 1, "entity {i}, round {round}");
            }
        }
        assert_eq!(calls, 4);
    }

    #[test]
    fn a_filter_names_the_fields_it_reads_of_its_entity() {
        let src = "spec.tier: {in: [critical]}\n\
                   spec.rpo: {lte: {field: spec.rto}}\n\
                   spec.eol: {lt: {today: {field: spec.warning}}}\n\
                   spec.owner: {refers: {kind: Owner, where: {spec.departed: {exists: true}}}}\n\
                   any:\n  - {spec.a: {exists: true}}\n  - {spec.b: {size: {gt: 1}}}\n";
        let node = crate::yaml::load(src).documents.remove(0).root;
        let (mut errors, params) = (Vec::new(), HashSet::new());
        let mut compiler = Compiler {
            errors: &mut errors,
            params: &params,
        };
        let conditions = compiler.conditions(Some(&node));
        assert!(errors.is_empty(), "{errors:?}");
        let mut read = Vec::new();
        conditions
            .iter()
            .for_each(|c| c.paths(&mut |p| read.push(p.text.as_str())));
        // The referred Owner's `spec.departed` is not this entity's.
        let want = "spec.tier spec.rpo spec.rto spec.eol spec.warning spec.owner spec.a spec.b";
        assert_eq!(read.join(" "), want);
    }
}
