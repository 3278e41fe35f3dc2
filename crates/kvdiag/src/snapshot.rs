//! Stage 2, index: everything read, deduplicated and indexed, with the capture time.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::BuildHasher;

use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::correlate::KINDS;
use crate::limits::{Limits, human_bytes};
use crate::measure::parse_timestamp;
use crate::object::Object;
use crate::outcome::{Added, Rejected};
use crate::parse::{Hint, LogFilter, LogStream, ParseError, Parsed, parse_input_with};
use crate::source::Origin;
use crate::tree::Node;

/// Index of an object in a [`Snapshot`].
pub type ObjectId = usize;
/// Index of a log stream in a [`Snapshot`].
pub type LogId = usize;
/// Index of a capture in a [`Snapshot`]: [`LOOSE_CAPTURE`] holds every input that belongs to
/// no recognised capture root.
pub type CaptureId = usize;
/// The capture of loose inputs (files, folders of saved files, standard input).
pub const LOOSE_CAPTURE: CaptureId = 0;

/// Everything captured, ready to correlate: objects (each once), log streams, the capture time
/// and the record of what was read.
#[derive(Debug)]
pub struct Snapshot {
    objects: Vec<Object>,
    /// The capture of each object.
    object_capture: Vec<CaptureId>,
    logs: Vec<LogStream>,
    /// The capture of each log stream.
    log_capture: Vec<CaptureId>,
    by_kind: BTreeMap<String, Vec<ObjectId>>,
    lookup: Lookup,
    captures: Vec<Capture>,
    inputs: Inputs,
}

/// One capture: a must-gather, an `oc adm inspect` tree, a support bundle, a cluster-info dump
/// (each a directory or an archive), or the loose inputs of one run. A capture is the unit of
/// time and identity: it has its own capture time, and the same `namespace/name` in two
/// captures is two subjects.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Capture {
    /// The capture's root as given (a path), or `inputs` for the loose inputs.
    pub name: Arc<str>,
    /// The kind of capture.
    pub kind: InputKind,
    /// The moment it describes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<CaptureTime>,
    /// Inputs read from it.
    pub inputs: usize,
}

/// The name of the capture of loose inputs.
pub const LOOSE_CAPTURE_NAME: &str = "inputs";

/// The namespace key of cluster-scoped objects in the name index (no namespace holds a NUL).
const NO_NAMESPACE: &str = "\u{0}";

/// Objects found by capture, kind, namespace and name, and by capture and uid. The tables
/// hold object ids only, hashed by those fields and compared against the objects: no name or
/// uid is copied (a must-gather of thousands of VMs has tens of thousands of objects).
#[derive(Debug, Default)]
struct Lookup {
    hasher: foldhash::fast::RandomState,
    /// The first object of each capture, kind, namespace and name.
    by_name: hashbrown::HashTable<ObjectId>,
    /// The last object of each capture and uid.
    by_uid: hashbrown::HashTable<ObjectId>,
}

/// What an object is found by: capture, kind, namespace, name.
type NameKey<'a> = (CaptureId, &'a str, Option<&'a str>, &'a str);

/// An object's namespace as it is looked up (cluster-scoped objects have none).
fn namespace_key(namespace: Option<&str>) -> &str {
    namespace.unwrap_or(NO_NAMESPACE)
}

/// The key object `id` is found by (its name is empty when it has none: such objects are
/// never in a table of names).
fn name_key<'a>(objects: &'a [Object], capture: &[CaptureId], id: ObjectId) -> NameKey<'a> {
    let o = &objects[id];
    let name = o.name.as_deref().unwrap_or_default();
    (capture[id], o.kind.as_str(), o.namespace.as_deref(), name)
}

fn name_hash(hasher: &foldhash::fast::RandomState, key: NameKey<'_>) -> u64 {
    let (cap, kind, namespace, name) = key;
    hasher.hash_one((cap, kind, namespace_key(namespace), name))
}

fn same_name(a: NameKey<'_>, b: NameKey<'_>) -> bool {
    a.0 == b.0 && a.1 == b.1 && a.3 == b.3 && namespace_key(a.2) == namespace_key(b.2)
}

