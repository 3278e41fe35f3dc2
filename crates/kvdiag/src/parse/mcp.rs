//! Outputs of the Kubernetes MCP servers (kubernetes-mcp-server, openshift-mcp-server): the
//! `events_list` text with its simplified events, the "nothing found" texts, `pods_log`'s
//! empty-log sentence, list tables, and raw JSON-RPC results whose `content[].text` are inputs
//! of their own.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{Documents, Hint, ParseError, Parsed, yaml};
use crate::limits::Limits;
use crate::measure::parse_go_time;
use crate::object::Object;
use crate::source::Origin;

/// The line `events_list` puts before its YAML (older servers wrote it without `# `).
const EVENTS_HEADER: &str = "The following events (YAML format) were found:";
/// What `events_list` says when there is nothing.
const NO_EVENTS: &str = "No events found";
/// `pods_log` on an empty log: `The pod <name> in namespace <ns> has not logged any message yet`.
const NO_LOG_PREFIX: &str = "The pod ";
const NO_LOG_SUFFIX: &str = " has not logged any message yet";

/// One input found inside an MCP output, named after it (`result.json#content[0]`).
#[derive(Debug)]
pub struct McpPart {
    /// The part's name.
    pub name: Arc<str>,
    /// What it held.
    pub parsed: Result<Parsed, ParseError>,
}

/// Bytes looked at to recognise an MCP output; the rest is read only when it is one.
const HEAD: usize = 4096;

/// Recognises an MCP output; `None` when the input is not one. Costs a look at the first bytes
/// for anything else (a large document is not parsed twice).
pub(super) fn detect(name: &Arc<str>, bytes: &[u8], limits: &Limits, depth: u8) -> Option<Parsed> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(HEAD)]);
    let head = head.trim_start();
    if head.starts_with('{') {
        if !(head.contains("\"jsonrpc\"") || head.contains("\"content\"")) {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        return json_rpc(name, text.trim(), limits, depth);
    }
    let first = head.lines().next()?.trim();
    let bare = first.strip_prefix("# ").unwrap_or(first);
    let single = |parsed| {
        Some(Parsed::Mcp(vec![McpPart {
            name: Arc::clone(name),
            parsed,
        }]))
    };
    let one_line = || bytes.trim_ascii().iter().all(|&b| b != b'\n');
    if bare == EVENTS_HEADER {
        let text = std::str::from_utf8(bytes).ok()?.trim_start();
        return single(events(name, &text[first.len()..], limits));
    }
    if bare == NO_EVENTS && one_line() {
        return single(Ok(Parsed::Empty));
    }
    if first.starts_with(NO_LOG_PREFIX)
        && first.ends_with(NO_LOG_SUFFIX)
        && first.contains(" in namespace ")
        && one_line()
    {
        return single(Ok(Parsed::Empty));
    }
    let columns: Vec<&str> = first.split_whitespace().take(4).collect();
    if columns == ["NAMESPACE", "APIVERSION", "KIND", "NAME"] {
        return single(Err(ParseError::new(
            "an MCP list table (list_output \"table\") holds no object data: configure the \
             server with list_output = \"yaml\", or use pods_get / resources_get",
        )));
    }
    None
}

/// Whether [`detect`] finds no MCP output in any input whose first bytes are `head` (at least
/// [`HEAD`] of them): `false` when it may find one.
pub(super) fn ruled_out(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(HEAD)]);
    let text = text.trim_start();
    if text.starts_with('{') {
        if !(text.contains("\"jsonrpc\"") || text.contains("\"content\"")) {
            return true;
        }
        // A result is one JSON object: one that ends in the head and is followed by more
        // than white space is none (nor is one with a syntax error in the head).
        let Some(start) = memchr::memchr(b'{', head) else {
            return false;
        };
        let mut values = serde_json::Deserializer::from_slice(&head[start..])
            .into_iter::<serde::de::IgnoredAny>();
        return match values.next() {
            Some(Ok(_)) => {
                let rest = String::from_utf8_lossy(&head[start + values.byte_offset()..]);
                rest.chars()
                    .any(|c| !c.is_whitespace() && c != char::REPLACEMENT_CHARACTER)
            }
            Some(Err(e)) => !e.is_eof(),
            None => false,
        };
    }
    let Some(first) = text.lines().next() else {
        return true;
    };
    let first = first.trim();
    let bare = first.strip_prefix("# ").unwrap_or(first);
    let columns: Vec<&str> = first.split_whitespace().take(4).collect();
    !(bare == EVENTS_HEADER
        || bare == NO_EVENTS
        || (first.starts_with(NO_LOG_PREFIX) && first.ends_with(NO_LOG_SUFFIX))
        || columns == ["NAMESPACE", "APIVERSION", "KIND", "NAME"])
}

