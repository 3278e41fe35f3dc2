//! Archives read as streams: `.tar`, `.tar.gz`/`.tgz`, `.tar.xz`, `.tar.zst`, `.tar.bz2` (two
//! passes: the listing, then the entries that are needed) and `.zip` (its central directory,
//! then the entries). Nothing is extracted to disk; entries are named `<archive>!/<path
//! inside>`.
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
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, mpsc};

use kvdiag::limits::Limits;
use kvdiag::parse::LogFilter;
use kvdiag::{InputKind, SnapshotBuilder};
use rayon::prelude::*;

use crate::bounded::{self, Codec, Inflated};
use crate::layout::{self, ArchiveKind, Decision, Nested, Plan};
use crate::{Item, Outcome, list_contents, read_cap, read_from};

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
        let mut rel = item.rel.clone();
        rel.append(&mut entry.rel);
        entry.rel = rel;
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
    ) -> Result<Vec<(Item, Outcome)>, Partial> {
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

type Partial = (Vec<(Item, Outcome)>, String);

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
        .map(|(rel, plan)| Item {
            name: Arc::from(format!("{archive}!/{}", rel.join("/"))),
            rel,
            plan,
        })
        .collect()
}

/// An entry not read, with its reason, named by its path as written in the archive.
fn not_read(archive: &str, raw: &str, reason: &'static str) -> (Item, Outcome) {
    let rel: Vec<String> = raw.split('/').map(str::to_owned).collect();
    let item = Item {
        name: Arc::from(format!("{archive}!/{raw}")),
        rel,
        plan: Plan {
            decision: Decision::Skip(reason),
            kind: InputKind::File,
            gzip: false,
            copy_of: None,
        },
    };
    (item, Outcome::Skipped(reason))
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

/// Pass 1 lists the regular files; pass 2 reads those the plan needs, parsing in parallel while
/// the stream goes on. Copies are held (they are small) until their list files are known.
fn tar(
    source: Source<'_>,
    kind: ArchiveKind,
    read: &Reading<'_>,
) -> Result<Vec<(Item, Outcome)>, Partial> {
    let (name, limits, filter) = (read.name, read.limits, read.filter);
    let fail = |e: std::io::Error| (Vec::new(), e.to_string());
    let mut listing = Vec::new();
    let mut skipped = Vec::new();
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    // A fault or the entry limit ends the listing; the entries listed before it are read.
    let mut error: Option<String> = None;
    // The listing's decompressed bytes are counted apart: the reading pass counts them again.
    let listing_total = Arc::new(AtomicU64::new(
        read.total.load(std::sync::atomic::Ordering::Relaxed),
    ));
    let mut archive = open_tar(source, kind, limits, listing_total).map_err(fail)?;
    let mut entries = archive.entries().map_err(fail)?;
    let mut n = 0usize;
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
        let listed = match listed(&entry) {
            Ok(l) => l,
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        };
        match listed {
            (_, Listed::File(rel)) if !index.contains_key(&rel) => {
                index.insert(rel.clone(), listing.len());
                listing.push(rel);
            }
            (raw, Listed::File(_)) => skipped.push(not_read(name, &raw, DUPLICATE)),
            (raw, Listed::NotRead(reason)) => skipped.push(not_read(name, &raw, reason)),
            (_, Listed::Nothing) => {}
        }
    }
    let entries_listed = n;
    let items = items(read, listing);
    let mut outcomes: Vec<Option<Outcome>> = (0..items.len()).map(|_| None).collect();
    let mut held: Vec<(usize, Vec<u8>)> = Vec::new();
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    let mut pass_error = None;
    rayon::scope(|scope| {
        let result = (|| -> std::io::Result<()> {
            let mut archive = open_tar(source, kind, limits, Arc::clone(&read.total))?;
            let mut seen = vec![false; items.len()];
            for entry in archive.entries()?.take(entries_listed) {
                let entry = entry?;
                let Listed::File(rel) = listed(&entry)?.1 else {
                    continue;
                };
                let Some(&i) = index.get(&rel) else { continue };
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                let item = &items[i];
                if let Decision::Skip(reason) = item.plan.decision {
                    outcomes[i] = Some(Outcome::Skipped(reason));
                    continue;
                }
                if let Decision::Archive(k, n) = item.plan.decision {
                    match read.inner_archive(item, k, n, entry) {
                        Ok(o) => outcomes[i] = Some(o),
                        Err(e) => {
                            outcomes[i] = Some(Outcome::Unreadable(e.to_string()));
                            return Err(e);
                        }
                    }
                    continue;
                }
                let mut bytes = Vec::new();
                if let Err(e) = entry
                    .take(read_cap(&item.plan, limits))
                    .read_to_end(&mut bytes)
                {
                    outcomes[i] = Some(Outcome::Unreadable(e.to_string()));
                    return Err(e);
                }
                if item.plan.copy_of.is_some() {
                    held.push((i, bytes));
                    continue;
                }
                let tx = tx.clone();
                let (plan, name) = (item.plan.clone(), Arc::clone(&item.name));
                scope.spawn(move |_| {
                    let _ = tx.send((i, read_from(&plan, &name, limits, filter, bytes.as_slice())));
                });
            }
            Ok(())
        })();
        if let Err(e) = result {
            pass_error = Some(e.to_string());
        }
    });
    drop(tx);
    for (i, outcome) in rx {
        outcomes[i] = Some(outcome);
    }
    // The listing's fault is the first one met; pass 2 meets it again at the same place.
    finish(
        items,
        outcomes,
        held,
        skipped,
        error.or(pass_error),
        limits,
        filter,
    )
}

