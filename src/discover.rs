//! File discovery: walks the given paths for `*.yaml`/`*.yml`, skipping hidden and VCS
//! folders, then applies include/exclude globs.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Include/exclude globs, matched against paths relative to `base` with `/` separators.
#[derive(Clone, Debug)]
pub struct Filter {
    /// Absolute folder the globs are relative to.
    base: PathBuf,
    cwd: PathBuf,
    include: Option<GlobSet>,
    exclude: GlobSet,
}

/// A glob that does not parse, and the problem.
#[derive(Debug)]
pub struct BadGlob {
    pub glob: String,
    pub error: String,
}

impl Filter {
    pub fn new(base: &Path, include: &[String], exclude: &[String]) -> Result<Filter, BadGlob> {
        let build = |globs: &[String]| -> Result<GlobSet, BadGlob> {
            let mut b = GlobSetBuilder::new();
            for g in globs {
                b.add(Glob::new(g).map_err(|e| BadGlob {
                    glob: g.clone(),
                    error: e.kind().to_string(),
                })?);
            }
            b.build().map_err(|e| BadGlob {
                glob: globs.join(", "),
                error: e.to_string(),
            })
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        Ok(Filter {
            base: cwd.join(base),
            cwd,
            include: if include.is_empty() {
                None
            } else {
                Some(build(include)?)
            },
            exclude: build(exclude)?,
        })
    }

    fn relative(&self, path: &Path) -> String {
        let absolute = self.cwd.join(path);
        match absolute.strip_prefix(&self.base) {
            Ok(rel) => slash_path(rel),
            Err(_) => slash_path(path),
        }
    }

    pub fn excludes(&self, path: &Path) -> bool {
        self.exclude.is_match(self.relative(path))
    }

    pub fn includes(&self, path: &Path) -> bool {
        !self.excludes(path)
            && self
                .include
                .as_ref()
                .is_none_or(|inc| inc.is_match(self.relative(path)))
    }
}

/// A path as shown to users: relative to the working folder when under it, `/`-separated.
pub fn display_name(path: &Path) -> String {
    display_name_in(std::env::current_dir().ok().as_deref(), path)
}

/// [`display_name`] with the working folder already asked for (once per run, not once per
/// file: each asking is a system call, two a file at 100,000 systems).
pub fn display_name_in(cwd: Option<&Path>, path: &Path) -> String {
    let rel = cwd.and_then(|cwd| path.strip_prefix(cwd).ok());
    slash_path(rel.unwrap_or(path))
}

/// A path with `/` separators and no leading `./`.
pub fn slash_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// What the walk found: files to check, and paths that could not be walked.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<PathBuf>,
    pub errors: Vec<(PathBuf, String)>,
}

/// Finds the YAML files under `paths`. A path named explicitly is checked whatever its
/// extension (unless excluded); a path that does not exist is an error for the caller.
pub fn discover(paths: &[PathBuf], filter: &Filter) -> Result<Discovered, PathBuf> {
    let mut found = Discovered::default();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|_| root.clone())?;
        if meta.is_file() {
            if !filter.excludes(root) {
                found.files.push(root.clone());
            }
            continue;
        }
        let exclude_filter = {
            let root = root.clone();
            let filter = filter.clone();
            move |entry: &ignore::DirEntry| entry.path() == root || !filter.excludes(entry.path())
        };
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            // Ignore files are not read: a hostile repository can make one block the walk (a
            // FIFO named .gitignore), and include/exclude globs say what to check.
            .parents(false)
            .git_ignore(false)
            .git_global(false)
            .git_exclude(false)
            .ignore(false)
            .follow_links(false)
            .filter_entry(exclude_filter)
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let path = e.path();
                    if e.file_type().is_some_and(|t| t.is_file())
                        && is_yaml(path)
                        && filter.includes(path)
                    {
                        found.files.push(path.to_path_buf());
                    }
                }
                Err(err) => {
                    let path = error_path(&err).unwrap_or_else(|| root.clone());
                    found.errors.push((path, walk_error_message(&err)));
                }
            }
        }
    }
    found.files.sort();
    found.files.dedup();
    found.errors.sort();
    Ok(found)
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to `{}`", slash_path(ancestor))
        }
        ignore::Error::Io(io) => io_message(io),
        other => other.to_string(),
    }
}

/// An I/O error as a lowercase message without the OS error number.
pub fn io_message(err: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match err.kind() {
        NotFound => "file not found".into(),
        PermissionDenied => "permission denied".into(),
        IsADirectory => "is a directory".into(),
        _ => {
            let s = err.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s);
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_lowercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}
