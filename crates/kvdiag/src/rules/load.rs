//! Loading rule files: the built-in pack and users' files, split into rules, each compiled
//! (by [`Ctx`]) and checked, then checked together (ids, `yields_to` loops) into a [`RuleSet`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_saphyr::Spanned;

use super::compile::{CauseRef, Ctx, did_you_mean};
use super::model::{
    CauseInfo, Level, LoadError, LogPatterns, Rule, RuleError, RuleLocation, RuleSet,
};
use super::spec::CausesSpec;
use super::{keys, read};
use crate::cause::{Cause, Severity};
use crate::parse::yaml;

/// Largest rule file accepted: a rule pack is text written by people.
pub const MAX_RULE_FILE_BYTES: usize = 4 << 20;
/// Most rules in one set (the built-in pack has a few dozen).
pub const MAX_RULES: usize = 2_000;

/// The built-in rule pack, embedded at compile time: (file name, content).
const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The file of the built-in causes among the built-in rule files.
const CAUSES_FILE: &str = "causes.yaml";

/// Collects rule files; [`RuleSetBuilder::build`] reports every problem at once.
#[derive(Debug, Default)]
pub struct RuleSetBuilder {
    rules: Vec<Rule>,
    causes: Vec<CauseInfo>,
    /// Log patterns, each with its regex, compiled once.
    patterns: Vec<(String, regex::Regex)>,
    errors: Vec<RuleError>,
    ids: HashMap<String, RuleLocation>,
    /// Every cause code a rule names, with its file, checked once all files are in.
    cause_refs: Vec<(String, CauseRef)>,
    /// The documents loaded so far, as written, with the file they came in: the same document
    /// in another file given (a rule file given twice, the built-in folder given as a path) is
    /// the same rule, not a duplicate. Within one file, a repeated rule is a duplicate.
    documents: HashMap<String, usize>,
    /// Files added so far.
    files: usize,
    /// The built-in causes are in.
    builtin_causes: bool,
}

impl RuleSetBuilder {
    /// The built-in causes are the vocabulary of every rule set, with or without the built-in
    /// rules: loaded before anything else (so that a copy of their file is the same causes).
    fn builtin_causes_first(&mut self) {
        if self.builtin_causes {
            return;
        }
        self.builtin_causes = true;
        if let Some((file, text)) = BUILTIN.iter().find(|(f, _)| *f == CAUSES_FILE) {
            self.add_file(&format!("rules/{file}"), text, true);
        }
    }
}

/// What a document of a rule file is.
enum DocKind {
    Rule,
    Causes,
    Neither,
}

impl RuleSetBuilder {
    /// Adds the built-in rule pack (and the built-in causes, `rules/causes.yaml`).
    pub fn add_builtin(&mut self) -> &mut Self {
        for (file, text) in BUILTIN {
            self.add_file(&format!("rules/{file}"), text, true);
        }
        self
    }

    /// Adds the rules of one file (one rule per YAML document) and the causes it declares
    /// (`causes:` documents). Problems are collected; see [`RuleSetBuilder::build`] and
    /// [`RuleSetBuilder::lint`]. A document already added (the same file given twice) is
    /// skipped. The built-in causes are always known, with or without the built-in rules.
    pub fn add_source(&mut self, file: &str, text: &str) -> &mut Self {
        self.add_file(file, text, false)
    }