impl Lookup {
    fn new(objects: &[Object], capture: &[CaptureId]) -> Lookup {
        let hasher = foldhash::fast::RandomState::default();
        let mut by_name = hashbrown::HashTable::new();
        let mut by_uid = hashbrown::HashTable::new();
        let name_of = |id: ObjectId| name_key(objects, capture, id);
        let uid_of = |id: ObjectId| (capture[id], objects[id].uid.as_deref().unwrap_or_default());
        for (id, o) in objects.iter().enumerate() {
            if o.name.is_some() {
                let key = name_of(id);
                let hash = name_hash(&hasher, key);
                let same = |&other: &ObjectId| same_name(name_of(other), key);
                let rehash = |&other: &ObjectId| name_hash(&hasher, name_of(other));
                if let hashbrown::hash_table::Entry::Vacant(e) = by_name.entry(hash, same, rehash) {
                    e.insert(id);
                }
            }
            if o.uid.is_some() {
                let key = uid_of(id);
                let same = |&other: &ObjectId| uid_of(other) == key;
                let rehash = |&other: &ObjectId| hasher.hash_one(uid_of(other));
                match by_uid.entry(hasher.hash_one(key), same, rehash) {
                    hashbrown::hash_table::Entry::Occupied(mut e) => *e.get_mut() = id,
                    hashbrown::hash_table::Entry::Vacant(e) => {
                        e.insert(id);
                    }
                }
            }
        }
        Lookup {
            hasher,
            by_name,
            by_uid,
        }
    }

    /// The object of `(capture, kind, namespace, name)`.
    fn find(
        &self,
        objects: &[Object],
        capture: &[CaptureId],
        key: NameKey<'_>,
    ) -> Option<ObjectId> {
        self.by_name
            .find(name_hash(&self.hasher, key), |&id| {
                same_name(name_key(objects, capture, id), key)
            })
            .copied()
    }

    /// The object with `uid` in capture `cap`.
    fn by_uid(
        &self,
        objects: &[Object],
        capture: &[CaptureId],
        cap: CaptureId,
        uid: &str,
    ) -> Option<ObjectId> {
        self.by_uid
            .find(self.hasher.hash_one((cap, uid)), |&id| {
                capture[id] == cap && objects[id].uid.as_deref() == Some(uid)
            })
            .copied()
    }
}

/// The moment the snapshot describes; ages ("deleted 10 minutes ago") are measured from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CaptureTime {
    /// The time.
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub time: Timestamp,
    /// Where it came from.
    pub source: CaptureTimeSource,
    /// The file it was read from (a must-gather `timestamp` file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Arc<str>>,
}

/// Where the capture time came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CaptureTimeSource {
    /// Given by the caller (`--now`).
    Given,
    /// The newest line of the capture's `timestamp` file(s): the end of the must-gather run.
    TimestampFile,
    /// The newest timestamp found in the captured data.
    NewestInData,
}

/// The kind of capture an input belongs to.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A file on its own (`oc get -o yaml` output, a saved log) or standard input.
    #[default]
    File,
    /// A file of a must-gather or `oc adm inspect` tree.
    MustGather,
    /// A file of a `kubectl cluster-info dump --output-directory` tree.
    ClusterInfoDump,
    /// An MCP tool output (or a part of a JSON-RPC result).
    Mcp,
    /// A file of a Harvester (support-bundle-kit) support bundle, or of one of its node zips.
    SupportBundle,
    /// A file of an Insights Operator archive (`insights-<time>.tar.gz`).
    Insights,
}

/// What was read, skipped and found unreadable, for the report.
#[derive(Clone, Debug, Default, Serialize, schemars::JsonSchema)]
pub struct Inputs {
    /// Inputs read, in the order given.
    pub read: Vec<InputRecord>,
    /// Inputs deliberately not read (irrelevant by path, secrets), with the reason.
    pub skipped: Vec<InputProblem>,
    /// Inputs that could not be read or parsed, with the reason.
    pub failed: Vec<InputProblem>,
    /// Counts per kind of input.
    pub by_kind: Vec<KindCounts>,
    /// Skipped inputs counted by reason, most frequent first.
    pub skipped_by_reason: Vec<ReasonCount>,
}

/// How many inputs of one kind were read, skipped and unreadable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KindCounts {
    /// The kind.
    pub kind: InputKind,
    /// Inputs read.
    pub read: usize,
    /// Inputs skipped.
    pub skipped: usize,
    /// Inputs that could not be read or parsed.
    pub unreadable: usize,
}

/// How many inputs were skipped for one reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ReasonCount {
    /// The reason.
    pub reason: String,
    /// Inputs skipped for it.
    pub count: usize,
}

impl Inputs {
    fn summarise(&mut self) {
        let mut kinds: BTreeMap<InputKind, KindCounts> = BTreeMap::new();
        let mut count = |kind: InputKind, field: fn(&mut KindCounts) -> &mut usize| {
            let k = kinds.entry(kind).or_insert_with(|| KindCounts {
                kind,
                ..KindCounts::default()
            });
            *field(k) += 1;
        };
        for r in &self.read {
            count(r.kind, |k| &mut k.read);
        }
        for r in &self.skipped {
            count(r.kind, |k| &mut k.skipped);
        }
        for r in &self.failed {
            count(r.kind, |k| &mut k.unreadable);
        }
        self.by_kind = kinds.into_values().collect();
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &self.skipped {
            *reasons.entry(&r.reason).or_default() += 1;
        }
        let mut reasons: Vec<ReasonCount> = reasons
            .into_iter()
            .map(|(reason, count)| ReasonCount {
                reason: reason.to_owned(),
                count,
            })
            .collect();
        reasons.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
        self.skipped_by_reason = reasons;
    }
}

