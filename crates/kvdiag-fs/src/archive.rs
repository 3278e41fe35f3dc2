//! Archives read as streams: `.tar`, `.tar.gz`/`.tgz`, `.tar.xz`, `.tar.zst`, `.tar.bz2` (once,
//! each entry planned as it comes; see [`tar`]) and `.zip` (its central directory, then the
//! entries). Nothing is extracted; entries are named `<archive>!/<path inside>`. An entry
//! larger than [`ARCHIVE_STREAM_BYTES`] is read as it comes out of the decompressor, through
//! the readers files on disk are read with (a log is streamed: memory does not follow its
//! size; a node kernel log, read twice, is spooled to a temporary file); smaller ones are held
//! and parsed in parallel, at most [`WAITING_BYTES`] of them waiting at once.
//!
//! An archive inside an archive is read one level deep where the layout puts one (a Harvester
//! bundle's `nodes/<node>.zip`, a must-gather's Insights archives): it is held in memory (it
//! cannot be seeked inside the outer stream), at most what is left of the decompressed size
//! limit, and its decompressed bytes count towards the outer archive's limit.
//!
//! Hostile archives are bounded: the number of entries and the decompressed bytes (in total and
//! as a ratio of the compressed bytes) stop reading with a reason; entries whose path is
//! absolute or climbs out with `..`, links, and later entries of a path already seen are not
//! read, each reported with its reason.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use kvdiag::limits::Limits;
use kvdiag::parse::LogFilter;
use kvdiag::{InputKind, SnapshotBuilder};
use rayon::prelude::*;

use crate::bounded::{self, Codec, Inflated};
use crate::layout::{self, ArchiveKind, Decision, Nested, Plan};
use crate::{Entry, Item, Outcome, Rel, list_contents, read_cap, read_from, read_planned, spool};

/// Reason for an entry whose path starts at the root.
const ABSOLUTE: &str = "absolute path in the archive: not read";
/// Reason for an entry whose path climbs out with `..`.
const CLIMBS_OUT: &str = "path with `..` in the archive: not read";
/// Reason for a later tar entry with the path of an earlier one.
const DUPLICATE: &str = "another entry of the archive has the same path: the first one is read";
/// Reason for a zip name listed twice: the zip reader keeps the last of them.
const ZIP_DUPLICATE: &str =
    "another entry of the archive has the same name: the one listed last is read";
/// Reason for symbolic and hard links.
const LINK: &str = "link in the archive: not followed";

/// Where an archive's bytes come from: a file, or memory (an embedding program, a fuzzer,
/// standard input, an archive inside an archive).
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

impl<'a> Source<'a> {
    fn open(self) -> std::io::Result<Box<dyn ReadSeek + 'a>> {
        Ok(match self {
            Source::Path(p) => Box::new(BufReader::new(File::open(p)?)),
            Source::Bytes(b) => Box::new(Cursor::new(b)),
        })
    }
}

/// Adds every entry of an archive. An archive that cannot be opened or read to its end is
/// reported as unreadable; the entries read before the fault are kept.
pub(crate) fn add(builder: &mut SnapshotBuilder, path: &Path, kind: ArchiveKind, limits: &Limits) {
    let name = path.display().to_string();
    add_source(builder, Source::Path(path), &name, kind, limits);
}

/// Reads the entries of an archive nested in a capture (one level deep: archives inside it are
/// not read), as an [`Outcome::Archive`] whose entries' paths continue the archive's own.
pub(crate) fn nested(
    source: Source<'_>,
    item: &Item,
    kind: ArchiveKind,
    nested: Nested,
    limits: &Limits,
    filter: Option<&LogFilter>,
    total: Arc<AtomicU64>,
) -> Outcome {
    let read = Reading {
        name: &item.name,
        limits,
        filter,
        total,
        nested: Some(nested),
    };
    let (mut entries, error) = match read.archive(source, kind) {
        Ok(done) => (done, None),
        Err((done, error)) => (done, Some(error)),
    };
    for (entry, _) in &mut entries {
        entry.rel = Rel::Own(format!("{}/{}", item.rel(), entry.rel()).into());
    }
    Outcome::Archive { entries, error }
}

/// How one archive is read.
struct Reading<'r> {
    /// Its name, the prefix of its entries' names.
    name: &'r str,
    limits: &'r Limits,
    filter: Option<&'r LogFilter>,
    /// Decompressed bytes so far, of this archive and the one it is in.
    total: Arc<AtomicU64>,
    /// Set for an archive inside another: where its entries belong. Archives inside it are
    /// not read.
    nested: Option<Nested>,
}

