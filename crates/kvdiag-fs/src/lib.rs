//! kvdiag-fs: reads kvdiag inputs from disk and standard input into a
//! [`kvdiag::SnapshotBuilder`].
//!
//! A path is a file, a directory tree or an archive (`.tar`, `.tar.gz`/`.tgz`, `.tar.xz`,
//! `.tar.zst`, `.tar.bz2`, `.zip`, read as a stream, never extracted to disk); standard input
//! may be any of them, recognised by its first bytes. All files of a tree or an archive are planned together by
//! [`layout::plan`] from their paths alone, so that irrelevant files and Secrets are never
//! opened; the rest are read and parsed in parallel and added in path order, so that the result
//! does not depend on timing, nor on whether the tree was packed.
//!
//! Inputs are named by their path; an archive's entries are named
//! `<archive path>!/<path inside the archive>` (e.g. `case.tar.gz!/must-gather.local.1/...`).
//! A tree and the same tree packed give the same report but for that prefix.
//!
//! ```no_run
//! let mut builder = kvdiag::Snapshot::builder();
//! kvdiag_fs::add_path(&mut builder, std::path::Path::new("must-gather.local.123"))?;
//! let snapshot = builder.build();
//! # Ok::<(), kvdiag_fs::Error>(())
//! ```

mod archive;
mod bounded;
pub mod fixture;
pub mod layout;
mod spool;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use kvdiag::parse::{
    HANDLER, KernelAnchors, LogFilter, LogScanner, McpPart, SplitScanner, capture_timestamp,
    log_parsed, parse_owned_with,
};
use kvdiag::{Hint, InputKind, Limits, LogStreamBuilder, ParseError, Parsed, SnapshotBuilder};
use rayon::prelude::*;

pub use archive::{ARCHIVE_STREAM_BYTES, add_archive_bytes};
use layout::{Decision, ListContents, Magic, Nested, Plan, TimeFile};

/// Errors that stop a run: an input the user named cannot be used at all. Problems with single
/// files inside a folder or an archive are not errors; they are recorded in the report.
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

/// Bytes read at a time from a log.
const CHUNK: usize = 64 * 1024;
/// Bytes inspected to tell binary data from text (as the core does).
const SNIFF_BYTES: usize = 8192;
/// Largest `timestamp` file read.
const MAX_TIMESTAMP_FILE: u64 = 64 * 1024;

