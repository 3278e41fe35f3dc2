//! The verify step: two analyses of the same VMs, before and after a fix, compared.
//!
//! Per VM (matched by kind, namespace and name, whatever the capture is called), which
//! diagnoses are resolved, which persist and which are new, and how the state the
//! troubleshooting guide tells people to watch changed: the VM's `printableStatus`, the VMI's
//! phase, `status.startFailure.consecutiveFailCount`, the launcher pods and VMIs created since
//! (a launcher pod never restarts in place: a new start is a new pod) and the restart counts
//! of the launcher pods' containers. A VM absent from the second capture is `gone`, never
//! `fixed`.
//!
//! ```
//! use kvdiag::{Hint, RuleSet, Snapshot};
//!
//! let rules = RuleSet::builtin()?;
//! let capture = |status: &str| {
//!     let mut s = Snapshot::builder();
//!     let vm = format!("apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {{name: db, namespace: prod}}\nstatus: {{printableStatus: {status}, startFailure: {{consecutiveFailCount: 3}}}}\n");
//!     s.add_input("vm.yaml", vm.as_bytes(), &Hint::Auto);
//!     s.build()
//! };
//! let diff = kvdiag::diff::diff(&rules, &capture("CrashLoopBackOff"), &capture("CrashLoopBackOff"));
//! assert_eq!(diff.vms[0].outcome, kvdiag::diff::Outcome::Persisting);
//! assert!(diff.vms[0].changes.iter().any(|c| c == "start failures 3 → 3"));
//! # Ok::<(), kvdiag::LoadError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write;

use schemars::JsonSchema;
use serde::Serialize;

use crate::cause::Severity;
use crate::correlate::Subject;
use crate::object::ObjectRef;
use crate::report::Report;
use crate::rules::RuleSet;
use crate::snapshot::Snapshot;

/// The JSON schema identifier of [`Diff`].
pub const SCHEMA: &str = "kvdiag-diff/v1";

/// Two analyses compared: the output contract of `kvdiag diff`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Diff {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// What the first capture held.
    pub before: Side,
    /// What the second capture held.
    pub after: Side,
    /// VMs per outcome.
    pub summary: DiffSummary,
    /// Every VM (and other subject) of either capture, sorted by namespace, name and kind.
    pub vms: Vec<VmDiff>,
}

/// One of the two captures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Side {
    /// The moment the capture describes (RFC 3339), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_time: Option<String>,
    /// Subjects analysed.
    pub subjects: usize,
    /// Diagnoses found.
    pub diagnoses: usize,
    /// Inputs read.
    pub inputs_read: usize,
    /// Inputs that could not be read.
    pub inputs_failed: usize,
}

/// How many VMs had each outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DiffSummary {
    /// Findings before, none at warning or above after.
    pub fixed: usize,
    /// At least one finding at warning or above in both captures.
    pub persisting: usize,
    /// A finding at warning or above that was not there before.
    pub new: usize,
    /// No finding at warning or above in either capture.
    pub unchanged: usize,
    /// In the first capture only.
    pub gone: usize,
    /// In the second capture only.
    pub appeared: usize,
}

/// What happened to one VM between the captures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A finding at warning or above persists (whatever else changed).
    Persisting,
    /// A finding at warning or above is new, none persists.
    New,
    /// Findings at warning or above before, none after.
    Fixed,
    /// No finding at warning or above in either capture.
    Unchanged,
    /// In the first capture only: not known to be fixed.
    Gone,
    /// In the second capture only.
    Appeared,
}

impl Outcome {
    /// The word reports use.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Persisting => "persisting",
            Outcome::New => "new",
            Outcome::Fixed => "fixed",
            Outcome::Unchanged => "unchanged",
            Outcome::Gone => "gone",
            Outcome::Appeared => "appeared",
        }
    }
}