impl Reading<'_> {
    fn archive(
        &self,
        source: Source<'_>,
        kind: ArchiveKind,
    ) -> Result<Vec<(Entry, Outcome)>, Partial> {
        match kind {
            ArchiveKind::Zip => zip(source, self),
            _ => tar(source, kind, self),
        }
    }

    fn plan(&self, rels: &[Vec<String>]) -> Vec<Plan> {
        match self.nested {
            Some(n) => layout::plan_nested(n, rels),
            None => layout::plan(rels),
        }
    }

    /// An entry holding an archive the layout reads in place: buffered, at most what is left
    /// of the decompressed size limit (counted as it is read), then read from memory.
    fn inner_archive(
        &self,
        item: &Item,
        kind: ArchiveKind,
        nested: Nested,
        mut entry: impl Read,
    ) -> Result<Outcome, std::io::Error> {
        if self.nested.is_some() || nested == Nested::Own {
            return Ok(Outcome::Skipped(layout::NESTED_ARCHIVE));
        }
        let used = self.total.load(std::sync::atomic::Ordering::Relaxed);
        let room = self.limits.decompressed_bytes.saturating_sub(used);
        let mut bytes = Vec::new();
        (&mut entry)
            .take(room.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > room {
            return Ok(Outcome::Unreadable(format!(
                "archive inside an archive larger than what is left of the decompressed size \
                 limit ({}; raise it with --max-decompressed-size): not read",
                kvdiag::limits::human_bytes(self.limits.decompressed_bytes)
            )));
        }
        let total = Arc::clone(&self.total);
        Ok(nested_outcome(
            &bytes,
            item,
            kind,
            nested,
            self.limits,
            self.filter,
            total,
        ))
    }
}

fn nested_outcome(
    bytes: &[u8],
    item: &Item,
    kind: ArchiveKind,
    n: Nested,
    limits: &Limits,
    filter: Option<&LogFilter>,
    total: Arc<AtomicU64>,
) -> Outcome {
    nested(Source::Bytes(bytes), item, kind, n, limits, filter, total)
}

/// Adds every entry of an archive held in memory, named `name` (its entries `name!/PATH`), as
/// [`add_path`](crate::add_path) does for an archive file, within the builder's limits.
///
/// ```
/// let mut builder = kvdiag::Snapshot::builder();
/// kvdiag_fs::add_archive_bytes(&mut builder, "empty.tar", kvdiag_fs::layout::ArchiveKind::Tar, &[0u8; 1024]);
/// assert!(builder.build().inputs().failed.is_empty());
/// ```
pub fn add_archive_bytes(
    builder: &mut SnapshotBuilder,
    name: &str,
    kind: ArchiveKind,
    bytes: &[u8],
) {
    let limits = builder.current_limits().clone();
    add_source(builder, Source::Bytes(bytes), name, kind, &limits);
}

pub(crate) fn add_source(
    builder: &mut SnapshotBuilder,
    source: Source<'_>,
    name: &str,
    kind: ArchiveKind,
    limits: &Limits,
) {
    let filter = builder.log_filter().cloned();
    let read = Reading {
        name,
        limits,
        filter: filter.as_ref(),
        total: Arc::new(AtomicU64::new(0)),
        nested: None,
    };
    let result = read.archive(source, kind);
    let (done, error) = match result {
        Ok(done) => (done, None),
        Err((done, error)) => (done, Some(error)),
    };
    crate::add_tree_outcomes(builder, name, done);
    if let Some(e) = error {
        builder.fail_as(name, InputKind::File, e);
    }
}

type Partial = (Vec<(Entry, Outcome)>, String);

/// An entry's path by component, without `.` and empty components; `Err` with the reason when
/// it must not be read (absolute, or climbing out with `..`).
fn components(path: &str) -> Result<Vec<String>, &'static str> {
    if path.starts_with('/') || path.starts_with('\\') {
        return Err(ABSOLUTE);
    }
    let rel: Vec<String> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(str::to_owned)
        .collect();
    if rel.iter().any(|c| c == "..") {
        return Err(CLIMBS_OUT);
    }
    Ok(rel)
}

fn items(read: &Reading<'_>, rels: Vec<Vec<String>>) -> Vec<Item> {
    let archive = read.name;
    let plans = read.plan(&rels);
    rels.into_iter()
        .zip(plans)
        .map(|(rel, plan)| {
            let name: Arc<str> = Arc::from(format!("{archive}!/{}", rel.join("/")));
            let rel = Rel::new(&name, &rel);
            Item { name, rel, plan }
        })
        .collect()
}