/// Adds a file, a directory tree or an archive, within the builder's
/// [`limits`](SnapshotBuilder::limits).
pub fn add_path(builder: &mut SnapshotBuilder, path: &Path) -> Result<(), Error> {
    let limits = builder.current_limits().clone();
    let meta = std::fs::metadata(path).map_err(|source| Error::Path {
        path: path.to_owned(),
        source,
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if is_device(&meta) {
        builder.fail(path.display().to_string(), SPECIAL_FILE);
    } else if meta.is_dir() {
        add_dir(builder, path, &limits);
    } else if let Some(kind) = layout::archive_kind(&file_name) {
        archive::add(builder, path, kind, &limits);
    } else {
        let plan = layout::plan_file(&file_name);
        let name: Arc<str> = Arc::from(path.display().to_string());
        let filter = builder.log_filter().cloned();
        let outcome = read_planned(&plan, &name, &limits, filter.as_ref(), || {
            std::fs::File::open(path)
        });
        let entry = Entry {
            rel: Rel::new(&name, &[file_name]),
            name,
            kind: plan.kind,
        };
        add_outcomes(builder, vec![(entry, outcome)]);
    }
    Ok(())
}

/// Adds standard input (or any reader) as one input named `-`; the content decides what it is:
/// an archive (zip, tar, or a tar compressed with gzip, xz, zstd or bzip2; its entries are
/// named `-!/PATH`), a single compressed file, or a document or log. A stream cannot be seeked:
/// it is held in memory, at most the decompressed size limit; past it, it is reported and
/// not read.
pub fn add_reader(builder: &mut SnapshotBuilder, reader: impl Read) -> Result<(), Error> {
    let limits = builder.current_limits().clone();
    let mut bytes = Vec::new();
    reader
        .take(limits.decompressed_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Error::Stdin)?;
    if bytes.len() as u64 > limits.decompressed_bytes {
        builder.fail(
            STDIN,
            format!(
                "standard input larger than the decompressed size limit ({}; raise it with \
                 --max-decompressed-size): not read (give the file's path instead)",
                kvdiag::limits::human_bytes(limits.decompressed_bytes)
            ),
        );
        return Ok(());
    }
    let add_archive = |builder: &mut SnapshotBuilder, kind| {
        archive::add_source(
            builder,
            archive::Source::Bytes(&bytes),
            STDIN,
            kind,
            &limits,
        );
    };
    let codec = match layout::magic(&bytes) {
        Some(Magic::Zip) => {
            add_archive(builder, layout::ArchiveKind::Zip);
            return Ok(());
        }
        Some(Magic::Tar) => {
            add_archive(builder, layout::ArchiveKind::Tar);
            return Ok(());
        }
        Some(Magic::Gzip) => bounded::Codec::Gzip,
        Some(Magic::Xz) => bounded::Codec::Xz,
        Some(Magic::Zstd) => bounded::Codec::Zstd,
        Some(Magic::Bzip2) => bounded::Codec::Bzip2,
        None => {
            let _ = builder.add_input(STDIN, &bytes, &Hint::Auto);
            return Ok(());
        }
    };
    // A compressed tar, or one compressed file: its first block says which.
    let total = || Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut head = Vec::new();
    let peek = bounded::decompress(codec, bytes.as_slice(), &limits, total())
        .and_then(|d| d.take(512).read_to_end(&mut head));
    if peek.is_ok() && layout::magic(&head) == Some(Magic::Tar) {
        let kind = match codec {
            bounded::Codec::Gzip => layout::ArchiveKind::TarGz,
            bounded::Codec::Xz => layout::ArchiveKind::TarXz,
            bounded::Codec::Zstd => layout::ArchiveKind::TarZst,
            bounded::Codec::Bzip2 => layout::ArchiveKind::TarBz2,
        };
        add_archive(builder, kind);
        return Ok(());
    }
    let mut plain = Vec::new();
    let read = bounded::decompress(codec, bytes.as_slice(), &limits, total())
        .and_then(|mut d| d.read_to_end(&mut plain));
    match read {
        Ok(_) => {
            let _ = builder.add_input(STDIN, &plain, &Hint::Auto);
        }
        Err(e) => builder.fail(STDIN, e.to_string()),
    }
    Ok(())
}

/// The name of standard input.
const STDIN: &str = "-";

/// Adds rule files: a file, or every `.yaml`/`.yml` file of a directory tree in name order.
/// Fixture folders (folders holding an `expected.yaml`, see [`fixture`]) are skipped, so that
/// a rule's fixtures can live beside it.
pub fn add_rules(builder: &mut kvdiag::RuleSetBuilder, path: &Path) -> Result<(), Error> {
    add_rules_and_fixtures(builder, path).map(drop)
}

/// Adds the rule files of `path` as [`add_rules`] does, and returns the fixture folders found
/// on the way (`path` itself when it is one), in name order: what `kvdiag rules test DIR` runs.
/// A folder of fixture folders (no YAML file of its own, fixture folders among its children,
/// like this repository's `fixtures/`) holds no rules: its fixture folders are returned.
pub fn add_rules_and_fixtures(
    builder: &mut kvdiag::RuleSetBuilder,
    path: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let io = |source| Error::Path {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let mut files = Vec::new();
    let mut fixtures = Vec::new();
    if meta.is_dir()
        && let Some(children) = fixture_folders_of(path)
    {
        return Ok(children);
    }
    if meta.is_dir() {
        let walk = walkdir::WalkDir::new(path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let fixture = e.file_type().is_dir() && fixture::is_fixture(e.path());
                if fixture {
                    fixtures.push(e.path().to_owned());
                }
                !fixture
            });
        for entry in walk {
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
    Ok(fixtures)
}

/// The fixture folders of a folder of fixture folders: one that holds no YAML file of its own
/// and has fixture folders among its children (in name order); `None` for any other folder.
fn fixture_folders_of(dir: &Path) -> Option<Vec<PathBuf>> {
    if fixture::is_fixture(dir) {
        return None;
    }
    let mut children = Vec::new();
    for entry in std::fs::read_dir(dir).ok()?.filter_map(Result::ok) {
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && path.is_file() {
            return None;
        }
        if path.is_dir() && fixture::is_fixture(&path) {
            children.push(path);
        }
    }
    children.sort();
    (!children.is_empty()).then_some(children)
}

/// One planned file of a capture.
struct Item {
    /// Path inside the capture, its components joined by `/`.
    rel: Rel,
    /// The input's name in the report.
    name: Arc<str>,
    plan: Plan,
}

/// A file's path inside its capture, its components joined by `/`. It is most often the end
/// of the file's name (`<root>/<path>`, `<archive>!/<path>`): then only where it starts is
/// held, as a listing of tens of thousands of files is held until all are read.
enum Rel {
    /// The name from this byte on.
    Tail(usize),
    /// Not the end of the name (the entries of an archive inside a capture).
    Own(Box<str>),
}

impl Rel {
    /// The path of components `parts` in a file named `name`.
    fn new(name: &str, parts: &[impl AsRef<str>]) -> Rel {
        let len = parts.iter().map(|p| p.as_ref().len() + 1).sum::<usize>();
        let tail = name
            .len()
            .checked_sub(len.saturating_sub(1))
            .filter(|&at| name.is_char_boundary(at))
            .filter(|&at| name[at..].split('/').eq(parts.iter().map(AsRef::as_ref)));
        match tail {
            Some(at) => Rel::Tail(at),
            None => Rel::Own(
                parts
                    .iter()
                    .map(AsRef::as_ref)
                    .collect::<Vec<_>>()
                    .join("/")
                    .into(),
            ),
        }
    }

    /// The path, in the file named `name`.
    fn of<'a>(&'a self, name: &'a str) -> &'a str {
        match self {
            Rel::Tail(at) => name.get(*at..).unwrap_or_default(),
            Rel::Own(rel) => rel,
        }
    }
}

impl Item {
    /// Its path inside the capture.
    fn rel(&self) -> &str {
        self.rel.of(&self.name)
    }

    /// What is kept of it once it is read: its plan goes.
    fn into_entry(self) -> Entry {
        Entry {
            rel: self.rel,
            name: self.name,
            kind: self.plan.kind,
        }
    }
}

/// A file that was read (or not), held with its outcome until the capture's files are all
/// read: what its outcome is reported under. Smaller than its [`Item`] (a plan is some 180
/// bytes), as tens of thousands of them wait at once.
struct Entry {
    /// Path inside the capture, its components joined by `/`.
    rel: Rel,
    /// The input's name in the report.
    name: Arc<str>,
    /// The kind of capture it belongs to.
    kind: InputKind,
}

impl Entry {
    /// Its path inside the capture.
    fn rel(&self) -> &str {
        self.rel.of(&self.name)
    }

    /// Its path's components, in order (see [`Entry::in_order`]).
    fn components(&self) -> std::str::Split<'_, char> {
        self.rel().split('/')
    }

    /// The order inputs are added in: by path, component by component.
    fn in_order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
        a.components().cmp(b.components())
    }
}

/// What reading one file gave.
enum Outcome {
    Skipped(&'static str),
    Unreadable(String),
    Parsed(Box<Result<Parsed, ParseError>>),
    CaptureTime(Option<Timestamp>, TimeFile),
    /// An archive read where it lies in a capture: its entries (their paths continuing the
    /// archive's), and the fault that ended it, if any.
    Archive {
        entries: Vec<(Entry, Outcome)>,
        error: Option<String>,
    },
}

/// Why a path of a tree is not read as a file: it is not one.
enum NotAFile {
    Skipped(&'static str),
    Unreadable(String),
}

/// One path of a directory tree, as listed.
enum Listed {
    /// A file (or a link to one): its components under the root, and its path.
    File(Vec<String>, PathBuf),
    /// Something not read as a file: its components, its path, and why.
    Other(Vec<String>, PathBuf, NotAFile),
    /// A directory or entry that could not be listed: its path and the OS error.
    Failed(String, String),
}

/// Lists the directory `dir` (whose components under the tree's root are `rel`): its entries
/// sorted by name, each directory's listing in its place (so the order is a walk's, depth
/// first), subdirectories listed in parallel. Symbolic links to directories are not followed.
fn list_dir(dir: &Path, rel: &[String]) -> Vec<Listed> {
    let failed =
        |path: &Path, e: std::io::Error| Listed::Failed(path.display().to_string(), e.to_string());
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return vec![failed(dir, e)],
    };
    let mut out = Vec::new();
    let mut found = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => found.push(entry),
            Err(e) => out.push(failed(dir, e)),
        }
    }
    found.sort_by_key(std::fs::DirEntry::file_name);
    let listed: Vec<Vec<Listed>> = found
        .into_par_iter()
        .map(|entry| {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let ft = match entry.file_type() {
                Ok(ft) => ft,
                Err(e) => return vec![failed(&path, e)],
            };
            let is_file_name = layout::is_file_name(&name);
            let components = [rel, &[name]].concat();
            let other = |why| vec![Listed::Other(components.clone(), path.clone(), why)];
            if ft.is_symlink() {
                return match std::fs::metadata(&path) {
                    Ok(m) if m.is_file() => vec![Listed::File(components, path)],
                    Ok(m) if m.is_dir() => other(NotAFile::Skipped(LINKED_DIR)),
                    Ok(_) => other(NotAFile::Skipped(SPECIAL_FILE)),
                    Err(e) => other(NotAFile::Unreadable(format!("symbolic link: {e}"))),
                };
            }
            if ft.is_dir() {
                let mut inner = Vec::new();
                if is_file_name {
                    inner.extend(other(NotAFile::Skipped(DIR_AS_FILE)));
                }
                inner.extend(list_dir(&path, &components));
                return inner;
            }
            if ft.is_file() {
                vec![Listed::File(components, path)]
            } else {
                other(NotAFile::Skipped(SPECIAL_FILE))
            }
        })
        .collect();
    out.extend(listed.into_iter().flatten());
    out
}

/// Reason for a symbolic link to a directory.
const LINKED_DIR: &str = "symbolic link to a directory: not followed";
/// Reason for pipes, sockets and devices, which may block or never end.
const SPECIAL_FILE: &str = "not a regular file (pipe, socket or device): not opened";
/// A device or a socket (which may never end); pipes are read (`<(oc get pods -o yaml)`).
fn is_device(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        t.is_char_device() || t.is_block_device() || t.is_socket()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Reason for a directory named like a file kvdiag would read.
const DIR_AS_FILE: &str = "a directory where a file was expected";

/// Walks a directory, plans every file, reads the needed ones in parallel (copies last, only
/// when their list file did not hold the object), then the archives found in the tree.
/// Symbolic links to files are read; links to directories are not followed (no loop can form).
fn add_dir(builder: &mut SnapshotBuilder, root: &Path, limits: &Limits) {
    let mut items = Vec::new();
    let mut archives = Vec::new();
    let mut others: Vec<(Vec<String>, PathBuf, NotAFile)> = Vec::new();
    for listed in list_dir(root, &[]) {
        match listed {
            Listed::File(rel, path) => items.push((path, rel)),
            Listed::Other(rel, path, why) => others.push((rel, path, why)),
            Listed::Failed(path, reason) => builder.fail(path, reason),
        }
    }
    // What is not a file is planned with the files, so that it is reported under the kind of
    // capture it lies in. The paths are moved to be planned, and back (a listing of tens of
    // thousands of files is held once).
    let first_other = items.len();
    let (paths, mut rels): (Vec<PathBuf>, Vec<Vec<String>>) = items.into_iter().unzip();
    let others: Vec<(PathBuf, NotAFile)> = others
        .into_iter()
        .map(|(rel, path, why)| {
            rels.push(rel);
            (path, why)
        })
        .collect();
    let plans = layout::plan(&rels);
    let mut planned: Vec<(Vec<String>, Plan)> = rels.into_iter().zip(plans).collect();
    let others: Vec<_> = others
        .into_iter()
        .zip(planned.split_off(first_other))
        .collect();
    let items: Vec<_> = paths.into_iter().zip(planned).collect();
    let mut inner = Vec::new();
    let mut items: Vec<(Option<PathBuf>, Item)> = items
        .into_iter()
        .filter_map(|(path, (rel, plan))| {
            // An archive among loose files is read on its own; one where a layout puts it,
            // as part of its capture.
            if let Decision::Archive(kind, nested) = plan.decision {
                if nested == Nested::Own {
                    archives.push((path, kind));
                } else {
                    let name: Arc<str> = Arc::from(path.display().to_string());
                    let rel = Rel::new(&name, &rel);
                    inner.push((path, Item { rel, name, plan }, kind, nested));
                }
                return None;
            }
            let (name, path) = named(path);
            let rel = Rel::new(&name, &rel);
            Some((path, Item { rel, name, plan }))
        })
        .collect();
    let filter = builder.log_filter().cloned();
    let read = |(path, item): (Option<PathBuf>, Item)| {
        let outcome = read_planned(&item.plan, &item.name, limits, filter.as_ref(), || {
            std::fs::File::open(path.as_deref().unwrap_or(Path::new(&*item.name)))
        });
        (item.into_entry(), outcome)
    };
    // Copies wait for their list files. The others are read in place of the listing (a
    // second vector of tens of thousands of plans would be held while they are read).
    let copies: Vec<_> = items
        .extract_if(.., |(_, item)| item.plan.copy_of.is_some())
        .collect();
    let mut done: Vec<(Entry, Outcome)> = items.into_par_iter().map(read).collect();
    let lists = list_contents(done.iter().map(|(e, o)| (e.rel(), o)));
    let seconds: Vec<(Entry, Outcome)> = copies
        .into_par_iter()
        .map(|(path, item)| {
            let needed = item
                .plan
                .copy_of
                .as_ref()
                .is_none_or(|c| layout::copy_needed(c, &lists));
            if needed {
                read((path, item))
            } else {
                (item.into_entry(), Outcome::Skipped(layout::COPY_REASON))
            }
        })
        .collect();
    done.extend(seconds);
    for (path, item, kind, nested) in inner {
        let total = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let source = archive::Source::Path(&path);
        let outcome = archive::nested(source, &item, kind, nested, limits, filter.as_ref(), total);
        done.push((item.into_entry(), outcome));
    }
    for ((path, why), (rel, plan)) in others {
        let name: Arc<str> = Arc::from(path.display().to_string());
        let outcome = match why {
            NotAFile::Skipped(reason) => Outcome::Skipped(reason),
            NotAFile::Unreadable(reason) => Outcome::Unreadable(reason),
        };
        let rel = Rel::new(&name, &rel);
        done.push((Item { rel, name, plan }.into_entry(), outcome));
    }
    add_tree_outcomes(builder, &root.display().to_string(), done);
    for (path, kind) in archives {
        archive::add(builder, &path, kind, limits);
    }
}

/// A listed file's name in the report, and its path when the name is not it (a path that is
/// not UTF-8): the file is opened by its name otherwise, so that a listing of tens of
/// thousands of files does not hold each path twice.
fn named(path: PathBuf) -> (Arc<str>, Option<PathBuf>) {
    match path.to_str() {
        Some(name) => (Arc::from(name), None),
        None => (Arc::from(path.display().to_string()), Some(path)),
    }
}

/// The object names each list file held, keyed by the file's path inside the capture.
fn list_contents<'a>(done: impl Iterator<Item = (&'a str, &'a Outcome)>) -> ListContents {
    let mut lists = ListContents::new();
    for (rel, outcome) in done {
        if let Outcome::Parsed(parsed) = outcome
            && let Ok(Parsed::Objects(docs)) = parsed.as_ref()
        {
            let names: BTreeSet<String> =
                docs.objects.iter().filter_map(|o| o.name.clone()).collect();
            lists.insert(rel.to_owned(), names);
        }
    }
    lists
}

/// Adds the outcomes of a tree or an archive named `root`: a recognised capture (a
/// must-gather, an inspect tree, a cluster-info dump) is a capture of its own, with its own
/// time and identities; anything else joins the loose inputs.
fn add_tree_outcomes(builder: &mut SnapshotBuilder, root: &str, done: Vec<(Entry, Outcome)>) {
    let kind = done
        .iter()
        .map(|(entry, _)| entry.kind)
        .filter(|k| *k != InputKind::File)
        .min();
    match kind {
        Some(kind) => {
            builder.begin_capture(root, kind);
            // An Insights archive is named after the moment it was taken.
            if kind == InputKind::Insights
                && let Some(time) = layout::insights_archive_time(root)
            {
                builder.capture_time_file(root, time);
            }
            add_outcomes(builder, done);
            builder.end_capture();
        }
        None => add_outcomes(builder, done),
    }
}

/// The entries of archives read in place join the files around them.
fn flatten(done: Vec<(Entry, Outcome)>, out: &mut Vec<(Entry, Outcome)>) {
    for (entry, outcome) in done {
        match outcome {
            Outcome::Archive { entries, error } => {
                flatten(entries, out);
                if let Some(e) = error {
                    out.push((entry, Outcome::Unreadable(e)));
                }
            }
            other => out.push((entry, other)),
        }
    }
}

/// Adds outcomes in path order. A tree's listing is in that order already, and most hold no
/// archive: then they are added as they are, not copied or sorted (a copy of tens of thousands
/// would be held while the objects it holds move to the builder).
fn add_outcomes(builder: &mut SnapshotBuilder, mut done: Vec<(Entry, Outcome)>) {
    if done
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Archive { .. }))
    {
        let nested = std::mem::take(&mut done);
        flatten(nested, &mut done);
    }
    if !done.is_sorted_by(|a, b| Entry::in_order(&a.0, &b.0).is_le()) {
        done.sort_by(|a, b| Entry::in_order(&a.0, &b.0));
    }
    let (objects, logs) = done.iter().fold((0, 0), |(objects, logs), (_, outcome)| {
        let Outcome::Parsed(parsed) = outcome else {
            return (objects, logs);
        };
        match parsed.as_ref() {
            Ok(Parsed::Objects(docs)) => (objects + docs.objects.len(), logs),
            Ok(Parsed::Log(_)) => (objects, logs + 1),
            Ok(Parsed::Logs(streams)) => (objects, logs + streams.len()),
            _ => (objects, logs),
        }
    });
    builder.reserve(objects, logs);
    for (entry, outcome) in done {
        let kind = entry.kind;
        match outcome {
            Outcome::Archive { .. } => {}
            Outcome::Skipped(reason) => builder.skip_as(entry.name, kind, reason),
            Outcome::Unreadable(reason) => builder.fail_as(entry.name, kind, reason),
            Outcome::Parsed(parsed) => {
                let _ = builder.add_parsed_as(entry.name, kind, *parsed);
            }
            Outcome::CaptureTime(Some(time), form) => {
                builder.capture_time_file(Arc::clone(&entry.name), time);
                let why = match form {
                    TimeFile::Timestamp => "capture time (timestamp file)",
                    TimeFile::BundleMetadata => "capture time (support bundle metadata)",
                };
                builder.skip_as(entry.name, kind, why);
            }
            Outcome::CaptureTime(None, TimeFile::Timestamp) => builder.fail_as(
                entry.name,
                kind,
                "a timestamp file without a Go time line (`2024-05-01 12:34:56.1 +0000 UTC`)",
            ),
            Outcome::CaptureTime(None, TimeFile::BundleMetadata) => builder.fail_as(
                entry.name,
                kind,
                "support bundle metadata without a `bundlecreatedat` time (RFC 3339)",
            ),
        }
    }
}

