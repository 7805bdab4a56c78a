//! Rule evaluation: resolves pack parameters (config, then Organization policy, then defaults),
//! selects entities, runs every rule's check in parallel, and words the findings.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::checks::{CelEnv, Ctx, Prep, Verdicts, Violation};
use crate::diag::{did_you_mean, rules, Finding, Severity};
use crate::estate::{Entity, Estate};
use crate::expr;
use crate::kind::Kind;
use crate::pack::{Packs, Rule};
use crate::path::Doc;
use crate::select::{Condition, Val};
use crate::source::{FileId, Span};
use crate::tape::{NodeRef, SlotPos, SlotTrie};
use crate::template::Vars;
use crate::value::Date;
use crate::yaml::Node;

/// A parameter value given outside the estate (`estatelint.yaml`, `--growth`), with where it
/// was written when that is a file.
#[derive(Clone, Debug)]
pub struct ParamOverride {
    pub name: String,
    pub value: Node,
    /// The config file and the span of the key, for errors.
    pub at: Option<(FileId, Span)>,
}

/// Whether rule findings get their `help` worded: the compact, GitLab and JUnit reports show
/// none, and a large estate's tens of thousands of helps would then be worded for nothing
/// (at 100,000 systems, 67,000 helps of some 150 bytes each).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Helps {
    #[default]
    Worded,
    Omitted,
}

/// Effective parameter values, and findings about the Organization's `policy`.
pub fn resolve_params(
    packs: &Packs,
    estate: &Estate,
    overrides: &[ParamOverride],
) -> (HashMap<String, Val>, Vec<Finding>) {
    let mut values = HashMap::new();
    let mut findings = Vec::new();
    let org = organization(estate);
    let policy = org.and_then(|o| o.root().get_path("spec.policy"));
    let schema_typed = crate::schema::typed_policy_keys();
    if let (Some(org), Some(policy)) = (org, policy) {
        for entry in policy.as_map().unwrap_or_default() {
            let Some(key) = entry.key.as_str() else {
                continue;
            };
            match packs.param(key) {
                None => {
                    let help = match did_you_mean(key, packs.params.iter().map(|p| p.name.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "no loaded rule pack reads this parameter; remove it or load the pack that does".into(),
                    };
                    findings.push(
                        Finding::new(
                            rules::UNKNOWN_PARAMETER,
                            Severity::Warning,
                            org.file,
                            entry.key.span,
                            format!("unknown policy parameter `{key}`"),
                        )
                        .with_label("read by no rule")
                        .with_help(help),
                    );
                }
                // The schema reports the type of the parameters it knows.
                Some(p)
                    if !p.ty.accepts(&entry.value.to_node())
                        && !entry.value.is_null()
                        && !schema_typed.iter().any(|k| k == key) =>
                {
                    findings.push(
                        Finding::error(
                            rules::PARAMETER,
                            org.file,
                            entry.value.span,
                            format!("policy parameter `{key}` must be {}", p.ty.name()),
                        )
                        .with_label("wrong type")
                        .with_help(p.description.clone()),
                    )
                }
                Some(_) => {}
            }
        }
    }
    for p in &packs.params {
        let from_config = overrides
            .iter()
            .rev()
            .find(|o| o.name == p.name)
            .map(|o| &o.value);
        let from_policy = policy
            .and_then(|pol| pol.get(&p.name))
            .map(|n| n.to_node())
            .filter(|n| p.ty.accepts(n));
        let from_org = p
            .from
            .as_ref()
            .and_then(|f| f.first(org?.root()))
            .map(|h| h.node.to_node())
            .filter(|n| p.ty.accepts(n));
        if let Some(node) = from_config
            .or(from_policy.as_ref())
            .or(from_org.as_ref())
            .or(p.default.as_ref())
        {
            values.insert(p.name.clone(), Val::from_node(node));
        }
    }
    (values, findings)
}

fn organization(estate: &Estate) -> Option<&Entity> {
    estate
        .entities
        .iter()
        .find(|e| e.kind == Kind::Organization)
}

struct RuleVars<'a> {
    violation: &'a Violation,
    params: &'a HashMap<String, Val>,
    /// The entity's `metadata.name` (most messages name it), as the entity keeps it: read
    /// without walking the document.
    name: Option<&'a str>,
}

