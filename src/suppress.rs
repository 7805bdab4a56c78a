//! Inline suppressions: `# estatelint-ignore RULE[, RULE] [until DATE] -- reason` on the line
//! above a node or at the end of its line covers that node and what is under it;
//! `# estatelint-ignore-file ...` covers the whole file. Suppressions without a reason,
//! expired ones and ones that suppress nothing are reported.

use crate::diag::{did_you_mean, Finding, Severity};
use crate::source::{FileId, SourceFile, Span};
use crate::tape::{NodeRef, ValueRef};
use crate::value::Date;

pub mod rules {
    pub const UNUSED: &str = "estatelint/unused-suppression";
    pub const NO_REASON: &str = "estatelint/suppression-reason";
    pub const EXPIRED: &str = "estatelint/expired-suppression";
    pub const INVALID: &str = "estatelint/invalid-suppression";
}

/// The word that starts a suppression comment.
pub const MARKER: &str = "estatelint-ignore";

/// One suppression comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub file: FileId,
    /// The comment itself.
    pub span: Span,
    /// Rule ids or `pack/*` patterns, each with its span in the comment.
    pub rules: Vec<(String, Span)>,
    pub until: Option<Date>,
    pub reason: Option<String>,
    /// What it covers: a node's bytes, or the whole file.
    pub scope: Span,
    pub whole_file: bool,
}