/// Reads and parses one planned file from the reader `open` gives; `open` is called again
/// for a log read twice (a node kernel log).
fn read_planned<R: Read>(
    plan: &Plan,
    name: &Arc<str>,
    limits: &Limits,
    filter: Option<&LogFilter>,
    mut open: impl FnMut() -> std::io::Result<R>,
) -> Outcome {
    if let Decision::Skip(reason) = plan.decision {
        return Outcome::Skipped(reason);
    }
    if plan.gzip {
        return read_plain(plan, name, limits, filter, || {
            open().map(|r| bounded::gunzip(r, limits))
        });
    }
    read_plain(plan, name, limits, filter, open)
}

/// Parses a planned file held in memory (an archive entry), decompressing `.gz` within the
/// limits.
fn read_from(
    plan: &Plan,
    name: &Arc<str>,
    limits: &Limits,
    filter: Option<&LogFilter>,
    bytes: &[u8],
) -> Outcome {
    read_planned(plan, name, limits, filter, || Ok(bytes))
}

/// How many times [`read_planned`] may call its `open` for this plan: a node kernel log is
/// read twice when filtered (its anchors, then cut); a log whose path says nothing of its
/// writer up to three times (its head, then as a kernel log). An archive entry, which
/// cannot be read again, is spooled for the readings after the first.
fn opens(plan: &Plan, filter: Option<&LogFilter>) -> usize {
    match (&plan.decision, filter) {
        (Decision::Read(Hint::Log(hint)), Some(_)) => {
            if hint.pod.is_some() || hint.container.is_some() || hint.kind.is_some() {
                if hint.kind == Some(kvdiag::LogKind::Kernel) {
                    2
                } else {
                    1
                }
            } else {
                3
            }
        }
        _ => 1,
    }
}

