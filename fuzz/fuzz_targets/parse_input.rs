//! Document parsing, end to end: any bytes, read with each hint, into a snapshot that is
//! analysed with the built-in rules and rendered in every format, plain and redacted. Nothing
//! may panic, hang or exhaust memory.
#![no_main]

use std::sync::{Arc, OnceLock};

use kvdiag::{Hint, LogHint, LogKind, RuleSet, Snapshot, analyze, parse_input_with};
use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let mut limits = kvdiag::Limits::default();
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
});
