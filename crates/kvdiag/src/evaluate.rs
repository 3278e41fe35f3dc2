//! Stage 4, evaluate: every rule against every subject, logs scanned once per stream for all
//! rules' patterns together.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use rayon::prelude::*;
use serde_json::Value;

use crate::cause::{Cause, Severity};
use crate::correlate::{Facet, Subject, correlate};
use crate::measure::{parse_quantity, parse_timestamp};
use crate::object::ObjectRef;
use crate::parse::{PatternHits, finish_hits, record};
use crate::report::{Diagnosis, Evidence, Remediation, Report, SCHEMA, SubjectReport, Summary};
use crate::rules::{Cmp, Condition, Field, Known, LogTest, Op, Operand, Rule, RuleSet, Test, Var};
use crate::snapshot::{CaptureTimeSource, LogId, ObjectId, Snapshot};

/// Log lines kept as evidence per matched pattern and stream; the rest are counted.
const LOG_EVIDENCE_LINES: usize = 3;
/// Values kept as evidence per path test and object.
const VALUE_EVIDENCE: usize = 5;
/// Longest JSON rendering of a value kept whole in evidence.
const VALUE_EVIDENCE_BYTES: usize = 400;

/// Correlates the snapshot and evaluates every rule on every subject.
///
/// ```
/// use kvdiag::{Hint, RuleSet, Snapshot, analyze};
/// let rules = RuleSet::builtin()?;
/// let mut snapshot = Snapshot::builder();
/// snapshot.add_input("vm.yaml", b"apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db, namespace: prod}\nstatus: {printableStatus: Running}\n", &Hint::Auto);
/// let report = analyze(&rules, &snapshot.build());
/// assert_eq!(report.subjects.len(), 1);
/// assert!(report.diagnoses.is_empty());
/// # Ok::<(), kvdiag::LoadError>(())
/// ```
pub fn analyze(rules: &RuleSet, snapshot: &Snapshot) -> Report {
    analyze_with(rules, snapshot, &Options::default())
}

/// What an analysis adds beyond the diagnoses.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// Add, per subject, the inputs that were not captured and the rules that therefore could
    /// not run ([`Report::coverage`]).
    pub explain: bool,
    /// Add, per subject with a diagnosis, what happened to it in time order
    /// ([`Report::timelines`]).
    pub timeline: bool,
}

impl Options {
    /// Options with `timeline` set.
    pub fn timeline(mut self, timeline: bool) -> Options {
        self.timeline = timeline;
        self
    }

    /// Options with `explain` set.
    pub fn explain(mut self, explain: bool) -> Options {
        self.explain = explain;
        self
    }
}

/// [`analyze`] with options.
pub fn analyze_with(rules: &RuleSet, snapshot: &Snapshot, options: &Options) -> Report {
    analyze_subjects(rules, snapshot, &correlate(snapshot), options)
}

/// The number of subjects from which they are evaluated in parallel (each takes ~20 µs).
const PARALLEL_FROM: usize = 16;

/// [`analyze_with`] on subjects already correlated (`correlate(snapshot)`), e.g. to time the
/// stages apart.
pub fn analyze_subjects(
    rules: &RuleSet,
    snapshot: &Snapshot,
    subjects: &[Subject],
    options: &Options,
) -> Report {
    let mut diagnoses = Vec::new();
    let mut reports = Vec::with_capacity(subjects.len());
    // Subjects are evaluated in parallel, the results in the subjects' order; a few are
    // evaluated here (waking the thread pool would take longer than evaluating them).
    let one = |subject| evaluate(rules, snapshot, subject);
    let found_all: Vec<Vec<Diagnosis>> = if subjects.len() < PARALLEL_FROM {
        subjects.iter().map(one).collect()
    } else {
        subjects.par_iter().map(one).collect()
    };
    // The subjects listed, for what was not checked in them (with `explain` only).
    let mut listed = Vec::new();
    let mut timelines = Vec::new();
    for (subject, found) in subjects.iter().zip(found_all) {
        // Storage, node and unplaced evidence is listed only with a finding.
        if !subject.listed_always() && found.is_empty() {
            continue;
        }
        if options.explain {
            listed.push(subject);
        }
        if options.timeline && !found.is_empty() {
            timelines.push(crate::timeline::timeline(snapshot, subject, &found));
        }
        reports.push(SubjectReport {
            subject: subject.id.clone(),
            status: subject.status(snapshot),
            diagnoses: found.len(),
            worst: found.iter().map(|d| d.severity).max(),
        });
        diagnoses.extend(found);
    }
    diagnoses.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| subject_key(&a.subject).cmp(&subject_key(&b.subject)))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    let summary = Summary::of(reports.len(), &diagnoses);
    Report {
        schema: SCHEMA,
        capture_time: snapshot.capture_time(),
        captures: snapshot.read_captures().map(|(_, c)| c.clone()).collect(),
        summary,
        subjects: reports,
        diagnoses,
        coverage: if options.explain {
            crate::coverage::coverage_of(rules, snapshot, listed)
        } else {
            Vec::new()
        },
        timelines,
        inputs: snapshot.inputs().clone(),
    }
}