/// At most the bytes a planned file may need held at once: a document is read up to one byte
/// past the document size limit (so that the parser reports the limit); anything else whole.
fn read_cap(plan: &Plan, limits: &Limits) -> u64 {
    match plan.decision {
        Decision::Read(Hint::Document) => (limits.document_bytes as u64).saturating_add(1),
        _ => u64::MAX,
    }
}

fn read_plain<R: Read>(
    plan: &Plan,
    name: &Arc<str>,
    limits: &Limits,
    filter: Option<&LogFilter>,
    mut open: impl FnMut() -> std::io::Result<R>,
) -> Outcome {
    if let Decision::Read(Hint::Log(hint)) = &plan.decision
        && (hint.pod.is_some() || hint.container.is_some() || hint.kind.is_some())
    {
        // A log whose path says whose it is is streamed; one whose path says nothing of its
        // writer is read whole (below): its content may be kubectl text (a log behind
        // `--prefix` or stern prefixes).
        return match stream_log(name, hint, limits, filter, open) {
            Ok(parsed) => Outcome::Parsed(Box::new(parsed)),
            Err(e) => Outcome::Unreadable(e.to_string()),
        };
    }
    // A large loose input (a log whose path says nothing of its writer, or a file whose content
    // decides what it is) is streamed when its first bytes say it is a log as reading it whole
    // would (`LooseSniffer`); anything else is read whole (below), from the bytes already read
    // when they are all of it.
    if let (Decision::Read(hint), Some(_)) = (&plan.decision, filter)
        && let Some(mut sniffer) = kvdiag::parse::LooseSniffer::new(name, hint, limits)
    {
        let eof = match open().and_then(|r| sniff(r, &mut sniffer)) {
            Ok(eof) => eof,
            Err(e) => return Outcome::Unreadable(e.to_string()),
        };
        if let Some(bytes) = sniffer.take_input(eof) {
            return parse_whole(name, bytes, hint, limits, filter);
        }
        if let Some(source) = sniffer.finish(eof) {
            return match stream_source(source, limits, filter, true, open) {
                Ok(parsed) => Outcome::Parsed(Box::new(parsed)),
                Err(e) => Outcome::Unreadable(e.to_string()),
            };
        }
    }
    let reader = match open() {
        Ok(r) => r,
        Err(e) => return Outcome::Unreadable(e.to_string()),
    };
    match &plan.decision {
        Decision::Skip(reason) => Outcome::Skipped(reason),
        // Archives are read by the tree or archive they lie in, never as a file.
        Decision::Archive(..) => Outcome::Skipped(layout::NESTED_ARCHIVE),
        Decision::CaptureTime(form) => {
            let mut bytes = Vec::new();
            match reader.take(MAX_TIMESTAMP_FILE).read_to_end(&mut bytes) {
                Ok(_) => Outcome::CaptureTime(
                    match form {
                        TimeFile::Timestamp => capture_timestamp(&bytes),
                        TimeFile::BundleMetadata => bundle_created_at(&bytes),
                    },
                    *form,
                ),
                Err(e) => Outcome::Unreadable(e.to_string()),
            }
        }
        Decision::Read(hint) => {
            let mut bytes = Vec::new();
            let mut reader = reader.take(read_cap(plan, limits));
            // Binary data is known from its first bytes: the rest (of /dev/zero, say) is
            // never read.
            let head = (&mut reader)
                .take(SNIFF_BYTES as u64)
                .read_to_end(&mut bytes)
                .map(|_| kvdiag::parse::is_binary(&bytes));
            match head.and_then(|binary| {
                if !binary {
                    reader.read_to_end(&mut bytes)?;
                }
                Ok(binary)
            }) {
                Ok(true) => Outcome::Parsed(Box::new(Err(kvdiag::parse::binary_content_error()))),
                Ok(false) => parse_whole(name, bytes, hint, limits, filter),
                Err(e) => Outcome::Unreadable(e.to_string()),
            }
        }
    }
}

