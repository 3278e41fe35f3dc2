//! The rule file format as written: types that mirror the YAML, with source locations kept for
//! every value a later check may reject. They are read from a located tree of the document
//! (`read.rs`), key by key, so that a missing key or a value of the wrong type is reported
//! together with every other problem; unknown keys are found on the same tree (`keys.rs`). The
//! JSON Schema of the format (`kvdiag rules schema`) is derived from these types; their doc
//! comments are what an editor shows.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::cause::Severity;
use crate::correlate::Facet;

/// One YAML document of a rule file: a rule, or a declaration of causes.
// Only describes the format for the JSON Schema.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(title = "kvdiag rule file document")]
#[allow(dead_code)]
enum Document {
    Rule(Box<RuleSpec>),
    Causes(CausesSpec),
}

/// A document declaring causes, for rules of this or any other file to name.
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CausesSpec {
    /// The causes: each code namespaced as `<prefix>/<code>` (`acme/kvm-internal-error`), so
    /// that it never collides with a later built-in cause.
    #[schemars(required, with = "Vec<CauseSpec>")]
    pub causes: Vec<Spanned<CauseSpec>>,
}

/// A cause: the stable code diagnoses carry, and its documentation.
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct CauseSpec {
    /// The code, `<prefix>/<code>`: lower-case words joined by `-`.
    #[schemars(required, with = "String")]
    pub code: Option<Spanned<String>>,
    /// One line naming the cause.
    #[schemars(required, with = "String")]
    pub title: Option<Spanned<String>>,
    /// What it means (Markdown).
    pub description: Option<String>,
    /// The severity of a rule of this cause that gives none (default `error`).
    #[schemars(with = "Option<Severity>")]
    pub severity: Option<Spanned<String>>,
    /// Links for further reading.
    #[serde(default)]
    pub references: Vec<String>,
}

/// A kvdiag rule: what it diagnoses, when it fires, what to propose. One YAML document per rule.
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields, title = "kvdiag rule")]
pub(crate) struct RuleSpec {
    /// Stable, unique id, e.g. `runtime/oom-killed`.
    #[schemars(required, with = "String")]
    pub id: Option<Spanned<String>>,
    /// The cause code the rule diagnoses: a built-in cause or one declared in a rule file.
    #[schemars(required, with = "CauseCode")]
    pub cause: Option<Spanned<String>>,
    /// How bad a diagnosis of this rule is (default: the cause's severity).
    #[schemars(with = "Option<Severity>")]
    pub severity: Option<Spanned<String>>,
    /// One line naming the problem.
    #[schemars(required, with = "String")]
    pub title: Option<Spanned<String>>,
    /// The problem in the subject's terms; may use `{{vm.name}}`, `{{pod.name}}`,
    /// `{{match.NAME}}`, ...
    #[schemars(required, with = "String")]
    pub summary: Option<Spanned<String>>,
    /// What the diagnosis means and why it happens (Markdown).
    pub description: Option<String>,
    /// The condition under which the rule fires.
    #[schemars(required, with = "ConditionSpec")]
    pub when: Option<Spanned<ConditionSpec>>,
    /// Causes this rule steps aside for when they are found on the same subject.
    #[schemars(with = "Vec<CauseCode>")]
    #[serde(default)]
    pub yields_to: Vec<Spanned<String>>,
    /// Proposed steps, in order: what to read and, where there is one way, the fix. Nothing is
    /// ever executed.
    #[serde(default)]
    pub remediation: Vec<RemedySpec>,
    /// Alternative fixes, of which a person picks one (reports number them `Option 1`, `Option
    /// 2`, ...): for an OOM kill, raise the launcher's memory, lower the guest's, or pick a
    /// smaller instance type. Proposals, never executed.
    #[serde(default)]
    pub options: Vec<RemedySpec>,
    /// How to check, after a fix, that it worked: commands whose output shows the VM healthy
    /// (`printableStatus` `Running`, restart counts that stopped growing). Proposals, never
    /// executed.
    #[serde(default)]
    pub verify: Vec<RemedySpec>,
    /// Links for further reading.
    #[serde(default)]
    pub references: Vec<String>,
    /// Inline tests: small snapshots the rule must fire or stay silent on.
    #[schemars(with = "Vec<TestSpec>")]
    #[serde(default)]
    pub tests: Vec<Spanned<TestSpec>>,
}

/// A cause code: one of the built-in causes or a declared `<prefix>/<code>`. The schema is
/// made from `rules/causes.yaml` (see [`schema`]).
struct CauseCode;

impl JsonSchema for CauseCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Cause".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // Replaced by the causes themselves in `schema_with`.
        schemars::json_schema!({"type": "string"})
    }
}

