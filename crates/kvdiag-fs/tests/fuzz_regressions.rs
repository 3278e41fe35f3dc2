//! Every input a fuzz target ever crashed on, replayed through the same code as its target
//! (`fuzz/fuzz_targets/*.rs`) in the normal test suite. The inputs are kept, one file each and
//! named after the problem, in `fuzz/regressions/<target>/`; FUZZING.md lists them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use kvdiag::parse::log_parsed;
use kvdiag::{
    Hint, Limits, LogHint, LogKind, LogSource, LogStreamBuilder, Parsed, RuleSet, Snapshot,
    analyze, parse_input_with,
};
use kvdiag_fs::layout::ArchiveKind;

fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            (
                name.unwrap_or_default(),
                std::fs::read(&p).expect("readable"),
            )
        })
        .collect()
}

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("the built-in rules load"))
}

/// `fuzz_targets/parse_input.rs`.
fn parse_input_target(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let hint = match selector % 6 {
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
    };
    let mut limits = Limits::default();
    limits.line_bytes = 256;
    let name: Arc<str> = Arc::from("fuzz/input");
    let parsed = parse_input_with(&name, bytes, &hint, &limits);
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

/// `fuzz_targets/parse_log.rs`.
fn parse_log_target(data: &[u8]) {
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
    if let Parsed::Logs(ls) = log_parsed(stream) {
        assert!(!ls.is_empty());
    }
}

/// `fuzz_targets/rules.rs`.
fn rules_target(data: &[u8]) {
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

/// `fuzz_targets/archive.rs`.
fn archive_target(data: &[u8]) {
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
    let _ = builder.build();
}

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let cases = regressions(target);
    for (name, data) in &cases {
        // A panic names the case that caused it.
        let outcome = std::panic::catch_unwind(|| run(data));
        assert!(
            outcome.is_ok(),
            "fuzz/regressions/{target}/{name} panics again"
        );
    }
    cases.len()
}

#[test]
fn fuzz_crashes_of_document_parsing_stay_fixed() {
    replay("parse_input", parse_input_target);
}

#[test]
fn fuzz_crashes_of_log_parsing_stay_fixed() {
    replay("parse_log", parse_log_target);
}

#[test]
fn fuzz_crashes_of_rule_loading_stay_fixed() {
    replay("rules", rules_target);
}

#[test]
fn fuzz_crashes_of_archive_reading_stay_fixed() {
    replay("archive", archive_target);
}

#[test]
fn a_short_timestamp_like_prefix_is_text_not_a_panic() {
    // fuzz/regressions/parse_input/short-timestamp-prefix, reduced: `ts[19..]` on a 15-byte
    // "timestamp".
    let log = kvdiag::LogStream::parse(LogSource::new("t"), b"2024-05-14T10:n he said\n");
    assert_eq!(
        log.line(0).map(|l| (l.timestamp, l.text)),
        Some((None, "2024-05-14T10:n he said"))
    );
}

#[test]
fn invalid_bytes_do_not_grow_a_line_past_the_line_limit() {
    // fuzz/regressions/parse_log/invalid-bytes-grow-past-the-line-limit, reduced: each invalid
    // byte becomes a 3-byte replacement character.
    let mut b = LogStreamBuilder::new(LogSource::new("t")).max_line_bytes(16);
    b.push(&[0x90; 12]);
    let log = b.finish();
    let line = log.line(0).expect("a line");
    assert!(line.text.len() <= 16, "{}", line.text.len());
    assert_eq!(log.cut_lines(), 1);
}