/// Parses an input read whole (binary content is an error), keeping only the log lines the
/// filter's rules can use; a large document's bytes are dropped before its objects are built.
fn parse_whole(
    name: &Arc<str>,
    bytes: Vec<u8>,
    hint: &Hint,
    limits: &Limits,
    filter: Option<&LogFilter>,
) -> Outcome {
    if kvdiag::parse::is_binary(&bytes[..bytes.len().min(SNIFF_BYTES)]) {
        return Outcome::Parsed(Box::new(Err(kvdiag::parse::binary_content_error())));
    }
    Outcome::Parsed(Box::new(
        parse_owned_with(name, bytes, hint, limits).map(|p| filter_parsed(p, filter)),
    ))
}

/// Gives `sniffer` the input's bytes from its start while it wants more; `true` when the input
/// ended.
fn sniff(
    mut reader: impl Read,
    sniffer: &mut kvdiag::parse::LooseSniffer,
) -> std::io::Result<bool> {
    let mut buf = vec![0u8; CHUNK];
    while sniffer.wants_more() {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => sniffer.push(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// The creation time in a support bundle's `metadata.yaml`: `bundlecreatedat` as yaml.v2
/// writes it (lower case), or `bundleCreatedAt` (the JSON tag), an RFC 3339 time.
fn bundle_created_at(bytes: &[u8]) -> Option<Timestamp> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        if !key.trim().eq_ignore_ascii_case("bundlecreatedat") {
            return None;
        }
        value.trim().trim_matches(['"', '\'']).parse().ok()
    })
}

