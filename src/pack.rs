//! Rule packs: loading YAML packs (built in or from disk) through the spanned loader and the
//! rule-pack JSON Schema, then compiling their rules, with every error located in the pack.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::checks::{Check, Compiler, CHECK_VARS};
use crate::diag::{rules, Fatal, Finding, RuleId, Severity};
use crate::discover::{display_name, io_message};
use crate::kind::{Kind, API_VERSION};
use crate::path::FieldPath;
use crate::schema::RULE_PACK;
use crate::select::Condition;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::template::Template;
use crate::yaml::{self, Node, Value};

/// The packs shipped in `rules/`, embedded in the binary.
pub const BUILTIN: [(&str, &str); 4] = [
    (
        "rules/continuity.yaml",
        include_str!("../rules/continuity.yaml"),
    ),
    (
        "rules/security.yaml",
        include_str!("../rules/security.yaml"),
    ),
    (
        "rules/scalability.yaml",
        include_str!("../rules/scalability.yaml"),
    ),
    (
        "rules/ownership.yaml",
        include_str!("../rules/ownership.yaml"),
    ),
];

/// The headings every rule's docs must have, in this order.
pub const DOC_HEADINGS: [&str; 3] = ["## What it checks", "## Why it matters", "## How to fix"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    Duration,
    Percentage,
    Integer,
    Number,
    Date,
    String,
    Boolean,
}

impl ParamType {
    fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "duration" => ParamType::Duration,
            "percentage" => ParamType::Percentage,
            "integer" => ParamType::Integer,
            "number" => ParamType::Number,
            "date" => ParamType::Date,
            "string" => ParamType::String,
            "boolean" => ParamType::Boolean,
            _ => return None,
        })
    }

    /// The type as written in packs.
    pub fn keyword(self) -> &'static str {
        match self {
            ParamType::Duration => "duration",
            ParamType::Percentage => "percentage",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Date => "date",
            ParamType::String => "string",
            ParamType::Boolean => "boolean",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ParamType::Duration => "a duration such as `90d`",
            ParamType::Percentage => "a percentage such as `80%`",
            ParamType::Integer => "an integer",
            ParamType::Number => "a number",
            ParamType::Date => "a date `YYYY-MM-DD`",
            ParamType::String => "a string",
            ParamType::Boolean => "`true` or `false`",
        }
    }

    /// Whether `node` is a value of this type.
    pub fn accepts(self, node: &Node) -> bool {
        match (self, &node.value) {
            (ParamType::Duration, Value::Str(s)) => crate::value::is_duration(s),
            (ParamType::Percentage, Value::Str(s)) => crate::value::is_percentage(s),
            (ParamType::Integer, Value::Int(_)) => true,
            (ParamType::Number, Value::Int(_) | Value::Float(_)) => true,
            (ParamType::Date, Value::Str(s)) => crate::value::Date::parse(s).is_some(),
            (ParamType::String, Value::Str(_)) => true,
            (ParamType::Boolean, Value::Bool(_)) => true,
            _ => false,
        }
    }
}

/// A threshold a pack's rules read, with its default.
#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
    pub default: Option<Node>,
    /// A field of the Organization that supplies the value when its policy does not.
    pub from: Option<FieldPath>,
    pub description: String,
    pub pack: String,
}

/// An example estate of a rule.
#[derive(Debug, Clone)]
pub enum Example {
    /// Multi-document YAML written in the pack; `offset` is where its text starts in the pack.
    Inline { text: String, span: Span },
    /// A file or folder (relative paths are resolved against the pack file's folder).
    Path { path: PathBuf, span: Span },
}

#[derive(Debug)]
pub struct Rule {
    /// Full id: `pack/rule`.
    pub id: RuleId,
    pub pack: String,
    pub severity: Severity,
    pub summary: String,
    pub docs: String,
    pub tags: Vec<String>,
    /// Selected kinds; `None` selects every kind.
    pub kinds: Option<Vec<Kind>>,
    pub filter: Vec<Condition>,
    pub check: Check,
    pub message: Template,
    pub help: Option<Template>,
    /// The help when it has no placeholder, made once and shared by the rule's findings.
    pub help_text: Option<std::sync::Arc<str>>,
    pub valid: Vec<Example>,
    pub invalid: Vec<Example>,
    /// The pack file and the span of the rule's `id`.
    pub file: FileId,
    pub span: Span,
}

impl Rule {
    pub fn selects(&self, kind: Kind) -> bool {
        self.kinds.as_ref().is_none_or(|ks| ks.contains(&kind))
    }
}

#[derive(Debug)]
pub struct Pack {
    pub name: String,
    pub description: String,
    pub file: FileId,
    pub builtin: bool,
    pub rules: Vec<Rule>,
}

