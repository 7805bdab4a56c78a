//! Output formats: human (miette graphical), compact (`file:line:col: severity[rule] message`)
//! and JSON (documented by `schemas/report.schema.json`), plus the closing summary.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use crate::diag::{Finding, Label, Severity};
use crate::estate::Estate;
use crate::pack::Packs;
use crate::source::{FileId, SourceMap, Span};

pub mod ci;
pub mod sarif;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with the YAML underlined (miette).
    Human,
    /// One line per finding: `file:line:col: severity[rule] message`.
    Compact,
    /// A JSON document (see `estatelint schema report`).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// The GitLab Code Quality report.
    Gitlab,
    /// JUnit XML, one test case per rule and entity.
    Junit,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 7] = [
        Format::Human,
        Format::Compact,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Gitlab,
        Format::Junit,
    ];

    /// Whether the format shows a finding's `help` (the check leaves helps unworded when no
    /// format asked for shows them).
    pub fn shows_help(self) -> bool {
        match self {
            Format::Human | Format::Json | Format::Sarif | Format::Github => true,
            Format::Compact | Format::Gitlab | Format::Junit => false,
        }
    }
}

/// Everything a format may draw on.
pub struct Report<'a> {
    pub sources: &'a SourceMap,
    pub findings: &'a [Finding],
    pub summary: &'a Summary,
    /// The loaded packs, for rule descriptions (SARIF, JUnit).
    pub packs: Option<&'a Packs>,
    /// The estate, for findings' identities (fingerprints, test-case names)...
    pub estate: Option<&'a Estate>,
    /// ...or those identities, kept when the estate was let go.
    pub identities: Option<&'a Identities>,
}

/// Findings' identities by primary location (file, span).
pub type Identities =
    std::collections::HashMap<(crate::source::FileId, Span), (Option<String>, String)>;

/// A finding's identity: its entity (`System/crm`) and the field path under it
/// (`spec.continuity.rpo`); for a finding outside any entity, none and an empty path.
pub fn identity(r: &Report<'_>, f: &Finding) -> (Option<String>, String) {
    match (r.identities, r.estate) {
        (Some(ids), _) => ids
            .get(&(f.primary.file, f.primary.span))
            .cloned()
            .unwrap_or_default(),
        (None, Some(estate)) => locate_identity(estate, f),
        (None, None) => (None, String::new()),
    }
}

/// A finding's identity, found in the estate.
pub fn locate_identity(estate: &Estate, f: &Finding) -> (Option<String>, String) {
    identity_of(estate.locate(f.primary.file, f.primary.span))
}

/// Every finding's identity, in order: each entity's document walked once for all its
/// findings ([`Estate::locate_all`]).
pub fn locate_identities(estate: &Estate, findings: &[Finding]) -> Vec<(Option<String>, String)> {
    let places: Vec<_> = findings
        .iter()
        .map(|f| (f.primary.file, f.primary.span))
        .collect();
    estate
        .locate_all(&places)
        .into_iter()
        .map(identity_of)
        .collect()
}

fn identity_of(located: Option<(&crate::estate::Entity, String)>) -> (Option<String>, String) {
    match located {
        Some((entity, path)) => (
            Some(format!(
                "{}/{}",
                entity.kind.name(),
                entity.name().unwrap_or("?")
            )),
            path,
        ),
        None => (None, String::new()),
    }
}

/// Fingerprints of every finding, in order: unique within the report (a second finding with
/// the same identity gets its ordinal mixed in).
pub fn fingerprints(r: &Report<'_>) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    r.findings
        .iter()
        .map(|f| {
            let base = fingerprint(r, f);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            if *n == 1 {
                base
            } else {
                fnv(&[&base, &n.to_string()])
            }
        })
        .collect()
}