impl Vars for RuleVars<'_> {
    fn var(&self, name: &str) -> Option<String> {
        if let Some(v) = self.violation.vars.get(name) {
            return Some(v.clone());
        }
        if name == "metadata.name" {
            // A name that is no string is not kept: the field is then read as written.
            return self.name.map(str::to_string);
        }
        let param = name.strip_prefix("param.")?;
        self.params.get(param).map(Val::display)
    }
}

/// Runs `rules` over the estate, in parallel, and appends their findings to `findings` in an
/// order that does not depend on the thread count (chunks of the estate in order, then rule
/// order; the caller sorts them for output); returns each rule's time.
pub fn evaluate(
    rules: &[&Rule],
    estate: &Estate,
    params: &HashMap<String, Val>,
    today: Date,
    helps: Helps,
    order: &Order<'_>,
    findings: &mut Vec<Finding>,
) -> Vec<(String, std::time::Duration)> {
    let org = organization(estate).map_or(expr::CelValue::Null, |o| expr::to_cel(o.root()));
    let cel_params = expr::map(params.iter().map(|(k, v)| (k.clone(), val_to_cel(v))));
    let estate_value = rules.iter().any(|r| r.check.uses_estate()).then(|| {
        let mut by_kind: BTreeMap<&str, Vec<(String, expr::CelValue)>> = BTreeMap::new();
        for e in &estate.entities {
            if let Some(name) = e.name() {
                by_kind
                    .entry(e.kind.name())
                    .or_default()
                    .push((name.to_string(), expr::to_cel(e.root())));
            }
        }
        expr::map(Kind::ALL.iter().map(|k| {
            (
                k.name().to_string(),
                expr::map(by_kind.remove(k.name()).unwrap_or_default()),
            )
        }))
    });
    let cel = CelEnv {
        org,
        params: cel_params,
        today: expr::string(&today.to_string()),
        estate: estate_value,
    };
    let verdicts = Verdicts::new(
        rules
            .iter()
            .map(|r| (&r.check, &r.filter[..], r.kinds.as_deref())),
        estate.entities.len(),
    );
    let ctx = Ctx {
        estate,
        params,
        today: today.days(),
        cel: &cel,
        verdicts: &verdicts,
    };
    let trie = crate::path::slot_trie();
    let verdict_times = decide_verdicts(&verdicts, &ctx, rules.len());
    // First what each rule needs over the whole estate (reverse references, uniqueness,
    // cycles), in parallel over rules.
    let preps: Vec<(Prep<'_>, Duration, bool)> = rules
        .par_iter()
        .map(|rule| {
            let started = Instant::now();
            // A defect in one rule is reported, not allowed to stop the others.
            let prep = catch_unwind(AssertUnwindSafe(|| {
                let selection = if rule.check.needs_selection() {
                    select(rule, &ctx)
                } else {
                    Vec::new()
                };
                rule.check.prepare(&ctx, &selection)
            }));
            match prep {
                Ok(prep) => (prep, started.elapsed(), false),
                Err(_) => (Prep::None, started.elapsed(), true),
            }
        })
        .collect();
    // Then the entities, in chunks evaluated in parallel: each document of a chunk is searched
    // once for every numbered field path, and every rule runs over the chunk reading those.
    let n = estate.entities.len();
    let filters = Filters::new(rules);
    // Each rule's time over the chunks and whether it panicked in one, kept here rather
    // than per chunk (1,600 chunks × 39 rules at 100,000 systems).
    let spent: Vec<AtomicU64> = rules.iter().map(|_| AtomicU64::new(0)).collect();
    let failed: Vec<AtomicBool> = rules.iter().map(|_| AtomicBool::new(false)).collect();
    let shared = Shared {
        preps: &preps,
        spent: &spent,
        failed: &failed,
    };
    let chunks: Vec<ChunkRun> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            run_chunk(
                rules,
                &shared,
                &ctx,
                &trie,
                &filters,
                (helps, order),
                c * CHUNK..n.min((c + 1) * CHUNK),
            )
        })
        .collect();
    // What the rules prepared is let go before their findings are gathered.
    let prepared: Vec<(Duration, bool)> = preps.into_iter().map(|(_, t, p)| (t, p)).collect();
    crate::memory::release();
    // Findings moved once into room made for all of them, chunk by chunk, so what each chunk
    // held goes back as soon as it is empty, merged with those found before the rules (the
    // files' and the index's). Each chunk's are in output order and the chunks follow the
    // files, so they come out in order, mostly: the sort that follows checks that and orders
    // what is not. A rule that panicked anywhere is reported instead.
    let total: usize = chunks.iter().map(|run| run.findings.len()).sum();
    let mut before = std::mem::take(findings);
    before.sort_unstable_by(order);
    findings.reserve_exact(total + before.len());
    let mut before = before.into_iter().peekable();
    let times: Vec<Duration> = prepared
        .iter()
        .zip(&verdict_times)
        .zip(&spent)
        .map(|(((prep, _), verdicts), spent)| {
            *prep + *verdicts + Duration::from_nanos(spent.load(Ordering::Relaxed))
        })
        .collect();
    let panicked: Vec<bool> = prepared
        .iter()
        .zip(&failed)
        .map(|((_, p), failed)| *p || failed.load(Ordering::Relaxed))
        .collect();
    let panicked_ids: Vec<&str> = rules
        .iter()
        .zip(&panicked)
        .filter(|(_, p)| **p)
        .map(|(r, _)| r.id.as_str())
        .collect();
    for (c, chunk) in chunks.into_iter().enumerate() {
        chunk.gather(&panicked_ids, order, &mut before, findings);
        if c % RELEASE_EVERY == RELEASE_EVERY - 1 {
            crate::memory::release();
        }
    }
    findings.extend(before);
    for (r, rule) in rules.iter().enumerate() {
        if panicked[r] {
            findings.extend(rule_panicked(rule, estate));
        }
    }
    rules
        .iter()
        .zip(times)
        .map(|(rule, time)| (rule.id.to_string(), time))
        .collect()
}

