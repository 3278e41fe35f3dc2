//! Rule documentation generated from the rules themselves: `kvdiag rules explain ID|CAUSE` and
//! `docs/rules.md`.

use std::fmt::Write;

use super::{CauseInfo, Rule, RuleSet};

/// The documentation page of a whole rule set, in Markdown.
pub fn markdown(rules: &RuleSet) -> String {
    let mut out = String::from(
        "# Built-in rules\n\n\
         Generated from `rules/*.yaml` by `kvdiag rules docs`; do not edit by hand.\n\n\
         ## Causes\n\n\
         The cause codes diagnoses carry (`rules/causes.yaml`, and `causes:` documents of rule \
         files), with their default severity and their rules.\n\n\
         | cause | severity | title | rules |\n| --- | --- | --- | --- |\n",
    );
    for c in rules.causes() {
        let ids: Vec<String> = rules
            .rules_of(c.code.code())
            .map(|r| format!("[`{}`](#{})", r.id, anchor(&r.id)))
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            c.code,
            c.severity,
            c.title,
            ids.join(", ")
        );
    }
    out.push_str("\n## Rules\n\n| rule | cause | severity | title |\n| --- | --- | --- | --- |\n");
    let mut sorted: Vec<&Rule> = rules.rules().iter().collect();
    // By cause, in the order of the causes' declarations (the built-in ones first).
    let rank = |r: &Rule| rules.causes().iter().position(|c| c.code == r.cause);
    sorted.sort_by(|a, b| (rank(a), &a.id).cmp(&(rank(b), &b.id)));
    for r in &sorted {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | `{}` | {} | {} |",
            r.id,
            anchor(&r.id),
            r.cause,
            r.severity,
            r.title
        );
    }
    for r in sorted {
        out.push('\n');
        out.push_str(&explain(r));
    }
    out
}

/// The documentation of one rule, in Markdown: what it means, what it looks for, what to do.
pub fn explain(rule: &Rule) -> String {
    let mut out = format!("## {}\n\n**{}**\n\n", rule.id, rule.title);
    let _ = writeln!(
        out,
        "- cause: `{}`\n- severity: {}\n- defined in: `{}` line {}",
        rule.cause, rule.severity, rule.location.file, rule.location.line
    );
    if !rule.yields_to().is_empty() {
        let y: Vec<_> = rule.yields_to().iter().map(|c| format!("`{c}`")).collect();
        let _ = writeln!(out, "- steps aside for: {}", y.join(", "));
    }
    let facets: Vec<_> = rule
        .facets()
        .into_iter()
        .map(|f| format!("`{}`", f.name()))
        .collect();
    let _ = writeln!(out, "- looks at: {}", facets.join(", "));
    let _ = writeln!(out, "\nSummary: {}\n", rule.summary_template());
    if let Some(d) = &rule.description {
        let _ = writeln!(out, "### What it means\n\n{d}\n");
    }
    let _ = writeln!(
        out,
        "### When it fires\n\n```yaml\n{}\n```\n",
        when_block(&rule.definition)
    );
    let conditions = rule.remediation_conditions();
    for (heading, steps, options) in [
        (
            "What to do (proposed; kvdiag never runs anything)",
            rule.remediation_templates(),
            false,
        ),
        (
            "Options (alternatives: pick one)",
            rule.option_templates(),
            true,
        ),
        ("How to verify the fix", rule.verify_templates(), false),
    ] {
        if steps.is_empty() {
            continue;
        }
        let remediation = heading.starts_with("What to do");
        let _ = writeln!(out, "### {heading}\n");
        for (n, (text, command)) in steps.iter().enumerate() {
            let mut when = Vec::new();
            if remediation && let Some((only_if, unless)) = conditions.get(n) {
                // `match.x` is known; the `vm` was captured whole.
                let said = |v: &[String]| {
                    v.iter()
                        .map(|k| {
                            if k.starts_with("match.") {
                                format!("`{k}` is known")
                            } else {
                                format!("the `{k}` was captured whole")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" and ")
                };
                if !only_if.is_empty() {
                    when.push(format!("if {}", said(only_if)));
                }
                if !unless.is_empty() {
                    when.push(format!("unless {}", said(unless)));
                }
            }
            let when = if when.is_empty() {
                String::new()
            } else {
                format!(" *(proposed {})*", when.join(", "))
            };
            if options {
                let _ = writeln!(out, "- **Option {}**: {text}{when}", n + 1);
            } else {
                let _ = writeln!(out, "{}. {text}{when}", n + 1);
            }
            if let Some(c) = command {
                let _ = writeln!(out, "\n   ```sh\n   {c}\n   ```\n");
            }
        }
    }
    if !rule.references.is_empty() {
        out.push_str("\n### References\n\n");
        for r in &rule.references {
            let _ = writeln!(out, "- <{r}>");
        }
    }
    out
}

/// The documentation of one cause, in Markdown: what it means and the rules that diagnose it.
pub fn explain_cause(rules: &RuleSet, cause: &CauseInfo) -> String {
    let mut out = format!("## {}\n\n**{}**\n\n", cause.code, cause.title);
    let origin = if cause.builtin {
        "built in (`kvdiag/v1`)"
    } else {
        "declared"
    };
    let _ = writeln!(
        out,
        "- default severity: {}\n- {origin} in: `{}` line {}",
        cause.severity, cause.location.file, cause.location.line
    );
    if let Some(d) = &cause.description {
        let _ = writeln!(out, "\n{d}");
    }
    let of: Vec<&Rule> = rules.rules_of(cause.code.code()).collect();
    out.push_str("\n### Rules\n\n");
    if of.is_empty() {
        out.push_str("No loaded rule diagnoses this cause.\n");
    }
    for r in of {
        let _ = writeln!(out, "- `{}` ({}): {}", r.id, r.severity, r.title);
    }
    let stepping_aside: Vec<String> = rules
        .rules()
        .iter()
        .filter(|r| r.yields_to().contains(&cause.code))
        .map(|r| format!("`{}`", r.id))
        .collect();
    if !stepping_aside.is_empty() {
        let _ = writeln!(
            out,
            "\nRules that step aside when it is found: {}.",
            stepping_aside.join(", ")
        );
    }
    if !cause.references.is_empty() {
        out.push_str("\n### References\n\n");
        for r in &cause.references {
            let _ = writeln!(out, "- <{r}>");
        }
    }
    out
}

/// The `when:` block of a rule's YAML (and `yields_to:`), as written.
fn when_block(definition: &str) -> String {
    let mut out = Vec::new();
    let mut inside = false;
    for line in definition.lines() {
        let top_level = !line.starts_with([' ', '#', '-']) && !line.is_empty();
        if top_level {
            inside = line.starts_with("when:") || line.starts_with("yields_to:");
        }
        if inside {
            out.push(line);
        }
    }
    out.join("\n").trim_end().to_owned()
}

fn anchor(id: &str) -> String {
    id.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}