fn fnv(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// A fingerprint that survives edits elsewhere in the file: rule, file, entity, field path and
/// the underlined text, hashed with FNV-1a (stable across platforms and releases).
pub fn fingerprint(r: &Report<'_>, f: &Finding) -> String {
    let file = r.sources.get(f.primary.file);
    let (entity, path) = identity(r, f);
    let text = file.span_text(f.primary.span).unwrap_or_default();
    fnv(&[
        f.rule.as_str(),
        &file.name,
        entity.as_deref().unwrap_or_default(),
        &path,
        text,
    ])
}

/// Counts that close a report.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings hidden by `# estatelint-ignore` comments.
    pub suppressed: usize,
    /// Findings hidden by the baseline.
    pub baselined: usize,
    /// Baseline entries that matched nothing.
    #[serde(rename = "staleBaseline")]
    pub stale_baseline: usize,
}

impl Summary {
    pub fn new(files: usize, documents: usize, findings: &[Finding]) -> Summary {
        let count = |s| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            files,
            documents,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            ..Summary::default()
        }
    }

    /// The last line of human output, with what suppressions and the baseline hid.
    pub fn line(&self) -> String {
        let mut line = self.counts_line();
        let mut hidden = Vec::new();
        if self.suppressed > 0 {
            hidden.push(format!("{} suppressed", self.suppressed));
        }
        if self.baselined > 0 {
            hidden.push(format!("{} hidden by the baseline", self.baselined));
        }
        if !hidden.is_empty() {
            line.push_str(&format!("; {}", hidden.join(", ")));
        }
        if self.stale_baseline > 0 {
            line.push_str(&format!(
                "\n{} baseline {} no longer {} anything: rewrite the baseline with --write-baseline to drop {}",
                self.stale_baseline,
                plural(self.stale_baseline, "entry", "entries"),
                plural(self.stale_baseline, "matches", "match"),
                plural(self.stale_baseline, "it", "them")
            ));
        }
        line
    }

    fn counts_line(&self) -> String {
        let total = self.errors + self.warnings + self.infos;
        let checked = format!(
            "{} {} ({} {})",
            self.files,
            plural(self.files, "file", "files"),
            self.documents,
            plural(self.documents, "document", "documents")
        );
        if total == 0 {
            return format!("no problems found in {checked}");
        }
        let mut parts = Vec::new();
        for (n, one, many) in [
            (self.errors, "error", "errors"),
            (self.warnings, "warning", "warnings"),
            (self.infos, "info", "infos"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {}", plural(n, one, many)));
            }
        }
        format!(
            "found {total} {} ({}) in {checked}",
            plural(total, "problem", "problems"),
            parts.join(", ")
        )
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Writes findings in `format`, without rule metadata or entity identities.
pub fn render(
    format: Format,
    sources: &SourceMap,
    findings: &[Finding],
    summary: &Summary,
    color: bool,
) -> String {
    let report = Report {
        sources,
        findings,
        summary,
        packs: None,
        estate: None,
        identities: None,
    };
    render_report(format, &report, color)
}

/// Writes a report in `format` to `out`: the compact one as it is worded
/// ([`write_compact`]), the others worded whole first.
pub fn write_report(
    format: Format,
    r: &Report<'_>,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Compact => write_compact(r.sources, r.findings, out),
        _ => out.write_all(render_report(format, r, color).as_bytes()),
    }
}

/// A report in `format`, worded whole.
pub fn render_report(format: Format, r: &Report<'_>, color: bool) -> String {
    match format {
        Format::Human => human(r.sources, r.findings, r.summary, color),
        Format::Compact => compact(r.sources, r.findings),
        Format::Json => json(r),
        Format::Sarif => sarif::render(r),
        Format::Github => ci::github(r),
        Format::Gitlab => ci::gitlab(r),
        Format::Junit => ci::junit(r),
    }
}

/// Human output: every finding drawn by miette, then the summary line.
pub fn human(sources: &SourceMap, findings: &[Finding], summary: &Summary, color: bool) -> String {
    // Drawn in parallel, a run of findings at a time, and joined in order: drawing is most
    // of a large report's time. The files' texts are made safe first, once each.
    use rayon::prelude::*;
    let texts = SafeTexts::of_findings(sources, findings);
    let mut out: String = findings
        .par_chunks(HUMAN_RUN)
        .map(|run| {
            let mut out = String::new();
            for f in run {
                out.push_str(&render_finding_in(sources, f, color, &texts));
                out.push('\n');
            }
            out
        })
        .collect();
    out.push_str(&summary.line());
    out.push('\n');
    out
}

