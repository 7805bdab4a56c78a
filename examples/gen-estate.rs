//! Generates a synthetic estate for benchmarks: `cargo run --release --example gen-estate --
//! --systems N [--seed S] OUT`. N systems, about N backups, 2N integrations, N/10 owners and one
//! Organization, about 10 documents per file in nested folders, with realistic values and a
//! small share of violations of each built-in rule. The same N and seed give the same bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// splitmix64: a small, good, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(1000) < percent * 10
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const CAPABILITIES: [&str; 24] = [
    "crm",
    "erp",
    "billing",
    "payments",
    "warehouse",
    "orders",
    "catalog",
    "pricing",
    "search",
    "identity",
    "email",
    "chat",
    "wiki",
    "ticketing",
    "monitoring",
    "logging",
    "ci-cd",
    "analytics",
    "reporting",
    "hr",
    "payroll",
    "document-management",
    "file-sharing",
    "edi",
];
const VENDORS: [&str; 8] = [
    "in-house",
    "salesforce",
    "sap",
    "atlassian",
    "microsoft",
    "google",
    "okta",
    "datadog",
];
const REGIONS: [&str; 6] = [
    "eu-central-1",
    "eu-west-1",
    "eu-north-1",
    "us-east-1",
    "us-west-2",
    "ap-southeast-1",
];
const CLASSES: [&str; 4] = ["public", "internal", "confidential", "restricted"];
const RPO: [&str; 3] = ["15m", "1h", "4h"];
const RPO_MINUTES: [u64; 3] = [15, 60, 240];
const RTO: [&str; 3] = ["1h", "4h", "8h"];
const RTO_MINUTES: [u64; 3] = [60, 240, 480];

/// A random index below `below` that satisfies `ok`, trying a few times before settling for
/// whatever came last (so a rare impossible constraint cannot loop).
fn pick_consistent(rng: &mut Rng, below: usize, ok: impl Fn(usize) -> bool) -> usize {
    let mut d = rng.below(below as u64) as usize;
    for _ in 0..16 {
        if ok(d) {
            break;
        }
        d = rng.below(below as u64) as usize;
    }
    d
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut systems: usize = 1000;
    let mut seed: u64 = 42;
    let mut out: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--systems" => {
                systems = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "-h" | "--help" => usage(),
            other => out = Some(PathBuf::from(other)),
        }
    }
    let out = out.unwrap_or_else(|| usage());
    let bytes = generate(&out, systems, seed);
    eprintln!(
        "wrote {} systems ({} bytes of YAML) to {}",
        systems,
        bytes,
        out.display()
    );
}

fn usage() -> ! {
    eprintln!("usage: gen-estate --systems N [--seed S] OUT");
    std::process::exit(2)
}

/// Writes documents into files of about 10, 100 files per folder.
struct Writer {
    root: PathBuf,
    kind: &'static str,
    buf: String,
    docs: usize,
    files: usize,
    bytes: usize,
}

impl Writer {
    fn new(root: &Path, kind: &'static str) -> Writer {
        Writer {
            root: root.to_path_buf(),
            kind,
            buf: String::new(),
            docs: 0,
            files: 0,
            bytes: 0,
        }
    }
    fn doc(&mut self, text: &str) {
        if self.docs > 0 {
            self.buf.push_str("---\n");
        }
        self.buf.push_str(text);
        self.docs += 1;
        if self.docs == 10 {
            self.flush();
        }
    }
    fn flush(&mut self) {
        if self.docs == 0 {
            return;
        }
        let dir = self
            .root
            .join(self.kind)
            .join(format!("part-{:03}", self.files / 100));
        std::fs::create_dir_all(&dir).expect("create folder");
        let path = dir.join(format!("{}-{:05}.yaml", self.kind, self.files));
        std::fs::write(&path, &self.buf).expect("write file");
        self.bytes += self.buf.len();
        self.buf.clear();
        self.docs = 0;
        self.files += 1;
    }
}

/// A day within `span` days after 2026-11-23.
fn future_date(rng: &mut Rng, span: u64) -> String {
    estatelint::value::Date::from_days(20_780 + 1 + rng.below(span) as i64).to_string()
}

fn date(rng: &mut Rng, from_days_ago: u64, span: u64) -> String {
    // Days before 2026-11-23 (day 20,780 since 1970-01-01).
    let days = 20_780 - from_days_ago as i64 - rng.below(span) as i64;
    estatelint::value::Date::from_days(days).to_string()
}