/// One input that was read.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct InputRecord {
    /// The input's name.
    pub source: Arc<str>,
    /// The kind of capture it belongs to.
    pub kind: InputKind,
    /// What it held.
    pub content: Content,
    /// Objects kept, or log lines.
    pub count: usize,
    /// Objects of kinds kvdiag does not use, and values that were not objects.
    #[serde(skip_serializing_if = "is_zero")]
    pub ignored: usize,
    /// What was not kept whole, when a limit was reached (log lines cut to the line limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What an input held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Content {
    /// Kubernetes objects.
    Objects,
    /// A log stream.
    Log,
    /// Nothing (for a log: not collected).
    Empty,
}

/// An input that was skipped or failed, and why.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct InputProblem {
    /// The input's name.
    pub source: Arc<str>,
    /// The kind of capture it belongs to.
    pub kind: InputKind,
    // Most reasons are fixed texts: not copied for each of the thousands of files a
    // must-gather skips.
    /// Why.
    pub reason: Cow<'static, str>,
}

/// Collects inputs into a [`Snapshot`].
///
/// ```
/// use kvdiag::{Hint, Snapshot};
/// let mut builder = Snapshot::builder();
/// builder.add_input("vm.yaml", b"kind: VirtualMachine\nmetadata: {name: a, namespace: b}\n", &Hint::Auto);
/// builder.add_input("broken.json", b"{\"kind\": ", &Hint::Auto);
/// let snapshot = builder.build();
/// assert_eq!(snapshot.objects().len(), 1);
/// assert_eq!(snapshot.inputs().failed.len(), 1);
/// ```
#[derive(Debug)]
pub struct SnapshotBuilder {
    objects: Vec<Object>,
    object_capture: Vec<CaptureId>,
    logs: Vec<LogStream>,
    log_capture: Vec<CaptureId>,
    inputs: Inputs,
    capture_time: Option<Timestamp>,
    captures: Vec<CaptureDraft>,
    current: CaptureId,
    log_filter: Option<LogFilter>,
    limits: Limits,
}

/// A capture being read.
#[derive(Debug)]
struct CaptureDraft {
    name: Arc<str>,
    kind: InputKind,
    /// The newest time of its `timestamp` files (or bundle metadata), and that file.
    file_time: Option<(Timestamp, Arc<str>)>,
    inputs: usize,
}

impl Default for SnapshotBuilder {
    fn default() -> Self {
        SnapshotBuilder {
            objects: Vec::new(),
            object_capture: Vec::new(),
            logs: Vec::new(),
            log_capture: Vec::new(),
            inputs: Inputs::default(),
            capture_time: None,
            captures: vec![CaptureDraft {
                name: Arc::from(LOOSE_CAPTURE_NAME),
                kind: InputKind::File,
                file_time: None,
                inputs: 0,
            }],
            current: LOOSE_CAPTURE,
            log_filter: None,
            limits: Limits::default(),
        }
    }
}

impl SnapshotBuilder {
    /// Keeps, of every log added from now on, only the lines the rules of `rules` can use (see
    /// [`LogFilter`]): memory then does not grow with the size of the logs, and the logs are
    /// not scanned again when the snapshot is analysed with these rules. A snapshot built so is
    /// meant for these rules: analysed with others, their patterns see only the kept lines.
    pub fn keep_log_lines_for(&mut self, rules: &crate::RuleSet) -> &mut Self {
        self.log_filter = Some(rules.log_filter());
        self
    }

    /// The filter logs are read through, if any: readers that stream logs
    /// ([`LogScanner`](crate::parse::LogScanner)) and parse inputs on other threads use it.
    pub fn log_filter(&self) -> Option<&LogFilter> {
        self.log_filter.as_ref()
    }

    fn keep(&self, log: LogStream) -> LogStream {
        match &self.log_filter {
            Some(f) => log.filtered(f),
            None => log,
        }
    }

    /// Starts a capture: the inputs added from now on, until [`SnapshotBuilder::end_capture`],
    /// belong to it. `name` is its root as the user gave it (a directory or an archive).
    pub fn begin_capture(&mut self, name: impl Into<Arc<str>>, kind: InputKind) -> CaptureId {
        self.captures.push(CaptureDraft {
            name: name.into(),
            kind,
            file_time: None,
            inputs: 0,
        });
        self.current = self.captures.len() - 1;
        self.current
    }

    /// Ends the current capture: inputs added from now on are loose inputs again.
    pub fn end_capture(&mut self) {
        self.current = LOOSE_CAPTURE;
    }

