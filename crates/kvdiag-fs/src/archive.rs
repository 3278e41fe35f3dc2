//! Archives read as streams: `.tar`, `.tar.gz`/`.tgz` (two passes: the listing, then the
//! entries that are needed) and `.zip` (its central directory, then the entries). Nothing is
//! extracted to disk; entries are named `<archive>!/<path inside>`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::{Arc, mpsc};

use kvdiag::parse::LogFilter;
use kvdiag::{InputKind, SnapshotBuilder};
use rayon::prelude::*;

use crate::layout::{self, ArchiveKind, Decision};
use crate::{Item, Outcome, add_outcomes, list_contents, read_from};

/// Adds every entry of an archive. An archive that cannot be opened or read to its end is
/// reported as unreadable; the entries read before the fault are kept.
pub(crate) fn add(builder: &mut SnapshotBuilder, path: &Path, kind: ArchiveKind) {
    let name = path.display().to_string();
    let filter = builder.log_filter().cloned();
    let result = match kind {
        ArchiveKind::Tar | ArchiveKind::TarGz => tar(path, kind, &name, filter.as_ref()),
        ArchiveKind::Zip => zip(path, &name, filter.as_ref()),
    };
    let (done, error) = match result {
        Ok(done) => (done, None),
        Err((done, error)) => (done, Some(error)),
    };
    add_outcomes(builder, done);
    if let Some(e) = error {
        builder.fail_as(name, InputKind::File, e);
    }
}

type Partial = (Vec<(Item, Outcome)>, String);

/// An entry's path by component, without `.` and leading `/`.
fn components(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(str::to_owned)
        .collect()
}

fn items(archive: &str, rels: Vec<Vec<String>>) -> Vec<Item> {
    let plans = layout::plan(&rels);
    rels.into_iter()
        .zip(plans)
        .map(|(rel, plan)| Item {
            name: Arc::from(format!("{archive}!/{}", rel.join("/"))),
            rel,
            plan,
        })
        .collect()
}

fn open_tar(path: &Path, kind: ArchiveKind) -> std::io::Result<tar::Archive<Box<dyn Read>>> {
    let file = BufReader::new(File::open(path)?);
    let reader: Box<dyn Read> = match kind {
        ArchiveKind::TarGz => Box::new(flate2::read::MultiGzDecoder::new(file)),
        _ => Box::new(file),
    };
    Ok(tar::Archive::new(reader))
}

/// Pass 1 lists the regular files; pass 2 reads those the plan needs, parsing in parallel while
/// the stream goes on. Copies are held (they are small) until their list files are known.
fn tar(
    path: &Path,
    kind: ArchiveKind,
    name: &str,
    filter: Option<&LogFilter>,
) -> Result<Vec<(Item, Outcome)>, Partial> {
    let fail = |e: std::io::Error| (Vec::new(), e.to_string());
    let mut listing = Vec::new();
    let mut archive = open_tar(path, kind).map_err(fail)?;
    for entry in archive.entries().map_err(fail)? {
        let entry = entry.map_err(fail)?;
        if entry.header().entry_type().is_file() {
            let p = entry.path().map_err(fail)?;
            listing.push(components(&p.to_string_lossy()));
        }
    }
    // The first entry of a path wins; later ones with the same path are not read.
    let mut index: HashMap<Vec<String>, usize> = HashMap::new();
    for (i, rel) in listing.iter().enumerate() {
        index.entry(rel.clone()).or_insert(i);
    }
    let items = items(name, listing);
    let mut outcomes: Vec<Option<Outcome>> = (0..items.len()).map(|_| None).collect();
    let mut held: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut error = None;
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    rayon::scope(|scope| {
        let result = (|| -> std::io::Result<()> {
            let mut archive = open_tar(path, kind)?;
            let mut seen = vec![false; items.len()];
            for entry in archive.entries()? {
                let mut entry = entry?;
                if !entry.header().entry_type().is_file() {
                    continue;
                }
                let rel = components(&entry.path()?.to_string_lossy());
                let Some(&i) = index.get(&rel) else { continue };
                if std::mem::replace(&mut seen[i], true) {
                    continue;
                }
                let item = &items[i];
                if let Decision::Skip(reason) = item.plan.decision {
                    outcomes[i] = Some(Outcome::Skipped(reason));
                    continue;
                }
                let mut bytes = Vec::new();
                if let Err(e) = entry.read_to_end(&mut bytes) {
                    outcomes[i] = Some(Outcome::Unreadable(e.to_string()));
                    return Err(e);
                }
                if item.plan.copy_of.is_some() {
                    held.push((i, bytes));
                    continue;
                }
                let tx = tx.clone();
                let (plan, name) = (item.plan.clone(), Arc::clone(&item.name));
                let filter = filter.cloned();
                scope.spawn(move |_| {
                    let _ = tx.send((
                        i,
                        read_from(&plan, &name, filter.as_ref(), bytes.as_slice()),
                    ));
                });
            }
            Ok(())
        })();
        if let Err(e) = result {
            error = Some(e.to_string());
        }
    });
    drop(tx);
    for (i, outcome) in rx {
        outcomes[i] = Some(outcome);
    }
    finish(items, outcomes, held, error)
}