/// Findings drawn together by one thread of the human report.
const HUMAN_RUN: usize = 64;

/// One finding drawn by miette.
pub fn render_finding(sources: &SourceMap, finding: &Finding, color: bool) -> String {
    render_finding_in(sources, finding, color, &SafeTexts::default())
}

/// [`render_finding`], the files' texts made safe for a terminal taken from `texts`.
fn render_finding_in(
    sources: &SourceMap,
    finding: &Finding,
    color: bool,
    texts: &SafeTexts,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_show_related_as_nested(true)
        // Identifiers such as `warehouse-management` are never split at their hyphens.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false)
        .with_width(100);
    // miette cannot draw labels past column 65,535 (it panics): such findings get one line.
    let too_wide = std::iter::once(&finding.primary)
        .chain(&finding.related)
        .any(|l| sources.get(l.file).line_col(l.span.end).column > 60_000);
    if too_wide {
        let mut line = String::new();
        compact_line(&mut line, sources, finding);
        return line;
    }
    let diag = Drawn::new(sources, finding, texts);
    let mut out = String::new();
    // Any other panic while drawing falls back to one line too.
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        handler.render_report(&mut out, &diag).is_ok()
    }));
    if drawn.ok() != Some(true) {
        out.clear();
        compact_line(&mut out, sources, finding);
    }
    out
}

/// Labels at most this many lines from the primary label are drawn in its snippet.
const NEAR_LINES: usize = 3;

/// A file's text as miette reads it, with the column of a span's start counted in characters
/// (miette counts bytes), so the snippet header agrees with compact and JSON output.
struct Src<'a> {
    name: String,
    text: Arc<str>,
    /// For line numbers: its line index is built once per file, not per label.
    file: &'a crate::source::SourceFile,
}

impl<'a> Src<'a> {
    fn new(sources: &'a SourceMap, id: FileId, texts: &SafeTexts) -> Src<'a> {
        let file = sources.get(id);
        Src {
            name: file.name.clone(),
            text: texts.of(id, file),
            file,
        }
    }
}

/// Files' texts as a terminal may show them, each worked out once per report: a file of
/// 20,000 findings was scanned 20,000 times.
#[derive(Default)]
struct SafeTexts(std::collections::HashMap<FileId, Arc<str>>);

impl SafeTexts {
    /// The safe texts of every file `findings` show (primary and related places), worked
    /// out in parallel, once each.
    fn of_findings(sources: &SourceMap, findings: &[Finding]) -> SafeTexts {
        use rayon::prelude::*;
        let mut ids: Vec<FileId> = findings
            .iter()
            .flat_map(|f| std::iter::once(&f.primary).chain(&f.related))
            .map(|l| l.file)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        SafeTexts(
            ids.into_par_iter()
                .map(|id| (id, safe_text(&sources.get(id).text)))
                .collect(),
        )
    }