/// Resolves copies against the list files read, and pairs every item with its outcome.
fn finish(
    items: Vec<Item>,
    mut outcomes: Vec<Option<Outcome>>,
    held: Vec<(usize, Vec<u8>)>,
    skipped: Vec<(Item, Outcome)>,
    error: Option<String>,
    limits: &Limits,
    filter: Option<&LogFilter>,
) -> Result<Vec<(Item, Outcome)>, Partial> {
    let lists = list_contents(
        items
            .iter()
            .zip(&outcomes)
            .filter_map(|(item, o)| Some((item, o.as_ref()?))),
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
    let mut done: Vec<(Item, Outcome)> = items
        .into_iter()
        .zip(outcomes)
        .filter_map(|(item, o)| o.map(|o| (item, o)))
        .collect();
    done.extend(skipped);
    match error {
        Some(e) => Err((done, e)),
        None => Ok(done),
    }
}

/// The central directory gives the listing; entries are read in order, parsed in parallel.
fn zip(source: Source<'_>, read: &Reading<'_>) -> Result<Vec<(Item, Outcome)>, Partial> {
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
    rayon::scope(|scope| {
        for (i, item) in items.iter().enumerate() {
            if let Decision::Skip(reason) = item.plan.decision {
                outcomes[i] = Some(Outcome::Skipped(reason));
                continue;
            }
            let mut bytes = Vec::new();
            let result = match archive.by_index(entry_of[i]) {
                Ok(e) => {
                    let compressed = Arc::new(AtomicU64::new(e.compressed_size()));
                    let inflated = Inflated::new(e, compressed, Arc::clone(&total), limits);
                    if let Decision::Archive(k, n) = item.plan.decision {
                        match read.inner_archive(item, k, n, inflated) {
                            Ok(o) => {
                                outcomes[i] = Some(o);
                                continue;
                            }
                            Err(e) => Err(e),
                        }
                    } else {
                        inflated
                            .take(read_cap(&item.plan, limits))
                            .read_to_end(&mut bytes)
                    }
                }
                Err(e) => Err(std::io::Error::other(e)),
            };
            let read = result;
            // A damaged entry is reported with its own name; the others are still read. A
            // decompression limit ends the archive.
            if let Err(e) = read {
                outcomes[i] = Some(Outcome::Unreadable(e.to_string()));
                if bounded::is_limit(&e) {
                    error = Some(e.to_string());
                    break;
                }
                continue;
            }
            if item.plan.copy_of.is_some() {
                held.push((i, bytes));
                continue;
            }
            let tx = tx.clone();
            let (plan, name) = (item.plan.clone(), Arc::clone(&item.name));
            scope.spawn(move |_| {
                let _ = tx.send((i, read_from(&plan, &name, limits, filter, bytes.as_slice())));
            });
        }
    });
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