    /// The capture inputs are added to now.
    pub fn current_capture(&self) -> CaptureId {
        self.current
    }

    /// Sets the limits inputs are parsed within (and read within, by `kvdiag-fs`).
    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn current_limits(&self) -> &Limits {
        &self.limits
    }

    /// Parses one input and adds what it holds. A parse failure is recorded in the snapshot
    /// (the report's `inputs.failed`) and said in the answer, never fatal: the other inputs are
    /// unaffected.
    pub fn add_input(&mut self, name: impl Into<Arc<str>>, bytes: &[u8], hint: &Hint) -> Added {
        let name = name.into();
        let parsed = parse_input_with(&name, bytes, hint, &self.limits);
        self.add_parsed(name, parsed)
    }

    /// Adds an input parsed elsewhere (e.g. on another thread with
    /// [`parse_input`](crate::parse_input)).
    pub fn add_parsed(&mut self, name: Arc<str>, parsed: Result<Parsed, ParseError>) -> Added {
        self.add_parsed_as(name, InputKind::File, parsed)
    }

    /// Adds an input parsed elsewhere that belongs to a capture of `kind`. The parts of an MCP
    /// output are recorded one by one, as [`InputKind::Mcp`].
    pub fn add_parsed_as(
        &mut self,
        name: Arc<str>,
        kind: InputKind,
        parsed: Result<Parsed, ParseError>,
    ) -> Added {
        let record = |content, count, ignored| InputRecord {
            source: Arc::clone(&name),
            kind,
            content,
            count,
            ignored,
            note: None,
        };
        let line_bytes = self.limits.effective_line_bytes();
        let cut_note = |cut: usize| {
            (cut > 0).then(|| {
                format!(
                    "{cut} line(s) longer than the line limit ({}; raise it with \
                     --max-line-length) kept cut to it",
                    human_bytes(line_bytes as u64)
                )
            })
        };
        if parsed.is_ok() && !matches!(parsed, Ok(Parsed::Mcp(_))) {
            self.captures[self.current].inputs += 1;
        }
        match parsed {
            Ok(Parsed::Empty) => self.inputs.read.push(record(Content::Empty, 0, 0)),
            Ok(Parsed::Log(log)) => {
                let mut r = record(Content::Log, log.len(), 0);
                r.note = cut_note(log.cut_lines());
                self.inputs.read.push(r);
                self.add_log(log);
            }
            Ok(Parsed::Logs(logs)) => {
                // Excerpts (kernel, virt-handler) repeat lines of the first stream: count the
                // input's lines once.
                let excerpts = logs.first().is_some_and(|first| {
                    logs[1..]
                        .iter()
                        .all(|l| l.source.origin == first.source.origin)
                        && (first.source.kind == Some(crate::parse::LogKind::Kernel)
                            || first.source.container.as_deref() == Some(crate::parse::HANDLER))
                });
                let lines = if excerpts {
                    logs.first().map_or(0, LogStream::len)
                } else {
                    logs.iter().map(LogStream::len).sum()
                };
                let mut r = record(Content::Log, lines, 0);
                r.note = cut_note(logs.iter().map(LogStream::cut_lines).sum());
                self.inputs.read.push(r);
                for log in logs {
                    self.add_log(log);
                }
            }
            Ok(Parsed::Mcp(parts)) => {
                let mut first_error = None;
                for part in parts {
                    if let Added::Failed(e) =
                        self.add_parsed_as(part.name, InputKind::Mcp, part.parsed)
                    {
                        first_error.get_or_insert(e);
                    }
                }
                if let Some(e) = first_error {
                    return Added::Failed(e);
                }
            }
            Ok(Parsed::Text(parts)) => {
                let before = self.objects.len();
                let mut ignored = parts.objects.ignored;
                let note = parts.note();
                for object in parts.objects.objects {
                    if self.add_object(object).is_err() {
                        ignored += 1;
                    }
                }
                let lines: usize = parts.logs.iter().map(LogStream::len).sum();
                let kept = self.objects.len() - before;
                let content = if kept == 0 && lines > 0 {
                    Content::Log
                } else {
                    Content::Objects
                };
                let mut r = record(content, if kept == 0 { lines } else { kept }, ignored);
                r.note = note;
                self.inputs.read.push(r);
                for log in parts.logs {
                    self.add_log(log);
                }
            }
            Ok(Parsed::Objects(docs)) => {
                let before = self.objects.len();
                let mut ignored = docs.ignored;
                for object in docs.objects {
                    if self.add_object(object).is_err() {
                        ignored += 1;
                    }
                }
                let kept = self.objects.len() - before;
                self.inputs
                    .read
                    .push(record(Content::Objects, kept, ignored));
            }
            Err(e) => {
                self.fail_as(Arc::clone(&name), kind, e.to_string());
                return Added::Failed(e);
            }
        }
        Added::Read
    }

