//! Kubernetes objects as kvdiag holds them: the captured object as a compact [`Tree`] plus the
//! identity fields the correlator needs, read once.

use serde::Serialize;
use serde_json::Value;

use crate::source::Origin;
use crate::tree::{Node, Tree};

/// The kind whose objects are never kept.
const SECRET: &str = "Secret";

/// A reference to an object by kind, namespace and name: how subjects and evidence name things.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct ObjectRef {
    /// The object's kind, e.g. `VirtualMachine`.
    pub kind: String,
    /// The namespace; absent for cluster-scoped objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
    /// The capture it was found in, when a run read several (a subject of one capture is
    /// not the same as the same `namespace/name` of another).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<String>,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name)?,
            None => write!(f, "{} {}", self.kind, self.name)?,
        }
        match &self.capture {
            Some(c) => write!(f, " [{c}]"),
            None => Ok(()),
        }
    }
}

/// One captured Kubernetes object.
#[derive(Clone, Debug)]
pub struct Object {
    /// `kind`, e.g. `Pod`.
    pub kind: String,
    /// `apiVersion`, e.g. `kubevirt.io/v1`; empty when the capture lacked it.
    pub api_version: String,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name` (MCP event summaries have none).
    pub name: Option<String>,
    /// `metadata.uid`.
    pub uid: Option<String>,
    /// The whole object as captured (without `metadata.managedFields`).
    pub tree: Tree,
    /// Where it was read from.
    pub origin: Origin,
    /// For objects read from `kubectl`/`oc` text: the line each field was read from, by its
    /// concrete JSONPath (`$.status.phase`); see [`Object::origin_of`].
    pub field_lines: Option<std::sync::Arc<[(String, u32)]>>,
}

impl Object {
    /// Wraps a JSON value that has a `kind`; `None` for anything else, for a Secret (its data
    /// never goes further than the parser) and for a value too large to hold.
    pub fn from_value(value: &Value, origin: Origin) -> Option<Object> {
        Object::from_tree(Tree::from_value(value).ok()?, origin)
    }

    /// Wraps a tree whose root has a `kind`; `None` for anything else, and for a Secret.
    pub fn from_tree(tree: Tree, origin: Origin) -> Option<Object> {
        let root = tree.root();
        let kind = root.get("kind")?.as_str()?;
        if kind == SECRET {
            return None;
        }
        let owned = |keys: &[&str]| root.str_at(keys).map(str::to_owned);
        Some(Object {
            kind: kind.to_owned(),
            api_version: owned(&["apiVersion"]).unwrap_or_default(),
            namespace: owned(&["metadata", "namespace"]),
            name: owned(&["metadata", "name"]),
            uid: owned(&["metadata", "uid"]),
            tree,
            origin,
            field_lines: None,
        })
    }

    /// The origin of the value at the concrete JSONPath `path`: for an object read from text,
    /// with the line that field (or the nearest field under or above it) was read from;
    /// otherwise the object's origin.
    pub fn origin_of(&self, path: &str) -> Origin {
        let Some(lines) = &self.field_lines else {
            return self.origin.clone();
        };
        // `$.a.b` is under `$.a` when what follows is `.` or `[` or nothing.
        let under = |inner: &str, outer: &str| {
            inner.strip_prefix(outer).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')
            })
        };
        // The field itself or the deepest recorded field above it; else the first below it.
        let line = lines
            .iter()
            .filter(|(p, _)| under(path, p))
            .max_by_key(|(p, _)| p.len())
            .or_else(|| lines.iter().find(|(p, _)| under(p, path)))
            .map(|(_, l)| *l);
        Origin {
            line: line.or(self.origin.line),
            ..self.origin.clone()
        }
    }

    /// The object's root node.
    pub fn root(&self) -> Node<'_> {
        self.tree.root()
    }

    /// The object's reference; an unnamed object is called `<unnamed>`.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone().unwrap_or_else(|| "<unnamed>".to_owned()),
            capture: None,
        }
    }

    /// A string found by walking object keys from the root.
    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        self.root().str_at(keys)
    }

    /// `metadata.labels[key]`.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.str_at(&["metadata", "labels", key])
    }

    /// `metadata.annotations[key]`.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.str_at(&["metadata", "annotations", key])
    }

    /// The uids named by `metadata.ownerReferences`, with their kinds.
    pub fn owners(&self) -> impl Iterator<Item = (&str, &str)> {
        self.root()
            .at(&["metadata", "ownerReferences"])
            .into_iter()
            .flat_map(Node::items)
            .filter_map(|o| Some((o.get("kind")?.as_str()?, o.get("uid")?.as_str()?)))
    }

    /// `metadata.resourceVersion` as a number, when it is one.
    pub fn resource_version(&self) -> Option<u64> {
        self.str_at(&["metadata", "resourceVersion"])?.parse().ok()
    }
}