    fn add_file(&mut self, file: &str, text: &str, builtin: bool) -> &mut Self {
        self.builtin_causes_first();
        if text.len() > MAX_RULE_FILE_BYTES {
            self.errors.push(RuleError {
                file: file.to_owned(),
                line: 1,
                column: 1,
                level: Level::Error,
                code: "too-large",
                message: format!(
                    "rule file of {} bytes: larger than the limit of {MAX_RULE_FILE_BYTES} bytes",
                    text.len()
                ),
                hint: Some("split it into several files".into()),
            });
            return self;
        }
        self.files += 1;
        for (offset, doc) in split_documents(text) {
            match self.documents.get(doc.trim()) {
                Some(&seen) if seen != self.files => continue,
                Some(_) => {}
                None => {
                    self.documents.insert(doc.trim().to_owned(), self.files);
                }
            }
            if self.rules.len() >= MAX_RULES && !builtin {
                self.errors.push(RuleError {
                    file: file.to_owned(),
                    line: offset + 1,
                    column: 1,
                    level: Level::Error,
                    code: "too-many-rules",
                    message: format!(
                        "more than {MAX_RULES} rules: this one and the next are not loaded"
                    ),
                    hint: None,
                });
                return self;
            }
            let mut ctx = Ctx::new(file, offset, &mut self.errors, &mut self.patterns);
            let tree = match yaml::documents::<Spanned<keys::Node>>(
                doc.as_bytes(),
                yaml::rule_options(),
            ) {
                Ok(mut trees) if trees.len() == 1 => trees.remove(0),
                Ok(trees) if trees.is_empty() => continue,
                Ok(_) => {
                    ctx.push(
                        1,
                        1,
                        Level::Error,
                        "yaml-syntax",
                        "several documents where one was expected".into(),
                    );
                    continue;
                }
                Err(e) => {
                    ctx.push(
                        e.line.unwrap_or(1),
                        e.column.unwrap_or(1),
                        Level::Error,
                        "yaml-syntax",
                        e.message,
                    );
                    continue;
                }
            };
            let kind = match (read::get(&tree, "id"), read::get(&tree, "causes")) {
                (Some(_), Some(_)) => {
                    ctx.error(
                        "invalid-value",
                        &tree.referenced,
                        "a document is a rule (`id`) or a declaration of causes (`causes`), not both"
                            .into(),
                    );
                    continue;
                }
                (Some(_), None) => DocKind::Rule,
                (None, Some(_)) => DocKind::Causes,
                // A rule whose `id` is misspelled is still a rule: every other problem of it is
                // reported too.
                (None, None) if has_rule_keys(&tree) => DocKind::Rule,
                (None, None) => DocKind::Neither,
            };
            // First the keys, so that a misspelled one is reported with every other problem.
            let unknown = match kind {
                DocKind::Rule => keys::unknown_keys(&tree),
                DocKind::Causes => keys::unknown_cause_keys(&tree),
                DocKind::Neither => {
                    ctx.error(
                        "not-a-rule",
                        &tree.referenced,
                        "a document with neither `id` (a rule) nor `causes` (a declaration of causes)"
                            .into(),
                    );
                    // A misspelled `id` or `causes` says so; anything else is likely a capture.
                    let typo = keys::unknown_keys(&tree)
                        .into_iter()
                        .chain(keys::unknown_cause_keys(&tree))
                        .find(|u| matches!(u.suggestion, Some("id" | "causes")));
                    ctx.hint(match typo {
                        Some(u) => format!(
                            "`{}`: did you mean `{}`?",
                            u.key,
                            u.suggestion.unwrap_or_default()
                        ),
                        None => "a rule starts with `id:`; a capture to test rules on belongs in \
                                 a fixture folder (one holding an `expected.yaml`), which rule \
                                 loading skips"
                            .into(),
                    });
                    continue;
                }
            };
            for u in unknown {
                let hint = match u.suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys here: {}", u.allowed.join(", ")),
                };
                ctx.error("unknown-key", &u.at, format!("unknown key `{}`", u.key));
                ctx.hint(hint);
            }
            if let DocKind::Causes = kind {
                let spec = read::Reader { ctx: &mut ctx }.causes(&tree);
                let declared = declare_causes(&mut ctx, spec, builtin, &self.causes);
                self.causes.extend(declared);
                continue;
            }
            let spec = read::Reader { ctx: &mut ctx }.rule(&tree);
            let duplicate = spec.id.as_ref().and_then(|id| {
                let key = id.value.trim().to_owned();
                let at = RuleLocation {
                    file: file.to_owned(),
                    line: id.referenced.line() + offset,
                };
                match self.ids.get(&key) {
                    Some(first) => Some((key, at, first.clone())),
                    None => {
                        self.ids.insert(key, at);
                        None
                    }
                }
            });
            if let Some((id, at, first)) = &duplicate {
                ctx.push(
                    at.line - offset,
                    1,
                    Level::Error,
                    "duplicate-id",
                    format!("duplicate rule id `{id}`"),
                );
                ctx.hint(format!("first defined at {}:{}", first.file, first.line));
            }
            let rule = ctx.rule(spec);
            let refs = std::mem::take(&mut ctx.cause_refs);
            self.cause_refs
                .extend(refs.into_iter().map(|r| (file.to_owned(), r)));
            if let Some(mut rule) = rule
                && duplicate.is_none()
            {
                rule.definition = doc.trim_matches('\n').to_owned();
                self.rules.push(rule);
            }
        }
        self
    }

    /// Every problem found so far and by the whole-set checks, errors and warnings, in file
    /// order: what `kvdiag rules lint` prints.
    pub fn lint(self) -> Vec<RuleError> {
        self.finish().1
    }

    /// Compiles the set: log patterns into one scanner, and a check that no chain of
    /// `yields_to` loops. Fails with every error; warnings do not stop it.
    pub fn build(self) -> Result<RuleSet, LoadError> {
        let (set, problems) = self.finish();
        set.ok_or_else(|| LoadError {
            errors: problems
                .into_iter()
                .filter(|p| p.level == Level::Error)
                .collect(),
        })
    }

    fn finish(mut self) -> (Option<RuleSet>, Vec<RuleError>) {
        self.builtin_causes_first();
        self.check_cause_refs();
        // Problems in file order: files as they were added, then line and column.
        let mut files: Vec<String> = Vec::new();
        for e in &self.errors {
            if !files.contains(&e.file) {
                files.push(e.file.clone());
            }
        }
        self.errors.sort_by_key(|e| {
            let file = files
                .iter()
                .position(|f| *f == e.file)
                .unwrap_or(usize::MAX);
            (file, e.line, e.column)
        });
        if let Some((rule, chain)) = yield_cycle(&self.rules) {
            let chain: Vec<_> = chain.iter().map(Cause::code).collect();
            self.errors.push(RuleError {
                file: rule.location.file.clone(),
                line: rule.location.line,
                column: 1,
                level: Level::Error,
                code: "yields-loop",
                message: format!(
                    "`yields_to` of rule `{}` is part of a loop of causes: {}",
                    rule.id,
                    chain.join(" yields to ")
                ),
                hint: Some("a generic cause yields to specific ones, never the reverse".into()),
            });
        }
        if self.errors.iter().any(|e| e.level == Level::Error) {
            return (None, self.errors);
        }

        // Which containers' streams each pattern applies to (the union of its tests' `container`).
        let mut scopes = vec![Some(BTreeSet::new()); self.patterns.len()];
        self.rules.iter().for_each(|r| r.when.scopes(&mut scopes));
        let (patterns, regexes) = self.patterns.into_iter().unzip();
        let set = RuleSet {
            rules: self.rules,
            causes: self.causes,
            logs: LogPatterns {
                filter: crate::parse::LogFilter::new(patterns, regexes).scoped(scopes),
            },
        };
        (Some(set), self.errors)
    }
}