    /// Adds one object the caller already holds (an embedding program's watch cache, an MCP
    /// result). Rejected, with the reason, when its kind is one kvdiag does not use; Secrets
    /// are never kept.
    pub fn add_object(&mut self, object: Object) -> Result<(), Rejected> {
        // Said twice on purpose: a Secret must never reach a report, whatever KINDS becomes.
        if object.kind == "Secret" {
            return Err(Rejected::Secret);
        }
        if !KINDS.contains(&object.kind.as_str()) {
            return Err(Rejected::UnusedKind(object.kind));
        }
        self.objects.push(object);
        self.object_capture.push(self.current);
        Ok(())
    }

    /// Adds a JSON value as an object, naming its origin. Rejected, with the reason, when it
    /// is not a Kubernetes object, is a Secret, or is of a kind kvdiag does not use.
    pub fn add_value(&mut self, value: Value, origin: Origin) -> Result<(), Rejected> {
        match value.get("kind") {
            Some(Value::String(kind)) if kind == "Secret" => return Err(Rejected::Secret),
            Some(Value::String(_)) => {}
            _ => return Err(Rejected::NotAnObject),
        }
        let tree =
            crate::tree::Tree::from_value(&value).map_err(|e| Rejected::TooLarge(e.to_string()))?;
        let object = Object::from_tree(tree, origin).ok_or(Rejected::NotAnObject)?;
        self.add_object(object)
    }

    /// Adds a log stream the caller already holds.
    pub fn add_log(&mut self, log: LogStream) {
        let log = self.keep(log);
        self.logs.push(log);
        self.log_capture.push(self.current);
    }

    /// Makes room for `objects` more objects and `logs` more log streams. A caller that holds
    /// many parsed inputs before adding them (the files of a must-gather) has each table grow
    /// once instead of doubling as it fills, which holds the old and the new table at once,
    /// at the end of reading, when memory is at its peak.
    pub fn reserve(&mut self, objects: usize, logs: usize) {
        self.objects.reserve(objects);
        self.object_capture.reserve(objects);
        self.logs.reserve(logs);
        self.log_capture.reserve(logs);
    }

    /// Records an input deliberately not read.
    pub fn skip(&mut self, name: impl Into<Arc<str>>, reason: impl Into<Cow<'static, str>>) {
        self.skip_as(name, InputKind::File, reason);
    }

    /// Records an input of a capture of `kind` deliberately not read.
    pub fn skip_as(
        &mut self,
        name: impl Into<Arc<str>>,
        kind: InputKind,
        reason: impl Into<Cow<'static, str>>,
    ) {
        self.inputs.skipped.push(InputProblem {
            source: name.into(),
            kind,
            reason: reason.into(),
        });
    }

    /// Records an input that could not be read.
    pub fn fail(&mut self, name: impl Into<Arc<str>>, reason: impl Into<Cow<'static, str>>) {
        self.fail_as(name, InputKind::File, reason);
    }

    /// Records an input of a capture of `kind` that could not be read.
    pub fn fail_as(
        &mut self,
        name: impl Into<Arc<str>>,
        kind: InputKind,
        reason: impl Into<Cow<'static, str>>,
    ) {
        self.inputs.failed.push(InputProblem {
            source: name.into(),
            kind,
            reason: reason.into(),
        });
    }

    /// Sets the capture time of every capture. Without it, each capture's `timestamp` file is
    /// used, else the newest timestamp in its data.
    pub fn capture_time(&mut self, time: Timestamp) -> &mut Self {
        self.capture_time = Some(time);
        self
    }

    /// Offers the time read from the current capture's `timestamp` file (see
    /// [`capture_timestamp`](crate::parse::capture_timestamp)) or bundle metadata; of several,
    /// the newest is used. A time given with [`SnapshotBuilder::capture_time`] takes precedence.
    pub fn capture_time_file(&mut self, file: impl Into<Arc<str>>, time: Timestamp) -> &mut Self {
        let capture = &mut self.captures[self.current];
        if capture.file_time.as_ref().is_none_or(|(t, _)| time > *t) {
            capture.file_time = Some((time, file.into()));
        }
        self
    }

