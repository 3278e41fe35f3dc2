//! Rule files into a compiled [`RuleSet`]: every regex and JSONPath compiled once, every
//! template and name checked, every problem reported with its file, line and column.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::SignedDuration;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use super::path::JsonPath;
use super::spec::{ConditionSpec, RuleSpec};
use super::template::Template;
use crate::cause::{Cause, Severity};
use crate::correlate::Facet;
use crate::measure::{parse_duration, parse_quantity};
use crate::parse::yaml;

/// Largest compiled size of one regex; a pattern beyond it is rejected when rules load.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// The built-in rule pack, embedded at compile time: (file name, content).
const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A problem in a rule file, located.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RuleError {
    /// The rule file's name.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

/// Rules that failed to load: every problem found, not just the first.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{} problem(s) in rules:\n{}", errors.len(), errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct LoadError {
    /// The problems, in file order.
    pub errors: Vec<RuleError>,
}

/// Where a rule was defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleLocation {
    /// The rule file.
    pub file: String,
    /// Line of the rule's `id`.
    pub line: u64,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Stable id, e.g. `runtime/oom-killed`.
    pub id: String,
    /// The cause it diagnoses.
    pub cause: Cause,
    /// How bad it is.
    pub severity: Severity,
    /// One line naming the problem.
    pub title: String,
    /// Longer documentation: what it means, why it happens.
    pub description: Option<String>,
    /// Links for further reading.
    pub references: Vec<String>,
    /// Where it was defined.
    pub location: RuleLocation,
    /// The rule's YAML document as written.
    pub definition: String,
    pub(crate) summary: Template,
    pub(crate) remediation: Vec<Remedy>,
    pub(crate) when: Condition,
    pub(crate) yields_to: Vec<Cause>,
}

impl Rule {
    /// The summary template as written.
    pub fn summary_template(&self) -> String {
        self.summary.to_string()
    }

    /// The remediation steps as written: (text, command) templates.
    pub fn remediation_templates(&self) -> Vec<(String, Option<String>)> {
        self.remediation
            .iter()
            .map(|r| {
                (
                    r.text.to_string(),
                    r.command.as_ref().map(ToString::to_string),
                )
            })
            .collect()
    }

    /// Causes this rule steps aside for: when one of them is diagnosed on the same subject, this
    /// rule's diagnosis is dropped.
    pub fn yields_to(&self) -> &[Cause] {
        &self.yields_to
    }

    /// The facets this rule's condition looks at.
    pub fn facets(&self) -> BTreeSet<Facet> {
        let mut out = BTreeSet::new();
        self.when.facets(&mut out);
        out
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Remedy {
    pub text: Template,
    pub command: Option<Template>,
}

/// A condition across facets.
#[derive(Clone, Debug)]
pub(crate) enum Condition {
    All(Vec<Condition>),
    /// Every alternative that holds gives evidence.
    Any(Vec<Condition>),
    /// The first alternative that holds decides and alone gives evidence.
    First(Vec<Condition>),
    Not(Box<Condition>),
    /// Always true; adds the evidence and captures of the inner condition when it holds.
    Optional(Box<Condition>),
    /// Some object of the facet passes the test.
    Object {
        facet: Facet,
        test: Test,
    },
    /// Some line of some log stream passes.
    Log(LogTest),
}

impl Condition {
    fn facets(&self, out: &mut BTreeSet<Facet>) {
        match self {
            Condition::All(c) | Condition::Any(c) | Condition::First(c) => {
                c.iter().for_each(|c| c.facets(out))
            }
            Condition::Not(c) | Condition::Optional(c) => c.facets(out),
            Condition::Object { facet, .. } => {
                out.insert(*facet);
            }
            Condition::Log(_) => {
                out.insert(Facet::Log);
            }
        }
    }
}

/// A test on one object.
#[derive(Clone, Debug)]
pub(crate) enum Test {
    All(Vec<Test>),
    Any(Vec<Test>),
    First(Vec<Test>),
    Not(Box<Test>),
    Path {
        path: JsonPath,
        op: Op,
        capture: Option<String>,
    },
}

/// What a value found at a path must satisfy.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Equals(Value),
    In(Vec<Value>),
    Matches(Regex),
    Exists,
    Absent,
    Compare(Cmp, Operand),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    /// A literal, read every way it can be: a number or quantity, and a duration (compared with
    /// the age of a timestamp value).
    Literal {
        quantity: Option<f64>,
        duration: Option<SignedDuration>,
    },
    /// A value captured by an earlier condition, as a quantity, times `times` plus `plus`:
    /// `le: {match: guest, plus: 200Mi}`.
    Capture { name: String, times: f64, plus: f64 },
}

/// A test on the lines of log streams.
#[derive(Clone, Debug)]
pub(crate) struct LogTest {
    /// Index into the rule set's log patterns.
    pub pattern: usize,
    pub containers: Option<Vec<String>>,
    pub previous: Option<bool>,
    pub fields: Vec<(String, String)>,
}

/// All log patterns of a rule set, scanned together once per stream.
#[derive(Clone, Debug)]
pub(crate) struct LogPatterns {
    pub set: RegexSet,
    pub regexes: Vec<Regex>,
}

/// A compiled, validated set of rules, ready to evaluate any number of snapshots.
#[derive(Clone, Debug)]
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    pub(crate) logs: LogPatterns,
}