impl RuleSetBuilder {
    /// Checks every cause code a rule names against the causes of the whole set, and gives
    /// each rule without a `severity` its cause's.
    fn check_cause_refs(&mut self) {
        let codes: Vec<&str> = self.causes.iter().map(|c| c.code.code()).collect();
        for (file, r) in &self.cause_refs {
            if codes.contains(&r.code.as_str()) {
                if r.yields && !self.rules.iter().any(|rule| rule.cause == *r.code) {
                    self.errors.push(RuleError {
                        file: file.clone(),
                        line: r.line,
                        column: r.column,
                        level: Level::Warning,
                        code: "yields-to-nothing",
                        message: format!("`yields_to` names `{}`, which no rule diagnoses", r.code),
                        hint: Some("load the rules of that cause, or remove it".into()),
                    });
                }
                continue;
            }
            let rule = self.rules.iter().find(|rule| rule.id == r.code);
            let (message, hint) = match rule {
                Some(rule) if r.yields => (
                    format!("`yields_to` names rule `{}`, not a cause", r.code),
                    format!(
                        "yields_to names causes: that rule diagnoses `{}`",
                        rule.cause
                    ),
                ),
                _ if r.yields => (
                    format!("`yields_to` names unknown cause `{}`", r.code),
                    did_you_mean(&r.code, &codes, "causes"),
                ),
                _ => (
                    format!("unknown cause `{}`", r.code),
                    match r.code.split_once('/') {
                        Some(_) => format!(
                            "declare it in a `causes:` document, or {}",
                            did_you_mean(&r.code, &codes, "use one of the causes")
                        ),
                        None => did_you_mean(&r.code, &codes, "causes"),
                    },
                ),
            };
            self.errors.push(RuleError {
                file: file.clone(),
                line: r.line,
                column: r.column,
                level: Level::Error,
                code: "unknown-cause",
                message,
                hint: Some(hint),
            });
        }
        // Every rule names its causes by the set's own codes: one allocation per cause, and
        // comparisons that meet the same pointer.
        let interned = |code: &Cause| self.causes.iter().find(|c| c.code == *code);
        for rule in &mut self.rules {
            if let Some(c) = interned(&rule.cause) {
                rule.cause = c.code.clone();
                if !rule.severity_given {
                    rule.severity = c.severity;
                }
            }
            for y in &mut rule.yields_to {
                if let Some(c) = interned(y) {
                    *y = c.code.clone();
                }
            }
        }
    }
}

