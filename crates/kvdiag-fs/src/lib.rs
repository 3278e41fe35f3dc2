//! kvdiag-fs: reads kvdiag inputs from disk and standard input into a
//! [`SnapshotBuilder`](kvdiag::SnapshotBuilder).
//!
//! Directories are walked recursively in name order; each file is classified by its path first
//! ([`layout::classify`]) so irrelevant files and Secrets are never opened; the rest are read and
//! parsed in parallel, then added in path order so that the result does not depend on timing.
//!
//! ```no_run
//! let mut builder = kvdiag::Snapshot::builder();
//! kvdiag_fs::add_path(&mut builder, std::path::Path::new("must-gather.local.123"))?;
//! let snapshot = builder.build();
//! # Ok::<(), kvdiag_fs::Error>(())
//! ```

pub mod fixture;
pub mod layout;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kvdiag::{Hint, ParseError, Parsed, SnapshotBuilder, parse_input};
use rayon::prelude::*;

use layout::Decision;

/// Errors that stop a run: an input the user named cannot be used at all. Problems with single
/// files inside a folder are not errors; they are recorded in the report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path given by the user does not exist or cannot be read.
    #[error("{path}: {source}")]
    Path {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Standard input could not be read.
    #[error("standard input: {0}")]
    Stdin(std::io::Error),
    /// A fixture's `expected.yaml` is not valid.
    #[error("{path}: {reason}")]
    Expected {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Adds a file or a directory tree.
pub fn add_path(builder: &mut SnapshotBuilder, path: &Path) -> Result<(), Error> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Path {
        path: path.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    if meta.is_dir() {
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e.path().strip_prefix(path).unwrap_or(e.path()).to_owned();
                    files.push((e.path().to_owned(), layout::classify(&rel)));
                }
                Ok(_) => {}
                Err(e) => {
                    let p = e
                        .path()
                        .map_or_else(|| path.display().to_string(), |p| p.display().to_string());
                    builder.fail(p, e.to_string());
                }
            }
        }
    } else {
        let name = path
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| path.to_owned());
        files.push((path.to_owned(), layout::classify(&name)));
    }
    add_files(builder, files);
    Ok(())
}

/// Adds standard input (or any reader) as one input named `-`; the content decides what it is.
pub fn add_reader(builder: &mut SnapshotBuilder, mut reader: impl Read) -> Result<(), Error> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(Error::Stdin)?;
    let _ = builder.add_input("-", &bytes, &Hint::Auto);
    Ok(())
}

/// Adds rule files: a file, or every `.yaml`/`.yml` file of a directory tree in name order.
pub fn add_rules(builder: &mut kvdiag::RuleSetBuilder, path: &Path) -> Result<(), Error> {
    let io = |source| Error::Path {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let mut files = Vec::new();
    if meta.is_dir() {
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            let entry = entry.map_err(|e| Error::Path {
                path: e.path().map_or_else(|| path.to_owned(), Path::to_owned),
                source: e.into(),
            })?;
            let is_yaml = entry
                .path()
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml");
            if entry.file_type().is_file() && is_yaml {
                files.push(entry.into_path());
            }
        }
    } else {
        files.push(path.to_owned());
    }
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| Error::Path {
            path: file.clone(),
            source,
        })?;
        builder.add_source(&file.display().to_string(), &text);
    }
    Ok(())
}

/// Reads and parses in parallel, then adds in the given (sorted) order.
fn add_files(builder: &mut SnapshotBuilder, files: Vec<(PathBuf, Decision)>) {
    let results: Vec<(Arc<str>, Outcome)> = files
        .into_par_iter()
        .map(|(path, decision)| {
            let name: Arc<str> = Arc::from(path.display().to_string());
            let outcome = match decision {
                Decision::Skip(reason) => Outcome::Skipped(reason),
                Decision::Read(hint) => match std::fs::read(&path) {
                    Ok(bytes) => Outcome::Parsed(parse_input(&name, &bytes, &hint)),
                    Err(e) => Outcome::Unreadable(e.to_string()),
                },
            };
            (name, outcome)
        })
        .collect();
    for (name, outcome) in results {
        match outcome {
            Outcome::Skipped(reason) => builder.skip(name, reason),
            Outcome::Unreadable(reason) => builder.fail(name, reason),
            Outcome::Parsed(parsed) => {
                let _ = builder.add_parsed(name, parsed);
            }
        }
    }
}

enum Outcome {
    Skipped(&'static str),
    Unreadable(String),
    Parsed(Result<Parsed, ParseError>),
}
