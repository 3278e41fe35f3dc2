//! The Insights Operator's own event shape: `events/<namespace>.json` holds
//! `{"items": [{"namespace", "lastTimestamp", "reason", "message", "type"}]}` (openshift/
//! insights-operator `CompactedEventList`; `type` in newer releases), not core/v1 Events.
//! Each item becomes a core/v1 `Event` with the members it has, so that rules read it as any
//! other event. The shape names no involved object: such events are attributed by what the
//! rest of the capture says, or listed as naming nothing.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::ParseError;
use super::document::Documents;
use crate::object::Object;
use crate::source::Origin;

#[derive(Deserialize)]
struct CompactedList {
    items: Vec<Map<String, Value>>,
}

/// Members an Insights event item may have, copied to the Event under the same name.
const MEMBERS: &[&str] = &["reason", "message", "type", "lastTimestamp"];

/// Reads an Insights `events/<namespace>.json` into Event objects, named
/// `insights-event-<n>` in their namespace (the shape has no name of its own).
pub(super) fn events(bytes: &[u8], source: &Arc<str>) -> Result<Documents, ParseError> {
    let list: CompactedList = serde_json::from_slice(bytes).map_err(|e| ParseError {
        message: format!(
            "not an Insights event list ({{\"items\": [...]}}): {}",
            super::document::json_message(&e)
        ),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
    })?;
    let mut out = Documents::default();
    for (i, item) in list.items.iter().enumerate() {
        let Some(namespace) = item.get("namespace").and_then(Value::as_str) else {
            out.ignored += 1;
            continue;
        };
        let mut event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"namespace": namespace, "name": format!("insights-event-{i}")},
        });
        if let Some(map) = event.as_object_mut() {
            for key in MEMBERS {
                if let Some(v) = item.get(*key) {
                    map.insert((*key).to_owned(), v.clone());
                }
            }
        }
        let origin = Origin {
            source: Arc::clone(source),
            document: None,
            item: Some(u32::try_from(i).unwrap_or(u32::MAX)),
            line: None,
        };
        match Object::from_value(&event, origin) {
            Some(o) => out.objects.push(o),
            None => out.ignored += 1,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_become_events_in_their_namespace() {
        let text = br#"{"items":[{"namespace":"openshift-cnv","lastTimestamp":"2024-05-14T10:12:03Z","reason":"FailedScheduling","message":"0/3 nodes are available","type":"Warning"},{"reason":"x"}]}"#;
        let docs = events(text, &Arc::from("events/openshift-cnv.json")).expect("parses");
        assert_eq!(docs.objects.len(), 1);
        assert_eq!(docs.ignored, 1);
        let e = &docs.objects[0];
        assert_eq!(e.kind, "Event");
        assert_eq!(e.namespace.as_deref(), Some("openshift-cnv"));
        assert_eq!(e.str_at(&["reason"]), Some("FailedScheduling"));
        assert_eq!(e.str_at(&["lastTimestamp"]), Some("2024-05-14T10:12:03Z"));
        assert!(events(b"[1]", &Arc::from("e")).is_err());
    }
}
