//! The report for tickets and AI agents: diagnosis, evidence, proposed commands, and the
//! explicit statement that nothing was executed.

use std::fmt::Write;

use super::{Evidence, Report};

/// Renders `report` as Markdown.
pub fn render(report: &Report) -> String {
    let mut out = String::from("# kvdiag report\n\n");
    let with_problems = report.subjects.iter().filter(|s| s.diagnoses > 0).count();
    let _ = write!(
        out,
        "{} subject(s) analysed, {} with findings, {} diagnosis(es)",
        report.subjects.len(),
        with_problems,
        report.diagnoses.len()
    );
    match &report.capture_time {
        Some(t) => {
            let _ = write!(out, "; capture time {}", t.time);
            match (&t.file, t.source) {
                (Some(file), _) => {
                    let _ = write!(out, " (from `{file}`)");
                }
                (None, crate::CaptureTimeSource::NewestInData) => {
                    out.push_str(" (newest timestamp in the data)");
                }
                _ => {}
            }
            out.push_str(".\n");
        }
        None => out.push_str("; capture time unknown.\n"),
    }
    if !report.summary.causes.is_empty() {
        let causes: Vec<String> = report
            .summary
            .causes
            .iter()
            .map(|(c, n)| format!("`{c}` {n}"))
            .collect();
        let _ = writeln!(out, "\nCauses: {}.", causes.join(", "));
    }
    if report.subjects.is_empty() {
        let _ = writeln!(out, "\n{}", super::text::no_subject_line(report));
    }
    out.push_str(
        "\n> **Nothing was executed.** kvdiag only read the captured files. The commands below are \
         proposals: review them, confirm, and run them yourself.\n",
    );

    let mut subjects: Vec<_> = report.subjects.iter().filter(|s| s.diagnoses > 0).collect();
    subjects.sort_by_key(|s| std::cmp::Reverse(s.worst));
    for s in subjects {
        let status = s
            .status
            .as_deref()
            .map(|st| format!(" — `{st}`"))
            .unwrap_or_default();
        let _ = writeln!(out, "\n## {}{}", s.subject, status);
        for d in report.diagnoses_of(&s.subject) {
            let _ = writeln!(
                out,
                "\n### {}: {} (`{}`)\n\n**Root cause**: {}\n\nRule `{}`.\n",
                d.severity.name().to_uppercase(),
                d.title,
                d.cause,
                d.summary,
                d.rule
            );
            if !d.evidence.is_empty() {
                out.push_str("**Details** (the evidence)\n\n");
                for e in &d.evidence {
                    evidence(&mut out, e);
                }
                out.push('\n');
            }
            finding_steps(&mut out, d);
            if !d.references.is_empty() {
                let links: Vec<_> = d.references.iter().map(|r| format!("<{r}>")).collect();
                let _ = writeln!(out, "\nReferences: {}", links.join(", "));
            }
        }
        not_checked(&mut out, report, &s.subject);
    }

    let healthy: Vec<_> = report
        .subjects
        .iter()
        .filter(|s| s.diagnoses == 0)
        .collect();
    if !healthy.is_empty() {
        out.push_str("\n## Without findings\n\n");
        for s in healthy {
            let status = s
                .status
                .as_deref()
                .map(|st| format!(" — `{st}`"))
                .unwrap_or_default();
            let _ = writeln!(out, "- {}{}", s.subject, status);
        }
        for s in report.subjects.iter().filter(|s| s.diagnoses == 0) {
            not_checked(&mut out, report, &s.subject);
        }
    }

    let i = &report.inputs;
    let _ = writeln!(
        out,
        "\n## Inputs\n\n{} read, {} skipped, {} unreadable.",
        i.read.len(),
        i.skipped.len(),
        i.failed.len()
    );
    if !i.by_kind.is_empty() {
        out.push_str("\n| input kind | read | skipped | unreadable |\n| --- | --- | --- | --- |\n");
        for k in &i.by_kind {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                super::kind_name(k.kind),
                k.read,
                k.skipped,
                k.unreadable
            );
        }
    }
    if !i.skipped_by_reason.is_empty() {
        out.push_str("\nSkipped by reason:\n\n");
        for r in &i.skipped_by_reason {
            let _ = writeln!(out, "- {} × {}", r.count, r.reason);
        }
    }
    if !i.failed.is_empty() {
        out.push('\n');
        for f in &i.failed {
            let _ = writeln!(out, "- unreadable `{}`: {}", f.source, f.reason);
        }
    }
    let notes: Vec<_> = i.read.iter().filter(|r| r.note.is_some()).collect();
    if !notes.is_empty() {
        out.push('\n');
        for r in notes {
            let note = r.note.as_deref().unwrap_or_default();
            let _ = writeln!(out, "- read in part `{}`: {note}", r.source);
        }
    }
    out
}

