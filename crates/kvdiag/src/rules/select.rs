//! Choosing which rules of a set run, ruff-style: `select` and `ignore` lists of selectors.
//!
//! A selector is one of
//!
//! - a rule id, `runtime/oom-killed`: that rule;
//! - an id prefix, `runtime/` or `runtime`: every rule whose id lies under it (whole segments
//!   only: `run` selects nothing);
//! - a cause, `cause:oom-killed` or `cause:acme/kvm-internal-error`: every rule of that cause;
//! - `ALL`: every rule.
//!
//! For each rule, the most specific selector that matches it, in either list, decides: a rule
//! id beats a cause, a cause beats a prefix, a longer prefix beats a shorter one, any of them
//! beats `ALL`. On a tie `ignore` wins. An empty `select` list means `ALL`. So
//! `select = ["runtime/"], ignore = ["runtime/qemu-crash"]` runs every `runtime/` rule but one,
//! and `ignore = ["runtime/"], select = ["cause:oom-killed"]` runs no `runtime/` rule except
//! those of the cause `oom-killed`.
//!
//! ```
//! use kvdiag::RuleSet;
//! use kvdiag::rules::Selection;
//!
//! let rules = RuleSet::builtin()?;
//! let selection = Selection::new(["runtime/"], ["cause:qemu-crash"])?;
//! let chosen = rules.select(&selection)?;
//! assert!(chosen.rules().iter().all(|r| r.id.starts_with("runtime/") && r.cause != "qemu-crash"));
//! assert!(selection.is_active(rules.get("runtime/oom-killed").ok_or("a built-in rule")?));
//!
//! // A selector that selects nothing is an error, with a suggestion.
//! let typo = Selection::new(["runtime/oom-kiled"], [""; 0])?;
//! let err = rules.select(&typo).err().ok_or("a selector that selects nothing")?;
//! assert_eq!(err.suggestion.as_deref(), Some("runtime/oom-killed"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use super::{Rule, RuleSet};

/// One entry of a `select` or `ignore` list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Selector {
    /// `ALL`: every rule.
    All,
    /// An id prefix, stored without its final `/` (`runtime`): the rules whose id starts with
    /// `runtime/`.
    Prefix(String),
    /// `cause:CODE`: the rules of this cause.
    Cause(String),
    /// A rule id, or a prefix when no rule has that id (decided against a rule set).
    Id(String),
}

impl Selector {
    /// Reads one selector: `ALL`, `cause:CODE`, `PREFIX/`, or an id (which may also turn out
    /// to be a prefix). Fails on an empty text or an empty cause code.
    pub fn parse(text: &str) -> Result<Selector, SelectError> {
        let text = text.trim();
        let bad = |reason: &str| SelectError {
            list: List::Select,
            selector: text.to_owned(),
            reason: reason.to_owned(),
            suggestion: None,
        };
        if text.is_empty() {
            return Err(bad("an empty selector"));
        }
        if text == "ALL" {
            return Ok(Selector::All);
        }
        if let Some(code) = text.strip_prefix("cause:") {
            if code.is_empty() {
                return Err(bad("`cause:` needs a cause code, e.g. `cause:oom-killed`"));
            }
            return Ok(Selector::Cause(code.to_owned()));
        }
        if let Some(prefix) = text.strip_suffix('/') {
            if prefix.is_empty() || prefix.ends_with('/') {
                return Err(bad("a prefix is one or more id segments, e.g. `runtime/`"));
            }
            return Ok(Selector::Prefix(prefix.to_owned()));
        }
        Ok(Selector::Id(text.to_owned()))
    }

    /// How specific a match by this selector is, when it matches `rule` at all.
    fn matches(&self, rule: &Rule) -> Option<usize> {
        let under = |prefix: &str| {
            rule.id
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
        };
        match self {
            Selector::All => Some(0),
            // Longer prefixes are more specific; every prefix is below a cause.
            Selector::Prefix(p) => under(p).then(|| 1 + p.len()),
            Selector::Cause(c) => (rule.cause == c.as_str()).then_some(usize::MAX - 1),
            Selector::Id(id) if rule.id == *id => Some(usize::MAX),
            Selector::Id(id) => under(id).then(|| 1 + id.len()),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::All => f.write_str("ALL"),
            Selector::Prefix(p) => write!(f, "{p}/"),
            Selector::Cause(c) => write!(f, "cause:{c}"),
            Selector::Id(id) => f.write_str(id),
        }
    }
}

