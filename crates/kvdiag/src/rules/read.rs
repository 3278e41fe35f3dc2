//! A rule file's document, read from its located tree (`keys::Node`) into the spec types key
//! by key: a missing key or a value of the wrong type is reported where it is and reading goes
//! on, so that one pass finds every problem of the document.

use std::collections::BTreeMap;

use serde_json::Value;
use serde_saphyr::Spanned;

use super::compile::Ctx;
use super::keys::{CONDITION_KEYS, Node};
use super::spec::{
    CauseSpec, CausesSpec, ConditionSpec, RemedySpec, RuleSpec, StringOrList, TestLogSpec, TestSpec,
};

type Tree = Spanned<Node>;

/// What a value of the tree is, for messages.
fn what(node: &Tree) -> &'static str {
    match &node.value {
        Node::Map(_) => "a mapping",
        Node::Seq(_) => "a list",
        Node::Scalar(Value::String(_)) => "a string",
        Node::Scalar(Value::Number(_)) => "a number",
        Node::Scalar(Value::Bool(_)) => "a boolean",
        Node::Scalar(_) => "empty",
    }
}

fn located<T>(value: T, node: &Tree) -> Spanned<T> {
    Spanned::new(value, node.referenced, node.defined)
}

/// The value of `key` in a mapping node.
pub(super) fn get<'t>(node: &'t Tree, key: &str) -> Option<&'t Tree> {
    match &node.value {
        Node::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.value.0 == key)
            .map(|(_, v)| v),
        _ => None,
    }
}

/// The tree as a JSON value (objects of inline tests, operands).
pub(super) fn to_value(node: &Tree) -> Value {
    match &node.value {
        Node::Scalar(v) => v.clone(),
        Node::Seq(items) => Value::Array(items.iter().map(to_value).collect()),
        Node::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.value.0.clone(), to_value(v)))
                .collect(),
        ),
    }
}

/// Reads the documents of rule files, reporting through a [`Ctx`].
pub(super) struct Reader<'c, 'a> {
    pub ctx: &'c mut Ctx<'a>,
}

impl Reader<'_, '_> {
    fn wrong(&mut self, node: &Tree, key: &str, expected: &str) {
        let found = what(node);
        self.ctx.error(
            "wrong-type",
            &node.referenced,
            format!("`{key}` takes {expected}, not {found}"),
        );
    }

    /// A mapping node, or an error.
    fn map(&mut self, node: &Tree, key: &str) -> bool {
        if matches!(node.value, Node::Map(_)) {
            return true;
        }
        self.wrong(node, key, "a mapping");
        false
    }