/// Every loaded pack, the pack files' sources, and the parameters they declare.
#[derive(Debug, Default)]
pub struct Packs {
    pub sources: SourceMap,
    pub packs: Vec<Pack>,
    pub params: Vec<Param>,
}

impl Packs {
    /// The built-in packs. They are tested (`estatelint test`), so an error here is a defect
    /// of the build; it is still reported, not panicked on.
    pub fn builtin() -> Result<Packs, Fatal> {
        Packs::builtin_except(&[])
    }

    /// The built-in packs but those named in `skip` (a pack under test replaces its built-in
    /// copy).
    pub fn builtin_except(skip: &[String]) -> Result<Packs, Fatal> {
        let mut packs = Packs::default();
        let mut errors = Vec::new();
        let chosen: Vec<(&str, &str)> = BUILTIN
            .iter()
            .copied()
            .filter(|(name, _)| {
                let pack_name = name.trim_start_matches("rules/").trim_end_matches(".yaml");
                !skip.iter().any(|s| s == pack_name)
            })
            .collect();
        // On this thread alone: a check loads the packs while discovery walks the folders on a
        // thread of its own, and the walk, which the floor has too, is what the files wait
        // for. Parsed on the pool as well (as until session 22), four threads shared the two
        // cores at the start and the walk came later: at 10,000 systems the check's median
        // 285-286 -> 282 ms in three sets of twenty alternating runs.
        let loaded: Vec<_> = chosen.iter().map(|(_, text)| yaml::load(text)).collect();
        for ((name, text), loaded) in chosen.into_iter().zip(loaded) {
            let (path, text) = (PathBuf::from(name), Arc::from(text));
            errors.extend(packs.add_loaded(path, name.to_string(), text, true, &loaded));
        }
        packs.finish(errors)?;
        Ok(packs)
    }

    /// The names of the packs in these files or folders (without compiling them).
    pub fn names_in(paths: &[PathBuf]) -> Vec<String> {
        let mut names = Vec::new();
        for path in paths {
            let files = if path.is_dir() {
                walkdir(path)
            } else {
                vec![path.clone()]
            };
            for file in files {
                let Ok(text) = std::fs::read_to_string(&file) else {
                    continue;
                };
                for doc in yaml::load(&text).documents {
                    if doc.root.get("kind").and_then(Node::as_str) == Some("RulePack") {
                        if let Some(n) = doc.root.get_path("metadata.name").and_then(Node::as_str) {
                            names.push(n.to_string());
                        }
                    }
                }
            }
        }
        names
    }

    /// Loads custom packs from files or folders (every `*.yaml`/`*.yml` holding a RulePack).
    pub fn load_paths(&mut self, paths: &[PathBuf]) -> Result<(), Fatal> {
        let mut errors = Vec::new();
        for path in paths {
            let files = if path.is_dir() {
                let mut files: Vec<PathBuf> = walkdir(path);
                files.sort();
                files
            } else if path.is_file() {
                vec![path.clone()]
            } else {
                return Err(Fatal::message(format!(
                    "rule pack `{}` not found",
                    display_name(path)
                )));
            };
            let before = self.packs.len();
            for file in &files {
                let text = match std::fs::read_to_string(file) {
                    Ok(t) => t,
                    Err(e) => {
                        return Err(Fatal::message(format!(
                            "cannot read rule pack `{}`: {}",
                            display_name(file),
                            io_message(&e)
                        )))
                    }
                };
                errors.extend(self.add(file.clone(), display_name(file), Arc::from(text), false));
            }
            if self.packs.len() == before && errors.is_empty() {
                return Err(Fatal::message(format!(
                    "no rule pack (`kind: RulePack`) in `{}`",
                    display_name(path)
                )));
            }
        }
        self.finish(errors)
    }