/// Decides every target filter ([`Verdicts`]) for every entity of its kind, in chunks in
/// parallel, reading the documents through slot tables of the fields the filters read (the
/// rules' other fields are found later, when the rules run); the time each takes is its
/// rule's (returned per rule). A filter that fails to decide (an internal error) is left to
/// its rule, which then reports the failure.
fn decide_verdicts(verdicts: &Verdicts<'_>, ctx: &Ctx<'_>, rules: usize) -> Vec<Duration> {
    let mut times = vec![Duration::ZERO; rules];
    for kind in Kind::ALL {
        let filters = verdicts.of_kind(kind);
        let fields = verdicts.fields_of_kind(kind);
        if filters.is_empty() && fields.is_empty() {
            continue;
        }
        let trie = &crate::path::slot_trie_of(verdicts.paths_of_kind(kind));
        let spent: Vec<Vec<Duration>> = ctx
            .estate
            .of_kind(kind)
            .par_chunks(CHUNK)
            .map(|chunk| {
                let entities = chunk.iter().map(|&i| i as usize).collect();
                let rows = SlotRows::fill(ctx.estate, entities, trie);
                let decided = filters.iter().map(|&(f, _)| {
                    let started = Instant::now();
                    let _ = catch_unwind(AssertUnwindSafe(|| {
                        for (k, &t) in chunk.iter().enumerate() {
                            verdicts.decide(f, t as usize, rows.doc(k), ctx);
                        }
                    }));
                    started.elapsed()
                });
                // Where each entity has the fields that rules read of entities other than
                // the one they check.
                let placed = fields.iter().map(|&(f, _)| {
                    let started = Instant::now();
                    if let Some(slot) = verdicts.field_slot(f) {
                        for (k, &t) in chunk.iter().enumerate() {
                            verdicts.place_field(f, t as usize, rows.slot(k, slot));
                        }
                    }
                    started.elapsed()
                });
                decided.chain(placed).collect()
            })
            .collect();
        for chunk in spent {
            for (&(_, rule), time) in filters.iter().chain(&fields).zip(chunk) {
                times[rule] += time;
            }
        }
    }
    times
}

