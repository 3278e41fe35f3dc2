//! kvdiag-fs: reads kvdiag inputs from disk and standard input into a
//! [`SnapshotBuilder`](kvdiag::SnapshotBuilder).
//!
//! A path is a file, a directory tree or an archive (`.tar`, `.tar.gz`/`.tgz`, `.zip`, read as a
//! stream, never extracted to disk). All files of a tree or an archive are planned together by
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
pub mod fixture;
pub mod layout;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use kvdiag::parse::{HANDLER, LogFilter, LogScanner, McpPart, capture_timestamp, log_parsed};
use kvdiag::{Hint, LogKind, LogStreamBuilder, ParseError, Parsed, SnapshotBuilder, parse_input};
use rayon::prelude::*;

use layout::{Decision, ListContents, Plan};

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

/// Adds a file, a directory tree or an archive.
pub fn add_path(builder: &mut SnapshotBuilder, path: &Path) -> Result<(), Error> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Path {
        path: path.to_owned(),
        source,
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if meta.is_dir() {
        add_dir(builder, path);
    } else if let Some(kind) = layout::archive_kind(&file_name) {
        archive::add(builder, path, kind);
    } else {
        let plan = layout::plan_file(&file_name);
        let name: Arc<str> = Arc::from(path.display().to_string());
        let filter = builder.log_filter().cloned();
        let outcome = read_planned(&plan, &name, filter.as_ref(), || std::fs::File::open(path));
        let item = Item {
            rel: vec![file_name],
            name,
            plan,
        };
        add_outcomes(builder, vec![(item, outcome)]);
    }
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

/// One planned file of a capture.
struct Item {
    /// Path inside the capture, by component: the order inputs are added in.
    rel: Vec<String>,
    /// The input's name in the report.
    name: Arc<str>,
    plan: Plan,
}

/// What reading one file gave.
enum Outcome {
    Skipped(&'static str),
    Unreadable(String),
    Parsed(Box<Result<Parsed, ParseError>>),
    CaptureTime(Option<Timestamp>),
}

/// Walks a directory, plans every file, reads the needed ones in parallel (copies last, only
/// when their list file did not hold the object), then the archives found in the tree.
fn add_dir(builder: &mut SnapshotBuilder, root: &Path) {
    let mut items = Vec::new();
    let mut archives = Vec::new();
    let mut add_file = |path: &Path| {
        let rel: Vec<String> = path
            .strip_prefix(root)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        match layout::archive_kind(&name) {
            Some(kind) => archives.push((path.to_owned(), kind)),
            None => items.push((path.to_owned(), rel)),
        }
    };
    match list_files(root) {
        Some(files) => files.iter().for_each(|p| add_file(p)),
        // Something could not be listed: walk again one by one, to report what and why.
        None => {
            for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
                match entry {
                    Ok(e) if e.file_type().is_file() => add_file(e.path()),
                    Ok(_) => {}
                    Err(e) => {
                        let p = e.path().map_or_else(
                            || root.display().to_string(),
                            |p| p.display().to_string(),
                        );
                        builder.fail(p, e.to_string());
                    }
                }
            }
        }
    }
    let rels: Vec<Vec<String>> = items.iter().map(|(_, rel)| rel.clone()).collect();
    let plans = layout::plan(&rels);
    let items: Vec<(PathBuf, Item)> = items
        .into_iter()
        .zip(plans)
        .map(|((path, rel), plan)| {
            let name = Arc::from(path.display().to_string());
            (path, Item { rel, name, plan })
        })
        .collect();
    let filter = builder.log_filter().cloned();
    let read = |(path, item): (PathBuf, Item)| {
        let outcome = read_planned(&item.plan, &item.name, filter.as_ref(), || {
            std::fs::File::open(&path)
        });
        (item, outcome)
    };
    let (copies, firsts): (Vec<_>, Vec<_>) = items
        .into_iter()
        .partition(|(_, item)| item.plan.copy_of.is_some());
    let mut done: Vec<(Item, Outcome)> = firsts.into_par_iter().map(read).collect();
    let lists = list_contents(done.iter().map(|(i, o)| (i, o)));
    let seconds: Vec<(Item, Outcome)> = copies
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
                (item, Outcome::Skipped(layout::COPY_REASON))
            }
        })
        .collect();
    done.extend(seconds);
    add_outcomes(builder, done);
    for (path, kind) in archives {
        archive::add(builder, &path, kind);
    }
}

