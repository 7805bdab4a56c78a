//! The `check` pipeline: config → discovery → parallel load and schema validation → estate
//! index → sorted findings.

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use rayon::prelude::*;

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::baseline;
use crate::bits;
use crate::checks::{DocScan, ScanBatch};
use crate::config;
use crate::diag::{did_you_mean, rules, Fatal, Finding, RuleId, Severity};
use crate::discover::{self, display_name, display_name_in, io_message, slash_path, Filter};
use crate::engine::{self, resolve_params, Helps, ParamOverride};
use crate::estate::{classify, Classified, Entity, Estate};
use crate::levels::Levels;
use crate::pack::{Packs, Rule};
use crate::schema;
use crate::source::{FileId, SourceFile, SourceMap, Span, MAX_FILE_BYTES};
use crate::suppress;
use crate::tape::{ScalarTexts, Tape};
use crate::value::Date;
use crate::yaml::{self, ErrorKind};
use crate::yaml::{Node, Value};

/// What `check` was asked to do.
#[derive(Debug, Default, Clone)]
pub struct CheckOptions {
    /// Files and folders to check; `.` when empty.
    pub paths: Vec<PathBuf>,
    /// A config file named with `--config`, instead of searching upward.
    pub config: Option<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Custom rule packs (`--rules`).
    pub rules: Vec<PathBuf>,
    /// `--today`, winning over the config's `today` and the clock.
    pub today: Option<Date>,
    /// `--growth`: the headcount growth of a what-if scenario (the `growth` parameter).
    pub growth: Option<String>,
    /// `--no-suppressions`: ignore `# estatelint-ignore` comments.
    pub no_suppressions: bool,
    /// `--baseline`: hide the findings this file records.
    pub baseline: Option<PathBuf>,
    /// `--write-baseline`: record the findings in this file.
    pub write_baseline: Option<PathBuf>,
    /// Let the estate go before the findings' files are read again for the report (the
    /// command line's choice: a large estate's trees and texts then never share memory).
    /// With `identities`, each finding's entity and field path are kept first.
    pub release_estate: bool,
    pub identities: bool,
    /// Keep of the files the findings show only what reports other than the human one read
    /// (the line and column of each place a finding names, the text it underlines), rather
    /// than their whole text: a large report's files are then never all in memory at once.
    pub places_only: bool,
    /// With `places_only`: the reports quote the text a finding underlines (the fingerprints
    /// of JSON, SARIF and GitLab reports). Without it, a file whose line lengths were kept
    /// when it was loaded (ASCII text) is not read again at all.
    pub quotes: bool,
    /// Whether rule findings get their `help` (not when no report asked for shows it).
    pub helps: Helps,
    /// `--timings`: whole-document searches timed on their own, document by document (two
    /// clock reads a search and document, some 800,000 at 100,000 systems), so that their
    /// rules' rows show them. Without it their time is counted as parsing.
    pub timings: bool,
}

/// The result of a run: every file read, every finding (sorted), and counts.
#[derive(Debug)]
pub struct Outcome {
    /// Every file read. Texts are let go after loading and read again only for the files the
    /// findings show (primary or related): the others' `text` is empty.
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub estate: Estate,
    /// Files read.
    pub files: usize,
    /// `estatelint/v1` documents checked.
    pub documents: usize,
    /// Some file or folder could not be read: the run is incomplete (exit code 2).
    pub incomplete: bool,
    /// The config's `failOn`, if it sets one.
    pub fail_on: Option<Severity>,
    /// The packs the run used (for rule descriptions in reports).
    pub packs: Option<Packs>,
    /// Findings hidden by inline suppressions.
    pub suppressed: usize,
    /// Findings hidden by the baseline.
    pub baselined: usize,
    /// Baseline entries that matched no finding (they can be removed).
    pub stale_baseline: Vec<baseline::Entry>,
    /// Time per phase, for `--timings`.
    pub timings: Timings,
    /// Findings' identities (entity, field path) by primary location, kept when the estate
    /// was let go (`CheckOptions::release_estate`).
    pub identities: Option<crate::report::Identities>,
    /// The `# estatelint-ignore` comments of every file (read while each file was loaded)...
    pub suppressions: Vec<suppress::Suppression>,
    /// ...and the findings about malformed ones.
    pub suppression_problems: Vec<Finding>,
}

/// Time spent per phase (wall clock), per rule and, for the parallel load, per step (summed
/// over threads); and the peak memory of the process at the end of each phase, where the
/// system tells it.
#[derive(Debug, Default, Clone)]
pub struct Timings {
    pub phases: Vec<Phase>,
    /// Rule id → time evaluating it (each rule runs on one thread).
    pub rules: Vec<(String, std::time::Duration)>,
}

#[derive(Debug, Clone)]
pub struct Phase {
    pub name: String,
    pub time: std::time::Duration,
    /// Peak resident memory so far, in KiB (Linux's `VmHWM`); none for sub-steps.
    pub peak_kib: Option<u64>,
}

impl Phase {
    /// A phase that ends now.
    pub fn ended(name: &str, time: std::time::Duration) -> Phase {
        Phase {
            name: name.to_string(),
            time,
            peak_kib: peak_kib(),
        }
    }

    /// A step inside a phase (summed over threads), or a phase recorded after the fact: no
    /// memory figure of its own.
    pub fn step(name: &str, time: std::time::Duration) -> Phase {
        Phase {
            name: name.to_string(),
            time,
            peak_kib: None,
        }
    }
}

/// The process's peak resident memory so far, in KiB, where `/proc` tells it.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Timings {
    pub fn phase(&mut self, name: &str, since: std::time::Instant) {
        self.phases.push(Phase::ended(name, since.elapsed()));
    }

    /// A table for `--timings`: phases in order (with peak memory), then the slowest rules.
    pub fn table(&self) -> String {
        let ms = |d: &std::time::Duration| d.as_secs_f64() * 1000.0;
        let mut out = String::from("phase                                   ms   peak MB\n");
        for p in &self.phases {
            let peak = p
                .peak_kib
                .map_or(String::new(), |k| format!("{:>9.1}", k as f64 / 1024.0));
            out.push_str(format!("{:<34} {:>9.1} {peak}", p.name, ms(&p.time)).trim_end());
            out.push('\n');
        }
        let mut rules = self.rules.clone();
        rules.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.push_str("\nrule                                    ms\n");
        for (name, d) in &rules {
            out.push_str(&format!("{name:<34} {:>9.1}\n", ms(d)));
        }
        out
    }
}