/// Reads a log in chunks as it is scanned, or cut into excerpts and scanned (virt-handler and
/// node kernel logs); without a filter, straight into one stream, held once, as text.
fn stream_log<R: Read>(
    name: &Arc<str>,
    hint: &kvdiag::LogHint,
    limits: &Limits,
    filter: Option<&LogFilter>,
    open: impl FnMut() -> std::io::Result<R>,
) -> std::io::Result<Result<Parsed, ParseError>> {
    let source = kvdiag::LogSource {
        namespace: hint.namespace.clone(),
        pod: hint.pod.clone(),
        container: hint.container.clone(),
        previous: hint.previous,
        vm: hint.vm.clone(),
        node: hint.node.clone(),
        kind: hint.kind,
        ..kvdiag::LogSource::new(Arc::clone(name))
    };
    stream_source(source, limits, filter, streamable(hint), open)
}

/// Streams a log whose identity is known: `scan` when, unless it is a kernel or virt-handler
/// log (cut into excerpts), it is scanned as one stream.
fn stream_source<R: Read>(
    source: kvdiag::LogSource,
    limits: &Limits,
    filter: Option<&LogFilter>,
    scan: bool,
    mut open: impl FnMut() -> std::io::Result<R>,
) -> std::io::Result<Result<Parsed, ParseError>> {
    let max = limits.effective_line_bytes();
    // What the core would cut a log read whole into (see `kvdiag::parse::log_parsed`).
    let kernel = source.kind == Some(kvdiag::LogKind::Kernel) && source.pod_uid.is_none();
    let handler = !kernel && source.container.as_deref() == Some(HANDLER) && source.vm.is_none();
    let mut sink = match filter {
        Some(f) if scan && !kernel && !handler => {
            Sink::Scan(LogScanner::new(source, f).max_line_bytes(max))
        }
        Some(f) if handler => Sink::Split(Box::new(
            SplitScanner::handler(source, f).max_line_bytes(max),
        )),
        Some(f) if kernel => {
            // The first reading finds the lines that name pods; the second cuts and scans.
            let mut anchors = KernelAnchors::new(max);
            match pump(open()?, |chunk| anchors.push(chunk))? {
                Content::Text => {}
                other => return Ok(other.parsed()),
            }
            Sink::Split(Box::new(SplitScanner::kernel(source, f, anchors.finish())))
        }
        _ => Sink::Whole(LogStreamBuilder::new(source).max_line_bytes(max)),
    };
    let content = pump(open()?, |chunk| match &mut sink {
        Sink::Whole(b) => b.push(chunk),
        Sink::Scan(s) => s.push(chunk),
        Sink::Split(s) => s.push(chunk),
    })?;
    if content != Content::Text {
        return Ok(content.parsed());
    }
    Ok(Ok(match sink {
        Sink::Whole(b) => filter_parsed(log_parsed(b.finish()), filter),
        Sink::Scan(s) => Parsed::Log(s.finish()),
        Sink::Split(s) => Parsed::Logs(s.finish()),
    }))
}

