//! Baselines for adopting estatelint on a legacy repo: `--write-baseline FILE` records today's
//! findings, `--baseline FILE` hides exactly those. Entries are keyed by rule, file, entity and
//! field path (not line numbers), so edits elsewhere do not break them.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Fatal, Finding};

/// One recorded finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    /// Path relative to the config's folder, `/`-separated.
    pub file: String,
    /// `Kind/name`, or absent for findings outside an entity (syntax errors ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Field path under the entity, e.g. `spec.continuity.rpo`.
    #[serde(default)]
    pub path: String,
    /// The message when recorded, for people reading the file; not part of the key.
    #[serde(default)]
    pub message: String,
}

impl Entry {
    fn key(&self) -> (&str, &str, Option<&str>, &str) {
        (&self.rule, &self.file, self.entity.as_deref(), &self.path)
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

pub fn write(path: &Path, mut entries: Vec<Entry>) -> Result<usize, Fatal> {
    entries.sort();
    let count = entries.len();
    let file = File {
        version: 1,
        findings: entries,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    std::fs::write(path, text).map_err(|e| {
        Fatal::message(format!(
            "cannot write baseline `{}`: {}",
            crate::discover::display_name(path),
            crate::discover::io_message(&e)
        ))
    })?;
    Ok(count)
}

pub fn read(path: &Path) -> Result<Vec<Entry>, Fatal> {
    let name = crate::discover::display_name(path);
    const MAX_BYTES: u64 = 256 << 20;
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(Fatal::message(format!(
                "baseline `{name}` is not a regular file"
            )))
        }
        Ok(m) if m.len() > MAX_BYTES => {
            return Err(Fatal::message(format!(
                "baseline `{name}` is larger than 256 MiB"
            )))
        }
        _ => {}
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        Fatal::message(format!(
            "cannot read baseline `{name}`: {}",
            crate::discover::io_message(&e)
        ))
    })?;
    let file: File = serde_json::from_str(&text)
        .map_err(|e| Fatal::message(format!("baseline `{name}` is not a baseline file: {e}")))?;
    if file.version != 1 {
        return Err(Fatal::message(format!(
            "baseline `{name}` has version {}; this estatelint writes version 1",
            file.version
        )));
    }
    Ok(file.findings)
}

/// Removes the findings the baseline records (each entry hides one finding). Returns how many
/// were hidden and the entries that matched nothing.
pub fn apply(
    entries: &[Entry],
    findings: &mut Vec<Finding>,
    keys: &[Entry],
) -> (usize, Vec<Entry>) {
    let mut left: HashMap<(&str, &str, Option<&str>, &str), usize> = HashMap::new();
    for e in entries {
        *left.entry(e.key()).or_default() += 1;
    }
    let mut hidden = 0;
    let mut index = 0;
    findings.retain(|_| {
        let key = keys[index].key();
        index += 1;
        match left.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                hidden += 1;
                false
            }
            _ => true,
        }
    });
    let mut stale = Vec::new();
    for e in entries {
        if let Some(n) = left.get_mut(&e.key()) {
            if *n > 0 {
                *n -= 1;
                stale.push(e.clone());
            }
        }
    }
    (hidden, stale)
}