    fn finish(&mut self, errors: Vec<Finding>) -> Result<(), Fatal> {
        if errors.is_empty() {
            return Ok(());
        }
        let count = errors.len();
        Err(Fatal {
            message: format!(
                "invalid rule pack: {count} {}",
                if count == 1 { "error" } else { "errors" }
            ),
            sources: std::mem::take(&mut self.sources),
            findings: errors,
        })
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.packs.iter().flat_map(|p| p.rules.iter())
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules().find(|r| r.id == id)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Adds the packs in one file; returns its errors.
    pub fn add(
        &mut self,
        path: PathBuf,
        name: String,
        text: Arc<str>,
        builtin: bool,
    ) -> Vec<Finding> {
        let loaded = yaml::load(&text);
        self.add_loaded(path, name, text, builtin, &loaded)
    }

    /// [`Packs::add`] for a file already parsed: `loaded` is `text` loaded.
    fn add_loaded(
        &mut self,
        path: PathBuf,
        name: String,
        text: Arc<str>,
        builtin: bool,
        loaded: &yaml::Loaded,
    ) -> Vec<Finding> {
        let file = self.sources.add(SourceFile::new(path.clone(), name, text));
        let mut errors: Vec<Finding> = loaded
            .errors
            .iter()
            .map(|e| Finding::error(rules::RULE_PACK, file, e.span, e.message.clone()))
            .collect();
        for doc in &loaded.documents {
            let root = &doc.root;
            let is_pack = root.get("apiVersion").and_then(Node::as_str) == Some(API_VERSION)
                && root.get("kind").and_then(Node::as_str) == Some("RulePack");
            if !is_pack {
                continue;
            }
            let pack_name = root
                .get_path("metadata.name")
                .and_then(Node::as_str)
                .unwrap_or("?");
            // The built-in packs are not validated again on every run: they are valid (tested:
            // `tests/packs.rs` loads each as a pack of one's own), and compiling the schema's
            // validator and validating took a fifth of a check's start (5.5 of 26 million
            // instructions, on the path before any file is parsed).
            if !builtin {
                let schema_errors = RULE_PACK.validate(
                    root,
                    file,
                    &format!("rule pack `{pack_name}`"),
                    rules::RULE_PACK,
                );
                if !schema_errors.is_empty() {
                    errors.extend(schema_errors);
                    continue;
                }
            }
            errors.extend(self.compile(root, file, &path, builtin));
        }
        errors
    }

    fn compile(&mut self, root: &Node, file: FileId, path: &Path, builtin: bool) -> Vec<Finding> {
        let mut errs: Vec<(Span, String, Option<String>)> = Vec::new();
        let name_node = root.get_path("metadata.name");
        let name = name_node
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        if let Some(other) = self.packs.iter().find(|p| p.name == name) {
            let mut f = Finding::error(
                rules::RULE_PACK,
                file,
                name_node.map_or(root.span, |n| n.span),
                format!("rule pack `{name}` is loaded twice"),
            );
            if let Some(first) = self
                .sources
                .get(other.file)
                .text
                .find(&format!("name: {name}"))
            {
                f = f.with_related(
                    other.file,
                    Span::new(first + 6, first + 6 + name.len()),
                    "first loaded here",
                );
            }
            return vec![f.with_help("pack names are unique: rename one pack")];
        }
        // Parameters.
        for entry in root
            .get("parameters")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let pname = entry.key.as_str().unwrap_or_default().to_string();
            let decl = &entry.value;
            let Some(ty) = decl
                .get("type")
                .and_then(Node::as_str)
                .and_then(ParamType::parse)
            else {
                continue;
            };
            if let Some(existing) = self.param(&pname) {
                if existing.ty != ty {
                    errs.push((entry.key.span, format!("parameter `{pname}` is already declared by pack `{}` with another type", existing.pack), None));
                }
                continue;
            }
            let default = decl.get("default").cloned();
            if let Some(d) = &default {
                if !ty.accepts(d) {
                    errs.push((
                        d.span,
                        format!("default of `{pname}` must be {}", ty.name()),
                        None,
                    ));
                }
            }
            let from = decl.get("from").and_then(|f| {
                FieldPath::parse(f.as_str()?)
                    .map_err(|e| errs.push((f.span, e, None)))
                    .ok()
            });
            self.params.push(Param {
                name: pname,
                ty,
                default,
                from,
                description: decl
                    .get("description")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string(),
                pack: name.clone(),
            });
        }
        let declared: HashSet<String> = self.params.iter().map(|p| p.name.clone()).collect();
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut duplicates: Vec<Finding> = Vec::new();
        let mut compiled = Vec::new();
        for rule in root.get("rules").and_then(Node::as_seq).unwrap_or_default() {
            let id_node = rule.get("id");
            let id = format!(
                "{name}/{}",
                id_node.and_then(Node::as_str).unwrap_or_default()
            );
            let id_span = id_node.map_or(rule.span, |n| n.span);
            if let Some(first) = seen.get(&id) {
                duplicates.push(
                    Finding::error(
                        rules::RULE_PACK,
                        file,
                        id_span,
                        format!("duplicate rule id `{id}`"),
                    )
                    .with_label("defined again here")
                    .with_related(file, *first, "first defined here")
                    .with_help("rule ids are unique within a pack: rename one"),
                );
                continue;
            }
            seen.insert(id.clone(), id_span);
            let mut c = Compiler {
                errors: &mut errs,
                params: &declared,
            };
            let select = rule.get("select");
            let kinds = select
                .and_then(|s| s.get("kind"))
                .and_then(|k| kinds(&mut c, k));
            let filter = c.conditions(select.and_then(|s| s.get("where")));
            let check = rule.get("check").and_then(|n| c.check(n));
            let known = |p: &str| placeholder_known(p, &declared);
            let template = |node: Option<&Node>, errs: &mut Vec<_>| -> Option<Template> {
                let node = node?;
                Template::parse(node.as_str()?, known)
                    .map_err(|e| errs.push((node.span, e, None)))
                    .ok()
            };
            let message = template(rule.get("message"), &mut errs);
            let help = template(rule.get("help"), &mut errs);
            let docs = rule
                .get("docs")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_string();
            let mut at = 0;
            for heading in DOC_HEADINGS {
                match docs[at..].find(heading) {
                    Some(i) => at += i + heading.len(),
                    None => {
                        errs.push((
                            rule.get("docs").map_or(id_span, |d| d.span),
                            format!("docs of `{id}` lack the heading `{heading}`"),
                            Some(format!(
                                "docs use the headings {} in this order",
                                DOC_HEADINGS.map(|h| format!("`{h}`")).join(", ")
                            )),
                        ));
                        break;
                    }
                }
            }
            let examples = rule.get("examples");
            let list = |key: &str| -> Vec<Example> {
                examples
                    .and_then(|e| e.get(key))
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|n| example(n, path))
                    .collect()
            };
            let (valid, invalid) = (list("valid"), list("invalid"));
            let severity = match rule.get("severity").and_then(Node::as_str) {
                Some("warning") => Severity::Warning,
                Some("info") => Severity::Info,
                _ => Severity::Error,
            };
            let (Some(check), Some(message)) = (check, message) else {
                continue;
            };
            compiled.push(Rule {
                id: id.into(),
                pack: name.clone(),
                severity,
                summary: rule
                    .get("summary")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string(),
                docs,
                tags: rule
                    .get("tags")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect(),
                kinds,
                filter,
                check,
                message,
                help_text: help
                    .as_ref()
                    .and_then(Template::constant)
                    .map(std::sync::Arc::from),
                help,
                valid,
                invalid,
                file,
                span: id_span,
            });
        }
        let errors: Vec<Finding> = duplicates
            .into_iter()
            .chain(errs.into_iter().map(|(span, message, help)| {
                let f = Finding::error(rules::RULE_PACK, file, span, message);
                match help {
                    Some(h) => f.with_help(h),
                    None => f,
                }
            }))
            .collect();
        if errors.is_empty() {
            self.packs.push(Pack {
                name,
                description: root
                    .get_path("metadata.description")
                    .and_then(Node::as_str)
                    .unwrap_or_default()
                    .to_string(),
                file,
                builtin,
                rules: compiled,
            });
        }
        errors
    }
}