/// What a log's bytes turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    /// A NUL byte in the first bytes: not read further.
    Binary,
    /// Only white space: "not collected".
    Blank,
    Text,
}

impl Content {
    /// The outcome of a log that is not text.
    fn parsed(self) -> Result<Parsed, ParseError> {
        match self {
            Content::Binary => Err(kvdiag::parse::binary_content_error()),
            Content::Blank | Content::Text => Ok(Parsed::Empty),
        }
    }
}

/// Reads a log in chunks into `sink`; stops at binary content.
fn pump(mut reader: impl Read, mut sink: impl FnMut(&[u8])) -> std::io::Result<Content> {
    let mut buf = vec![0u8; CHUNK];
    let mut seen = 0usize;
    let mut blank = true;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        if seen < SNIFF_BYTES && chunk[..n.min(SNIFF_BYTES - seen)].contains(&0) {
            return Ok(Content::Binary);
        }
        seen += n;
        blank &= chunk.iter().all(u8::is_ascii_whitespace);
        sink(chunk);
    }
    Ok(if blank { Content::Blank } else { Content::Text })
}

/// Where a log's bytes go as they are read.
enum Sink {
    Whole(LogStreamBuilder),
    Scan(LogScanner),
    Split(Box<SplitScanner>),
}

/// Keeps only the lines the filter's rules can use, in every log of a parsed input.
fn filter_parsed(parsed: Parsed, filter: Option<&LogFilter>) -> Parsed {
    let Some(f) = filter else { return parsed };
    match parsed {
        Parsed::Log(log) => Parsed::Log(log.filtered(f)),
        Parsed::Logs(logs) => Parsed::Logs(logs.into_iter().map(|l| l.filtered(f)).collect()),
        Parsed::Mcp(parts) => Parsed::Mcp(
            parts
                .into_iter()
                .map(|p| McpPart {
                    name: p.name,
                    parsed: p.parsed.map(|x| filter_parsed(x, Some(f))),
                })
                .collect(),
        ),
        other => other,
    }
}