/// Resolves copies against the list files read, and pairs every item with its outcome.
fn finish(
    items: Vec<Item>,
    mut outcomes: Vec<Option<Outcome>>,
    held: Vec<(usize, Vec<u8>)>,
    error: Option<String>,
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
                read_from(&item.plan, &item.name, None, bytes.as_slice())
            } else {
                Outcome::Skipped(layout::COPY_REASON)
            };
            (i, outcome)
        })
        .collect();
    for (i, o) in copies {
        outcomes[i] = Some(o);
    }
    let done: Vec<(Item, Outcome)> = items
        .into_iter()
        .zip(outcomes)
        .filter_map(|(item, o)| o.map(|o| (item, o)))
        .collect();
    match error {
        Some(e) => Err((done, e)),
        None => Ok(done),
    }
}

/// The central directory gives the listing; entries are read in order, parsed in parallel.
fn zip(
    path: &Path,
    name: &str,
    filter: Option<&LogFilter>,
) -> Result<Vec<(Item, Outcome)>, Partial> {
    let fail = |e: &dyn std::fmt::Display| (Vec::new(), e.to_string());
    let file = File::open(path).map_err(|e| fail(&e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| fail(&e))?;
    let mut listing = Vec::new();
    let mut entry_of = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| fail(&e))?;
        if entry.is_dir() {
            continue;
        }
        let rel = components(&entry.name().map_err(|e| fail(&e))?);
        if seen.insert(rel.clone()) {
            listing.push(rel);
            entry_of.push(i);
        }
    }
    let items = items(name, listing);
    let mut outcomes: Vec<Option<Outcome>> = (0..items.len()).map(|_| None).collect();
    let mut held = Vec::new();
    let (tx, rx) = mpsc::channel::<(usize, Outcome)>();
    rayon::scope(|scope| {
        for (i, item) in items.iter().enumerate() {
            if let Decision::Skip(reason) = item.plan.decision {
                outcomes[i] = Some(Outcome::Skipped(reason));
                continue;
            }
            let mut bytes = Vec::new();
            let read = archive
                .by_index(entry_of[i])
                .map_err(|e| e.to_string())
                .and_then(|mut e| e.read_to_end(&mut bytes).map_err(|e| e.to_string()));
            // A damaged entry is reported with its own name; the others are still read.
            if let Err(e) = read {
                outcomes[i] = Some(Outcome::Unreadable(e));
                continue;
            }
            if item.plan.copy_of.is_some() {
                held.push((i, bytes));
                continue;
            }
            let tx = tx.clone();
            let (plan, name) = (item.plan.clone(), Arc::clone(&item.name));
            let filter = filter.cloned();
            scope.spawn(move |_| {
                let _ = tx.send((
                    i,
                    read_from(&plan, &name, filter.as_ref(), bytes.as_slice()),
                ));
            });
        }
    });
    drop(tx);
    for (i, outcome) in rx {
        outcomes[i] = Some(outcome);
    }
    finish(items, outcomes, held, None)
}
