//! The `expr:` escape hatch: CEL expressions, behind this small interface so the `cel` crate
//! (pinned to an exact version) can be swapped without touching rules.

use std::collections::HashMap;
use std::sync::Arc;

use crate::tape::{NodeRef, ValueRef};

/// A compiled CEL expression that answers true when an entity passes.
pub struct Expr {
    program: cel::Program,
    /// Whether it reads `estate` (built only when some expression does).
    pub uses_estate: bool,
    /// Whether it reads `refs` (built per entity only when it does).
    pub uses_refs: bool,
    /// Whether it reads `self` (converted per entity only when it does).
    pub uses_self: bool,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Expr")
    }
}

/// A value an expression can read.
pub type CelValue = cel::Value;

/// What an expression sees besides `self`: `org`, `params`, `today`, and `estate` when some
/// expression reads it.
pub struct Bindings<'a> {
    pub org: &'a CelValue,
    pub params: &'a CelValue,
    pub today: &'a CelValue,
    pub estate: Option<&'a CelValue>,
}

/// The bindings converted once into a CEL context (converting the estate per entity would make
/// a rule quadratic); each evaluation adds only `self`, in a child scope.
pub struct Scope {
    ctx: cel::Context<'static, 'static>,
}

impl Scope {
    pub fn new(b: &Bindings<'_>) -> Scope {
        let mut ctx = cel::Context::default();
        ctx.add_variable_from_value("org", b.org.clone());
        ctx.add_variable_from_value("params", b.params.clone());
        ctx.add_variable_from_value("today", b.today.clone());
        if let Some(estate) = b.estate {
            ctx.add_variable_from_value("estate", estate.clone());
        }
        Scope { ctx }
    }
}

/// Names an expression may read.
pub const VARIABLES: [&str; 6] = ["self", "refs", "org", "params", "today", "estate"];

impl Expr {
    pub fn compile(source: &str) -> Result<Expr, String> {
        // The CEL parser recurses per nesting level: bound it before parsing.
        const MAX_NESTING: usize = 32;
        let mut depth = 0usize;
        let mut deepest = 0usize;
        for c in source.chars() {
            match c {
                '(' | '[' | '{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if deepest > MAX_NESTING {
            return Err(format!("nesting deeper than {MAX_NESTING} levels"));
        }
        if source.len() > 16 * 1024 {
            return Err("expression longer than 16 KiB".into());
        }
        // Comprehensions multiply: each nests a loop over a list. Four is plenty for a rule and
        // keeps an expression's cost per entity bounded.
        const MAX_COMPREHENSIONS: usize = 4;
        if macro_variables(source).len() > MAX_COMPREHENSIONS {
            return Err(format!(
                "more than {MAX_COMPREHENSIONS} comprehensions (all, exists, exists_one, filter, map)"
            ));
        }
        let parsed = std::panic::catch_unwind(|| {
            cel::Program::compile(source).map_err(|e| {
                let text = e.to_string();
                text.lines().next().unwrap_or(&text).trim().to_string()
            })
        });
        let program =
            parsed.unwrap_or_else(|_| Err("the CEL parser failed on this expression".into()))?;
        let refs = program.references();
        // Variables a macro binds (`list.all(x, ...)`) are not free variables.
        let bound = macro_variables(source);
        let unknown: Vec<String> = refs
            .variables()
            .into_iter()
            .filter(|v| !VARIABLES.contains(v) && !bound.iter().any(|b| b == v))
            .map(|v| format!("`{v}`"))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "unknown variable {} (bound: {})",
                unknown.join(", "),
                VARIABLES.map(|v| format!("`{v}`")).join(", ")
            ));
        }
        let uses_estate = refs.has_variable("estate");
        let uses_refs = refs.has_variable("refs");
        let uses_self = refs.has_variable("self");
        Ok(Expr {
            program,
            uses_estate,
            uses_refs,
            uses_self,
        })
    }

    /// Evaluates to a boolean with `this` as `self`; anything else, or a failure, is an error
    /// message.
    pub fn eval(
        &self,
        scope: &Scope,
        this: Option<CelValue>,
        refs: Option<CelValue>,
    ) -> Result<bool, String> {
        let mut ctx = scope.ctx.new_inner_scope();
        if let Some(this) = this {
            ctx.add_variable_from_value("self", this);
        }
        if let Some(refs) = refs {
            ctx.add_variable_from_value("refs", refs);
        }
        match self.program.execute(&ctx) {
            Ok(cel::Value::Bool(v)) => Ok(v),
            Ok(other) => Err(format!("expression gave {other:?}, not a boolean")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Names bound by CEL's comprehension macros: `all`, `exists`, `exists_one`, `filter`, `map`.
fn macro_variables(source: &str) -> Vec<String> {
    static RE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"\.(?:all|exists|exists_one|filter|map)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,",
        )
        .ok()
    });
    RE.as_ref()
        .map(|re| re.captures_iter(source).map(|c| c[1].to_string()).collect())
        .unwrap_or_default()
}

