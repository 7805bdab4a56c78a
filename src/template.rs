//! Message and help templates: text with `{field.path}` placeholders filled from the entity,
//! the entity it references (`{target.…}`), parameters (`{param.…}`) and the check's own
//! values (`{count}`, `{cycle}` ...).

use crate::path::FieldPath;
use crate::tape::{NodeRef, ValueRef};

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    /// A placeholder: a check value by `name`, else the field `path` (parsed once, here) of
    /// the entity, or of the referenced entity for `target.…`.
    Field {
        name: String,
        path: Option<FieldPath>,
        target: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Values a template may draw on besides the entity.
pub trait Vars {
    fn var(&self, name: &str) -> Option<String>;
}

impl Template {
    /// Parses `text`; `{{` and `}}` stand for literal braces. Placeholders are checked by
    /// `known`, which returns an error message for a name it does not know.
    pub fn parse(
        text: &str,
        known: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut buf = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    buf.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    buf.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(c) => name.push(c),
                            None => return Err(format!("unclosed placeholder `{{{name}`")),
                        }
                    }
                    let name = name.trim().to_string();
                    if name.is_empty() {
                        return Err("empty placeholder `{}`".into());
                    }
                    known(&name)?;
                    if !buf.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut buf)));
                    }
                    let (target, path) = match name.strip_prefix("target.") {
                        Some(path) => (true, path),
                        None => (false, name.as_str()),
                    };
                    let path = FieldPath::parse(path).ok();
                    parts.push(Part::Field { name, path, target });
                }
                '}' => return Err("unmatched `}` (write `}}` for a brace)".into()),
                c => buf.push(c),
            }
        }
        if !buf.is_empty() {
            parts.push(Part::Text(buf));
        }
        Ok(Template { parts })
    }

    /// The text, when it has no placeholder: the same for every finding.
    pub fn constant(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => Some(t.as_str()),
                Part::Field { .. } => None,
            })
            .collect()
    }

    /// Fills the placeholders: check values first, then `target.…`, then the entity's fields.
    pub fn render(
        &self,
        root: NodeRef<'_>,
        target: Option<NodeRef<'_>>,
        vars: &dyn Vars,
    ) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field {
                    name,
                    path,
                    target: of_target,
                } => {
                    let value = vars.var(name).or_else(|| {
                        let node = if *of_target { target? } else { root };
                        node_text(path.as_ref()?.first(node)?.node)
                    });
                    out.push_str(value.as_deref().unwrap_or("(none)"));
                }
            }
        }
        // Grown by doubling, a 70-byte message sits in 128 bytes; tens of thousands are kept
        // until the report, so each is copied to an allocation of its size.
        if out.capacity() > out.len() {
            out = out.as_str().to_owned();
        }
        out
    }
}

/// A value as text: scalars as written, lists joined with `, `.
pub fn node_text(node: NodeRef<'_>) -> Option<String> {
    match node.value {
        ValueRef::Seq(items) => Some(
            items
                .iter()
                .filter_map(|n| n.scalar_text().map(|t| t.into_owned()))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ValueRef::Map(_) | ValueRef::Null => None,
        _ => node.scalar_text().map(|t| t.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    struct NoVars;
    impl Vars for NoVars {
        fn var(&self, name: &str) -> Option<String> {
            (name == "count").then(|| "3".to_string())
        }
    }

    #[test]
    fn renders_fields_vars_and_braces() {
        let doc = load("metadata: {name: crm}\nspec: {tier: 1, covers: [a, b]}\n")
            .documents
            .remove(0)
            .root;
        let doc = crate::tape::Tape::from_node(&doc);
        let t = Template::parse(
            "tier-{spec.tier} `{metadata.name}` {{x}} {count} {spec.covers} {spec.rpo}",
            |_| Ok(()),
        )
        .unwrap();
        assert_eq!(
            t.render(doc.root(), None, &NoVars),
            "tier-1 `crm` {x} 3 a, b (none)"
        );
    }

    #[test]
    fn rejects_broken_placeholders() {
        assert!(Template::parse("a {b", |_| Ok(())).is_err());
        assert!(Template::parse("a }", |_| Ok(())).is_err());
        assert!(Template::parse("{}", |_| Ok(())).is_err());
        let known = |n: &str| {
            if n.starts_with("spec.") {
                Ok(())
            } else {
                Err(format!("unknown `{n}`"))
            }
        };
        assert_eq!(
            Template::parse("{nope}", known).unwrap_err(),
            "unknown `nope`"
        );
    }
}
