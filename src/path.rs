//! Field paths (`spec.continuity.rpo`, `metadata.annotations.*`, `**`) and their resolution
//! against a spanned document.

use crate::source::Span;
use crate::tape::{Key, NodeRef, ValueRef};

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
        let segs = text
            .split('.')
            .map(|s| match s {
                "" => Err(format!("field path `{text}` has an empty segment")),
                "*" => Ok(Seg::Any),
                "**" => Ok(Seg::Deep),
                k => Ok(Seg::Key(Key::new(k))),
            })
            .collect::<Result<_, _>>()?;
        Ok(FieldPath {
            segs,
            text: text.to_string(),
        })
    }

    /// Whether the path has no wildcard: it names at most one node.
    pub fn is_plain(&self) -> bool {
        self.segs.iter().all(|s| matches!(s, Seg::Key(_)))
    }

    /// Every node the path reaches, in document order.
    pub fn resolve<'a>(&self, root: NodeRef<'a>) -> Vec<Hit<'a>> {
        let mut hits = vec![Hit {
            node: root,
            key: None,
        }];
        for seg in &self.segs {
            let mut next = Vec::new();
            for hit in hits {
                step(hit, seg, &mut next);
            }
            hits = next;
        }
        hits
    }

    /// The first node the path reaches.
    pub fn first<'a>(&self, root: NodeRef<'a>) -> Option<Hit<'a>> {
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

    /// Every scalar the path reaches, with sequences at the end entered too (`spec.covers`
    /// gives each covered name).
    pub fn items<'a>(&self, root: NodeRef<'a>) -> Vec<Hit<'a>> {
        // `**` already reaches every item.
        if self.segs.last() == Some(&Seg::Deep) {
            return self.resolve(root);
        }
        let mut out = Vec::new();
        for hit in self.resolve(root) {
            match hit.node.value {
                ValueRef::Seq(items) => {
                    out.extend(items.iter().map(|n| Hit { node: n, key: None }))
                }
                _ => out.push(hit),
            }
        }
        out
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

fn step<'a>(hit: Hit<'a>, seg: &Seg, out: &mut Vec<Hit<'a>>) {
    match (seg, hit.node.value) {
        (Seg::Key(k), ValueRef::Map(_)) => {
            if let Some(e) = hit.node.entry_key(k) {
                out.push(Hit {
                    node: e.value,
                    key: Some(e.key),
                });
            }
        }
        (Seg::Key(_), ValueRef::Seq(items)) => {
            for item in items {
                step(
                    Hit {
                        node: item,
                        key: None,
                    },
                    seg,
                    out,
                );
            }
        }
        (Seg::Any, ValueRef::Map(entries)) => out.extend(entries.iter().map(|e| Hit {
            node: e.value,
            key: Some(e.key),
        })),
        (Seg::Any, ValueRef::Seq(items)) => {
            out.extend(items.iter().map(|n| Hit { node: n, key: None }))
        }
        (Seg::Deep, _) => deep(hit, out),
        _ => {}
    }
}

fn deep<'a>(hit: Hit<'a>, out: &mut Vec<Hit<'a>>) {
    out.push(hit);
    match hit.node.value {
        ValueRef::Map(entries) => {
            for e in entries {
                deep(
                    Hit {
                        node: e.value,
                        key: Some(e.key),
                    },
                    out,
                );
            }
        }
        ValueRef::Seq(items) => {
            for n in items {
                deep(Hit { node: n, key: None }, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