/// The documents of some entities, each with its slot table ([`crate::tape::Tape::fill_slots`])
/// and its root read once for every rule.
struct SlotRows<'a> {
    estate: &'a Estate,
    entities: Vec<usize>,
    roots: Vec<NodeRef<'a>>,
    table: Vec<SlotPos>,
    into_seq: Vec<bool>,
    width: usize,
}

impl<'a> SlotRows<'a> {
    fn fill(estate: &'a Estate, entities: Vec<usize>, trie: &SlotTrie) -> SlotRows<'a> {
        let width = trie.len();
        let mut table = vec![SlotPos::ABSENT; entities.len() * width];
        // Row by row (a row may be empty when no path has a number).
        let into_seq = entities
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let row = &mut table[k * width..(k + 1) * width];
                estate.entities[i].tape.fill_slots(trie, row)
            })
            .collect();
        let roots = entities
            .iter()
            .map(|&i| estate.entities[i].root())
            .collect();
        SlotRows {
            estate,
            entities,
            roots,
            table,
            into_seq,
            width,
        }
    }

    /// Where the `k`th document has the path numbered `slot`.
    fn slot(&self, k: usize, slot: u32) -> SlotPos {
        let slot = slot as usize;
        match self.table.get(k * self.width + slot) {
            Some(&at) if slot < self.width => at,
            _ => SlotPos::UNKNOWN,
        }
    }

    /// The `k`th document.
    fn doc(&self, k: usize) -> Doc<'_> {
        let i = self.entities[k];
        let row = &self.table[k * self.width..(k + 1) * self.width];
        Doc::with_slots(
            self.roots[k],
            &self.estate.entities[i].tape,
            row,
            self.into_seq[k],
        )
        .of_entity(i)
    }
}

/// Chunks gathered between two [`crate::memory::release`]s.
const RELEASE_EVERY: usize = 64;

/// Entities per chunk of evaluation: their slot tables stay in the core's cache while every
/// rule reads them.
const CHUNK: usize = 256;

/// The order findings are reported in ([`crate::check::finding_order`]).
pub type Order<'a> = dyn Fn(&Finding, &Finding) -> std::cmp::Ordering + Sync + 'a;

/// Every rule over one chunk: their findings, in output order.
struct ChunkRun {
    findings: Vec<Finding>,
}

impl ChunkRun {
    /// Moves the findings into `into`, but those of the rules whose ids are `panicked`, each
    /// after the findings of `before` (in order) that come ahead of it.
    fn gather(
        self,
        panicked: &[&str],
        order: &Order<'_>,
        before: &mut std::iter::Peekable<std::vec::IntoIter<Finding>>,
        into: &mut Vec<Finding>,
    ) {
        let of_panicked = |f: &Finding| {
            panicked
                .iter()
                .any(|id| f.rule.as_str() == *id || f.origin.as_deref() == Some(*id))
        };
        // Most chunks: nothing to leave out or to put between.
        let after_last = |b: &Finding| self.findings.last().is_none_or(|l| order(b, l).is_ge());
        if panicked.is_empty() && before.peek().is_none_or(after_last) {
            into.extend(self.findings);
            return;
        }
        for f in self.findings {
            if !panicked.is_empty() && of_panicked(&f) {
                continue;
            }
            while let Some(ahead) = before.next_if(|b| order(b, &f).is_lt()) {
                into.push(ahead);
            }
            into.push(f);
        }
    }
}

/// What the chunks share, rule by rule: what each rule prepared, where its time over the
/// chunks is added up (nanoseconds) and whether it panicked in one.
struct Shared<'a, 'p> {
    preps: &'a [(Prep<'p>, Duration, bool)],
    spent: &'a [AtomicU64],
    failed: &'a [AtomicBool],
}