/// An entry not read, with its reason, named by its path as written in the archive.
fn not_read(archive: &str, raw: &str, reason: &'static str) -> (Entry, Outcome) {
    let name: Arc<str> = Arc::from(format!("{archive}!/{raw}"));
    let entry = Entry {
        rel: Rel::new(&name, &[raw]),
        name,
        kind: InputKind::File,
    };
    (entry, Outcome::Skipped(reason))
}

fn too_many_entries(limits: &Limits, read: bool) -> String {
    let n = limits.archive_entries;
    let what = if read {
        format!("the first {n} read")
    } else {
        "not read".to_owned()
    };
    format!(
        "more than {n} entries (archive entries limit; raise it with --max-archive-entries): {what}"
    )
}

/// The compression of a tar archive, if any.
pub(crate) fn codec(kind: ArchiveKind) -> Option<Codec> {
    match kind {
        ArchiveKind::TarGz => Some(Codec::Gzip),
        ArchiveKind::TarXz => Some(Codec::Xz),
        ArchiveKind::TarZst => Some(Codec::Zstd),
        ArchiveKind::TarBz2 => Some(Codec::Bzip2),
        ArchiveKind::Tar | ArchiveKind::Zip => None,
    }
}

/// Opens a tar stream, decompressed within the limits; `total` counts what comes out.
fn open_tar<'a>(
    source: Source<'a>,
    kind: ArchiveKind,
    limits: &Limits,
    total: Arc<AtomicU64>,
) -> std::io::Result<tar::Archive<Box<dyn Read + Send + 'a>>> {
    let raw = source.open()?;
    let reader: Box<dyn Read + Send + 'a> = match codec(kind) {
        Some(codec) => bounded::decompress(codec, raw, limits, total)?,
        None => Box::new(raw),
    };
    Ok(tar::Archive::new(reader))
}

/// What the listing says of one tar entry.
enum Listed {
    /// A regular file to plan, at this path.
    File(Vec<String>),
    /// Not read, for this reason.
    NotRead(&'static str),
    /// A directory or another entry type that holds no data.
    Nothing,
}

fn listed(entry: &tar::Entry<'_, impl Read>) -> std::io::Result<(String, Listed)> {
    let raw = entry.path()?.to_string_lossy().into_owned();
    let t = entry.header().entry_type();
    let what = if t.is_symlink() || t.is_hard_link() {
        Listed::NotRead(LINK)
    } else if !t.is_file() {
        Listed::Nothing
    } else {
        match components(&raw) {
            Ok(rel) => Listed::File(rel),
            Err(reason) => Listed::NotRead(reason),
        }
    };
    Ok((raw, what))
}

/// What became of a listed tar entry as the archive went by once.
enum Early {
    /// Not read: the planner gave up, or its temporary file failed.
    Unread,
    /// Its bytes could not be read: the archive ended there (its outcome says why).
    Failed,
    /// Held whole, unplanned (it lay under no capture root yet): planned and parsed once the
    /// listing is complete.
    Held(Vec<u8>),
    /// The same, too large to hold: spooled to a temporary file.
    Spooled(File),
    /// Read under this provisional plan: its outcome is in `outcomes` (or comes from a task).
    Read(Plan),
    /// Read under this provisional plan and held: a copy, parsed only if its list file lacks
    /// its object.
    Copy(Plan, Vec<u8>),
}

/// What reading one entry under a plan gave.
enum Taken {
    Done(Outcome),
    /// Held and sent to be parsed; the outcome comes through the channel.
    Sent,
    /// A copy, held until its list file is known.
    Copy(Vec<u8>),
}

/// Parsing tasks for held entries, and the bytes they hold, bounded: past
/// [`WAITING_BYTES`] the reading thread helps parse (or waits) before reading on.
struct Work {
    tx: mpsc::Sender<(usize, Outcome)>,
    waiting: Arc<AtomicU64>,
}

impl Work {
    fn send<'s>(
        &self,
        scope: &rayon::Scope<'s>,
        i: usize,
        item: (Plan, Arc<str>),
        bytes: Vec<u8>,
        limits: &'s Limits,
        filter: Option<&'s LogFilter>,
    ) {
        while self.waiting.load(Ordering::Acquire) > WAITING_BYTES {
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
        }
        let len = bytes.len() as u64;
        self.waiting.fetch_add(len, Ordering::AcqRel);
        let (tx, waiting) = (self.tx.clone(), Arc::clone(&self.waiting));
        scope.spawn(move |_| {
            let (plan, name) = item;
            let outcome = read_from(&plan, &name, limits, filter, bytes.as_slice());
            drop(bytes);
            waiting.fetch_sub(len, Ordering::AcqRel);
            let _ = tx.send((i, outcome));
        });
    }
}

