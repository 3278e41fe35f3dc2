//! Documents (JSON or YAML) into objects: single objects, `kind: List`, `kind: <X>List`,
//! multi-document YAML and top-level sequences.

use std::sync::Arc;

use serde::de::DeserializeSeed;
use serde_json::Value;

use super::{ParseError, yaml};
use crate::limits::Limits;
use crate::object::Object;
use crate::source::Origin;
use crate::tree::{Builder, Node, Seed, TooLarge, Tree};

/// What one document input held.
#[derive(Debug, Default)]
pub struct Documents {
    /// Every Kubernetes object found, in input order.
    pub objects: Vec<Object>,
    /// Values that were not Kubernetes objects (no `kind`).
    pub ignored: usize,
}

/// Parses a JSON or YAML input into objects. JSON is recognised by its first byte and parsed
/// with serde_json (several concatenated JSON values are accepted); anything else is YAML.
pub fn parse_documents(bytes: &[u8], source: &Arc<str>) -> Result<Documents, ParseError> {
    parse_documents_with(bytes, source, &Limits::default())
}

/// [`parse_documents`] within the nesting and alias limits of `limits` (the caller checks the
/// document size).
pub fn parse_documents_with(
    bytes: &[u8],
    source: &Arc<str>,
    limits: &Limits,
) -> Result<Documents, ParseError> {
    Ok(from_trees(&trees_with(bytes, limits)?, source))
}

/// The parsed values of a JSON or YAML input, one tree per document (see
/// [`parse_documents_with`]).
pub(super) fn trees_with(bytes: &[u8], limits: &Limits) -> Result<Vec<Tree>, ParseError> {
    Ok(if looks_like_json(bytes) {
        json_trees(bytes).map_err(|e| at_limit(e, limits))?
    } else {
        // The fast reader nests to its own depth: used only when that is within the limit.
        let fast = (limits.effective_depth() >= super::fast_yaml::MAX_DEPTH)
            .then(|| super::fast_yaml::documents(bytes))
            .flatten();
        match fast {
            Some(trees) => trees.map_err(too_large)?,
            None => yaml_values(bytes, limits)
                .map_err(|e| at_limit(e, limits))?
                .iter()
                .map(Tree::from_value)
                .collect::<Result<_, _>>()
                .map_err(too_large)?,
        }
    })
}

/// Nesting the YAML parser takes on a worker thread's 2 MiB stack in any build (a level may
/// take 20 KiB of stack in an unoptimised one): deeper limits parse on a stack of their own.
const STACK_SAFE_DEPTH: usize = 64;

/// Stack given to each level of nesting allowed beyond [`STACK_SAFE_DEPTH`].
const STACK_PER_LEVEL: usize = 32 << 10;

