//! Where things came from: the origin every object and log line keeps for evidence.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// The origin of one object: the input it was read from and its place inside that input.
///
/// `source` is whatever name the caller gave the input: a path, `-` for standard input, or a
/// label such as `mcp:pods_get`. Inside a multi-document YAML stream `document` is the 1-based
/// number of the non-empty document (absent when the input holds a single document); inside a
/// list (`kind: List`, `kind: PodList`, a top-level sequence) `item` is the 0-based index.
/// Objects read from `kubectl`/`oc` text have a `line`: the 1-based line of the input the
/// object (or, in evidence, the field) was read from; they are shown as `file:line`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct Origin {
    /// The input's name.
    pub source: Arc<str>,
    /// 1-based document number in a multi-document stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<u32>,
    /// 0-based index in the enclosing list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    /// 1-based line in the input (objects read from text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl Origin {
    /// An origin naming a whole input.
    pub fn new(source: impl Into<Arc<str>>) -> Self {
        Origin {
            source: source.into(),
            document: None,
            item: None,
            line: None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match (self.document, self.item) {
            (Some(d), Some(i)) => write!(f, " (document {d}, items[{i}])"),
            (Some(d), None) => write!(f, " (document {d})"),
            (None, Some(i)) => write!(f, " (items[{i}])"),
            (None, None) => Ok(()),
        }
    }
}
