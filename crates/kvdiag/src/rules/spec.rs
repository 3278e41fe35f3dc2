//! The rule file format as written: serde types that mirror the YAML, with source locations
//! kept for every value a later check may reject. Unknown keys are found before these types are
//! read (`keys.rs`), so that they are reported together with every other problem. The JSON
//! Schema of the format (`kvdiag rules schema`) is derived from these types; their doc comments
//! are what an editor shows.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::cause::{Cause, Severity};
use crate::correlate::Facet;

/// A kvdiag rule: what it diagnoses, when it fires, what to propose. One YAML document per rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields, title = "kvdiag rule")]
pub(crate) struct RuleSpec {
    /// Stable, unique id, e.g. `runtime/oom-killed`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The cause code the rule diagnoses.
    #[schemars(with = "Cause")]
    pub cause: Spanned<String>,
    /// How bad a diagnosis of this rule is.
    #[schemars(with = "Severity")]
    pub severity: Spanned<String>,
    /// One line naming the problem.
    #[schemars(with = "String")]
    pub title: Spanned<String>,
    /// The problem in the subject's terms; may use `{{vm.name}}`, `{{pod.name}}`,
    /// `{{match.NAME}}`, ...
    #[schemars(with = "String")]
    pub summary: Spanned<String>,
    /// What the diagnosis means and why it happens (Markdown).
    #[serde(default)]
    pub description: Option<String>,
    /// The condition under which the rule fires.
    #[schemars(with = "ConditionSpec")]
    pub when: Spanned<ConditionSpec>,
    /// Causes this rule steps aside for when they are found on the same subject.
    #[serde(default)]
    #[schemars(with = "Vec<Cause>")]
    pub yields_to: Vec<Spanned<String>>,
    /// Proposed steps, in order. Nothing is ever executed.
    #[serde(default)]
    pub remediation: Vec<RemedySpec>,
    /// Links for further reading.
    #[serde(default)]
    pub references: Vec<String>,
    /// Inline tests: small snapshots the rule must fire or stay silent on.
    #[serde(default)]
    #[schemars(with = "Vec<TestSpec>")]
    pub tests: Vec<Spanned<TestSpec>>,
}

/// An inline test: a small snapshot the rule must (or must not) fire on.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TestSpec {
    /// What the test shows.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Kubernetes objects of the snapshot (each with a `kind`).
    #[serde(default)]
    pub objects: Vec<Value>,
    /// Log streams of the snapshot.
    #[serde(default)]
    pub logs: Vec<TestLogSpec>,
    /// The capture time (RFC 3339), for rules that measure ages.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub now: Option<Spanned<String>>,
    /// `fire` or `silent`.
    #[schemars(with = "Expect")]
    pub expect: Spanned<String>,
    /// The exact summary the diagnosis must have.
    #[serde(default)]
    pub summary: Option<String>,
}

/// What an inline test expects of its rule.
// Only describes the format for the JSON Schema; values are read as `serde_json::Value`.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum Expect {
    /// The rule's diagnosis is present.
    Fire,
    /// The rule's diagnosis is absent.
    Silent,
}

/// A log stream of an inline test.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TestLogSpec {
    /// Namespace of the pod.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The pod the log belongs to.
    #[serde(default)]
    pub pod: Option<String>,
    /// The container, e.g. `compute` or `guest-console-log`.
    #[serde(default)]
    pub container: Option<String>,
    /// The previous instance of the container.
    #[serde(default)]
    pub previous: bool,
    /// The log text, one line per line.
    pub lines: String,
}

/// One proposed step.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct RemedySpec {
    /// What to do and why (a template).
    #[schemars(with = "String")]
    pub text: Spanned<String>,
    /// A ready-to-paste command (a template), proposed, never run.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub command: Option<Spanned<String>>,
}