/// A JSON-RPC response (or its `result`): every `content[].text` is parsed as an input.
fn json_rpc(name: &Arc<str>, text: &str, limits: &Limits, depth: u8) -> Option<Parsed> {
    let value: Map<String, Value> = serde_json::from_str(text).ok()?;
    if let Some(error) = value.get("error").filter(|_| value.contains_key("jsonrpc")) {
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        let code = error.get("code").map(Value::to_string).unwrap_or_default();
        return Some(Parsed::Mcp(vec![McpPart {
            name: Arc::clone(name),
            parsed: Err(ParseError::new(format!("JSON-RPC error {code}: {message}"))),
        }]));
    }
    let result = value
        .get("result")
        .and_then(Value::as_object)
        .unwrap_or(&value);
    let content = result.get("content")?.as_array()?;
    let is_error = result.get("isError").and_then(Value::as_bool) == Some(true);
    let mut parts = Vec::new();
    for (i, item) in content.iter().enumerate() {
        if item.get("type").and_then(Value::as_str) != Some("text") {
            continue;
        }
        let Some(text) = item.get("text").and_then(Value::as_str) else {
            continue;
        };
        let part: Arc<str> = Arc::from(format!("{name}#content[{i}]"));
        let parsed = if is_error {
            Err(ParseError::new(format!("MCP tool error: {}", text.trim())))
        } else if depth > 0 {
            Err(ParseError::new("MCP result nested in an MCP result"))
        } else {
            super::parse_input_at(&part, text.as_bytes(), &Hint::Auto, limits, depth + 1)
        };
        parts.push(McpPart { name: part, parsed });
    }
    // A result with no text content (e.g. only structuredContent) is not understood here.
    (!parts.is_empty()).then_some(Parsed::Mcp(parts))
}

/// The YAML sequence of simplified events after the header, as core/v1 Events.
fn events(name: &Arc<str>, text: &str, limits: &Limits) -> Result<Parsed, ParseError> {
    let docs: Vec<Value> = yaml::documents(text.as_bytes(), yaml::data_options_with(limits))?;
    let mut out = Documents::default();
    for doc in docs {
        let items = match doc {
            Value::Array(items) => items,
            Value::Null => continue,
            other => vec![other],
        };
        for (i, item) in items.into_iter().enumerate() {
            let origin = Origin {
                source: Arc::clone(name),
                document: None,
                item: Some(u32::try_from(i).unwrap_or(u32::MAX)),
                line: None,
            };
            match simplified_event(&item).and_then(|v| Object::from_value(&v, origin)) {
                Some(o) => out.objects.push(o),
                None => out.ignored += 1,
            }
        }
    }
    Ok(Parsed::Objects(out))
}

