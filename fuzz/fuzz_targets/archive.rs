//! Archive reading: any bytes as a .tar, .tar.gz or .zip held in memory, planned, read and
//! parsed as kvdiag-fs does for an archive file, within small limits.
#![no_main]

use kvdiag::{Limits, Snapshot};
use kvdiag_fs::layout::ArchiveKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (kind, name) = match selector % 3 {
        0 => (ArchiveKind::Tar, "fuzz.tar"),
        1 => (ArchiveKind::TarGz, "fuzz.tar.gz"),
        _ => (ArchiveKind::Zip, "fuzz.zip"),
    };
    let mut limits = Limits::default();
    limits.archive_entries = 1000;
    limits.decompressed_bytes = 8 << 20;
    limits.document_bytes = 1 << 20;
    let mut builder = Snapshot::builder();
    builder.limits(limits);
    kvdiag_fs::add_archive_bytes(&mut builder, name, kind, bytes);
    let snapshot = builder.build();
    let _ = snapshot.inputs().read.len();
});
