//! Every input a fuzz target ever crashed on, replayed through the very code of its target
//! (`fuzz/harness.rs`, included here) in the normal test suite. The inputs are kept, one file each and
//! named after the problem, in `fuzz/regressions/<target>/`; FUZZING.md lists them.

use std::path::{Path, PathBuf};

use kvdiag::{LogSource, LogStreamBuilder};

// The fuzz targets' bodies themselves: a replay runs exactly what the fuzzer ran.
#[path = "../../../fuzz/harness.rs"]
mod harness;

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
    replay("parse_input", harness::parse_input);
}

#[test]
fn fuzz_crashes_of_log_parsing_stay_fixed() {
    replay("parse_log", harness::parse_log);
}

#[test]
fn fuzz_crashes_of_rule_loading_stay_fixed() {
    replay("rules", harness::rules_file);
}

#[test]
fn fuzz_crashes_of_archive_reading_stay_fixed() {
    replay("archive", harness::archive);
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