impl<'r> Reading<'r> {
    /// Reads one entry under `plan` on the reading thread: skipped, read in place (an
    /// archive), held if it is a copy, streamed through the file readers if it is larger than
    /// [`STREAM_BYTES`] (a log read twice is spooled), else held and sent to be parsed. `Err`:
    /// the stream failed (the entry is unreadable, and the archive ends there).
    fn take_entry<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        work: &Work,
        (i, item, plan): (usize, &Item, &Plan),
        entry: impl Read,
        size: u64,
    ) -> std::io::Result<Taken>
    where
        'r: 's,
    {
        let (limits, filter) = (self.limits, self.filter);
        match plan.decision {
            Decision::Skip(reason) => return Ok(Taken::Done(Outcome::Skipped(reason))),
            Decision::Archive(k, n) => {
                return self.inner_archive(item, k, n, entry).map(Taken::Done);
            }
            Decision::Read(_) | Decision::CaptureTime(_) => {}
        }
        let entry = entry.take(read_cap(plan, limits));
        if size > STREAM_BYTES && plan.copy_of.is_none() {
            let replay = spool::Replay::new(entry, crate::opens(plan, filter));
            let outcome = read_planned(plan, &item.name, limits, filter, || spool::open(&replay));
            // The rest of the entry is read too (a binary log's, say): a fault in it makes the
            // entry unreadable, as it did when entries were read whole.
            let mut replay = replay.borrow_mut();
            if let Some(e) = replay.take_failed() {
                return Err(e);
            }
            replay.drain()?;
            return Ok(Taken::Done(outcome));
        }
        // Sized from the header (a claim: at most the streaming size is trusted), so that the
        // bytes are not copied and faulted in again as the buffer grows.
        let mut bytes = Vec::with_capacity(held_capacity(size));
        let mut entry = entry;
        entry.read_to_end(&mut bytes)?;
        if plan.copy_of.is_some() {
            return Ok(Taken::Copy(bytes));
        }
        work.send(
            scope,
            i,
            (plan.clone(), Arc::clone(&item.name)),
            bytes,
            limits,
            filter,
        );
        Ok(Taken::Sent)
    }
}

/// Entries larger than this are read on the reading thread as they come out of the
/// decompressor, through the readers files on disk are read with (logs streamed, documents up
/// to their size limit); smaller ones are held and parsed in parallel.
pub const ARCHIVE_STREAM_BYTES: u64 = 4 << 20;
use ARCHIVE_STREAM_BYTES as STREAM_BYTES;
/// Bytes of held entries waiting to be parsed, past which the reading thread stops reading.
const WAITING_BYTES: u64 = 16 << 20;
/// Bytes of unplanned entries held in memory (lying under no capture root yet), past which
/// they are spooled to temporary files.
const UNDECIDED_BYTES: u64 = 64 << 20;
/// Bytes of unplanned entries spooled to temporary files, past which they are read under
/// their provisional plan (and read again if it was not the final one).
const UNDECIDED_SPOOL_BYTES: u64 = 4 << 30;

/// The buffer to allocate for an entry held whole whose header says `size` bytes.
fn held_capacity(size: u64) -> usize {
    usize::try_from(size.min(STREAM_BYTES)).unwrap_or(0)
}

/// How an entry is read in the single pass.
enum Way {
    /// Under its provisional plan.
    Plan,
    /// Held whole in memory, unplanned.
    Hold,
    /// Spooled to a temporary file, unplanned.
    Spool,
}

/// The plans of an archive's entries as they come.
enum Planner {
    /// An archive of its own: planned against the paths before each entry (provisional).
    Own(Box<layout::Provisional>),
    /// An archive inside a capture: each path's plan is its own, final at once.
    Nested(Nested),
}

impl Planner {
    /// The plan of a path, and whether it is likely final; `None`: not planned now.
    fn add(&mut self, rel: &[String]) -> Option<(Plan, bool)> {
        match self {
            Planner::Own(p) => p.add(rel),
            Planner::Nested(n) => {
                let plan = layout::plan_nested(*n, std::slice::from_ref(&rel.to_vec())).pop()?;
                Some((plan, true))
            }
        }
    }
}

/// Copies an entry to a temporary file: `Ok(None)` when the file cannot be written (the entry
/// is then read again in a second pass); `Err` when the entry itself cannot be read.
fn spool_entry(mut entry: impl Read) -> std::io::Result<Option<File>> {
    let Ok(mut file) = tempfile::tempfile() else {
        return Ok(None);
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match entry.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if std::io::Write::write_all(&mut file, &buf[..n]).is_err() {
            return Ok(None);
        }
    }
    Ok(Some(file))
}

