//! `estatelint init`: writes a starter `estatelint.yaml`, a small estate and an example custom
//! rule pack, never overwriting a file.

use std::path::{Path, PathBuf};

use crate::diag::Fatal;
use crate::value::Date;

/// The files `init` writes, relative to the target folder.
pub const FILES: [(&str, &str); 6] = [
    ("estatelint.yaml", include_str!("init/estatelint.yaml")),
    (
        "estate/organization.yaml",
        include_str!("init/organization.yaml"),
    ),
    ("estate/owners.yaml", include_str!("init/owners.yaml")),
    ("estate/systems.yaml", include_str!("init/systems.yaml")),
    ("estate/backups.yaml", include_str!("init/backups.yaml")),
    ("policy/acme.yaml", include_str!("init/naming.yaml")),
];

/// Writes the starter files under `dir`; dates in the estate are recent relative to `today`,
/// so the time-based rules pass. Returns the files written.
pub fn run(dir: &Path, today: Date) -> Result<Vec<PathBuf>, Fatal> {
    let existing: Vec<String> = FILES
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| crate::discover::display_name(&p))
        .collect();
    if !existing.is_empty() {
        return Err(Fatal::message(format!(
            "not overwriting {}",
            existing
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let recent = Date::from_days(today.days() - 30).to_string();
    let mut written = Vec::new();
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write_error(parent, &e))?;
        }
        let text = text
            .replace("LAST_REVIEW", &recent)
            .replace("LAST_TEST", &recent);
        std::fs::write(&path, text).map_err(|e| write_error(&path, &e))?;
        written.push(path);
    }
    Ok(written)
}

fn write_error(path: &Path, e: &std::io::Error) -> Fatal {
    Fatal::message(format!(
        "cannot write `{}`: {}",
        crate::discover::display_name(path),
        crate::discover::io_message(e)
    ))
}
