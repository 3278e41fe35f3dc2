//! What became of an input or a value added to a [`SnapshotBuilder`](crate::SnapshotBuilder):
//! answers that say why, rather than errors that `?` would propagate. An input that cannot be
//! parsed is part of what a report says (its `inputs.failed`), not a failure of the program
//! that adds it.

use crate::parse::ParseError;

/// What adding one input did. A failure is recorded in the snapshot, and so in the report's
/// inputs, whatever the caller does with this answer: the other inputs are unaffected.
///
/// ```
/// use kvdiag::{Hint, Snapshot};
/// let mut builder = Snapshot::builder();
/// let added = builder.add_input("broken.json", b"{\"kind\": ", &Hint::Auto);
/// assert!(added.failure().is_some());                   // said here,
/// assert_eq!(builder.build().inputs().failed.len(), 1); // and in the report
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Added {
    /// The input was read: its objects or log lines are in the snapshot.
    Read,
    /// The input (or, for an MCP output, one of its parts: the first that failed) could not be
    /// parsed; it is recorded as failed with this reason.
    Failed(ParseError),
}

impl Added {
    /// Why the input could not be parsed, if it could not.
    pub fn failure(&self) -> Option<&ParseError> {
        match self {
            Added::Read => None,
            Added::Failed(e) => Some(e),
        }
    }

    /// Whether the input was read.
    pub fn is_read(&self) -> bool {
        matches!(self, Added::Read)
    }

    /// The failure as an error, for a program that does want to stop at the first input that
    /// cannot be parsed (`builder.add_input(...).into_result()?`).
    pub fn into_result(self) -> Result<(), ParseError> {
        match self {
            Added::Read => Ok(()),
            Added::Failed(e) => Err(e),
        }
    }
}

/// Why a value or object was not added to a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejected {
    /// Not a Kubernetes object: not a mapping with a string `kind` (a number, a list, ...).
    #[error("not a Kubernetes object (a mapping with a `kind`)")]
    NotAnObject,
    /// A Secret: never kept, so that no byte of it can reach a report.
    #[error("a Secret: never kept")]
    Secret,
    /// A kind no rule or correlation uses (a ConfigMap, a Deployment, ...).
    #[error("kind `{0}` is not one kvdiag uses")]
    UnusedKind(String),
    /// Larger than a compact object tree can hold.
    #[error("{0}")]
    TooLarge(String),
}
