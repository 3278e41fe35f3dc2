//! "Why didn't it fire": for each subject, the inputs that were not captured and the rules that
//! therefore could not run, or ran on part of what they look at.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::correlate::{Facet, Subject};
use crate::object::ObjectRef;
use crate::rules::{Condition, LogTest, RuleSet};
use crate::snapshot::Snapshot;

/// What was missing for one subject, and which rules that affected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Coverage {
    /// The subject.
    pub subject: ObjectRef,
    /// One entry per missing input.
    pub missing: Vec<Missing>,
}

/// One kind of input that was not captured for a subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Missing {
    /// What is missing, for people: `no log of container guest-console-log`.
    pub input: String,
    /// Rules that could not run at all without it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules_not_run: Vec<String>,
    /// Rules that ran on their other inputs only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules_partly_run: Vec<String>,
}

/// A thing a rule looks at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    Object(Facet),
    /// A log stream, of one of these containers when the rule says.
    Log(Option<Vec<String>>),
}

/// The coverage of every subject that missed something a rule looks at.
pub fn coverage(rules: &RuleSet, snapshot: &Snapshot, subjects: &[Subject]) -> Vec<Coverage> {
    coverage_of(rules, snapshot, subjects)
}

/// [`coverage`] of any subjects (the evaluator's listed ones, by reference).
pub(crate) fn coverage_of<'s>(
    rules: &RuleSet,
    snapshot: &Snapshot,
    subjects: impl IntoIterator<Item = &'s Subject>,
) -> Vec<Coverage> {
    subjects
        .into_iter()
        .filter_map(|s| {
            let c = subject_coverage(rules, snapshot, s);
            (!c.missing.is_empty()).then_some(c)
        })
        .collect()
}

fn subject_coverage(rules: &RuleSet, snapshot: &Snapshot, subject: &Subject) -> Coverage {
    let have = Have { snapshot, subject };
    let mut missing: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for rule in rules.rules() {
        let mut needs = Vec::new();
        needs_of(&rule.when, &mut needs);
        needs.sort();
        needs.dedup();
        // Objects read from `kubectl get` rows hold only what the table printed: the rules that
        // look at them ran on part of what they test.
        for need in &needs {
            if let Need::Object(facet) = need
                && let Some(input) = have.only_table_rows(*facet)
            {
                missing.entry(input).or_default().1.push(rule.id.clone());
            }
        }
        let absent: Vec<&Need> = needs.iter().filter(|n| !have.has(n)).collect();
        if absent.is_empty() {
            continue;
        }
        let runs = have.can_hold(&rule.when);
        for need in absent {
            let Some(input) = have.describe(need) else {
                continue;
            };
            let entry = missing.entry(input).or_default();
            if runs {
                entry.1.push(rule.id.clone());
            } else {
                entry.0.push(rule.id.clone());
            }
        }
    }
    // Ages are measured from the capture time: without one, or with one only estimated from
    // the data, the rules that test ages run on their other evidence only.
    let time = snapshot.time_of(subject.capture);
    let unmeasured = match time.map(|t| t.source) {
        None => Some("a capture time: no age could be measured (give --now)"),
        Some(crate::snapshot::CaptureTimeSource::NewestInData) => Some(
            "a capture time: it was estimated from the newest time in the data, whose own age \
             is unknown (give --now, or capture the must-gather's timestamp file)",
        ),
        Some(_) => None,
    };
    if let Some(input) = unmeasured {
        let aged: Vec<String> = rules
            .rules()
            .iter()
            .filter(|r| tests_age(&r.when))
            .map(|r| r.id.clone())
            .collect();
        if !aged.is_empty() {
            missing.entry(input.to_owned()).or_default().1.extend(aged);
        }
    }
    Coverage {
        subject: subject.id.clone(),
        missing: missing
            .into_iter()
            .map(|(input, (not_run, partly))| Missing {
                input,
                rules_not_run: not_run,
                rules_partly_run: partly,
            })
            .collect(),
    }
}

/// Whether a condition compares the age of a timestamp with a duration.
fn tests_age(c: &Condition) -> bool {
    match c {
        Condition::All(cs) | Condition::Any(cs) | Condition::First(cs) => cs.iter().any(tests_age),
        Condition::Not(c) | Condition::Optional(c) | Condition::Graded(_, c) => tests_age(c),
        Condition::Object { test, .. } => test.compares_age(),
        Condition::Log(_) => false,
    }
}