/// Reads a tar archive once: each entry is planned as it comes against the paths before it
/// and read under that plan, unless it lies under no capture root yet (a later entry may make
/// it part of one): such an entry is held (or spooled to a temporary file) until the listing is
/// complete. Then the whole listing is planned, as a tree is; an entry whose provisional plan
/// was not its final one (its root's marks came after it: rare) is read again in a second
/// pass, the only one that decompresses the archive again. Copies are held (they are small)
/// until their list files are known.
fn tar(
    source: Source<'_>,
    kind: ArchiveKind,
    read: &Reading<'_>,
) -> Result<Vec<(Entry, Outcome)>, Partial> {
    let (name, limits, filter) = (read.name, read.limits, read.filter);
    let fail = |e: std::io::Error| (Vec::new(), e.to_string());
    let start = read.total.load(Ordering::Relaxed);
    let mut listing: Vec<Vec<String>> = Vec::new();
    let mut names: Vec<Arc<str>> = Vec::new();
    let mut early: Vec<Early> = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = Vec::new();
    let mut skipped = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    // A fault or the entry limit ends the reading; the entries before it are kept.
    let mut error: Option<String> = None;
    let mut planner = match read.nested {
        Some(n) => Planner::Nested(n),
        None => Planner::Own(Box::new(layout::Provisional::new())),
    };
    let (mut held_bytes, mut spooled_bytes) = (0u64, 0u64);
    let mut n = 0usize;
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let work = Work {
        tx,
        waiting: Arc::new(AtomicU64::new(0)),
    };
    let mut unopened = None;
    rayon::scope(|scope| {
        // Opened on the reading thread: the tar reader is not shared.
        let mut archive = match open_tar(source, kind, limits, Arc::clone(&read.total)) {
            Ok(a) => a,
            Err(e) => {
                unopened = Some(e);
                return;
            }
        };
        let mut entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                unopened = Some(e);
                return;
            }
        };
        loop {
            let entry = match entries.next() {
                None => break,
                Some(Ok(_)) if n >= limits.archive_entries => {
                    error = Some(too_many_entries(limits, true));
                    break;
                }
                Some(Ok(entry)) => entry,
                Some(Err(e)) => {
                    error = Some(e.to_string());
                    break;
                }
            };
            n += 1;
            let rel = match listed(&entry) {
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
                Ok((_, Listed::File(rel))) if !index.contains_key(&rel) => rel,
                Ok((raw, Listed::File(_))) => {
                    skipped.push(not_read(name, &raw, DUPLICATE));
                    continue;
                }
                Ok((raw, Listed::NotRead(reason))) => {
                    skipped.push(not_read(name, &raw, reason));
                    continue;
                }
                Ok((_, Listed::Nothing)) => continue,
            };
            let i = listing.len();
            index.insert(rel.clone(), i);
            let provisional = planner.add(&rel);
            let entry_name: Arc<str> = Arc::from(format!("{name}!/{}", rel.join("/")));
            let item = Item {
                rel: Rel::new(&entry_name, &rel),
                name: entry_name,
                plan: Plan {
                    decision: Decision::Skip(""),
                    kind: InputKind::File,
                    gzip: false,
                    copy_of: None,
                },
            };
            names.push(Arc::clone(&item.name));
            listing.push(rel);
            outcomes.push(None);
            let size = entry.size();
            let Some((plan, rooted)) = provisional else {
                early.push(Early::Unread);
                continue;
            };
            // Under no capture root yet: held (or spooled) until the listing is complete.
            let way = if rooted {
                Way::Plan
            } else if size <= STREAM_BYTES && held_bytes + size <= UNDECIDED_BYTES {
                held_bytes += size;
                Way::Hold
            } else if spooled_bytes.saturating_add(size) <= UNDECIDED_SPOOL_BYTES {
                spooled_bytes = spooled_bytes.saturating_add(size);
                Way::Spool
            } else {
                Way::Plan
            };
            let result = match way {
                Way::Hold => {
                    let mut bytes = Vec::with_capacity(held_capacity(size));
                    let mut entry = entry;
                    (&mut entry)
                        .take(STREAM_BYTES + 1)
                        .read_to_end(&mut bytes)
                        .map(|_| Early::Held(bytes))
                }
                // A temporary file that failed part way: the entry is read in a second pass.
                Way::Spool => spool_entry(entry).map(|f| f.map_or(Early::Unread, Early::Spooled)),
                Way::Plan => read
                    .take_entry(scope, &work, (i, &item, &plan), entry, size)
                    .map(|taken| match taken {
                        Taken::Done(o) => {
                            outcomes[i] = Some(o);
                            Early::Read(plan)
                        }
                        Taken::Sent => Early::Read(plan),
                        Taken::Copy(bytes) => Early::Copy(plan, bytes),
                    }),
            };
            match result {
                Ok(done) => early.push(done),
                Err(e) => {
                    outcomes[i] = Some(Outcome::Unreadable(e.to_string()));
                    early.push(Early::Failed);
                    error = Some(e.to_string());
                    break;
                }
            }
        }
    });
    let Work { tx, .. } = work;
    drop(tx);
    if let Some(e) = unopened {
        return Err(fail(e));
    }
    for (i, outcome) in rx {
        outcomes[i] = Some(outcome);
    }
    let entries_read = n;
    let plans = read.plan(&listing);
    let items: Vec<Item> = listing
        .into_iter()
        .zip(names)
        .zip(plans)
        .map(|((rel, name), plan)| Item {
            rel: Rel::new(&name, &rel),
            name,
            plan,
        })
        .collect();
    let mut copies: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut later: Vec<(usize, Early)> = Vec::new();
    let mut again: Vec<bool> = vec![false; items.len()];
    for (i, (item, done)) in items.iter().zip(early).enumerate() {
        let plan = &item.plan;
        if let Decision::Skip(reason) = plan.decision {
            outcomes[i] = Some(Outcome::Skipped(reason));
            continue;
        }
        // An archive the layout does not read in place is not read (as `inner_archive`
        // decides): no second pass for one that was held.
        if let Decision::Archive(_, n) = plan.decision
            && (read.nested.is_some() || n == Nested::Own)
        {
            outcomes[i] = Some(Outcome::Skipped(layout::NESTED_ARCHIVE));
            continue;
        }
        let archive = matches!(plan.decision, Decision::Archive(..));
        match done {
            Early::Read(p) if p == *plan => {}
            Early::Failed => {}
            Early::Copy(p, bytes) if p == *plan => copies.push((i, bytes)),
            Early::Held(bytes) if !archive => later.push((i, Early::Held(bytes))),
            Early::Spooled(file) if !archive => later.push((i, Early::Spooled(file))),
            _ => {
                outcomes[i] = None;
                again[i] = true;
            }
        }
    }
    // Held and spooled entries, under their final plans.
    let parsed: Vec<(usize, Option<Outcome>, Option<Vec<u8>>)> = later
        .into_par_iter()
        .map(|(i, done)| {
            let item = &items[i];
            let cap = read_cap(&item.plan, limits);
            let copy = item.plan.copy_of.is_some();
            match done {
                Early::Held(mut bytes) => {
                    bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
                    if copy {
                        return (i, None, Some(bytes));
                    }
                    let o = read_from(&item.plan, &item.name, limits, filter, bytes.as_slice());
                    (i, Some(o), None)
                }
                Early::Spooled(file) => {
                    let open = || {
                        let mut f = file.try_clone()?;
                        f.seek(std::io::SeekFrom::Start(0))?;
                        Ok(BufReader::with_capacity(64 * 1024, f).take(cap))
                    };
                    if copy {
                        let mut bytes = Vec::new();
                        return match open().and_then(|mut r| r.read_to_end(&mut bytes)) {
                            Ok(_) => (i, None, Some(bytes)),
                            Err(e) => (i, Some(Outcome::Unreadable(e.to_string())), None),
                        };
                    }
                    (
                        i,
                        Some(read_planned(&item.plan, &item.name, limits, filter, open)),
                        None,
                    )
                }
                _ => (i, None, None),
            }
        })
        .collect();
    for (i, outcome, copy) in parsed {
        if let Some(o) = outcome {
            outcomes[i] = Some(o);
        }
        if let Some(bytes) = copy {
            copies.push((i, bytes));
        }
    }
    let mut pass_error = None;
    if again.iter().any(|a| *a) {
        // Decompressed bytes are counted again from where this archive began.
        let again_read = Reading {
            name,
            limits,
            filter,
            total: Arc::new(AtomicU64::new(start)),
            nested: read.nested,
        };
        let wanted = Wanted {
            items: &items,
            index: &index,
            again: &again,
            entries: entries_read,
        };
        let (more, more_copies, e) = again_read.again(source, kind, &wanted);
        for (i, o) in more {
            outcomes[i] = Some(o);
        }
        copies.extend(more_copies);
        pass_error = e;
    }
    // The first pass's fault is the first one met; a second pass meets it again.
    finish(
        items,
        outcomes,
        copies,
        skipped,
        error.or(pass_error),
        limits,
        filter,
    )
}

