//! Hostile input: the corpus in `testdata/hostile/` (small files, committed; see its README)
//! and big inputs generated at test time into temporary folders. Every case runs the real
//! binary with a time limit (a hang or a superlinear blow-up fails the test instead of stalling
//! the suite), measures its peak memory where that is cheap (GNU `/usr/bin/time`, else VmHWM
//! sampled from `/proc`), asserts the diagnostic it expects (rule id and the exact bytes
//! underlined) and, in most cases, that a known finding in ANOTHER file of the same run is still
//! reported. Small cases also snapshot the human output.
//!
//! Tests marked `#[ignore = "bug: ..."]` reproduce bugs found while hardening; each says what
//! goes wrong. They are un-ignored once the bug is fixed.
//!
//! `cargo test --test hostile -- --nocapture` prints the time and peak memory of every run.

use std::fs;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

const BIN: &str = env!("CARGO_BIN_EXE_estatelint");
const CORPUS: &str = "testdata/hostile";
/// The config of most cases: the rule packs off, so only the core linter speaks.
const CORE_ONLY: &str = "rules:\n  \"*\": off\n";
const TODAY: &str = "2026-11-23";
/// The time limit of small cases. Big cases state their own.
const SMALL: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Running the binary

/// One run of the binary.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// Peak resident memory in KiB, when it could be measured.
    peak_kib: Option<u64>,
}

impl Run {
    fn peak_mib(&self) -> Option<u64> {
        self.peak_kib.map(|k| k / 1024)
    }

    /// Fails unless the peak memory (when measured) is at most `mib` MiB.
    fn assert_memory_below(&self, mib: u64) {
        if let Some(peak) = self.peak_mib() {
            assert!(peak <= mib, "peak memory {peak} MiB > {mib} MiB");
        }
    }
}

/// Whether `/usr/bin/time` is GNU time (it has `-f` and `-o`).
fn gnu_time() -> bool {
    static GNU: OnceLock<bool> = OnceLock::new();
    *GNU.get_or_init(|| {
        let probe = std::env::temp_dir().join(format!("hostile-time-probe-{}", std::process::id()));
        let ok = Command::new("/usr/bin/time")
            .args(["-f", "%M", "-o"])
            .arg(&probe)
            .arg("true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            && fs::read_to_string(&probe).is_ok_and(|s| s.trim().parse::<u64>().is_ok());
        let _ = fs::remove_file(&probe);
        ok
    })
}

/// VmHWM (peak resident set) of a running process, in KiB.
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `estatelint ARGS` in `dir`, killing it (and asserting) after `limit`. Also fails on a
/// crash: a signal, a panic (exit 101) or an exit code other than 0, 1 and 2.
fn exec(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let out = tempfile::tempdir().unwrap();
    let (stdout_path, stderr_path, rss_path) = (
        out.path().join("stdout"),
        out.path().join("stderr"),
        out.path().join("rss"),
    );
    let timed = gnu_time();
    let mut cmd = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%M", "-o"]).arg(&rss_path).arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).unwrap())
        .stderr(fs::File::create(&stderr_path).unwrap())
        // Its own process group, so a timeout kills `time` and estatelint together.
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn estatelint");
    let mut sampled: Option<u64> = None;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if !timed {
            if let Some(kib) = vm_hwm(child.id()) {
                sampled = Some(sampled.map_or(kib, |s| s.max(kib)));
            }
        }
        if started.elapsed() > limit {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.wait();
            let mut stderr = String::new();
            let _ = fs::File::open(&stderr_path).map(|mut f| f.read_to_string(&mut stderr));
            panic!(
                "`estatelint {}` did not finish within {limit:?} (a hang or a superlinear blow-up)\nstderr: {}",
                args.join(" "),
                tail(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
    let (stdout, stderr) = (read(&stdout_path), read(&stderr_path));
    let peak_kib = if timed {
        // GNU time writes "Command exited with non-zero status N" before the figure.
        read(&rss_path)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
    } else {
        sampled
    };
    let code = status.code().unwrap_or(-1);
    // Under GNU time, a signal shows as exit code 128 + signal.
    assert!(
        matches!(code, 0..=2),
        "`estatelint {}` crashed (exit status {status:?})\nstderr: {}",
        args.join(" "),
        tail(&stderr)
    );
    assert!(
        !stderr.contains("panicked"),
        "`estatelint {}` panicked:\n{}",
        args.join(" "),
        tail(&stderr)
    );
    let r = Run {
        code,
        stdout,
        stderr,
        elapsed,
        peak_kib,
    };
    eprintln!(
        "[hostile] estatelint {}: {:.2} s, peak {} MiB, exit {}",
        args.join(" "),
        r.elapsed.as_secs_f64(),
        r.peak_mib().map_or("?".to_string(), |m| m.to_string()),
        r.code
    );
    r
}

/// The last 3,000 bytes of `s`, for failure messages.
fn tail(s: &str) -> &str {
    let mut at = s.len().saturating_sub(3000);
    while !s.is_char_boundary(at) {
        at += 1;
    }
    &s[at..]
}

// ---------------------------------------------------------------------------------------------
// Cases: a temporary estate with the hostile file(s) and a neighbour with a known finding

/// One finding of the JSON report.
#[derive(Debug, Clone)]
struct Found {
    rule: String,
    file: String,
    message: String,
    offset: usize,
    length: usize,
    line: u64,
    column: u64,
}

fn parse_report(run: &Run) -> Vec<Found> {
    let json: Json = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}):\n{}\nstderr: {}",
            tail(&run.stdout),
            tail(&run.stderr)
        )
    });
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| Found {
            rule: f["rule"].as_str().unwrap().to_string(),
            file: f["file"].as_str().unwrap().to_string(),
            message: f["message"].as_str().unwrap().to_string(),
            offset: f["span"]["offset"].as_u64().unwrap() as usize,
            length: f["span"]["length"].as_u64().unwrap() as usize,
            line: f["range"]["start"]["line"].as_u64().unwrap(),
            column: f["range"]["start"]["column"].as_u64().unwrap(),
        })
        .collect()
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    /// A folder with the core-only config and `neighbour.yaml` (a System with `tier: 9`).
    fn new() -> Case {
        Case::with_config(CORE_ONLY)
    }

    fn with_config(config: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("estatelint.yaml"), config).unwrap();
        fs::copy(
            Path::new(CORPUS).join("neighbour.yaml"),
            dir.path().join("neighbour.yaml"),
        )
        .unwrap();
        Case { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.file(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(path, contents).unwrap();
        self
    }

    /// Copies `testdata/hostile/NAME` into the case under the same name.
    fn copy(&self, name: &str) -> &Self {
        let bytes = fs::read(Path::new(CORPUS).join(name)).unwrap();
        self.write(name, bytes)
    }

    /// `check --format json --today … .` plus `extra`, parsed.
    fn check(&self, extra: &[&str], limit: Duration) -> (Run, Vec<Found>) {
        let mut args = vec!["check", "--format", "json", "--today", TODAY];
        args.extend_from_slice(extra);
        args.push(".");
        let run = exec(self.path(), &args, limit);
        let found = parse_report(&run);
        (run, found)
    }

    /// The human output of `check` (no colour; paths are relative to the case's folder), with
    /// NUL and CR made visible for snapshots.
    fn human(&self, extra: &[&str]) -> String {
        self.human_raw(extra).replace('\0', "␀").replace('\r', "␍")
    }

    /// The human output of `check`, as printed.
    fn human_raw(&self, extra: &[&str]) -> String {
        let mut args = vec![
            "check", "--format", "human", "--color", "never", "--today", TODAY,
        ];
        args.extend_from_slice(extra);
        args.push(".");
        exec(self.path(), &args, SMALL).stdout
    }

    /// The bytes a finding underlines, as text.
    fn underlined(&self, f: &Found) -> String {
        let bytes = fs::read(self.file(&f.file)).unwrap();
        String::from_utf8_lossy(&bytes[f.offset..f.offset + f.length]).into_owned()
    }
}

