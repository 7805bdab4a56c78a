//! Bytes → `Packs::default().add(...)`: a custom rule pack as `--rules` would load it. A pack
//! that loads is then run over a small fixed estate, so its compiled checks, selectors, CEL
//! and templates are evaluated too.
#![no_main]

use std::path::PathBuf;
use std::sync::Arc;

use estatelint::check::{lint, Input};
use estatelint::engine::Helps;
use estatelint::pack::{Packs, Rule};
use estatelint::value::Date;
use libfuzzer_sys::fuzz_target;

const ESTATE: &str = "apiVersion: estatelint/v1
kind: Organization
metadata: {name: acme}
spec: {headcount: 120, growth: {headcount: 40%}, policy: {fanOutMax: 2}}
---
apiVersion: estatelint/v1
kind: Owner
metadata: {name: team}
spec: {type: team, members: [a, b], status: active, deputy: gone}
---
apiVersion: estatelint/v1
kind: Owner
metadata: {name: gone}
spec: {status: departed}
---
apiVersion: estatelint/v1
kind: System
metadata: {name: crm, labels: {cost-centre: \"4100\"}}
spec:
  owner: team
  tier: 1
  lifecycle: production
  dependsOn: [erp, crm]
  continuity: {rpo: 1h, rto: 4h}
  capacity: {seats: 10, users: 12, utilization: 91%}
  access: {lastReview: 2025-01-01, mfa: optional}
---
apiVersion: estatelint/v1
kind: System
metadata: {name: erp}
spec: {owner: gone, tier: 3, dependsOn: [crm], endOfLife: 2026-12-01}
---
apiVersion: estatelint/v1
kind: Backup
metadata: {name: crm-backup}
spec: {covers: [crm], frequency: 1d, copies: 1, lastRestoreTest: {date: 2025-03-18, result: failed}}
---
apiVersion: estatelint/v1
kind: Integration
metadata: {name: crm-to-erp}
spec: {from: crm, to: erp, transport: http, auth: basic}
";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut packs = Packs::default();
    let errors = packs.add(
        PathBuf::from("fuzz-pack.yaml"),
        "fuzz-pack.yaml".into(),
        Arc::from(text.as_ref()),
        false,
    );
    if !errors.is_empty() || packs.packs.is_empty() {
        return;
    }
    let rules: Vec<&Rule> = packs.rules().collect();
    let input = Input::Text {
        path: PathBuf::from("estate.yaml"),
        name: "estate.yaml".into(),
        text: Arc::from(ESTATE),
    };
    let _ = lint(
        vec![input],
        &packs,
        &rules,
        &[],
        Date::parse("2026-11-23").unwrap(),
        Helps::Worded,
    );
});