    /// File `id`'s safe text, worked out now if it was not already.
    fn of(&self, id: FileId, file: &crate::source::SourceFile) -> Arc<str> {
        match self.0.get(&id) {
            Some(text) => text.clone(),
            None => safe_text(&file.text),
        }
    }
}

/// Control characters from a file (ESC, BEL, NUL ...) must not reach the terminal: each
/// becomes `?`, one byte for one byte, so offsets stay right.
fn safe_text(text: &Arc<str>) -> Arc<str> {
    let unsafe_char = |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r');
    if !text.contains(unsafe_char) {
        return text.clone();
    }
    let cleaned: String = text
        .chars()
        .map(|c| {
            if unsafe_char(c) && c.len_utf8() == 1 {
                '?'
            } else {
                c
            }
        })
        .collect();
    Arc::from(cleaned)
}

impl SourceCode for Src<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette scans from the start of the text for every label (quadratic in findings ×
        // file size): hand it only the lines around the span, then shift back.
        let text: &str = &self.text;
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len()).max(start);
        let mut from = text[..start].rfind('\n').map_or(0, |i| i + 1);
        for _ in 0..before {
            if from == 0 {
                break;
            }
            from = text[..from - 1].rfind('\n').map_or(0, |i| i + 1);
        }
        let mut to = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        for _ in 0..after {
            if to >= text.len() {
                break;
            }
            to = text[to..].find('\n').map_or(text.len(), |i| to + i + 1);
        }
        let window = &text[from..to];
        let lines_before = self.file.line_col(from as u32).line - 1;
        let local = SourceSpan::new((start - from).into(), end - start);
        let found = window.read_span(&local, before, after)?;
        let data_start = found.data().as_ptr() as usize - window.as_ptr() as usize;
        let inner = MietteSpanContents::new_named(
            self.name.clone(),
            found.data(),
            SourceSpan::new((from + data_start).into(), found.data().len()),
            found.line() + lines_before,
            found.column(),
            found.line_count(),
        );
        let mut column = inner.column();
        if before == 0 && after == 0 {
            let start = span.offset().min(self.text.len());
            let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
            if let Some(prefix) = self.text.get(line_start..start) {
                column = prefix.chars().count();
            }
        }
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

/// A finding as a miette diagnostic: primary and same-file labels in one snippet, labels in
/// other files as related diagnostics with their own snippet.
struct Drawn<'a> {
    message: String,
    code: Option<String>,
    severity: Option<miette::Severity>,
    help: Option<String>,
    source: Src<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<Drawn<'a>>,
}

fn source_span(span: Span) -> miette::SourceSpan {
    (span.start as usize, span.len()).into()
}

