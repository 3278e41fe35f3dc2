//! A thin wrapper over jsonpath-rust: parse once, query many times, report readable paths.

use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter, FilterAtom, JpQuery, Literal, Segment, Selector, SingularQuery,
    SingularQuerySegment, Test,
};
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::{Number, Value};

use crate::tree::Node;

/// Longest JSONPath accepted in a rule.
const MAX_PATH_BYTES: usize = 1024;
/// Deepest nesting of brackets and parentheses in a JSONPath.
const MAX_PATH_NESTING: usize = 16;

/// A compiled JSONPath. Accepts RFC 9535 paths (`$.status.phase`) and the kubectl forms
/// `.status.phase` and `{.status.phase}`.
///
/// Most rule paths start with names (`$.status.conditions[?@.type == 'Ready']` starts with
/// `status`, `conditions`): those are walked in the object's [`Tree`](crate::Tree) directly, and
/// what follows them is followed in the tree too when it is made of names, indices, `*` and
/// filters that compare with `==` and `!=` or test that a member exists (every path of the
/// built-in rules); anything else is handed to jsonpath-rust, on a `Value` of the node the names
/// lead to. Tests check that both ways give the same results.
#[derive(Clone, Debug)]
pub struct JsonPath {
    text: String,
    /// The names the path starts with.
    prefix: Vec<String>,
    /// Where they lead, readable (`$.status.conditions`).
    location: String,
    /// The rest of the path, as a query on the value the names lead to.
    rest: Option<JpQuery>,
    /// The rest of the path as steps followed in the tree, when it can be.
    steps: Option<Vec<Step>>,
}

/// A step of a path, followed in the tree.
#[derive(Clone, Debug)]
enum Step {
    Name(String),
    Index(i64),
    Wildcard,
    Filter(Pred),
}

/// A filter's test of one element.
#[derive(Clone, Debug)]
enum Pred {
    Any(Vec<Pred>),
    All(Vec<Pred>),
    Not(Box<Pred>),
    Exists(Vec<Key>),
    Equal(Operand, Operand),
}

#[derive(Clone, Debug)]
enum Operand {
    Literal(Value),
    /// `@.a.b`: what the keys lead to from the element.
    Current(Vec<Key>),
}

#[derive(Clone, Debug)]
enum Key {
    Name(String),
    Index(i64),
}

impl JsonPath {
    /// Compiles a path; the error says why it is not one.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let t = text.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(t);
        let full = if t.starts_with('.') || t.starts_with('[') {
            format!("${t}")
        } else {
            t.to_owned()
        };
        if !full.starts_with('$') {
            return Err("a path starts with `$`, `.` or `{.`".to_owned());
        }
        // The path parser recurses on nesting: bound it before parsing.
        if full.len() > MAX_PATH_BYTES {
            return Err(format!("a path is at most {MAX_PATH_BYTES} bytes long"));
        }
        let mut depth = 0usize;
        for c in full.chars() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_PATH_NESTING {
                return Err(format!(
                    "brackets and parentheses nest at most {MAX_PATH_NESTING} deep in a path"
                ));
            }
        }
        let query = parse_json_path(&full).map_err(|e| {
            let msg = e.to_string();
            // pest renders a multi-line diagram; its last line says what was expected.
            let last = msg
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(&msg);
            last.trim().trim_start_matches("= ").to_owned()
        })?;
        let (mut prefix, mut rest) = leading_names(&full);
        // A filter that looks at the root (`$`) needs the whole object.
        if rest.contains('$') {
            prefix.clear();
            rest = &full[1..];
        }
        let rest = match rest {
            "" => None,
            _ if prefix.is_empty() => Some(query),
            _ => Some(parse_json_path(&format!("${rest}")).map_err(|e| e.to_string())?),
        };
        let raw: String = std::iter::once("$".to_owned())
            .chain(prefix.iter().map(|k| format!("['{k}']")))
            .collect();
        let steps = rest.as_ref().and_then(|q| {
            q.segments
                .iter()
                .map(|s| match s {
                    Segment::Selector(sel) => step(sel),
                    _ => None,
                })
                .collect()
        });
        Ok(JsonPath {
            location: readable(&raw),
            text: full,
            prefix,
            rest,
            steps,
        })
    }

    /// The path as written (normalised to start with `$`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Every value the path selects in `root`, with the concrete location of each
    /// (`$.status.containerStatuses[0].state`). Null values count as absent.
    pub fn query(&self, root: Node<'_>) -> Vec<(String, Value)> {
        let Some(node) = self.prefix.iter().try_fold(root, |n, k| n.get(k)) else {
            return Vec::new();
        };
        let Some(rest) = &self.rest else {
            return if node.is_null() {
                Vec::new()
            } else {
                vec![(self.location.clone(), node.to_value())]
            };
        };
        if let Some(found) = self
            .steps
            .as_deref()
            .and_then(|s| follow(s, node, &self.location))
        {
            return found
                .into_iter()
                .map(|(at, n)| (at, n.to_value()))
                .collect();
        }
        let value = node.to_value();
        js_path_process(rest, &value)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| !r.val.is_null())
            .map(|r| {
                let at = readable(&r.path);
                (
                    format!("{}{}", self.location, at.strip_prefix('$').unwrap_or(&at)),
                    r.val.clone(),
                )
            })
            .collect()
    }
}

