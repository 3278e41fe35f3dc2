//! Rule files come from users: whatever they hold, loading them ends with rules or located
//! errors, within bounds (file size, rule count, regex and JSONPath size, nesting), and no
//! pattern can make a log scan slow.

use std::time::{Duration, Instant};

use kvdiag::{LogSource, LogStream, RuleSet, Snapshot, analyze};

fn errors(file: &str, text: &str) -> Vec<kvdiag::RuleError> {
    let mut b = RuleSet::builder();
    b.add_source(file, text);
    match b.build() {
        Ok(_) => Vec::new(),
        Err(e) => e.errors,
    }
}

fn rule(id: &str, when: &str) -> String {
    format!("id: {id}\ncause: qemu-crash\nseverity: error\ntitle: t\nsummary: s\nwhen:\n{when}")
}

#[test]
fn a_rule_file_over_the_size_limit_is_one_clear_error() {
    let big = format!("# {}\n", "x".repeat(kvdiag::rules::MAX_RULE_FILE_BYTES));
    let e = errors("big.yaml", &big);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].code, "too-large");
    assert!(
        e[0].message.contains("larger than the limit"),
        "{}",
        e[0].message
    );
}

#[test]
fn rules_beyond_the_count_limit_are_one_clear_error() {
    let mut text = String::new();
    for i in 0..=kvdiag::rules::MAX_RULES {
        text.push_str(&rule(
            &format!("r/{i}"),
            "  on: vm\n  path: $.a\n  exists: true\n",
        ));
        text.push_str("---\n");
    }
    let e = errors("many.yaml", &text);
    assert_eq!(e.len(), 1, "{:?}", &e[..e.len().min(3)]);
    assert_eq!(e[0].code, "too-many-rules");
}

#[test]
fn hostile_patterns_and_paths_are_load_errors_not_hangs() {
    for (what, when, code) in [
        (
            "backreference",
            "  on: log\n  matches: '(a)\\1'\n",
            "bad-regex",
        ),
        (
            "huge repetition",
            "  on: log\n  matches: 'a{1000}{1000}{1000}'\n",
            "bad-regex",
        ),
        (
            "long path",
            &format!(
                "  on: vm\n  path: $.{}\n  exists: true\n",
                "a.".repeat(600) + "a"
            ),
            "bad-jsonpath",
        ),
        (
            "nested path",
            &format!(
                "  on: vm\n  path: '$.a{}'\n  exists: true\n",
                "[?(@.b".repeat(20)
            ),
            "bad-jsonpath",
        ),
    ] {
        let e = errors("bad.yaml", &rule("r/x", when));
        assert!(!e.is_empty(), "{what}: loaded");
        assert!(
            e.iter().any(|e| e.code == code),
            "{what}: {:?}",
            e.iter().map(|e| (e.code, &e.message)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn deeply_nested_conditions_are_a_load_error() {
    let mut when = String::from("  on: vm\n  path: $.a\n  exists: true\n");
    for _ in 0..60 {
        let indented: String = when.lines().map(|l| format!("  {l}\n")).collect();
        when = format!("  not:\n{indented}");
    }
    let e = errors("deep.yaml", &rule("r/deep", &when));
    assert!(!e.is_empty());
    assert!(
        e.iter()
            .all(|e| e.code == "yaml-syntax" || e.code == "invalid-value"),
        "{e:?}"
    );
}

#[test]
fn a_catastrophic_backtracking_pattern_scans_in_linear_time() {
    // `(a+)+$` takes exponential time in backtracking engines on `aaa...ab`; the regex crate
    // is linear in the input.
    let mut b = RuleSet::builder();
    b.add_source(
        "slow.yaml",
        &rule("r/slow", "  on: log\n  matches: '(a+)+$'\n"),
    );
    let rules = b.build().expect("loads");
    let line = format!("{}b\n", "a".repeat(50_000));
    let text = line.repeat(20);
    let log = LogStream::parse(
        LogSource {
            pod: Some("virt-launcher-x-abcde".into()),
            namespace: Some("n".into()),
            container: Some("compute".into()),
            ..LogSource::new("compute.log")
        },
        text.as_bytes(),
    );
    let mut s = Snapshot::builder();
    s.add_log(log);
    let started = Instant::now();
    let report = analyze(&rules, &s.build());
    assert!(report.diagnoses.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "1 MB took {:?}",
        started.elapsed()
    );
}