fn caption(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl<'a> Drawn<'a> {
    fn new(sources: &'a SourceMap, f: &Finding, texts: &SafeTexts) -> Drawn<'a> {
        let file = sources.get(f.primary.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            caption(&f.primary.message),
            source_span(f.primary.span),
        )];
        let mut related = Vec::new();
        let primary_line = file.line_col(f.primary.span.start).line;
        for r in &f.related {
            // A label a few lines from the primary shares its snippet; one further away gets a
            // snippet of its own, after the primary's (miette would otherwise draw one long
            // snippet, or the earlier label first).
            let near = r.file == f.primary.file
                && file.line_col(r.span.start).line.abs_diff(primary_line) <= NEAR_LINES;
            if near {
                labels.push(LabeledSpan::new_with_span(
                    caption(&r.message),
                    source_span(r.span),
                ));
            } else {
                related.push(Drawn::related(sources, r, texts));
            }
        }
        Drawn {
            message: f.message.clone(),
            code: Some(f.rule.to_string()),
            severity: Some(match f.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
                Severity::Info => miette::Severity::Advice,
            }),
            help: f.help.as_deref().map(String::from),
            source: Src::new(sources, f.primary.file, texts),
            labels,
            related,
        }
    }

    fn related(sources: &'a SourceMap, label: &Label, texts: &SafeTexts) -> Drawn<'a> {
        Drawn {
            message: label.message.clone(),
            code: None,
            severity: Some(miette::Severity::Advice),
            help: None,
            source: Src::new(sources, label.file, texts),
            labels: vec![LabeledSpan::new_primary_with_span(
                None,
                source_span(label.span),
            )],
            related: Vec::new(),
        }
    }
}

impl fmt::Debug for Drawn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Drawn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Drawn<'_> {}

impl Diagnostic for Drawn<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.severity
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

/// `file:line:col: severity[rule] message`, one per line.
pub fn compact(sources: &SourceMap, findings: &[Finding]) -> String {
    compact_runs(sources, findings).concat()
}

/// The compact report written to `out` a batch of findings at a time: each batch worded in
/// parallel, a run of findings to a string, and written in order. Nothing is joined: at
/// 100,000 systems the report is 14 MB, which one string copied once more on one thread
/// (and a string per finding freed there) while both cores could have gone on.
pub fn write_compact(
    sources: &SourceMap,
    findings: &[Finding],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    for batch in findings.chunks(COMPACT_RUN * COMPACT_RUNS_A_BATCH) {
        for run in compact_runs(sources, batch) {
            out.write_all(run.as_bytes())?;
        }
    }
    Ok(())
}

/// Findings worded together by one thread of the compact report.
const COMPACT_RUN: usize = 512;

/// Runs worded before they are written: a batch's text (some 160 bytes a finding) is all the
/// report holds at once.
const COMPACT_RUNS_A_BATCH: usize = 16;

/// `findings` worded in parallel (finding a line and column reads the file's line lengths),
/// in order, a run of them to each string.
fn compact_runs(sources: &SourceMap, findings: &[Finding]) -> Vec<String> {
    use rayon::prelude::*;
    findings
        .par_chunks(COMPACT_RUN)
        .map(|run| {
            let mut out = String::with_capacity(run.len() * 160);
            for f in run {
                compact_line(&mut out, sources, f);
            }
            out
        })
        .collect()
}

/// One finding as `file:line:col: severity[rule] message` and a newline, added to `out`.
fn compact_line(out: &mut String, sources: &SourceMap, f: &Finding) {
    use std::fmt::Write;
    let file = sources.get(f.primary.file);
    let at = file.line_col(f.primary.span.start);
    // Writing to a `String` cannot fail.
    let _ = writeln!(
        out,
        "{}:{}:{}: {}[{}] {}",
        file.name, at.line, at.column, f.severity, f.rule, f.message
    );
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: JsonTool,
    findings: Vec<JsonFinding<'a>>,
    summary: &'a Summary,
}

#[derive(Serialize)]
struct JsonTool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
    /// The caption under the underline (`91% > 80%`), empty when there is none.
    label: &'a str,
    /// `Kind/name` of the entity the finding is in, when it is in one.
    entity: Option<String>,
    /// Field path under the entity (`spec.continuity.rpo`), empty outside one.
    path: String,
    fingerprint: String,
    file: &'a str,
    span: JsonSpan,
    range: JsonRange,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    file: &'a str,
    span: JsonSpan,
    range: JsonRange,
}

#[derive(Serialize)]
struct JsonSpan {
    offset: u32,
    length: u32,
}

#[derive(Serialize)]
struct JsonRange {
    start: JsonPosition,
    end: JsonPosition,
}

#[derive(Serialize)]
struct JsonPosition {
    line: usize,
    column: usize,
}

fn json_location<'a>(sources: &'a SourceMap, label: &Label) -> (&'a str, JsonSpan, JsonRange) {
    let file = sources.get(label.file);
    let start = file.line_col(label.span.start);
    let end = file.line_col(label.span.end);
    (
        &file.name,
        JsonSpan {
            offset: label.span.start,
            length: label.span.end - label.span.start,
        },
        JsonRange {
            start: JsonPosition {
                line: start.line,
                column: start.column,
            },
            end: JsonPosition {
                line: end.line,
                column: end.column,
            },
        },
    )
}