    /// Deduplicates, indexes and fixes the capture times.
    pub fn build(mut self) -> Snapshot {
        let (mut objects, object_capture) = dedupe(self.objects, self.object_capture);
        let given = self.capture_time;
        let captures: Vec<Capture> = self
            .captures
            .into_iter()
            .enumerate()
            .map(|(id, c)| {
                let time = match (given, c.file_time) {
                    (Some(time), _) => Some(CaptureTime {
                        time,
                        source: CaptureTimeSource::Given,
                        file: None,
                    }),
                    (None, Some((time, file))) => Some(CaptureTime {
                        time,
                        source: CaptureTimeSource::TimestampFile,
                        file: Some(file),
                    }),
                    (None, None) => {
                        let objects = objects
                            .iter()
                            .zip(&object_capture)
                            .filter(|(_, c)| **c == id)
                            .map(|(o, _)| o);
                        let logs = self
                            .logs
                            .iter()
                            .zip(&self.log_capture)
                            .filter(|(_, c)| **c == id)
                            .map(|(l, _)| l);
                        newest_timestamp(objects, logs).map(|time| CaptureTime {
                            time,
                            source: CaptureTimeSource::NewestInData,
                            file: None,
                        })
                    }
                };
                Capture {
                    name: c.name,
                    kind: c.kind,
                    time,
                    inputs: c.inputs,
                }
            })
            .collect();
        // Ages read from text count back from a capture time that does not come from the data.
        for (object, &capture) in objects.iter_mut().zip(&object_capture) {
            if let Some(t) = captures[capture]
                .time
                .as_ref()
                .filter(|t| t.source != CaptureTimeSource::NewestInData)
            {
                crate::parse::text::resolve_ages(std::slice::from_mut(object), t.time);
            }
        }
        self.inputs.summarise();
        let mut by_kind: BTreeMap<String, Vec<ObjectId>> = BTreeMap::new();
        for (id, o) in objects.iter().enumerate() {
            match by_kind.get_mut(&o.kind) {
                Some(ids) => ids.push(id),
                None => {
                    by_kind.insert(o.kind.clone(), vec![id]);
                }
            }
        }
        let lookup = Lookup::new(&objects, &object_capture);
        let mut logs = self.logs;
        name_pods_of_excerpts(
            &objects,
            &object_capture,
            &lookup,
            &mut logs,
            &self.log_capture,
        );
        Snapshot {
            objects,
            object_capture,
            logs,
            log_capture: self.log_capture,
            by_kind,
            lookup,
            captures,
            inputs: self.inputs,
        }
    }
}

/// Kernel-log excerpts know their pod by uid only: name it when the pod was captured.
fn name_pods_of_excerpts(
    objects: &[Object],
    object_capture: &[CaptureId],
    lookup: &Lookup,
    logs: &mut [LogStream],
    log_capture: &[CaptureId],
) {
    for (log, &capture) in logs.iter_mut().zip(log_capture) {
        let src = &mut log.source;
        if src.pod.is_some() {
            continue;
        }
        let Some(pod) = src
            .pod_uid
            .as_ref()
            .and_then(|uid| lookup.by_uid(objects, object_capture, capture, uid))
            .map(|id| &objects[id])
            .filter(|o| o.kind == "Pod")
        else {
            continue;
        };
        src.namespace.clone_from(&pod.namespace);
        src.pod.clone_from(&pod.name);
    }
}

/// Keeps each named object once per capture: the copy with the highest `resourceVersion`, else
/// the first read; a copy read from `kubectl` text (a describe block, a table row) only stands in
/// for an object not captured otherwise (see [`text_rank`]). Unnamed objects (event summaries)
/// are all kept, but an event read from text that a captured event repeats. Input order is
/// preserved.
fn dedupe(mut objects: Vec<Object>, mut captures: Vec<CaptureId>) -> (Vec<Object>, Vec<CaptureId>) {
    let repeated = crate::parse::text::repeated_events(&objects);
    // First which object each place holds: (where the place was first met, the copy chosen).
    // The places are found by a table of indices into `chosen`, hashed by the object's
    // capture, kind, namespace and name (no key held: one per object).
    let hasher = foldhash::fast::RandomState::default();
    let key_of = |i: usize| name_key(&objects, &captures, i);
    let mut place: hashbrown::HashTable<usize> = hashbrown::HashTable::new();
    let mut chosen: Vec<(usize, usize)> = Vec::with_capacity(objects.len());
    for (i, object) in objects.iter().enumerate() {
        if object.name.is_none() {
            if !repeated.contains(&i) {
                chosen.push((i, i));
            }
            continue;
        }
        let key = key_of(i);
        let hash = name_hash(&hasher, key);
        match place.find(hash, |&p| same_name(key_of(chosen[p].0), key)) {
            Some(&p) => {
                let held = &objects[chosen[p].1];
                let better = match (text_rank(object), text_rank(held)) {
                    (0, 0) => object.resource_version() > held.resource_version(),
                    // Of two text copies alike, the one seen later: the older object (its
                    // AGE column), else the one read later (`-w` rows follow changes).
                    (a, b) if a == b => match (text_age(object), text_age(held)) {
                        (Some(x), Some(y)) => x >= y,
                        _ => true,
                    },
                    (a, b) => a < b,
                };
                if better {
                    chosen[p].1 = i;
                }
            }
            None => {
                let rehash = |&p: &usize| name_hash(&hasher, key_of(chosen[p].0));
                place.insert_unique(hash, chosen.len(), rehash);
                chosen.push((i, i));
            }
        }
    }
    drop(place);
    // Then in place (tens of thousands of objects are not moved into a second vector): each
    // chosen copy takes the place where its object was first met (a copy not chosen is
    // never where a place was first met), and the rest are dropped.
    let mut keep = vec![false; objects.len()];
    for (first, copy) in chosen {
        if first != copy {
            objects.swap(first, copy);
            captures.swap(first, copy);
        }
        keep[first] = true;
    }
    let mut kept = keep.iter();
    objects.retain(|_| kept.next().copied().unwrap_or(false));
    let mut kept = keep.iter();
    captures.retain(|_| kept.next().copied().unwrap_or(false));
    (objects, captures)
}