/// The step of a selector, when it can be followed in the tree.
fn step(selector: &Selector) -> Option<Step> {
    Some(match selector {
        Selector::Name(n) => Step::Name(n.clone()),
        Selector::Index(i) => Step::Index(*i),
        Selector::Wildcard => Step::Wildcard,
        Selector::Filter(f) => Step::Filter(pred(f)?),
        Selector::Slice(..) => return None,
    })
}

fn pred(filter: &Filter) -> Option<Pred> {
    let not = |p: Pred, not: bool| if not { Pred::Not(Box::new(p)) } else { p };
    Some(match filter {
        Filter::Or(fs) => Pred::Any(fs.iter().map(pred).collect::<Option<_>>()?),
        Filter::And(fs) => Pred::All(fs.iter().map(pred).collect::<Option<_>>()?),
        Filter::Atom(FilterAtom::Filter { expr, not: n }) => not(pred(expr)?, *n),
        Filter::Atom(FilterAtom::Test { expr, not: n }) => match &**expr {
            Test::RelQuery(segments) => {
                let keys = segments
                    .iter()
                    .map(|s| match s {
                        Segment::Selector(Selector::Name(k)) => Some(Key::Name(k.clone())),
                        Segment::Selector(Selector::Index(i)) => Some(Key::Index(*i)),
                        _ => None,
                    })
                    .collect::<Option<_>>()?;
                not(Pred::Exists(keys), *n)
            }
            _ => return None,
        },
        Filter::Atom(FilterAtom::Comparison(c)) => match &**c {
            Comparison::Eq(a, b) => Pred::Equal(operand(a)?, operand(b)?),
            Comparison::Ne(a, b) => not(Pred::Equal(operand(a)?, operand(b)?), true),
            _ => return None,
        },
    })
}

fn operand(c: &Comparable) -> Option<Operand> {
    Some(match c {
        Comparable::Literal(l) => Operand::Literal(match l {
            Literal::Int(i) => Value::from(*i),
            Literal::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Literal::String(s) => Value::String(s.clone()),
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Null => Value::Null,
        }),
        Comparable::SingularQuery(SingularQuery::Current(segments)) => Operand::Current(
            segments
                .iter()
                .map(|s| match s {
                    SingularQuerySegment::Name(k) => Key::Name(k.clone()),
                    SingularQuerySegment::Index(i) => Key::Index(*i),
                })
                .collect(),
        ),
        _ => return None,
    })
}

/// The elements `steps` lead to from `node` (at `location`), nulls left out; `None` when a step
/// cannot be followed in the tree (`*` and filters over an object's members, whose order is
/// that of a `Value`'s sorted keys).
fn follow<'a>(steps: &[Step], node: Node<'a>, location: &str) -> Option<Vec<(String, Node<'a>)>> {
    let mut current = vec![(location.to_owned(), node)];
    for step in steps {
        let mut next = Vec::new();
        for (at, node) in current {
            match step {
                Step::Name(k) => {
                    if let Some(n) = node.get(k) {
                        next.push((named(&at, k), n));
                    }
                }
                Step::Index(i) => {
                    if let Some((j, n)) = element(node, *i) {
                        next.push((format!("{at}[{j}]"), n));
                    }
                }
                Step::Wildcard | Step::Filter(_) if node.is_object() => return None,
                Step::Wildcard => {
                    next.extend(
                        node.items()
                            .enumerate()
                            .map(|(j, n)| (format!("{at}[{j}]"), n)),
                    );
                }
                Step::Filter(p) => {
                    for (j, n) in node.items().enumerate() {
                        if p.holds(n) {
                            next.push((format!("{at}[{j}]"), n));
                        }
                    }
                }
            }
        }
        current = next;
    }
    current.retain(|(_, n)| !n.is_null());
    Some(current)
}

/// `location` followed by member `key`, as [`readable`] writes it.
fn named(location: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{location}.{key}")
    } else {
        format!("{location}['{key}']")
    }
}