fn rules(found: &[Found]) -> Vec<&str> {
    found.iter().map(|f| f.rule.as_str()).collect()
}

fn in_file<'a>(found: &'a [Found], file: &str) -> Vec<&'a Found> {
    found.iter().filter(|f| f.file == file).collect()
}

/// The single finding of `rule` in `file`.
fn one<'a>(found: &'a [Found], file: &str, rule: &str) -> &'a Found {
    let matching: Vec<&Found> = found
        .iter()
        .filter(|f| f.file == file && f.rule == rule)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {rule} in {file}, got {found:#?}"
    );
    matching[0]
}

/// The neighbour's finding is reported: the hostile file did not stop the run.
fn assert_neighbour(case: &Case, found: &[Found]) {
    let f = one(found, "neighbour.yaml", "estatelint/schema");
    assert_eq!(f.message, "tier must be one of 1, 2, 3, 4, found `9`");
    assert_eq!(case.underlined(f), "9");
    assert_eq!((f.line, f.column), (6, 9));
}

fn system(name: &str, spec: &str) -> String {
    format!("apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: {name}\nspec:\n{spec}")
}

// ---------------------------------------------------------------------------------------------
// Aliases

#[test]
fn billion_laughs_stops_at_the_expansion_bound() {
    let case = Case::new();
    case.copy("alias-billion-laughs.yaml");
    let (run, found) = case.check(&[], SMALL);
    assert_eq!(run.code, 1);
    let f = one(
        &found,
        "alias-billion-laughs.yaml",
        "estatelint/alias-limit",
    );
    assert!(
        f.message.contains("100000 nodes"),
        "{f:?} should name the bound"
    );
    // Stopped on the alias that crosses the bound: a copy of `lol4` (11,111 nodes) in `lol5`.
    assert_eq!(case.underlined(f), "*lol4");
    assert_eq!(f.line, 11);
    // The document after the bomb is still checked.
    let after = one(&found, "alias-billion-laughs.yaml", "estatelint/schema");
    assert_eq!(case.underlined(after), "8");
    assert_neighbour(&case, &found);
    run.assert_memory_below(200);
    insta::assert_snapshot!("billion_laughs", case.human(&[]));
}

#[test]
fn aliases_of_a_huge_node_stop_at_the_bound() {
    // An anchored 30,000-item list (30,001 nodes) copied by aliases: the fourth copy would
    // take the document past 100,000 nodes.
    let items: String = (0..30_000).map(|i| format!("  - item-{i}\n")).collect();
    let mut yaml = format!("big: &big\n{items}");
    for i in 1..=4 {
        yaml.push_str(&format!("copy{i}: *big\n"));
    }
    yaml.push_str("---\n");
    yaml.push_str(&system("after-huge", "  tier: 8\n"));
    let case = Case::new();
    case.write("huge-alias.yaml", &yaml);
    let (run, found) = case.check(&[], SMALL);
    let f = one(&found, "huge-alias.yaml", "estatelint/alias-limit");
    assert_eq!(case.underlined(f), "*big");
    assert_eq!(f.line, 30_001 + 3, "the third alias crosses the bound");
    let after = one(&found, "huge-alias.yaml", "estatelint/schema");
    assert_eq!(case.underlined(after), "8");
    assert_neighbour(&case, &found);
    run.assert_memory_below(300);
}

#[test]
fn recursive_aliases_neither_crash_nor_hang() {
    let case = Case::new();
    case.copy("alias-recursive-seq.yaml")
        .copy("alias-recursive-map.yaml");
    let (run, found) = case.check(&[], SMALL);
    assert_neighbour(&case, &found);
    run.assert_memory_below(100);
}

#[test]
fn recursive_alias_is_an_error() {
    let case = Case::new();
    case.copy("alias-recursive-seq.yaml")
        .copy("alias-recursive-map.yaml");
    let (_, found) = case.check(&[], SMALL);
    for file in ["alias-recursive-seq.yaml", "alias-recursive-map.yaml"] {
        let f = one(&found, file, "estatelint/syntax");
        let text = case.underlined(f);
        assert!(text.starts_with('*'), "{file}: underlined {text:?}");
    }
}

