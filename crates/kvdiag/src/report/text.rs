//! The report for people at a terminal: grouped by subject, most severe first.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{Diagnosis, Evidence, Report, SubjectReport};
use crate::cause::Severity;
use crate::object::ObjectRef;
use crate::snapshot::CaptureTimeSource;

/// Longest log line or value shown; the JSON output keeps them whole.
const SHOWN_CHARS: usize = 240;

/// Healthy subjects (no findings) from this many on are summarised in one line, unless
/// [`Healthy::List`] asks for them.
pub const HEALTHY_LISTED_UP_TO: usize = 20;

/// How the text report shows subjects without findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Healthy {
    /// One line each up to [`HEALTHY_LISTED_UP_TO`], else one line for all of them.
    #[default]
    Auto,
    /// One line each, however many.
    List,
    /// Not shown, and the inputs only counted: the subjects with findings and the summary.
    Quiet,
}

/// What the text report shows.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct TextOptions {
    /// Add ANSI styles (the caller decides whether the terminal wants them).
    pub color: bool,
    /// How subjects without findings are shown.
    pub healthy: Healthy,
}

impl TextOptions {
    /// Options with `color` set.
    pub fn color(mut self, color: bool) -> TextOptions {
        self.color = color;
        self
    }

    /// Options with `healthy` set.
    pub fn healthy(mut self, healthy: Healthy) -> TextOptions {
        self.healthy = healthy;
        self
    }
}

/// Renders `report` as text; `color` adds ANSI styles (the caller decides whether the terminal
/// wants them).
pub fn render(report: &Report, color: bool) -> String {
    render_with(report, &TextOptions::default().color(color))
}

/// Renders `report` as text with `options`.
pub fn render_with(report: &Report, options: &TextOptions) -> String {
    let st = Styles::new(options.color);
    let quiet = options.healthy == Healthy::Quiet;
    let mut out = String::new();
    let with_problems = report.subjects.iter().filter(|s| s.diagnoses > 0).count();
    let _ = write!(
        out,
        "{}kvdiag{} analysed {} subject(s): {} with findings",
        st.bold.render(),
        st.bold.render_reset(),
        report.subjects.len(),
        with_problems
    );
    match &report.capture_time {
        Some(t) => {
            let from = match t.source {
                CaptureTimeSource::Given => "given",
                CaptureTimeSource::TimestampFile => "end of the capture, from its timestamp file",
                CaptureTimeSource::NewestInData => "newest timestamp in the data",
            };
            let _ = write!(out, " (captured {}, {from}", t.time);
            if let Some(file) = &t.file {
                let _ = write!(out, " {file}");
            }
            out.push_str(")\n");
        }
        None => out.push_str(" (capture time unknown)\n"),
    }

    let folder = report.common_folder();
    if !folder.is_empty() {
        let _ = writeln!(out, "Files are named relative to {folder}");
    }

    let mut subjects: Vec<_> = report.subjects.iter().filter(|s| s.diagnoses > 0).collect();
    subjects.sort_by_key(|s| std::cmp::Reverse(s.worst));
    for s in subjects {
        let _ = writeln!(
            out,
            "\n{}● {}{}{}",
            st.bold.render(),
            s.subject,
            status(s),
            st.bold.render_reset()
        );
        for d in report.diagnoses_of(&s.subject) {
            diagnosis(&mut out, d, &st, &folder);
        }
        not_checked(&mut out, report, &s.subject, &st);
    }

    let healthy: Vec<_> = report
        .subjects
        .iter()
        .filter(|s| s.diagnoses == 0)
        .collect();
    let listed = match options.healthy {
        Healthy::Auto => healthy.len() < HEALTHY_LISTED_UP_TO,
        Healthy::List => true,
        Healthy::Quiet => false,
    };
    if !healthy.is_empty() && !listed && !quiet {
        let _ = writeln!(
            out,
            "\n{}✓{} {} subject(s) with no findings (--all lists them)",
            st.ok.render(),
            st.ok.render_reset(),
            healthy.len()
        );
    }
    if !healthy.is_empty() && listed {
        out.push('\n');
        for s in healthy {
            let _ = writeln!(
                out,
                "{}✓{} {}{}: no findings",
                st.ok.render(),
                st.ok.render_reset(),
                s.subject,
                status(s)
            );
            not_checked(&mut out, report, &s.subject, &st);
        }
    }

    if !report.summary.causes.is_empty() {
        let causes: Vec<String> = report
            .summary
            .causes
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        let _ = writeln!(out, "\nCauses: {}", causes.join(", "));
    }

    let i = &report.inputs;
    if report.subjects.is_empty() {
        let _ = writeln!(out, "\n{}", no_subject_line(report));
    }
    let _ = writeln!(
        out,
        "\nInputs: {} read, {} skipped, {} unreadable",
        i.read.len(),
        i.skipped.len(),
        i.failed.len()
    );
    if quiet {
        return out;
    }
    if i.by_kind.len() > 1 {
        for k in &i.by_kind {
            let _ = writeln!(
                out,
                "  {}: {} read, {} skipped, {} unreadable",
                super::kind_name(k.kind),
                k.read,
                k.skipped,
                k.unreadable
            );
        }
    }
    for r in &i.skipped_by_reason {
        let _ = writeln!(out, "  skipped {:>5}  {}", r.count, r.reason);
    }
    for f in &i.failed {
        let _ = writeln!(
            out,
            "  {}unreadable{} {}: {}",
            st.error.render(),
            st.error.render_reset(),
            f.source,
            f.reason
        );
    }
    for r in &i.read {
        if let Some(note) = &r.note {
            let _ = writeln!(out, "  read in part {}: {note}", r.source);
        }
    }
    out
}

