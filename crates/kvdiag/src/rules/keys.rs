//! Checks every key of a rule document against the rule format before it is read into types,
//! so that a misspelled key is reported (with the close match) together with every other
//! problem of the rule, never silently ignored.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

/// A YAML document as a tree of located keys and values: what a rule document is read from
/// (`read.rs`), so that every problem of it can be found in one pass.
#[derive(Debug)]
pub(crate) enum Node {
    Map(Vec<(Spanned<Key>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    /// A string, number, boolean or null.
    Scalar(serde_json::Value),
}

/// A mapping key as text, whatever scalar it was written as.
#[derive(Debug)]
pub(crate) struct Key(pub String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key("null".to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a YAML value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = m.next_key::<Spanned<Key>>()? {
                    entries.push((k, m.next_value::<Spanned<Node>>()?));
                }
                Ok(Node::Map(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(x) = s.next_element::<Spanned<Node>>()? {
                    items.push(x);
                }
                Ok(Node::Seq(items))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Scalar(Value::String(v.to_owned())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Scalar(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Scalar(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                // `.inf` and `.nan` are no JSON numbers: kept as text.
                Ok(Node::Scalar(serde_json::Number::from_f64(v).map_or_else(
                    || Value::String(v.to_string()),
                    Value::Number,
                )))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Bool(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar(Value::Null))
            }
        }
        d.deserialize_any(V)
    }
}

/// Where in the rule format a mapping sits, which decides the keys it may have.
#[derive(Clone, Copy)]
enum Shape {
    Rule,
    Condition,
    Remedy,
    Test,
    TestLog,
    /// A document declaring causes.
    Causes,
    /// One declared cause.
    CauseDecl,
    /// A mapping whose keys are free (`fields`, test objects).
    Free,
}

/// The keys of a rule document.
pub(crate) const RULE_KEYS: &[&str] = &[
    "id",
    "cause",
    "severity",
    "title",
    "summary",
    "description",
    "when",
    "yields_to",
    "remediation",
    "options",
    "verify",
    "references",
    "tests",
];

/// The keys of a condition node.
pub(crate) const CONDITION_KEYS: &[&str] = &[
    "severity",
    "on",
    "all",
    "any",
    "first",
    "not",
    "optional",
    "path",
    "equals",
    "in",
    "matches",
    "excludes_all",
    "exists",
    "absent",
    "age_unknown",
    "gt",
    "ge",
    "lt",
    "le",
    "capture",
    "container",
    "previous",
    "fields",
    "not_followed_by",
];

const REMEDY_KEYS: &[&str] = &["text", "command", "if", "unless"];

/// The keys of a document declaring causes.
pub(crate) const CAUSES_KEYS: &[&str] = &["causes"];

/// The keys of one declared cause.
pub(crate) const CAUSE_KEYS: &[&str] = &["code", "title", "description", "severity", "references"];

/// The keys of an inline rule test.
pub(crate) const TEST_KEYS: &[&str] = &["name", "objects", "logs", "now", "expect", "summary"];

/// The keys of a log of an inline rule test.
pub(crate) const TEST_LOG_KEYS: &[&str] = &["namespace", "pod", "container", "previous", "lines"];

/// An unknown key: where, what, and the close match if there is one.
pub(crate) struct UnknownKey {
    pub at: Location,
    pub key: String,
    pub suggestion: Option<&'static str>,
    pub allowed: &'static [&'static str],
}

/// Every unknown key of a rule document.
pub(crate) fn unknown_keys(doc: &Spanned<Node>) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    walk(doc, Shape::Rule, &mut out);
    out
}

/// Every unknown key of a document declaring causes.
pub(crate) fn unknown_cause_keys(doc: &Spanned<Node>) -> Vec<UnknownKey> {
    let mut out = Vec::new();
    walk(doc, Shape::Causes, &mut out);
    out
}

fn walk(node: &Spanned<Node>, shape: Shape, out: &mut Vec<UnknownKey>) {
    let allowed: &'static [&'static str] = match shape {
        Shape::Rule => RULE_KEYS,
        Shape::Condition => CONDITION_KEYS,
        Shape::Remedy => REMEDY_KEYS,
        Shape::Test => TEST_KEYS,
        Shape::TestLog => TEST_LOG_KEYS,
        Shape::Causes => CAUSES_KEYS,
        Shape::CauseDecl => CAUSE_KEYS,
        Shape::Free => return,
    };
    let Node::Map(entries) = &node.value else {
        return;
    };
    for (key, value) in entries {
        let k = key.value.0.as_str();
        let Some(&known) = allowed.iter().find(|a| **a == k) else {
            out.push(UnknownKey {
                at: key.referenced,
                key: k.to_owned(),
                suggestion: closest(k, allowed),
                allowed,
            });
            continue;
        };
        let child = match (shape, known) {
            (Shape::Rule, "when") => Some(Shape::Condition),
            (Shape::Rule, "remediation" | "options" | "verify") => Some(Shape::Remedy),
            (Shape::Rule, "tests") => Some(Shape::Test),
            (Shape::Condition, "all" | "any" | "first" | "not" | "optional") => {
                Some(Shape::Condition)
            }
            (Shape::Test, "logs") => Some(Shape::TestLog),
            (Shape::Causes, "causes") => Some(Shape::CauseDecl),
            (Shape::Test, "objects") | (Shape::Condition, "fields") => Some(Shape::Free),
            _ => None,
        };
        if let Some(child) = child {
            match &value.value {
                Node::Seq(items) => items.iter().for_each(|i| walk(i, child, out)),
                Node::Map(_) => walk(value, child, out),
                Node::Scalar(_) => {}
            }
        }
    }
}

/// The allowed key closest to `key`, if it is close enough to be a typo.
fn closest(key: &str, allowed: &'static [&'static str]) -> Option<&'static str> {
    allowed
        .iter()
        .map(|a| (strsim::damerau_levenshtein(key, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4) && *d < a.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(yaml: &str) -> Vec<(u64, String, Option<&'static str>)> {
        // Rule options matter: with YAML 1.1 booleans the key `on` would read as `true`.
        let docs: Vec<Spanned<Node>> =
            crate::parse::yaml::documents(yaml.as_bytes(), crate::parse::yaml::rule_options())
                .expect("yaml");
        unknown_keys(&docs[0])
            .into_iter()
            .map(|u| (u.at.line(), u.key, u.suggestion))
            .collect()
    }

    #[test]
    fn misspelled_keys_are_found_at_every_level_with_a_suggestion() {
        let found = unknown(
            "id: a\nsumary: s\nwhen:\n  all:\n    - pth: x\n      equal: 3\n    - not: {on: vm, pahts: y}\nremediation:\n  - txt: t\nfieldz: 1\n",
        );
        assert_eq!(
            found,
            vec![
                (2, "sumary".to_owned(), Some("summary")),
                (5, "pth".to_owned(), Some("path")),
                (6, "equal".to_owned(), Some("equals")),
                (7, "pahts".to_owned(), Some("path")),
                (9, "txt".to_owned(), Some("text")),
                (10, "fieldz".to_owned(), Some("fields").filter(|_| false)),
            ]
        );
    }

    #[test]
    fn free_mappings_are_not_checked() {
        assert!(unknown("id: a\nwhen: {on: log, matches: x, fields: {anything: v}}\n").is_empty());
    }
}