/// The JSON report (pretty-printed, newline-terminated).
pub fn json(r: &Report<'_>) -> String {
    let (sources, findings, summary) = (r.sources, r.findings, r.summary);
    let prints = fingerprints(r);
    let report = JsonReport {
        version: 1,
        tool: JsonTool {
            name: "estatelint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: findings
            .iter()
            .zip(prints)
            .map(|(f, fingerprint)| {
                let (file, span, range) = json_location(sources, &f.primary);
                let (entity, path) = identity(r, f);
                JsonFinding {
                    rule: &f.rule,
                    severity: f.severity,
                    message: &f.message,
                    help: f.help.as_deref(),
                    label: &f.primary.message,
                    entity,
                    path,
                    fingerprint,
                    file,
                    span,
                    range,
                    related: f
                        .related
                        .iter()
                        .map(|r| {
                            let (file, span, range) = json_location(sources, r);
                            JsonRelated {
                                message: &r.message,
                                file,
                                span,
                                range,
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
        summary,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn the_compact_report_written_in_batches_is_the_report_worded_whole() {
        // Findings enough for several runs and two batches, each on its own line of a file
        // of many lines, in an order that is not the file's.
        let lines = COMPACT_RUN * COMPACT_RUNS_A_BATCH + COMPACT_RUN + 7;
        let text: String = (0..lines).map(|i| format!("k{i}: v\n")).collect();
        let starts: Vec<usize> = text.match_indices('\n').map(|(at, _)| at + 1).collect();
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(
            "many.yaml".into(),
            "many.yaml".into(),
            text.as_str().into(),
        ));
        let findings: Vec<Finding> = (0..lines)
            .map(|i| {
                let at = starts[(i * 7919) % (lines - 1)];
                Finding::error("t/r", file, Span::new(at, at + 2), format!("finding `{i}`"))
            })
            .collect();
        let mut written = Vec::new();
        write_compact(&sources, &findings, &mut written).unwrap();
        let whole: String = findings
            .iter()
            .map(|f| {
                let at = sources.get(file).line_col(f.primary.span.start);
                format!(
                    "many.yaml:{}:{}: error[t/r] {}\n",
                    at.line, at.column, f.message
                )
            })
            .collect();
        assert_eq!(String::from_utf8(written).unwrap(), whole);
        assert_eq!(compact(&sources, &findings), whole);
    }

    #[test]
    fn shows_help_tells_which_formats_print_a_help() {
        // The check leaves helps unworded for the formats that do not show one: this is
        // what each format prints.
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(
            "estate.yaml".into(),
            "estate.yaml".into(),
            "kind: System\n".into(),
        ));
        let findings = [
            Finding::error("t/r", file, Span::new(0, 4), "the message".into())
                .with_help("the-help-words"),
        ];
        let summary = Summary::new(1, 1, &findings);
        assert_eq!(
            Format::ALL.to_vec(),
            <Format as clap::ValueEnum>::value_variants()
        );
        for format in Format::ALL {
            let out = render(format, &sources, &findings, &summary, false);
            assert!(out.contains("the message"), "{format:?}: {out}");
            assert_eq!(
                out.contains("the-help-words"),
                format.shows_help(),
                "{format:?}: {out}"
            );
        }
    }

    #[test]
    fn a_human_report_drawn_in_runs_is_every_finding_in_order() {
        // Runs of HUMAN_RUN findings are drawn on different threads: joined, they are the
        // findings drawn one by one, in order, over files that end and begin inside a run.
        let text: String = (0..100).map(|i| format!("key{i}: value\n")).collect();
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut sources = SourceMap::default();
        let files: Vec<FileId> = (0..3)
            .map(|n| {
                sources.add(SourceFile::new(
                    format!("f{n}.yaml").into(),
                    format!("f{n}.yaml"),
                    text.as_str().into(),
                ))
            })
            .collect();
        let count = HUMAN_RUN * 3 + 5;
        let findings: Vec<Finding> = (0..count)
            .map(|i| {
                let file = files[i * files.len() / count];
                let at = line_starts[i * 7 % 100];
                Finding::error("t/r", file, Span::new(at, at + 3), format!("finding {i}"))
            })
            .collect();
        let summary = Summary::new(3, 3, &findings);
        let one_by_one: String = findings
            .iter()
            .map(|f| render_finding(&sources, f, false) + "\n")
            .collect::<String>()
            + &summary.line()
            + "\n";
        let out = human(&sources, &findings, &summary, false);
        assert_eq!(out, one_by_one);
        let order: Vec<usize> = out
            .match_indices("finding ")
            .filter_map(|(i, _)| out[i + 8..].split(|c: char| !c.is_ascii_digit()).next())
            .filter_map(|n| n.parse().ok())
            .collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(order, sorted);
        assert!(order.len() >= findings.len());
    }
}
