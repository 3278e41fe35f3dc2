//! The stable vocabulary of every diagnosis: cause codes and severities.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Why a VM fails: a cause code, the stable vocabulary of the output contract. The built-in
/// causes are data (`rules/causes.yaml`: `oom-killed`, `qemu-crash`, ...); a rule file may
/// declare causes of its own, namespaced as `<prefix>/<code>` (`acme/kvm-internal-error`) so
/// that they never collide with later built-ins. A cause is written as its code in rules and
/// reports; cloning one is cheap.
///
/// ```
/// let c = kvdiag::Cause::new("acme/kvm-internal-error")?;
/// assert_eq!(c.prefix(), Some("acme"));
/// assert_eq!(c, "acme/kvm-internal-error");
/// assert!(kvdiag::Cause::new("Not A Code").is_err());
/// # Ok::<(), kvdiag::InvalidCause>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cause(Arc<str>);

/// Longest cause code accepted.
const MAX_CAUSE_LEN: usize = 128;

/// A text that is not a cause code, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{code}` is not a cause code: {reason}")]
pub struct InvalidCause {
    /// The text given.
    pub code: String,
    /// Why it is not a code.
    pub reason: &'static str,
}

impl Cause {
    /// The cause with this code, if the text is a well-formed code: lower-case words of
    /// letters and digits joined by `-`, optionally behind one `<prefix>/` (`oom-killed`,
    /// `acme/kvm-internal-error`). Whether the cause is *known* is for the rule set to say
    /// ([`RuleSet::cause`](crate::RuleSet::cause)).
    pub fn new(code: &str) -> Result<Cause, InvalidCause> {
        let invalid = |reason| InvalidCause {
            code: code.to_owned(),
            reason,
        };
        if code.is_empty() || code.len() > MAX_CAUSE_LEN {
            return Err(invalid("a code has 1 to 128 characters"));
        }
        let mut parts = code.split('/');
        let words = |p: &str| {
            !p.is_empty()
                && p.split('-').all(|w| {
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                })
        };
        let ok = match (parts.next(), parts.next(), parts.next()) {
            (Some(code), None, None) => words(code),
            (Some(prefix), Some(code), None) => words(prefix) && words(code),
            _ => false,
        };
        if !ok {
            return Err(invalid(
                "write lower-case words of letters and digits joined by `-`, with at most one \
                 `<prefix>/` in front (e.g. `acme/kvm-internal-error`)",
            ));
        }
        Ok(Cause(Arc::from(code)))
    }

    /// The code as written in rules and reports, e.g. `oom-killed`.
    pub fn code(&self) -> &str {
        &self.0
    }

    /// The namespace of a declared cause (`acme` of `acme/kvm-internal-error`); `None` for the
    /// un-prefixed codes of the built-in vocabulary.
    pub fn prefix(&self) -> Option<&str> {
        self.0.split_once('/').map(|(p, _)| p)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.code(), f)
    }
}

impl AsRef<str> for Cause {
    fn as_ref(&self) -> &str {
        self.code()
    }
}

impl std::borrow::Borrow<str> for Cause {
    fn borrow(&self) -> &str {
        self.code()
    }
}

impl PartialEq<str> for Cause {
    fn eq(&self, other: &str) -> bool {
        self.code() == other
    }
}

impl PartialEq<&str> for Cause {
    fn eq(&self, other: &&str) -> bool {
        self.code() == *other
    }
}

impl std::str::FromStr for Cause {
    type Err = InvalidCause;
    fn from_str(s: &str) -> Result<Cause, InvalidCause> {
        Cause::new(s)
    }
}

impl Serialize for Cause {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl schemars::JsonSchema for Cause {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Cause".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A cause code: a built-in one (`oom-killed`) or one declared by a rule file, namespaced `<prefix>/<code>`.",
            "type": "string",
            "pattern": "^[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)?$",
            "maxLength": MAX_CAUSE_LEN
        })
    }
}

impl<'de> Deserialize<'de> for Cause {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cause, D::Error> {
        let code = String::deserialize(d)?;
        Cause::new(&code).map_err(serde::de::Error::custom)
    }
}

/// How bad a diagnosis is. Ordered: `Info < Warning < Error < Critical`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is broken.
    Info,
    /// May cause or precede a failure.
    Warning,
    /// The VM does not work as intended.
    Error,
    /// The VM is down or keeps crashing.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::Error,
        Severity::Warning,
        Severity::Info,
    ];

    /// The name as written in rules, reports and `--fail-on`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// The severity with this name.
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_and_serialize_as_strings() {
        for good in ["oom-killed", "acme/kvm-internal-error", "a1/b2-c3"] {
            let c = Cause::new(good).expect(good);
            assert_eq!(c.code(), good);
            assert_eq!(serde_json::to_value(&c).ok(), Some(serde_json::json!(good)));
        }
        for bad in ["", "Oom", "a/b/c", "a//b", "-a", "a-", "a b", "/a", "a/"] {
            assert!(Cause::new(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Cause::new("x/y")
                .ok()
                .and_then(|c| c.prefix().map(str::to_owned)),
            Some("x".into())
        );
        assert!(Severity::Critical > Severity::Error && Severity::Warning > Severity::Info);
    }
}