pub fn run(opts: &CheckOptions) -> Result<Outcome, Fatal> {
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let run_started = std::time::Instant::now();
    let loaded = match &opts.config {
        Some(path) if !path.is_file() => {
            return Err(Fatal::message(format!(
                "config `{}` not found",
                slash_path(path)
            )))
        }
        Some(path) => config::load(path)?,
        None => match config::find(&paths[0]) {
            Some(path) => config::load(&path)?,
            None => config::Loaded::none(),
        },
    };
    rayon::spawn(crate::schema::prepare);
    // Discovery walks the folders on a thread of its own while this one loads the rule packs:
    // both are serial, and each would otherwise leave the other core idle (at 10,000 systems,
    // 12 ms of packs beside 18 ms of walking). A problem with the setup is reported first, as
    // when they ran one after the other.
    let (setup, walked) = std::thread::scope(|scope| {
        let walker = scope.spawn(|| {
            let started = std::time::Instant::now();
            (discover_estate(&loaded, opts, &paths), started.elapsed())
        });
        let setup = setup(&loaded, opts);
        let setup_time = run_started.elapsed();
        let walked = walker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (setup.map(|s| (s, setup_time)), walked)
    });
    let ((packs, levels, today, overrides), setup_time) = setup?;
    let (discovered, discover_time) = walked;
    let (found, report_only) = discovered?;
    let inputs: Vec<Input> = found.files.into_iter().map(Input::Disk).collect();
    let rules: Vec<&Rule> = packs
        .rules()
        .filter(|r| levels.enabled_anywhere(r))
        .collect();
    let mut outcome = lint(
        inputs,
        &packs,
        &rules,
        &overrides,
        today,
        opts.helps,
        opts.timings,
    );
    outcome
        .timings
        .phases
        .insert(0, Phase::step("discover", discover_time));
    outcome
        .timings
        .phases
        .insert(0, Phase::step("config + rule packs", setup_time));
    let finish_started = std::time::Instant::now();
    for (path, message) in found.errors {
        let id = outcome.sources.add(SourceFile::new(
            path.clone(),
            display_name(&path),
            Arc::from(""),
        ));
        outcome.findings.push(Finding::error(
            rules::IO,
            id,
            Span::default(),
            format!("cannot read: {message}"),
        ));
        outcome.incomplete = true;
    }
    // Levels from the config: per rule, per file.
    let base = std::path::absolute(&loaded.dir).unwrap_or_else(|_| loaded.dir.clone());
    let by_file = levels.varies_by_file();
    // Each rule with its level when that is the same for every file, looked up once per
    // finding (at 100,000 systems, 91,000 findings: 3 ms with SipHash and a level each).
    let by_id: foldhash::HashMap<&str, (&Rule, Option<Severity>)> = rules
        .iter()
        .map(|r| {
            let level = if by_file {
                None
            } else {
                levels.severity(r, "")
            };
            (r.id.as_str(), (*r, level))
        })
        .collect();
    // Each file's path relative to the config, worked out once (findings come many per file)
    // and only when levels differ by file: `std::path::absolute` asks the system for the
    // working folder each time (at 100,000 systems, 40,000 files: most of this phase).
    let mut relative: HashMap<FileId, String> = HashMap::new();
    outcome.findings.retain_mut(|f| {
        // A rule's evaluation error follows that rule's level.
        let id = f.origin.as_deref().unwrap_or(f.rule.as_str());
        let Some(&(rule, level)) = by_id.get(id) else {
            return true;
        };
        let level = if by_file {
            let rel = relative.entry(f.primary.file).or_insert_with(|| {
                let path = outcome.sources.get(f.primary.file).path();
                let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                abs.strip_prefix(&base)
                    .map_or_else(|_| slash_path(path), slash_path)
            });
            levels.severity(rule, rel)
        } else {
            level
        };
        match level {
            // A rule that could not be evaluated stays an error wherever the rule is on.
            Some(_) if f.origin.is_some() => true,
            Some(sev) => {
                f.severity = sev;
                true
            }
            None => false,
        }
    });
    // Suppressions, then the baseline.
    let known: Vec<String> = packs
        .rules()
        .map(|r| r.id.to_string())
        .chain(rules::ALL.iter().map(|r| r.to_string()))
        .collect();
    if !opts.no_suppressions {
        let found = std::mem::take(&mut outcome.suppressions);
        let problems = std::mem::take(&mut outcome.suppression_problems);
        let before = outcome.findings.len();
        let meta = suppress::apply(&found, &mut outcome.findings, today, &known);
        outcome.suppressed = before - outcome.findings.len();
        outcome.findings.extend(problems);
        outcome.findings.extend(meta);
    }
    if let Some(named) = &report_only {
        outcome.findings.retain(|f| {
            let path = outcome.sources.get(f.primary.file).path();
            std::path::absolute(path).is_ok_and(|a| named.contains(&a))
        });
    }
    let keys: Vec<baseline::Entry> = if opts.baseline.is_some() || opts.write_baseline.is_some() {
        let identities = crate::report::locate_identities(&outcome.estate, &outcome.findings);
        outcome
            .findings
            .iter()
            .zip(identities)
            .map(|(f, identity)| baseline_entry(&outcome, f, identity, &base))
            .collect()
    } else {
        Vec::new()
    };
    if let Some(path) = &opts.write_baseline {
        let count = baseline::write(path, keys.clone())?;
        eprintln!(
            "wrote {count} {} to baseline `{}`",
            if count == 1 { "finding" } else { "findings" },
            display_name(path)
        );
    }
    if let Some(path) = &opts.baseline {
        let entries = baseline::read(path)?;
        let (hidden, stale) = baseline::apply(&entries, &mut outcome.findings, &keys);
        outcome.baselined = hidden;
        outcome.stale_baseline = stale;
    }
    sort_findings(&outcome.sources, &mut outcome.findings);
    outcome
        .timings
        .phase("levels + suppressions + baseline", finish_started);
    outcome.fail_on = loaded.config.fail_on.map(|t| t.severity());
    drop(by_id);
    drop(rules);
    outcome.packs = Some(packs);
    if opts.release_estate {
        if opts.identities {
            let identities = crate::report::locate_identities(&outcome.estate, &outcome.findings);
            let ids = outcome
                .findings
                .iter()
                .map(|f| (f.primary.file, f.primary.span))
                .zip(identities)
                .collect();
            outcome.identities = Some(ids);
        }
        // Its documents freed by the pool's threads: at 100,000 systems some 400,000 tapes
        // took 20-35 ms on this thread alone, 5-16 ms so.
        let mut estate = std::mem::take(&mut outcome.estate);
        std::mem::take(&mut estate.entities)
            .into_par_iter()
            .for_each(drop);
        drop(estate);
    }
    // Texts were let go after loading: the files the findings show are read again.
    let shown = outcome.findings.iter().flat_map(|f| {
        std::iter::once(&f.primary)
            .chain(&f.related)
            .map(|l| (l.file, l.span))
    });
    let started = std::time::Instant::now();
    if opts.places_only {
        // Most runs need nothing read again: every file is ASCII (its line lengths tell
        // lines and columns) and no report quotes text. Told from the files (40,000 at
        // 100,000 systems) rather than by walking every finding's places (7 ms there).
        let sources = &outcome.sources;
        if opts.quotes || sources.iter().any(|f| !f.has_lines()) {
            let needed: Vec<(FileId, Span)> = shown
                .filter(|(file, _)| opts.quotes || !sources.get(*file).has_lines())
                .collect();
            outcome.sources.reload_places(needed);
        }
    } else {
        outcome
            .sources
            .reload(shown.map(|(file, _)| file).collect::<Vec<_>>());
    }
    outcome.timings.phase("read shown files again", started);
    Ok(outcome)
}