/// `{InvolvedObject: {Kind, Name, apiVersion}, Message, Namespace, Reason, Timestamp, Type}`
/// into the fields of a core/v1 Event. The simplified event has no name, uid or count; its
/// `Timestamp` (Go `time.Time` text) becomes `lastTimestamp`.
fn simplified_event(item: &Value) -> Option<Value> {
    let map = item.as_object()?;
    // A full Event (e.g. from resources_list) is kept as it is.
    if map.contains_key("kind") && map.contains_key("involvedObject") {
        return Some(item.clone());
    }
    let involved = map.get("InvolvedObject")?.as_object()?;
    let s = |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    let namespace = s(map, "Namespace").filter(|n| !n.is_empty());
    let mut involved_object = json!({
        "kind": s(involved, "Kind"),
        "name": s(involved, "Name"),
        "apiVersion": s(involved, "apiVersion"),
    });
    if let (Some(ns), Some(obj)) = (&namespace, involved_object.as_object_mut()) {
        obj.insert("namespace".into(), Value::String(ns.clone()));
    }
    let mut event = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {},
        "involvedObject": involved_object,
        "reason": s(map, "Reason").unwrap_or_default(),
        "message": s(map, "Message").unwrap_or_default(),
        "type": s(map, "Type").unwrap_or_default(),
    });
    let time = s(map, "Timestamp")
        .as_deref()
        .and_then(parse_go_time)
        // Go's zero time means "not set".
        .filter(|t| t.as_second() > -62_000_000_000);
    if let Some(obj) = event.as_object_mut() {
        if let Some(ns) = namespace {
            obj.insert("metadata".into(), json!({ "namespace": ns }));
        }
        if let Some(t) = time {
            obj.insert("lastTimestamp".into(), Value::String(t.to_string()));
        }
    }
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed {
        super::super::parse_input(&Arc::from("t"), text.as_bytes(), &Hint::Auto).expect("parses")
    }

    fn parts(p: Parsed) -> Vec<McpPart> {
        match p {
            Parsed::Mcp(parts) => parts,
            other => panic!("not MCP: {other:?}"),
        }
    }

    #[test]
    fn events_list_becomes_core_events() {
        for header in [
            "# The following events (YAML format) were found:",
            "The following events (YAML format) were found:",
        ] {
            let text = format!(
                "{header}\n- InvolvedObject:\n    Kind: VirtualMachineInstance\n    Name: db\n    apiVersion: kubevirt.io/v1\n  Message: The VirtualMachineInstance crashed.\n  Namespace: prod\n  Reason: Stopped\n  Timestamp: 2024-05-14 10:11:38.091207 +0000 UTC\n  Type: Warning\n- InvolvedObject:\n    Kind: Pod\n    Name: a-pod\n    apiVersion: v1\n  Message: m\n  Namespace: default\n  Reason: \"\"\n  Timestamp: 0001-01-01 00:00:00 +0000 UTC\n  Type: Normal\n"
            );
            let mut p = parts(parse(&text));
            let Ok(Parsed::Objects(docs)) = p.remove(0).parsed else {
                panic!("objects")
            };
            assert_eq!(docs.objects.len(), 2);
            let e = &docs.objects[0];
            let v = e.tree.to_value();
            assert_eq!(e.kind, "Event");
            assert_eq!(e.namespace.as_deref(), Some("prod"));
            assert_eq!(v["involvedObject"]["kind"], "VirtualMachineInstance");
            assert_eq!(v["involvedObject"]["namespace"], "prod");
            assert_eq!(v["reason"], "Stopped");
            assert_eq!(v["type"], "Warning");
            assert_eq!(v["lastTimestamp"], "2024-05-14T10:11:38.091207Z");
            assert!(docs.objects[1].root().get("lastTimestamp").is_none());
        }
    }

    #[test]
    fn nothing_found_texts_are_empty() {
        for t in [
            "# No events found",
            "No events found\n",
            "The pod virt-launcher-db-abcde in namespace prod has not logged any message yet",
        ] {
            let p = parts(parse(t));
            assert!(matches!(p[0].parsed, Ok(Parsed::Empty)), "{t}");
        }
    }

    #[test]
    fn tables_are_explained_not_parsed() {
        let p = parts(parse(
            "NAMESPACE   APIVERSION   KIND   NAME   READY   STATUS\nprod   v1   Pod   a   1/1   Running\n",
        ));
        let e = p[0].parsed.as_ref().expect_err("a table is not data");
        assert!(e.message.contains("list_output"));
    }

    #[test]
    fn json_rpc_results_are_unwrapped() {
        let rpc = json!({"jsonrpc": "2.0", "id": 3, "result": {"content": [
            {"type": "text", "text": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: n\n"},
            {"type": "text", "text": "{\"component\":\"virt-launcher\",\"msg\":\"x\"}\n"}
        ]}});
        let p = parts(parse(&rpc.to_string()));
        assert_eq!(&*p[0].name, "t#content[0]");
        assert!(matches!(&p[0].parsed, Ok(Parsed::Objects(d)) if d.objects.len() == 1));
        assert!(
            matches!(&p[1].parsed, Ok(Parsed::Log(l)) if l.source.container.as_deref() == Some("compute"))
        );
        let err = json!({"jsonrpc": "2.0", "id": 4, "result": {"isError": true, "content": [
            {"type": "text", "text": "failed to get pod not-found in namespace : pods \"not-found\" not found"}]}});
        let p = parts(parse(&err.to_string()));
        assert!(
            p[0].parsed
                .as_ref()
                .is_err_and(|e| e.message.starts_with("MCP tool error: failed to get pod"))
        );
    }
}