impl RuleSet {
    /// The built-in rule pack.
    pub fn builtin() -> Result<RuleSet, LoadError> {
        let mut b = RuleSet::builder();
        b.add_builtin();
        b.build()
    }

    /// Starts an empty set.
    pub fn builder() -> RuleSetBuilder {
        RuleSetBuilder::default()
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Collects rule files; [`RuleSetBuilder::build`] reports every problem at once.
#[derive(Debug, Default)]
pub struct RuleSetBuilder {
    rules: Vec<Rule>,
    patterns: Vec<String>,
    errors: Vec<RuleError>,
    ids: HashMap<String, RuleLocation>,
}

impl RuleSetBuilder {
    /// Adds the built-in rule pack.
    pub fn add_builtin(&mut self) -> &mut Self {
        for (file, text) in BUILTIN {
            self.add_source(&format!("rules/{file}"), text);
        }
        self
    }

    /// Adds the rules of one file (one rule per YAML document).
    pub fn add_source(&mut self, file: &str, text: &str) -> &mut Self {
        for (offset, doc) in split_documents(text) {
            let mut ctx = Ctx {
                file,
                offset,
                errors: &mut self.errors,
                patterns: &mut self.patterns,
                captures: BTreeSet::new(),
            };
            let spec = match yaml::documents::<RuleSpec>(doc.as_bytes(), yaml::rule_options()) {
                Ok(mut specs) if specs.len() == 1 => specs.remove(0),
                Ok(specs) if specs.is_empty() => continue,
                Ok(_) => {
                    ctx.error_at(1, 1, "several documents where one was expected".into());
                    continue;
                }
                Err(e) => {
                    ctx.error_at(e.line.unwrap_or(1), e.column.unwrap_or(1), e.message);
                    continue;
                }
            };
            if let Some(mut rule) = ctx.rule(spec) {
                rule.definition = doc.trim_matches('\n').to_owned();
                if let Some(first) = self.ids.get(&rule.id) {
                    self.errors.push(RuleError {
                        file: file.to_owned(),
                        line: rule.location.line,
                        column: 1,
                        message: format!(
                            "duplicate rule id `{}` (first defined at {}:{})",
                            rule.id, first.file, first.line
                        ),
                    });
                    continue;
                }
                self.ids.insert(rule.id.clone(), rule.location.clone());
                self.rules.push(rule);
            }
        }
        self
    }

    /// Compiles the set: log patterns into one scanner, and a check that no chain of
    /// `yields_to` loops.
    pub fn build(mut self) -> Result<RuleSet, LoadError> {
        if let Some((rule, chain)) = yield_cycle(&self.rules) {
            let chain: Vec<_> = chain.iter().map(|c| c.code()).collect();
            self.errors.push(RuleError {
                file: rule.location.file.clone(),
                line: rule.location.line,
                column: 1,
                message: format!(
                    "`yields_to` of rule `{}` is part of a loop of causes: {}",
                    rule.id,
                    chain.join(" yields to ")
                ),
            });
        }
        if !self.errors.is_empty() {
            return Err(LoadError {
                errors: self.errors,
            });
        }
        let set = RegexSetBuilder::new(&self.patterns)
            .size_limit(REGEX_SIZE_LIMIT * self.patterns.len().max(1))
            .build()
            .map_err(|e| LoadError {
                errors: vec![RuleError {
                    file: "<rule set>".into(),
                    line: 0,
                    column: 0,
                    message: format!("the log patterns together are too large: {e}"),
                }],
            })?;
        let regexes = self
            .patterns
            .iter()
            .filter_map(|p| compile_regex(p).ok())
            .collect();
        Ok(RuleSet {
            rules: self.rules,
            logs: LogPatterns { set, regexes },
        })
    }
}

/// Splits a YAML stream at `---` lines, keeping each document's starting line offset, so that
/// each rule is checked on its own and every broken rule of a file is reported.
fn split_documents(text: &str) -> Vec<(u64, String)> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start = 0u64;
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push((start, std::mem::take(&mut current)));
            start = i as u64;
            current.push('\n');
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    docs.push((start, current));
    docs.retain(|(_, d)| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

/// A chain of `yields_to` that returns to the cause it started from: the first rule on it and
/// the chain of causes.
fn yield_cycle(rules: &[Rule]) -> Option<(&Rule, Vec<Cause>)> {
    let mut edges: BTreeMap<Cause, BTreeSet<Cause>> = BTreeMap::new();
    for r in rules {
        edges
            .entry(r.cause)
            .or_default()
            .extend(r.yields_to.iter().copied());
    }
    /// Depth-first search for a path from `path`'s last cause back to its first.
    fn back_to_start(
        edges: &BTreeMap<Cause, BTreeSet<Cause>>,
        path: &mut Vec<Cause>,
        seen: &mut BTreeSet<Cause>,
    ) -> bool {
        let (Some(&start), Some(&last)) = (path.first(), path.last()) else {
            return false;
        };
        for &next in edges.get(&last).into_iter().flatten() {
            path.push(next);
            if next == start || (seen.insert(next) && back_to_start(edges, path, seen)) {
                return true;
            }
            path.pop();
        }
        false
    }
    rules.iter().find_map(|r| {
        let mut path = vec![r.cause];
        back_to_start(&edges, &mut path, &mut BTreeSet::new()).then_some((r, path))
    })
}

fn compile_regex(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let msg = e.to_string();
            msg.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&msg)
                .trim()
                .to_owned()
        })
}

