//! Command-line interface: argument parsing (clap) and the commands' exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{self, CheckOptions};
use crate::config::{self, Threshold};
use crate::diag::{did_you_mean, Fatal, Severity};
use crate::engine::Helps;
use crate::explain;
use crate::init;
use crate::kind::Kind;
use crate::pack::Packs;
use crate::report::{self, Format, Summary};
use crate::testing;
use crate::value::Date;

/// Lint the YAML description of an IT estate against continuity, security and scalability
/// policy.
#[derive(Debug, Parser)]
#[command(name = "estatelint", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check estate files and folders (default: the current folder)
    Check(Box<CheckArgs>),
    /// List every rule: id, severity, tags, summary
    Rules {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        /// Also load these rule packs (files or folders)
        #[arg(long = "rules", value_name = "PATH")]
        packs: Vec<PathBuf>,
    },
    /// Print a rule's docs and examples
    Explain {
        /// Rule id, e.g. `continuity/backup-coverage`
        rule: String,
        /// Also load these rule packs (files or folders)
        #[arg(long = "rules", value_name = "PATH")]
        packs: Vec<PathBuf>,
    },
    /// Run every rule's examples (the built-in packs and the config's, or the packs named)
    Test {
        /// Rule pack files or folders (default: built-in packs and the config's `packs`)
        packs: Vec<PathBuf>,
        /// The date examples are evaluated at
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date, default_value = crate::testing::EXAMPLE_TODAY)]
        today: Date,
    },
    /// Write a starter estatelint.yaml, a small estate and an example custom rule pack
    Init {
        /// Folder to write into
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print the JSON Schema of a kind (organization, owner, system, backup, integration), of
    /// rule packs (rule-pack) or of the JSON report (report)
    Schema {
        /// Kind name, case-insensitive, `rule-pack` or `report`
        kind: String,
    },
    /// The benchmark's floor (benches/bench.sh): discover and parse, nothing else
    #[command(hide = true)]
    ParseFloor {
        /// Folder of estate files
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date written YYYY-MM-DD"))
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files and folders to check
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Config file to use instead of the `estatelint.yaml` found upward from the first path
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only check files matching this glob (repeatable; relative to the config's folder)
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and folders matching this glob (repeatable; relative to the config's folder)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Lowest severity that makes the exit code 1 [default: the config's `failOn`, or error]
    #[arg(long, value_enum)]
    pub fail_on: Option<Threshold>,
    /// Also load these rule packs (files or folders; repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// The date time-based rules take as today [default: the config's `today`, or the clock]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub today: Option<Date>,
    /// What-if: evaluate the scalability rules under this headcount growth (e.g. `40%`)
    #[arg(long, value_name = "PERCENT")]
    pub growth: Option<String>,
    /// When to colour human output (`auto`: on a terminal, unless NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Ignore `# estatelint-ignore` comments: show everything
    #[arg(long)]
    pub no_suppressions: bool,
    /// Hide the findings recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Exit with 1 when there are more than N warnings (whatever --fail-on says)
    #[arg(long, value_name = "N")]
    pub max_warnings: Option<usize>,
    /// Also write the report in this format to the matching `--output-file` (repeatable, paired
    /// in order), e.g. `--output-format sarif --output-file results.sarif`
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Vec<Format>,
    /// File for the matching `--output-format`
    #[arg(long, value_name = "FILE")]
    pub output_file: Vec<PathBuf>,
    /// Print the time spent per phase and per rule on standard error
    #[arg(long)]
    pub timings: bool,
    /// Worker threads (default: one per core); output is the same whatever the number
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    fn enabled(self, terminal: bool) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

/// Exit codes: 0 nothing at or above the fail threshold, 1 findings, 2 the tool could not do
/// its job.
pub mod exit {
    pub const CLEAN: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const FAILURE: u8 = 2;
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => run_check(&args),
        Command::Schema { kind } => run_schema(&kind),
        Command::Rules { format, packs } => run_rules(format, &packs),
        Command::Explain { rule, packs } => run_explain(&rule, &packs),
        Command::Test { packs, today } => run_test(&packs, today),
        Command::Init { dir } => run_init(&dir),
        Command::ParseFloor { dir } => run_parse_floor(&dir),
    };
    ExitCode::from(code)
}

fn run_check(args: &CheckArgs) -> u8 {
    if let Some(n) = args.threads {
        // Each thread is an OS thread with its own stack: a huge count is a mistake, not a speedup.
        const MAX_THREADS: usize = 256;
        if n == 0 || n > MAX_THREADS {
            return fail(&Fatal::message(format!(
                "--threads must be between 1 and {MAX_THREADS}, found {n}"
            )));
        }
        // Only fails if a global pool exists already, which nothing else creates.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    if args.output_format.len() != args.output_file.len() {
        return fail(&Fatal::message(
            "give each --output-format its --output-file (they pair up in order)",
        ));
    }
    // Every format asked for: what the check keeps and words depends on what they show.
    let formats: Vec<Format> = std::iter::once(args.format)
        .chain(args.output_format.iter().copied())
        .collect();
    let opts = CheckOptions {
        paths: args.paths.clone(),
        config: args.config.clone(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        rules: args.rules.clone(),
        today: args.today,
        growth: args.growth.clone(),
        no_suppressions: args.no_suppressions,
        baseline: args.baseline.clone(),
        write_baseline: args.write_baseline.clone(),
        // A report of lines (compact, GitHub's annotations) reads nothing again and holds
        // little: the estate is kept to the end then (freeing its 400,000 documents at
        // 100,000 systems took 15 ms, and the process ends next). The other reports read the
        // files again or quote them, and take their memory after the estate's.
        release_estate: formats
            .iter()
            .any(|f| !matches!(f, Format::Compact | Format::Github)),
        identities: formats.iter().any(|f| {
            matches!(
                f,
                Format::Json | Format::Sarif | Format::Gitlab | Format::Junit
            )
        }),
        places_only: formats.iter().all(|f| *f != Format::Human),
        quotes: formats
            .iter()
            .any(|f| matches!(f, Format::Json | Format::Sarif | Format::Gitlab)),
        helps: match formats.iter().any(|f| f.shows_help()) {
            true => Helps::Worded,
            false => Helps::Omitted,
        },
        timings: args.timings,
    };
    let outcome = match check::run(&opts) {
        Ok(o) => o,
        Err(fatal) => return fail(&fatal),
    };
    let report_started = std::time::Instant::now();
    let mut summary = Summary::new(outcome.files, outcome.documents, &outcome.findings);
    summary.suppressed = outcome.suppressed;
    summary.baselined = outcome.baselined;
    summary.stale_baseline = outcome.stale_baseline.len();
    let color = args.color.enabled(std::io::stdout().is_terminal());
    let report = report::Report {
        sources: &outcome.sources,
        findings: &outcome.findings,
        summary: &summary,
        packs: outcome.packs.as_ref(),
        estate: Some(&outcome.estate),
        identities: outcome.identities.as_ref(),
    };
    for (format, path) in args.output_format.iter().zip(&args.output_file) {
        let written = std::fs::File::create(path).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            report::write_report(*format, &report, false, &mut out)?;
            out.flush()
        });
        if let Err(e) = written {
            return fail(&Fatal::message(format!(
                "cannot write `{}`: {}",
                crate::discover::display_name(path),
                crate::discover::io_message(&e)
            )));
        }
    }
    let mut out = std::io::stdout().lock();
    let written = report::write_report(args.format, &report, color, &mut out).and_then(|()| {
        if args.format == Format::Human {
            for e in &outcome.stale_baseline {
                writeln!(
                    out,
                    "  stale: {} {} {} {}",
                    e.rule,
                    e.file,
                    e.entity.as_deref().unwrap_or("-"),
                    e.path
                )?;
            }
        }
        out.flush()
    });
    drop(out);
    if written.is_err() {
        return exit::FAILURE;
    }
    if args.timings {
        let mut timings = outcome.timings.clone();
        timings.phase("report", report_started);
        let _ = std::io::stderr().write_all(timings.table().as_bytes());
    }
    let threshold = match (args.fail_on, outcome.fail_on) {
        (Some(t), _) => t.severity(),
        (None, Some(s)) => s,
        (None, None) => Severity::Error,
    };
    let internal = outcome
        .findings
        .iter()
        .any(|f| f.rule == crate::diag::rules::INTERNAL);
    let code = if outcome.incomplete || internal {
        exit::FAILURE
    } else if outcome.findings.iter().any(|f| f.severity >= threshold)
        || args.max_warnings.is_some_and(|max| summary.warnings > max)
    {
        exit::FINDINGS
    } else {
        exit::CLEAN
    };
    // The estate is millions of small allocations and the process ends next: the OS takes the
    // memory back at once, freeing it node by node would only add to the run.
    std::mem::forget(outcome);
    code
}

fn run_parse_floor(dir: &std::path::Path) -> u8 {
    match crate::floor::run(dir) {
        Ok(counts) => {
            println!(
                "{} files, {} bytes, {} events",
                counts.files, counts.bytes, counts.events
            );
            exit::CLEAN
        }
        Err(fatal) => fail(&fatal),
    }
}

fn run_schema(kind: &str) -> u8 {
    let text = if kind.eq_ignore_ascii_case("report") {
        include_str!("../schemas/report.schema.json")
    } else if kind.eq_ignore_ascii_case("rule-pack") {
        include_str!("../schemas/rule-pack.schema.json")
    } else if let Some(k) = Kind::parse(kind) {
        k.schema()
    } else {
        let names: Vec<String> = Kind::ALL
            .iter()
            .map(|k| k.name().to_lowercase())
            .chain(["rule-pack".to_string(), "report".to_string()])
            .collect();
        let hint = match did_you_mean(kind, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known: {}", names.join(", ")),
        };
        return fail(&Fatal::message(format!("unknown schema `{kind}`; {hint}")));
    };
    match write_stdout(text) {
        Ok(()) => exit::CLEAN,
        Err(_) => exit::FAILURE,
    }
}

/// Built-in packs, the packs of the config found from the working folder, and `extra`.
fn packs_with(extra: &[PathBuf]) -> Result<Packs, Fatal> {
    let loaded = match config::find(std::path::Path::new(".")) {
        Some(path) => config::load(&path)?,
        None => config::Loaded::none(),
    };
    check::load_packs(&loaded, extra)
}

fn run_rules(format: ListFormat, extra: &[PathBuf]) -> u8 {
    let packs = match packs_with(extra) {
        Ok(p) => p,
        Err(f) => return fail(&f),
    };
    let text = match format {
        ListFormat::Human => explain::table(&packs),
        ListFormat::Json => explain::json(&packs),
    };
    write_or_fail(&text)
}

fn run_explain(id: &str, extra: &[PathBuf]) -> u8 {
    let packs = match packs_with(extra) {
        Ok(p) => p,
        Err(f) => return fail(&f),
    };
    let Some(rule) = packs.rule(id) else {
        let ids: Vec<&str> = packs.rules().map(|r| r.id.as_str()).collect();
        let hint = did_you_mean(id, ids.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "`estatelint rules` lists them".into());
        return fail(&Fatal::message(format!("unknown rule `{id}`; {hint}")));
    };
    let color = Color::Auto.enabled(std::io::stdout().is_terminal());
    write_or_fail(&explain::explain(&packs, rule, color))
}

fn run_test(paths: &[PathBuf], today: Date) -> u8 {
    // Named packs are tested with the built-in packs loaded too (their parameters), as
    // `check` would run them; a named pack replaces the built-in pack of the same name.
    let named = Packs::names_in(paths);
    let packs = if paths.is_empty() {
        packs_with(&[])
    } else {
        Packs::builtin_except(&named).and_then(|mut packs| packs.load_paths(paths).map(|()| packs))
    };
    let packs = match packs {
        Ok(p) => p,
        Err(f) => return fail(&f),
    };
    let only = (!paths.is_empty()).then_some(named.as_slice());
    let results = testing::run(&packs, only, today);
    let (text, ok) = testing::report(&results);
    if write_stdout(&text).is_err() {
        return exit::FAILURE;
    }
    if ok {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

fn run_init(dir: &std::path::Path) -> u8 {
    match init::run(dir, Date::today()) {
        Ok(files) => {
            let mut text = String::new();
            for f in files {
                text.push_str(&format!("wrote {}\n", crate::discover::display_name(&f)));
            }
            text.push_str("next: `estatelint check` to lint the estate, `estatelint test` to run the custom pack's examples\n");
            write_or_fail(&text)
        }
        Err(f) => fail(&f),
    }
}

fn write_or_fail(text: &str) -> u8 {
    match write_stdout(text) {
        Ok(()) => exit::CLEAN,
        Err(_) => exit::FAILURE,
    }
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Reports a fatal problem on stderr and returns exit code 2.
fn fail(fatal: &Fatal) -> u8 {
    let color = Color::Auto.enabled(std::io::stderr().is_terminal());
    let mut text = format!("error: {}\n", fatal.message);
    for f in &fatal.findings {
        text.push_str(&report::render_finding(&fatal.sources, f, color));
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
    exit::FAILURE
}