/// A document as a CEL value (mappings become maps, sequences lists).
pub fn to_cel(node: NodeRef<'_>) -> CelValue {
    match node.value {
        ValueRef::Null => CelValue::Null,
        ValueRef::Bool(b) => CelValue::Bool(b),
        ValueRef::Int(i) => CelValue::Int(i),
        ValueRef::Float(f) => CelValue::Float(f),
        ValueRef::Str(s) => CelValue::String(Arc::new(s.to_string())),
        ValueRef::Seq(items) => CelValue::List(Arc::new(items.iter().map(to_cel).collect())),
        ValueRef::Map(entries) => {
            let map: HashMap<String, CelValue> = entries
                .iter()
                .filter_map(|e| Some((e.key.scalar_text()?.into_owned(), to_cel(e.value))))
                .collect();
            map.into()
        }
    }
}

/// A map of string keys to values.
pub fn map(entries: impl IntoIterator<Item = (String, CelValue)>) -> CelValue {
    entries
        .into_iter()
        .collect::<HashMap<String, CelValue>>()
        .into()
}

pub fn string(s: &str) -> CelValue {
    CelValue::String(Arc::new(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    fn eval(src: &str, doc: &str) -> Result<bool, String> {
        let root = crate::tape::Tape::from_node(&load(doc).documents.remove(0).root);
        let e = Expr::compile(src)?;
        let null = CelValue::Null;
        let today = string("2026-11-23");
        let scope = Scope::new(&Bindings {
            org: &null,
            params: &null,
            today: &today,
            estate: None,
        });
        e.eval(&scope, Some(to_cel(root.root())), None)
    }

    #[test]
    fn expressions_read_the_entity() {
        let doc = "spec: {tier: 1, hosting: {regions: [a, b]}, endOfLife: 2026-01-01}\n";
        assert_eq!(eval("self.spec.tier == 1", doc), Ok(true));
        assert_eq!(eval("size(self.spec.hosting.regions) >= 2", doc), Ok(true));
        assert_eq!(eval("self.spec.endOfLife > today", doc), Ok(false));
        assert_eq!(eval("has(self.spec.owner)", doc), Ok(false));
    }

    #[test]
    fn errors_are_messages_not_panics() {
        assert!(Expr::compile("self.spec.tier ==").is_err());
        assert!(Expr::compile("nope.x == 1")
            .unwrap_err()
            .contains("unknown variable `nope`"));
        assert!(Expr::compile("self.spec.covers.all(c, c != '')").is_ok());
        assert!(Expr::compile("self.spec.covers.exists(c, d == 1)").is_err());
        assert!(eval("self.spec.tier", "spec: {tier: 1}\n")
            .unwrap_err()
            .contains("not a boolean"));
        assert!(eval("self.spec.missing == 1", "spec: {tier: 1}\n").is_err());
    }
}