/// One line of evidence.
fn evidence(out: &mut String, e: &Evidence) {
    match e {
        Evidence::Object {
            object,
            origin,
            path,
            value,
        } => {
            let v = if value.is_null() {
                "absent".to_owned()
            } else {
                format!("`{}`", code(&value.to_string()))
            };
            let _ = writeln!(out, "- {object}: `{path}` = {v} (from `{origin}`)");
        }
        Evidence::Log {
            log,
            line,
            text,
            more,
            ..
        } => {
            let more = if *more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "- `{}` line {line}{more}: `{}`",
                log.origin,
                code(text)
            );
        }
    }
}

/// The proposal of one finding, in the troubleshooting guide's order: the fix (steps, then the
/// alternatives as numbered options), the confirmation a person gives before anything is run,
/// and how to verify the fix. Everything is proposed; nothing was run.
fn finding_steps(out: &mut String, d: &super::Diagnosis) {
    let mut section = String::new();
    proposal(&mut section, d);
    // One blank line between blocks, however the steps ended.
    while section.contains("\n\n\n") {
        section = section.replace("\n\n\n", "\n\n");
    }
    out.push_str(&section);
}

fn proposal(out: &mut String, d: &super::Diagnosis) {
    if !d.remediation.is_empty() || !d.options.is_empty() {
        out.push_str("**Proposed fix** (not executed)\n\n");
        steps(out, &d.remediation, None);
        if !d.options.is_empty() {
            if !d.remediation.is_empty() {
                out.push('\n');
            }
            out.push_str("Options (alternatives: pick one):\n\n");
            steps(out, &d.options, Some("Option"));
        }
        out.push_str(
            "\n**Confirmation required**: nothing above has been run. A person reviews these \
             commands and confirms before any of them is run against the cluster.\n\n",
        );
    }
    if !d.verify.is_empty() {
        out.push_str("**Verify** (after the fix is applied)\n\n");
        steps(out, &d.verify, None);
        out.push('\n');
    }
}

/// Numbered steps, each with its command in a code block; with a `label`, bullets naming each
/// (`- **Option 1**: ...`).
fn steps(out: &mut String, list: &[super::Remediation], label: Option<&str>) {
    for (n, r) in list.iter().enumerate() {
        match label {
            Some(label) => {
                let _ = writeln!(out, "- **{label} {}**: {}", n + 1, r.text);
            }
            None => {
                let _ = writeln!(out, "{}. {}", n + 1, r.text);
            }
        }
        if let Some(c) = &r.command {
            let _ = writeln!(out, "\n   ```sh\n   {c}\n   ```\n");
        }
    }
}

/// The `--explain` section of a subject.
fn not_checked(out: &mut String, report: &Report, subject: &crate::object::ObjectRef) {
    let Some(c) = report.coverage_of(subject) else {
        return;
    };
    let _ = writeln!(
        out,
        "\n**Not checked for {subject}** (inputs not captured)\n"
    );
    for m in &c.missing {
        let mut parts = Vec::new();
        if !m.rules_not_run.is_empty() {
            parts.push(format!("could not run: `{}`", m.rules_not_run.join("`, `")));
        }
        if !m.rules_partly_run.is_empty() {
            parts.push(format!(
                "ran in part: `{}`",
                m.rules_partly_run.join("`, `")
            ));
        }
        let _ = writeln!(out, "- {}: {}", m.input, parts.join("; "));
    }
}

/// Text safe inside a Markdown code span: backticks replaced, length bounded.
fn code(s: &str) -> String {
    let s = s.replace('`', "'");
    if s.chars().count() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}