/// What a run needs besides the estate: the rule packs, the rule levels, today's date and the
/// parameters given outside the estate.
fn setup(
    loaded: &config::Loaded,
    opts: &CheckOptions,
) -> Result<(Packs, Levels, Date, Vec<ParamOverride>), Fatal> {
    let packs = load_packs(loaded, &opts.rules)?;
    let levels = Levels::new(loaded, &packs)?;
    let today = match (opts.today, &loaded.config.today) {
        (Some(d), _) => d,
        (None, Some(t)) => Date::parse(t).ok_or_else(|| {
            loaded.fatal(
                loaded.span_of(&["today"]),
                format!("`today` must be a date `YYYY-MM-DD`, found `{t}`"),
                None,
            )
        })?,
        (None, None) => Date::today(),
    };
    let mut overrides = config_parameters(loaded, &packs)?;
    if let Some(g) = &opts.growth {
        if !crate::value::is_percentage(g) {
            return Err(Fatal::message(format!(
                "--growth must be a percentage such as `40%`, found `{g}`"
            )));
        }
        overrides.push(ParamOverride {
            name: "growth".into(),
            value: Node {
                span: Span::default(),
                value: Value::Str(g.as_str().into()),
            },
            at: None,
        });
    }
    Ok((packs, levels, today, overrides))
}

/// The error for a path given to check (or to the benchmark's floor) that does not exist.
pub(crate) fn no_such_path(missing: &Path) -> Fatal {
    Fatal::message(format!("no such file or folder: `{}`", slash_path(missing)))
}

/// The estate's files, and the named files findings are limited to when the run names files
/// only (a pre-commit hook).
fn discover_estate(
    loaded: &config::Loaded,
    opts: &CheckOptions,
    paths: &[PathBuf],
) -> Result<(discover::Discovered, Option<Vec<PathBuf>>), Fatal> {
    let filter = build_filter(loaded, opts)?;
    // Named files only (a pre-commit hook): load the whole estate under the config's folder
    // (or the files' common folder), so cross-file rules stay right, and report only
    // findings located in the named files.
    let only_files = !paths.is_empty() && paths.iter().all(|p| p.is_file());
    let report_only: Option<Vec<PathBuf>> = only_files.then(|| {
        paths
            .iter()
            .filter_map(|p| std::path::absolute(p).ok())
            .collect()
    });
    let walk_roots = match &report_only {
        Some(files) => vec![estate_root(loaded, files)],
        None => paths.to_vec(),
    };
    let mut found = discover::discover(&walk_roots, &filter).map_err(|m| no_such_path(&m))?;
    // The config file is not part of the estate, even when it sits among the estate's files.
    if let Some(cfg) = loaded
        .file
        .as_ref()
        .and_then(|f| std::path::absolute(f.path()).ok())
    {
        found
            .files
            .retain(|f| std::path::absolute(f).map_or(true, |a| a != cfg));
    }
    if let Some(named) = &report_only {
        // A named file is read even if the walk skips it (hidden, excluded, not *.yaml).
        for (file, abs) in paths.iter().zip(named) {
            let walked = found
                .files
                .iter()
                .any(|f| std::path::absolute(f).is_ok_and(|a| &a == abs));
            if !walked && !filter.excludes(file) {
                found.files.push(file.clone());
            }
        }
    }
    Ok((found, report_only))
}