/// Every rule over the entities `range`.
fn run_chunk(
    rules: &[&Rule],
    shared: &Shared<'_, '_>,
    ctx: &Ctx<'_>,
    trie: &SlotTrie,
    filters: &Filters<'_>,
    (helps, order): (Helps, &Order<'_>),
    range: std::ops::Range<usize>,
) -> ChunkRun {
    let estate = ctx.estate;
    let rows = SlotRows::fill(estate, range.clone().collect(), trie);
    let mut decided = filters.chunk(range.len());
    // The chunk's entities of each kind, in estate order: a rule of one kind goes through
    // its own only (most rules select one kind; an estate is mostly systems, backups and
    // integrations).
    let mut of_kind: [Vec<u32>; Kind::COUNT] = Default::default();
    for (k, idx) in range.clone().enumerate() {
        of_kind[estate.entities[idx].kind as usize].push(k as u32);
    }
    let all: Vec<u32> = (0..range.len() as u32).collect();
    let mut findings = Vec::new();
    let runs = rules
        .iter()
        .zip(shared.preps)
        .zip(&filters.of_rule)
        .enumerate();
    for (r, ((rule, (prep, _, _)), filter)) in runs {
        let started = Instant::now();
        let done = catch_unwind(AssertUnwindSafe(|| {
            // Built per chunk: CEL contexts are not shared between threads.
            let scope = rule.check.uses_cel().then(|| {
                expr::Scope::new(&expr::Bindings {
                    org: &ctx.cel.org,
                    params: &ctx.cel.params,
                    today: &ctx.cel.today,
                    estate: ctx.cel.estate.as_ref(),
                })
            });
            let run = Run {
                rule,
                prep,
                scope: scope.as_ref(),
                helps,
            };
            let chosen = match rule.kinds.as_deref() {
                Some(&[kind]) => &of_kind[kind as usize],
                _ => &all,
            };
            for &k in chosen {
                let k = k as usize;
                let idx = range.start + k;
                if !rule.selects(estate.entities[idx].kind) {
                    continue;
                }
                let doc = rows.doc(k);
                if filter.iter().all(|&c| decided.holds(c, k, doc, ctx)) {
                    run_entity(&run, ctx, idx, doc, &mut findings);
                }
            }
        }));
        if done.is_err() {
            shared.failed[r].store(true, Ordering::Relaxed);
        }
        let spent = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        shared.spent[r].fetch_add(spent, Ordering::Relaxed);
    }
    // Put in output order here, on the pool's threads, while they are at hand: the chunks
    // follow the files, so the gathered findings need little more ordering (sorted there,
    // 91,000 findings at 100,000 systems took 9-14 ms, most of it on one thread).
    findings.sort_unstable_by(order);
    // Kept until every chunk is done: moved to a vector of their number (grown by doubling,
    // a chunk's findings held up to twice their room).
    if findings.capacity() > findings.len() {
        let mut exact = Vec::with_capacity(findings.len());
        exact.append(&mut findings);
        findings = exact;
    }
    ChunkRun { findings }
}

/// The distinct `where` conditions of the rules ([`Condition::same_as`]): most rules share
/// some (`spec.lifecycle: {notIn: [retired]}` is in a dozen), and each is decided once per
/// entity of a chunk, whichever rule asks first.
struct Filters<'r> {
    conditions: Vec<&'r Condition>,
    /// Each rule's `where`, as numbers in `conditions`, in its order.
    of_rule: Vec<Vec<usize>>,
}