fn subject_key(s: &ObjectRef) -> (&Option<String>, &str, &str) {
    (&s.namespace, &s.name, &s.kind)
}

/// Evaluates every rule on one subject; diagnoses most severe first, generic ones removed when
/// a cause they yield to was found, and one diagnosis per cause (the most severe).
pub fn evaluate(rules: &RuleSet, snapshot: &Snapshot, subject: &Subject) -> Vec<Diagnosis> {
    let hits: Vec<StreamHits> = subject
        .logs
        .iter()
        .map(|&id| StreamHits::scan(rules, snapshot, id))
        .collect();
    let ctx = Ctx {
        snapshot,
        subject,
        now: snapshot.time_of(subject.capture).map(|c| c.time),
        estimated: snapshot
            .time_of(subject.capture)
            .is_some_and(|c| c.source == CaptureTimeSource::NewestInData),
        hits: &hits,
        rules,
    };
    let mut found: Vec<(&Rule, Found)> = rules
        .rules
        .iter()
        .filter_map(|rule| Some((rule, ctx.condition(&rule.when, &Captures::new())?)))
        .collect();
    let causes: Vec<Cause> = found.iter().map(|(r, _)| r.cause.clone()).collect();
    let keep = stepped_aside(&found.iter().map(|(r, _)| *r).collect::<Vec<_>>(), &causes);
    let mut out: Vec<Diagnosis> = found
        .drain(..)
        .zip(keep)
        .filter(|(_, keep)| *keep)
        .map(|((rule, f), _)| ctx.diagnosis(rule, f))
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
    });
    // One diagnosis per cause: the most severe rule for it speaks for the subject.
    let mut seen = Vec::new();
    out.retain(|d| {
        let first = !seen.contains(&d.cause);
        seen.push(d.cause.clone());
        first
    });
    out
}

/// Which of the matched rules keep their diagnosis: a rule steps aside when a rule it yields to
/// matched and was itself kept. `yields_to` chains are acyclic (checked when rules load).
fn stepped_aside(rules: &[&Rule], causes: &[Cause]) -> Vec<bool> {
    fn kept(i: usize, rules: &[&Rule], causes: &[Cause], memo: &mut [Option<bool>]) -> bool {
        if let Some(k) = memo[i] {
            return k;
        }
        let yields = rules[i].yields_to();
        let k = !(0..rules.len())
            .any(|j| j != i && yields.contains(&causes[j]) && kept(j, rules, causes, memo));
        memo[i] = Some(k);
        k
    }
    let mut memo = vec![None; rules.len()];
    (0..rules.len())
        .map(|i| kept(i, rules, causes, &mut memo))
        .collect()
}

/// The lines of one stream that matched each log pattern of the rule set.
struct StreamHits {
    log: LogId,
    /// pattern index → the lines it matched.
    by_pattern: HashMap<usize, PatternHits>,
}

impl StreamHits {
    fn scan(rules: &RuleSet, snapshot: &Snapshot, log: LogId) -> StreamHits {
        let stream = snapshot.log(log);
        // A stream scanned with these very patterns while it was read: its hits are known.
        if let Some(hits) = stream.hits_for(&rules.logs.filter) {
            let by_pattern = hits.iter().cloned().collect();
            return StreamHits { log, by_pattern };
        }
        let filter = &rules.logs.filter;
        let mut hits = vec![PatternHits::default(); filter.patterns().len()];
        if !hits.is_empty() {
            // The literal prefilter first: a pattern's regex only where it can match.
            filter.for_each_match(stream, |i, matched| {
                let number = stream.line(i).map_or(i + 1, |l| l.number);
                record(&mut hits, matched, i, number);
            });
        }
        let by_pattern = finish_hits(hits).into_iter().collect();
        StreamHits { log, by_pattern }
    }
}