fn needs_of(c: &Condition, out: &mut Vec<Need>) {
    match c {
        Condition::All(cs) | Condition::Any(cs) | Condition::First(cs) => {
            cs.iter().for_each(|c| needs_of(c, out))
        }
        // What a `not` or `optional` looks at cannot make a rule fire.
        Condition::Not(_) | Condition::Optional(_) => {}
        Condition::Graded(_, c) => needs_of(c, out),
        Condition::Object { facet, .. } => out.push(Need::Object(*facet)),
        Condition::Log(t) => out.push(Need::Log(t.containers.clone())),
    }
}

struct Have<'a> {
    snapshot: &'a Snapshot,
    subject: &'a Subject,
}

impl Have<'_> {
    fn has(&self, need: &Need) -> bool {
        match need {
            Need::Object(f) => self.subject.has(*f),
            // A fragment's values are no container's log, whatever they quote.
            Need::Log(containers) => self.subject.logs.iter().any(|&id| {
                let log = self.snapshot.log(id);
                !log.is_empty()
                    && log.source.kind != Some(crate::parse::LogKind::Fragment)
                    && log_matches(containers.as_deref(), log.source.writer())
            }),
        }
    }

    /// `virt-launcher pod only as `get pods` rows (the fields a table does not print are
    /// absent)` when every object of `facet` was read from a `kubectl get` table.
    fn only_table_rows(&self, facet: Facet) -> Option<String> {
        let ids = self.subject.objects(facet);
        let mut forms: Vec<&str> = Vec::new();
        for &id in ids {
            let form = self
                .snapshot
                .object(id)
                .root()
                .at(&[crate::parse::TEXT_MEMBER, "form"])
                .and_then(crate::tree::Node::as_str)
                .filter(|f| f.starts_with("get "))?;
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        if forms.is_empty() {
            return None;
        }
        let what = match facet {
            Facet::Vm => "VirtualMachine",
            Facet::Vmi => "VirtualMachineInstance",
            Facet::LauncherPod => "virt-launcher pod",
            Facet::Pod => "pod",
            Facet::Dv => "DataVolume",
            Facet::Pvc => "PersistentVolumeClaim",
            Facet::Migration => "VirtualMachineInstanceMigration",
            Facet::Node => "Node",
            // An event row prints every field rules test but its times.
            Facet::Event | Facet::Log => return None,
        };
        Some(format!(
            "{what} only as `{}` rows (the fields a table does not print are absent)",
            forms.join("`, `")
        ))
    }

    /// Whether the condition could hold given what was captured (not whether it does).
    fn can_hold(&self, c: &Condition) -> bool {
        match c {
            Condition::All(cs) => cs.iter().all(|c| self.can_hold(c)),
            Condition::Any(cs) | Condition::First(cs) => cs.iter().any(|c| self.can_hold(c)),
            Condition::Not(_) | Condition::Optional(_) => true,
            Condition::Graded(_, c) => self.can_hold(c),
            Condition::Object { facet, .. } => self.subject.has(*facet),
            Condition::Log(LogTest { containers, .. }) => self.has(&Need::Log(containers.clone())),
        }
    }

    /// The missing input in words; `None` when its absence is normal (a VM without
    /// DataVolumes has none to capture).
    fn describe(&self, need: &Need) -> Option<String> {
        let vm_like = !self.subject.vm.is_empty() || !self.subject.vmi.is_empty();
        Some(match need {
            Need::Object(Facet::Vm) => "no VirtualMachine object".into(),
            Need::Object(Facet::Vmi) => "no VirtualMachineInstance object".into(),
            Need::Object(Facet::LauncherPod) => "no virt-launcher pod".into(),
            Need::Object(Facet::Pod) => "no pod".into(),
            Need::Object(Facet::Event) => "no events".into(),
            Need::Object(Facet::Dv | Facet::Pvc)
                if vm_like && self.subject.volume_refs.is_empty() =>
            {
                return None;
            }
            Need::Object(Facet::Dv) => "no DataVolume object".into(),
            Need::Object(Facet::Pvc) => "no PersistentVolumeClaim object".into(),
            // Most VMs were never migrated.
            Need::Object(Facet::Migration) => return None,
            Need::Object(Facet::Node) => "no Node object".into(),
            Need::Object(Facet::Log) | Need::Log(None) => "no log".into(),
            Need::Log(Some(containers)) => {
                format!("no log of container {}", containers.join(" or "))
            }
        })
    }
}

/// A log of an unknown container may be any container.
fn log_matches(want: Option<&[String]>, have: Option<&str>) -> bool {
    match (want, have) {
        (Some(want), Some(have)) => want.iter().any(|w| w == have),
        _ => true,
    }
}
