//! A YAML writer in the style of `kubectl get -o yaml` / `oc adm inspect`: block style, keys
//! sorted (serde_json's map is ordered), two-space indentation, sequences at their key's
//! indentation, strings quoted only when a plain scalar would read as something else.

use serde_json::Value;

/// Writes `value` (a mapping) as a YAML document body.
pub fn write(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => mapping(out, map, 0),
        other => {
            scalar(out, other);
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn mapping(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    let mut first = true;
    for (k, v) in map {
        // The first key of a sequence item follows its `- ` on the same line.
        if !first {
            indent(out, level);
        }
        first = false;
        key(out, k);
        out.push(':');
        value_after_key(out, v, level);
    }
}

fn value_after_key(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, level + 2);
            mapping(out, m, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(out, items, level);
        }
        Value::String(s) if s.contains('\n') && !s.contains(['\r', '\t']) => {
            out.push_str(if s.ends_with('\n') { " |\n" } else { " |-\n" });
            for line in s.trim_end_matches('\n').split('\n') {
                if !line.is_empty() {
                    indent(out, level + 2);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        other => {
            out.push(' ');
            scalar(out, other);
            out.push('\n');
        }
    }
}

fn sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => mapping(out, m, level + 2),
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                sequence(out, inner, level + 2);
            }
            other => {
                scalar(out, other);
                out.push('\n');
            }
        }
    }
}

fn key(out: &mut String, k: &str) {
    if plain_ok(k) {
        out.push_str(k);
    } else {
        quoted(out, k);
    }
}

fn scalar(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => {
            if plain_ok(s) {
                out.push_str(s);
            } else {
                quoted(out, s);
            }
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// kubectl quotes with single quotes when it can, double quotes (JSON escapes) otherwise.
fn quoted(out: &mut String, s: &str) {
    if s.chars().all(|c| !c.is_control()) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(&Value::String(s.to_owned()).to_string());
    }
}

/// A string that reads back as the same string when written plain.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim() || s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`~".contains(first)
        && !(first == '-' && s.len() > 1 && !s.starts_with("- "))
    {
        return false;
    }
    if s.chars()
        .any(|c| c.is_control() || matches!(c, '{' | '}' | '[' | ']' | ','))
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true"
            | "false"
            | "null"
            | "~"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".nan"
            | ".inf"
            | "-.inf"
    ) {
        return false;
    }
    // Anything number-like (ints, floats, octal, hex, exponents, sexagesimal) is quoted.
    let numberish = s.chars().all(|c| {
        c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E' | '_' | ':' | 'x' | 'o' | 'X')
    }) && s.chars().any(|c| c.is_ascii_digit());
    !numberish
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_style() {
        let v = serde_json::json!({
            "apiVersion": "v1",
            "items": [{"kind": "Pod", "metadata": {"labels": {"a": "1"}, "name": "p"}, "spec": {"x": []}}],
            "kind": "PodList",
            "s": "a: b",
            "t": "it's",
            "m": "l1\nl2\n"
        });
        let mut out = String::new();
        write(&mut out, &v);
        assert_eq!(
            out,
            "apiVersion: v1\nitems:\n- kind: Pod\n  metadata:\n    labels:\n      a: '1'\n    name: p\n  spec:\n    x: []\nkind: PodList\nm: |\n  l1\n  l2\ns: 'a: b'\nt: it's\n"
        );
    }
}
