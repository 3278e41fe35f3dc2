//! A program that brings its own rules: load them next to the built-in pack, run their inline
//! tests, and analyse with them.
//!
//! Run with `cargo run -p kvdiag --example custom_rules`.

use kvdiag::{Hint, RuleSet, Snapshot, analyze};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = RuleSet::builder();
    builder.add_builtin();
    builder.add_source(
        "examples/rules/slow-start.yaml",
        include_str!("rules/slow-start.yaml"),
    );
    // Warnings do not stop loading, but are worth seeing.
    let rules = builder.build()?;

    let outcomes = kvdiag::testing::run_rule_tests(&rules, Some("site/"));
    for o in &outcomes {
        match &o.failure {
            None => println!("ok      {} / {}", o.rule, o.test),
            Some(why) => println!("FAILED  {} / {}\n{why}", o.rule, o.test),
        }
    }

    let mut snapshot = Snapshot::builder();
    snapshot.add_input(
        "vmi.yaml",
        b"apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: db, namespace: prod, creationTimestamp: '2024-05-14T10:25:00Z'}\nstatus: {phase: Scheduling}\n",
        &Hint::Auto,
    )?;
    snapshot.capture_time("2024-05-14T10:30:00Z".parse()?);
    for d in analyze(&rules, &snapshot.build()).diagnoses {
        println!("{} {} ({}): {}", d.severity, d.subject, d.rule, d.summary);
    }
    Ok(())
}