/// One VM (or other subject) compared.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct VmDiff {
    /// The subject's kind (`VirtualMachine`, or `DataVolume`, `Node`, ... for evidence no VM
    /// owns).
    pub kind: String,
    /// Its namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// What happened to it.
    pub outcome: Outcome,
    /// Diagnoses of the first capture that the second does not have.
    pub resolved: Vec<Finding>,
    /// Diagnoses of both captures (with the second's severity and summary).
    pub persisting: Vec<Finding>,
    /// Diagnoses of the second capture that the first did not have.
    pub new: Vec<Finding>,
    /// The diagnoses of a VM missing from the second capture: whether they were resolved is
    /// not known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_known: Vec<Finding>,
    /// The watched state in the first capture (absent when the VM was not in it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_before: Option<VmState>,
    /// The watched state in the second capture (absent when the VM is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_after: Option<VmState>,
    /// The changes in words, e.g. `printableStatus CrashLoopBackOff → Running`,
    /// `start failures 3 → 3`, `no new launcher pod`.
    pub changes: Vec<String>,
}

impl VmDiff {
    /// `namespace/name`, or the name alone.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// A diagnosis, as far as a comparison needs it. Diagnoses are matched by rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Finding {
    /// The rule that found it.
    pub rule: String,
    /// Its cause code.
    pub cause: String,
    /// How bad it is.
    pub severity: Severity,
    /// The problem in the subject's terms.
    pub summary: String,
}

/// The state of a VM the troubleshooting guide watches to verify a fix.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct VmState {
    /// The VM's `status.printableStatus`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub printable_status: Option<String>,
    /// The current VMI's `status.phase`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vmi_phase: Option<String>,
    /// The VM's `status.startFailure.consecutiveFailCount`; 0 when a VM was captured without
    /// one (the counter is cleared once a VMI runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_failures: Option<i64>,
    /// The launcher pods captured, by name.
    pub launcher_pods: Vec<String>,
    /// The VMIs captured, by uid (else name).
    pub vmis: Vec<String>,
    /// The sum of the restart counts of the launcher pods' containers, when captured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launcher_restarts: Option<i64>,
}

impl VmState {
    /// The watched state of one subject of `snapshot`.
    pub fn of(snapshot: &Snapshot, subject: &Subject) -> VmState {
        let str_at = |ids: &[crate::snapshot::ObjectId], keys: &[&str]| {
            ids.iter()
                .find_map(|&id| snapshot.object(id).str_at(keys).map(str::to_owned))
        };
        let start_failures = if subject.vm.is_empty() {
            None
        } else {
            subject.vm.iter().find_map(|&id| {
                let root = snapshot.object(id).root();
                match root.at(&["status", "startFailure", "consecutiveFailCount"]) {
                    Some(n) => n.as_i64(),
                    // A VM captured with its status but no counter: cleared, or never failed.
                    None => root.get("status").map(|_| 0),
                }
            })
        };
        let mut launcher_pods: Vec<String> = subject
            .launcher_pods
            .iter()
            .filter_map(|&id| snapshot.object(id).name.clone())
            .collect();
        launcher_pods.sort();
        launcher_pods.dedup();
        let mut vmis: Vec<String> = subject
            .vmi
            .iter()
            .filter_map(|&id| {
                let o = snapshot.object(id);
                o.uid.clone().or_else(|| o.name.clone())
            })
            .collect();
        vmis.sort();
        vmis.dedup();
        let mut restarts = None;
        for &id in &subject.launcher_pods {
            let root = snapshot.object(id).root();
            let Some(statuses) = root.at(&["status", "containerStatuses"]) else {
                continue;
            };
            for s in statuses.items() {
                if let Some(n) = s.get("restartCount").and_then(|n| n.as_i64()) {
                    restarts = Some(restarts.unwrap_or(0i64).saturating_add(n));
                }
            }
        }
        VmState {
            printable_status: str_at(&subject.vm, &["status", "printableStatus"]),
            vmi_phase: str_at(&subject.vmi, &["status", "phase"]),
            start_failures,
            launcher_pods,
            vmis,
            launcher_restarts: restarts,
        }
    }
}