/// The element at index `i` of an array (negative: from the end), with its index.
fn element(node: Node<'_>, i: i64) -> Option<(usize, Node<'_>)> {
    let len = i64::try_from(node.len()).ok()?;
    let j = if i < 0 { len + i } else { i };
    let j = usize::try_from(j).ok()?;
    Some((j, node.index(j).filter(|_| node.is_array())?))
}

fn walk<'a>(node: Node<'a>, keys: &[Key]) -> Option<Node<'a>> {
    keys.iter().try_fold(node, |n, k| match k {
        Key::Name(k) => n.get(k),
        Key::Index(i) => element(n, *i).map(|(_, n)| n),
    })
}

impl Pred {
    fn holds(&self, node: Node<'_>) -> bool {
        match self {
            Pred::Any(ps) => ps.iter().any(|p| p.holds(node)),
            Pred::All(ps) => ps.iter().all(|p| p.holds(node)),
            Pred::Not(p) => !p.holds(node),
            Pred::Exists(keys) => walk(node, keys).is_some(),
            Pred::Equal(a, b) => match (a.side(node), b.side(node)) {
                (None, None) => true,
                (Some(a), Some(b)) => a.equals(b),
                _ => false,
            },
        }
    }
}

impl Operand {
    fn side<'a, 'v>(&'v self, node: Node<'a>) -> Option<Side<'a, 'v>> {
        match self {
            Operand::Literal(v) => Some(Side::Value(v)),
            Operand::Current(keys) => walk(node, keys).map(Side::Node),
        }
    }
}