/// Where a run on named files loads the estate from: the config's folder, else the deepest
/// folder holding every named file.
fn estate_root(loaded: &config::Loaded, files: &[PathBuf]) -> PathBuf {
    if loaded.file.is_some() {
        return loaded.dir.clone();
    }
    let mut root = files
        .first()
        .and_then(|f| f.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    while !files.iter().all(|f| f.starts_with(&root)) {
        if !root.pop() {
            break;
        }
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    root.strip_prefix(&cwd)
        .map(|r| {
            if r.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                r.to_path_buf()
            }
        })
        .unwrap_or(root)
}

/// A finding's baseline key: rule, file (relative to `base`), entity and field path (its
/// `identity`).
fn baseline_entry(
    outcome: &Outcome,
    f: &Finding,
    (entity, path): (Option<String>, String),
    base: &Path,
) -> baseline::Entry {
    let source = outcome.sources.get(f.primary.file);
    let abs = std::path::absolute(source.path()).unwrap_or_else(|_| source.path().to_path_buf());
    let file = abs
        .strip_prefix(base)
        .map_or_else(|_| slash_path(source.path()), slash_path);
    baseline::Entry {
        rule: f.rule.to_string(),
        file,
        entity,
        path,
        message: f.message.clone(),
    }
}

/// Built-in packs, the config's `packs` (relative to its folder) and `--rules` paths.
pub fn load_packs(loaded: &config::Loaded, extra: &[PathBuf]) -> Result<Packs, Fatal> {
    let mut packs = Packs::builtin()?;
    let mut paths: Vec<PathBuf> = loaded
        .config
        .packs
        .iter()
        .map(|p| loaded.dir.join(p))
        .collect();
    paths.extend(extra.iter().cloned());
    packs.load_paths(&paths)?;
    Ok(packs)
}

/// The config's `parameters`, checked against the parameters the packs declare.
fn config_parameters(loaded: &config::Loaded, packs: &Packs) -> Result<Vec<ParamOverride>, Fatal> {
    let mut out = Vec::new();
    let Some(params) = loaded.node(&["parameters"]).and_then(Node::as_map) else {
        return Ok(out);
    };
    for entry in params {
        let Some(name) = entry.key.as_str() else {
            continue;
        };
        let Some(decl) = packs.param(name) else {
            let help = did_you_mean(name, packs.params.iter().map(|p| p.name.as_str()))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "no loaded rule pack declares this parameter".into());
            return Err(loaded.fatal(
                Some(entry.key.span),
                format!("unknown parameter `{name}` in config"),
                Some(help),
            ));
        };
        if !decl.ty.accepts(&entry.value) {
            return Err(loaded.fatal(
                Some(entry.value.span),
                format!("parameter `{name}` must be {}", decl.ty.name()),
                Some(decl.description.clone()),
            ));
        }
        out.push(ParamOverride {
            name: name.to_string(),
            value: entry.value.clone(),
            at: None,
        });
    }
    Ok(out)
}

/// A file to check: on disk, or text already in memory (rule examples).
pub enum Input {
    Disk(PathBuf),
    Text {
        path: PathBuf,
        name: String,
        text: Arc<str>,
    },
}

/// Loads, validates and indexes `inputs`, then runs `rules`: the whole pipeline after
/// discovery. Findings are sorted. Whole-document searches are timed on their own only when
/// `scans_timed` ([`CheckOptions::timings`]).
pub fn lint(
    inputs: Vec<Input>,
    packs: &Packs,
    rules: &[&Rule],
    overrides: &[ParamOverride],
    today: Date,
    helps: Helps,
    scans_timed: bool,
) -> Outcome {
    let mut timings = Timings::default();
    let started = std::time::Instant::now();
    let scans = DocScan::of_checks(rules.iter().map(|r| &r.check));
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.as_deref();
    let mut results: Vec<FileResult> = inputs
        .into_par_iter()
        .enumerate()
        .map(|(i, input)| {
            let id = FileId(i as u32);
            // A defect of the tool on one file is reported there; the other files go on.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &input {
                Input::Disk(path) => {
                    let name = display_name_in(cwd, path);
                    check_file(id, path, name, &scans, scans_timed)
                }
                Input::Text { path, name, text } => check_text(
                    id,
                    SourceFile::new(path.clone(), name.clone(), text.clone()),
                    text,
                    &scans,
                    scans_timed,
                ),
            }))
            .unwrap_or_else(|panic| {
                let (path, name) = match input {
                    Input::Disk(path) => {
                        let name = display_name_in(cwd, &path);
                        (path, name)
                    }
                    Input::Text { path, name, .. } => (path, name),
                };
                internal_error(id, path, name, panic)
            })
        })
        .collect();
    let mut sources = SourceMap::default();
    sources.reserve_exact(results.len());
    let mut findings = Vec::new();
    let total = results.iter().map(|r| r.entities.len()).sum();
    let mut documents = 0;
    let mut incomplete = false;
    let mut suppressions = Vec::new();
    let mut suppression_problems = Vec::new();
    let mut parse_time = std::time::Duration::ZERO;
    let mut schema_time = std::time::Duration::ZERO;
    let mut scanned = vec![vec![0u64; bits::words(total)]; scans.len()];
    let mut first = 0;
    for r in &results {
        for k in 0..r.entities.len() {
            for (s, answers) in scanned.iter_mut().enumerate() {
                if bits::get(&r.scanned, k * scans.len() + s) {
                    bits::set(answers, first + k);
                }
            }
        }
        first += r.entities.len();
    }
    // One vector sized once (doubling one of 400,000 entities would hold two copies at its
    // peak), filled by the pool's threads.
    let entities = crate::memory::concat(results.iter_mut().map(|r| &mut r.entities).collect(), 0);
    for r in results {
        parse_time += r.parse_time;
        schema_time += r.schema_time;
        sources.add(r.source);
        findings.extend(r.findings);
        documents += r.documents;
        incomplete |= r.unreadable;
        suppressions.extend(r.suppressions);
        suppression_problems.extend(r.suppression_problems);
    }
    let files = sources.len();
    // The workers' per-file vectors were freed here, by this thread: the workers give their
    // pages back now rather than whenever they next allocate.
    crate::memory::release();
    timings.phase("read + parse + schema (parallel)", started);
    timings
        .phases
        .push(Phase::step("  parse (summed over threads)", parse_time));
    timings
        .phases
        .push(Phase::step("  schema (summed over threads)", schema_time));
    if !scans.is_empty() {
        timings.phases.push(Phase::step(
            "  doc scans (summed over threads)",
            scans.iter().map(DocScan::time).sum(),
        ));
    }
    let started = std::time::Instant::now();
    let (mut estate, index_findings) = Estate::build(entities);
    for (scan, bits) in scans.iter().zip(scanned) {
        estate.add_scanned(scan.pattern(), bits);
    }
    findings.extend(index_findings);
    let (params, param_findings) = resolve_params(packs, &estate, overrides);
    findings.extend(param_findings);
    // What indexing let go (the links' parts, the names' tables grown) goes back before
    // the rules take their own: at 100,000 systems the rules' peak 2 MB lower.
    crate::memory::release();
    timings.phase("index + parameters", started);
    let started = std::time::Instant::now();
    let mut rule_times = engine::evaluate(
        rules,
        &estate,
        &params,
        today,
        helps,
        &finding_order(sources.ranks()),
        &mut findings,
    );
    // A whole-document pattern was searched while the files were read: that time is its rule's.
    for ((_, time), rule) in rule_times.iter_mut().zip(rules) {
        let pattern = rule
            .check
            .scanned_pattern()
            .map(|(regex, _)| regex.as_str());
        if let Some(scan) = scans.iter().find(|s| Some(s.pattern()) == pattern) {
            *time += scan.time();
        }
    }
    timings.rules = rule_times;
    timings.phase("rules (parallel)", started);
    let started = std::time::Instant::now();
    sort_findings(&sources, &mut findings);
    timings.phase("sort", started);
    Outcome {
        sources,
        findings,
        estate,
        files,
        documents,
        incomplete,
        fail_on: None,
        packs: None,
        suppressed: 0,
        baselined: 0,
        stale_baseline: Vec::new(),
        timings,
        suppressions,
        suppression_problems,
        identities: None,
    }
}

