//! `estatelint rules` and `estatelint explain`: the rule catalogue as a table or JSON, and one
//! rule's docs and examples rendered for a terminal.

use serde::Serialize;

use crate::pack::{Example, Packs, Rule};

#[derive(Serialize)]
struct RuleEntry<'a> {
    id: &'a str,
    pack: &'a str,
    severity: &'a str,
    tags: &'a [String],
    summary: &'a str,
    builtin: bool,
}

/// Every rule as a table: id, severity, tags, summary.
pub fn table(packs: &Packs) -> String {
    let rules: Vec<&Rule> = packs.rules().collect();
    let id_w = rules.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let tag_w = rules
        .iter()
        .map(|r| r.tags.join(",").len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:<id_w$}  {:<8}  {:<tag_w$}  summary\n",
        "id", "severity", "tags"
    );
    for r in &rules {
        out.push_str(&format!(
            "{:<id_w$}  {:<8}  {:<tag_w$}  {}\n",
            r.id,
            r.severity.as_str(),
            r.tags.join(","),
            r.summary
        ));
    }
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    out.push_str(&format!(
        "\n{} in {}\n",
        plural(rules.len(), "rule", "rules"),
        plural(packs.packs.len(), "pack", "packs")
    ));
    out
}

/// Every rule as JSON.
pub fn json(packs: &Packs) -> String {
    let entries: Vec<RuleEntry> = packs
        .packs
        .iter()
        .flat_map(|p| {
            p.rules.iter().map(move |r| RuleEntry {
                id: &r.id,
                pack: &p.name,
                severity: r.severity.as_str(),
                tags: &r.tags,
                summary: &r.summary,
                builtin: p.builtin,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&entries).unwrap_or_default();
    s.push('\n');
    s
}

/// The Markdown rules reference kept in the README (between `<!-- rules:start -->` and
/// `<!-- rules:end -->`; `tests/rules_reference.rs` fails when it is stale).
pub fn markdown_reference(packs: &Packs) -> String {
    let mut out = String::new();
    for pack in &packs.packs {
        out.push_str(&format!("\n**{}**: {}\n\n", pack.name, pack.description));
        out.push_str("| rule | severity | summary |\n|---|---|---|\n");
        for r in &pack.rules {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                r.id,
                r.severity,
                r.summary.replace('|', "\\|")
            ));
        }
    }
    if !packs.params.is_empty() {
        out.push_str("\n**Parameters** (set in the Organization's `spec.policy` or `estatelint.yaml`'s `parameters`):\n\n");
        out.push_str("| parameter | type | default | pack | meaning |\n|---|---|---|---|---|\n");
        for p in &packs.params {
            let default = p
                .default
                .as_ref()
                .and_then(|d| d.scalar_text().map(|t| t.into_owned()))
                .unwrap_or_default();
            let default = match &p.from {
                Some(from) => format!("`{default}`, or the Organization's `{}`", from.text),
                None => format!("`{default}`"),
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                p.name,
                p.ty.keyword(),
                default,
                p.pack,
                p.description
            ));
        }
    }
    out
}

/// One rule's docs and examples. With `color`, headings are bold.
pub fn explain(packs: &Packs, rule: &Rule, color: bool) -> String {
    let bold = |s: &str| {
        if color {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    out.push_str(&bold(&rule.id));
    out.push_str(&format!("  ({}", rule.severity));
    if !rule.tags.is_empty() {
        out.push_str(&format!("; {}", rule.tags.join(", ")));
    }
    out.push_str(")\n");
    out.push_str(&format!("{}\n\n", rule.summary));
    for line in rule.docs.trim_end().lines() {
        match line.strip_prefix("## ") {
            Some(h) => {
                if !out.ends_with("\n\n") {
                    out.push('\n');
                }
                out.push_str(&bold(h));
                out.push('\n');
                out.push_str(&"─".repeat(h.chars().count()));
                out.push('\n');
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (title, list) in [
        ("Valid example", &rule.valid),
        ("Invalid example", &rule.invalid),
    ] {
        for (i, ex) in list.iter().enumerate() {
            let heading = if list.len() > 1 {
                format!("{title} {}", i + 1)
            } else {
                title.to_string()
            };
            out.push('\n');
            out.push_str(&bold(&heading));
            out.push('\n');
            match ex {
                Example::Inline { text, .. } => {
                    for line in text.trim_end().lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
                Example::Path { path, .. } => {
                    let _ = packs;
                    out.push_str(&format!("    (the estate in `{}`)\n", path.display()));
                }
            }
        }
    }
    out
}
