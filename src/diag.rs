//! Findings: what the tool reports (rule, severity, message, help, primary and related labels).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::source::{FileId, SourceFile, SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's id (`continuity/backup-coverage`): one shared text however many findings a rule
/// has (a `String` per finding was 2 MB at 100,000 systems).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RuleId(Arc<str>);

impl RuleId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for RuleId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for RuleId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for RuleId {
    fn from(id: &str) -> RuleId {
        RuleId(Arc::from(id))
    }
}

impl From<String> for RuleId {
    fn from(id: String) -> RuleId {
        RuleId(Arc::from(id))
    }
}

impl From<&RuleId> for RuleId {
    fn from(id: &RuleId) -> RuleId {
        id.clone()
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<RuleId> for &str {
    fn eq(&self, other: &RuleId) -> bool {
        **self == *other.0
    }
}

impl PartialEq<RuleId> for str {
    fn eq(&self, other: &RuleId) -> bool {
        *self == *other.0
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A location with an optional caption.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One problem found in the estate (or in its files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Full rule id, e.g. `estatelint/schema` or `continuity/backup-coverage`.
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    /// Shared: a rule's help without placeholders is one text for all its findings.
    pub help: Option<Arc<str>>,
    /// The node that is wrong; its caption is shown under the underline.
    pub primary: Label,
    /// Other places involved: the first definition of a duplicate, the rest of a cycle.
    pub related: Vec<Label>,
    /// For a finding about a rule (its evaluation failed), that rule's id: the config's
    /// levels for the rule apply to it too.
    pub origin: Option<RuleId>,
}

impl Finding {
    pub fn new(
        rule: impl Into<RuleId>,
        severity: Severity,
        file: FileId,
        span: Span,
        message: String,
    ) -> Self {
        Finding {
            rule: rule.into(),
            severity,
            message,
            help: None,
            primary: Label {
                file,
                span,
                message: String::new(),
            },
            related: Vec::new(),
            origin: None,
        }
    }

    pub fn error(rule: &str, file: FileId, span: Span, message: String) -> Self {
        Finding::new(rule, Severity::Error, file, span, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(Arc::from(help.into()));
        self
    }

    /// [`Finding::with_help`] with a text other findings share.
    pub fn with_shared_help(mut self, help: Arc<str>) -> Self {
        self.help = Some(help);
        self
    }

    pub fn with_label(mut self, caption: impl Into<String>) -> Self {
        self.primary.message = caption.into();
        self
    }

    pub fn with_related(mut self, file: FileId, span: Span, caption: impl Into<String>) -> Self {
        self.related.push(Label {
            file,
            span,
            message: caption.into(),
        });
        self
    }
}

/// The tool could not do its job (exit code 2): a bad flag, an unreadable or invalid config.
/// Where the problem is in a file, `findings` locate it there.
#[derive(Debug)]
pub struct Fatal {
    pub message: String,
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
}

impl Fatal {
    pub fn message(message: impl Into<String>) -> Fatal {
        Fatal {
            message: message.into(),
            sources: SourceMap::default(),
            findings: Vec::new(),
        }
    }

    /// A problem at `finding` in `file` (the finding's file id is replaced).
    pub fn in_file(message: impl Into<String>, file: &SourceFile, mut finding: Finding) -> Fatal {
        let mut sources = SourceMap::default();
        let id = sources.add(file.clone());
        finding.primary.file = id;
        Fatal {
            message: message.into(),
            sources,
            findings: vec![finding],
        }
    }
}

/// Core rule ids: what the tool itself reports before any rule pack runs.
pub mod rules {
    pub const IO: &str = "estatelint/io";
    pub const ENCODING: &str = "estatelint/encoding";
    pub const SYNTAX: &str = "estatelint/syntax";
    pub const DUPLICATE_KEY: &str = "estatelint/duplicate-key";
    pub const TOO_DEEP: &str = "estatelint/too-deep";
    pub const ALIAS_LIMIT: &str = "estatelint/alias-limit";
    pub const UNKNOWN_KIND: &str = "estatelint/unknown-kind";
    pub const API_VERSION: &str = "estatelint/api-version";
    pub const SCHEMA: &str = "estatelint/schema";
    pub const DUPLICATE_NAME: &str = "estatelint/duplicate-name";
    pub const UNRESOLVED_REFERENCE: &str = "estatelint/unresolved-reference";
    pub const MULTIPLE_ORGANIZATIONS: &str = "estatelint/multiple-organizations";
    pub const RULE_PACK: &str = "estatelint/rule-pack";
    pub const RULE_ERROR: &str = "estatelint/rule-error";
    pub const UNKNOWN_PARAMETER: &str = "estatelint/unknown-parameter";
    pub const PARAMETER: &str = "estatelint/parameter";
    pub const INTERNAL: &str = "estatelint/internal";

    /// Every core rule id (suppressions may name them).
    pub const ALL: [&str; 22] = [
        IO,
        ENCODING,
        SYNTAX,
        DUPLICATE_KEY,
        TOO_DEEP,
        ALIAS_LIMIT,
        UNKNOWN_KIND,
        API_VERSION,
        SCHEMA,
        DUPLICATE_NAME,
        UNRESOLVED_REFERENCE,
        MULTIPLE_ORGANIZATIONS,
        RULE_PACK,
        RULE_ERROR,
        UNKNOWN_PARAMETER,
        PARAMETER,
        crate::suppress::rules::UNUSED,
        crate::suppress::rules::NO_REASON,
        crate::suppress::rules::EXPIRED,
        crate::suppress::rules::INVALID,
        crate::config::CONFIG_RULE,
        INTERNAL,
    ];
}

/// A did-you-mean: the candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = |s: &'a str| -> std::borrow::Cow<'a, str> {
        if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
            s.to_lowercase().into()
        } else {
            s.into()
        }
    };
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &lower(c)), c))
        .filter(|&(score, _)| score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_but_not_strangers() {
        let names = ["platform-team", "payments-team", "data-team"];
        assert_eq!(did_you_mean("platfrom-team", names), Some("platform-team"));
        assert_eq!(did_you_mean("Sytem", ["System", "Owner"]), Some("System"));
        assert_eq!(did_you_mean("legacy-fax-server", names), None);
    }
}
