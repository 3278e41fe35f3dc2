//! The rule language: YAML rule files compiled once into a [`RuleSet`].
//!
//! A rule names a cause, a severity, texts, and a `when` condition over the facets of a subject:
//!
//! ```yaml
//! id: runtime/oom-killed
//! cause: oom-killed
//! severity: critical
//! title: virt-launcher was killed by the out-of-memory killer
//! summary: "Pod {{pod.name}} was OOMKilled (exit code {{match.exitCode}})."
//! when:
//!   on: launcher-pod
//!   all:
//!     - path: $.status.containerStatuses[*].state.terminated.reason
//!       equals: OOMKilled
//!     - path: $.status.containerStatuses[*].state.terminated.exitCode
//!       exists: true
//!       capture: exitCode
//! ```
//!
//! See the repository's README for the full format.

mod compile;
pub mod docs;
mod keys;
mod load;
mod model;
mod path;
mod read;
pub mod select;
mod spec;
mod template;

pub use load::{MAX_RULE_FILE_BYTES, MAX_RULES, RuleSetBuilder};
pub use model::{CauseInfo, Level, LoadError, Rule, RuleError, RuleLocation, RuleSet, RuleTest};
pub(crate) use model::{Cmp, Condition, Known, LogTest, Op, Operand, Remedy, Test};
pub use path::JsonPath;
pub use select::{SelectError, Selection, Selector};
pub use spec::{schema, schema_with};
pub(crate) use template::{Field, Var};