/// The regular files under `root`, listed in parallel (a must-gather has thousands of
/// folders), in the order of a sorted walk (paths compare by component); `None` when anything
/// could not be listed.
fn list_files(root: &Path) -> Option<Vec<PathBuf>> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn visit<'s>(
        scope: &rayon::Scope<'s>,
        dir: PathBuf,
        files: &'s Mutex<Vec<PathBuf>>,
        failed: &'s AtomicBool,
    ) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            failed.store(true, Ordering::Relaxed);
            return;
        };
        let mut found = Vec::new();
        for entry in entries {
            let Ok(entry) = entry else {
                failed.store(true, Ordering::Relaxed);
                continue;
            };
            match entry.file_type() {
                Ok(t) if t.is_file() => found.push(entry.path()),
                Ok(t) if t.is_dir() => {
                    let sub = entry.path();
                    scope.spawn(move |s| visit(s, sub, files, failed));
                }
                Ok(_) => {}
                Err(_) => failed.store(true, Ordering::Relaxed),
            }
        }
        match files.lock() {
            Ok(mut all) => all.extend(found),
            Err(_) => failed.store(true, Ordering::Relaxed),
        }
    }

    let files = Mutex::new(Vec::new());
    let failed = AtomicBool::new(false);
    rayon::scope(|s| visit(s, root.to_owned(), &files, &failed));
    if failed.load(Ordering::Relaxed) {
        return None;
    }
    let mut files = files.into_inner().ok()?;
    files.sort();
    Some(files)
}

/// The object names each list file held, keyed by the file's path inside the capture.
fn list_contents<'a>(done: impl Iterator<Item = (&'a Item, &'a Outcome)>) -> ListContents {
    let mut lists = ListContents::new();
    for (item, outcome) in done {
        if let Outcome::Parsed(parsed) = outcome
            && let Ok(Parsed::Objects(docs)) = parsed.as_ref()
        {
            let names: BTreeSet<String> =
                docs.objects.iter().filter_map(|o| o.name.clone()).collect();
            lists.insert(item.rel.join("/"), names);
        }
    }
    lists
}

/// Adds outcomes in path order.
fn add_outcomes(builder: &mut SnapshotBuilder, mut done: Vec<(Item, Outcome)>) {
    done.sort_by(|a, b| a.0.rel.cmp(&b.0.rel));
    for (item, outcome) in done {
        let kind = item.plan.kind;
        match outcome {
            Outcome::Skipped(reason) => builder.skip_as(item.name, kind, reason),
            Outcome::Unreadable(reason) => builder.fail_as(item.name, kind, reason),
            Outcome::Parsed(parsed) => {
                let _ = builder.add_parsed_as(item.name, kind, *parsed);
            }
            Outcome::CaptureTime(Some(time)) => {
                builder.capture_time_file(Arc::clone(&item.name), time);
                builder.skip_as(item.name, kind, "capture time (timestamp file)");
            }
            Outcome::CaptureTime(None) => builder.fail_as(
                item.name,
                kind,
                "a timestamp file without a Go time line (`2024-05-01 12:34:56.1 +0000 UTC`)",
            ),
        }
    }
}

/// Reads and parses one planned file from the reader `open` gives.
fn read_planned<R: Read>(
    plan: &Plan,
    name: &Arc<str>,
    filter: Option<&LogFilter>,
    open: impl FnOnce() -> std::io::Result<R>,
) -> Outcome {
    if let Decision::Skip(reason) = plan.decision {
        return Outcome::Skipped(reason);
    }
    match open() {
        Ok(reader) => read_from(plan, name, filter, reader),
        Err(e) => Outcome::Unreadable(e.to_string()),
    }
}

/// Parses a planned file from a reader (a file, an archive entry), decompressing `.gz`. With a
/// filter, logs keep only the lines its rules can use, here on the reading thread.
fn read_from(
    plan: &Plan,
    name: &Arc<str>,
    filter: Option<&LogFilter>,
    reader: impl Read,
) -> Outcome {
    if plan.gzip {
        return read_plain(
            plan,
            name,
            filter,
            flate2::read::MultiGzDecoder::new(reader),
        );
    }
    read_plain(plan, name, filter, reader)
}