/// Finds the suppression comments of a file. `roots` are its documents' trees (to find the
/// node a comment covers). Malformed comments come back as findings.
pub fn scan(
    file: FileId,
    source: &SourceFile,
    roots: &[NodeRef<'_>],
) -> (Vec<Suppression>, Vec<Finding>) {
    let text = &source.text;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .map(|l| {
            let start = offset;
            offset += l.len();
            (start, l.trim_end_matches(['\n', '\r']))
        })
        .collect();
    let scalars = scalar_spans(roots);
    let inside_scalar = |offset: usize| {
        let i = scalars.partition_point(|s| (s.start as usize) <= offset);
        i > 0 && offset < scalars[i - 1].end as usize
    };
    for (i, &(line_start, line)) in lines.iter().enumerate() {
        let Some(at) = comment_marker(line) else {
            continue;
        };
        // A `#` inside a quoted string or a block scalar is text, not a comment.
        if inside_scalar(line_start + at) {
            continue;
        }
        let comment = &line[at..];
        let body = comment.trim_start_matches('#').trim_start();
        let Some(rest) = body.strip_prefix(MARKER) else {
            continue;
        };
        let (whole_file, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
            continue;
        }
        let comment_start = line_start + at;
        let comment_span = Span::new(comment_start, line_start + line.len());
        let body_offset = comment_start
            + (comment.len() - body.len())
            + MARKER.len()
            + if whole_file { 5 } else { 0 };
        let (head, reason) = match rest.split_once("--") {
            Some((h, r)) => (h, Some(r.trim().to_string()).filter(|r| !r.is_empty())),
            None => (rest, None),
        };
        let (rules_text, until_text) = match head.split_once(" until ") {
            Some((r, u)) => (r, Some(u.trim())),
            None => (head, None),
        };
        let mut rules = Vec::new();
        let mut cursor = 0;
        for part in rules_text.split(',') {
            let id = part.trim();
            let local = rules_text[cursor..].find(id).map_or(cursor, |p| cursor + p);
            cursor = local + id.len();
            if !id.is_empty() {
                let start = body_offset + local;
                rules.push((id.to_string(), Span::new(start, start + id.len())));
            }
        }
        if rules.is_empty() {
            problems.push(
                invalid(file, comment_span, "suppression names no rule")
                    .with_label("which rule?")
                    .with_help("write `# estatelint-ignore RULE[, RULE] -- reason`"),
            );
            continue;
        }
        let until = match until_text {
            None => None,
            Some(t) => match Date::parse(t) {
                Some(d) => Some(d),
                None => {
                    problems.push(
                        invalid(
                            file,
                            comment_span,
                            format!("suppression expiry `{t}` is not a date"),
                        )
                        .with_help("write `until YYYY-MM-DD`"),
                    );
                    continue;
                }
            },
        };
        let scope = if whole_file {
            Span::new(0, text.len())
        } else {
            let has_code_before = !line[..at].trim().is_empty();
            let target_line = if has_code_before {
                Some(i)
            } else {
                (i + 1..lines.len()).find(|&j| {
                    let l = lines[j].1.trim();
                    !l.is_empty() && !l.starts_with('#')
                })
            };
            match target_line.and_then(|j| {
                let (start, l) = lines[j];
                outermost_node_starting_in(
                    roots,
                    Span::new(start, start + l.len()),
                    !has_code_before,
                )
            }) {
                Some(span) => span,
                None => {
                    problems.push(
                        invalid(file, comment_span, "suppression covers no node").with_help(
                            "put the comment on the line above the node, or at the end of its line",
                        ),
                    );
                    continue;
                }
            }
        };
        out.push(Suppression {
            file,
            span: comment_span,
            rules,
            until,
            reason,
            scope,
            whole_file,
        });
    }
    (out, problems)
}

/// A finding about a suppression comment that cannot be used.
fn invalid(file: FileId, comment: Span, message: impl Into<String>) -> Finding {
    Finding::new(
        rules::INVALID,
        Severity::Warning,
        file,
        comment,
        message.into(),
    )
}

/// The spans of every scalar (keys and values) under `roots`, sorted by start.
fn scalar_spans(roots: &[NodeRef<'_>]) -> Vec<Span> {
    fn walk(node: NodeRef<'_>, out: &mut Vec<Span>) {
        match node.value {
            ValueRef::Map(entries) => {
                for e in entries {
                    walk(e.key, out);
                    walk(e.value, out);
                }
            }
            ValueRef::Seq(items) => items.iter().for_each(|n| walk(n, out)),
            _ => out.push(node.span),
        }
    }
    let mut out = Vec::new();
    for r in roots {
        walk(*r, &mut out);
    }
    out.sort();
    out
}

/// The byte offset of a YAML comment's `#` on this line, when the line has one that is a
/// suppression: at the start of the line or after white space (so `a#b` is not a comment).
fn comment_marker(line: &str) -> Option<usize> {
    let mut search = 0;
    while let Some(p) = line[search..].find('#') {
        let at = search + p;
        let preceded = at == 0 || line[..at].ends_with([' ', '\t']);
        if preceded
            && line[at..]
                .trim_start_matches('#')
                .trim_start()
                .starts_with(MARKER)
        {
            return Some(at);
        }
        search = at + 1;
    }
    None
}

/// The widest node (a mapping entry from its key, or a sequence item) that starts within
/// `line`.
fn outermost_node_starting_in(roots: &[NodeRef<'_>], line: Span, own_line: bool) -> Option<Span> {
    let mut best: Option<Span> = None;
    let mut consider = |span: Span| {
        if line.start <= span.start
            && span.start <= line.end
            && best.is_none_or(|b| span.len() > b.len())
        {
            best = Some(span);
        }
    };
    // Entries (key to end of value) and sequence items; not a mapping as a whole, which
    // would also cover the siblings after the commented line.
    fn walk(node: NodeRef<'_>, consider: &mut dyn FnMut(Span)) {
        match node.value {
            ValueRef::Map(entries) => {
                for e in entries {
                    consider(e.key.span.join(e.value.span));
                    walk(e.value, consider);
                }
            }
            ValueRef::Seq(items) => {
                for n in items {
                    consider(n.span);
                    walk(n, consider);
                }
            }
            _ => {}
        }
    }
    for root in roots {
        if root.span.start <= line.end && line.start <= root.span.end {
            // A comment on its own line above a document's first line covers the document.
            if own_line {
                consider(root.span);
            }
            walk(*root, &mut consider);
        }
    }
    best
}

fn covers(pattern: &str, rule: &str) -> bool {
    pattern == rule
        || pattern == "*"
        || pattern
            .strip_suffix("/*")
            .is_some_and(|pack| rule.split_once('/').is_some_and(|(p, _)| p == pack))
}

/// Applies suppressions to `findings`: removes what they cover and adds findings about the
/// suppressions themselves. `known` lists the rule ids that can be suppressed.
pub fn apply(
    suppressions: &[Suppression],
    findings: &mut Vec<Finding>,
    today: Date,
    known: &[String],
) -> Vec<Finding> {
    // Which rule patterns of which comments hid something: every comment covering a finding
    // counts as used, not only the first.
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| vec![false; s.rules.len()])
        .collect();
    let active: Vec<bool> = suppressions
        .iter()
        .map(|s| s.until.is_none_or(|u| u >= today))
        .collect();
    findings.retain(|f| {
        let mut hidden = false;
        for (i, s) in suppressions.iter().enumerate() {
            if !active[i]
                || s.file != f.primary.file
                || f.primary.span.start < s.scope.start
                || f.primary.span.start > s.scope.end
            {
                continue;
            }
            for (j, (pattern, _)) in s.rules.iter().enumerate() {
                if covers(pattern, &f.rule) {
                    used[i][j] = true;
                    hidden = true;
                }
            }
        }
        !hidden
    });
    let mut out = Vec::new();
    for (i, s) in suppressions.iter().enumerate() {
        if s.reason.is_none() {
            out.push(
                Finding::new(
                    rules::NO_REASON,
                    Severity::Warning,
                    s.file,
                    s.span,
                    "suppression without a reason".into(),
                )
                .with_label("why?")
                .with_help("add the reason after `--`: `# estatelint-ignore RULE -- reason`"),
            );
        }
        if !active[i] {
            let until = s.until.map(|d| d.to_string()).unwrap_or_default();
            out.push(
                Finding::new(
                    rules::EXPIRED,
                    Severity::Warning,
                    s.file,
                    s.span,
                    format!("suppression expired on {until}"),
                )
                .with_label("expired")
                .with_help("fix what it hid, or extend `until` with a new reason"),
            );
            continue;
        }
        for (j, (rule, span)) in s.rules.iter().enumerate() {
            if used[i][j] {
                continue;
            }
            let exists = rule == "*" || known.iter().any(|k| covers(rule, k));
            let (message, help) = if exists {
                (
                    format!("suppression of `{rule}` suppresses nothing"),
                    "remove it: the problem it hid is gone".to_string(),
                )
            } else {
                let hint = did_you_mean(rule, known.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "`estatelint rules` lists the rule ids".into());
                (format!("suppression names unknown rule `{rule}`"), hint)
            };
            out.push(
                Finding::new(rules::UNUSED, Severity::Warning, s.file, *span, message)
                    .with_label("unused")
                    .with_help(help),
            );
        }
    }
    out
}

/// Scans one file for suppressions, given the roots of its estate documents (only estate
/// documents are linted, so only files with some hold suppressions). Run while the file is
/// loaded: its text is let go afterwards.
pub fn scan_file(
    file: FileId,
    source: &SourceFile,
    roots: &[NodeRef<'_>],
) -> (Vec<Suppression>, Vec<Finding>) {
    if roots.is_empty() || !source.text.contains(MARKER) {
        return (Vec::new(), Vec::new());
    }
    scan(file, source, roots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::load;

    fn scan_text(text: &str) -> (Vec<Suppression>, Vec<Finding>) {
        let docs = load(text).documents;
        let tapes: Vec<crate::tape::Tape> = docs
            .iter()
            .map(|d| crate::tape::Tape::from_node(&d.root))
            .collect();
        let roots: Vec<NodeRef<'_>> = tapes.iter().map(|t| t.root()).collect();
        let source = SourceFile::new("x".into(), "x".into(), text.into());
        scan(FileId(0), &source, &roots)
    }

    #[test]
    fn comment_above_covers_the_next_node_and_its_subtree() {
        let text = "spec:\n  # estatelint-ignore continuity/runbook, security/* -- migrating\n  continuity:\n    rpo: 1h\n  tier: 1\n";
        let (s, p) = scan_text(text);
        assert!(p.is_empty());
        assert_eq!(s.len(), 1);
        assert_eq!(&text[s[0].scope.range()], "continuity:\n    rpo: 1h");
        let ids: Vec<_> = s[0]
            .rules
            .iter()
            .map(|(r, span)| (r.as_str(), &text[span.range()]))
            .collect();
        assert_eq!(
            ids,
            [
                ("continuity/runbook", "continuity/runbook"),
                ("security/*", "security/*")
            ]
        );
        assert_eq!(s[0].reason.as_deref(), Some("migrating"));
    }

    #[test]
    fn end_of_line_comment_covers_that_line_node() {
        let text = "spec:\n  tier: 0 # estatelint-ignore estatelint/schema until 2027-03-31 -- legacy\n  owner: x\n";
        let (s, _) = scan_text(text);
        assert_eq!(&text[s[0].scope.range()], "tier: 0");
        assert_eq!(s[0].until, Date::parse("2027-03-31"));
    }

    #[test]
    fn file_form_and_malformed_comments() {
        let (s, _) = scan_text("# estatelint-ignore-file security/sso -- vendor managed\na: 1\n");
        assert!(s[0].whole_file);
        let (_, p) = scan_text("a: 1 # estatelint-ignore\n");
        assert_eq!(p[0].rule, rules::INVALID);
        let (_, p) = scan_text("a: 1 # estatelint-ignore x/y until soon -- r\n");
        assert_eq!(p[0].message, "suppression expiry `soon` is not a date");
        let (s, _) = scan_text("a: \"#estatelint-ignore x\"\n");
        assert!(s.is_empty());
    }

    #[test]
    fn apply_suppresses_reports_unused_expired_and_reasonless() {
        let text = "a: 1 # estatelint-ignore p/r -- ok\nb: 2 # estatelint-ignore p/q\nc: 3 # estatelint-ignore p/r until 2020-01-01 -- old\n";
        let (s, _) = scan_text(text);
        let at = |needle: &str| {
            let i = text.find(needle).unwrap();
            Finding::error("p/r", FileId(0), Span::new(i, i + 1), "m".into())
        };
        let mut findings = vec![at("1"), at("3")];
        let today = Date::parse("2026-01-01").unwrap();
        let meta = apply(&s, &mut findings, today, &["p/r".into(), "p/q".into()]);
        assert_eq!(
            findings.len(),
            1,
            "the expired suppression no longer hides `c`"
        );
        let ids: Vec<&str> = meta.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(ids, [rules::NO_REASON, rules::UNUSED, rules::EXPIRED]);
    }
}