/// One side of a comparison, compared as jsonpath-rust compares: numbers as numbers, anything
/// else as JSON values.
#[derive(Clone, Copy)]
enum Side<'a, 'v> {
    Value(&'v Value),
    Node(Node<'a>),
}

impl Side<'_, '_> {
    fn number(self) -> Option<f64> {
        match self {
            Side::Value(v) => v.as_f64(),
            Side::Node(n) => n.as_f64(),
        }
    }

    fn equals(self, other: Side<'_, '_>) -> bool {
        if let (Some(a), Some(b)) = (self.number(), other.number()) {
            return (a - b).abs() < f64::EPSILON;
        }
        match (self, other) {
            (Side::Value(a), Side::Value(b)) => a == b,
            (Side::Node(n), Side::Value(v)) | (Side::Value(v), Side::Node(n)) => match v {
                Value::String(s) => n.as_str() == Some(s),
                Value::Bool(b) => n.as_bool() == Some(*b),
                Value::Null => n.is_null(),
                _ => n.to_value() == *v,
            },
            (Side::Node(a), Side::Node(b)) => a.to_value() == b.to_value(),
        }
    }
}

/// The names a path starts with (`.name` shorthands and `['key']` brackets without quotes or
/// escapes inside), and the rest of the path after them.
fn leading_names(path: &str) -> (Vec<String>, &str) {
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    let mut keys = Vec::new();
    loop {
        if let Some(after) = rest.strip_prefix("['")
            && let Some(end) = after.find("']")
            && !after[..end].contains(['\\', '\''])
        {
            keys.push(after[..end].to_owned());
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let key = &after[..end];
            let mut chars = key.chars();
            let first_ok = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return (keys, rest);
            }
            keys.push(key.to_owned());
            rest = &after[end..];
        } else {
            return (keys, rest);
        }
    }
}

/// `$['status']['containerStatuses'][0]` → `$.status.containerStatuses[0]`; keys that are not
/// plain identifiers stay bracketed.
fn readable(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find("['") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find("']") else {
            rest = &rest[i..];
            break;
        };
        let key = &after[..end];
        if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push('.');
            out.push_str(key);
        } else {
            out.push_str("['");
            out.push_str(key);
            out.push_str("']");
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tree;
    use serde_json::json;

    #[test]
    fn kubectl_forms_and_readable_locations() {
        let v = json!({"metadata": {"labels": {"kubevirt.io/created-by": "u"}}, "s": [{"r": 1}, {"r": null}]});
        let tree = Tree::from_value(&v).expect("small");
        for p in ["$.s[*].r", ".s[*].r", "{.s[*].r}"] {
            let found = JsonPath::parse(p).expect("parses").query(tree.root());
            assert_eq!(found, vec![("$.s[0].r".to_owned(), json!(1))], "{p}");
        }
        let found = JsonPath::parse("$.metadata.labels['kubevirt.io/created-by']")
            .expect("parses")
            .query(tree.root());
        assert_eq!(found[0].0, "$.metadata.labels['kubevirt.io/created-by']");
    }

    #[test]
    fn paths_are_looked_up_as_jsonpath_rust_does() {
        let v = json!({"status": {"phase": "Running", "n": null, "a": [1], "allocatable": {"devices.kubevirt.io/kvm": "1k"},
            "conditions": [{"type": "Ready", "status": "False", "m": "x"}, {"type": "Scheduled", "status": "True"},
                           {"type": "Paused", "m": null, "n": 3, "f": 3.0, "b": true, "l": [1, {"x": "y"}]}],
            "containerStatuses": [
                {"name": "main", "restartCount": 4, "state": {"terminated": {"reason": "Ended", "exitCode": 3}}},
                {"name": "side", "lastState": {"terminated": {"reason": "Failed"}}, "state": {"waiting": {"reason": "Waiting"}}}]},
            "spec": {"taints": [{"effect": "NoSchedule"}, {"effect": null}], "want": "Ready",
                     "byName": {"b": {"type": "Ready"}, "a": {"type": "Other"}}}});
        let tree = Tree::from_value(&v).expect("small");
        for p in [
            "$.status.phase",
            "$.status.n",
            "$.status.missing",
            "$.status.a.x",
            "$.status.allocatable['devices.kubevirt.io/kvm']",
            "$['status']['phase']",
            "$.status",
            "$",
            "$.status.a[0]",
            "$.status.a[*]",
            "$.spec.taints[*].effect",
            "$.status.conditions[?@.type == 'Ready'].status",
            "$.status.conditions[?@.type == 'Ready' && @.status == 'False'].m",
            "$.status.conditions[?@.type == $.spec.want].status",
            "$..effect",
            "$.status.*",
            "$.status..type",
            "$['status'].conditions[1]['type']",
            "$.status.conditions[-1].n",
            "$.status.conditions[-4].type",
            "$.status.conditions[7]",
            "$.status.conditions[?@.type != 'Ready'].type",
            "$.status.conditions[?!(@.type == 'Ready')].type",
            "$.status.conditions[?@.m].type",
            "$.status.conditions[?!@.m].type",
            "$.status.conditions[?@.l[1].x == 'y'].type",
            "$.status.conditions[?@.l[-1].x == 'y'].type",
            "$.status.conditions[?@.n == 3].type",
            "$.status.conditions[?@.f == 3].type",
            "$.status.conditions[?@.n == 3.0].type",
            "$.status.conditions[?@.n == '3'].type",
            "$.status.conditions[?@.b == true].type",
            "$.status.conditions[?@.m == null].type",
            "$.status.conditions[?@.missing == @.other].type",
            "$.status.conditions[?@.type == @.type].type",
            "$.status.conditions[?@.l == @.l].type",
            "$.status.conditions[?(@.type == 'Ready' || @.type == 'Paused') && @.status != 'True'].type",
            "$.status.conditions[?@.n > 2].type",
            "$.status.conditions[*].m",
            "$.status.conditions[*]",
            "$.status.conditions[0:2].type",
            "$.status.containerStatuses[?@.name == 'main' && @.state.terminated.reason == 'Ended'].state.terminated",
            "$.status.containerStatuses[?@.name == 'main'].lastState.terminated.reason",
            "$.status.containerStatuses[*].state.waiting.reason",
            "$.status.containerStatuses[?@.state.waiting.reason == 'Other' || @.state.waiting.reason == 'Waiting'].state.waiting",
            "$.spec.byName.*.type",
            "$.spec.byName[?@.type == 'Ready']",
            "$.spec.want[*]",
            "$.spec.want[?@ == 'x']",
            "$.status.phase[0]",
        ] {
            let path = JsonPath::parse(p).expect("parses");
            let fast = path.query(tree.root());
            let query = parse_json_path(p).expect("parses");
            let slow: Vec<(String, Value)> = js_path_process(&query, &v)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| !r.val.is_null())
                .map(|r| (readable(&r.path), r.val.clone()))
                .collect();
            assert_eq!(fast, slow, "{p}");
        }
        let names =
            JsonPath::parse("$.status.conditions[?@.type == 'Ready'].status").expect("parses");
        assert_eq!(names.prefix, ["status", "conditions"]);
        assert!(names.steps.is_some(), "followed in the tree");
        let slice = JsonPath::parse("$.status.conditions[0:2].type").expect("parses");
        assert!(slice.steps.is_none(), "left to jsonpath-rust");
        let root = JsonPath::parse("$.status.conditions[?@.type == $.spec.want]").expect("parses");
        assert!(root.prefix.is_empty());
    }

    #[test]
    fn bad_paths_are_errors() {
        assert!(JsonPath::parse("$.a[").is_err());
        assert!(JsonPath::parse("status.phase").is_err());
    }
}
