//! A program that brings its own rules, and a cause of its own: load them next to the built-in
//! pack, run their inline tests, and analyse with them. The rule files are
//! `examples/rules/*.yaml`; `examples/rules/kvm-internal-error/` is the capture the site's
//! cause is tested on (`kvdiag rules test examples/rules` checks it as a fixture).
//!
//! Run with `cargo run -p kvdiag --example custom_rules`.

use kvdiag::{Hint, LogHint, RuleSet, Snapshot, analyze};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = RuleSet::builder();
    builder.add_builtin();
    builder.add_source(
        "examples/rules/slow-start.yaml",
        include_str!("rules/slow-start.yaml"),
    );
    // Declares the cause `acme/kvm-internal-error` and a rule of it.
    builder.add_source(
        "examples/rules/kvm-internal-error.yaml",
        include_str!("rules/kvm-internal-error.yaml"),
    );
    // Every problem of every file at once; warnings do not stop loading.
    let rules = builder.build()?;
    let cause = rules
        .cause("acme/kvm-internal-error")
        .ok_or("the cause is declared")?;
    println!("cause {} ({}): {}", cause.code, cause.severity, cause.title);

    let outcomes = kvdiag::testing::run_rule_tests(&rules, Some("acme/"));
    for o in &outcomes {
        match &o.failure {
            None => println!("ok      {} / {}", o.rule, o.test),
            Some(why) => println!("FAILED  {} / {}\n{why}", o.rule, o.test),
        }
    }

    // The fixture's capture, as an embedding program would hold it: the VMI and the QEMU log.
    const FIXTURE: &str = "examples/rules/kvm-internal-error/namespaces/prod";
    let mut snapshot = Snapshot::builder();
    let vmi = include_bytes!(
        "rules/kvm-internal-error/namespaces/prod/kubevirt.io/virtualmachineinstances/db.yaml"
    );
    let qemu_log = include_bytes!("rules/kvm-internal-error/namespaces/prod/vms/db/prod_db.log");
    // A file that cannot be parsed is recorded in the report, not returned as an error; a
    // program that wants to stop at one says so with `into_result()?`.
    snapshot
        .add_input(format!("{FIXTURE}/vmi.yaml"), vmi, &Hint::Auto)
        .into_result()?;
    let whose = LogHint {
        namespace: Some("prod".into()),
        vm: Some("db".into()),
        ..LogHint::default()
    };
    snapshot.add_input(
        format!("{FIXTURE}/vms/db/prod_db.log"),
        qemu_log,
        &Hint::Log(whose),
    );
    for d in analyze(&rules, &snapshot.build()).diagnoses {
        // The cause is the site's own code, in the report as in the JSON.
        println!("{} {} [{}]: {}", d.severity, d.subject, d.cause, d.summary);
    }
    Ok(())
}