fn build_filter(loaded: &config::Loaded, opts: &CheckOptions) -> Result<Filter, Fatal> {
    for (key, globs) in [
        ("include", &loaded.config.include),
        ("exclude", &loaded.config.exclude),
    ] {
        for (i, g) in globs.iter().enumerate() {
            if let Err(e) = Filter::new(&loaded.dir, std::slice::from_ref(g), &[]) {
                let index = i.to_string();
                return Err(loaded.fatal(
                    loaded.span_of(&[key, &index]),
                    format!("invalid {key} glob `{}`: {}", e.glob, e.error),
                    None,
                ));
            }
        }
    }
    let include: Vec<String> = loaded
        .config
        .include
        .iter()
        .chain(&opts.include)
        .cloned()
        .collect();
    let exclude: Vec<String> = loaded
        .config
        .exclude
        .iter()
        .chain(&opts.exclude)
        .cloned()
        .collect();
    Filter::new(&loaded.dir, &include, &exclude)
        .map_err(|e| Fatal::message(format!("invalid glob `{}`: {}", e.glob, e.error)))
}

/// The order findings are reported in: by file (`ranks`: [`SourceMap::ranks`]), then
/// position, then rule and message. Everything a finding holds takes part, so only
/// identical findings compare equal: any sort gives the same bytes out, whatever the thread
/// count.
pub(crate) fn finding_order(ranks: &[u32]) -> impl Fn(&Finding, &Finding) -> Ordering + Sync + '_ {
    fn rest(f: &Finding) -> (Severity, FileId, &str, Option<&str>, Option<&str>) {
        (
            f.severity,
            f.primary.file,
            f.primary.message.as_str(),
            f.help.as_deref(),
            f.origin.as_ref().map(RuleId::as_str),
        )
    }
    move |a, b| {
        let rank_of = |f: &Finding| ranks.get(f.primary.file.0 as usize).copied();
        rank_of(a)
            .cmp(&rank_of(b))
            .then(a.primary.span.cmp(&b.primary.span))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.message.cmp(&b.message))
            .then_with(|| rest(a).cmp(&rest(b)))
            .then_with(|| a.related.cmp(&b.related))
    }
}

/// Sorts findings in [`finding_order`].
pub fn sort_findings(sources: &SourceMap, findings: &mut [Finding]) {
    let ranks = sources.ranks();
    let order = finding_order(ranks);
    // Sorted as small keys (file rank, span, the finding's place), in parallel, the rest of
    // the order read from the findings only where the keys tie; then each finding moved
    // once to its place. Sorting the findings themselves swapped them (160 bytes each) on
    // every step. Findings mostly arrive in order (the rules' chunks put theirs in order):
    // then the keys are found sorted and nothing moves.
    let key = |f: &Finding| {
        let rank = ranks
            .get(f.primary.file.0 as usize)
            .map_or(0, |&r| u64::from(r) + 1);
        (rank, f.primary.span.start, f.primary.span.end)
    };
    let mut keys: Vec<((u64, u32, u32), u32)> = findings
        .par_iter()
        .enumerate()
        .map(|(i, f)| (key(f), i as u32))
        .collect();
    keys.par_sort_unstable_by(|(ka, a), (kb, b)| {
        ka.cmp(kb)
            .then_with(|| order(&findings[*a as usize], &findings[*b as usize]))
    });
    let mut from: Vec<u32> = keys.into_iter().map(|(_, i)| i).collect();
    permute(findings, &mut from);
}

/// Puts `items[from[k]]` at `k` for every `k`, in place, following the permutation's cycles
/// (`from` is left as the identity).
fn permute<T>(items: &mut [T], from: &mut [u32]) {
    for start in 0..from.len() {
        let mut k = start;
        while from[k] as usize != k {
            let next = from[k] as usize;
            from[k] = k as u32;
            if next == start {
                break;
            }
            items.swap(k, next);
            k = next;
        }
    }
}

/// The result for a file whose check panicked: an internal-error finding (exit code 2).
fn internal_error(
    id: FileId,
    path: PathBuf,
    name: String,
    panic: Box<dyn std::any::Any + Send>,
) -> FileResult {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    FileResult {
        source: SourceFile::new(path, name, Arc::from("")),
        findings: vec![Finding::error(
            rules::INTERNAL,
            id,
            Span::default(),
            format!("internal error while checking this file: {what}"),
        )
        .with_help("this is a defect of estatelint: please report it with the file")],
        unreadable: true,
        ..FileResult::default()
    }
}