    /// A required key of a mapping: reported when missing.
    fn required<'t>(&mut self, node: &'t Tree, key: &str, what: &str) -> Option<&'t Tree> {
        let v = get(node, key);
        if v.is_none() {
            self.ctx.error(
                "missing-key",
                &node.referenced,
                format!("missing key `{key}`: {what}"),
            );
        }
        v
    }

    /// Text: a string, or a number or boolean written as text; empty for a key without value.
    fn text(&mut self, node: &Tree, key: &str) -> Option<Spanned<String>> {
        let text = match &node.value {
            Node::Scalar(Value::String(s)) => s.clone(),
            Node::Scalar(Value::Null) => String::new(),
            Node::Scalar(v) => v.to_string(),
            _ => {
                self.wrong(node, key, "a string");
                return None;
            }
        };
        Some(located(text, node))
    }

    fn opt_text(&mut self, map: &Tree, key: &str) -> Option<Spanned<String>> {
        get(map, key).and_then(|v| self.text(v, key))
    }

    fn flag(&mut self, node: &Tree, key: &str) -> Option<Spanned<bool>> {
        match &node.value {
            Node::Scalar(Value::Bool(b)) => Some(located(*b, node)),
            _ => {
                self.wrong(node, key, "`true` or `false`");
                None
            }
        }
    }

    /// The items of a list (an absent or empty value is an empty list).
    fn list<'t>(&mut self, map: &'t Tree, key: &str) -> &'t [Tree] {
        match get(map, key).map(|v| (v, &v.value)) {
            None | Some((_, Node::Scalar(Value::Null))) => &[],
            Some((_, Node::Seq(items))) => items,
            Some((v, _)) => {
                self.wrong(v, key, "a list");
                &[]
            }
        }
    }

    fn texts(&mut self, map: &Tree, key: &str) -> Vec<Spanned<String>> {
        let items = self.list(map, key);
        items.iter().filter_map(|i| self.text(i, key)).collect()
    }

    /// A rule document.
    pub fn rule(&mut self, doc: &Tree) -> RuleSpec {
        let mut spec = RuleSpec::default();
        if !self.map(doc, "a rule") {
            return spec;
        }
        spec.id = self
            .required(doc, "id", "a rule's stable, unique id")
            .and_then(|v| self.text(v, "id"));
        spec.cause = self
            .required(doc, "cause", "the cause code the rule diagnoses")
            .and_then(|v| self.text(v, "cause"));
        spec.severity = self.opt_text(doc, "severity");
        spec.title = self
            .required(doc, "title", "one line naming the problem")
            .and_then(|v| self.text(v, "title"));
        spec.summary = self
            .required(doc, "summary", "the problem in the subject's terms")
            .and_then(|v| self.text(v, "summary"));
        spec.description = self.opt_text(doc, "description").map(|d| d.value);
        spec.when = self
            .required(doc, "when", "the condition under which the rule fires")
            .and_then(|v| self.condition(v, "when"));
        spec.yields_to = self.texts(doc, "yields_to");
        spec.references = self
            .texts(doc, "references")
            .into_iter()
            .map(|r| r.value)
            .collect();
        for (key, out) in [
            ("remediation", &mut spec.remediation),
            ("options", &mut spec.options),
            ("verify", &mut spec.verify),
        ] {
            let remedies = self.list(doc, key);
            *out = remedies
                .iter()
                .filter_map(|r| self.remedy(r, key))
                .collect();
        }
        let tests = self.list(doc, "tests");
        spec.tests = tests.iter().filter_map(|t| self.test(t)).collect();
        spec
    }

    fn remedy(&mut self, node: &Tree, key: &str) -> Option<RemedySpec> {
        if !self.map(node, key) {
            return None;
        }
        Some(RemedySpec {
            text: self
                .required(node, "text", "what to do and why")
                .and_then(|v| self.text(v, "text")),
            command: self.opt_text(node, "command"),
            only_if: self.texts(node, "if"),
            unless: self.texts(node, "unless"),
        })
    }

    fn test(&mut self, node: &Tree) -> Option<Spanned<TestSpec>> {
        if !self.map(node, "tests") {
            return None;
        }
        let mut spec = TestSpec {
            name: self
                .required(node, "name", "what the test shows")
                .and_then(|v| self.text(v, "name")),
            now: self.opt_text(node, "now"),
            expect: self
                .required(node, "expect", "`fire` or `silent`")
                .and_then(|v| self.text(v, "expect")),
            summary: self.opt_text(node, "summary").map(|s| s.value),
            ..TestSpec::default()
        };
        spec.objects = self.list(node, "objects").iter().map(to_value).collect();
        let logs = self.list(node, "logs");
        for l in logs {
            if !self.map(l, "logs") {
                continue;
            }
            let mut log = TestLogSpec {
                namespace: self.opt_text(l, "namespace").map(|s| s.value),
                pod: self.opt_text(l, "pod").map(|s| s.value),
                container: self.opt_text(l, "container").map(|s| s.value),
                previous: get(l, "previous")
                    .and_then(|v| self.flag(v, "previous"))
                    .is_some_and(|p| p.value),
                ..TestLogSpec::default()
            };
            if let Some(lines) = self
                .required(l, "lines", "the log text")
                .and_then(|v| self.text(v, "lines"))
            {
                log.lines = lines.value;
            }
            spec.logs.push(log);
        }
        Some(located(spec, node))
    }

    fn condition(&mut self, node: &Tree, key: &str) -> Option<Spanned<ConditionSpec>> {
        if !self.map(node, key) {
            return None;
        }
        let mut c = ConditionSpec {
            severity: self.opt_text(node, "severity"),
            on: self.opt_text(node, "on"),
            path: self.opt_text(node, "path"),
            matches: self.opt_text(node, "matches"),
            excludes_all: self.opt_text(node, "excludes_all"),
            capture: self.opt_text(node, "capture"),
            not_followed_by: self.opt_text(node, "not_followed_by"),
            unknown_keys: match &node.value {
                Node::Map(entries) => entries
                    .iter()
                    .any(|(k, _)| !CONDITION_KEYS.contains(&k.value.0.as_str())),
                _ => false,
            },
            ..ConditionSpec::default()
        };
        for (k, slot) in [
            ("all", &mut c.all),
            ("any", &mut c.any),
            ("first", &mut c.first),
        ] {
            if get(node, k).is_some() {
                let items = self.list(node, k);
                *slot = Some(items.iter().filter_map(|i| self.condition(i, k)).collect());
            }
        }
        for (k, slot) in [("not", &mut c.not), ("optional", &mut c.optional)] {
            if let Some(v) = get(node, k) {
                *slot = self.condition(v, k).map(Box::new);
            }
        }
        for (k, slot) in [
            ("equals", &mut c.equals),
            ("gt", &mut c.gt),
            ("ge", &mut c.ge),
            ("lt", &mut c.lt),
            ("le", &mut c.le),
        ] {
            *slot = get(node, k).map(|v| located(to_value(v), v));
        }
        if let Some(v) = get(node, "in") {
            c.one_of = match &v.value {
                Node::Seq(items) => Some(located(items.iter().map(to_value).collect(), v)),
                _ => {
                    self.wrong(v, "in", "a list");
                    None
                }
            };
        }
        for (k, slot) in [
            ("exists", &mut c.exists),
            ("absent", &mut c.absent),
            ("age_unknown", &mut c.age_unknown),
            ("previous", &mut c.previous),
        ] {
            if let Some(v) = get(node, k) {
                *slot = self.flag(v, k);
            }
        }
        if let Some(v) = get(node, "container") {
            c.container = match &v.value {
                Node::Seq(items) => {
                    let names = items
                        .iter()
                        .filter_map(|i| self.text(i, "container"))
                        .map(|t| t.value)
                        .collect();
                    Some(located(StringOrList::Many(names), v))
                }
                _ => self
                    .text(v, "container")
                    .map(|t| located(StringOrList::One(t.value), v)),
            };
        }
        if let Some(v) = get(node, "fields") {
            c.fields = match &v.value {
                Node::Map(entries) => {
                    let mut fields = BTreeMap::new();
                    for (k, value) in entries {
                        if let Some(t) = self.text(value, &k.value.0) {
                            fields.insert(k.value.0.clone(), t.value);
                        }
                    }
                    Some(located(fields, v))
                }
                _ => {
                    self.wrong(v, "fields", "a mapping of field names to values");
                    None
                }
            };
        }
        Some(located(c, node))
    }

    /// A document declaring causes.
    pub fn causes(&mut self, doc: &Tree) -> CausesSpec {
        let mut spec = CausesSpec::default();
        let items = self.list(doc, "causes");
        for item in items {
            if !self.map(item, "causes") {
                continue;
            }
            let cause = CauseSpec {
                code: self
                    .required(item, "code", "the cause code, `<prefix>/<code>`")
                    .and_then(|v| self.text(v, "code")),
                title: self
                    .required(item, "title", "one line naming the cause")
                    .and_then(|v| self.text(v, "title")),
                description: self.opt_text(item, "description").map(|d| d.value),
                severity: self.opt_text(item, "severity"),
                references: self
                    .texts(item, "references")
                    .into_iter()
                    .map(|r| r.value)
                    .collect(),
            };
            spec.causes.push(located(cause, item));
        }
        spec
    }
}