/// The entries a second pass reads.
struct Wanted<'w> {
    items: &'w [Item],
    index: &'w HashMap<Vec<String>, usize>,
    again: &'w [bool],
    /// Entries the first pass went through.
    entries: usize,
}

impl Reading<'_> {
    /// The second pass: reads the wanted entries under their final plans. Their outcomes, the
    /// copies held, and the fault that ended it.
    #[allow(clippy::type_complexity)]
    fn again(
        &self,
        source: Source<'_>,
        kind: ArchiveKind,
        wanted: &Wanted<'_>,
    ) -> (Vec<(usize, Outcome)>, Vec<(usize, Vec<u8>)>, Option<String>) {
        let mut outcomes = Vec::new();
        let mut copies = Vec::new();
        let mut error = None;
        let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
        let work = Work {
            tx,
            waiting: Arc::new(AtomicU64::new(0)),
        };
        rayon::scope(|scope| {
            let result = (|| -> std::io::Result<()> {
                let mut archive = open_tar(source, kind, self.limits, Arc::clone(&self.total))?;
                let mut seen = vec![false; wanted.items.len()];
                for entry in archive.entries()?.take(wanted.entries) {
                    let entry = entry?;
                    let Listed::File(rel) = listed(&entry)?.1 else {
                        continue;
                    };
                    let Some(&i) = wanted.index.get(&rel) else {
                        continue;
                    };
                    if std::mem::replace(&mut seen[i], true) || !wanted.again[i] {
                        continue;
                    }
                    let item = &wanted.items[i];
                    let size = entry.size();
                    match self.take_entry(scope, &work, (i, item, &item.plan), entry, size) {
                        Ok(Taken::Done(o)) => outcomes.push((i, o)),
                        Ok(Taken::Sent) => {}
                        Ok(Taken::Copy(bytes)) => copies.push((i, bytes)),
                        Err(e) => {
                            outcomes.push((i, Outcome::Unreadable(e.to_string())));
                            return Err(e);
                        }
                    }
                }
                Ok(())
            })();
            if let Err(e) = result {
                error = Some(e.to_string());
            }
        });
        let Work { tx, .. } = work;
        drop(tx);
        outcomes.extend(rx);
        (outcomes, copies, error)
    }
}

