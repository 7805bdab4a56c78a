//! Selection and comparison: the `where` conditions of rules, the operands of checks
//! (`{field: ...}`, `{param: ...}`, `{today: ...}`, `{target: ...}`), and how values compare
//! (durations, dates, percentages, numbers, ranked strings).

use std::cmp::Ordering;

use crate::regexes::ThreadRegex;

use crate::path::{Doc, FieldPath};
use crate::source::Span;
use crate::tape::{NodeRef, ValueRef};
use crate::value::{parse_duration, parse_percentage, Date};
use crate::yaml::{Node, Value};

/// A comparison operator, as written in rule packs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Lte,
    Gt,
    Gte,
}

impl Op {
    pub const ALL: [(&'static str, Op); 6] = [
        ("eq", Op::Eq),
        ("ne", Op::Ne),
        ("lt", Op::Lt),
        ("lte", Op::Lte),
        ("gt", Op::Gt),
        ("gte", Op::Gte),
    ];

    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Lt => ord == Ordering::Less,
            Op::Lte => ord != Ordering::Greater,
            Op::Gt => ord == Ordering::Greater,
            Op::Gte => ord != Ordering::Less,
        }
    }

    /// The operator as a person reads it in a caption.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Lt => "<",
            Op::Lte => "≤",
            Op::Gt => ">",
            Op::Gte => "≥",
        }
    }
}

/// A constant written in a rule pack, read once: `in`/`notIn` options, `enum` values and
/// constant operands compare millions of times.
#[derive(Clone, Debug)]
pub struct Literal {
    pub node: Node,
    pub val: Val,
    /// A string that reads as no duration, date or percentage: equal to that same string only.
    word: bool,
}

impl Literal {
    pub fn new(node: Node) -> Literal {
        let val = Val::from_node(&node);
        let word = match &val {
            Val::Str(s) => {
                parse_duration(s).is_none()
                    && Date::parse(s).is_none()
                    && parse_percentage(s).is_none()
            }
            _ => false,
        };
        Literal { node, val, word }
    }

    /// Whether `value` equals this constant as [`compare`] sees them.
    pub fn equals(&self, value: ValueRef<'_>) -> bool {
        match (&self.val, self.word, value) {
            // Against a plain word only the same string compares, and as equal.
            (Val::Str(w), true, ValueRef::Str(s)) => s == w,
            (Val::Str(_), true, _) => false,
            (val, _, _) => compare(&Val::from_value(value), val, None) == Some(Ordering::Equal),
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug)]
pub enum Operand {
    Const(Literal),
    /// A field of the entity being checked.
    Field(FieldPath),
    /// A field of the referenced entity (`related-compare` only).
    Target(FieldPath),
    /// A pack parameter, resolved from config, Organization policy or its default.
    Param(String),
    /// Today plus a duration (`{today: 0d}`, `{today: {param: endOfLifeWarning}}`).
    Today(Box<Operand>),
}

/// A value ready to compare.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(compact_str::CompactString),
    /// Seconds.
    Duration(u64),
    /// Days since 1970-01-01.
    Date(i64),
}

