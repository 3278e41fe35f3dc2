//! The one place that configures the YAML parser (serde-saphyr).
//!
//! Two profiles: captured data, which must accept what `kubectl`/`oc` and must-gather write at
//! their real sizes, and rule files, which are strict so that an author's mistake is an error
//! rather than a surprise.

use serde::de::DeserializeOwned;
use serde_saphyr::options::AliasLimits;
use serde_saphyr::{Budget, DuplicateKeyPolicy, NonFiniteFloatPolicy, Options};

use super::ParseError;
use crate::limits::Limits;

/// Deepest nesting a caller may allow in a YAML input (see [`Limits::depth`]).
pub const MAX_DEPTH: usize = Limits::MAX_DEPTH;

/// Deepest nesting of a rule file: rule conditions recurse when compiled and evaluated, and
/// evaluation may run on a worker thread's small stack (see [`Limits::depth`]).
pub const RULE_MAX_DEPTH: usize = 48;

/// Parser events accepted in one captured input (a must-gather list file of thousands of pods
/// is a few million events).
pub const MAX_EVENTS: usize = 200_000_000;

/// Options for captured Kubernetes data: budgets sized for must-gather files, YAML 1.2 scalars,
/// duplicate keys resolved as `kubectl` does (the last one wins).
pub fn data_options() -> Options {
    data_options_with(&Limits::default())
}

/// [`data_options`] with the nesting and alias limits of `limits`.
pub fn data_options_with(limits: &Limits) -> Options {
    let mut budget = Budget::default();
    budget.max_depth = limits.effective_depth();
    // Aliases never appear in what kubectl writes; the replay limit below bounds what they
    // may cost, the budget's own cap just has to stay out of its way.
    budget.max_aliases = limits.alias_expansion.max(1);
    budget.max_events = MAX_EVENTS;
    budget.max_nodes = MAX_EVENTS / 2;
    budget.max_documents = 1_000_000;
    budget.max_total_scalar_bytes = usize::MAX / 2;
    budget.max_reader_input_bytes = None;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.strict_booleans = true;
    options.duplicate_keys = DuplicateKeyPolicy::LastWins;
    options.leading_zero_numbers_as_strings = true;
    options.underscored_numbers_as_strings = true;
    // `1e400` or `.inf` in one field does not lose the whole file: it is kept as text.
    options.non_finite_float_policy = NonFiniteFloatPolicy::AsString;
    let mut aliases = AliasLimits::default();
    aliases.max_total_replayed_events = limits.alias_expansion;
    options.alias_limits = aliases;
    options
}

/// Options for rule files: default budgets, strict booleans, duplicate keys are errors.
pub fn rule_options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = RULE_MAX_DEPTH;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.strict_booleans = true;
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    options
}

impl From<serde_saphyr::Error> for ParseError {
    fn from(e: serde_saphyr::Error) -> Self {
        let location = e.location().filter(|l| l.line() > 0);
        // The plain rendering is "error: line L column C: message"; keep only the message.
        let plain = e.without_snippet().to_string();
        let first = plain.lines().next().unwrap_or_default();
        let mut message = first.strip_prefix("error: ").unwrap_or(first);
        if let Some((head, rest)) = message.split_once(": ")
            && head.starts_with("line ")
            && head.contains(" column ")
        {
            message = rest;
        }
        // Scanner errors repeat their (document-relative) location at the end.
        if let Some(at) = message.rfind(" at line ")
            && message[at..].contains(", column ")
        {
            message = &message[..at];
        }
        ParseError {
            message: message.to_owned(),
            line: location.map(|l| l.line()),
            column: location.map(|l| l.column()),
        }
    }
}

/// Parses every non-empty document of a YAML stream.
pub fn documents<T: DeserializeOwned>(
    bytes: &[u8],
    options: Options,
) -> Result<Vec<T>, ParseError> {
    serde_saphyr::from_slice_multiple_with_options(bytes, options).map_err(ParseError::from)
}