/// Whether a log can be scanned as one stream as it is read: its path says whose it is (a pod's,
/// a VM's, a node's service journal: nothing is recognised from its content) and it is not cut
/// into excerpts (kernel and virt-handler logs are, as they are read: `SplitScanner`).
fn streamable(hint: &kvdiag::LogHint) -> bool {
    hint.kind != Some(kvdiag::LogKind::Kernel)
        && hint.container.as_deref() != Some(HANDLER)
        && (hint.container.is_some() || hint.kind.is_some())
        && (hint.pod.is_some() || hint.vm.is_some() || hint.node.is_some())
}

#[cfg(test)]
mod tests {
    use super::Rel;

    #[test]
    fn a_path_at_the_end_of_its_name_is_not_copied() {
        let name = "mg/must-gather.local.1/namespaces/ns/pods/p/p.yaml";
        let parts = [
            "must-gather.local.1",
            "namespaces",
            "ns",
            "pods",
            "p",
            "p.yaml",
        ];
        let rel = Rel::new(name, &parts);
        assert!(matches!(rel, Rel::Tail(3)));
        assert_eq!(rel.of(name), parts.join("/"));
        let entry = "support.zip!/nodes/n1.zip!/logs/kern.log";
        let rel = Rel::new(entry, &["logs", "kern.log"]);
        assert_eq!(rel.of(entry), "logs/kern.log");
    }

    #[test]
    fn a_path_that_is_not_the_end_of_its_name_is_held() {
        // Names that do not end with the path's text (the entries of an archive in a capture
        // are named after the archive, their path continues the archive's own).
        for (name, parts) in [
            (
                "mg/nodes/n1.zip!/logs/kern.log",
                &["nodes", "n1.zip", "logs", "kern.log"][..],
            ),
            ("a-b", &["a", "b"][..]),
            ("b", &["a", "b"][..]),
            ("é", &["\u{0301}"][..]),
        ] {
            let rel = Rel::new(name, parts);
            assert!(matches!(rel, Rel::Own(_)), "{name}");
            assert_eq!(rel.of(name), parts.join("/"), "{name}");
        }
    }
}