/// The age a text copy showed (seconds), if any.
fn text_age(o: &Object) -> Option<i64> {
    o.root()
        .at(&[crate::parse::TEXT_MEMBER, "ageSeconds"])
        .and_then(Node::as_i64)
}

/// 0 for a captured object; for one read from text, 1 for a describe block and 2 for a table
/// row (of two text copies the richer wins, and of equals the later: `-w` rows follow changes).
fn text_rank(o: &Object) -> u8 {
    match o
        .root()
        .at(&[crate::parse::TEXT_MEMBER, "form"])
        .and_then(Node::as_str)
    {
        None => 0,
        Some("describe") => 1,
        Some(_) => 2,
    }
}

/// The newest timestamp in any object field named `*Timestamp`, `*Time` or `*At`, or in any log.
fn newest_timestamp<'o>(
    objects: impl Iterator<Item = &'o Object>,
    logs: impl Iterator<Item = &'o LogStream>,
) -> Option<Timestamp> {
    /// The newest time so far, and its text when written in UTC with `Z`.
    type Newest<'a> = (Option<Timestamp>, Option<&'a str>);
    /// `2024-05-14T10:00:00` of a time written in UTC with `Z` (as Kubernetes writes them):
    /// such times order as these texts do, whatever their fraction of a second.
    fn utc_seconds(s: &str) -> Option<&str> {
        let t = s.trim();
        t.ends_with('Z').then(|| t.get(..19)).flatten()
    }
    /// A time, or the times of an array (of arrays) of them, under a key named as times are.
    fn times<'a>(value: Node<'a>, newest: &mut Newest<'a>) {
        if let Some(s) = value.as_str() {
            // Most times are older than the newest, or the same: told so without parsing them.
            let older = newest.1.is_some_and(|n| {
                n == s.trim()
                    || matches!((utc_seconds(s), utc_seconds(n)), (Some(a), Some(b)) if a < b)
            });
            if !older
                && let Some(t) = parse_timestamp(s)
                && newest.0 < Some(t)
            {
                *newest = (Some(t), utc_seconds(s).map(|_| s.trim()));
            }
        } else {
            value.items().for_each(|v| times(v, newest));
        }
    }
    let named = |key: &str| match key.as_bytes().last() {
        Some(b'p') => key.ends_with("Timestamp"),
        Some(b'e') => key.ends_with("Time"),
        Some(b't') => key.ends_with("At"),
        _ => false,
    };
    let mut found = (None, None);
    for o in objects {
        for (_, v) in o.tree.all_members().filter(|(k, _)| named(k)) {
            times(v, &mut found);
        }
    }
    let mut newest = found.0;
    for log in logs {
        if let Some(t) = log.last_timestamp().as_deref().and_then(parse_timestamp) {
            newest = newest.max(Some(t));
        }
    }
    newest
}

impl Snapshot {
    /// Starts an empty snapshot.
    pub fn builder() -> SnapshotBuilder {
        SnapshotBuilder::default()
    }

    /// Every object, each once.
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// One object.
    pub fn object(&self, id: ObjectId) -> &Object {
        &self.objects[id]
    }

    /// Every log stream.
    pub fn logs(&self) -> &[LogStream] {
        &self.logs
    }

    /// One log stream.
    pub fn log(&self, id: LogId) -> &LogStream {
        &self.logs[id]
    }

    /// The objects of one kind, in input order.
    pub fn of_kind(&self, kind: &str) -> &[ObjectId] {
        self.by_kind.get(kind).map_or(&[], Vec::as_slice)
    }