/// The built-in causes (`rules/causes.yaml`).
pub(crate) fn builtin_causes() -> Vec<CauseInfo> {
    let mut b = RuleSetBuilder::default();
    b.builtin_causes_first();
    b.causes
}

/// Whether a mapping has a key of a rule (other than `id`): a rule whose `id` is missing or
/// misspelled.
fn has_rule_keys(tree: &Spanned<keys::Node>) -> bool {
    keys::RULE_KEYS.iter().any(|k| read::get(tree, k).is_some())
}

/// The causes of a `causes:` document, checked: well-formed, namespaced unless built in,
/// declared once.
fn declare_causes(
    ctx: &mut Ctx<'_>,
    spec: CausesSpec,
    builtin: bool,
    known: &[CauseInfo],
) -> Vec<CauseInfo> {
    let mut out: Vec<CauseInfo> = Vec::new();
    for item in spec.causes {
        let c = item.value;
        let Some(code) = c.code else { continue };
        let cause = match Cause::new(code.value.trim()) {
            Ok(cause) => cause,
            Err(e) => {
                ctx.error("invalid-value", &code.referenced, e.to_string());
                continue;
            }
        };
        if !builtin && cause.prefix().is_none() {
            ctx.error(
                "invalid-value",
                &code.referenced,
                format!("a declared cause is namespaced: `<prefix>/{cause}`"),
            );
            ctx.hint(format!(
                "e.g. `site/{cause}`: un-prefixed codes are kept for the built-in causes"
            ));
            continue;
        }
        let location = RuleLocation {
            file: ctx.file().to_owned(),
            line: code.referenced.line() + ctx.offset(),
        };
        if let Some(first) = known.iter().chain(&out).find(|k| k.code == cause) {
            ctx.error(
                "duplicate-cause",
                &code.referenced,
                format!("cause `{cause}` declared twice"),
            );
            ctx.hint(format!(
                "first declared at {}:{}",
                first.location.file, first.location.line
            ));
            continue;
        }
        let severity = match &c.severity {
            None => Some(Severity::Error),
            Some(s) => ctx.severity(s),
        };
        let title = c.title.map(|t| {
            if t.value.trim().is_empty() {
                ctx.error(
                    "empty-text",
                    &t.referenced,
                    "`title` must not be empty".into(),
                );
            }
            t.value.trim().to_owned()
        });
        let (Some(severity), Some(title)) = (severity, title) else {
            continue;
        };
        out.push(CauseInfo {
            code: cause,
            title,
            description: c.description.map(|d| d.trim().to_owned()),
            severity,
            references: c.references,
            builtin,
            location,
        });
    }
    out
}

/// Splits a YAML stream at `---` lines, keeping each document's starting line offset, so that
/// each rule is checked on its own and every broken rule of a file is reported.
fn split_documents(text: &str) -> Vec<(u64, String)> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start = 0u64;
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push((start, std::mem::take(&mut current)));
            start = i as u64;
            current.push('\n');
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    docs.push((start, current));
    docs.retain(|(_, d)| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

/// A chain of `yields_to` that returns to the cause it started from: the first rule on it and
/// the chain of causes.
fn yield_cycle(rules: &[Rule]) -> Option<(&Rule, Vec<Cause>)> {
    let mut edges: BTreeMap<Cause, BTreeSet<Cause>> = BTreeMap::new();
    for r in rules {
        edges
            .entry(r.cause.clone())
            .or_default()
            .extend(r.yields_to.iter().cloned());
    }
    /// Depth-first search for a path from `path`'s last cause back to its first.
    fn back_to_start(
        edges: &BTreeMap<Cause, BTreeSet<Cause>>,
        path: &mut Vec<Cause>,
        seen: &mut BTreeSet<Cause>,
    ) -> bool {
        let (Some(start), Some(last)) = (path.first().cloned(), path.last().cloned()) else {
            return false;
        };
        for next in edges.get(&last).into_iter().flatten() {
            path.push(next.clone());
            if *next == start || (seen.insert(next.clone()) && back_to_start(edges, path, seen)) {
                return true;
            }
            path.pop();
        }
        false
    }
    rules.iter().find_map(|r| {
        let mut path = vec![r.cause.clone()];
        back_to_start(&edges, &mut path, &mut BTreeSet::new()).then_some((r, path))
    })
}