#[derive(Default)]
struct FileResult {
    parse_time: std::time::Duration,
    schema_time: std::time::Duration,
    source: SourceFile,
    findings: Vec<Finding>,
    entities: Vec<Entity>,
    documents: usize,
    unreadable: bool,
    suppressions: Vec<suppress::Suppression>,
    suppression_problems: Vec<Finding>,
    /// What each [`DocScan`] answered for each entity: bit `k * scans + s` for entity `k` and
    /// scan `s` (packed: at 100,000 systems a word per entity held 3 MB until gathered).
    scanned: Box<[u64]>,
}

/// Reads, loads and schema-checks one file. Never fails: problems become findings.
fn check_file(
    id: FileId,
    path: &Path,
    name: String,
    scans: &[DocScan],
    scans_timed: bool,
) -> FileResult {
    let mut result = FileResult {
        source: SourceFile::new(path.to_path_buf(), name, Arc::from("")),
        ..FileResult::default()
    };
    // One open, its size from the open file (no second look-up of the path). Read through
    // `take`, which reads into the room made: `File::read_to_end` would ask the file's size
    // and position again (two more system calls a file).
    let read = std::fs::File::open(path).and_then(|file| {
        let len = file.metadata()?.len();
        if len > MAX_FILE_BYTES {
            return Ok(None);
        }
        let mut bytes = Vec::with_capacity(len as usize);
        std::io::Read::read_to_end(
            &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
            &mut bytes,
        )?;
        Ok((bytes.len() as u64 <= MAX_FILE_BYTES).then_some(bytes))
    });
    let bytes = match read {
        Ok(Some(b)) => b,
        Ok(None) => {
            result.findings.push(Finding::error(
                rules::IO,
                id,
                Span::default(),
                format!("file is larger than {} MiB", MAX_FILE_BYTES >> 20),
            ));
            result.unreadable = true;
            return result;
        }
        Err(e) => {
            result.findings.push(Finding::error(
                rules::IO,
                id,
                Span::default(),
                format!("cannot read: {}", io_message(&e)),
            ));
            result.unreadable = true;
            return result;
        }
    };
    let text: String = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad_len = e.utf8_error().error_len().unwrap_or(1);
            let bytes = e.into_bytes();
            let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
            let (message, span, shown) = if utf16 {
                // Shown as nothing: its NUL bytes would reach the terminal.
                (
                    "file is UTF-16 encoded".to_string(),
                    Span::new(0, 0),
                    Arc::from(""),
                )
            } else {
                let shown = bytes_for_display(&bytes);
                (
                    format!("file is not valid UTF-8 (byte {at})"),
                    Span::new(at, at + bad_len),
                    shown,
                )
            };
            let (path, name) = result.source.into_path_and_name();
            result.source = SourceFile::new(path, name, shown);
            result.findings.push(
                Finding::error(rules::ENCODING, id, span, message)
                    .with_label("not UTF-8")
                    .with_help("save the file as UTF-8"),
            );
            return result;
        }
    };
    // The text is let go after loading and read again only if a report shows the file; it is
    // kept while loading only when it has suppression comments to read.
    let (path, name) = result.source.into_path_and_name();
    // memchr's SIMD search, its searcher built once: str::contains took 11 M instructions
    // over 13.6 MB at 10k.
    static MARKER: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(suppress::MARKER));
    let source = match MARKER.find(text.as_bytes()).is_some() {
        true => SourceFile::new(path, name, text.as_str().into()),
        false => SourceFile::unloaded(path, name, &text),
    };
    let mut result = check_text(id, source, &text, scans, scans_timed);
    result.source.unload();
    result
}

