//! Message and help templates: text with `{field.path}` placeholders filled from the entity,
//! the entity it references (`{target.…}`), parameters (`{param.…}`) and the check's own
//! values (`{count}`, `{cycle}` ...).

use crate::path::FieldPath;
use crate::tape::{NodeRef, ValueRef};

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    Field(String),
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
                    parts.push(Part::Field(name));
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
                Part::Field(_) => None,
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
                Part::Field(name) => {
                    let value = vars
                        .var(name)
                        .or_else(|| match name.strip_prefix("target.") {
                            Some(path) => target.and_then(|t| field_text(t, path)),
                            None => field_text(root, name),
                        });
                    out.push_str(value.as_deref().unwrap_or("(none)"));
                }
            }
        }
        out
    }
}

/// A field's value as text: scalars as written, lists joined with `, `.
pub fn field_text(root: NodeRef<'_>, path: &str) -> Option<String> {
    let path = FieldPath::parse(path).ok()?;
    let hit = path.first(root)?;
    node_text(hit.node)
}

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
