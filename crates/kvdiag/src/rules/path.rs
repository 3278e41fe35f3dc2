//! A thin wrapper over jsonpath-rust: parse once, query many times, report readable paths.

use jsonpath_rust::parser::{model::JpQuery, parse_json_path};
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

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
/// only what follows them, if anything, is handed to jsonpath-rust, on the value they lead to.
#[derive(Clone, Debug)]
pub struct JsonPath {
    text: String,
    /// The names the path starts with.
    prefix: Vec<String>,
    /// Where they lead, readable (`$.status.conditions`).
    location: String,
    /// The rest of the path, as a query on the value the names lead to.
    rest: Option<JpQuery>,
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
        Ok(JsonPath {
            location: readable(&raw),
            text: full,
            prefix,
            rest,
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
            "conditions": [{"type": "Ready", "status": "False", "m": "x"}, {"type": "Scheduled", "status": "True"}]},
            "spec": {"taints": [{"effect": "NoSchedule"}, {"effect": null}], "want": "Ready"}});
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
        let root = JsonPath::parse("$.status.conditions[?@.type == $.spec.want]").expect("parses");
        assert!(root.prefix.is_empty());
    }

    #[test]
    fn bad_paths_are_errors() {
        assert!(JsonPath::parse("$.a[").is_err());
        assert!(JsonPath::parse("status.phase").is_err());
    }
}
