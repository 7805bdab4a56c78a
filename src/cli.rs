//! Command-line interface: argument parsing (clap) and the commands' exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::{self, CheckOptions};
use crate::diag::{did_you_mean, Fatal, Severity};
use crate::kind::Kind;
use crate::report::{self, Format, Summary};

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
    Check(CheckArgs),
    /// Print the JSON Schema of a kind (organization, owner, system, backup, integration) or of
    /// the JSON report (report)
    Schema {
        /// Kind name, case-insensitive, or `report`
        kind: String,
    },
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
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// When to colour human output (`auto`: on a terminal, unless NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Worker threads (default: one per core); output is the same whatever the number
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
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
    };
    ExitCode::from(code)
}

fn run_check(args: &CheckArgs) -> u8 {
    if let Some(n) = args.threads {
        if n == 0 {
            return fail(&Fatal::message("--threads must be at least 1"));
        }
        // Only fails if a global pool exists already, which nothing else creates.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let opts = CheckOptions {
        paths: args.paths.clone(),
        config: args.config.clone(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
    };
    let outcome = match check::run(&opts) {
        Ok(o) => o,
        Err(fatal) => return fail(&fatal),
    };
    let summary = Summary::new(outcome.files, outcome.documents, &outcome.findings);
    let color = args.color.enabled(std::io::stdout().is_terminal());
    let text = report::render(
        args.format,
        &outcome.sources,
        &outcome.findings,
        &summary,
        color,
    );
    if write_stdout(&text).is_err() {
        return exit::FAILURE;
    }
    let threshold = args.fail_on.threshold();
    if outcome.incomplete {
        exit::FAILURE
    } else if outcome.findings.iter().any(|f| f.severity >= threshold) {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

fn run_schema(kind: &str) -> u8 {
    let text = if kind.eq_ignore_ascii_case("report") {
        include_str!("../schemas/report.schema.json")
    } else if let Some(k) = Kind::parse(kind) {
        k.schema()
    } else {
        let names: Vec<String> = Kind::ALL
            .iter()
            .map(|k| k.name().to_lowercase())
            .chain(["report".to_string()])
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
