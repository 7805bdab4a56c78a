//! Helpers shared by the end-to-end tests: run the `estatelint` binary and capture its exit
//! code and output. Output is piped, so it is never coloured; `NO_COLOR` is removed so a test
//! can set it on purpose.

#![allow(dead_code)] // each test crate uses some of these

use std::ffi::OsStr;
use std::path::Path;

use assert_cmd::Command;

/// The binary, ready for arguments.
pub fn estatelint() -> Command {
    let mut cmd = Command::cargo_bin("estatelint").unwrap();
    cmd.env_remove("NO_COLOR");
    cmd
}

/// What a run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_cmd(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs in the package root (cargo's working folder for integration tests).
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_cmd(estatelint().args(args))
}

/// Runs in `dir`.
pub fn run_in<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_cmd(estatelint().current_dir(dir).args(args))
}