/// Loads and schema-checks one file's `text` (which `source` holds, or holds only if it has
/// suppression comments), and answers `scans` for each of its entities.
fn check_text(
    id: FileId,
    source: SourceFile,
    text: &str,
    scans: &[DocScan],
    scans_timed: bool,
) -> FileResult {
    let mut result = FileResult {
        source,
        ..FileResult::default()
    };
    let started = std::time::Instant::now();
    let mut scanner = FileScans::new(scans, scans_timed);
    // Documents straight to tapes; a file with anything unusual goes through the tree, which
    // reports what it finds.
    let mut scan_doc = |texts: &ScalarTexts| scanner.doc(texts);
    let scanning: Option<&mut dyn FnMut(&ScalarTexts) -> u64> =
        (!scans.is_empty()).then_some(&mut scan_doc);
    let (mut tapes, errors) = match yaml::load_tapes_scanned(text, scanning) {
        Some(docs) => (docs, Vec::new()),
        None => {
            scanner.restart();
            let loaded = yaml::load(text);
            let tapes = loaded
                .documents
                .iter()
                .map(|d| {
                    let tape = Tape::from_node(&d.root);
                    let answers = match scans.is_empty() {
                        true => 0,
                        false => scanner.doc(&ScalarTexts::of_tape(&tape)),
                    };
                    yaml::TapeRead {
                        tape,
                        answers,
                        accepted: None,
                        name: None,
                    }
                })
                .collect();
            (tapes, loaded.errors)
        }
    };
    scanner.finish(&mut tapes);
    result.parse_time = started.elapsed().saturating_sub(scanner.time.iter().sum());
    for (scan, time) in scans.iter().zip(scanner.time) {
        scan.add_time(time);
    }
    for err in errors {
        let rule = match err.kind {
            ErrorKind::Syntax => rules::SYNTAX,
            ErrorKind::DuplicateKey => rules::DUPLICATE_KEY,
            ErrorKind::TooDeep => rules::TOO_DEEP,
            ErrorKind::AliasLimit => rules::ALIAS_LIMIT,
        };
        let mut f = Finding::error(rule, id, err.span, err.message);
        if let Some((span, caption)) = err.related {
            f = f
                .with_related(id, span, caption)
                .with_label("repeated here")
                .with_help("a key may appear once per mapping: remove one, or merge their values");
        }
        f = match err.kind {
            ErrorKind::Syntax => f.with_label("here"),
            ErrorKind::TooDeep => f.with_label("too deep").with_help(format!(
                "estate documents are shallow; nesting past {} levels is refused",
                yaml::MAX_DEPTH
            )),
            ErrorKind::AliasLimit => f.with_label("expansion stopped here").with_help(
                "this document's anchors and aliases expand too far (an alias bomb?); write the values out",
            ),
            ErrorKind::DuplicateKey => f,
        };
        result.findings.push(f);
    }
    result.entities.reserve_exact(tapes.len());
    // Each entity's scan answers, packed below.
    let mut answered: Vec<u64> = Vec::new();
    // Timed once per file, not per document (two clock reads for each of 400,000 documents
    // at 100k systems): the schema's share includes telling each document's kind.
    let started = std::time::Instant::now();
    for yaml::TapeRead {
        tape,
        answers,
        accepted,
        name,
    } in tapes
    {
        // A document its kind's shapes accepted has that kind and this apiVersion (both are
        // the schema's `const`s): nothing to tell.
        let classified = match accepted {
            Some(kind) => Classified::Entity(kind),
            None => classify(tape.root(), id),
        };
        match classified {
            Classified::Skip => {}
            Classified::Invalid(f) => {
                result.documents += 1;
                result.findings.push(f);
            }
            Classified::Entity(kind) => {
                result.documents += 1;
                let entity = Entity::with_name(kind, id, tape, name);
                // Most documents were found to match their schema as they were built.
                if accepted.is_none() {
                    result.findings.extend(schema::validate_tape(
                        kind,
                        entity.root(),
                        id,
                        entity.name(),
                    ));
                }
                result.entities.push(entity);
                if !scans.is_empty() {
                    answered.push(answers);
                }
            }
        }
    }
    result.schema_time = started.elapsed();
    let width = scans.len();
    let mut packed = vec![0u64; bits::words(answered.len() * width)];
    for (k, answers) in answered.iter().enumerate() {
        for s in (0..width).filter(|s| answers >> s & 1 == 1) {
            bits::set(&mut packed, k * width + s);
        }
    }
    result.scanned = packed.into_boxed_slice();
    let roots: Vec<_> = result.entities.iter().map(Entity::root).collect();
    let (found, problems) = suppress::scan_file(id, &result.source, &roots);
    drop(roots);
    result.suppressions = found;
    result.suppression_problems = problems;
    result
}

/// The whole-document searches of one file's documents: each answered as its document ends,
/// or, when it can wait ([`DocScan::batches`]), together with the file's other documents,
/// [`BATCH_BYTES`] of their text at a time, the last at the file's end. Each search timed on
/// its own when asked: its time is then its rule's in `--timings`.
struct FileScans<'s> {
    scans: &'s [DocScan],
    timed: bool,
    time: Vec<std::time::Duration>,
    batch: ScanBatch,
    /// Documents answered so far.
    docs: usize,
    /// What the searches that waited found: documents and their bits, added at the end.
    found: Vec<(usize, u64)>,
    /// Bytes of text after which the batch is searched ([`BATCH_BYTES`]).
    limit: usize,
}

/// Texts a batch gathers before it is searched: enough for SIMD to pay, little to hold (a
/// file of a whole estate's documents is searched a part at a time).
const BATCH_BYTES: usize = 64 * 1024;

impl FileScans<'_> {
    fn new(scans: &[DocScan], timed: bool) -> FileScans<'_> {
        FileScans {
            scans,
            timed,
            time: vec![std::time::Duration::ZERO; scans.len()],
            batch: ScanBatch::default(),
            docs: 0,
            found: Vec::new(),
            limit: BATCH_BYTES,
        }
    }

    /// What the searches answer now for the next document, which has `texts` (bit `s` for
    /// search `s`); the rest is added by [`FileScans::finish`].
    fn doc(&mut self, texts: &ScalarTexts) -> u64 {
        let mut answers = 0u64;
        let mut batched = false;
        for (s, scan) in self.scans.iter().enumerate() {
            let started = self.timed.then(std::time::Instant::now);
            let yes = if scan.batches(texts) {
                batched = true;
                scan.word_matches(texts)
            } else {
                scan.may_match(texts)
            };
            answers |= u64::from(yes) << s;
            if let Some(started) = started {
                self.time[s] += started.elapsed();
            }
        }
        if batched {
            self.batch.push(self.docs, texts);
            if self.batch.len() >= self.limit {
                self.search();
            }
        }
        self.docs += 1;
        answers
    }

    /// Forgets the documents answered so far (the file is loaded again another way).
    fn restart(&mut self) {
        self.batch.clear();
        self.found.clear();
        self.docs = 0;
    }

    /// Searches the documents that wait, and lets their texts go.
    fn search(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        thread_local! {
            static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        LOWERED.with(|lowered| {
            let mut lowered = lowered.borrow_mut();
            self.batch.lowered(&mut lowered);
            for (s, scan) in self.scans.iter().enumerate() {
                let started = self.timed.then(std::time::Instant::now);
                scan.batch_matches(&self.batch, &lowered, |doc| {
                    self.found.push((doc, 1 << s));
                });
                if let Some(started) = started {
                    self.time[s] += started.elapsed();
                }
            }
        });
        self.batch.clear();
    }

    /// Adds the answers of the searches that waited to the file's `tapes` (one per document
    /// answered, in order).
    fn finish(&mut self, tapes: &mut [yaml::TapeRead]) {
        self.search();
        for &(doc, bits) in &self.found {
            if let Some(t) = tapes.get_mut(doc) {
                t.answers |= bits;
            }
        }
    }
}