fn read_plain(
    plan: &Plan,
    name: &Arc<str>,
    filter: Option<&LogFilter>,
    mut reader: impl Read,
) -> Outcome {
    match &plan.decision {
        Decision::Skip(reason) => Outcome::Skipped(reason),
        Decision::CaptureTime => {
            let mut bytes = Vec::new();
            match reader.take(MAX_TIMESTAMP_FILE).read_to_end(&mut bytes) {
                Ok(_) => Outcome::CaptureTime(capture_timestamp(&bytes)),
                Err(e) => Outcome::Unreadable(e.to_string()),
            }
        }
        Decision::Read(Hint::Log(hint)) => match stream_log(name, hint, filter, reader) {
            Ok(parsed) => Outcome::Parsed(Box::new(parsed)),
            Err(e) => Outcome::Unreadable(e.to_string()),
        },
        Decision::Read(hint) => {
            // One buffer per thread, reused: fresh pages for every file (which the kernel
            // zeroes) showed in profiles. A very large one is not kept.
            let mut bytes = DOCUMENT_BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
            bytes.clear();
            let outcome = match reader.read_to_end(&mut bytes) {
                Ok(_) => Outcome::Parsed(Box::new(
                    parse_input(name, &bytes, hint).map(|p| filter_parsed(p, filter)),
                )),
                Err(e) => Outcome::Unreadable(e.to_string()),
            };
            if bytes.capacity() <= KEPT_BUFFER {
                DOCUMENT_BUFFER.with(|b| *b.borrow_mut() = bytes);
            }
            outcome
        }
    }
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

/// Whether a log can be scanned as it is read: its path says whose it is (so nothing is
/// recognised from its content) and it is not cut into excerpts (kernel, virt-handler).
fn streamable(hint: &kvdiag::LogHint) -> bool {
    hint.kind != Some(LogKind::Kernel)
        && hint.container.as_deref() != Some(HANDLER)
        && (hint.container.is_some() || hint.kind.is_some())
        && (hint.pod.is_some() || hint.vm.is_some())
}

/// Reads a log in chunks straight into its stream: a large log is held once, as text; with a
/// filter and a known identity, only the lines its rules can use are kept.
fn stream_log(
    name: &Arc<str>,
    hint: &kvdiag::LogHint,
    filter: Option<&LogFilter>,
    mut reader: impl Read,
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
    let mut sink = match filter {
        Some(f) if streamable(hint) => Sink::Scan(LogScanner::new(source, f)),
        _ => Sink::Whole(LogStreamBuilder::new(source)),
    };
    // One read buffer per thread, reused: allocating and zeroing 64 KiB for each of thousands
    // of logs showed in profiles.
    let mut buf = READ_BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.resize(CHUNK, 0);
    let result = stream_into(&mut sink, &mut buf, &mut reader);
    READ_BUFFER.with(|b| *b.borrow_mut() = buf);
    let blank = match result {
        Ok(Ok(blank)) => blank,
        Ok(Err(e)) => return Ok(Err(e)),
        Err(e) => return Err(e),
    };
    if blank {
        return Ok(Ok(Parsed::Empty));
    }
    Ok(Ok(match sink {
        Sink::Whole(b) => filter_parsed(log_parsed(b.finish()), filter),
        Sink::Scan(s) => Parsed::Log(s.finish()),
    }))
}

/// Largest document buffer a thread keeps for the next file.
const KEPT_BUFFER: usize = 64 << 20;

thread_local! {
    static DOCUMENT_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Where a log's bytes go as they are read.
enum Sink {
    Whole(LogStreamBuilder),
    Scan(LogScanner),
}

/// Reads `reader` into `sink` through `buf`; `Ok(Ok(true))` when it held only whitespace.
fn stream_into(
    sink: &mut Sink,
    buf: &mut [u8],
    reader: &mut impl Read,
) -> std::io::Result<Result<bool, ParseError>> {
    let mut seen = 0usize;
    let mut blank = true;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        if seen < SNIFF_BYTES && chunk[..n.min(SNIFF_BYTES - seen)].contains(&0) {
            return Ok(Err(kvdiag::parse::binary_content_error()));
        }
        seen += n;
        blank &= chunk.iter().all(u8::is_ascii_whitespace);
        match sink {
            Sink::Whole(b) => b.push(chunk),
            Sink::Scan(s) => s.push(chunk),
        }
    }
    Ok(Ok(blank))
}
