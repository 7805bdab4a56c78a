//! Rule levels from `estatelint.yaml`: severities or `off` by rule id, by pack (`pack/*`) or
//! for all (`*`), and per-path overrides; unknown rule ids are errors with a did-you-mean.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::{self, Level};
use crate::diag::{did_you_mean, Fatal, Severity};
use crate::pack::{Packs, Rule};

/// How specific a pattern is: an exact id beats `pack/*`, which beats `*`.
fn specificity(pattern: &str) -> u8 {
    if pattern == "*" {
        0
    } else if pattern.ends_with("/*") {
        1
    } else {
        2
    }
}

fn matches(pattern: &str, rule: &Rule) -> bool {
    pattern == "*" || pattern == rule.id || pattern.strip_suffix("/*") == Some(rule.pack.as_str())
}

/// The most specific level among `levels` for `rule`.
fn level_in(levels: &BTreeMap<String, Level>, rule: &Rule) -> Option<Level> {
    levels
        .iter()
        .filter(|(p, _)| matches(p, rule))
        .max_by_key(|(p, _)| specificity(p))
        .map(|(_, l)| *l)
}

#[derive(Debug, Default)]
pub struct Levels {
    global: BTreeMap<String, Level>,
    overrides: Vec<(GlobSet, BTreeMap<String, Level>)>,
}

impl Levels {
    /// Checks every pattern against the loaded rules and compiles the override globs.
    pub fn new(loaded: &config::Loaded, packs: &Packs) -> Result<Levels, Fatal> {
        let cfg = &loaded.config;
        let check = |levels: &BTreeMap<String, Level>, at: &[&str]| -> Result<(), Fatal> {
            for pattern in levels.keys() {
                let known = pattern == "*"
                    || packs.rules().any(|r| matches(pattern, r))
                    || pattern
                        .strip_suffix("/*")
                        .is_some_and(|p| packs.packs.iter().any(|k| k.name == p));
                if known {
                    continue;
                }
                let candidates: Vec<String> = packs
                    .rules()
                    .map(|r| r.id.to_string())
                    .chain(packs.packs.iter().map(|p| format!("{}/*", p.name)))
                    .collect();
                let help = did_you_mean(pattern, candidates.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "`estatelint rules` lists the rule ids".into());
                let mut path: Vec<&str> = at.to_vec();
                path.push(pattern);
                return Err(loaded.fatal(
                    loaded.key_span_of(&path),
                    format!("unknown rule `{pattern}` in config"),
                    Some(help),
                ));
            }
            Ok(())
        };
        check(&cfg.rules, &["rules"])?;
        let mut overrides = Vec::new();
        for (i, o) in cfg.overrides.iter().enumerate() {
            let index = i.to_string();
            check(&o.rules, &["overrides", &index, "rules"])?;
            let mut b = GlobSetBuilder::new();
            for (j, g) in o.files.iter().enumerate() {
                match Glob::new(g) {
                    Ok(glob) => {
                        b.add(glob);
                    }
                    Err(e) => {
                        let j = j.to_string();
                        return Err(loaded.fatal(
                            loaded.span_of(&["overrides", &index, "files", &j]),
                            format!("invalid glob `{g}`: {}", e.kind()),
                            None,
                        ));
                    }
                }
            }
            let set = b
                .build()
                .map_err(|e| Fatal::message(format!("invalid override globs: {e}")))?;
            overrides.push((set, o.rules.clone()));
        }
        Ok(Levels {
            global: cfg.rules.clone(),
            overrides,
        })
    }

    /// Whether the rule runs at all (somewhere it is not `off`).
    pub fn enabled_anywhere(&self, rule: &Rule) -> bool {
        level_in(&self.global, rule) != Some(Level::Off)
            || self
                .overrides
                .iter()
                .any(|(_, l)| level_in(l, rule).is_some_and(|l| l != Level::Off))
    }

    /// Whether some level depends on the file (the config has `overrides`): without, the
    /// files' paths need not be worked out for [`Levels::severity`].
    pub fn varies_by_file(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// The rule's severity for a file (its path relative to the config's folder), or `None`
    /// when it is off there.
    pub fn severity(&self, rule: &Rule, relative_path: &str) -> Option<Severity> {
        let mut level = level_in(&self.global, rule);
        for (globs, levels) in &self.overrides {
            if globs.is_match(relative_path) {
                if let Some(l) = level_in(levels, rule) {
                    level = Some(l);
                }
            }
        }
        match level {
            None => Some(rule.severity),
            Some(l) => l.severity(),
        }
    }
}