/// An inline test: a small snapshot the rule must (or must not) fire on.
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TestSpec {
    /// What the test shows.
    #[schemars(required, with = "String")]
    pub name: Option<Spanned<String>>,
    /// Kubernetes objects of the snapshot (each with a `kind`).
    #[serde(default)]
    pub objects: Vec<Value>,
    /// Log streams of the snapshot.
    #[serde(default)]
    pub logs: Vec<TestLogSpec>,
    /// The capture time (RFC 3339), for rules that measure ages.
    #[schemars(with = "Option<String>")]
    pub now: Option<Spanned<String>>,
    /// `fire` or `silent`.
    #[schemars(required, with = "Expect")]
    pub expect: Option<Spanned<String>>,
    /// The exact summary the diagnosis must have.
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
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TestLogSpec {
    /// Namespace of the pod.
    pub namespace: Option<String>,
    /// The pod the log belongs to.
    pub pod: Option<String>,
    /// The container, e.g. `compute` or `guest-console-log`.
    pub container: Option<String>,
    /// The previous instance of the container.
    #[serde(default)]
    pub previous: bool,
    /// The log text, one line per line.
    #[schemars(required)]
    pub lines: String,
}

/// One proposed step (of `remediation`, `options` or `verify`).
#[derive(Debug, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct RemedySpec {
    /// What to do and why (a template).
    #[schemars(required, with = "String")]
    pub text: Option<Spanned<String>>,
    /// A ready-to-paste command (a template), proposed, never run.
    #[schemars(with = "Option<String>")]
    pub command: Option<Spanned<String>>,
    /// Propose this step only when every one of these is known for the subject: a facet
    /// (`vm`: the VM object was captured whole, as YAML or JSON, not read from `kubectl` text
    /// that may leave fields out) or a capture (`match.NAME`). E.g. a JSON patch that
    /// appends to a list only when an `optional` condition captured the list.
    #[serde(rename = "if", default)]
    #[schemars(with = "Vec<String>")]
    pub only_if: Vec<Spanned<String>>,
    /// Propose this step only when none of these is known (same values as `if`), e.g. both
    /// forms of a patch, each with its condition, when the VM was not captured.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub unless: Vec<Spanned<String>>,
}

/// A condition. With `on:` it tests objects of that facet (all tests below it look at the same
/// object) or, for `on: log`, log lines; otherwise it combines conditions with exactly one of
/// `all`, `any`, `first`, `not`, `optional`.
#[derive(Debug, Default, JsonSchema)]
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
    #[schemars(rename = "in", with = "Option<Vec<Scalar>>")]
    pub one_of: Option<Spanned<Vec<Value>>>,
    /// A regular expression that a value at `path` (or, with `on: log`, a line) matches; named
    /// groups become `match.NAME`.
    #[schemars(with = "Option<String>")]
    pub matches: Option<Spanned<String>>,
    /// The value at `path` (or, with `on: log`, a matching line) is a scheduler message
    /// (`0/N nodes are available: a reason, b reason, ...`) in which a reason this regular
    /// expression matches counts all N nodes: that reason alone keeps the pod off every node.
    #[schemars(with = "Option<String>")]
    pub excludes_all: Option<Spanned<String>>,
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

    /// `on: log`: only logs of this container (or these containers). The QEMU log and domain
    /// XML count as `compute`'s; a node's kernel log or journal is no container's; a log whose
    /// writer is unknown (a loose file) passes.
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

    /// The node has a key the format does not know (reported as such): a test it seems to
    /// lack (a misspelled `path` or operator) is not reported again.
    #[schemars(skip)]
    pub unknown_keys: bool,
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
#[derive(Debug, JsonSchema)]
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

/// The JSON Schema of a rule file's documents (a rule, or a declaration of causes), naming the
/// built-in causes; a declared cause is any `<prefix>/<code>`.
pub fn schema() -> Value {
    let causes = super::load::builtin_causes();
    schema_with(&causes)
}

/// The JSON Schema of a rule file's documents, naming these causes (and accepting any other
/// `<prefix>/<code>`).
pub fn schema_with(causes: &[super::CauseInfo]) -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Document)).unwrap_or(Value::Null);
    let mut any_of: Vec<Value> = causes
        .iter()
        .map(|c| {
            let mut doc = c.title.clone();
            if let Some(d) = &c.description {
                doc = format!("{doc}: {d}");
            }
            serde_json::json!({"const": c.code.code(), "description": doc})
        })
        .collect();
    any_of.push(serde_json::json!({
        "type": "string",
        "pattern": NAMESPACED_CAUSE,
        "description": "A cause declared in a rule file (`causes:`), namespaced as `<prefix>/<code>`."
    }));
    if let Some(props) = schema
        .pointer_mut("/$defs/RuleSpec/properties")
        .and_then(Value::as_object_mut)
    {
        if let Some(cause) = props.get_mut("cause").and_then(Value::as_object_mut) {
            cause.remove("type");
            cause.insert("$ref".into(), Value::from("#/$defs/Cause"));
        }
        if let Some(yields) = props.get_mut("yields_to").and_then(Value::as_object_mut) {
            yields.insert("items".into(), serde_json::json!({"$ref": "#/$defs/Cause"}));
        }
    }
    if let Some(defs) = schema.get_mut("$defs").and_then(Value::as_object_mut) {
        defs.insert(
            "Cause".into(),
            serde_json::json!({
                "description": "A cause code: a built-in cause or a declared `<prefix>/<code>`.",
                "anyOf": any_of
            }),
        );
    }
    schema
}

/// The form of a declared cause code, as a JSON Schema pattern.
const NAMESPACED_CAUSE: &str = "^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$";