/// Which list a selector was given in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// The rules to run.
    Select,
    /// The rules not to run.
    Ignore,
}

impl fmt::Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            List::Select => "select",
            List::Ignore => "ignore",
        })
    }
}

/// A selector that is malformed or matches no rule of the set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{list} `{selector}`: {reason}{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
pub struct SelectError {
    /// The list it was given in.
    pub list: List,
    /// The selector as given.
    pub selector: String,
    /// What is wrong.
    pub reason: String,
    /// The closest selector that would match, if one is close.
    pub suggestion: Option<String>,
}

/// Which rules run: a `select` and an `ignore` list (see the [module](self) documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    select: Vec<Selector>,
    ignore: Vec<Selector>,
}

impl Selection {
    /// Every rule runs.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// Reads both lists. An empty `select` means every rule.
    pub fn new<S: AsRef<str>, I: AsRef<str>>(
        select: impl IntoIterator<Item = S>,
        ignore: impl IntoIterator<Item = I>,
    ) -> Result<Selection, SelectError> {
        let read = |text: &str, list| Selector::parse(text).map_err(|e| SelectError { list, ..e });
        Ok(Selection {
            select: select
                .into_iter()
                .map(|s| read(s.as_ref(), List::Select))
                .collect::<Result<_, _>>()?,
            ignore: ignore
                .into_iter()
                .map(|s| read(s.as_ref(), List::Ignore))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether every rule runs (nothing selected or ignored in particular).
    pub fn is_all(&self) -> bool {
        self.ignore.is_empty() && self.select.iter().all(|s| *s == Selector::All)
    }

    /// The `select` list.
    pub fn selected(&self) -> &[Selector] {
        &self.select
    }

    /// The `ignore` list.
    pub fn ignored(&self) -> &[Selector] {
        &self.ignore
    }

    /// Whether `rule` runs under this selection.
    pub fn is_active(&self, rule: &Rule) -> bool {
        let best = |list: &[Selector]| list.iter().filter_map(|s| s.matches(rule)).max();
        let selected = if self.select.is_empty() {
            Some(0)
        } else {
            best(&self.select)
        };
        match (selected, best(&self.ignore)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(s), Some(i)) => s > i,
        }
    }

    /// Checks that every selector matches at least one rule of `rules` (a typo would otherwise
    /// silently select nothing, or ignore nothing), suggesting the closest id, prefix or cause.
    pub fn check(&self, rules: &RuleSet) -> Result<(), SelectError> {
        let lists = [(List::Select, &self.select), (List::Ignore, &self.ignore)];
        for (list, selectors) in lists {
            for s in selectors.iter() {
                if rules.rules().iter().any(|r| s.matches(r).is_some()) {
                    continue;
                }
                let (reason, suggestion) = match s {
                    Selector::Cause(c) => (
                        if rules.cause(c).is_some() {
                            "no loaded rule diagnoses this cause".to_owned()
                        } else {
                            "no such cause".to_owned()
                        },
                        suggest(rules.causes().iter().map(|c| c.code.code()), c)
                            .filter(|n| n != c)
                            .map(|n| format!("cause:{n}")),
                    ),
                    _ => {
                        let word = s.to_string();
                        let is_cause = rules.cause(word.trim_end_matches('/')).is_some();
                        let suggestion = if is_cause {
                            Some(format!("cause:{}", word.trim_end_matches('/')))
                        } else {
                            suggest(candidates(rules).iter().map(String::as_str), &word)
                        };
                        ("no rule id or id prefix matches".to_owned(), suggestion)
                    }
                };
                return Err(SelectError {
                    list,
                    selector: s.to_string(),
                    reason,
                    suggestion,
                });
            }
        }
        Ok(())
    }
}

/// Every rule id and id prefix (`runtime/`) of a set.
fn candidates(rules: &RuleSet) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rules.rules() {
        let mut end = 0;
        while let Some(i) = r.id[end..].find('/') {
            end += i + 1;
            out.push(r.id[..end].to_owned());
        }
        out.push(r.id.clone());
    }
    out.sort();
    out.dedup();
    out
}

/// The name closest to `word`, when one is close enough to be what was meant.
fn suggest<'a>(names: impl Iterator<Item = &'a str>, word: &str) -> Option<String> {
    names
        .map(|n| (strsim::damerau_levenshtein(word, n), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.to_owned())
}

impl RuleSet {
    /// The rules of this set that `selection` makes active, as a set of their own (the causes
    /// and log patterns stay those of the whole set). Fails when a selector matches no rule
    /// ([`Selection::check`]).
    pub fn select(&self, selection: &Selection) -> Result<RuleSet, SelectError> {
        selection.check(self)?;
        let mut set = self.clone();
        set.rules.retain(|r| selection.is_active(r));
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(set: &RuleSet) -> Vec<&str> {
        set.rules().iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn the_most_specific_selector_decides() {
        let rules = RuleSet::builtin().expect("built-in rules");
        let all = rules.rules().len();
        let keep = |select: &[&str], ignore: &[&str]| {
            let s = Selection::new(select, ignore).expect("selectors");
            rules.select(&s).expect("selects")
        };
        assert_eq!(keep(&[], &[]).rules().len(), all);
        assert_eq!(keep(&["ALL"], &[]).rules().len(), all);
        let runtime = keep(&["runtime/"], &[]);
        assert!(!runtime.rules().is_empty());
        assert!(ids(&runtime).iter().all(|id| id.starts_with("runtime/")));
        assert_eq!(ids(&keep(&["runtime"], &[])), ids(&runtime));
        // An id beats the prefix it lies under, in either direction.
        let one = keep(&["runtime/"], &["runtime/oom-killed"]);
        assert_eq!(one.rules().len(), runtime.rules().len() - 1);
        assert!(one.get("runtime/oom-killed").is_none());
        assert_eq!(
            ids(&keep(&["runtime/oom-killed"], &["runtime/"])),
            ["runtime/oom-killed"]
        );
        // A cause beats a prefix.
        let oom = keep(&[], &["runtime/", "cause:oom-killed"]);
        assert!(oom.rules().iter().all(|r| r.cause != "oom-killed"));
        assert!(oom.rules().iter().all(|r| !r.id.starts_with("runtime/")));
        let back = keep(&["cause:oom-killed"], &["runtime/"]);
        assert!(!back.rules().is_empty());
        assert!(back.rules().iter().all(|r| r.cause == "oom-killed"));
        // A tie: ignore wins.
        assert!(keep(&["runtime/"], &["runtime/"]).rules().is_empty());
    }

    #[test]
    fn selectors_that_match_nothing_are_errors_with_a_suggestion() {
        let rules = RuleSet::builtin().expect("built-in rules");
        let err = |select: &[&str], ignore: &[&str]| {
            let s = Selection::new(select, ignore).expect("selectors");
            rules.select(&s).expect_err("matches nothing")
        };
        let e = err(&["runtim/"], &[]);
        assert_eq!(e.list, List::Select);
        assert_eq!(e.suggestion.as_deref(), Some("runtime/"));
        let e = err(&[], &["oom-killed"]);
        assert_eq!(e.list, List::Ignore);
        assert_eq!(e.suggestion.as_deref(), Some("cause:oom-killed"));
        assert_eq!(
            e.to_string(),
            "ignore `oom-killed`: no rule id or id prefix matches; did you mean `cause:oom-killed`?"
        );
        let e = err(&["cause:oom-kill"], &[]);
        assert_eq!(e.suggestion.as_deref(), Some("cause:oom-killed"));
        // Whole segments only.
        err(&["run"], &[]);
        assert!(Selection::new([""], [""; 0]).is_err());
        assert!(Selection::new(["cause:"], [""; 0]).is_err());
        assert!(Selection::new(["runtime//"], [""; 0]).is_err());
    }
}