/// Values captured so far: named regex groups and `capture:` values.
type Captures = BTreeMap<String, String>;

/// What a condition matched: evidence, captured values, and the object of each facet the
/// diagnosis is about.
#[derive(Default)]
struct Found {
    evidence: Vec<Evidence>,
    captures: BTreeMap<String, String>,
    focus: BTreeMap<Facet, ObjectId>,
    /// The severity the conditions that held grade the diagnosis with; `None`: the rule's.
    graded: Option<Severity>,
}

impl Found {
    /// Adds what a condition that also holds found (`all`): the lowest grade wins.
    fn and(&mut self, other: Found) {
        self.graded = match (self.graded, other.graded) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.merge(other);
    }

    /// Adds what another alternative that holds found (`any`): an ungraded alternative speaks
    /// for the whole rule.
    fn or(&mut self, other: Found, first: bool) {
        self.graded = match (first, self.graded, other.graded) {
            (true, _, g) => g,
            (false, Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
        self.merge(other);
    }

    fn merge(&mut self, other: Found) {
        self.evidence.extend(other.evidence);
        for (k, v) in other.captures {
            self.captures.entry(k).or_insert(v);
        }
        for (k, v) in other.focus {
            self.focus.entry(k).or_insert(v);
        }
    }
}

struct Ctx<'a> {
    snapshot: &'a Snapshot,
    subject: &'a Subject,
    now: Option<Timestamp>,
    /// Whether `now` was only estimated from the newest time in the data: an age measured
    /// from that very time is then unknown, not zero.
    estimated: bool,
    hits: &'a [StreamHits],
    rules: &'a RuleSet,
}

impl Ctx<'_> {
    /// Evaluates `c`; `known` holds what conditions evaluated before it captured, so that a
    /// comparison can refer to them.
    fn condition(&self, c: &Condition, known: &Captures) -> Option<Found> {
        match c {
            Condition::All(children) => {
                let mut out = Found::default();
                let mut known = known.clone();
                for child in children {
                    let found = self.condition(child, &known)?;
                    for (k, v) in &found.captures {
                        known.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    out.and(found);
                }
                Some(out)
            }
            Condition::Any(children) => {
                let mut out: Option<Found> = None;
                for f in children.iter().filter_map(|c| self.condition(c, known)) {
                    let first = out.is_none();
                    out.get_or_insert_with(Found::default).or(f, first);
                }
                out
            }
            Condition::Graded(severity, child) => {
                let mut found = self.condition(child, known)?;
                found.graded = Some(found.graded.map_or(*severity, |g| g.min(*severity)));
                Some(found)
            }
            Condition::First(children) => children.iter().find_map(|c| self.condition(c, known)),
            Condition::Not(child) => match self.condition(child, known) {
                Some(_) => None,
                None => Some(Found::default()),
            },
            // Corroboration never grades a diagnosis.
            Condition::Optional(child) => Some(Found {
                graded: None,
                ..self.condition(child, known).unwrap_or_default()
            }),
            Condition::Object { facet, test } => {
                let mut out: Option<Found> = None;
                for &id in self.subject.objects(*facet) {
                    let mut values = Vec::new();
                    let mut captures = known.clone();
                    if self.test(test, id, &mut values, &mut captures) {
                        let object = self.snapshot.object(id);
                        let found = out.get_or_insert_with(Found::default);
                        found.focus.entry(*facet).or_insert(id);
                        for (k, v) in captures {
                            found.captures.entry(k).or_insert(v);
                        }
                        found
                            .evidence
                            .extend(values.into_iter().map(|(path, value)| Evidence::Object {
                                object: object.object_ref(),
                                origin: object.origin_of(&path),
                                path,
                                value: trim_value(value),
                            }));
                    }
                }
                out
            }
            Condition::Log(t) => self.log(t),
        }
    }

    /// Whether object `id` passes `test`; matched values and captures are added.
    fn test(
        &self,
        test: &Test,
        id: ObjectId,
        values: &mut Vec<(String, Value)>,
        captures: &mut BTreeMap<String, String>,
    ) -> bool {
        match test {
            Test::All(children) => {
                // Evidence and captures count only when every test holds.
                let (mut v, mut c) = (Vec::new(), captures.clone());
                if !children.iter().all(|t| self.test(t, id, &mut v, &mut c)) {
                    return false;
                }
                values.extend(v);
                *captures = c;
                true
            }
            Test::Any(children) => {
                // Every passing branch contributes evidence.
                let mut any = false;
                for t in children {
                    let (mut v, mut c) = (Vec::new(), captures.clone());
                    if self.test(t, id, &mut v, &mut c) {
                        values.extend(v);
                        *captures = c;
                        any = true;
                    }
                }
                any
            }
            Test::First(children) => children.iter().any(|t| {
                let (mut v, mut c) = (Vec::new(), captures.clone());
                let holds = self.test(t, id, &mut v, &mut c);
                if holds {
                    values.extend(v);
                    *captures = c;
                }
                holds
            }),
            Test::Not(child) => !self.test(child, id, &mut Vec::new(), &mut captures.clone()),
            Test::Path { path, op, capture } => {
                let found = path.query(self.snapshot.object(id).root());
                let matched: Vec<(String, Value)> = match op {
                    Op::Absent => {
                        if !found.is_empty() {
                            return false;
                        }
                        values.push((path.as_str().to_owned(), Value::Null));
                        return true;
                    }
                    Op::Exists => found,
                    _ => found
                        .into_iter()
                        .filter(|(_, v)| self.op(op, v, captures))
                        .collect(),
                };
                if matched.is_empty() {
                    return false;
                }
                if let Some(name) = capture {
                    captures
                        .entry(name.clone())
                        .or_insert_with(|| scalar_text(&matched[0].1));
                }
                values.extend(matched.into_iter().take(VALUE_EVIDENCE));
                true
            }
        }
    }

    fn op(&self, op: &Op, value: &Value, captures: &mut BTreeMap<String, String>) -> bool {
        match op {
            Op::Equals(expected) => scalar_eq(value, expected),
            Op::In(options) => options.iter().any(|o| scalar_eq(value, o)),
            Op::Matches(re) => {
                let text = scalar_text(value);
                let text = crate::measure::plain_punctuation(&text);
                let Some(caps) = re.captures(&text) else {
                    return false;
                };
                for name in re.capture_names().flatten() {
                    if let Some(m) = caps.name(name) {
                        captures
                            .entry(name.to_owned())
                            .or_insert_with(|| m.as_str().to_owned());
                    }
                }
                true
            }
            Op::ExcludesAll(re) => {
                let text = scalar_text(value);
                crate::measure::excludes_all(&crate::measure::plain_punctuation(&text), re)
            }
            Op::Exists | Op::Absent => true,
            Op::AgeUnknown => parse_timestamp(&scalar_text(value))
                .is_some_and(|t| self.now.is_none_or(|now| self.estimated && t == now)),
            Op::Compare(cmp, operand) => {
                let (quantity, duration) = match operand {
                    Operand::Literal { quantity, duration } => (*quantity, *duration),
                    Operand::Capture { name, times, plus } => {
                        let q = captures.get(name).and_then(|v| parse_quantity(v));
                        (q.map(|q| q * times + plus), None)
                    }
                };
                let text = scalar_text(value);
                let (left, right) = match (parse_timestamp(&text), duration, self.now) {
                    // A timestamp compares its age with a duration.
                    // The time that set an estimated capture time has no known age.
                    (Some(t), Some(_), Some(now)) if self.estimated && t == now => return false,
                    (Some(t), Some(d), Some(now)) => {
                        let age = now.duration_since(t);
                        (age.as_secs_f64(), d.as_secs_f64())
                    }
                    (Some(_), _, _) => return false,
                    (None, _, _) => match (number(value), quantity) {
                        (Some(l), Some(r)) => (l, r),
                        _ => return false,
                    },
                };
                match cmp {
                    Cmp::Gt => left > right,
                    Cmp::Ge => left >= right,
                    Cmp::Lt => left < right,
                    Cmp::Le => left <= right,
                }
            }
        }
    }

    fn log(&self, t: &LogTest) -> Option<Found> {
        let mut out: Option<Found> = None;
        for hits in self.hits {
            let Some(matched) = hits.by_pattern.get(&t.pattern) else {
                continue;
            };
            // Lines a later line of `not_followed_by` makes moot.
            let until = t
                .not_followed_by
                .and_then(|p| hits.by_pattern.get(&p))
                .map_or(0, |h| h.last);
            let stream = self.snapshot.log(hits.log);
            let src = &stream.source;
            if let (Some(want), Some(have)) = (&t.containers, src.writer())
                && !want.iter().any(|w| w == have)
            {
                continue;
            }
            if t.previous.is_some_and(|p| p != src.previous) {
                continue;
            }
            let passing: Vec<_> = matched
                .lines
                .iter()
                .filter_map(|&i| stream.line(i))
                .filter(|l| l.number > until)
                .filter(|l| {
                    t.excludes_all.as_ref().is_none_or(|re| {
                        crate::measure::excludes_all(&crate::measure::plain_punctuation(l.text), re)
                    })
                })
                .filter(|l| {
                    t.fields
                        .iter()
                        .all(|(k, v)| l.field(k).as_deref() == Some(v))
                })
                .collect();
            let Some(first) = passing.first() else {
                continue;
            };
            let found = out.get_or_insert_with(Found::default);
            let re = &self.rules.logs.filter.regexes()[t.pattern];
            let plain = crate::measure::plain_punctuation(first.text);
            if let Some(caps) = re.captures(&plain) {
                for name in re.capture_names().flatten() {
                    if let Some(m) = caps.name(name) {
                        found
                            .captures
                            .entry(name.to_owned())
                            .or_insert_with(|| m.as_str().to_owned());
                    }
                }
            }
            if let Some(pod) = &src.pod
                && let Some(id) =
                    self.snapshot
                        .find(self.subject.capture, "Pod", src.namespace.as_deref(), pod)
            {
                found.focus.entry(Facet::Pod).or_insert(id);
            }
            // With field filters or a later line the exact count is of the kept lines;
            // otherwise of all hits.
            let count = if t.fields.is_empty() && until == 0 {
                matched.total
            } else {
                passing.len()
            };
            let shown = passing.len().min(LOG_EVIDENCE_LINES);
            for (n, line) in passing.iter().take(LOG_EVIDENCE_LINES).enumerate() {
                found.evidence.push(Evidence::Log {
                    log: src.clone(),
                    line: line.number,
                    timestamp: line.timestamp.map(str::to_owned),
                    text: line.text.to_owned(),
                    more: if n + 1 == shown { count - shown } else { 0 },
                });
            }
        }
        out
    }

    fn diagnosis(&self, rule: &Rule, found: Found) -> Diagnosis {
        let lookup = |v: &Var| self.lookup(v, &found);
        // A step is proposed when all it needs known (`if`) and nothing it must not (`unless`)
        // is known.
        let known = |k: &Known| match k {
            // Whole: an object read from `kubectl` text holds only what the text showed, so a
            // list it lacks may exist.
            Known::Captured(facet) => self.object_for(*facet, &found).is_some_and(|id| {
                self.snapshot
                    .object(id)
                    .root()
                    .get(crate::parse::TEXT_MEMBER)
                    .is_none()
            }),
            Known::Match(name) => found.captures.contains_key(name),
        };
        let render = |steps: &[crate::rules::Remedy]| -> Vec<Remediation> {
            steps
                .iter()
                .filter(|r| r.only_if.iter().all(known) && !r.unless.iter().any(known))
                .map(|r| Remediation {
                    text: r.text.render(lookup),
                    command: r.command.as_ref().map(|c| c.render(lookup)),
                })
                .collect()
        };
        Diagnosis {
            rule: rule.id.clone(),
            cause: rule.cause.clone(),
            severity: found.graded.unwrap_or(rule.severity),
            subject: self.subject.id.clone(),
            title: rule.title.clone(),
            summary: rule.summary.render(lookup),
            remediation: render(&rule.remediation),
            options: render(&rule.options),
            verify: render(&rule.verify),
            references: rule.references.clone(),
            evidence: found.evidence,
        }
    }

    fn lookup(&self, var: &Var, found: &Found) -> Option<String> {
        let pick = |r: ObjectRef, field: &Field| match field {
            Field::Kind => Some(r.kind),
            Field::Namespace => r.namespace,
            Field::Name => Some(r.name),
        };
        match var {
            Var::Subject(field) => pick(self.subject.id.clone(), field),
            Var::Match(name) => found.captures.get(name).cloned(),
            Var::Object(facet, field) => {
                if let Some(id) = self.object_for(*facet, found) {
                    return pick(self.snapshot.object(id).object_ref(), field);
                }
                let s = &self.subject.id;
                match (facet, field) {
                    // A VMI has its VM's name; a subject named after either stands for both,
                    // and a subject formed from other evidence knows the name it names.
                    (Facet::Vm | Facet::Vmi, _)
                        if s.kind == "VirtualMachine" || s.kind == "VirtualMachineInstance" =>
                    {
                        pick(s.clone(), field)
                    }
                    (Facet::Vm | Facet::Vmi, Field::Name) => self.subject.vm_name.clone(),
                    (Facet::Vm | Facet::Vmi, Field::Kind) => None,
                    (Facet::Node, Field::Name) => self.node_name(),
                    // A pod known only from its logs: the one whose line matched, else any.
                    (Facet::Pod, Field::Name) => found
                        .evidence
                        .iter()
                        .find_map(|e| match e {
                            Evidence::Log { log, .. } => log.pod.clone(),
                            Evidence::Object { .. } => None,
                        })
                        .or_else(|| {
                            self.subject
                                .logs
                                .iter()
                                .find_map(|&id| self.snapshot.log(id).source.pod.clone())
                        })
                        .or_else(|| self.subject.pod_names.first().cloned()),
                    (_, Field::Namespace) => s.namespace.clone(),
                    _ => None,
                }
            }
        }
    }

    /// The object of `facet` a diagnosis is about: the one that matched, else the subject's
    /// (for pods, the newest launcher pod).
    fn object_for(&self, facet: Facet, found: &Found) -> Option<ObjectId> {
        let s = self.subject;
        match facet {
            Facet::Pod | Facet::LauncherPod => found
                .focus
                .get(&Facet::LauncherPod)
                .or_else(|| found.focus.get(&Facet::Pod))
                .copied()
                .or_else(|| {
                    s.launcher_pods.iter().copied().max_by_key(|&id| {
                        self.snapshot
                            .object(id)
                            .str_at(&["metadata", "creationTimestamp"])
                            .and_then(parse_timestamp)
                    })
                })
                .or_else(|| s.pods.first().copied()),
            f => found
                .focus
                .get(&f)
                .copied()
                .or_else(|| s.objects(f).first().copied()),
        }
    }

    /// The node's name when no Node object was captured: from the VMI or a launcher pod.
    fn node_name(&self) -> Option<String> {
        let s = self.subject;
        s.vmi
            .iter()
            .find_map(|&id| self.snapshot.object(id).str_at(&["status", "nodeName"]))
            .or_else(|| {
                s.launcher_pods
                    .iter()
                    .find_map(|&id| self.snapshot.object(id).str_at(&["spec", "nodeName"]))
            })
            .map(str::to_owned)
            .or_else(|| s.node_names.first().cloned())
    }
}

/// A value as text: strings as they are, anything else in its JSON form.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Equality across YAML and JSON scalars: `137` equals `"137"`, `true` equals `"true"`.
fn scalar_eq(value: &Value, expected: &Value) -> bool {
    match (value, expected) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Object(_) | Value::Array(_), _) => false,
        _ => scalar_text(value) == scalar_text(expected),
    }
}

/// A number from a JSON number or a quantity string.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_quantity(s),
        _ => None,
    }
}

/// Large values (whole objects) are shortened in evidence.
fn trim_value(v: Value) -> Value {
    if !(v.is_object() || v.is_array()) {
        return v;
    }
    let text = v.to_string();
    if text.len() <= VALUE_EVIDENCE_BYTES {
        return v;
    }
    let mut end = VALUE_EVIDENCE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Value::String(format!("{}…", &text[..end]))
}