struct Ctx<'a> {
    file: &'a str,
    offset: u64,
    errors: &'a mut Vec<RuleError>,
    patterns: &'a mut Vec<String>,
    /// Names a template may use as `match.NAME` in the rule being compiled.
    captures: BTreeSet<String>,
}

impl Ctx<'_> {
    fn error_at(&mut self, line: u64, column: u64, message: String) {
        self.errors.push(RuleError {
            file: self.file.to_owned(),
            line: line + self.offset,
            column,
            message,
        });
    }

    fn error(&mut self, at: &Location, message: String) {
        self.error_at(at.line(), at.column(), message);
    }

    fn rule(&mut self, spec: RuleSpec) -> Option<Rule> {
        let errors_before = self.errors.len();
        let id = spec.id.value.trim().to_owned();
        if id.is_empty() || id.contains(char::is_whitespace) {
            self.error(
                &spec.id.referenced,
                "a rule id is a non-empty word, e.g. `runtime/oom-killed`".into(),
            );
        }
        let cause = Cause::from_code(&spec.cause.value);
        if cause.is_none() {
            let codes: Vec<_> = Cause::ALL.iter().map(|c| c.code()).collect();
            self.error(
                &spec.cause.referenced,
                format!(
                    "unknown cause `{}`; causes are: {}",
                    spec.cause.value,
                    codes.join(", ")
                ),
            );
        }
        let severity = Severity::from_name(&spec.severity.value);
        if severity.is_none() {
            self.error(
                &spec.severity.referenced,
                format!(
                    "unknown severity `{}`; use critical, error, warning or info",
                    spec.severity.value
                ),
            );
        }
        for (field, value) in [("title", &spec.title), ("summary", &spec.summary)] {
            if value.value.trim().is_empty() {
                self.error(&value.referenced, format!("`{field}` must not be empty"));
            }
        }
        let mut yields_to = Vec::new();
        for y in &spec.yields_to {
            match Cause::from_code(&y.value) {
                Some(c) => yields_to.push(c),
                None => self.error(
                    &y.referenced,
                    format!("`yields_to` names unknown cause `{}`", y.value),
                ),
            }
        }
        let when = self.condition(&spec.when);
        let summary = self.template(&spec.summary);
        let remediation: Vec<Remedy> = spec
            .remediation
            .iter()
            .filter_map(|r| {
                let text = self.template(&r.text)?;
                let command = match &r.command {
                    Some(c) => Some(self.template(c)?),
                    None => None,
                };
                Some(Remedy { text, command })
            })
            .collect();
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Rule {
            id,
            cause: cause?,
            severity: severity?,
            title: spec.title.value.trim().to_owned(),
            description: spec.description.map(|d| d.trim().to_owned()),
            references: spec.references,
            definition: String::new(),
            location: RuleLocation {
                file: self.file.to_owned(),
                line: spec.id.referenced.line() + self.offset,
            },
            summary: summary?,
            remediation,
            when: when?,
            yields_to,
        })
    }

    fn template(&mut self, text: &Spanned<String>) -> Option<Template> {
        match Template::parse(&text.value) {
            Ok(t) => {
                let unknown: Vec<_> = t
                    .captures()
                    .filter(|c| !self.captures.contains(*c))
                    .map(str::to_owned)
                    .collect();
                for c in unknown {
                    self.error(
                        &text.referenced,
                        format!("template uses `match.{c}` but no condition captures `{c}` (a named group `(?P<{c}>...)` or `capture: {c}`)"),
                    );
                }
                Some(t)
            }
            Err(e) => {
                self.error(&text.referenced, e);
                None
            }
        }
    }

    fn condition(&mut self, node: &Spanned<ConditionSpec>) -> Option<Condition> {
        let spec = &node.value;
        let at = &node.referenced;
        if let Some(on) = &spec.on {
            let Some(facet) = Facet::from_name(&on.value) else {
                let names: Vec<_> = Facet::ALL.iter().map(|f| f.name()).collect();
                self.error(
                    &on.referenced,
                    format!(
                        "unknown facet `{}`; use one of: {}",
                        on.value,
                        names.join(", ")
                    ),
                );
                return None;
            };
            if facet == Facet::Log {
                return self.log_test(node).map(Condition::Log);
            }
            if let Some(key) = log_keys(spec).first() {
                self.error(at, format!("`{key}` applies to `on: log` only"));
                return None;
            }
            return self
                .test(node, facet, true)
                .map(|test| Condition::Object { facet, test });
        }
        if spec.path.is_some() || !ops(spec).is_empty() || !log_keys(spec).is_empty() {
            self.error(
                at,
                "a test needs `on:` to say what it looks at (vm, vmi, launcher-pod, pod, event, dv, pvc, node, log)".into(),
            );
            return None;
        }
        match combinator(spec) {
            Ok(Comb::All(children)) => self.children(children).map(Condition::All),
            Ok(Comb::Any(children)) => self.children(children).map(Condition::Any),
            Ok(Comb::First(children)) => self.children(children).map(Condition::First),
            Ok(Comb::Not(child)) => self.condition(child).map(|c| Condition::Not(Box::new(c))),
            Ok(Comb::Optional(child)) => self
                .condition(child)
                .map(|c| Condition::Optional(Box::new(c))),
            Err(e) => {
                self.error(at, e);
                None
            }
        }
    }

    fn children(&mut self, children: &[Spanned<ConditionSpec>]) -> Option<Vec<Condition>> {
        let out: Vec<_> = children.iter().map(|c| self.condition(c)).collect();
        out.into_iter().collect()
    }

    /// A test on one object of `facet`. `top` is the node carrying `on:`.
    fn test(&mut self, node: &Spanned<ConditionSpec>, facet: Facet, top: bool) -> Option<Test> {
        let spec = &node.value;
        let at = &node.referenced;
        if !top && let Some(on) = &spec.on {
            self.error(&on.referenced, format!("`on:` inside a condition already `on: {}`: its tests all look at the same object", facet.name()));
            return None;
        }
        if let Some(key) = log_keys(spec).first() {
            self.error(at, format!("`{key}` applies to `on: log` only"));
            return None;
        }
        if let Some(path) = &spec.path {
            if let Some(key) = combinator_keys(spec).first() {
                self.error(at, format!("a test with `path` cannot also have `{key}`"));
                return None;
            }
            let path_c = match JsonPath::parse(&path.value) {
                Ok(p) => Some(p),
                Err(e) => {
                    self.error(
                        &path.referenced,
                        format!("bad JSONPath `{}`: {e}", path.value),
                    );
                    None
                }
            };
            let op = self.op(node);
            let capture = spec.capture.as_ref().map(|c| {
                if !c
                    .value
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                    || c.value.is_empty()
                {
                    self.error(
                        &c.referenced,
                        "a capture name is letters, digits and `_`".into(),
                    );
                }
                self.captures.insert(c.value.clone());
                c.value.clone()
            });
            return Some(Test::Path {
                path: path_c?,
                op: op?,
                capture,
            });
        }
        if !ops(spec).is_empty() {
            self.error(at, format!("`{}` needs a `path` to test", ops(spec)[0]));
            return None;
        }
        if spec.capture.is_some() {
            self.error(at, "`capture` needs a `path`".into());
            return None;
        }
        match combinator(spec) {
            Ok(Comb::All(c)) => self.tests(c, facet).map(Test::All),
            Ok(Comb::Any(c)) => self.tests(c, facet).map(Test::Any),
            Ok(Comb::First(c)) => self.tests(c, facet).map(Test::First),
            Ok(Comb::Not(c)) => self.test(c, facet, false).map(|t| Test::Not(Box::new(t))),
            Ok(Comb::Optional(_)) => {
                self.error(
                    at,
                    "`optional` takes a whole condition with its own `on:`; use it outside `on:`"
                        .into(),
                );
                None
            }
            Err(_) if top => {
                self.error(
                    at,
                    format!(
                        "`on: {}` needs a `path` test, or `all`/`any`/`first`/`not` of tests",
                        facet.name()
                    ),
                );
                None
            }
            Err(e) => {
                self.error(at, e);
                None
            }
        }
    }

    fn tests(&mut self, children: &[Spanned<ConditionSpec>], facet: Facet) -> Option<Vec<Test>> {
        let out: Vec<_> = children
            .iter()
            .map(|c| self.test(c, facet, false))
            .collect();
        out.into_iter().collect()
    }

    fn op(&mut self, node: &Spanned<ConditionSpec>) -> Option<Op> {
        let spec = &node.value;
        let set = ops(spec);
        if set.len() != 1 {
            let msg = if set.is_empty() {
                "a `path` test needs one of: equals, in, matches, exists, absent, gt, ge, lt, le"
                    .to_owned()
            } else {
                format!(
                    "a `path` test takes one operator, found: {}",
                    set.join(", ")
                )
            };
            self.error(&node.referenced, msg);
            return None;
        }
        if let Some(v) = &spec.equals {
            return self.scalar(v).then(|| Op::Equals(v.value.clone()));
        }
        if let Some(v) = &spec.one_of {
            let ok = v
                .value
                .iter()
                .all(|x| !(x.is_object() || x.is_array() || x.is_null()));
            if !ok || v.value.is_empty() {
                self.error(
                    &v.referenced,
                    "`in` takes a non-empty list of strings, numbers or booleans".into(),
                );
                return None;
            }
            return Some(Op::In(v.value.clone()));
        }
        if let Some(p) = &spec.matches {
            return self.regex(p).map(Op::Matches);
        }
        for (flag, op) in [(&spec.exists, Op::Exists), (&spec.absent, Op::Absent)] {
            if let Some(f) = flag {
                if !f.value {
                    self.error(
                        &f.referenced,
                        "write `exists: true` or `absent: true`; `false` is not accepted".into(),
                    );
                    return None;
                }
                return Some(op);
            }
        }
        let cmps = [
            (Cmp::Gt, &spec.gt),
            (Cmp::Ge, &spec.ge),
            (Cmp::Lt, &spec.lt),
            (Cmp::Le, &spec.le),
        ];
        let (cmp, v) = cmps.into_iter().find_map(|(c, v)| Some((c, v.as_ref()?)))?;
        if let Value::Object(map) = &v.value {
            return self.capture_operand(v, map).map(|o| Op::Compare(cmp, o));
        }
        let text = match &v.value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let (quantity, duration) = (parse_quantity(&text), parse_duration(&text));
        let operand = Operand::Literal { quantity, duration };
        if quantity.is_none() && duration.is_none() {
            self.error(&v.referenced, format!("`{text}` is not a number, a quantity (`8Gi`, `500m`) or a duration (`10m`, `1h30m`)"));
            return None;
        }
        Some(Op::Compare(cmp, operand))
    }

    /// `{match: NAME, times: F, plus: Q}`: a value captured by an earlier condition.
    fn capture_operand(
        &mut self,
        v: &Spanned<Value>,
        map: &serde_json::Map<String, Value>,
    ) -> Option<Operand> {
        const FORM: &str = "a comparison with a captured value is `{match: NAME, times: 1.5, plus: 200Mi}` (times and plus optional)";
        if let Some(key) = map
            .keys()
            .find(|k| !["match", "times", "plus"].contains(&k.as_str()))
        {
            self.error(&v.referenced, format!("unknown key `{key}`: {FORM}"));
            return None;
        }
        let Some(name) = map.get("match").and_then(Value::as_str) else {
            self.error(&v.referenced, FORM.to_owned());
            return None;
        };
        if !self.captures.contains(name) {
            self.error(
                &v.referenced,
                format!("`match: {name}`: no condition before this one captures `{name}`"),
            );
            return None;
        }
        let times = match map.get("times") {
            None => 1.0,
            Some(t) => match t.as_f64() {
                Some(t) => t,
                None => {
                    self.error(&v.referenced, format!("`times` is a number; {FORM}"));
                    return None;
                }
            },
        };
        let plus = match map.get("plus") {
            None => 0.0,
            Some(p) => {
                let text = match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match parse_quantity(&text) {
                    Some(q) => q,
                    None => {
                        self.error(
                            &v.referenced,
                            format!("`plus: {text}` is not a quantity; {FORM}"),
                        );
                        return None;
                    }
                }
            }
        };
        Some(Operand::Capture {
            name: name.to_owned(),
            times,
            plus,
        })
    }

    fn scalar(&mut self, v: &Spanned<Value>) -> bool {
        let ok = !(v.value.is_object() || v.value.is_array() || v.value.is_null());
        if !ok {
            self.error(
                &v.referenced,
                "`equals` takes a string, a number or a boolean".into(),
            );
        }
        ok
    }

    fn regex(&mut self, p: &Spanned<String>) -> Option<Regex> {
        match compile_regex(&p.value) {
            Ok(re) => {
                self.captures
                    .extend(re.capture_names().flatten().map(str::to_owned));
                Some(re)
            }
            Err(e) => {
                self.error(&p.referenced, format!("bad regex: {e}"));
                None
            }
        }
    }

    fn log_test(&mut self, node: &Spanned<ConditionSpec>) -> Option<LogTest> {
        let spec = &node.value;
        let mut bad: Vec<&str> = ops(spec).into_iter().filter(|o| *o != "matches").collect();
        if spec.path.is_some() {
            bad.push("path");
        }
        bad.extend(combinator_keys(spec));
        if spec.capture.is_some() {
            bad.push("capture");
        }
        if !bad.is_empty() {
            self.error(
                &node.referenced,
                format!(
                    "`on: log` takes matches, container, previous and fields; not {}",
                    bad.join(", ")
                ),
            );
            return None;
        }
        let Some(pattern) = &spec.matches else {
            self.error(
                &node.referenced,
                "`on: log` needs `matches: <regex>`".into(),
            );
            return None;
        };
        self.regex(pattern)?;
        let index = match self.patterns.iter().position(|p| *p == pattern.value) {
            Some(i) => i,
            None => {
                self.patterns.push(pattern.value.clone());
                self.patterns.len() - 1
            }
        };
        Some(LogTest {
            pattern: index,
            containers: spec.container.as_ref().map(|c| c.value.to_vec()),
            previous: spec.previous.as_ref().map(|p| p.value),
            fields: spec
                .fields
                .as_ref()
                .map(|f| {
                    f.value
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

enum Comb<'a> {
    All(&'a [Spanned<ConditionSpec>]),
    Any(&'a [Spanned<ConditionSpec>]),
    First(&'a [Spanned<ConditionSpec>]),
    Not(&'a Spanned<ConditionSpec>),
    Optional(&'a Spanned<ConditionSpec>),
}

/// The combinator keys a node sets.
fn combinator_keys(spec: &ConditionSpec) -> Vec<&'static str> {
    [
        ("all", spec.all.is_some()),
        ("any", spec.any.is_some()),
        ("first", spec.first.is_some()),
        ("not", spec.not.is_some()),
        ("optional", spec.optional.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect()
}

fn combinator(spec: &ConditionSpec) -> Result<Comb<'_>, String> {
    let keys = combinator_keys(spec);
    if keys.len() > 1 {
        return Err(format!(
            "one of `all`, `any`, `first`, `not`, `optional` per condition (found {}); nest them to combine",
            keys.join(", ")
        ));
    }
    let list = |c: &'_ Vec<Spanned<ConditionSpec>>, key: &str| {
        if c.is_empty() {
            Err(format!("`{key}` needs at least one condition"))
        } else {
            Ok(())
        }
    };
    if let Some(c) = &spec.all {
        list(c, "all").map(|()| Comb::All(c))
    } else if let Some(c) = &spec.any {
        list(c, "any").map(|()| Comb::Any(c))
    } else if let Some(c) = &spec.first {
        list(c, "first").map(|()| Comb::First(c))
    } else if let Some(c) = &spec.not {
        Ok(Comb::Not(c))
    } else if let Some(c) = &spec.optional {
        Ok(Comb::Optional(c))
    } else {
        Err("an empty condition: give `on:` with a test, or `all`, `any`, `first`, `not` or `optional`".into())
    }
}

fn ops(spec: &ConditionSpec) -> Vec<&'static str> {
    let mut out = Vec::new();
    let set = [
        ("equals", spec.equals.is_some()),
        ("in", spec.one_of.is_some()),
        ("matches", spec.matches.is_some()),
        ("exists", spec.exists.is_some()),
        ("absent", spec.absent.is_some()),
        ("gt", spec.gt.is_some()),
        ("ge", spec.ge.is_some()),
        ("lt", spec.lt.is_some()),
        ("le", spec.le.is_some()),
    ];
    out.extend(set.into_iter().filter(|(_, on)| *on).map(|(k, _)| k));
    out
}

fn log_keys(spec: &ConditionSpec) -> Vec<&'static str> {
    [
        ("container", spec.container.is_some()),
        ("previous", spec.previous.is_some()),
        ("fields", spec.fields.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect()
}
