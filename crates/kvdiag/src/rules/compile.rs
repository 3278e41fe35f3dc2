//! One rule into its compiled form: every regex and JSONPath compiled once, every template and
//! name checked, every problem reported with its file, line and column.

use std::collections::{BTreeMap, BTreeSet};

use regex::{Regex, RegexBuilder};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use super::model::{
    Cmp, Condition, Known, Level, LogTest, Op, Operand, Remedy, Rule, RuleError, RuleLocation,
    RuleTest, Test,
};
use super::path::JsonPath;
use super::spec::{ConditionSpec, RuleSpec, TestSpec};
use super::template::Template;
use crate::cause::{Cause, Severity};
use crate::correlate::Facet;
use crate::measure::{parse_duration, parse_quantity};

/// Largest compiled size of one regex; a pattern beyond it is rejected when rules load.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

pub(super) fn compile_regex(pattern: &str) -> Result<Regex, String> {
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

/// Compiles one rule file's rules, collecting every problem with its location.
pub(super) struct Ctx<'a> {
    file: &'a str,
    offset: u64,
    errors: &'a mut Vec<RuleError>,
    patterns: &'a mut Vec<(String, Regex)>,
    /// Names a template may use as `match.NAME` in the rule being compiled, and where each was
    /// first declared.
    captures: BTreeMap<String, Location>,
    /// Capture names templates and comparisons of the rule use.
    used_captures: BTreeSet<String>,
    /// Names the rule's condition captures, read from its text (whether or not it compiles).
    declared: BTreeMap<String, Location>,
    /// The rule has no condition (so its captures are unknown).
    when_failed: bool,
    /// Every cause code the rules of this document name, checked when the set is complete.
    pub(super) cause_refs: Vec<CauseRef>,
}

/// A cause code named by a rule (`cause:` or `yields_to:`), where it is written.
#[derive(Clone, Debug)]
pub(super) struct CauseRef {
    pub code: String,
    pub line: u64,
    pub column: u64,
    pub yields: bool,
}

impl CauseRef {
    fn new(code: &Spanned<String>, offset: u64, yields: bool) -> CauseRef {
        CauseRef {
            code: code.value.trim().to_owned(),
            line: code.referenced.line() + offset,
            column: code.referenced.column(),
            yields,
        }
    }
}

/// Whether a template value of `facet` names an object related to what the condition looks at
/// (`facets`): the VM and VMI stand for the subject and its launcher pod, a pod is known from
/// its logs, a node from the VMI or pod, a DataVolume and its PVC share a name.
fn reaches(facets: &BTreeSet<Facet>, facet: Facet) -> bool {
    use Facet::*;
    let has = |f: &[Facet]| f.iter().any(|f| facets.contains(f));
    match facet {
        Vm | Vmi => true,
        Pod | LauncherPod => has(&[Pod, LauncherPod, Log, Vm, Vmi]),
        Node => has(&[Node, Vm, Vmi, Pod, LauncherPod, Log]),
        Dv | Pvc => has(&[Dv, Pvc]),
        f => facets.contains(&f),
    }
}

/// The facets a condition names with `on:`.
fn spec_facets(node: &Spanned<ConditionSpec>, out: &mut BTreeSet<Facet>) {
    let spec = &node.value;
    if let Some(f) = spec.on.as_ref().and_then(|on| Facet::from_name(&on.value)) {
        out.insert(f);
    }
    for list in [&spec.all, &spec.any, &spec.first].into_iter().flatten() {
        list.iter().for_each(|c| spec_facets(c, out));
    }
    for c in [&spec.not, &spec.optional].into_iter().flatten() {
        spec_facets(c, out);
    }
}

/// The names a condition captures, read from its text: `capture:` values and the named groups
/// of its patterns.
fn declared_captures(node: &Spanned<ConditionSpec>, out: &mut BTreeMap<String, Location>) {
    let spec = &node.value;
    if let Some(c) = &spec.capture {
        out.entry(c.value.clone()).or_insert(c.referenced);
    }
    for p in spec.matches.iter().chain(&spec.not_followed_by) {
        let mut rest = p.value.as_str();
        while let Some(i) = rest.find("(?") {
            rest = &rest[i + 2..];
            let name = rest.strip_prefix("P<").or_else(|| rest.strip_prefix('<'));
            if let Some(name) = name
                && let Some(end) = name.find('>')
                && !name.starts_with(['=', '!'])
            {
                out.entry(name[..end].to_owned()).or_insert(p.referenced);
            }
        }
    }
    for list in [&spec.all, &spec.any, &spec.first].into_iter().flatten() {
        list.iter().for_each(|c| declared_captures(c, out));
    }
    for c in [&spec.not, &spec.optional].into_iter().flatten() {
        declared_captures(c, out);
    }
}