/// Resolves copies against the list files read, and pairs every item with its outcome.
fn finish(
    items: Vec<Item>,
    mut outcomes: Vec<Option<Outcome>>,
    held: Vec<(usize, Vec<u8>)>,
    skipped: Vec<(Entry, Outcome)>,
    error: Option<String>,
    limits: &Limits,
    filter: Option<&LogFilter>,
) -> Result<Vec<(Entry, Outcome)>, Partial> {
    let lists = list_contents(
        items
            .iter()
            .zip(&outcomes)
            .filter_map(|(item, o)| Some((item.rel(), o.as_ref()?))),
    );
    let copies: Vec<(usize, Outcome)> = held
        .into_par_iter()
        .map(|(i, bytes)| {
            let item = &items[i];
            let needed = item
                .plan
                .copy_of
                .as_ref()
                .is_none_or(|c| layout::copy_needed(c, &lists));
            let outcome = if needed {
                read_from(&item.plan, &item.name, limits, filter, bytes.as_slice())
            } else {
                Outcome::Skipped(layout::COPY_REASON)
            };
            (i, outcome)
        })
        .collect();
    for (i, o) in copies {
        outcomes[i] = Some(o);
    }
    let mut done: Vec<(Entry, Outcome)> = items
        .into_iter()
        .zip(outcomes)
        .filter_map(|(item, o)| o.map(|o| (item.into_entry(), o)))
        .collect();
    done.extend(skipped);
    match error {
        Some(e) => Err((done, e)),
        None => Ok(done),
    }
}