#[test]
fn alias_to_an_undefined_anchor_is_a_syntax_error() {
    let case = Case::new();
    case.copy("alias-undefined.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "alias-undefined.yaml", "estatelint/syntax");
    assert!(f.message.contains("unknown anchor"), "{}", f.message);
    assert_eq!((f.line, f.column), (5, 11));
    assert_eq!(case.underlined(f), "*");
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("alias_undefined", case.human(&[]));
}

#[test]
fn anchors_across_documents_neither_crash_nor_leak_values() {
    let case = Case::new();
    case.copy("alias-across-documents.yaml");
    let (_, found) = case.check(&[], SMALL);
    assert_neighbour(&case, &found);
    // Whatever the second document's alias reads as, it is not the first document's mapping.
    assert!(in_file(&found, "alias-across-documents.yaml")
        .iter()
        .all(|f| !f.message.contains("team")));
}

#[test]
fn alias_to_an_anchor_of_another_document_is_an_error() {
    let case = Case::new();
    case.copy("alias-across-documents.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "alias-across-documents.yaml", "estatelint/syntax");
    assert_eq!(case.underlined(f), "*shared");
    assert_eq!(f.line, 12);
}

// ---------------------------------------------------------------------------------------------
// Deep nesting

/// Runs a generated too-deep file, asserts one `too-deep` finding whose underlined text is
/// `opener` and returns it.
fn too_deep(name: &str, yaml: &str, opener: &str, limit: Duration) -> (Case, Found, Run) {
    let case = Case::new();
    case.write(name, yaml);
    let (run, found) = case.check(&[], limit);
    let f = one(&found, name, "estatelint/too-deep").clone();
    assert_eq!(case.underlined(&f), opener, "{f:?}");
    assert_eq!(f.message, "nesting is deeper than 128 levels");
    assert_neighbour(&case, &found);
    (case, f, run)
}

#[test]
fn block_sequences_100k_deep_on_one_line() {
    let yaml = format!("{}x\n", "- ".repeat(100_000));
    let (_, f, run) = too_deep("deep.yaml", &yaml, "-", SMALL);
    // The 129th `- `.
    assert_eq!(f.offset, 2 * 128);
    run.assert_memory_below(200);
}

#[test]
fn block_sequences_one_per_line() {
    // One level per line needs one more column of indentation per level, so the file grows
    // with the square of the depth: 4,000 levels are 8 MB (100,000 would be 5 GB).
    let yaml: String = (0..4_000)
        .map(|i| format!("{}-\n", " ".repeat(i)))
        .collect();
    let (_, f, run) = too_deep("deep.yaml", &yaml, "-", Duration::from_secs(60));
    assert_eq!(f.line, 129);
    run.assert_memory_below(400);
}

#[test]
fn block_mappings_one_per_line() {
    let yaml: String = (0..4_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    let (case, f, run) = too_deep("deep.yaml", &yaml, "k", Duration::from_secs(60));
    assert_eq!(f.line, 129);
    let _ = case;
    run.assert_memory_below(400);
}

#[test]
fn flow_sequences_100k_deep() {
    let yaml = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let (_, f, run) = too_deep("deep.yaml", &yaml, "[", SMALL);
    assert!(f.offset < 3 + 256, "{f:?}");
    run.assert_memory_below(200);
}

#[test]
fn flow_sequences_100k_deep_one_per_line() {
    let yaml = format!("{}{}", "[\n".repeat(100_000), "]\n".repeat(100_000));
    let (_, f, run) = too_deep("deep.yaml", &yaml, "[", SMALL);
    assert!(f.line <= 256, "{f:?}");
    run.assert_memory_below(200);
}

#[test]
fn flow_mappings_100k_deep() {
    let yaml = format!("{}1{}\n", "{a: ".repeat(100_000), "}".repeat(100_000));
    let (_, f, run) = too_deep("deep.yaml", &yaml, "{", SMALL);
    assert!(f.offset < 4 * 256, "{f:?}");
    run.assert_memory_below(200);
    let bare = format!("{}{}\n", "{".repeat(100_000), "}".repeat(100_000));
    too_deep("bare.yaml", &bare, "{", SMALL);
}

// ---------------------------------------------------------------------------------------------
// Size

#[test]
fn ten_megabyte_scalar() {
    let big = "a".repeat(10 << 20);
    let yaml = format!(
        "{}---\n{}",
        system("plain", &format!("  vendor: {big}\n  tier: 7\n")),
        system("literal", &format!("  vendor: |\n    {big}\n  tier: 6\n")),
    );
    let case = Case::new();
    case.write("big-scalar.yaml", &yaml);
    let (run, found) = case.check(&[], Duration::from_secs(60));
    let tiers: Vec<String> = in_file(&found, "big-scalar.yaml")
        .iter()
        .map(|f| {
            assert_eq!(f.rule, "estatelint/schema");
            case.underlined(f)
        })
        .collect();
    assert_eq!(tiers, ["7", "6"]);
    assert_neighbour(&case, &found);
    run.assert_memory_below(300);
}

#[test]
fn million_key_mapping() {
    let mut yaml: String = (0..1_000_000).map(|i| format!("k{i}: {i}\n")).collect();
    yaml.push_str("k0: again\n");
    let case = Case::new();
    case.write("keys.yaml", &yaml);
    let (run, found) = case.check(&[], Duration::from_secs(90));
    let f = one(&found, "keys.yaml", "estatelint/duplicate-key");
    assert_eq!(f.message, "duplicate key `k0`");
    assert_eq!(f.line, 1_000_001);
    assert_eq!(case.underlined(f), "k0");
    assert_neighbour(&case, &found);
    run.assert_memory_below(700);
}

#[test]
fn hundred_thousand_documents() {
    let mut yaml = String::with_capacity(8 << 20);
    for i in 0..100_000 {
        yaml.push_str("---\n");
        yaml.push_str(&system(&format!("s{i}"), "  tier: 2\n"));
    }
    yaml.push_str("---\n");
    yaml.push_str(&system("last", "  tier: 5\n"));
    let case = Case::new();
    case.write("docs.yaml", &yaml);
    let (run, found) = case.check(&[], Duration::from_secs(90));
    let f = one(&found, "docs.yaml", "estatelint/schema");
    assert_eq!(case.underlined(f), "5");
    assert_eq!(f.line, 100_001 * 7);
    assert_neighbour(&case, &found);
    run.assert_memory_below(500);
}

#[test]
fn one_megabyte_single_line() {
    // A whole estate document on one 1 MB line, its error at the end.
    let items = vec!["x"; 340_000].join(", ");
    let yaml = format!(
        "{{apiVersion: estatelint/v1, kind: System, metadata: {{name: one-line, labels: {{a: \"{}\"}}}}, spec: {{tier: 0}}}}\n---\nother: [{items}]\n",
        "b".repeat(400_000)
    );
    let case = Case::new();
    case.write("line.yaml", &yaml);
    let (run, found) = case.check(&[], SMALL);
    let f = one(&found, "line.yaml", "estatelint/schema");
    assert_eq!(case.underlined(f), "0");
    assert_eq!(f.line, 1);
    assert_eq!(f.column as usize, yaml.find("tier: 0").unwrap() + 7);
    assert_neighbour(&case, &found);
    run.assert_memory_below(300);
    // Compact output names the same place.
    let compact = run_compact(&case);
    assert!(compact.contains(&format!("line.yaml:1:{}:", f.column)));
}

fn run_compact(case: &Case) -> String {
    exec(
        case.path(),
        &["check", "--format", "compact", "--today", TODAY, "."],
        SMALL,
    )
    .stdout
}

#[test]
fn human_output_of_a_finding_far_along_a_long_line() {
    let yaml = format!(
        "{{apiVersion: estatelint/v1, kind: System, metadata: {{name: s, description: {}}}, spec: {{tier: 9}}}}\n",
        "d".repeat(70_000)
    );
    let case = Case::new();
    case.write("line.yaml", &yaml);
    let out = case.human(&[]);
    assert!(
        out.contains("tier must be one of 1, 2, 3, 4"),
        "{}",
        tail(&out)
    );
    // The smallest reproduction: a syntax error at column 65,537.
    case.write("line.yaml", format!("a: {}: b\n", "x".repeat(65_533)));
    let out = case.human(&[]);
    assert!(out.contains("estatelint/syntax"), "{}", tail(&out));
}

// ---------------------------------------------------------------------------------------------
// Encodings and bytes

#[test]
fn invalid_utf8_is_an_encoding_error_at_the_bad_byte() {
    let case = Case::new();
    case.copy("invalid-utf8.yaml");
    let (run, found) = case.check(&[], SMALL);
    assert_eq!(run.code, 1);
    let f = one(&found, "invalid-utf8.yaml", "estatelint/encoding");
    let bytes = fs::read(case.file("invalid-utf8.yaml")).unwrap();
    let bad = bytes.iter().position(|&b| b == 0xFC).unwrap();
    assert_eq!((f.offset, f.length), (bad, 1));
    assert_eq!(f.message, format!("file is not valid UTF-8 (byte {bad})"));
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("invalid_utf8", case.human(&[]));
}

#[test]
fn utf16_files_with_a_bom_are_named_as_such() {
    let case = Case::new();
    case.copy("utf16le-bom.yaml").copy("utf16be-bom.yaml");
    let (_, found) = case.check(&[], SMALL);
    for file in ["utf16le-bom.yaml", "utf16be-bom.yaml"] {
        let f = one(&found, file, "estatelint/encoding");
        assert_eq!(f.message, "file is UTF-16 encoded");
        assert_eq!((f.offset, f.length), (0, 0));
    }
    assert_neighbour(&case, &found);
    let human = case.human(&[]);
    assert!(!human.contains('␀'), "NUL bytes reached the output");
    insta::assert_snapshot!("utf16", human);
}

#[test]
fn utf8_bom_is_skipped_and_offsets_stay_right() {
    let case = Case::new();
    case.copy("utf8-bom.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "utf8-bom.yaml", "estatelint/schema");
    assert_eq!(case.underlined(f), "7");
    assert_eq!((f.line, f.column), (6, 9));
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("utf8_bom", case.human(&[]));
}

#[test]
fn utf8_bom_is_not_a_column() {
    let case = Case::new();
    case.write("bom.yaml", b"\xef\xbb\xbfa: b: c\n");
    case.write("plain.yaml", b"a: b: c\n");
    let (_, found) = case.check(&[], SMALL);
    let bom = one(&found, "bom.yaml", "estatelint/syntax");
    let plain = one(&found, "plain.yaml", "estatelint/syntax");
    assert_eq!(bom.offset, plain.offset + 3);
    assert_eq!((bom.line, bom.column), (plain.line, plain.column));
}

#[test]
fn nul_bytes_are_a_syntax_error_and_the_next_document_is_read() {
    let case = Case::new();
    case.copy("nul-bytes.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "nul-bytes.yaml", "estatelint/syntax");
    assert!(f.message.contains("unprintable"), "{}", f.message);
    assert_eq!(case.underlined(f), "\0");
    let after = one(&found, "nul-bytes.yaml", "estatelint/schema");
    assert_eq!(case.underlined(after), "6");
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("nul_bytes", case.human(&[]));
}

#[test]
fn binary_file_named_yaml() {
    let case = Case::new();
    case.copy("binary.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "binary.yaml", "estatelint/encoding");
    assert_eq!((f.offset, f.length), (0, 1), "the PNG signature's 0x89");
    assert_neighbour(&case, &found);
    let human = case.human(&[]);
    assert!(human.contains("file is not valid UTF-8 (byte 0)"));
    // No escape sequence of the file reaches a terminal.
    assert!(!human.contains('\u{1b}'), "ESC in human output");
}

#[test]
fn control_characters_of_a_file_do_not_reach_the_terminal() {
    let case = Case::new();
    case.write(
        "escape.yaml",
        system(
            "esc",
            "  vendor: \"\\e]0;pwned\\a\"\n  tier: 9 # \u{1b}[2J\u{1b}[31mall clear\u{7}\n",
        ),
    );
    let (_, found) = case.check(&[], SMALL);
    one(&found, "escape.yaml", "estatelint/schema");
    let human = case.human_raw(&[]);
    assert!(!human.contains('\u{1b}'), "ESC in human output");
    assert!(!human.contains('\u{7}'), "BEL in human output");
    // A NUL byte (a syntax error) is copied into the snippet as well.
    let case = Case::new();
    case.copy("nul-bytes.yaml");
    assert!(!case.human_raw(&[]).contains('\0'), "NUL in human output");
}

// ---------------------------------------------------------------------------------------------
// Layout

#[test]
fn crlf_line_endings_keep_spans_right() {
    let case = Case::new();
    case.copy("crlf.yaml");
    let (_, found) = case.check(&[], SMALL);
    let crlf = in_file(&found, "crlf.yaml");
    assert_eq!(crlf.len(), 2, "{crlf:#?}");
    assert_eq!(case.underlined(crlf[0]), "5");
    assert_eq!((crlf[0].line, crlf[0].column), (6, 9));
    assert_eq!(case.underlined(crlf[1]), "\"prödüction\"");
    assert_eq!((crlf[1].line, crlf[1].column), (13, 14));
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("crlf", case.human(&[]));
}

#[test]
fn tabs_used_for_indentation() {
    let case = Case::new();
    case.copy("tabs.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "tabs.yaml", "estatelint/syntax");
    assert!(f.message.contains("tabs"), "{}", f.message);
    assert_eq!(f.line, 4);
    let after = one(&found, "tabs.yaml", "estatelint/schema");
    assert_eq!(case.underlined(after), "5");
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("tabs", case.human(&[]));
}

#[test]
fn files_without_documents() {
    let case = Case::new();
    case.copy("empty.yaml")
        .copy("comments-only.yaml")
        .copy("dashes-only.yaml");
    let (run, found) = case.check(&[], SMALL);
    assert_eq!(rules(&found), ["estatelint/schema"], "{found:#?}");
    assert_neighbour(&case, &found);
    let summary: Json = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["summary"]["files"], 4);
    assert_eq!(summary["summary"]["documents"], 1);
    insta::assert_snapshot!("files_without_documents", case.human(&[]));
}

// ---------------------------------------------------------------------------------------------
// YAML features

#[test]
fn tags_are_read_as_plain_values() {
    let case = Case::new();
    case.copy("tags.yaml");
    let (_, found) = case.check(&[], SMALL);
    let tagged: Vec<(String, String)> = in_file(&found, "tags.yaml")
        .iter()
        .map(|f| (f.rule.clone(), case.underlined(f)))
        .collect();
    assert_eq!(
        tagged,
        [
            ("estatelint/schema".to_string(), "!!str 1".to_string()),
            ("estatelint/schema".to_string(), "!!int 12".to_string()),
        ]
    );
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("tags", case.human(&[]));
}

#[test]
fn merge_keys_are_not_merged() {
    let case = Case::new();
    case.copy("merge-keys.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "merge-keys.yaml", "estatelint/schema");
    assert!(f.message.contains("unknown field `<<`"), "{}", f.message);
    assert_eq!(case.underlined(f), "<<");
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("merge_keys", case.human(&[]));
}

#[test]
fn complex_keys_are_unknown_fields() {
    let case = Case::new();
    case.copy("complex-keys.yaml");
    let (_, found) = case.check(&[], SMALL);
    let f = one(&found, "complex-keys.yaml", "estatelint/schema");
    assert!(f.message.contains("<complex key>"), "{}", f.message);
    // Underlined: the complex key, or failing that the mapping that holds it.
    let text = case.underlined(f);
    assert!(
        text == "spec" || text.starts_with("[a, b]") || text.starts_with('?'),
        "{text:?}"
    );
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("complex_keys", case.human(&[]));
}

#[test]
fn every_wrong_type_is_reported() {
    let case = Case::new();
    case.copy("wrong-types.yaml");
    let (run, found) = case.check(&[], SMALL);
    assert_eq!(run.code, 1);
    let wrong: Vec<String> = in_file(&found, "wrong-types.yaml")
        .iter()
        .map(|f| {
            assert_eq!(f.rule, "estatelint/schema", "{f:?}");
            case.underlined(f)
        })
        .collect();
    let expected = [
        "[not, a, string]",
        "{a: mapping}",
        "12",
        "[a, list]",
        "true",
        "7",
        "high",
        "[production]",
        "{name: crm}",
        "1.5",
        "null",
        "everywhere",
        "3",
        "yes",
        "[sso]",
        "4",
        "true",
        "{url: x}",
        "\"ten\"",
        "-1.5",
        "0.9",
        "erp",
        "2026-13-45",
    ];
    for text in expected {
        assert!(
            wrong.iter().any(|w| w == text),
            "no finding underlines {text:?}: {wrong:?}"
        );
    }
    assert_neighbour(&case, &found);
    insta::assert_snapshot!("wrong_types", case.human(&[]));
}

// ---------------------------------------------------------------------------------------------
// The file system

#[test]
fn folder_named_like_a_yaml_file_is_walked() {
    let case = Case::new();
    case.write("x.yaml/inner.yaml", system("inner", "  tier: 8\n"));
    let (run, found) = case.check(&[], SMALL);
    assert_eq!(run.code, 1, "a folder named *.yaml is no I/O error");
    let f = one(&found, "x.yaml/inner.yaml", "estatelint/schema");
    assert_eq!(case.underlined(f), "8");
    assert!(!rules(&found).contains(&"estatelint/io"));
    assert_neighbour(&case, &found);
    // Named on the command line, too.
    let named = exec(
        case.path(),
        &["check", "--format", "compact", "x.yaml"],
        SMALL,
    );
    assert!(
        named.stdout.contains("x.yaml/inner.yaml:6:9:"),
        "{}",
        named.stdout
    );
}

#[test]
fn symlink_loops_do_not_hang_the_walk() {
    let case = Case::new();
    fs::create_dir(case.file("loop")).unwrap();
    std::os::unix::fs::symlink("..", case.file("loop/up")).unwrap();
    std::os::unix::fs::symlink("self", case.file("loop/self")).unwrap();
    std::os::unix::fs::symlink("b.yaml", case.file("a.yaml")).unwrap();
    std::os::unix::fs::symlink("a.yaml", case.file("b.yaml")).unwrap();
    let (_, found) = case.check(&[], SMALL);
    assert_neighbour(&case, &found);
    // Links are not followed: nothing is read twice, nothing is reported about them.
    assert_eq!(found.len(), 1, "{found:#?}");
    // A looping link named on the command line is an error, exit code 2.
    let named = exec(case.path(), &["check", "a.yaml"], SMALL);
    assert_eq!(named.code, 2);
    assert!(named.stderr.contains("a.yaml"), "{}", named.stderr);
}

/// Whether this process can read a file whose mode is 000 (root can).
fn reads_mode_000(path: &Path) -> bool {
    fs::read(path).is_ok()
}

#[test]
fn unreadable_file_and_folder() {
    use std::os::unix::fs::PermissionsExt;
    let case = Case::new();
    case.write("secret.yaml", system("secret", "  tier: 7\n"));
    case.write("closed/inside.yaml", system("inside", "  tier: 6\n"));
    fs::set_permissions(case.file("secret.yaml"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(case.file("closed"), fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = reads_mode_000(&case.file("secret.yaml"));
    let (run, found) = case.check(&[], SMALL);
    // Give the temporary folder back its permissions so it can be removed.
    fs::set_permissions(case.file("closed"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(case.file("secret.yaml"), fs::Permissions::from_mode(0o644)).unwrap();
    assert_neighbour(&case, &found);
    if privileged {
        // Running as root (or with CAP_DAC_OVERRIDE): mode 000 does not stop reading, so the
        // files are checked like any other.
        eprintln!("[hostile] running privileged: mode 000 files are readable");
        assert_eq!(run.code, 1);
        assert_eq!(
            case.underlined(one(&found, "secret.yaml", "estatelint/schema")),
            "7"
        );
        assert_eq!(
            case.underlined(one(&found, "closed/inside.yaml", "estatelint/schema")),
            "6"
        );
    } else {
        assert_eq!(run.code, 2, "an unreadable file makes the run incomplete");
        let f = one(&found, "secret.yaml", "estatelint/io");
        assert_eq!(f.message, "cannot read: permission denied");
        let d = one(&found, "closed", "estatelint/io");
        assert!(d.message.contains("permission denied"), "{}", d.message);
    }
}

#[test]
fn dangling_symlink_is_skipped_by_the_walk_and_an_error_when_named() {
    // A file that disappears while the walk runs, simulated by a link to nothing.
    let case = Case::new();
    std::os::unix::fs::symlink("vanished.yaml", case.file("gone.yaml")).unwrap();
    let (run, found) = case.check(&[], SMALL);
    assert_eq!(run.code, 1);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_neighbour(&case, &found);
    let named = run_named(&case, &["gone.yaml", "neighbour.yaml"]);
    assert_eq!(named.code, 2);
    assert_eq!(named.stderr, "error: no such file or folder: `gone.yaml`\n");
}

fn run_named(case: &Case, files: &[&str]) -> Run {
    let mut args = vec!["check", "--format", "compact"];
    args.extend_from_slice(files);
    exec(case.path(), &args, SMALL)
}

#[test]
fn baseline_that_is_not_a_regular_file() {
    let case = Case::new();
    // A short limit: the unfixed binary grows by about 500 MB a second.
    let r = exec(
        case.path(),
        &[
            "check",
            "--format",
            "compact",
            "--baseline",
            "/dev/zero",
            ".",
        ],
        Duration::from_secs(5),
    );
    assert_eq!(r.code, 2);
    r.assert_memory_below(200);
    let made = Command::new("mkfifo")
        .arg(case.file("baseline.json"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    let r = exec(
        case.path(),
        &[
            "check",
            "--format",
            "compact",
            "--baseline",
            "baseline.json",
            ".",
        ],
        SMALL,
    );
    assert_eq!(r.code, 2);
}

#[test]
fn fifo_gitignore_does_not_block_the_walk() {
    let case = Case::new();
    fs::create_dir(case.file(".git")).unwrap();
    let made = Command::new("mkfifo")
        .arg(case.file(".gitignore"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    let (_, found) = case.check(&[], SMALL);
    assert_neighbour(&case, &found);
}

#[test]
fn huge_thread_count_is_capped_or_refused() {
    let case = Case::new();
    let r = exec(
        case.path(),
        &["check", "--format", "compact", "-j", "100000", "."],
        SMALL,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--threads must be between 1 and"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile rule packs (`--rules`)

/// A case whose config turns the built-in packs off and the pack `name` on.
fn pack_case(pack_file: &str, pack_name: &str) -> Case {
    let case = Case::with_config(&format!(
        "exclude: [\"packs/**\"]\nrules:\n  \"*\": off\n  {pack_name}/*: error\n"
    ));
    case.write(
        "packs/pack.yaml",
        fs::read(Path::new(CORPUS).join("packs").join(pack_file)).unwrap(),
    );
    case
}

/// Runs `check --rules packs/pack.yaml estate` and returns the run.
fn check_with_pack(case: &Case, limit: Duration) -> (Run, Vec<Found>) {
    case.check(&["--rules", "packs/pack.yaml"], limit)
}

#[test]
fn invalid_regex_is_a_pack_error_on_the_regex() {
    let case = pack_case("invalid-regex.yaml", "badregex");
    let r = exec(
        case.path(),
        &["check", "--rules", "packs/pack.yaml", "."],
        SMALL,
    );
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("invalid regex: unclosed group"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pack.yaml:9:"), "{}", r.stderr);
    insta::assert_snapshot!("pack_invalid_regex", r.stderr);
}

#[test]
fn regex_past_the_size_limit_is_a_pack_error() {
    let case = pack_case("huge-regex.yaml", "hugeregex");
    let r = exec(
        case.path(),
        &["check", "--rules", "packs/pack.yaml", "."],
        SMALL,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("exceeds size limit"), "{}", r.stderr);
    r.assert_memory_below(300);
}

#[test]
fn catastrophic_regex_runs_in_linear_time() {
    // `(a+)+$` on `aaa…ab` takes exponential time in a backtracking engine; Rust's regex is
    // linear.
    let case = pack_case("redos.yaml", "redos");
    let value = format!("{}b", "a".repeat(1 << 20));
    case.write(
        "evil.yaml",
        format!(
            "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: evil\n  description: {value}\nspec: {{}}\n"
        ),
    );
    let (run, found) = check_with_pack(&case, SMALL);
    let f = one(&found, "evil.yaml", "redos/r");
    assert_eq!(case.underlined(f), value);
    assert_neighbour(&case, &found);
    run.assert_memory_below(300);
}

#[test]
fn cel_failing_at_evaluation_is_a_rule_error_per_entity() {
    let case = pack_case("cel-eval-error.yaml", "celerror");
    let mut estate = String::new();
    for name in ["no-capacity-1", "no-capacity-2", "no-capacity-3"] {
        estate.push_str(&system(name, "  tier: 1\n"));
        estate.push_str("---\n");
    }
    estate.push_str(&system("small", "  capacity: {users: 5}\n"));
    case.write("estate.yaml", &estate);
    let (run, found) = check_with_pack(&case, SMALL);
    assert_eq!(run.code, 1);
    let errors: Vec<String> = in_file(&found, "estate.yaml")
        .iter()
        .map(|f| {
            assert_eq!(f.rule, "estatelint/rule-error");
            assert!(f.message.contains("celerror/r"), "{}", f.message);
            case.underlined(f)
        })
        .collect();
    assert_eq!(errors, ["no-capacity-1", "no-capacity-2", "no-capacity-3"]);
    // The run went on: the neighbour is checked by the core, and by the rule (an error too).
    assert_neighbour(&case, &found);
    one(&found, "neighbour.yaml", "estatelint/rule-error");
    insta::assert_snapshot!(
        "pack_cel_eval_error",
        case.human(&["--rules", "packs/pack.yaml"])
    );
}

#[test]
fn pattern_over_every_string_of_a_big_estate() {
    // 100 files × 10 systems × 1,000 labels: the regex runs over a million strings.
    let case = pack_case("many-matches.yaml", "many");
    let labels: String = (0..1_000).map(|j| format!("    l{j}: v{j}\n")).collect();
    for file in 0..100 {
        let mut yaml = String::new();
        for s in 0..10 {
            yaml.push_str(&format!(
                "---\napiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: s{file}-{s}\n  labels:\n{labels}spec: {{}}\n"
            ));
        }
        case.write(&format!("estate/f{file:03}.yaml"), yaml);
    }
    case.write(
        "estate/planted.yaml",
        "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: planted\n  labels: {bad: \"Not Allowed\"}\nspec: {}\n",
    );
    let (run, found) = check_with_pack(&case, Duration::from_secs(120));
    let hits: Vec<&Found> = found.iter().filter(|f| f.rule == "many/r").collect();
    // Every estate string matches but `Not Allowed`, the neighbour's `System`.
    assert!(
        hits.iter()
            .any(|f| f.file == "estate/planted.yaml" && case.underlined(f) == "\"Not Allowed\""),
        "{hits:#?}"
    );
    assert!(
        hits.iter().all(|f| !f.file.starts_with("estate/f")),
        "{hits:#?}"
    );
    assert_neighbour(&case, &found);
    run.assert_memory_below(500);
}

#[test]
fn nested_cel_comprehensions_are_bounded() {
    let case = pack_case("cel-nested-comprehensions.yaml", "celnested");
    let r = exec(
        case.path(),
        &["check", "--rules", "packs", "--format", "json", "."],
        SMALL,
    );
    // Refused when the pack loads: more comprehensions than a rule may nest.
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("more than 4 comprehensions"),
        "{}",
        r.stderr
    );
}

#[test]
fn deeply_nested_cel_is_a_pack_error() {
    for depth in [60, 100_000] {
        let expr = format!("{}true{}", "(".repeat(depth), ")".repeat(depth));
        let case = Case::new();
        case.write("packs/pack.yaml", one_rule_pack("deep", &expr));
        let r = exec(
            case.path(),
            &["check", "--rules", "packs/pack.yaml", "."],
            SMALL,
        );
        // Either the expression is accepted (the neighbour's error: exit 1) or refused with a
        // pack error (exit 2); never a crash (`exec` asserts that).
        if r.code == 2 {
            assert!(
                r.stderr.contains("invalid CEL expression"),
                "{}",
                tail(&r.stderr)
            );
        }
    }
}

/// A pack with one rule checking the CEL expression `expr`.
fn one_rule_pack(name: &str, expr: &str) -> String {
    let docs = "\"## What it checks\\nx\\n## Why it matters\\nx\\n## How to fix\\nx\\n\"";
    format!(
        "apiVersion: estatelint/v1\nkind: RulePack\nmetadata: {{name: {name}, description: d}}\nrules:\n  - id: r\n    severity: error\n    summary: s\n    select: {{kind: System}}\n    check: {{expr: \"{expr}\"}}\n    message: m\n    docs: {docs}\n    examples: {{valid: [{{path: none}}], invalid: [{{path: none}}]}}\n"
    )
}

// ---------------------------------------------------------------------------------------------
// Superlinear blow-ups: many findings in one file

/// `n` Systems in one file, each with a schema error.
fn many_bad_documents(n: usize) -> String {
    let mut yaml = String::with_capacity(n * 80);
    for i in 0..n {
        yaml.push_str("---\n");
        yaml.push_str(&system(&format!("s{i}"), "  tier: 9\n"));
    }
    yaml
}

#[test]
fn human_output_of_many_findings_in_one_big_file() {
    let case = Case::new();
    case.write("many.yaml", many_bad_documents(20_000));
    // 6-7 s in a debug build on 2 cores. Each finding's snippet scanned the whole file for
    // control characters: 88 s in a release build.
    let out = exec(
        case.path(),
        &["check", "--format", "human", "--today", TODAY, "."],
        Duration::from_secs(60),
    );
    assert!(
        out.stdout.contains("found 20001 problems"),
        "{}",
        tail(&out.stdout)
    );
}

#[test]
fn many_documents_with_findings_in_one_file() {
    let case = Case::new();
    case.write("many.yaml", many_bad_documents(100_000));
    // A debug build takes 25-33 s here on 2 cores, more when the machine is busy: the limit
    // catches a hang or a quadratic blow-up (hours at this size), not a slow machine.
    let (_, found) = case.check(&[], Duration::from_secs(120));
    assert_eq!(found.len(), 100_001);
}

#[test]
fn many_findings_in_one_file_in_line_formats() {
    // The formats that print a line and column from the line lengths kept of a file read
    // them from its first line for each finding: at 100,000 documents 25 s (compact), 105 s
    // (GitHub) and 46 s (JUnit) in a release build.
    let case = Case::new();
    case.write("many.yaml", many_bad_documents(50_000));
    let last = "many.yaml:350000:9:";
    for (format, line) in [
        ("compact", last.to_string()),
        ("github", "file=many.yaml,line=350000,col=9".to_string()),
    ] {
        let out = exec(
            case.path(),
            &["check", "--format", format, "--today", TODAY, "."],
            Duration::from_secs(60),
        );
        assert!(
            out.stdout.contains(&line),
            "{format}: {}",
            tail(&out.stdout)
        );
    }
}

#[test]
fn many_findings_in_one_wide_mapping() {
    let fields: String = (0..100_000).map(|i| format!("  f{i}: 1\n")).collect();
    let case = Case::new();
    case.write("wide.yaml", system("wide", &fields));
    // 10-11 s in a debug build on 2 cores. Each unknown key was searched for in the mapping,
    // and each finding's field path walked it from the start: 26 s in a release build.
    let (_, found) = case.check(&[], Duration::from_secs(60));
    assert_eq!(in_file(&found, "wide.yaml").len(), 100_000);
}

#[test]
fn many_wrong_values_in_one_wide_mapping() {
    // Each error's place in the document was found by searching the mapping from its start:
    // 12 s at 40,000 labels in a release build.
    let labels: String = (0..50_000).map(|i| format!("    k{i}: [x]\n")).collect();
    let case = Case::new();
    case.write(
        "labels.yaml",
        format!(
            "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: wide\n  labels:\n\
             {labels}spec: {{}}\n"
        ),
    );
    let (_, found) = case.check(&[], Duration::from_secs(60));
    let mine = in_file(&found, "labels.yaml");
    assert_eq!(mine.len(), 50_000);
    // The last label's value, on its own line.
    assert_eq!((mine[49_999].line, mine[49_999].column), (50_005, 13));
}

#[test]
fn many_unresolved_references_among_many_names() {
    let mut yaml = String::new();
    for i in 0..20_000 {
        yaml.push_str(&format!(
            "---\napiVersion: estatelint/v1\nkind: Owner\nmetadata:\n  name: owner-{i}\nspec: {{}}\n---\n{}",
            system(&format!("sys-{i}"), &format!("  owner: ownr-{i}\n"))
        ));
    }
    let case = Case::new();
    case.write("typos.yaml", yaml);
    // 9-10 s in a debug build on 2 cores. Each broken reference was compared with all
    // 20,000 names for a suggestion (1,000 of them): 66 s in a debug build.
    let (_, found) = case.check(&[], Duration::from_secs(60));
    assert_eq!(
        found
            .iter()
            .filter(|f| f.rule == "estatelint/unresolved-reference")
            .count(),
        20_000
    );
}

// ---------------------------------------------------------------------------------------------
// Scaling

/// Runs the file `gen(n)` at two sizes and fails when four times the input takes more than
/// ten times as long (plus a second of slack for process start and noise).
fn assert_roughly_linear(name: &str, n: usize, gen: impl Fn(usize) -> String) {
    let mut times = Vec::new();
    for size in [n, 4 * n] {
        let case = Case::new();
        case.write("input.yaml", gen(size));
        let (run, found) = case.check(&[], Duration::from_secs(120));
        assert_neighbour(&case, &found);
        times.push(run.elapsed.as_secs_f64());
    }
    eprintln!(
        "[hostile] scaling {name}: n={n}: {:.2} s, 4n: {:.2} s (ratio {:.1})",
        times[0],
        times[1],
        times[1] / times[0]
    );
    assert!(
        times[1] <= 10.0 * times[0] + 1.0,
        "{name}: {:.2} s for n={n}, {:.2} s for 4n: superlinear",
        times[0],
        times[1]
    );
}

#[test]
fn load_time_is_roughly_linear() {
    assert_roughly_linear("flow nesting", 25_000, |n| {
        format!("{}{}\n", "[".repeat(n), "]".repeat(n))
    });
    assert_roughly_linear("keys", 100_000, |n| {
        (0..n).map(|i| format!("k{i}: {i}\n")).collect()
    });
    assert_roughly_linear("documents", 10_000, |n| {
        (0..n)
            .map(|i| format!("---\n{}", system(&format!("s{i}"), "  tier: 2\n")))
            .collect()
    });
    assert_roughly_linear("one line", 100_000, |n| {
        format!("a: [{}]\n", vec!["x"; n].join(", "))
    });
    assert_roughly_linear("aliases", 10_000, |n| {
        let mut y = String::from("base: &b [1, 2, 3]\n");
        for i in 0..n {
            y.push_str(&format!("c{i}: *b\n"));
        }
        y
    });
}
