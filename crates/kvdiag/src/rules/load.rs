//! Loading rule files: the built-in pack and users' files, split into rules, each compiled
//! (by [`Ctx`]) and checked, then checked together (ids, `yields_to` loops) into a [`RuleSet`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_saphyr::Spanned;

use super::compile::{Ctx, compile_regex};
use super::keys;
use super::model::{Level, LoadError, LogPatterns, Rule, RuleError, RuleLocation, RuleSet};
use super::spec::RuleSpec;
use crate::cause::Cause;
use crate::parse::yaml;

/// Largest rule file accepted: a rule pack is text written by people.
pub const MAX_RULE_FILE_BYTES: usize = 4 << 20;
/// Most rules in one set (the built-in pack has a few dozen).
pub const MAX_RULES: usize = 2_000;

/// The built-in rule pack, embedded at compile time: (file name, content).
const BUILTIN: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Collects rule files; [`RuleSetBuilder::build`] reports every problem at once.
#[derive(Debug, Default)]
pub struct RuleSetBuilder {
    rules: Vec<Rule>,
    patterns: Vec<String>,
    errors: Vec<RuleError>,
    ids: HashMap<String, RuleLocation>,
}

impl RuleSetBuilder {
    /// Adds the built-in rule pack.
    pub fn add_builtin(&mut self) -> &mut Self {
        for (file, text) in BUILTIN {
            self.add_source(&format!("rules/{file}"), text);
        }
        self
    }

    /// Adds the rules of one file (one rule per YAML document). Problems are collected; see
    /// [`RuleSetBuilder::build`] and [`RuleSetBuilder::lint`].
    pub fn add_source(&mut self, file: &str, text: &str) -> &mut Self {
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
        for (offset, doc) in split_documents(text) {
            if self.rules.len() >= MAX_RULES {
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
            // First the keys, so that a misspelled one is reported with every other problem.
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
            for u in keys::unknown_keys(&tree) {
                let hint = match u.suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("known keys here: {}", u.allowed.join(", ")),
                };
                ctx.error("unknown-key", &u.at, format!("unknown key `{}`", u.key));
                ctx.hint(hint);
            }
            let spec = match yaml::documents::<RuleSpec>(doc.as_bytes(), yaml::rule_options()) {
                Ok(mut specs) if specs.len() == 1 => specs.remove(0),
                Ok(_) => continue,
                Err(e) => {
                    let code = if e.message.starts_with("missing field") {
                        "missing-key"
                    } else {
                        "invalid-value"
                    };
                    ctx.push(
                        e.line.unwrap_or(1),
                        e.column.unwrap_or(1),
                        Level::Error,
                        code,
                        e.message,
                    );
                    continue;
                }
            };
            if let Some(mut rule) = ctx.rule(spec) {
                rule.definition = doc.trim_matches('\n').to_owned();
                if let Some(first) = self.ids.get(&rule.id) {
                    self.errors.push(RuleError {
                        file: file.to_owned(),
                        line: rule.location.line,
                        column: 1,
                        level: Level::Error,
                        code: "duplicate-id",
                        message: format!("duplicate rule id `{}`", rule.id),
                        hint: Some(format!("first defined at {}:{}", first.file, first.line)),
                    });
                    continue;
                }
                self.ids.insert(rule.id.clone(), rule.location.clone());
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
            let chain: Vec<_> = chain.iter().map(|c| c.code()).collect();
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
        let regexes = self
            .patterns
            .iter()
            .filter_map(|p| compile_regex(p).ok())
            .collect();
        // Which containers' streams each pattern applies to (the union of its tests' `container`).
        let mut scopes = vec![Some(BTreeSet::new()); self.patterns.len()];
        self.rules.iter().for_each(|r| r.when.scopes(&mut scopes));
        let patterns = self.patterns;
        let set = RuleSet {
            rules: self.rules,
            logs: LogPatterns {
                filter: crate::parse::LogFilter::new(patterns, regexes).scoped(scopes),
            },
        };
        (Some(set), self.errors)
    }
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
            .entry(r.cause)
            .or_default()
            .extend(r.yields_to.iter().copied());
    }
    /// Depth-first search for a path from `path`'s last cause back to its first.
    fn back_to_start(
        edges: &BTreeMap<Cause, BTreeSet<Cause>>,
        path: &mut Vec<Cause>,
        seen: &mut BTreeSet<Cause>,
    ) -> bool {
        let (Some(&start), Some(&last)) = (path.first(), path.last()) else {
            return false;
        };
        for &next in edges.get(&last).into_iter().flatten() {
            path.push(next);
            if next == start || (seen.insert(next) && back_to_start(edges, path, seen)) {
                return true;
            }
            path.pop();
        }
        false
    }
    rules.iter().find_map(|r| {
        let mut path = vec![r.cause];
        back_to_start(&edges, &mut path, &mut BTreeSet::new()).then_some((r, path))
    })
}
