//! Kubernetes objects as kvdiag holds them: the raw JSON value plus the identity fields the
//! correlator needs, read once.

use serde::Serialize;
use serde_json::Value;

use crate::source::Origin;

/// The kind whose objects are never kept.
const SECRET: &str = "Secret";

/// A reference to an object by kind, namespace and name: how subjects and evidence name things.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// The object's kind, e.g. `VirtualMachine`.
    pub kind: String,
    /// The namespace; absent for cluster-scoped objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
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
    /// The whole object as captured.
    pub value: Value,
    /// Where it was read from.
    pub origin: Origin,
}

impl Object {
    /// Wraps a JSON value that has a `kind`; `None` for anything else, and for a Secret: its
    /// data never goes further than the parser.
    pub fn from_value(value: Value, origin: Origin) -> Option<Object> {
        let kind = value.get("kind")?.as_str()?.to_owned();
        if kind == SECRET {
            return None;
        }
        let api_version = str_at(&value, &["apiVersion"])
            .unwrap_or_default()
            .to_owned();
        let namespace = str_at(&value, &["metadata", "namespace"]).map(str::to_owned);
        let name = str_at(&value, &["metadata", "name"]).map(str::to_owned);
        let uid = str_at(&value, &["metadata", "uid"]).map(str::to_owned);
        Some(Object {
            kind,
            api_version,
            namespace,
            name,
            uid,
            value,
            origin,
        })
    }

    /// The object's reference; an unnamed object is called `<unnamed>`.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone().unwrap_or_else(|| "<unnamed>".to_owned()),
        }
    }

    /// A string found by walking object keys from the root.
    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        str_at(&self.value, keys)
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
        self.value
            .get("metadata")
            .and_then(|m| m.get("ownerReferences"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| Some((o.get("kind")?.as_str()?, o.get("uid")?.as_str()?)))
    }

    /// `metadata.resourceVersion` as a number, when it is one.
    pub fn resource_version(&self) -> Option<u64> {
        self.str_at(&["metadata", "resourceVersion"])?.parse().ok()
    }
}

/// Walks `keys` from `value` (as `Value::pointer` with names only, without its allocations).
pub(crate) fn value_at<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    let mut v = value;
    for k in keys {
        v = v.get(k)?;
    }
    Some(v)
}

/// Walks `keys` from `value` and returns the string found there.
pub(crate) fn str_at<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for k in keys {
        v = v.get(k)?;
    }
    v.as_str()
}