impl Val {
    pub fn from_node(node: &Node) -> Val {
        match &node.value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Int(i) => Val::Num(*i as f64),
            Value::Float(f) => Val::Num(*f),
            Value::Str(s) => Val::Str(s.clone()),
            Value::Seq(_) | Value::Map(_) => Val::Null,
        }
    }

    /// The same for an estate document's node.
    pub fn from_ref(node: NodeRef<'_>) -> Val {
        Val::from_value(node.value)
    }

    pub fn from_value(value: ValueRef<'_>) -> Val {
        match value {
            ValueRef::Null => Val::Null,
            ValueRef::Bool(b) => Val::Bool(b),
            ValueRef::Int(i) => Val::Num(i as f64),
            ValueRef::Float(f) => Val::Num(f),
            ValueRef::Str(s) => Val::Str(s.into()),
            ValueRef::Seq(_) | ValueRef::Map(_) => Val::Null,
        }
    }

    pub fn as_duration(&self) -> Option<u64> {
        match self {
            Val::Duration(d) => Some(*d),
            Val::Str(s) => parse_duration(s),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<i64> {
        match self {
            Val::Date(d) => Some(*d),
            Val::Str(s) => Date::parse(s).map(Date::days),
            _ => None,
        }
    }

    /// A number, reading percentages (`40%` → 40) too.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Str(s) => parse_percentage(s),
            _ => None,
        }
    }

    /// The value as shown in messages.
    pub fn display(&self) -> String {
        match self {
            Val::Null => "null".into(),
            Val::Bool(b) => b.to_string(),
            Val::Num(n) => format_number(*n),
            Val::Str(s) => s.to_string(),
            Val::Duration(d) => format_duration(*d),
            Val::Date(d) => Date::from_days(*d).to_string(),
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Seconds in the largest unit that divides them: `86400` → `1d`.
pub fn format_duration(secs: u64) -> String {
    const UNITS: [(u64, &str); 6] = [
        (365 * 86_400, "y"),
        (7 * 86_400, "w"),
        (86_400, "d"),
        (3_600, "h"),
        (60, "m"),
        (1, "s"),
    ];
    if secs == 0 {
        return "0m".into();
    }
    for (size, unit) in UNITS {
        if secs % size == 0 {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

/// Compares two values as their shared interpretation: ranked strings (with `order`),
/// numbers, durations, dates, percentages, then plain strings. `None` when they do not compare.
pub fn compare(a: &Val, b: &Val, order: Option<&[String]>) -> Option<Ordering> {
    if let Some(order) = order {
        let rank = |v: &Val| match v {
            Val::Str(s) => order.iter().position(|o| o == s),
            _ => None,
        };
        return Some(rank(a)?.cmp(&rank(b)?));
    }
    match (a, b) {
        (Val::Null, Val::Null) => Some(Ordering::Equal),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Duration(_), _) | (_, Val::Duration(_)) => {
            Some(a.as_duration()?.cmp(&b.as_duration()?))
        }
        (Val::Date(_), _) | (_, Val::Date(_)) => Some(a.as_date()?.cmp(&b.as_date()?)),
        (Val::Str(x), Val::Str(y)) => {
            // A duration, a date and a percentage all start with a digit: two words that do
            // not are compared as text without trying to read either (most comparisons of
            // strings are between words: `ne: required`).
            let digit = |s: &str| s.as_bytes().first().is_some_and(u8::is_ascii_digit);
            if !digit(x) && !digit(y) {
                return Some(x.cmp(y));
            }
            // Both sides must read the same way: a duration never compares with a word that
            // is not one (`4hours` against `1d` is a schema error, not an ordering).
            match (
                (parse_duration(x), parse_duration(y)),
                (Date::parse(x), Date::parse(y)),
                (parse_percentage(x), parse_percentage(y)),
            ) {
                ((Some(p), Some(q)), _, _) => Some(p.cmp(&q)),
                (_, (Some(p), Some(q)), _) => Some(p.cmp(&q)),
                (_, _, (Some(p), Some(q))) => p.partial_cmp(&q),
                ((None, None), (None, None), (None, None)) => Some(x.cmp(y)),
                _ => None,
            }
        }
        (Val::Num(_), Val::Str(_)) | (Val::Str(_), Val::Num(_)) => {
            a.as_number()?.partial_cmp(&b.as_number()?)
        }
        _ => None,
    }
}

/// One `where` condition on a field.
#[derive(Clone, Debug)]
pub struct Condition {
    pub path: FieldPath,
    pub test: Test,
    /// Where the condition is written in its pack (for errors found later).
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Test {
    Cmp {
        op: Op,
        operand: Operand,
        order: Option<Vec<String>>,
    },
    In(Vec<Literal>),
    NotIn(Vec<Literal>),
    Exists(bool),
    Matches(ThreadRegex),
    /// The number of items (a list's length; a scalar counts 1) compares with the operand.
    Size {
        op: Op,
        operand: Operand,
    },
    /// Some name at the path references an entity of `kind` matching `filter`.
    Refers {
        kind: crate::kind::Kind,
        filter: Vec<Condition>,
    },
    /// `any: [{...}, {...}]`: one of the groups holds entirely (the path is unused).
    Any(Vec<Vec<Condition>>),
}

/// Resolves operands and references for one entity.
pub trait Resolve {
    /// The value of an operand for the entity `root` (and the referenced `target`).
    fn operand(&self, operand: &Operand, root: Doc<'_>, target: Option<NodeRef<'_>>)
        -> Option<Val>;
    /// Whether an entity of `kind` named `name` exists and satisfies `filter`.
    fn refers(&self, kind: crate::kind::Kind, name: &str, filter: &[Condition]) -> bool;
    /// Whether some item of `path` in `doc` references an entity of `kind` satisfying
    /// `filter`, told from resolved references; `None` when they cannot tell.
    fn refers_linked(
        &self,
        _doc: Doc<'_>,
        _path: &FieldPath,
        _kind: crate::kind::Kind,
        _filter: &[Condition],
    ) -> Option<bool> {
        None
    }
}

impl Condition {
    /// Whether `other` tests the same thing in the same way, wherever each is written: rules
    /// share conditions (`spec.lifecycle: {notIn: [retired]}`), which the engine then decides
    /// once per entity. Conservative: conditions told apart here may still agree.
    pub fn same_as(&self, other: &Condition) -> bool {
        self.path.text == other.path.text && self.test.same_as(&other.test)
    }
}

/// [`Condition::same_as`] over lists, item by item.
fn all_same(a: &[Condition], b: &[Condition]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
}

impl Test {
    fn same_as(&self, other: &Test) -> bool {
        let literals = |a: &[Literal], b: &[Literal]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
        };
        match (self, other) {
            (
                Test::Cmp { op, operand, order },
                Test::Cmp {
                    op: op2,
                    operand: operand2,
                    order: order2,
                },
            ) => op == op2 && operand.same_as(operand2) && order == order2,
            (Test::In(a), Test::In(b)) | (Test::NotIn(a), Test::NotIn(b)) => literals(a, b),
            (Test::Exists(a), Test::Exists(b)) => a == b,
            (Test::Matches(a), Test::Matches(b)) => a.as_str() == b.as_str(),
            (
                Test::Size { op, operand },
                Test::Size {
                    op: op2,
                    operand: operand2,
                },
            ) => op == op2 && operand.same_as(operand2),
            (
                Test::Refers { kind, filter },
                Test::Refers {
                    kind: kind2,
                    filter: filter2,
                },
            ) => kind == kind2 && all_same(filter, filter2),
            (Test::Any(a), Test::Any(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| all_same(x, y))
            }
            _ => false,
        }
    }
}

impl Operand {
    fn same_as(&self, other: &Operand) -> bool {
        match (self, other) {
            (Operand::Const(a), Operand::Const(b)) => a.same_as(b),
            (Operand::Field(a), Operand::Field(b)) | (Operand::Target(a), Operand::Target(b)) => {
                a.text == b.text
            }
            (Operand::Param(a), Operand::Param(b)) => a == b,
            (Operand::Today(a), Operand::Today(b)) => a.same_as(b),
            _ => false,
        }
    }
}

impl Literal {
    /// The same constant, wherever it is written (its node's span aside).
    fn same_as(&self, other: &Literal) -> bool {
        self.val == other.val && self.word == other.word
    }
}

impl Condition {
    /// The field paths the condition reads of the entity it is applied to (not those of
    /// the entities it refers to, nor `target` operands).
    pub fn paths<'s>(&'s self, f: &mut impl FnMut(&'s FieldPath)) {
        fn operand<'s>(o: &'s Operand, f: &mut impl FnMut(&'s FieldPath)) {
            match o {
                Operand::Field(p) => f(p),
                Operand::Today(inner) => operand(inner, f),
                Operand::Const(_) | Operand::Target(_) | Operand::Param(_) => {}
            }
        }
        match &self.test {
            Test::Any(groups) => groups.iter().flatten().for_each(|c| c.paths(f)),
            Test::Cmp { operand: o, .. } | Test::Size { operand: o, .. } => {
                f(&self.path);
                operand(o, f);
            }
            // A reference's own field is read here; its filter reads the referred entity.
            Test::In(_)
            | Test::NotIn(_)
            | Test::Exists(_)
            | Test::Matches(_)
            | Test::Refers { .. } => f(&self.path),
        }
    }

    /// Whether the entity `root` satisfies the condition. A missing field satisfies only
    /// `exists: false` and `ne`.
    pub fn holds<'a>(&self, doc: impl Into<Doc<'a>>, env: &dyn Resolve) -> bool {
        let root = doc.into();
        match &self.test {
            Test::Any(groups) => {
                return groups.iter().any(|g| g.iter().all(|c| c.holds(root, env)));
            }
            Test::Refers { kind, filter } => {
                if let Some(any) = env.refers_linked(root, &self.path, *kind, filter) {
                    return any;
                }
                let mut any = false;
                self.path.for_each_item(root, |h| {
                    any = any
                        || h.node
                            .as_str()
                            .is_some_and(|n| env.refers(*kind, n, filter));
                });
                return any;
            }
            _ => {}
        }
        let value = self.path.first_value(root).filter(|v| !v.is_null());
        match (&self.test, value) {
            (Test::Exists(want), v) => v.is_some() == *want,
            (Test::Cmp { op: Op::Ne, .. } | Test::NotIn(_), None) => true,
            (Test::Size { op, operand }, None) => env
                .operand(operand, root, None)
                .and_then(|limit| compare(&Val::Num(0.0), &limit, None))
                .is_some_and(|o| op.holds(o)),
            (_, None) => false,
            (Test::Cmp { op, operand, order }, Some(node)) => {
                let Some(right) = env.operand(operand, root, None) else {
                    return false;
                };
                compare(&Val::from_value(node), &right, order.as_deref())
                    .is_some_and(|o| op.holds(o))
            }
            (Test::In(options), Some(node)) => options.iter().any(|o| o.equals(node)),
            (Test::NotIn(options), Some(node)) => !options.iter().any(|o| o.equals(node)),
            (Test::Size { op, operand }, Some(node)) => {
                let count = match node {
                    ValueRef::Seq(items) => items.len(),
                    ValueRef::Map(entries) => entries.len(),
                    _ => 1,
                };
                env.operand(operand, root, None)
                    .and_then(|limit| compare(&Val::Num(count as f64), &limit, None))
                    .is_some_and(|o| op.holds(o))
            }
            (Test::Any(_) | Test::Refers { .. }, _) => false,
            (Test::Matches(re), Some(node)) => node.scalar_text().is_some_and(|t| re.is_match(&t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Val {
        Val::Str(x.into())
    }

    #[test]
    fn values_compare_by_their_meaning() {
        assert_eq!(compare(&s("4h"), &s("1d"), None), Some(Ordering::Less));
        assert_eq!(
            compare(&s("2026-01-02"), &s("2025-12-31"), None),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(&s("91%"), &s("80%"), None), Some(Ordering::Greater));
        assert_eq!(
            compare(&Val::Num(3.0), &Val::Num(2.0), None),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare(&Val::Date(10), &s("1970-01-11"), None),
            Some(Ordering::Equal)
        );
        assert_eq!(compare(&s("4h"), &Val::Num(1.0), None), None);
        assert_eq!(compare(&s("4hours"), &s("1d"), None), None);
        // A word against a duration, a date or a percentage: no order either way round.
        for value in ["1d", "2026-01-02", "80%"] {
            assert_eq!(compare(&s("soon"), &s(value), None), None, "{value}");
            assert_eq!(compare(&s(value), &s("soon"), None), None, "{value}");
        }
        assert_eq!(compare(&s("Zeta"), &s("alpha"), None), Some(Ordering::Less));
        assert_eq!(
            compare(&s("internal"), &s("public"), None),
            Some(Ordering::Less)
        );
        let order = [
            "public".to_string(),
            "internal".into(),
            "confidential".into(),
        ];
        assert_eq!(
            compare(&s("confidential"), &s("public"), Some(&order)),
            Some(Ordering::Greater)
        );
        assert_eq!(compare(&s("secret"), &s("public"), Some(&order)), None);
    }

    #[test]
    fn literals_equal_what_compare_calls_equal() {
        let tape = |src: &str| {
            crate::tape::Tape::from_node(&crate::yaml::load(src).documents.remove(0).root)
        };
        let lit = |src: &str| Literal::new(crate::yaml::load(src).documents.remove(0).root);
        let doc = tape("[public, 24h, 1, '1', true, 50%]");
        let items: Vec<_> = doc.root().as_seq().unwrap().iter().collect();
        let equal = |l: &Literal| items.iter().map(|n| l.equals(n.value)).collect::<Vec<_>>();
        // A word equals the same string only.
        assert_eq!(
            equal(&lit("public")),
            [true, false, false, false, false, false]
        );
        // A duration equals the same duration however written; numbers and percentages read
        // as what they mean.
        assert_eq!(equal(&lit("1d")), [false, true, false, false, false, false]);
        assert_eq!(equal(&lit("1")), [false, false, true, false, false, false]);
        assert_eq!(
            equal(&lit("'50%'")),
            [false, false, false, false, false, true]
        );
        assert_eq!(
            equal(&lit("true")),
            [false, false, false, false, true, false]
        );
    }

    #[test]
    fn durations_display_in_their_largest_unit() {
        assert_eq!(format_duration(86_400), "1d");
        assert_eq!(format_duration(5_400), "90m");
        assert_eq!(format_duration(14 * 86_400), "2w");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(168.0), "168");
    }
}
