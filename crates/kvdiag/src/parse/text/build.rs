//! Objects built from text, one field at a time, each field remembering the line it was read
//! from (the evidence of a text object says `file:line`).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::object::Object;
use crate::source::Origin;

/// The member every object read from text carries: what form it was read from and the relative
/// facts (ages) that text gives when no absolute time is known. Documented in
/// `docs/text-inputs.md`.
pub const TEXT_MEMBER: &str = "kvdiagText";

/// One step of a path into an object.
#[derive(Clone, Copy, Debug)]
pub(super) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// An object under construction.
#[derive(Debug)]
pub(super) struct ObjectBuilder {
    value: Value,
    lines: Vec<(String, u32)>,
    first_line: u32,
}

impl ObjectBuilder {
    /// Starts an object of `kind`, first seen on `line`, read from `form` (`get pods`,
    /// `describe`, ...).
    pub(super) fn new(kind: &str, api_version: &str, form: &str, line: u32) -> Self {
        let mut value = Value::Object(Map::new());
        value["kind"] = Value::from(kind);
        if !api_version.is_empty() {
            value["apiVersion"] = Value::from(api_version);
        }
        value["metadata"] = Value::Object(Map::new());
        value[TEXT_MEMBER] = serde_json::json!({ "form": form, "line": line });
        ObjectBuilder {
            value,
            lines: Vec::new(),
            first_line: line,
        }
    }

    /// Sets the value at `path` (creating objects and arrays on the way), read on `line`.
    pub(super) fn set(&mut self, path: &[Step<'_>], value: Value, line: u32) {
        let mut at = &mut self.value;
        for step in path {
            at = match *step {
                Step::Key(k) => {
                    if !at.is_object() {
                        *at = Value::Object(Map::new());
                    }
                    match at.as_object_mut() {
                        Some(m) => m.entry(k.to_owned()).or_insert(Value::Null),
                        None => return,
                    }
                }
                Step::Index(i) => {
                    if !at.is_array() {
                        *at = Value::Array(Vec::new());
                    }
                    let Some(a) = at.as_array_mut() else { return };
                    while a.len() <= i {
                        a.push(Value::Null);
                    }
                    &mut a[i]
                }
            };
        }
        *at = value;
        self.lines.push((concrete(path), line));
    }

    /// A string at `path`.
    pub(super) fn str(&mut self, path: &[Step<'_>], value: &str, line: u32) {
        self.set(path, Value::from(value), line);
    }

    /// Records a relative fact under the text member.
    pub(super) fn fact(&mut self, key: &str, value: Value) {
        self.value[TEXT_MEMBER][key] = value;
    }

    /// The finished object; `None` when it has no kind (never) or is a Secret.
    pub(super) fn finish(self, source: &Arc<str>) -> Option<Object> {
        let origin = Origin {
            line: Some(self.first_line),
            ..Origin::new(Arc::clone(source))
        };
        let mut object = Object::from_value(&self.value, origin)?;
        object.field_lines = Some(Arc::from(self.lines));
        Some(object)
    }
}

/// The concrete JSONPath of `path`, in the form evidence uses (`$.a.b[0]['c.d']`).
fn concrete(path: &[Step<'_>]) -> String {
    let mut out = String::from("$");
    for step in path {
        match step {
            Step::Key(k)
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                out.push('.');
                out.push_str(k);
            }
            Step::Key(k) => {
                out.push_str("['");
                out.push_str(k);
                out.push_str("']");
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_remember_their_lines() {
        let mut b = ObjectBuilder::new("Pod", "v1", "describe", 3);
        b.str(&[Step::Key("metadata"), Step::Key("name")], "p", 3);
        b.str(
            &[
                Step::Key("status"),
                Step::Key("containerStatuses"),
                Step::Index(0),
                Step::Key("state"),
                Step::Key("terminated"),
                Step::Key("reason"),
            ],
            "Done",
            9,
        );
        b.str(
            &[
                Step::Key("metadata"),
                Step::Key("labels"),
                Step::Key("a.b/c"),
            ],
            "x",
            4,
        );
        let o = b.finish(&Arc::from("f.txt")).expect("an object");
        assert_eq!(o.name.as_deref(), Some("p"));
        assert_eq!(
            o.origin_of("$.status.containerStatuses[0].state.terminated")
                .line,
            Some(9)
        );
        assert_eq!(o.origin_of("$.metadata.labels['a.b/c']").line, Some(4));
        assert_eq!(o.origin_of("$.spec").line, Some(3));
    }
}
