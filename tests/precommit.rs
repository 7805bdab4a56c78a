//! The pre-commit integration, run with the real `pre-commit` tool (from PyPI) against a
//! temporary git repository whose hook is estatelint (`repo: local`, `language: system`): a
//! commit with a broken estate file is refused, the fixed one goes through.
//!
//! `pre-commit` is taken from PATH, or installed into `target/pre-commit-venv` with pip.

use std::path::{Path, PathBuf};
use std::process::Command;

fn pre_commit() -> PathBuf {
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return PathBuf::from("pre-commit");
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-venv");
    let bin = venv.join("bin/pre-commit");
    if !bin.is_file() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "python3 -m venv failed: pre-commit needs Python 3"
        );
        let pip = Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "pre-commit",
            ])
            .status();
        assert!(
            pip.is_ok_and(|s| s.success()),
            "pip install pre-commit failed"
        );
    }
    bin
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap()
}

const OWNER: &str = "apiVersion: estatelint/v1\nkind: Owner\nmetadata:\n  name: platform-team\nspec:\n  type: team\n  contact: platform@example.com\n";

fn system(owner: &str) -> String {
    format!("apiVersion: estatelint/v1\nkind: System\nmetadata:\n  name: wiki\nspec:\n  owner: {owner}\n  tier: 4\n  lifecycle: production\n")
}

#[test]
fn pre_commit_refuses_a_broken_estate_and_accepts_the_fix() {
    let pre_commit = pre_commit();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let home = tempfile::tempdir().unwrap();
    assert!(git(repo, &["init", "-q", "-b", "main"]).status.success());
    let exe = env!("CARGO_BIN_EXE_estatelint");
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: local\n    hooks:\n      - id: estatelint\n        name: estatelint\n        entry: {exe} check\n        language: system\n        types_or: [yaml]\n        require_serial: true\n"
        ),
    )
    .unwrap();
    std::fs::write(
        repo.join("estatelint.yaml"),
        "exclude: [\".pre-commit-config.yaml\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(repo.join("estate")).unwrap();
    std::fs::write(repo.join("estate/owners.yaml"), OWNER).unwrap();
    // The owner is misspelt: only the whole estate shows it does not resolve.
    std::fs::write(repo.join("estate/wiki.yaml"), system("platfrom-team")).unwrap();

    let install = Command::new(&pre_commit)
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", home.path())
        .arg("install")
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );

    let commit = |message: &str| {
        assert!(git(repo, &["add", "-A"]).status.success());
        let out = Command::new("git")
            .current_dir(repo)
            .args(["commit", "-q", "-m", message])
            .env("PRE_COMMIT_HOME", home.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };

    let (ok, output) = commit("add the wiki");
    assert!(!ok, "the broken estate was committed:\n{output}");
    assert!(output.contains("estatelint"), "{output}");
    assert!(
        output.contains("owner `platfrom-team` of System `wiki` is not a defined Owner"),
        "{output}"
    );
    assert!(output.contains("did you mean `platform-team`?"), "{output}");
    assert!(
        !git(repo, &["rev-parse", "HEAD"]).status.success(),
        "no commit was made"
    );

    std::fs::write(repo.join("estate/wiki.yaml"), system("platform-team")).unwrap();
    let (ok, output) = commit("add the wiki");
    assert!(ok, "the fixed estate was refused:\n{output}");
    assert!(git(repo, &["rev-parse", "HEAD"]).status.success());
}
