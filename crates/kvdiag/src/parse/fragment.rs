//! Pieces of objects pasted without their `apiVersion` and `kind`: a `status:` block cut out of
//! `oc get vmi -o yaml`, or lines cut out of `-o json` that no longer parse. They are no object a
//! rule can test by path, but their values are evidence: such an input is read as a log whose
//! lines are its values, each unfolded (YAML folds long quoted strings over several lines) and
//! unquoted (`didn''t`, `\"`), written `key: value` on the line where the value starts. Every
//! other line is left empty, so a line number in the evidence is the line of the file.

use granit_parser::{Event, Parser};

/// How many parser events a fragment may take (a fragment is a paste, not a must-gather file).
const MAX_EVENTS: usize = 1_000_000;

/// The values of a YAML fragment, one `key: value` per line where each value starts; `None`
/// when the text is not a YAML mapping or sequence (a line of plain text parses as a scalar).
pub(super) fn yaml_lines(text: &str) -> Option<String> {
    /// Where the parser is: inside a mapping (whether the next scalar is a key, and the key
    /// whose value comes next) or a sequence.
    enum Frame<'a> {
        Mapping {
            key: Option<std::borrow::Cow<'a, str>>,
            at_key: bool,
        },
        Sequence,
    }
    let mut lines: Vec<String> = vec![String::new(); text.lines().count().max(1)];
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut values = 0usize;
    let mut saw_collection = false;
    for (n, event) in Parser::new_from_str(text).enumerate() {
        if n > MAX_EVENTS {
            return None;
        }
        let (event, span) = event.ok()?;
        // A collection or scalar in a mapping's value position takes the pending key.
        let take_key = |stack: &mut Vec<Frame<'_>>| -> Option<String> {
            match stack.last_mut() {
                Some(Frame::Mapping { key, at_key }) if !*at_key => {
                    *at_key = true;
                    key.take().map(|k| k.into_owned())
                }
                _ => None,
            }
        };
        match event {
            Event::MappingStart(..) => {
                saw_collection = true;
                take_key(&mut stack);
                stack.push(Frame::Mapping {
                    key: None,
                    at_key: true,
                });
            }
            Event::SequenceStart(..) => {
                saw_collection = true;
                take_key(&mut stack);
                stack.push(Frame::Sequence);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::Scalar(value, ..) => {
                // A mapping at the top, or an item of top-level lists: where objects sit.
                let top = stack
                    .iter()
                    .rev()
                    .skip(1)
                    .all(|f| matches!(f, Frame::Sequence));
                if let Some(Frame::Mapping { key, at_key }) = stack.last_mut()
                    && *at_key
                {
                    // An object with its kind is no fragment, whatever became of it (a Secret
                    // is dropped unread, and its values must not come back as a log).
                    if top && matches!(value.as_ref(), "kind" | "apiVersion") {
                        return None;
                    }
                    *key = Some(value);
                    *at_key = false;
                    continue;
                }
                let key = take_key(&mut stack);
                let line = span.start.line().saturating_sub(1);
                let Some(out) = lines.get_mut(line) else {
                    continue;
                };
                if !out.is_empty() {
                    out.push_str(", ");
                }
                if let Some(k) = key {
                    out.push_str(&k);
                    out.push_str(": ");
                }
                // One value, one line: a literal block's own line breaks become spaces.
                out.extend(value.chars().map(|c| if c == '\n' { ' ' } else { c }));
                values += 1;
            }
            _ => {}
        }
    }
    (saw_collection && values > 0).then(|| lines.join("\n"))
}

/// The lines of a cut JSON paste, with each `"key": "string",` line written `key: string`
/// (unescaped); other lines stay as they are. `None` when no line is such a member.
pub(super) fn json_lines(text: &str) -> Option<String> {
    let mut any = false;
    let lines: Vec<std::borrow::Cow<'_, str>> = text
        .lines()
        .map(|line| match json_member(line) {
            Some(member) => {
                any = true;
                member.into()
            }
            None => line.into(),
        })
        .collect();
    any.then(|| lines.join("\n"))
}

/// `"key": "value",` → `key: value`, with the value's JSON escapes resolved.
fn json_member(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix('"')?;
    let (key, rest) = rest.split_once('"')?;
    let value = rest.trim_start().strip_prefix(':')?.trim();
    let value = value.strip_suffix(',').unwrap_or(value).trim_end();
    if !value.starts_with('"') || key.contains('\\') {
        return None;
    }
    let value: String = serde_json::from_str(value).ok()?;
    Some(format!("{key}: {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_yaml_values_are_one_line_each_where_they_start() {
        let text = "status:\n  conditions:\n  - type: PodScheduled\n    message: '0/3 nodes are available: 2 node(s) didn''t match Pod''s\n      node affinity.'\n    reason: Unschedulable\n";
        let lines = yaml_lines(text).expect("a mapping");
        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[2], "type: PodScheduled");
        assert_eq!(
            lines[3],
            "message: 0/3 nodes are available: 2 node(s) didn't match Pod's node affinity."
        );
        assert_eq!(lines[4], "");
        assert_eq!(lines[5], "reason: Unschedulable");
    }

    #[test]
    fn an_object_with_its_kind_is_no_fragment() {
        let secret = r#"{"apiVersion": "v1", "kind": "Secret", "data": {"password": "cw=="}}"#;
        assert_eq!(yaml_lines(secret), None);
        assert_eq!(yaml_lines("kind: Secret\ndata: {password: cw==}\n"), None);
        assert_eq!(
            yaml_lines("- kind: Secret\n  data: {password: cw==}\n"),
            None
        );
        // A `kind` deeper down (an owner reference) does not make the fragment an object.
        assert!(
            yaml_lines("status:\n  owner: {kind: Pod, name: p}\n  message: x\n")
                .is_some_and(|l| l.contains("message: x"))
        );
    }

    #[test]
    fn plain_text_is_no_yaml_fragment() {
        assert_eq!(yaml_lines("just words"), None);
        // A line of text that happens to be a YAML mapping reads as itself.
        assert_eq!(
            yaml_lines("error: no such partition.").as_deref(),
            Some("error: no such partition.")
        );
        assert_eq!(yaml_lines("a: [unclosed"), None);
    }

    #[test]
    fn cut_json_members_are_unquoted() {
        let text = "\"state\": {\n\"waiting\": {\n\"reason\": \"ImagePullBackOff\",\n\"message\": \"Back-off pulling image \\\"a/b\\\": manifest unknown\"\n";
        let lines = json_lines(text).expect("members");
        let lines: Vec<&str> = lines.lines().collect();
        assert_eq!(lines[0], "\"state\": {");
        assert_eq!(lines[2], "reason: ImagePullBackOff");
        assert_eq!(
            lines[3],
            "message: Back-off pulling image \"a/b\": manifest unknown"
        );
        assert_eq!(json_lines("no members here\n"), None);
    }
}