/// Writes the estate of `n` systems under `out` (public for `tests/generator.rs`); returns the
/// bytes of YAML written.
pub fn generate(out: &Path, n: usize, seed: u64) -> usize {
    let mut rng = Rng(seed);
    let owners = (n / 10).max(2);
    let mut total = 0;

    let org = format!(
        "apiVersion: estatelint/v1\nkind: Organization\nmetadata:\n  name: synthetic-co\n  title: Synthetic Co\nspec:\n  headcount: {}\n  growth: {{headcount: 30%, horizon: 18mo}}\n  policy:\n    restoreTestMaxAge: 90d\n    utilizationMax: 80%\n",
        n * 3
    );
    std::fs::create_dir_all(out).expect("create output folder");
    std::fs::write(out.join("organization.yaml"), &org).expect("write organization");
    total += org.len();

    let mut w = Writer::new(out, "owners");
    for i in 0..owners {
        let departed = rng.chance(2);
        let members = if rng.chance(5) {
            1
        } else {
            2 + rng.below(5) as usize
        };
        let mut t = format!("apiVersion: estatelint/v1\nkind: Owner\nmetadata:\n  name: team-{i:05}\n  title: Team {i}\nspec:\n  type: team\n  contact: team-{i:05}@example.com\n");
        if !rng.chance(3) {
            let _ = writeln!(t, "  onCall: https://oncall.example.com/team-{i:05}");
        }
        t.push_str("  members:\n");
        for m in 0..members {
            let _ = writeln!(t, "    - person-{i:05}-{m}");
        }
        if rng.chance(50) {
            let _ = writeln!(t, "  deputy: team-{:05}", (i + 1) % owners);
        }
        let _ = writeln!(
            t,
            "  status: {}",
            if departed { "departed" } else { "active" }
        );
        w.doc(&t);
    }
    w.flush();
    total += w.bytes;

    // What later documents need to know of each system, so that most references they make
    // are consistent and only a small share breaks each cross-document rule.
    let mut tiers = Vec::with_capacity(n);
    let mut classes = Vec::with_capacity(n);
    let mut objectives: Vec<Option<(u64, u64)>> = Vec::with_capacity(n);
    // A system that depends on the next one makes that one depend back on it: a cycle.
    let mut back_to: Vec<Option<usize>> = vec![None; n];
    let mut w = Writer::new(out, "systems");
    for i in 0..n {
        let tier = 1 + rng.below(4);
        tiers.push(tier);
        let owner = rng.below(owners as u64);
        // `ownership/owner-required`: a few systems name no owner.
        let owned = !rng.chance(1);
        let lifecycle = if rng.chance(90) {
            "production"
        } else {
            rng.pick(&["planned", "deprecated", "retired"])
        };
        let capability = if rng.chance(1) {
            "crm".to_string()
        } else {
            format!("{}-{}", rng.pick(&CAPABILITIES), i)
        };
        let class_index = rng.below(CLASSES.len() as u64) as usize;
        classes.push(class_index);
        let class = CLASSES[class_index];
        let regions = if tier == 1 && rng.chance(95) { 2 } else { 1 };
        let mut t = format!(
            "apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: sys-{i:06}\n  title: System {i}\n  labels: {{cost-centre: \"{}\"}}\nspec:\n{}  tier: {tier}\n  lifecycle: {lifecycle}\n  capability: {capability}\n  vendor: {}\n  exposure: {}\n  hosting:\n    provider: aws\n    regions: [{}]\n  data:\n    classification: {class}\n    encryption: {{atRest: {}, inTransit: {}}}\n  access:\n    sso: {}\n    mfa: {}\n    lastReview: {}\n",
            1000 + rng.below(9000),
            if owned { format!("  owner: team-{owner:05}\n") } else { String::new() },
            rng.pick(&VENDORS),
            if rng.chance(20) { "internet" } else { "internal" },
            REGIONS[..regions].join(", "),
            !rng.chance(2),
            !rng.chance(2),
            !rng.chance(3),
            if rng.chance(3) { "optional" } else { "required" },
            date(&mut rng, 0, 200),
        );
        if tier <= 2 {
            let rpo = rng.below(3) as usize;
            let rto = rng.below(3) as usize;
            // `continuity/recovery-objectives`: a few declare no recovery time objective.
            if rng.chance(2) {
                objectives.push(None);
                let _ = write!(t, "  continuity:\n    rpo: {}\n", RPO[rpo]);
            } else {
                objectives.push(Some((RPO_MINUTES[rpo], RTO_MINUTES[rto])));
                let _ = write!(
                    t,
                    "  continuity:\n    rpo: {}\n    rto: {}\n",
                    RPO[rpo], RTO[rto]
                );
            }
            if !rng.chance(3) {
                let _ = writeln!(
                    t,
                    "    runbook: https://wiki.example.com/runbooks/sys-{i:06}"
                );
            }
        }
        if tier > 2 {
            objectives.push(None);
        }
        if rng.chance(30) {
            let users = 10 + rng.below(500);
            // Headroom for the 30% growth the Organization plans, except in a few systems.
            let seats = if rng.chance(3) {
                users + rng.below(users / 4)
            } else {
                users + users * 3 / 10 + 1 + rng.below(users)
            };
            let _ = write!(
                t,
                "  capacity:\n    seats: {seats}\n    users: {users}\n    utilization: {}%\n",
                20 + rng.below(70)
            );
        }
        if i > 0 {
            let deps = rng.below(4) as usize;
            if deps > 0 || back_to[i].is_some() {
                t.push_str("  dependsOn:\n");
                let mut seen = Vec::new();
                if let Some(d) = back_to[i] {
                    seen.push(d);
                    let _ = writeln!(t, "    - sys-{d:06}");
                }
                for _ in 0..deps {
                    // Mostly earlier systems (acyclic), rarely a later one (a cycle).
                    let d = if rng.chance(1) && i + 1 < n {
                        back_to[i + 1] = Some(i);
                        i + 1
                    } else if rng.chance(3) {
                        rng.below(i as u64) as usize
                    } else {
                        // Mostly a system of the same or a more critical tier, that recovers
                        // at least as fast.
                        pick_consistent(&mut rng, i, |d| {
                            tiers[d] <= tier
                                && match (objectives[d], objectives[i]) {
                                    (Some((_, dep)), Some((_, own))) => dep <= own,
                                    _ => true,
                                }
                        })
                    };
                    if !seen.contains(&d) && d != i {
                        seen.push(d);
                        let _ = writeln!(t, "    - sys-{d:06}");
                    }
                }
            }
        }
        if rng.chance(3) {
            // Mostly passed (`security/end-of-life`), some within the warning period
            // (`security/end-of-life-soon`).
            let day = if rng.chance(25) {
                future_date(&mut rng, 170)
            } else {
                date(&mut rng, 0, 2000)
            };
            let _ = writeln!(t, "  endOfLife: {day}");
        }
        w.doc(&t);
    }
    w.flush();
    total += w.bytes;

    let mut w = Writer::new(out, "backups");
    for i in 0..n {
        let covered = i;
        let test_window = if rng.chance(5) { 400 } else { 80 };
        let uncovered = tiers[covered] <= 2 && rng.chance(3);
        if uncovered {
            continue;
        }
        let t = format!(
            "apiVersion: estatelint/v1\nkind: Backup\nmetadata:\n  name: backup-{i:06}\nspec:\n  owner: team-{:05}\n  covers: [sys-{covered:06}]\n  frequency: {}\n  retention: 35d\n  copies: {}\n  offsite: {}\n  immutable: {}\n  encrypted: {}\n  lastRestoreTest:\n    date: {}\n    result: {}\n    duration: {}\n",
            rng.below(owners as u64),
            match objectives[covered] {
                // Mostly as often as the covered system's rpo asks.
                Some((rpo, _)) if !rng.chance(3) => match rpo {
                    15 => "15m",
                    60 => rng.pick(&["15m", "1h"]),
                    _ => rng.pick(&["15m", "1h", "4h"]),
                },
                _ => rng.pick(&["15m", "15m", "1h", "1d"]),
            },
            if rng.chance(3) { 1 } else { 3 },
            !rng.chance(3),
            !rng.chance(5),
            !rng.chance(2),
            date(&mut rng, 0, test_window),
            if rng.chance(2) { "failed" } else { "passed" },
            // `continuity/restore-within-rto`: a few restores took longer than any rto.
            if rng.chance(3) { "12h" } else { "30m" },
        );
        w.doc(&t);
    }
    w.flush();
    total += w.bytes;

    let mut w = Writer::new(out, "integrations");
    for i in 0..2 * n {
        let from = rng.below(n as u64);
        let mut to = if rng.chance(3) {
            rng.below(n as u64)
        } else {
            // Mostly to a system classified at most one level lower.
            let source = classes[from as usize];
            pick_consistent(&mut rng, n, |d| classes[d] + 1 >= source) as u64
        };
        if to == from {
            to = (to + 1) % n as u64;
        }
        let auth = if rng.chance(2) {
            "none"
        } else if rng.chance(2) {
            // `security/integration-basic-auth`
            "basic"
        } else {
            rng.pick(&["oauth2", "mtls", "api-key"])
        };
        // `security/plaintext-secret`: a few descriptions quote a credential.
        let description = if rng.chance(1) {
            format!(
                "  description: \"nightly export; password={}Xy!\"\n",
                1000 + rng.below(9000)
            )
        } else {
            String::new()
        };
        // `security/integration-secret-ref`: a few credentials have no secret store reference.
        let secret_ref = if rng.chance(2) {
            String::new()
        } else {
            format!("  secretRef: vault://kv/integrations/int-{i:06}\n")
        };
        let t = format!(
            "apiVersion: estatelint/v1\nkind: Integration\nmetadata:\n  name: int-{i:06}\n{description}spec:\n  from: sys-{from:06}\n  to: sys-{to:06}\n  method: {}\n  transport: {}\n  auth: {auth}\n{secret_ref}  criticality: {}\n",
            if rng.chance(3) { "file" } else { rng.pick(&["api", "event"]) },
            if rng.chance(2) { "http" } else { "https" },
            rng.pick(&["low", "medium", "high"]),
        );
        w.doc(&t);
    }
    w.flush();
    total + w.bytes
}