/// A condition. With `on:` it tests objects of that facet (all tests below it look at the same
/// object) or, for `on: log`, log lines; otherwise it combines conditions with exactly one of
/// `all`, `any`, `first`, `not`, `optional`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ConditionSpec {
    /// The severity of the diagnosis when the rule holds through this condition alone (e.g. a
    /// fallback on state evidence when an age cannot be measured), instead of the rule's.
    #[schemars(with = "Option<Severity>")]
    pub severity: Option<Spanned<String>>,
    /// What this condition (and everything under it) looks at.
    #[schemars(with = "Option<Facet>")]
    pub on: Option<Spanned<String>>,
    /// Every condition holds; all give evidence.
    #[schemars(with = "Option<Vec<ConditionSpec>>")]
    pub all: Option<Vec<Spanned<ConditionSpec>>>,
    /// At least one holds; every one that holds gives evidence.
    #[schemars(with = "Option<Vec<ConditionSpec>>")]
    pub any: Option<Vec<Spanned<ConditionSpec>>>,
    /// Ordered alternatives: the first that holds decides and alone gives evidence.
    #[schemars(with = "Option<Vec<ConditionSpec>>")]
    pub first: Option<Vec<Spanned<ConditionSpec>>>,
    /// The condition does not hold.
    #[schemars(with = "Option<Box<ConditionSpec>>")]
    pub not: Option<Box<Spanned<ConditionSpec>>>,
    /// Evidence and captures when it holds; never makes the rule fail.
    #[schemars(with = "Option<Box<ConditionSpec>>")]
    pub optional: Option<Box<Spanned<ConditionSpec>>>,

    /// A JSONPath into the object (`$.status.phase`; `.status.phase` and `{.status.phase}`
    /// work too).
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// A value found at `path` equals this.
    #[schemars(with = "Option<Scalar>")]
    pub equals: Option<Spanned<Value>>,
    /// A value found at `path` is one of these.
    #[serde(rename = "in")]
    #[schemars(rename = "in", with = "Option<Vec<Scalar>>")]
    pub one_of: Option<Spanned<Vec<Value>>>,
    /// A regular expression that a value at `path` (or, with `on: log`, a line) matches; named
    /// groups become `match.NAME`.
    #[schemars(with = "Option<String>")]
    pub matches: Option<Spanned<String>>,
    /// `true`: `path` selects a value.
    #[schemars(with = "Option<bool>")]
    pub exists: Option<Spanned<bool>>,
    /// `true`: `path` selects nothing.
    #[schemars(with = "Option<bool>")]
    pub absent: Option<Spanned<bool>>,
    /// The value is a timestamp whose age cannot be measured: no capture time is known, or the
    /// capture time was estimated from this very timestamp. For fallbacks of age-gated rules.
    #[schemars(with = "Option<bool>")]
    pub age_unknown: Option<Spanned<bool>>,
    /// A value at `path` is greater than this (number, quantity, or age of a timestamp).
    #[schemars(with = "Option<Operand>")]
    pub gt: Option<Spanned<Value>>,
    /// ... greater than or equal.
    #[schemars(with = "Option<Operand>")]
    pub ge: Option<Spanned<Value>>,
    /// ... less than.
    #[schemars(with = "Option<Operand>")]
    pub lt: Option<Spanned<Value>>,
    /// ... less than or equal.
    #[schemars(with = "Option<Operand>")]
    pub le: Option<Spanned<Value>>,
    /// Keeps the value found at `path` as `match.NAME`.
    #[schemars(with = "Option<String>")]
    pub capture: Option<Spanned<String>>,

    /// `on: log`: only logs of this container (or these containers).
    #[schemars(with = "Option<StringOrList>")]
    pub container: Option<Spanned<StringOrList>>,
    /// `on: log`: only the previous (`true`) or current (`false`) container instance.
    #[schemars(with = "Option<bool>")]
    pub previous: Option<Spanned<bool>>,
    /// `on: log`: structured lines whose fields have these values (`level: error`).
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub fields: Option<Spanned<BTreeMap<String, String>>>,
    /// `on: log`: a line counts only when no later line of the same log matches this regular
    /// expression (a panic the guest has since rebooted from, to a login prompt, is over).
    #[schemars(with = "Option<String>")]
    pub not_followed_by: Option<Spanned<String>>,
}

/// A string, number or boolean.
// Only describes the format for the JSON Schema; values are read as `serde_json::Value`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Scalar {
    Text(String),
    Number(f64),
    Flag(bool),
}

/// The right-hand side of a comparison: a number, a quantity (`8Gi`, `500m`), a
/// duration (`10m`, compared with the age of a timestamp), or a captured value.
// Only describes the format for the JSON Schema; values are read as `serde_json::Value`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Operand {
    Number(f64),
    Text(String),
    Captured(CapturedOperand),
}

/// A value captured by an earlier condition, times `times`, plus `plus`.
// Only describes the format for the JSON Schema; values are read as `serde_json::Value`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct CapturedOperand {
    /// The capture's name.
    #[serde(rename = "match")]
    name: String,
    /// A factor.
    times: Option<f64>,
    /// A quantity to add, e.g. `200Mi`.
    plus: Option<String>,
}

/// One name or several.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            StringOrList::One(s) => vec![s.clone()],
            StringOrList::Many(v) => v.clone(),
        }
    }
}

/// The JSON Schema of a rule document.
pub fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(RuleSpec)).unwrap_or(Value::Null)
}
