//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` (libFuzzer) and by the
//! normal test suite (`crates/kvdiag-fs/tests/fuzz_regressions.rs`, which replays every input a
//! target ever crashed on), so that a replay always runs exactly what the fuzzer ran.

// Each fuzz target binary uses one of these functions.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use kvdiag::parse::log_parsed;
use kvdiag::{
    Hint, Limits, LogHint, LogKind, LogSource, LogStreamBuilder, Parsed, RuleSet, Snapshot,
    analyze, parse_input_with,
};
use kvdiag_fs::layout::ArchiveKind;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("the built-in rules load"))
}

fn hint(selector: u8) -> Hint {
    match selector % 6 {
        0 => Hint::Auto,
        1 => Hint::Document,
        2 => Hint::Log(LogHint::default()),
        3 => Hint::Log(LogHint {
            kind: Some(LogKind::Kernel),
            ..LogHint::default()
        }),
        4 => Hint::Log(LogHint {
            container: Some("virt-handler".into()),
            ..LogHint::default()
        }),
        _ => Hint::ClusterInfoLogs {
            namespace: Some("ns".into()),
            pod: Some("virt-launcher-vm-abcde".into()),
        },
    }
}

/// Document parsing, end to end: any bytes, read with each hint, into a snapshot that is
/// analysed with the built-in rules and rendered in every format, plain and redacted.
pub fn parse_input(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let mut limits = Limits::default();
    limits.line_bytes = 256;
    let name: Arc<str> = Arc::from("fuzz/input");
    let parsed = parse_input_with(&name, bytes, &hint(selector), &limits);
    let mut builder = Snapshot::builder();
    builder.limits(limits);
    let _ = builder.add_parsed(name, parsed);
    let snapshot = builder.build();
    let mut report = analyze(rules(), &snapshot);
    let _ = report.to_json();
    let _ = kvdiag::report::text::render(&report, true);
    let _ = kvdiag::report::markdown::render(&report);
    kvdiag::redact::Redactor::of(&snapshot).report(&mut report);
    let _ = report.to_json();
}

/// Log parsing: any bytes, fed in chunks of any size, with any line limit, recognised, split
/// into excerpts and read field by field.
pub fn parse_log(data: &[u8]) {
    let Some((&[chunk, limit], bytes)) = data.split_first_chunk::<2>() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let max_line = usize::from(limit).max(1) * 4;
    let mut b = LogStreamBuilder::new(LogSource::new("fuzz.log")).max_line_bytes(max_line);
    for part in bytes.chunks(chunk) {
        b.push(part);
    }
    let stream = b.finish();
    for line in stream.lines() {
        assert!(line.text.len() <= max_line, "a line longer than its limit");
        for key in ["msg", "component", "timestamp", "kind", "name", "namespace"] {
            let _ = line.field(key);
        }
    }
    let _ = stream.last_timestamp();
    let _ = stream.first_field("component");
    match log_parsed(stream) {
        Parsed::Log(l) => {
            let _ = l.len();
        }
        Parsed::Logs(ls) => {
            assert!(!ls.is_empty());
            for l in ls {
                let _ = l.lines().count();
            }
        }
        _ => {}
    }
}

/// Rule loading: any text as a user's rule file; when it loads, its inline tests run and its
/// documentation renders; lint always runs.
pub fn rules_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut builder = RuleSet::builder();
    builder.add_source("fuzz.yaml", &text);
    if let Ok(rules) = builder.build() {
        let _ = kvdiag::testing::run_rule_tests(&rules, None);
        for rule in rules.rules() {
            let _ = kvdiag::rules::docs::explain(rule);
        }
    }
    let mut builder = RuleSet::builder();
    builder.add_source("fuzz.yaml", &text);
    let _ = builder.lint();
}

/// Archive reading: any bytes as a .tar, .tar.gz, .zip, .tar.xz, .tar.zst or .tar.bz2 held in
/// memory, or as standard input (recognised by its magic bytes), within small limits.
pub fn archive(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (kind, name) = match selector % 7 {
        0 => (ArchiveKind::Tar, "fuzz.tar"),
        1 => (ArchiveKind::TarGz, "fuzz.tar.gz"),
        2 => (ArchiveKind::Zip, "fuzz.zip"),
        3 => (ArchiveKind::TarXz, "fuzz.tar.xz"),
        4 => (ArchiveKind::TarZst, "fuzz.tar.zst"),
        5 => (ArchiveKind::TarBz2, "fuzz.tar.bz2"),
        _ => (ArchiveKind::Tar, "-"),
    };
    let mut limits = Limits::default();
    limits.archive_entries = 1000;
    limits.decompressed_bytes = 8 << 20;
    limits.document_bytes = 1 << 20;
    let mut builder = Snapshot::builder();
    builder.limits(limits);
    if name == "-" {
        let _ = kvdiag_fs::add_reader(&mut builder, bytes);
    } else {
        kvdiag_fs::add_archive_bytes(&mut builder, name, kind, bytes);
    }
    let _ = builder.build().inputs().read.len();
}