    /// The object of `kind` named `namespace/name` in a capture.
    pub fn find(
        &self,
        capture: CaptureId,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<ObjectId> {
        let key = (capture, kind, namespace, name);
        self.lookup.find(&self.objects, &self.object_capture, key)
    }

    /// The object with this uid in a capture.
    pub fn by_uid(&self, capture: CaptureId, uid: &str) -> Option<ObjectId> {
        self.lookup
            .by_uid(&self.objects, &self.object_capture, capture, uid)
    }

    /// The capture an object was read from.
    pub fn object_capture(&self, id: ObjectId) -> CaptureId {
        self.object_capture[id]
    }

    /// The capture a log stream was read from.
    pub fn log_capture(&self, id: LogId) -> CaptureId {
        self.log_capture[id]
    }

    /// Every capture; the first holds the loose inputs (and may be empty).
    pub fn captures(&self) -> &[Capture] {
        &self.captures
    }

    /// The captures that inputs were read from, in the order they were given.
    pub fn read_captures(&self) -> impl Iterator<Item = (CaptureId, &Capture)> {
        self.captures
            .iter()
            .enumerate()
            .filter(|(_, c)| c.inputs > 0)
    }

    /// The moment the snapshot describes, if known: the time of its only capture, else the
    /// newest of its captures' times (each capture's own is in [`Snapshot::captures`]).
    pub fn capture_time(&self) -> Option<CaptureTime> {
        self.read_captures()
            .filter_map(|(_, c)| c.time.clone())
            .max_by_key(|t| t.time)
            .or_else(|| self.captures.iter().find_map(|c| c.time.clone()))
    }

    /// The time of one capture, if known.
    pub fn time_of(&self, capture: CaptureId) -> Option<&CaptureTime> {
        self.captures.get(capture)?.time.as_ref()
    }

    /// What was read, skipped and unreadable.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_copy_of_an_object_wins() {
        let mut b = Snapshot::builder();
        let pod = |rv: &str, phase: &str| {
            format!(
                "kind: Pod\nmetadata: {{name: p, namespace: n, resourceVersion: \"{rv}\"}}\nstatus: {{phase: {phase}}}\n"
            )
        };
        b.add_input("a.yaml", pod("10", "Running").as_bytes(), &Hint::Auto);
        b.add_input("b.yaml", pod("12", "Failed").as_bytes(), &Hint::Auto);
        b.add_input("c.yaml", pod("11", "Pending").as_bytes(), &Hint::Auto);
        let s = b.build();
        assert_eq!(s.objects().len(), 1);
        assert_eq!(s.objects()[0].str_at(&["status", "phase"]), Some("Failed"));
        assert_eq!(&*s.objects()[0].origin.source, "b.yaml");
    }

    #[test]
    fn copies_keep_the_order_objects_were_first_met_in() {
        let mut b = Snapshot::builder();
        let obj = |kind: &str, name: &str, rv: &str| {
            format!(
                "kind: {kind}\nmetadata: {{name: {name}, namespace: n, resourceVersion: \"{rv}\"}}\n"
            )
        };
        b.add_input("1.yaml", obj("Pod", "a", "1").as_bytes(), &Hint::Auto);
        b.add_input("2.yaml", obj("Pod", "b", "5").as_bytes(), &Hint::Auto);
        b.add_input("3.yaml", obj("Pod", "a", "3").as_bytes(), &Hint::Auto);
        b.add_input(
            "4.yaml",
            obj("VirtualMachine", "a", "1").as_bytes(),
            &Hint::Auto,
        );
        b.add_input("5.yaml", b"kind: Event\nreason: Started\n", &Hint::Auto);
        b.add_input("6.yaml", obj("Pod", "b", "4").as_bytes(), &Hint::Auto);
        b.add_input("7.yaml", obj("Pod", "a", "2").as_bytes(), &Hint::Auto);
        let s = b.build();
        let got: Vec<(&str, &str)> = s
            .objects()
            .iter()
            .map(|o| (o.kind.as_str(), &*o.origin.source))
            .collect();
        assert_eq!(
            got,
            [
                ("Pod", "3.yaml"),
                ("Pod", "2.yaml"),
                ("VirtualMachine", "4.yaml"),
                ("Event", "5.yaml")
            ]
        );
    }

    #[test]
    fn secrets_and_unused_kinds_are_not_kept() {
        let mut b = Snapshot::builder();
        b.add_input(
            "s.yaml",
            b"kind: List\nitems:\n- kind: Secret\n  data: {password: aHVudGVyMg==}\n- kind: ConfigMap\n- kind: Pod\n  metadata: {name: p}\n",
            &Hint::Auto,
        );
        let s = b.build();
        assert_eq!(s.objects().len(), 1);
        assert_eq!(s.inputs().read[0].ignored, 2);
    }

    #[test]
    fn capture_time_is_the_newest_timestamp_unless_given() {
        let mut b = Snapshot::builder();
        b.add_input(
            "e.yaml",
            b"kind: Event\nmetadata: {name: e, creationTimestamp: '2024-05-01T10:00:00Z'}\nlastTimestamp: '2024-05-02T10:00:00Z'\n",
            &Hint::Auto,
        );
        let s = b.build();
        let t = s.capture_time().expect("found");
        assert_eq!(t.time.to_string(), "2024-05-02T10:00:00Z");
        assert_eq!(t.source, CaptureTimeSource::NewestInData);
    }
}