/// The text of a file that is not UTF-8, for showing: each invalid byte becomes `?`, so byte
/// offsets in it are those of the file.
fn bytes_for_display(bytes: &[u8]) -> Arc<str> {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_that_differ_only_past_the_sort_keys_come_out_in_one_order() {
        // Same file, span, rule and message: they differ in caption, related place or help.
        // Whatever order they arrive in (the workers' order), they leave in one.
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("a.yaml".into(), "a.yaml".into(), "".into()));
        let other = sources.add(SourceFile::new("b.yaml".into(), "b.yaml".into(), "".into()));
        let base = || Finding::error("x/rule", file, Span::new(3, 7), "message".into());
        let findings = vec![
            base().with_label("second"),
            base().with_label("first"),
            base().with_related(other, Span::new(1, 2), "there"),
            base().with_related(other, Span::new(0, 1), "there"),
            base().with_help("do this"),
            base(),
            Finding::error("x/rule", file, Span::new(0, 1), "earlier".into()),
        ];
        let mut forward = findings.clone();
        let mut backward: Vec<Finding> = findings.into_iter().rev().collect();
        sort_findings(&sources, &mut forward);
        sort_findings(&sources, &mut backward);
        assert_eq!(forward, backward);
        assert_eq!(forward[0].message, "earlier");
    }

    #[test]
    fn a_permutation_moves_each_item_to_its_place() {
        // Cycles of every length, fixed points among them.
        let mut items: Vec<char> = "abcdefgh".chars().collect();
        let mut from = vec![2, 0, 1, 3, 7, 4, 5, 6];
        permute(&mut items, &mut from);
        assert_eq!(items.iter().collect::<String>(), "cabdhefg");
        assert_eq!(from, (0..8).collect::<Vec<u32>>());
        let mut one = vec!['x'];
        permute(&mut one, &mut [0]);
        assert_eq!(one, ['x']);
    }

    proptest::proptest! {
        /// Searched for a whole file at its end, a search still answers yes for every document
        /// with a scalar that the expression matches (plain, quoted, block, multi-line,
        /// non-ASCII scalars; keys too).
        #[test]
        fn a_file_searched_at_its_end_misses_no_matching_document(
            docs in proptest::collection::vec(
                proptest::collection::vec(
                    (
                        proptest::sample::select(vec![
                            "password=s3cr3t!", "Token: ab12cd34", "AKIAABCDEFGHIJKLMNOP",
                            "https://u:p4ss@host", "vault://kv/x", "plain words", "pwd",
                            "ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "é password=x1234",
                            "-----BEGIN RSA PRIVATE KEY", "api-key = 'abc1def'", "x@y", "",
                        ]),
                        0..4usize,
                    ),
                    1..5,
                ),
                1..6,
            ),
            limit in proptest::sample::select(vec![1usize, 40, 100, BATCH_BYTES]),
        ) {
            let packs = crate::pack::Packs::builtin().unwrap();
            let rules: Vec<&Rule> = packs.rules().collect();
            let scans = DocScan::of_checks(rules.iter().map(|r| &r.check));
            proptest::prop_assert_eq!(scans.len(), 1);
            let rule = packs.rule("security/plaintext-secret").unwrap();
            let crate::checks::Check::Pattern { regex, .. } = &rule.check else {
                panic!("not a pattern");
            };
            // Each scalar written one of four ways; a key sometimes the text itself.
            let mut text = String::new();
            for doc in &docs {
                text.push_str("---\n");
                for (k, (value, style)) in doc.iter().enumerate() {
                    let quoted = value.replace('\'', "''");
                    match style {
                        0 => text.push_str(&format!("k{k}: '{quoted}'\n")),
                        1 => text.push_str(&format!("k{k}: |\n  line one\n  {value}\n")),
                        2 => text.push_str(&format!("'{quoted} {k}': v\n")),
                        _ => text.push_str(&format!("k{k}: 'first half\n  {quoted}'\n")),
                    }
                }
            }
            let mut scanner = FileScans::new(&scans, false);
            // Searched a few documents at a time too, as a file larger than a batch is.
            scanner.limit = limit;
            let mut scan_doc = |t: &ScalarTexts| scanner.doc(t);
            let mut tapes = yaml::load_tapes_scanned(&text, Some(&mut scan_doc)).unwrap();
            scanner.finish(&mut tapes);
            proptest::prop_assert_eq!(tapes.len(), docs.len());
            for t in &tapes {
                let mut matched = false;
                t.tape.any_scalar(|scalar| {
                    use crate::tape::Scalar;
                    matched |= match scalar {
                        Scalar::Null => false,
                        Scalar::Str(s) => regex.is_match(s),
                        Scalar::Sym(sym) => regex.is_match(crate::tape::word(sym)),
                        Scalar::Bool(b) => regex.is_match(&b.to_string()),
                        Scalar::Int(i) => regex.is_match(&i.to_string()),
                        Scalar::Float(f) => regex.is_match(&f.to_string()),
                    };
                    false
                });
                if matched {
                    proptest::prop_assert!(t.answers & 1 == 1, "{:?}", text);
                }
                // And the batch answers as the search of each document would have.
                let alone = scans[0].may_match(&ScalarTexts::of_tape(&t.tape));
                if !alone {
                    proptest::prop_assert!(t.answers & 1 == 0, "{:?}", text);
                }
            }
        }
    }

    #[test]
    fn whole_document_searches_are_timed_only_when_asked() {
        // `security/plaintext-secret` searches whole documents while they are read: timed
        // (`--timings`), its time is a step of the parse; untimed, the step is zero.
        let packs = crate::pack::Packs::builtin().expect("the built-in packs load");
        let rules: Vec<&Rule> = packs.rules().collect();
        let text = "apiVersion: estatelint.dev/v1\nkind: System\nmetadata:\n  name: a\n";
        let scans_time = |timed| {
            let input = Input::Text {
                path: "a.yaml".into(),
                name: "a.yaml".into(),
                text: text.into(),
            };
            let today = Date::parse("2026-11-23").unwrap();
            let outcome = lint(
                vec![input],
                &packs,
                &rules,
                &[],
                today,
                Helps::Omitted,
                timed,
            );
            outcome
                .timings
                .phases
                .iter()
                .find(|p| p.name.contains("doc scans"))
                .map(|p| p.time)
        };
        assert_eq!(scans_time(false), Some(std::time::Duration::ZERO));
        assert!(scans_time(true).is_some_and(|t| t > std::time::Duration::ZERO));
    }
}
