//! The rule file format as written: serde types that mirror the YAML, with source locations
//! kept for every value a later check may reject. Unknown keys are found before these types are
//! read (`keys.rs`), so that they are reported together with every other problem.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

/// One rule document.
#[derive(Debug, Deserialize)]
pub(crate) struct RuleSpec {
    pub id: Spanned<String>,
    pub cause: Spanned<String>,
    pub severity: Spanned<String>,
    pub title: Spanned<String>,
    pub summary: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub when: Spanned<ConditionSpec>,
    #[serde(default)]
    pub yields_to: Vec<Spanned<String>>,
    #[serde(default)]
    pub remediation: Vec<RemedySpec>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub tests: Vec<Spanned<TestSpec>>,
}

/// An inline test: a small snapshot the rule must (or must not) fire on.
#[derive(Debug, Deserialize)]
pub(crate) struct TestSpec {
    pub name: Spanned<String>,
    #[serde(default)]
    pub objects: Vec<Value>,
    #[serde(default)]
    pub logs: Vec<TestLogSpec>,
    #[serde(default)]
    pub now: Option<Spanned<String>>,
    pub expect: Spanned<String>,
    #[serde(default)]
    pub summary: Option<String>,
}

/// A log stream of an inline test.
#[derive(Debug, Deserialize)]
pub(crate) struct TestLogSpec {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub pod: Option<String>,
    #[serde(default)]
    pub container: Option<String>,
    #[serde(default)]
    pub previous: bool,
    pub lines: String,
}

/// One proposed step.
#[derive(Debug, Deserialize)]
pub(crate) struct RemedySpec {
    pub text: Spanned<String>,
    #[serde(default)]
    pub command: Option<Spanned<String>>,
}

/// A condition node. Which keys are set decides what it is; `compile` checks the combination.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConditionSpec {
    /// The facet this node (and everything under it) looks at.
    pub on: Option<Spanned<String>>,
    pub all: Option<Vec<Spanned<ConditionSpec>>>,
    pub any: Option<Vec<Spanned<ConditionSpec>>>,
    /// Ordered alternatives: the first that holds decides and alone gives evidence.
    pub first: Option<Vec<Spanned<ConditionSpec>>>,
    pub not: Option<Box<Spanned<ConditionSpec>>>,
    /// Evidence and captures when it matches; never makes the rule fail.
    pub optional: Option<Box<Spanned<ConditionSpec>>>,

    /// Object tests.
    pub path: Option<Spanned<String>>,
    pub equals: Option<Spanned<Value>>,
    #[serde(rename = "in")]
    pub one_of: Option<Spanned<Vec<Value>>>,
    pub matches: Option<Spanned<String>>,
    pub exists: Option<Spanned<bool>>,
    pub absent: Option<Spanned<bool>>,
    pub gt: Option<Spanned<Value>>,
    pub ge: Option<Spanned<Value>>,
    pub lt: Option<Spanned<Value>>,
    pub le: Option<Spanned<Value>>,
    /// Keeps the value found at `path` as `match.<name>`.
    pub capture: Option<Spanned<String>>,

    /// Log tests.
    pub container: Option<Spanned<StringOrList>>,
    pub previous: Option<Spanned<bool>>,
    pub fields: Option<Spanned<BTreeMap<String, String>>>,
}

/// One name or several.
#[derive(Debug, Deserialize)]
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