/// The documents of a YAML input as values. serde-saphyr recurses once per level of nesting:
/// within [`STACK_SAFE_DEPTH`] it runs here; a higher limit (up to [`Limits::MAX_DEPTH`]) runs
/// it on a thread whose stack is sized for that limit, so that every depth the limits allow is
/// safe on any caller's stack.
fn yaml_values(bytes: &[u8], limits: &Limits) -> Result<Vec<Value>, ParseError> {
    let parse = || yaml::documents::<Value>(bytes, yaml::data_options_with(limits));
    let depth = limits.effective_depth();
    if depth <= STACK_SAFE_DEPTH {
        return parse();
    }
    let failed = |message: String| ParseError {
        message,
        line: None,
        column: None,
    };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("kvdiag-yaml".into())
            .stack_size((1 << 20) + depth * STACK_PER_LEVEL)
            .spawn_scoped(scope, parse)
            .map_err(|e| failed(format!("no thread to parse deeply nested YAML: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(failed("the YAML parser failed".into())))
    })
}

fn too_large(e: TooLarge) -> ParseError {
    ParseError {
        message: e.to_string(),
        line: None,
        column: None,
    }
}

/// The objects of parsed documents.
pub(super) fn from_trees(trees: &[Tree], source: &Arc<str>) -> Documents {
    let many = trees.len() > 1;
    let mut out = Documents::default();
    let mut b = Builder::default();
    for (i, tree) in trees.iter().enumerate() {
        let origin = Origin {
            source: Arc::clone(source),
            document: many.then(|| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            item: None,
            line: None,
        };
        collect(tree.root(), origin, &mut b, &mut out);
    }
    out
}

/// A parser error that is a limit reached, said in terms of the limit (the parsers speak of
/// recursion, budgets and replayed events).
fn at_limit(mut e: ParseError, limits: &Limits) -> ParseError {
    let m = &e.message;
    if m.contains("recursion limit exceeded") || m.starts_with("budget breached: Depth") {
        e.message = format!(
            "nested deeper than the nesting limit ({} levels of YAML, 128 of JSON): not parsed",
            limits.effective_depth()
        );
    } else if m.starts_with("alias replay limit exceeded")
        || m.starts_with("budget breached: Aliases")
    {
        e.message = format!(
            "YAML aliases expand beyond the alias limit ({} replayed events): an alias bomb, \
             not parsed",
            limits.alias_expansion
        );
    } else if m.starts_with("budget breached") {
        e.message = format!("{m}: too large to parse");
    }
    e
}

/// JSON documents open with `{`, or with `[` followed by a value (`[{`, `["`, `[]`); a line
/// such as `[    0.000000] Linux version` is not one.
pub(super) fn looks_like_json(bytes: &[u8]) -> bool {
    let mut it = bytes.iter().filter(|b| !b.is_ascii_whitespace());
    match it.next() {
        Some(b'{') => true,
        Some(b'[') => matches!(it.next(), None | Some(b'{' | b'[' | b'"' | b']')),
        _ => false,
    }
}

fn json_trees(bytes: &[u8]) -> Result<Vec<Tree>, ParseError> {
    let mut trees = Vec::new();
    let mut b = Builder::default();
    // A document is one value, read from the slice. Several values (JSON lines) are read
    // again from the start through a reader, which counts lines as it goes: looking for the
    // end after each value, the slice reader counts the lines from the start to say where it
    // is, which made JSON lines quadratic (16 MiB took 26 s).
    let mut d = serde_json::Deserializer::from_slice(bytes);
    for _ in 0..2 {
        // Whitespace only is left: the end (what `StreamDeserializer` checks).
        if d.end().is_ok() {
            return Ok(trees);
        }
        trees.push(next_tree(&mut d, &mut b)?);
    }
    trees.clear();
    let mut d = serde_json::Deserializer::from_reader(bytes);
    loop {
        if d.end().is_ok() {
            return Ok(trees);
        }
        trees.push(next_tree(&mut d, &mut b)?);
    }
}

/// The next JSON value as a tree.
fn next_tree<'de, R: serde_json::de::Read<'de>>(
    d: &mut serde_json::Deserializer<R>,
    b: &mut Builder,
) -> Result<Tree, ParseError> {
    Seed(&mut *b).deserialize(&mut *d).map_err(|e| ParseError {
        message: json_message(&e),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
    })?;
    b.finish().map_err(too_large)
}

/// serde_json appends " at line L column C" to its messages; the location is kept apart.
pub(super) fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Adds the objects of one value: a list's items, a sequence's elements, or the object itself.
fn collect(value: Node<'_>, origin: Origin, b: &mut Builder, out: &mut Documents) {
    let item_origin = |i: usize| Origin {
        item: Some(u32::try_from(i).unwrap_or(u32::MAX)),
        ..origin.clone()
    };
    if value.is_array() {
        for (i, item) in value.items().enumerate() {
            push(item, &[], item_origin(i), b, out);
        }
        return;
    }
    if !value.is_object() {
        if !value.is_null() {
            out.ignored += 1;
        }
        return;
    }
    let list_kind = value
        .get("kind")
        .and_then(Node::as_str)
        .filter(|k| k.ends_with("List"));
    let items = value.get("items").filter(|i| i.is_array());
    let (Some(list_kind), Some(items)) = (list_kind, items) else {
        push(value, &[], origin, b, out);
        return;
    };
    // `kind: List` items carry their own kind; `<X>List` items may not (typed lists from the
    // API server or `kubectl cluster-info dump`).
    let item_kind = list_kind.strip_suffix("List").filter(|k| !k.is_empty());
    let mut defaults: Vec<(&str, Defaulted<'_>)> = Vec::new();
    if let Some(kind) = item_kind {
        defaults.push(("kind", Defaulted::Str(kind)));
        if let Some(v) = value.get("apiVersion") {
            defaults.push(("apiVersion", Defaulted::Node(v)));
        }
    }
    for (i, item) in items.items().enumerate() {
        let defaults: &[_] = if item.is_object() { &defaults } else { &[] };
        push(item, defaults, item_origin(i), b, out);
    }
}

/// A member given to list items that lack it.
#[derive(Clone, Copy)]
enum Defaulted<'a> {
    Str(&'a str),
    Node(Node<'a>),
}

/// Adds one object, copied into a tree of its own, with `defaults` for members it lacks.
fn push(
    value: Node<'_>,
    defaults: &[(&str, Defaulted<'_>)],
    origin: Origin,
    b: &mut Builder,
    out: &mut Documents,
) {
    if !value.is_object() {
        out.ignored += 1;
        return;
    }
    b.begin();
    for (k, v) in value.members() {
        b.str(k);
        if k == "metadata" && v.is_object() {
            // `metadata.managedFields` (which client set which field, when: often a third of
            // an object) explains no failure; it is not kept, so no rule or evidence shows it.
            b.begin();
            for (mk, mv) in v.members().filter(|(mk, _)| *mk != "managedFields") {
                b.str(mk);
                b.node(mv);
            }
            b.end_object();
        } else {
            b.node(v);
        }
    }
    for (k, v) in defaults {
        if value.get(k).is_none() {
            b.str(k);
            match v {
                Defaulted::Str(s) => b.str(s),
                Defaulted::Node(n) => b.node(*n),
            }
        }
    }
    b.end_object();
    match b
        .finish()
        .ok()
        .and_then(|tree| Object::from_tree(tree, origin))
    {
        Some(object) => out.objects.push(object),
        None => out.ignored += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Documents {
        parse_documents(text.as_bytes(), &Arc::from("t")).expect("parses")
    }

    #[test]
    fn typed_list_items_take_kind_and_api_version_from_the_list() {
        let d =
            parse(r#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"a"}}]}"#);
        assert_eq!(d.objects.len(), 1);
        assert_eq!(d.objects[0].kind, "Pod");
        assert_eq!(d.objects[0].api_version, "v1");
        assert_eq!(d.objects[0].origin.item, Some(0));
    }

    #[test]
    fn generic_list_items_keep_their_own_kind() {
        let d = parse(
            "apiVersion: v1\nkind: List\nitems:\n- kind: Event\n  metadata: {name: e}\n- kind: Pod\n  metadata: {name: p}\n",
        );
        let kinds: Vec<_> = d.objects.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, ["Event", "Pod"]);
    }

    #[test]
    fn multi_document_yaml_with_leading_marker_and_empty_documents() {
        let d = parse(
            "---\n---\nkind: Pod\nmetadata: {name: a}\n---\n# only a comment\n---\nkind: Node\nmetadata: {name: n}\n",
        );
        assert_eq!(d.objects.len(), 2);
        assert_eq!(d.objects[1].kind, "Node");
        assert_eq!(d.objects[1].origin.document, Some(2));
    }

    #[test]
    fn top_level_sequence_and_values_without_kind() {
        let d = parse("- kind: Pod\n  metadata: {name: a}\n- just: a map\n- 3\n");
        assert_eq!(d.objects.len(), 1);
        assert_eq!(d.ignored, 2);
    }

    #[test]
    fn concatenated_json_values() {
        let d = parse("{\"kind\":\"Pod\"}\n{\"kind\":\"Node\"}\n");
        assert_eq!(d.objects.len(), 2);
        assert_eq!(d.objects[1].origin.document, Some(2));
    }

    #[test]
    fn many_json_values_keep_their_order_and_error_locations() {
        let d = parse("{\"kind\":\"Pod\"}\n{\"kind\":\"Node\"}\n{\"kind\":\"Pod\"}\n 7\n");
        assert_eq!(d.objects.len(), 3);
        assert_eq!(d.ignored, 1);
        assert_eq!(d.objects[2].origin.document, Some(3));
        // Where the slice reader puts an error in the fourth value, so does the reader.
        let text = b"{}\n{}\n{}\n{\"a\": x}\n";
        let e = parse_documents(text, &Arc::from("t")).unwrap_err();
        let reference = serde_json::Deserializer::from_slice(text)
            .into_iter::<Value>()
            .find_map(Result::err)
            .map(|e| (e.line() as u64, e.column() as u64, json_message(&e)));
        assert_eq!(
            Some((e.line.unwrap_or(0), e.column.unwrap_or(0), e.message)),
            reference
        );
    }

    #[test]
    fn syntax_errors_carry_a_location() {
        let e = parse_documents(b"kind: Pod\nmetadata: [a, b\n", &Arc::from("t")).unwrap_err();
        assert!(e.line.is_some(), "{e}");
        let e = parse_documents(b"{\"kind\": \"Pod\", ", &Arc::from("t")).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("EOF"), "{}", e.message);
    }
}