/// The line saying that a report holds no subject: "no VirtualMachine, VMI or virt-launcher pod
/// in 1,412 files".
pub fn no_subject_line(report: &Report) -> String {
    let files = report.inputs.read.len() + report.inputs.skipped.len() + report.inputs.failed.len();
    format!(
        "No VirtualMachine, VMI or virt-launcher pod in {} file(s).",
        thousands(files)
    )
}

/// `1412` as `1,412`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn diagnosis(out: &mut String, d: &Diagnosis, st: &Styles, folder: &str) {
    let short = |name: &str| name.strip_prefix(folder).unwrap_or(name).to_owned();
    let sev = st.severity(d.severity);
    let _ = writeln!(
        out,
        "  {}{:<8}{} {}{}{} ({}, rule {})",
        sev.render(),
        d.severity.name().to_uppercase(),
        sev.render_reset(),
        st.bold.render(),
        d.title,
        st.bold.render_reset(),
        d.cause,
        d.rule
    );
    let _ = writeln!(out, "    {}", d.summary);
    if !d.evidence.is_empty() {
        out.push_str("    Evidence:\n");
        let mut last_object = None;
        for e in &d.evidence {
            match e {
                Evidence::Object {
                    object,
                    origin,
                    path,
                    value,
                } => {
                    // Values of one object are listed under it once.
                    if last_object != Some((object, origin)) {
                        let mut from = short(&origin.source);
                        if let Some(line) = origin.line {
                            from.push_str(&format!(":{line}"));
                        }
                        if let Some(item) = origin.item {
                            from.push_str(&format!(" items[{item}]"));
                        }
                        let _ = writeln!(
                            out,
                            "      - {object} {}({from}){}",
                            st.dim.render(),
                            st.dim.render_reset()
                        );
                        last_object = Some((object, origin));
                    }
                    let shown = if value.is_null() {
                        "absent".to_owned()
                    } else {
                        shorten(&value.to_string())
                    };
                    let _ = writeln!(out, "          {path} = {shown}");
                }
                Evidence::Log {
                    log,
                    line,
                    text,
                    more,
                    ..
                } => {
                    last_object = None;
                    let more = if *more > 0 {
                        format!(" (and {more} more matching line(s))")
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        out,
                        "      - {}line {line} of {}{more}{}",
                        st.dim.render(),
                        short(&log.origin),
                        st.dim.render_reset()
                    );
                    let _ = writeln!(out, "          {}", shorten(text));
                }
            }
        }
    }
    for (heading, list, label) in [
        (
            "Proposed next steps (nothing was executed):",
            &d.remediation,
            "",
        ),
        (
            "Options (pick one; nothing was executed):",
            &d.options,
            "Option ",
        ),
        ("Verify after the fix:", &d.verify, ""),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    {heading}");
        for (n, r) in list.iter().enumerate() {
            let _ = writeln!(out, "      {label}{}. {}", n + 1, r.text);
            if let Some(c) = &r.command {
                let _ = writeln!(
                    out,
                    "         {}$ {c}{}",
                    st.cmd.render(),
                    st.cmd.render_reset()
                );
            }
        }
    }
    for r in &d.references {
        let _ = writeln!(out, "    See {r}");
    }
}

/// The `--explain` lines of a subject: inputs not captured and the rules they kept from running.
fn not_checked(out: &mut String, report: &Report, subject: &ObjectRef, st: &Styles) {
    let Some(c) = report.coverage_of(subject) else {
        return;
    };
    let _ = writeln!(
        out,
        "    {}Not checked (inputs not captured):{}",
        st.dim.render(),
        st.dim.render_reset()
    );
    for m in &c.missing {
        let mut parts = Vec::new();
        if !m.rules_not_run.is_empty() {
            parts.push(format!("could not run: {}", m.rules_not_run.join(", ")));
        }
        if !m.rules_partly_run.is_empty() {
            parts.push(format!("ran in part: {}", m.rules_partly_run.join(", ")));
        }
        let _ = writeln!(out, "      - {}: {}", m.input, parts.join("; "));
    }
}

fn status(s: &SubjectReport) -> String {
    s.status
        .as_deref()
        .map(|st| format!(" [{st}]"))
        .unwrap_or_default()
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= SHOWN_CHARS {
        return s.to_owned();
    }
    let cut: String = s.chars().take(SHOWN_CHARS).collect();
    format!("{cut}…")
}

struct Styles {
    bold: Style,
    dim: Style,
    ok: Style,
    error: Style,
    cmd: Style,
    color: bool,
}

impl Styles {
    fn new(color: bool) -> Styles {
        let s = |style: Style| if color { style } else { Style::new() };
        Styles {
            bold: s(Style::new().bold()),
            dim: s(Style::new().dimmed()),
            ok: s(AnsiColor::Green.on_default()),
            error: s(AnsiColor::Red.on_default().bold()),
            cmd: s(AnsiColor::Cyan.on_default()),
            color,
        }
    }

    fn severity(&self, s: Severity) -> Style {
        if !self.color {
            return Style::new();
        }
        match s {
            Severity::Critical => AnsiColor::Red.on_default().bold(),
            Severity::Error => AnsiColor::Red.on_default(),
            Severity::Warning => AnsiColor::Yellow.on_default(),
            Severity::Info => AnsiColor::Blue.on_default(),
        }
    }
}