impl<'r> Filters<'r> {
    fn new(rules: &[&'r Rule]) -> Filters<'r> {
        let mut conditions: Vec<&'r Condition> = Vec::new();
        let of_rule = rules
            .iter()
            .map(|rule| {
                rule.filter
                    .iter()
                    .map(|c| match conditions.iter().position(|d| d.same_as(c)) {
                        Some(i) => i,
                        None => {
                            conditions.push(c);
                            conditions.len() - 1
                        }
                    })
                    .collect()
            })
            .collect();
        Filters {
            conditions,
            of_rule,
        }
    }

    /// Room for the decisions over a chunk of `len` entities, none made yet.
    fn chunk(&self, len: usize) -> Decided<'_, 'r> {
        Decided {
            filters: self,
            len,
            states: vec![None; self.conditions.len() * len],
        }
    }
}

/// The conditions of [`Filters`] decided so far for the entities of one chunk.
struct Decided<'f, 'r> {
    filters: &'f Filters<'r>,
    len: usize,
    /// Condition by condition, entity by entity: `None` until decided.
    states: Vec<Option<bool>>,
}

impl Decided<'_, '_> {
    /// Whether condition `c` holds for the chunk's `k`th entity, `doc`.
    fn holds(&mut self, c: usize, k: usize, doc: Doc<'_>, ctx: &Ctx<'_>) -> bool {
        *self.states[c * self.len + k]
            .get_or_insert_with(|| self.filters.conditions[c].holds(doc, ctx))
    }
}

/// Entities of the rule's kinds that pass its `where`, in estate order.
fn select(rule: &Rule, ctx: &Ctx<'_>) -> Vec<usize> {
    let estate = ctx.estate;
    let mut candidates: Vec<usize> = match &rule.kinds {
        None => (0..estate.entities.len()).collect(),
        Some(kinds) => kinds
            .iter()
            .flat_map(|k| estate.of_kind(*k).iter().map(|&i| i as usize))
            .collect(),
    };
    candidates.sort_unstable();
    // Decided ahead for a rule of one kind ([`Verdicts::new`]), else read here.
    candidates.retain(|&i| ctx.qualifies(i, &rule.filter));
    candidates
}

fn val_to_cel(v: &Val) -> expr::CelValue {
    match v {
        Val::Null => expr::CelValue::Null,
        Val::Bool(b) => expr::CelValue::Bool(*b),
        Val::Num(n) if n.fract() == 0.0 => expr::CelValue::Int(*n as i64),
        Val::Num(n) => expr::CelValue::Float(*n),
        other => expr::string(&other.display()),
    }
}

/// The finding for a rule whose evaluation panicked: an internal error on the first entity it
/// would have looked at (or nowhere, for an empty estate).
fn rule_panicked(rule: &Rule, estate: &Estate) -> Vec<Finding> {
    let Some(e) = estate.entities.iter().find(|e| rule.selects(e.kind)) else {
        return Vec::new();
    };
    let span = e.name_span().unwrap_or(e.root().span);
    vec![Finding::error(
        rules::INTERNAL,
        e.file,
        span,
        format!("internal error while evaluating rule `{}`", rule.id),
    )
    .with_help("this is a defect of estatelint: please report it with the rule and the estate")]
}

/// One rule as it runs over a chunk: what it prepared, its CEL scope, and how its findings
/// are worded.
struct Run<'r> {
    rule: &'r Rule,
    prep: &'r Prep<'r>,
    scope: Option<&'r expr::Scope>,
    helps: Helps,
}

/// The rule's check on one selected entity, its violations worded as findings.
fn run_entity(run: &Run<'_>, ctx: &Ctx<'_>, idx: usize, doc: Doc<'_>, out: &mut Vec<Finding>) {
    let rule = run.rule;
    let e = &ctx.estate.entities[idx];
    match rule.check.eval(ctx, run.prep, idx, doc, run.scope) {
        Ok(violations) => {
            for v in violations {
                let f = finding(rule, e, &v, ctx, run.helps);
                // Two branches of a check may fail on the same node: report it once. (`out`
                // holds the chunk's earlier rules' findings too: another rule's stays.)
                if !out.iter().rev().take(4).any(|o: &Finding| {
                    o.primary == f.primary && o.message == f.message && o.rule == f.rule
                }) {
                    out.push(f);
                }
            }
        }
        Err(error) => {
            let span = e.name_span().unwrap_or(e.root().span);
            let name = e.name().unwrap_or("?");
            let mut f = Finding::new(
                rules::RULE_ERROR,
                Severity::Error,
                e.file,
                span,
                format!(
                    "rule `{}` could not be evaluated on {} `{name}`: {error}",
                    rule.id,
                    e.kind.name()
                ),
            )
            .with_help("fix the rule's expression, or turn the rule off for this entity");
            f.origin = Some(rule.id.clone());
            out.push(f);
        }
    }
}

fn finding(rule: &Rule, e: &Entity, v: &Violation, ctx: &Ctx<'_>, helps: Helps) -> Finding {
    let vars = RuleVars {
        violation: v,
        params: ctx.params,
        name: e.name(),
    };
    let target = v.target.map(|t| ctx.estate.entities[t].root());
    let mut f = Finding::new(
        &rule.id,
        rule.severity,
        e.file,
        v.span,
        rule.message.render(e.root(), target, &vars),
    )
    .with_label(v.caption.clone());
    match (helps, &rule.help_text, &rule.help) {
        (Helps::Omitted, _, _) => {}
        (Helps::Worded, Some(text), _) => f = f.with_shared_help(text.clone()),
        (Helps::Worded, None, Some(help)) => f = f.with_help(help.render(e.root(), target, &vars)),
        (Helps::Worded, None, None) => {}
    }
    for (file, span, caption) in &v.related {
        f = f.with_related(*file, *span, caption.clone());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in rules' shared conditions are kept once: `spec.lifecycle: {notIn:
    /// [retired]}` is written in many rules.
    #[test]
    fn shared_conditions_are_kept_once() {
        let packs = crate::pack::Packs::builtin().unwrap_or_else(|_| panic!("built-in packs"));
        let rules: Vec<&Rule> = packs.rules().collect();
        let filters = Filters::new(&rules);
        let written: usize = rules.iter().map(|r| r.filter.len()).sum();
        let retired = |c: &Condition| {
            c.path.text == "spec.lifecycle" && format!("{:?}", c.test).contains("retired")
        };
        let sharing = rules
            .iter()
            .filter(|r| r.filter.iter().any(retired))
            .count();
        assert!(sharing >= 10, "{sharing} rules skip retired systems");
        assert_eq!(filters.conditions.iter().filter(|c| retired(c)).count(), 1);
        assert!(filters.conditions.len() + sharing - 1 <= written);
        // Each rule's numbers name its own conditions, in order.
        for (rule, numbers) in rules.iter().zip(&filters.of_rule) {
            assert_eq!(rule.filter.len(), numbers.len());
            for (c, &n) in rule.filter.iter().zip(numbers) {
                assert!(filters.conditions[n].same_as(c));
            }
        }
    }

    /// A chunk's findings are gathered in order, merged with those found before the rules,
    /// and a rule that panicked (anywhere) loses its own, not its neighbours'.
    #[test]
    fn a_chunk_gathers_all_but_the_panicked_rules_findings() {
        let finding = |rule: &str, n: u32| {
            Finding::error(
                rule,
                crate::source::FileId(0),
                crate::source::Span { start: n, end: n },
                String::new(),
            )
        };
        // Rules a, c and d; b has none. In output order: by place.
        let chunk = || ChunkRun {
            findings: vec![
                finding("a", 0),
                finding("a", 1),
                finding("c", 2),
                finding("d", 3),
                finding("d", 5),
            ],
        };
        let order = |a: &Finding, b: &Finding| a.primary.span.cmp(&b.primary.span);
        let gathered = |panicked: &[&str]| {
            let mut into = Vec::new();
            let mut before = vec![finding("x", 2), finding("y", 4), finding("z", 9)]
                .into_iter()
                .peekable();
            chunk().gather(panicked, &order, &mut before, &mut into);
            into.extend(before);
            into.iter()
                .map(|f| format!("{}{}", f.rule.as_str(), f.primary.span.start))
                .collect::<Vec<_>>()
                .join(" ")
        };
        // What came before is merged in place; ties keep the chunk's first.
        assert_eq!(gathered(&[]), "a0 a1 c2 x2 d3 y4 d5 z9");
        assert_eq!(gathered(&["a"]), "c2 x2 d3 y4 d5 z9");
        assert_eq!(gathered(&["b", "c"]), "a0 a1 x2 d3 y4 d5 z9");
        assert_eq!(gathered(&["d"]), "a0 a1 c2 x2 y4 z9");
    }
}
