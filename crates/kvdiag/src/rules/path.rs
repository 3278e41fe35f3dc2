//! A thin wrapper over jsonpath-rust: parse once, query many times, report readable paths.

use jsonpath_rust::parser::{model::JpQuery, parse_json_path};
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

/// Longest JSONPath accepted in a rule.
const MAX_PATH_BYTES: usize = 1024;
/// Deepest nesting of brackets and parentheses in a JSONPath.
const MAX_PATH_NESTING: usize = 16;

/// A compiled JSONPath. Accepts RFC 9535 paths (`$.status.phase`) and the kubectl forms
/// `.status.phase` and `{.status.phase}`.
#[derive(Clone, Debug)]
pub struct JsonPath {
    text: String,
    query: JpQuery,
    /// For a path of names only (`$.status.phase`, `$.a['b.c']`): the keys and the location
    /// reported, looked up directly (most rule paths are such; jsonpath-rust gives the same).
    names: Option<(Vec<String>, String)>,
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
        let names = names_only(&full);
        Ok(JsonPath {
            text: full,
            query,
            names,
        })
    }

    /// The path as written (normalised to start with `$`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Every value the path selects, with the concrete location of each
    /// (`$.status.containerStatuses[0].state`). Null values count as absent.
    pub fn query<'a>(&self, value: &'a Value) -> Vec<(String, &'a Value)> {
        if let Some((keys, location)) = &self.names {
            let mut v = value;
            for k in keys {
                match v.get(k.as_str()) {
                    Some(next) => v = next,
                    None => return Vec::new(),
                }
            }
            return if v.is_null() {
                Vec::new()
            } else {
                vec![(location.clone(), v)]
            };
        }
        js_path_process(&self.query, value)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| !r.val.is_null())
            .map(|r| (readable(&r.path), r.val))
            .collect()
    }
}

/// The keys of a path made of names only (`.name` shorthands and `['key']` brackets without
/// quotes or escapes inside), and the location jsonpath-rust reports for it, made readable.
fn names_only(path: &str) -> Option<(Vec<String>, String)> {
    let mut rest = path.strip_prefix('$')?;
    let mut keys = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("['") {
            let end = after.find("']")?;
            let key = &after[..end];
            if key.contains(['\\', '\'']) {
                return None;
            }
            keys.push(key.to_owned());
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let key = &after[..end];
            let mut chars = key.chars();
            let first_ok = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            keys.push(key.to_owned());
            rest = &after[end..];
        } else {
            return None;
        }
    }
    if keys.is_empty() {
        return None;
    }
    let raw: String = std::iter::once("$".to_owned())
        .chain(keys.iter().map(|k| format!("['{k}']")))
        .collect();
    Some((keys, readable(&raw)))
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
    use serde_json::json;

    #[test]
    fn kubectl_forms_and_readable_locations() {
        let v = json!({"metadata": {"labels": {"kubevirt.io/created-by": "u"}}, "s": [{"r": 1}, {"r": null}]});
        for p in ["$.s[*].r", ".s[*].r", "{.s[*].r}"] {
            let found = JsonPath::parse(p).expect("parses").query(&v);
            assert_eq!(found, vec![("$.s[0].r".to_owned(), &json!(1))], "{p}");
        }
        let found = JsonPath::parse("$.metadata.labels['kubevirt.io/created-by']")
            .expect("parses")
            .query(&v);
        assert_eq!(found[0].0, "$.metadata.labels['kubevirt.io/created-by']");
    }

    #[test]
    fn paths_of_names_are_looked_up_as_jsonpath_rust_does() {
        let v = json!({"status": {"phase": "Running", "n": null, "a": [1], "allocatable": {"devices.kubevirt.io/kvm": "1k"}}});
        for p in [
            "$.status.phase",
            "$.status.n",
            "$.status.missing",
            "$.status.a.x",
            "$.status.allocatable['devices.kubevirt.io/kvm']",
            "$['status']['phase']",
            "$.status",
        ] {
            let path = JsonPath::parse(p).expect("parses");
            assert!(path.names.is_some(), "{p}");
            let fast = path.query(&v);
            let slow: Vec<(String, &Value)> = js_path_process(&path.query, &v)
                .unwrap_or_default()
                .into_iter()
                .filter(|r| !r.val.is_null())
                .map(|r| (readable(&r.path), r.val))
                .collect();
            assert_eq!(fast, slow, "{p}");
        }
        assert!(JsonPath::parse("$.a[*].b").expect("parses").names.is_none());
    }

    #[test]
    fn bad_paths_are_errors() {
        assert!(JsonPath::parse("$.a[").is_err());
        assert!(JsonPath::parse("status.phase").is_err());
    }
}
