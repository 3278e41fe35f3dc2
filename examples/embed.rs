//! Embedding kvdiag: a program that already holds objects and logs in memory (an operator's
//! watch cache, an MCP server's tool results) diagnoses them without touching the disk.
//!
//! Run with `cargo run -p kvdiag --example embed`.

use kvdiag::serde_json::json;
use kvdiag::{LogSource, LogStream, Origin, RuleSet, Snapshot, analyze};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Compile the rules once; reuse them for every analysis.
    let rules = RuleSet::builtin()?;

    let mut snapshot = Snapshot::builder();
    snapshot.add_value(
        json!({
            "apiVersion": "kubevirt.io/v1",
            "kind": "VirtualMachine",
            "metadata": {"name": "db", "namespace": "prod", "uid": "5f0c3d1e-0000-4000-8000-000000000001"},
            "spec": {"runStrategy": "Always"},
            "status": {"printableStatus": "CrashLoopBackOff", "startFailure": {"consecutiveFailCount": 2}}
        }),
        Origin::new("watch-cache"),
    )?; // a value that is not taken says why (kvdiag::Rejected): a Secret, an unused kind

    // A log line as `oc logs virt-launcher-db-abcde -c compute` would return it.
    let log = br#"{"component":"virt-launcher-monitor","level":"info","msg":"Reaped pid 87 with status 11","pos":"virt-launcher-monitor.go:192","timestamp":"2024-05-14T10:11:38.091207Z"}"#;
    snapshot.add_log(LogStream::parse(
        LogSource {
            namespace: Some("prod".into()),
            pod: Some("virt-launcher-db-abcde".into()),
            container: Some("compute".into()),
            ..LogSource::new("pods_log:virt-launcher-db-abcde")
        },
        log,
    ));

    let report = analyze(&rules, &snapshot.build());
    for d in &report.diagnoses {
        println!(
            "{} {}/{}: {} ({})",
            d.severity,
            d.subject.namespace.as_deref().unwrap_or("-"),
            d.subject.name,
            d.title,
            d.cause
        );
        for r in d.remediation.iter().filter_map(|r| r.command.as_deref()) {
            println!("  proposed: {r}");
        }
    }
    Ok(())
}
