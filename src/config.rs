//! `estatelint.yaml`: finding it upward from the checked path, loading it through the spanned
//! loader, and reporting its errors on the offending node.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::{did_you_mean, Fatal, Finding, Severity};
use crate::source::{SourceFile, Span};
use crate::yaml;

/// File names looked for, in order, in each folder from the first checked path upward.
pub const CONFIG_NAMES: [&str; 3] = ["estatelint.yaml", "estatelint.yml", ".estatelint.yaml"];

pub const CONFIG_RULE: &str = "estatelint/config";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Globs (relative to the config's folder) a file must match to be checked.
    #[serde(default)]
    pub include: Vec<String>,
    /// Globs (relative to the config's folder) of files and folders to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Custom rule packs: files or folders, relative to the config's folder.
    #[serde(default)]
    pub packs: Vec<String>,
    /// Rule id, `pack/*` or `*` → severity or `off`.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    /// Levels for the files matching some globs; later entries win.
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// Lowest severity that fails the run (`--fail-on` wins over it).
    pub fail_on: Option<Threshold>,
    /// Parameter values; they win over the Organization's `spec.policy`.
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
    /// The date time-based rules take as today (`--today` wins over it).
    pub today: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub files: Vec<String>,
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
}

/// A rule's level in config: a severity, or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Threshold {
    Error,
    Warning,
    Info,
}

impl Threshold {
    pub fn severity(self) -> Severity {
        match self {
            Threshold::Error => Severity::Error,
            Threshold::Warning => Severity::Warning,
            Threshold::Info => Severity::Info,
        }
    }
}

/// Keys an `estatelint.yaml` may hold.
pub const KEYS: [&str; 9] = [
    "include",
    "exclude",
    "packs",
    "rules",
    "overrides",
    "failOn",
    "parameters",
    "today",
    "files",
];

/// A config and where it came from.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    /// The config file's folder: globs are relative to it.
    pub dir: PathBuf,
    pub file: Option<SourceFile>,
    root: Option<yaml::Node>,
}

impl Loaded {
    /// No config file: defaults, with globs relative to the working folder.
    pub fn none() -> Loaded {
        Loaded {
            config: Config::default(),
            dir: PathBuf::from("."),
            file: None,
            root: None,
        }
    }

    /// The span of the value at `path` in the config file (for errors found after loading,
    /// such as a glob that does not parse).
    pub fn span_of(&self, path: &[&str]) -> Option<Span> {
        self.root.as_ref().map(|r| r.locate(path).node.span)
    }

    /// The span of the key at the end of `path` (`rules`, `continuity/x`).
    pub fn key_span_of(&self, path: &[&str]) -> Option<Span> {
        self.root
            .as_ref()
            .map(|r| r.locate(path).key_or_node_span())
    }

    /// The config's node at `path`, when there is one.
    pub fn node(&self, path: &[&str]) -> Option<&yaml::Node> {
        let root = self.root.as_ref()?;
        let located = root.locate(path);
        (located.key.is_some() || path.is_empty()).then_some(located.node)
    }

    pub fn fatal(&self, span: Option<Span>, message: String, help: Option<String>) -> Fatal {
        match (&self.file, span) {
            (Some(file), Some(span)) => {
                let mut f =
                    Finding::error(CONFIG_RULE, crate::source::FileId(0), span, message.clone());
                f.help = help.map(Into::into);
                Fatal::in_file(message, file, f)
            }
            _ => Fatal::message(message),
        }
    }
}

/// The first config file in `start` (or its folder, for a file) and the folders above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let mut dir = if start.is_file() {
        start.parent()?
    } else {
        start.as_path()
    };
    loop {
        for name in CONFIG_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        dir = dir.parent()?;
    }
}

/// Loads and checks a config file.
pub fn load(path: &Path) -> Result<Loaded, Fatal> {
    let name = crate::discover::display_name(path);
    let bytes = std::fs::read(path).map_err(|e| {
        Fatal::message(format!(
            "cannot read config `{name}`: {}",
            crate::discover::io_message(&e)
        ))
    })?;
    let text: Arc<str> = String::from_utf8(bytes)
        .map_err(|_| Fatal::message(format!("config `{name}` is not valid UTF-8")))?
        .into();
    let file = SourceFile::new(path.to_path_buf(), name.clone(), text.clone());
    let dir = path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let loaded = yaml::load(&text);
    if let Some(err) = loaded.errors.first() {
        let f = Finding::error(
            CONFIG_RULE,
            crate::source::FileId(0),
            err.span,
            err.message.clone(),
        );
        return Err(Fatal::in_file(format!("invalid config `{name}`"), &file, f));
    }
    if loaded.documents.len() > 1 {
        let span = loaded.documents[1].root.span;
        let f = Finding::error(
            CONFIG_RULE,
            crate::source::FileId(0),
            span,
            "config holds more than one document".into(),
        )
        .with_help("keep the whole configuration in one YAML document");
        return Err(Fatal::in_file(format!("invalid config `{name}`"), &file, f));
    }
    let Some(root) = loaded.documents.into_iter().next().map(|d| d.root) else {
        return Ok(Loaded {
            config: Config::default(),
            dir,
            file: Some(file),
            root: None,
        });
    };
    if root.value == yaml::Value::Null {
        return Ok(Loaded {
            config: Config::default(),
            dir,
            file: Some(file),
            root: None,
        });
    }
    let json = root.to_json();
    match serde_path_to_error::deserialize::<_, Config>(json) {
        Ok(config) => Ok(Loaded {
            config,
            dir,
            file: Some(file),
            root: Some(root),
        }),
        Err(err) => {
            let path: Vec<String> = err
                .path()
                .iter()
                .filter_map(|seg| match seg {
                    serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                    serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                    _ => None,
                })
                .collect();
            let inner = err.inner().to_string();
            let located = root.locate(&path);
            let (span, help) = if let Some(unknown) = unknown_field(&inner) {
                // serde's path may already end at the unknown key.
                let span = located
                    .node
                    .entry(unknown)
                    .map(|e| e.key.span)
                    .or(located.key.map(|k| k.span))
                    .unwrap_or(located.node.span);
                let known = &KEYS[..];
                let help = did_you_mean(unknown, known.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                        format!("known keys: {}", list.join(", "))
                    });
                (span, Some(help))
            } else {
                (located.node.span, None)
            };
            let message = inner
                .split(" at line ")
                .next()
                .unwrap_or(&inner)
                .to_string();
            let mut f = Finding::error(CONFIG_RULE, crate::source::FileId(0), span, message)
                .with_label("here");
            f.help = help.map(Into::into);
            Err(Fatal::in_file(format!("invalid config `{name}`"), &file, f))
        }
    }
}

/// The field named by serde's "unknown field `x`, expected ..." message.
fn unknown_field(message: &str) -> Option<&str> {
    message.strip_prefix("unknown field `")?.split('`').next()
}