/// The states of every subject of a snapshot, keyed as [`compare`] matches them.
pub fn states(snapshot: &Snapshot, subjects: &[Subject]) -> Vec<(ObjectRef, VmState)> {
    subjects
        .iter()
        .map(|s| (s.id.clone(), VmState::of(snapshot, s)))
        .collect()
}

/// Analyses both snapshots with `rules` and compares them.
pub fn diff(rules: &RuleSet, before: &Snapshot, after: &Snapshot) -> Diff {
    let side = |snapshot: &Snapshot| {
        let subjects = crate::correlate(snapshot);
        let report =
            crate::analyze_subjects(rules, snapshot, &subjects, &crate::Options::default());
        (report, states(snapshot, &subjects))
    };
    let (b, bs) = side(before);
    let (a, as_) = side(after);
    compare(&b, &bs, &a, &as_)
}

/// The key VMs are matched by: kind, namespace and name (not the capture's label).
type Key = (Option<String>, String, String);

fn key(r: &ObjectRef) -> Key {
    (r.namespace.clone(), r.name.clone(), r.kind.clone())
}

/// Compares two reports and the states of their subjects (from [`states`]). Subjects of
/// either report or either state list are compared.
pub fn compare(
    before: &Report,
    before_states: &[(ObjectRef, VmState)],
    after: &Report,
    after_states: &[(ObjectRef, VmState)],
) -> Diff {
    #[derive(Default)]
    struct Entry {
        seen_before: bool,
        seen_after: bool,
        before: Vec<Finding>,
        after: Vec<Finding>,
        state_before: Option<VmState>,
        state_after: Option<VmState>,
    }
    let mut entries: BTreeMap<Key, Entry> = BTreeMap::new();
    for s in &before.subjects {
        entries.entry(key(&s.subject)).or_default().seen_before = true;
    }
    for (r, st) in before_states {
        let e = entries.entry(key(r)).or_default();
        e.seen_before = true;
        e.state_before = Some(st.clone());
    }
    for s in &after.subjects {
        entries.entry(key(&s.subject)).or_default().seen_after = true;
    }
    for (r, st) in after_states {
        let e = entries.entry(key(r)).or_default();
        e.seen_after = true;
        e.state_after = Some(st.clone());
    }
    let finding = |d: &crate::Diagnosis| Finding {
        rule: d.rule.clone(),
        cause: d.cause.to_string(),
        severity: d.severity,
        summary: d.summary.clone(),
    };
    for d in &before.diagnoses {
        let e = entries.entry(key(&d.subject)).or_default();
        e.seen_before = true;
        e.before.push(finding(d));
    }
    for d in &after.diagnoses {
        let e = entries.entry(key(&d.subject)).or_default();
        e.seen_after = true;
        e.after.push(finding(d));
    }

    let mut summary = DiffSummary::default();
    let mut vms = Vec::with_capacity(entries.len());
    for ((namespace, name, kind), e) in entries {
        let has = |list: &[Finding], f: &Finding| list.iter().any(|x| x.rule == f.rule);
        let resolved: Vec<Finding> = e
            .before
            .iter()
            .filter(|f| !has(&e.after, f))
            .cloned()
            .collect();
        let persisting: Vec<Finding> = e
            .after
            .iter()
            .filter(|f| has(&e.before, f))
            .cloned()
            .collect();
        let new: Vec<Finding> = e
            .after
            .iter()
            .filter(|f| !has(&e.before, f))
            .cloned()
            .collect();
        let serious = |list: &[Finding]| list.iter().any(|f| f.severity >= Severity::Warning);
        let outcome = match (e.seen_before, e.seen_after) {
            (true, false) => Outcome::Gone,
            (false, true) => Outcome::Appeared,
            _ if serious(&persisting) => Outcome::Persisting,
            _ if serious(&new) => Outcome::New,
            _ if serious(&resolved) => Outcome::Fixed,
            _ => Outcome::Unchanged,
        };
        *match outcome {
            Outcome::Persisting => &mut summary.persisting,
            Outcome::New => &mut summary.new,
            Outcome::Fixed => &mut summary.fixed,
            Outcome::Unchanged => &mut summary.unchanged,
            Outcome::Gone => &mut summary.gone,
            Outcome::Appeared => &mut summary.appeared,
        } += 1;
        let changes = changes(outcome, e.state_before.as_ref(), e.state_after.as_ref());
        let (resolved, last_known) = if outcome == Outcome::Gone {
            (Vec::new(), resolved)
        } else {
            (resolved, Vec::new())
        };
        vms.push(VmDiff {
            kind,
            namespace,
            name,
            outcome,
            resolved,
            persisting,
            new,
            last_known,
            state_before: e.state_before,
            state_after: e.state_after,
            changes,
        });
    }
    let side = |r: &Report| Side {
        capture_time: r.capture_time.as_ref().map(|t| t.time.to_string()),
        subjects: r.subjects.len(),
        diagnoses: r.diagnoses.len(),
        inputs_read: r.inputs.read.len(),
        inputs_failed: r.inputs.failed.len(),
    };
    Diff {
        schema: SCHEMA.to_owned(),
        before: side(before),
        after: side(after),
        summary,
        vms,
    }
}

