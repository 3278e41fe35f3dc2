//! kvdiag: offline diagnosis of failing KubeVirt virtual machines.
//!
//! The library is pure: no file system, network, clock or environment. It takes bytes (or
//! objects you already hold), relates them per VM, evaluates declarative YAML rules and returns
//! typed diagnoses with their evidence and proposed remediation. The data flows through one
//! module per stage:
//!
//! ```text
//! bytes + name ──parse──► objects & logs ──snapshot──► Snapshot ──correlate──► Subjects
//!                                                                                 │
//!                  Report ◄──report── Diagnoses ◄──evaluate── RuleSet ◄───────────┘
//! ```
//!
//! ```
//! use kvdiag::{Hint, RuleSet, Snapshot, analyze};
//!
//! let rules = RuleSet::builtin()?;
//! let mut snapshot = Snapshot::builder();
//! snapshot.add_input("pod.yaml", br#"
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: virt-launcher-db-abcde
//!   namespace: prod
//!   labels: {kubevirt.io: virt-launcher}
//!   annotations: {kubevirt.io/domain: db}
//! status:
//!   phase: Failed
//!   containerStatuses:
//!   - name: compute
//!     state: {terminated: {reason: OOMKilled, exitCode: 137}}
//! "#, &Hint::Auto);       // an input that cannot be parsed is recorded, not an error
//! let report = analyze(&rules, &snapshot.build());
//! assert_eq!(report.diagnoses[0].cause, "oom-killed");
//! println!("{}", report.to_json());
//! # Ok::<(), kvdiag::LoadError>(())
//! ```
//!
//! Nothing kvdiag does changes a cluster: remediation is proposed, never executed.

mod cause;
pub mod correlate;
pub mod coverage;
pub mod diff;
mod evaluate;
pub mod limits;
pub mod measure;
mod object;
mod outcome;
pub mod parse;
pub mod redact;
pub mod report;
pub mod rules;
mod snapshot;
mod source;
pub mod testing;
pub mod timeline;
pub mod tree;

pub use cause::{Cause, InvalidCause, Severity};
pub use correlate::{Facet, Subject, correlate};
pub use evaluate::{Options, analyze, analyze_subjects, analyze_with, evaluate};
pub use limits::Limits;
pub use object::{Object, ObjectRef};
pub use outcome::{Added, Rejected};
pub use parse::{
    Hint, LogHint, LogKind, LogSource, LogStream, LogStreamBuilder, ParseError, Parsed,
    parse_input, parse_input_with,
};
pub use report::{Diagnosis, Evidence, Remediation, Report};
pub use rules::{CauseInfo, LoadError, Rule, RuleError, RuleSet, RuleSetBuilder};
pub use snapshot::{
    Capture, CaptureId, CaptureTime, CaptureTimeSource, Content, InputKind, InputProblem,
    InputRecord, Inputs, KindCounts, LOOSE_CAPTURE, LogId, ObjectId, ReasonCount, Snapshot,
    SnapshotBuilder,
};
pub use source::Origin;
pub use tree::{Node, Tree};

/// The `serde_json` kvdiag speaks: objects given to
/// [`SnapshotBuilder::add_value`](crate::SnapshotBuilder::add_value), evidence values and the
/// JSON report are its values, so a program need not depend on a matching version itself.
pub use serde_json;

/// The core's hash maps and sets: foldhash, faster than the standard SipHash on the short
/// string keys of indexing and correlation, still seeded at random per process.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// See [`HashMap`].
pub(crate) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