/// The central directory gives the listing; entries are read in order, parsed in parallel.
fn zip(source: Source<'_>, read: &Reading<'_>) -> Result<Vec<(Entry, Outcome)>, Partial> {
    let (name, limits, filter) = (read.name, read.limits, read.filter);
    let fail = |e: &dyn std::fmt::Display| (Vec::new(), e.to_string());
    let mut reader = source.open().map_err(|e| fail(&e))?;
    // The central directory's own count, before the zip reader holds every entry in memory.
    let directory = central_directory(&mut reader, limits);
    if directory
        .as_ref()
        .is_some_and(|d| d.entries > limits.archive_entries as u64)
    {
        return Err((Vec::new(), too_many_entries(limits, false)));
    }
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| fail(&e))?;
    if archive.len() > limits.archive_entries {
        return Err((Vec::new(), too_many_entries(limits, false)));
    }
    let mut listing = Vec::new();
    let mut entry_of = Vec::new();
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    if archive.has_duplicate_names() {
        let mut names = HashSet::new();
        for raw in directory.map(|d| d.names).unwrap_or_default() {
            if !names.insert(raw.clone()) {
                skipped.push(not_read(name, &raw, ZIP_DUPLICATE));
            }
        }
    }
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| fail(&e))?;
        if entry.is_dir() {
            continue;
        }
        let raw = entry.name().map_err(|e| fail(&e))?.into_owned();
        if entry.is_symlink() {
            skipped.push(not_read(name, &raw, LINK));
            continue;
        }
        match components(&raw) {
            Ok(rel) if seen.insert(rel.clone()) => {
                listing.push(rel);
                entry_of.push(i);
            }
            Ok(_) => skipped.push(not_read(name, &raw, DUPLICATE)),
            Err(reason) => skipped.push(not_read(name, &raw, reason)),
        }
    }
    let items = items(read, listing);
    let mut outcomes: Vec<Option<Outcome>> = (0..items.len()).map(|_| None).collect();
    let mut held = Vec::new();
    let total = Arc::clone(&read.total);
    let mut error = None;
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let work = Work {
        tx,
        waiting: Arc::new(AtomicU64::new(0)),
    };
    rayon::scope(|scope| {
        for (i, item) in items.iter().enumerate() {
            if let Decision::Skip(reason) = item.plan.decision {
                outcomes[i] = Some(Outcome::Skipped(reason));
                continue;
            }
            let taken = match archive.by_index(entry_of[i]) {
                Ok(e) => {
                    let size = e.size();
                    let compressed = Arc::new(AtomicU64::new(e.compressed_size()));
                    let inflated = Inflated::new(e, compressed, Arc::clone(&total), limits);
                    read.take_entry(scope, &work, (i, item, &item.plan), inflated, size)
                }
                Err(e) => Err(std::io::Error::other(e)),
            };
            match taken {
                Ok(Taken::Done(o)) => outcomes[i] = Some(o),
                Ok(Taken::Sent) => {}
                Ok(Taken::Copy(bytes)) => held.push((i, bytes)),
                // A damaged entry is reported with its own name; the others are still read. A
                // decompression limit ends the archive.
                Err(e) => {
                    outcomes[i] = Some(Outcome::Unreadable(e.to_string()));
                    if bounded::is_limit(&e) {
                        error = Some(e.to_string());
                        break;
                    }
                }
            }
        }
    });
    let Work { tx, .. } = work;
    drop(tx);
    for (i, outcome) in rx {
        outcomes[i] = Some(outcome);
    }
    finish(items, outcomes, held, skipped, error, limits, filter)
}

/// What the end of a zip's central directory says, read without the zip reader.
struct Directory {
    /// Entries it lists.
    entries: u64,
    /// Their names in order (when not more than the limit).
    names: Vec<String>,
}

/// Reads the central directory's entry count and names; `None` for a Zip64 or damaged archive
/// (the zip reader then decides, and its count is checked after).
fn central_directory(r: &mut (impl Read + Seek), limits: &Limits) -> Option<Directory> {
    use std::io::SeekFrom;
    let len = r.seek(SeekFrom::End(0)).ok()?;
    let tail_len = len.min(22 + 65_535);
    r.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = vec![0u8; usize::try_from(tail_len).ok()?];
    r.read_exact(&mut tail).ok()?;
    let at = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let eocd = tail.get(at..at + 22)?;
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let entries = u16_at(eocd, 10);
    let (size, offset) = (u32_at(eocd, 12), u32_at(eocd, 16));
    if entries == u16::MAX || offset == u32::MAX || size == u32::MAX {
        return None;
    }
    let entries = u64::from(entries);
    let mut names = Vec::new();
    if entries <= limits.archive_entries as u64 && u64::from(offset) + u64::from(size) <= len {
        r.seek(SeekFrom::Start(u64::from(offset))).ok()?;
        let mut cd = vec![0u8; size as usize];
        r.read_exact(&mut cd).ok()?;
        let mut i = 0;
        while i + 46 <= cd.len() && cd[i..i + 4] == *b"PK\x01\x02" {
            let (n, m, k) = (
                u16_at(&cd, i + 28) as usize,
                u16_at(&cd, i + 30) as usize,
                u16_at(&cd, i + 32) as usize,
            );
            let raw = cd.get(i + 46..i + 46 + n)?;
            names.push(String::from_utf8_lossy(raw).into_owned());
            i += 46 + n + m + k;
        }
    }
    r.seek(SeekFrom::Start(0)).ok()?;
    Some(Directory { entries, names })
}