fn kinds(c: &mut Compiler<'_>, node: &Node) -> Option<Vec<Kind>> {
    match &node.value {
        Value::Str(s) if &**s == "*" => None,
        Value::Seq(items) => Some(items.iter().filter_map(|k| c.kind(k)).collect()),
        _ => Some(c.kind(node).into_iter().collect()),
    }
}

fn example(node: &Node, pack_path: &Path) -> Option<Example> {
    match &node.value {
        Value::Str(s) => Some(Example::Inline {
            text: s.to_string(),
            span: node.span,
        }),
        Value::Map(_) => {
            let rel = node.get("path")?.as_str()?;
            let base = pack_path.parent().unwrap_or(Path::new("."));
            Some(Example::Path {
                path: base.join(rel),
                span: node.span,
            })
        }
        _ => None,
    }
}

/// Whether a template placeholder names something a rule can fill.
fn placeholder_known(name: &str, params: &HashSet<String>) -> Result<(), String> {
    if CHECK_VARS.contains(&name) || matches!(name, "kind" | "apiVersion") {
        return Ok(());
    }
    if let Some(p) = name.strip_prefix("param.") {
        return if params.contains(p) {
            Ok(())
        } else {
            Err(format!(
                "unknown parameter `{p}` in placeholder `{{{name}}}`"
            ))
        };
    }
    for prefix in ["metadata.", "spec.", "target."] {
        if let Some(rest) = name.strip_prefix(prefix) {
            let path = if prefix == "target." { rest } else { name };
            return FieldPath::parse(path).map(|_| ());
        }
    }
    Err(format!(
        "unknown placeholder `{{{name}}}`: placeholders are field paths (`{{spec.tier}}`, `{{target.metadata.name}}`), `{{param.NAME}}`, or a check's values (`{{count}}`, `{{value}}` ...); write `{{{{` for a brace"
    ))
}

/// Every `*.yaml`/`*.yml` file under `dir`, skipping hidden folders.
fn walkdir(dir: &Path) -> Vec<PathBuf> {
    ignore::WalkBuilder::new(dir)
        .hidden(true)
        .git_ignore(false)
        .ignore(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect()
}