/// The changes of the watched state, in words.
fn changes(outcome: Outcome, before: Option<&VmState>, after: Option<&VmState>) -> Vec<String> {
    let mut out = Vec::new();
    match outcome {
        Outcome::Gone => {
            out.push("not in the second capture: not known to be fixed".to_owned());
            return out;
        }
        Outcome::Appeared => {
            out.push("not in the first capture".to_owned());
        }
        _ => {}
    }
    let (Some(b), Some(a)) = (before, after) else {
        return out;
    };
    let word = |v: &Option<String>| v.clone().unwrap_or_else(|| "not captured".to_owned());
    if b.printable_status.is_some() || a.printable_status.is_some() {
        out.push(format!(
            "printableStatus {} → {}",
            word(&b.printable_status),
            word(&a.printable_status)
        ));
    }
    if b.vmi_phase.is_some() || a.vmi_phase.is_some() {
        out.push(format!(
            "VMI phase {} → {}",
            word(&b.vmi_phase).replace("not captured", "none"),
            word(&a.vmi_phase).replace("not captured", "none")
        ));
    }
    if b.start_failures.is_some() || a.start_failures.is_some() {
        let n = |v: Option<i64>| v.map_or_else(|| "not captured".to_owned(), |n| n.to_string());
        out.push(format!(
            "start failures {} → {}",
            n(b.start_failures),
            n(a.start_failures)
        ));
    }
    let new_pods: Vec<&String> = a
        .launcher_pods
        .iter()
        .filter(|p| !b.launcher_pods.contains(p))
        .collect();
    match new_pods.len() {
        0 => out.push("no new launcher pod".to_owned()),
        n => out.push(format!(
            "{n} new launcher pod(s): {}",
            new_pods
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    let new_vmis = a.vmis.iter().filter(|v| !b.vmis.contains(v)).count();
    match new_vmis {
        0 => out.push("no new VMI".to_owned()),
        n => out.push(format!("{n} new VMI(s)")),
    }
    if let (Some(rb), Some(ra)) = (b.launcher_restarts, a.launcher_restarts)
        && new_pods.is_empty()
    {
        out.push(format!("launcher container restarts {rb} → {ra}"));
    }
    out
}

impl Diff {
    /// The most severe diagnosis that persists or is new, if any: what `--fail-on` tests.
    pub fn worst_open(&self) -> Option<Severity> {
        self.vms
            .iter()
            .flat_map(|v| v.persisting.iter().chain(&v.new))
            .map(|f| f.severity)
            .max()
    }

    /// Serialises the JSON contract, pretty-printed, with a final newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        out.push('\n');
        out
    }

    /// The VMs most in need of attention first: persisting, new, fixed, gone, appeared,
    /// unchanged; by name within each.
    fn ordered(&self) -> Vec<&VmDiff> {
        let rank = |o: Outcome| match o {
            Outcome::Persisting => 0,
            Outcome::New => 1,
            Outcome::Fixed => 2,
            Outcome::Gone => 3,
            Outcome::Appeared => 4,
            Outcome::Unchanged => 5,
        };
        let mut v: Vec<&VmDiff> = self.vms.iter().collect();
        v.sort_by_key(|d| rank(d.outcome));
        v
    }

    /// The comparison for people, one block per VM with something to say (VMs unchanged and
    /// without findings are counted only).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{} fixed, {} persisting, {} new, {} gone, {} appeared, {} unchanged",
            s.fixed, s.persisting, s.new, s.gone, s.appeared, s.unchanged
        );
        let _ = writeln!(
            out,
            "before: {}; after: {}",
            side_line(&self.before),
            side_line(&self.after)
        );
        for v in self.ordered() {
            if quiet(v) {
                continue;
            }
            let _ = writeln!(
                out,
                "\n{} {} {}",
                v.outcome.name().to_uppercase(),
                v.kind,
                v.display_name()
            );
            for c in &v.changes {
                let _ = writeln!(out, "    {c}");
            }
            for (word, list) in [
                ("persists", &v.persisting),
                ("new", &v.new),
                ("resolved", &v.resolved),
                ("last seen", &v.last_known),
            ] {
                for f in list {
                    let _ = writeln!(
                        out,
                        "    {word:<9} {:<8} {} [{}]: {}",
                        f.severity, f.rule, f.cause, f.summary
                    );
                }
            }
        }
        out
    }

    /// The comparison for tickets and agents, stating that nothing was executed.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# kvdiag diff\n\n");
        let s = &self.summary;
        let _ = writeln!(
            out,
            "{} fixed, {} persisting, {} new, {} gone, {} appeared, {} unchanged.\n",
            s.fixed, s.persisting, s.new, s.gone, s.appeared, s.unchanged
        );
        let _ = writeln!(
            out,
            "- before: {}\n- after: {}\n",
            side_line(&self.before),
            side_line(&self.after)
        );
        out.push_str(
            "> kvdiag only compared two captures; it ran nothing. A VM missing from the second \
             capture is reported as gone, not as fixed.\n",
        );
        for v in self.ordered() {
            if quiet(v) {
                continue;
            }
            let _ = writeln!(
                out,
                "\n## {} {} — {}\n",
                v.kind,
                v.display_name(),
                v.outcome.name()
            );
            for c in &v.changes {
                let _ = writeln!(out, "- {c}");
            }
            for (word, list) in [
                ("Persisting", &v.persisting),
                ("New", &v.new),
                ("Resolved", &v.resolved),
                ("Last known (whether resolved is not known)", &v.last_known),
            ] {
                if list.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "\n**{word}**\n");
                for f in list {
                    let _ = writeln!(
                        out,
                        "- {} `{}` (`{}`): {}",
                        f.severity.name().to_uppercase(),
                        f.rule,
                        f.cause,
                        f.summary
                    );
                }
            }
        }
        out
    }
}

/// The JSON Schema of [`Diff`] (`kvdiag-diff/v1`), for validating `kvdiag diff -o json`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Diff)).unwrap_or(serde_json::Value::Null)
}

/// Whether a VM has nothing to say: unchanged and without findings.
fn quiet(v: &VmDiff) -> bool {
    v.outcome == Outcome::Unchanged && v.resolved.is_empty() && v.new.is_empty()
}

fn side_line(s: &Side) -> String {
    let time = s.capture_time.as_deref().map_or_else(
        || "capture time unknown".to_owned(),
        |t| format!("captured {t}"),
    );
    format!(
        "{time}, {} subject(s), {} diagnosis(es), {} input(s) read, {} unreadable",
        s.subjects, s.diagnoses, s.inputs_read, s.inputs_failed
    )
}