impl<'a> Ctx<'a> {
    /// A context for one document of `file`, which starts at line `offset + 1`.
    pub(super) fn new(
        file: &'a str,
        offset: u64,
        errors: &'a mut Vec<RuleError>,
        patterns: &'a mut Vec<(String, Regex)>,
    ) -> Ctx<'a> {
        Ctx {
            file,
            offset,
            errors,
            patterns,
            captures: BTreeMap::new(),
            used_captures: BTreeSet::new(),
            declared: BTreeMap::new(),
            when_failed: false,
            cause_refs: Vec::new(),
        }
    }

    /// The rule file.
    pub(super) fn file(&self) -> &str {
        self.file
    }

    /// Lines before the document in its file.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    pub(super) fn push(
        &mut self,
        line: u64,
        column: u64,
        level: Level,
        code: &'static str,
        message: String,
    ) {
        self.errors.push(RuleError {
            file: self.file.to_owned(),
            line: line + self.offset,
            column,
            level,
            code,
            message,
            hint: None,
        });
    }

    pub(super) fn error(&mut self, code: &'static str, at: &Location, message: String) {
        self.push(at.line(), at.column(), Level::Error, code, message);
    }

    fn warning(&mut self, code: &'static str, at: &Location, message: String) {
        self.push(at.line(), at.column(), Level::Warning, code, message);
    }

    /// Attaches a fix hint to the last problem reported.
    pub(super) fn hint(&mut self, hint: String) {
        if let Some(last) = self.errors.last_mut() {
            last.hint = Some(hint);
        }
    }

    pub(super) fn rule(&mut self, spec: RuleSpec) -> Option<Rule> {
        let errors_before = self.errors.len();
        let id = spec.id.as_ref().map(|i| i.value.trim().to_owned());
        if let (Some(at), Some(id)) = (&spec.id, &id)
            && (id.is_empty() || id.contains(char::is_whitespace))
        {
            self.error(
                "invalid-value",
                &at.referenced,
                "a rule id is a non-empty word, e.g. `runtime/oom-killed`".into(),
            );
        }
        // Whether a cause is known is checked once every file is in (causes may be declared
        // in any file, before or after their rules).
        let cause = spec.cause.as_ref().and_then(|c| {
            self.cause_refs.push(CauseRef::new(c, self.offset, false));
            Cause::new(c.value.trim()).ok()
        });
        for y in &spec.yields_to {
            self.cause_refs.push(CauseRef::new(y, self.offset, true));
        }
        let yields_to: Vec<Cause> = spec
            .yields_to
            .iter()
            .filter_map(|y| Cause::new(y.value.trim()).ok())
            .collect();
        let severity = spec.severity.as_ref().and_then(|s| self.severity(s));
        for (field, value) in [("title", &spec.title), ("summary", &spec.summary)] {
            if let Some(value) = value
                && value.value.trim().is_empty()
            {
                self.error(
                    "empty-text",
                    &value.referenced,
                    format!("`{field}` must not be empty"),
                );
            }
        }
        // Every name the condition captures, read from its text: known even where a part of
        // it does not compile, so that templates are checked in the same pass.
        let mut declared = BTreeMap::new();
        if let Some(when) = &spec.when {
            declared_captures(when, &mut declared);
        }
        self.declared = declared;
        self.when_failed = spec.when.is_none();
        let when = spec.when.as_ref().and_then(|w| self.condition(w));
        // The facets the condition looks at, from its text (known even where it does not
        // compile).
        let facets = spec.when.as_ref().map(|w| {
            let mut out = BTreeSet::new();
            spec_facets(w, &mut out);
            out
        });
        let summary = spec
            .summary
            .as_ref()
            .and_then(|s| self.template(s, facets.as_ref()));
        let remediation = self.remedies(&spec.remediation, "remediation", facets.as_ref());
        let options = self.remedies(&spec.options, "options", facets.as_ref());
        let verify = self.remedies(&spec.verify, "verify", facets.as_ref());
        let rule_id = id.clone().unwrap_or_default();
        let tests = spec
            .tests
            .iter()
            .filter_map(|t| self.rule_test(t, &rule_id))
            .collect();
        let unused: Vec<(String, Location)> = self
            .captures
            .iter()
            .filter(|(name, _)| !self.used_captures.contains(*name))
            .map(|(name, at)| (name.clone(), *at))
            .collect();
        for (name, at) in unused {
            self.warning(
                "unused-capture",
                &at,
                format!("`{name}` is captured but no template or comparison uses it"),
            );
            self.hint(format!(
                "use `{{{{match.{name}}}}}` in the summary or remediation, or make the group non-capturing: `(?:...)`"
            ));
        }
        if self.errors[errors_before..]
            .iter()
            .any(|e| e.level == Level::Error)
        {
            return None;
        }
        let (id_at, title) = (spec.id?, spec.title?);
        Some(Rule {
            id: id?,
            cause: cause?,
            severity: severity.unwrap_or(Severity::Error),
            severity_given: severity.is_some(),
            title: title.value.trim().to_owned(),
            description: spec.description.map(|d| d.trim().to_owned()),
            references: spec.references,
            definition: String::new(),
            location: RuleLocation {
                file: self.file.to_owned(),
                line: id_at.referenced.line() + self.offset,
            },
            summary: summary?,
            remediation,
            options,
            verify,
            when: when?,
            yields_to,
            tests,
        })
    }

    /// The steps of a `remediation`, `options` or `verify` list, their templates checked.
    fn remedies(
        &mut self,
        specs: &[super::spec::RemedySpec],
        key: &str,
        facets: Option<&BTreeSet<Facet>>,
    ) -> Vec<Remedy> {
        let mut out = Vec::new();
        for r in specs {
            let text = r.text.as_ref().and_then(|t| {
                self.not_empty(t, &format!("{key} `text`"));
                self.template(t, facets)
            });
            let command = r.command.as_ref().map(|c| {
                self.not_empty(c, &format!("{key} `command` (leave it out instead)"));
                self.template(c, facets)
            });
            let only_if = self.knowns(&r.only_if);
            let unless = self.knowns(&r.unless);
            if let (Some(text), None | Some(Some(_))) = (text, &command) {
                out.push(Remedy {
                    text,
                    command: command.flatten(),
                    only_if,
                    unless,
                });
            }
        }
        out
    }

    /// The `if` / `unless` values of a remediation step; a capture must be one the rule makes.
    fn knowns(&mut self, texts: &[Spanned<String>]) -> Vec<Known> {
        let mut out = Vec::new();
        for t in texts {
            match Known::parse(&t.value) {
                Ok(Known::Match(name)) => {
                    self.used_captures.insert(name.clone());
                    if !self.when_failed
                        && !self.captures.contains_key(&name)
                        && !self.declared.contains_key(&name)
                    {
                        self.error(
                            "unknown-capture",
                            &t.referenced,
                            format!("`match.{name}` but no condition captures `{name}` (a named group `(?P<{name}>...)` or `capture: {name}`)"),
                        );
                    }
                    out.push(Known::Match(name));
                }
                Ok(k) => out.push(k),
                Err(e) => self.error("bad-remediation-condition", &t.referenced, e),
            }
        }
        out
    }

    /// An error when a text that must say something is empty.
    fn not_empty(&mut self, text: &Spanned<String>, what: &str) {
        if text.value.trim().is_empty() {
            self.error(
                "empty-text",
                &text.referenced,
                format!("{what} must not be empty"),
            );
        }
    }

    fn rule_test(&mut self, t: &Spanned<TestSpec>, rule: &str) -> Option<RuleTest> {
        let spec = &t.value;
        let fires = match spec.expect.as_ref().map(|e| (e, e.value.as_str())) {
            None => None,
            Some((_, "fire")) => Some(true),
            Some((_, "silent")) => Some(false),
            Some((e, other)) => {
                self.error(
                    "invalid-value",
                    &e.referenced,
                    format!("`expect: {other}`: a test expects `fire` or `silent`"),
                );
                None
            }
        };
        let now = match &spec.now {
            None => None,
            Some(n) => match n.value.parse() {
                Ok(t) => Some(t),
                Err(_) => {
                    self.error(
                        "invalid-value",
                        &n.referenced,
                        format!("`now: {}` is not an RFC 3339 time", n.value),
                    );
                    return None;
                }
            },
        };
        if spec.objects.is_empty() && spec.logs.is_empty() {
            self.error(
                "invalid-value",
                &t.referenced,
                "a test needs `objects` or `logs`".into(),
            );
            return None;
        }
        let (fires, name) = (fires?, spec.name.as_ref()?.value.clone());
        let origin = format!("test `{name}` of {rule}");
        let logs = spec
            .logs
            .iter()
            .map(|l| {
                let source = crate::parse::LogSource {
                    namespace: l.namespace.clone(),
                    pod: l.pod.clone(),
                    container: l.container.clone(),
                    previous: l.previous,
                    ..crate::parse::LogSource::new(origin.as_str())
                };
                (source, l.lines.clone())
            })
            .collect();
        Some(RuleTest {
            name,
            line: t.referenced.line() + self.offset,
            objects: spec.objects.clone(),
            logs,
            now,
            fires,
            summary: spec.summary.clone(),
        })
    }

    /// A template of the rule: its `match.NAME` names must be captured by the condition, and
    /// the objects it names should be ones the condition looks at (`facets`, when known).
    fn template(
        &mut self,
        text: &Spanned<String>,
        facets: Option<&BTreeSet<Facet>>,
    ) -> Option<Template> {
        match Template::parse(&text.value) {
            Ok(t) => {
                self.used_captures.extend(t.captures().map(str::to_owned));
                let unknown: Vec<_> = t
                    .captures()
                    .filter(|c| !self.captures.contains_key(*c) && !self.declared.contains_key(*c))
                    .map(str::to_owned)
                    .collect();
                let unknown = if self.when_failed {
                    Vec::new()
                } else {
                    unknown
                };
                for c in unknown {
                    self.error("unknown-capture",
                        &text.referenced,
                        format!("template uses `match.{c}` but no condition captures `{c}` (a named group `(?P<{c}>...)` or `capture: {c}`)"),
                    );
                }
                if let Some(facets) = facets {
                    let mut named: Vec<Facet> =
                        t.facets().filter(|f| !reaches(facets, *f)).collect();
                    named.dedup();
                    for f in named {
                        self.warning(
                            "untouched-facet",
                            &text.referenced,
                            format!("template names `{0}` but the rule's condition never looks at a `{0}`", f.name()),
                        );
                        self.hint(format!("add a condition `on: {}` (e.g. inside `optional`), or name an object the rule looks at", f.name()));
                    }
                }
                Some(t)
            }
            Err(e) => {
                self.error("unknown-template-value", &text.referenced, e);
                None
            }
        }
    }

    fn condition(&mut self, node: &Spanned<ConditionSpec>) -> Option<Condition> {
        let Some(severity) = &node.value.severity else {
            return self.ungraded(node);
        };
        let graded = self.severity(severity);
        let inner = self.ungraded(node)?;
        Some(Condition::Graded(graded?, Box::new(inner)))
    }

    /// A severity by name; an unknown one is reported.
    pub(super) fn severity(&mut self, s: &Spanned<String>) -> Option<Severity> {
        let severity = Severity::from_name(&s.value);
        if severity.is_none() {
            self.error(
                "unknown-severity",
                &s.referenced,
                format!(
                    "unknown severity `{}`; use critical, error, warning or info",
                    s.value
                ),
            );
        }
        severity
    }

    /// A condition without its `severity:`.
    fn ungraded(&mut self, node: &Spanned<ConditionSpec>) -> Option<Condition> {
        let spec = &node.value;
        let at = &node.referenced;
        if let Some(on) = &spec.on {
            let Some(facet) = Facet::from_name(&on.value) else {
                let names: Vec<_> = Facet::ALL.iter().map(|f| f.name()).collect();
                self.error(
                    "unknown-facet",
                    &on.referenced,
                    format!("unknown facet `{}`", on.value),
                );
                self.hint(did_you_mean(&on.value, &names, "facets"));
                // The tests below are still checked, as they would be for a known facet.
                if spec.path.is_none() && spec.matches.is_some() {
                    self.log_test(node);
                } else {
                    self.test(node, Facet::Vm, true);
                }
                return None;
            };
            if facet == Facet::Log {
                return self.log_test(node).map(Condition::Log);
            }
            if let Some(key) = log_keys(spec).first() {
                self.error(
                    "bad-condition",
                    at,
                    format!("`{key}` applies to `on: log` only"),
                );
                return None;
            }
            return self
                .test(node, facet, true)
                .map(|test| Condition::Object { facet, test });
        }
        if spec.path.is_some() || !ops(spec).is_empty() || !log_keys(spec).is_empty() {
            self.error("bad-condition", 
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
                self.error("bad-condition", at, e);
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
            self.error("bad-condition", &on.referenced, format!("`on:` inside a condition already `on: {}`: its tests all look at the same object", facet.name()));
            return None;
        }
        if let Some(key) = log_keys(spec).first() {
            self.error(
                "bad-condition",
                at,
                format!("`{key}` applies to `on: log` only"),
            );
            return None;
        }
        if let Some(path) = &spec.path {
            if let Some(key) = combinator_keys(spec).first() {
                self.error(
                    "bad-condition",
                    at,
                    format!("a test with `path` cannot also have `{key}`"),
                );
                return None;
            }
            let path_c = match JsonPath::parse(&path.value) {
                Ok(p) => Some(p),
                Err(e) => {
                    self.error(
                        "bad-jsonpath",
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
                        "invalid-value",
                        &c.referenced,
                        "a capture name is letters, digits and `_`".into(),
                    );
                }
                self.captures.entry(c.value.clone()).or_insert(c.referenced);
                c.value.clone()
            });
            return Some(Test::Path {
                path: path_c?,
                op: op?,
                capture,
            });
        }
        if !ops(spec).is_empty() {
            // A misspelled `path` is already reported as an unknown key.
            if !spec.unknown_keys {
                self.error(
                    "bad-condition",
                    at,
                    format!("`{}` needs a `path` to test", ops(spec)[0]),
                );
            }
            return None;
        }
        if spec.capture.is_some() {
            self.error("bad-condition", at, "`capture` needs a `path`".into());
            return None;
        }
        match combinator(spec) {
            Ok(Comb::All(c)) => {
                let tests = self.tests(c, facet)?;
                if let Some(why) = contradiction(&tests) {
                    self.warning(
                        "never-matches",
                        at,
                        format!("this `all` can never hold: {why}"),
                    );
                }
                Some(Test::All(tests))
            }
            Ok(Comb::Any(c)) => self.tests(c, facet).map(Test::Any),
            Ok(Comb::First(c)) => self.tests(c, facet).map(Test::First),
            Ok(Comb::Not(c)) => self.test(c, facet, false).map(|t| Test::Not(Box::new(t))),
            Ok(Comb::Optional(_)) => {
                self.error(
                    "bad-condition",
                    at,
                    "`optional` takes a whole condition with its own `on:`; use it outside `on:`"
                        .into(),
                );
                None
            }
            Err(_) if top => {
                self.error(
                    "bad-condition",
                    at,
                    format!(
                        "`on: {}` needs a `path` test, or `all`/`any`/`first`/`not` of tests",
                        facet.name()
                    ),
                );
                None
            }
            Err(e) => {
                self.error("bad-condition", at, e);
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
        // A misspelled operator is already reported as an unknown key.
        if set.is_empty() && spec.unknown_keys {
            return None;
        }
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
            self.error("bad-condition", &node.referenced, msg);
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
                    "invalid-value",
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
        if let Some(p) = &spec.excludes_all {
            return self.regex(p).map(Op::ExcludesAll);
        }
        let flags = [
            (&spec.exists, Op::Exists),
            (&spec.absent, Op::Absent),
            (&spec.age_unknown, Op::AgeUnknown),
        ];
        for (flag, op) in flags {
            if let Some(f) = flag {
                if !f.value {
                    self.error(
                        "invalid-value",
                        &f.referenced,
                        "write `exists: true`, `absent: true` or `age_unknown: true`; `false` is not accepted".into(),
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
            self.error("bad-operand", &v.referenced, format!("`{text}` is not a number, a quantity (`8Gi`, `500m`) or a duration (`10m`, `1h30m`)"));
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
            self.error(
                "bad-operand",
                &v.referenced,
                format!("unknown key `{key}`: {FORM}"),
            );
            return None;
        }
        let Some(name) = map.get("match").and_then(Value::as_str) else {
            self.error("bad-operand", &v.referenced, FORM.to_owned());
            return None;
        };
        self.used_captures.insert(name.to_owned());
        if !self.captures.contains_key(name) {
            self.error(
                "unknown-capture",
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
                    self.error(
                        "bad-operand",
                        &v.referenced,
                        format!("`times` is a number; {FORM}"),
                    );
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
                            "bad-operand",
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
                "invalid-value",
                &v.referenced,
                "`equals` takes a string, a number or a boolean".into(),
            );
        }
        ok
    }

    fn regex(&mut self, p: &Spanned<String>) -> Option<Regex> {
        match compile_regex(&p.value) {
            Ok(re) => {
                for name in re.capture_names().flatten() {
                    self.captures.entry(name.to_owned()).or_insert(p.referenced);
                }
                Some(re)
            }
            Err(e) => {
                self.error("bad-regex", &p.referenced, format!("bad regex: {e}"));
                None
            }
        }
    }

    fn log_test(&mut self, node: &Spanned<ConditionSpec>) -> Option<LogTest> {
        let spec = &node.value;
        let mut bad: Vec<&str> = ops(spec)
            .into_iter()
            .filter(|o| !matches!(*o, "matches" | "excludes_all"))
            .collect();
        if spec.path.is_some() {
            bad.push("path");
        }
        bad.extend(combinator_keys(spec));
        if spec.capture.is_some() {
            bad.push("capture");
        }
        if !bad.is_empty() {
            self.error(
                "bad-condition",
                &node.referenced,
                format!(
                    "`on: log` takes matches, excludes_all, container, previous, fields \
                     and not_followed_by; not {}",
                    bad.join(", ")
                ),
            );
            return None;
        }
        let Some(pattern) = &spec.matches else {
            self.error(
                "bad-condition",
                &node.referenced,
                "`on: log` needs `matches: <regex>`".into(),
            );
            return None;
        };
        let pattern = self.log_pattern(pattern)?;
        let not_followed_by = match &spec.not_followed_by {
            Some(p) => Some(self.log_pattern(p)?),
            None => None,
        };
        let excludes_all = match &spec.excludes_all {
            Some(p) => Some(self.regex(p)?),
            None => None,
        };
        Some(LogTest {
            pattern,
            not_followed_by,
            excludes_all,
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

impl Ctx<'_> {
    /// The index of a log pattern in the rule set, compiled and added when new (the log
    /// scanner is built from the regexes compiled here).
    fn log_pattern(&mut self, pattern: &Spanned<String>) -> Option<usize> {
        let re = self.regex(pattern)?;
        Some(
            match self.patterns.iter().position(|(p, _)| *p == pattern.value) {
                Some(i) => i,
                None => {
                    self.patterns.push((pattern.value.clone(), re));
                    self.patterns.len() - 1
                }
            },
        )
    }
}

enum Comb<'a> {
    All(&'a [Spanned<ConditionSpec>]),
    Any(&'a [Spanned<ConditionSpec>]),
    First(&'a [Spanned<ConditionSpec>]),
    Not(&'a Spanned<ConditionSpec>),
    Optional(&'a Spanned<ConditionSpec>),
}

/// "did you mean `x`?" for the closest known word, else the list of known words.
pub(super) fn did_you_mean(word: &str, known: &[&str], what: &str) -> String {
    let best = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), *k))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, k)| *d <= 2.max(k.len() / 4));
    match best {
        Some((_, k)) => format!("did you mean `{k}`?"),
        None => format!("{what}: {}", known.join(", ")),
    }
}

/// Why tests that must all hold on one object cannot, if they obviously cannot: one value
/// (a path without wildcards or filters) that must equal two different things, or exist and be
/// absent.
fn contradiction(tests: &[Test]) -> Option<String> {
    let singular: Vec<(&str, &Op)> = tests
        .iter()
        .filter_map(|t| match t {
            Test::Path { path, op, .. } => Some((path.as_str(), op)),
            _ => None,
        })
        .filter(|(p, _)| !p.contains(['*', '?', ':']) && !p.contains(".."))
        .collect();
    for (i, (p, a)) in singular.iter().enumerate() {
        for (q, b) in &singular[i + 1..] {
            if p != q {
                continue;
            }
            let clash = match (a, b) {
                (Op::Equals(x), Op::Equals(y)) => x != y,
                (Op::Exists, Op::Absent) | (Op::Absent, Op::Exists) => true,
                (Op::Equals(x), Op::In(list)) | (Op::In(list), Op::Equals(x)) => !list.contains(x),
                _ => false,
            };
            if clash {
                return Some(format!("`{p}` is tested twice with incompatible operators"));
            }
        }
    }
    None
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
        ("excludes_all", spec.excludes_all.is_some()),
        ("exists", spec.exists.is_some()),
        ("absent", spec.absent.is_some()),
        ("age_unknown", spec.age_unknown.is_some()),
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
        ("not_followed_by", spec.not_followed_by.is_some()),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| k)
    .collect()
}
