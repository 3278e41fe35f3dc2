//! Scanning logs for a rule set's patterns while they are read, so that a snapshot keeps, per
//! log stream, only its identity, its line count and the lines a rule can use — never whole logs.
//!
//! A [`LogFilter`] holds the rule set's log patterns, each compiled, plus a literal prefilter:
//! for every pattern, a set of ASCII strings one of which every match must contain (found in
//! the pattern's syntax tree), all searched together as exact keys by Aho-Corasick's SIMD
//! searcher (a case-insensitive literal by every casing of a short piece of it).
//! A [`LogScanner`] runs the prefilter over each chunk as it is read; on a line where a literal
//! occurs, it runs the regex of each pattern whose literals the line holds (usually none, else
//! one); lines no pattern matches are counted, not kept.
//! The outcome is exactly what running every pattern on every line gives (the prefilter only
//! skips lines that cannot match), so evaluation, `--explain` coverage and correlation see
//! the same hits, line numbers and counts as with whole logs.
//! A stream of a container is scanned only for the patterns of tests that can look at it (a
//! rule's `container:`): a compute log is not searched for the guest console's kernel panic.
//!
//! What a filtered [`LogStream`] keeps: every line a pattern matches (the first
//! [`HITS_KEPT`] per pattern), the first [`HEAD_LINES`] lines when the stream names no pod and
//! no VM (correlation then reads their fields), and its newest timestamp.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use regex::Regex;
use regex_syntax::hir::{Class, Hir, HirKind};

use super::log::{
    DEFAULT_LINE_BYTES, LogSource, LogStream, Span, Unended, cut_line, split_prefix, timestamp_of,
};

/// Hit lines remembered per pattern and stream; the rest are counted.
pub const HITS_KEPT: usize = 1000;
/// Lines kept from the start of a stream that names no pod and no VM: correlation reads the
/// fields of the first structured lines of such a log (`uid`, `namespace`, `name`).
pub const HEAD_LINES: usize = 200;
/// Lines looked at, from the end, for a stream's newest timestamp.
pub(crate) const TAIL_LINES: usize = 50;
/// Shortest literal worth prefiltering on; a pattern with a shorter one scans every line.
const MIN_LITERAL: usize = 3;
/// Most literals one pattern may contribute.
const MAX_LITERALS: usize = 64;

/// The log patterns of a rule set, compiled for scanning streams at read time. Cheap to clone.
///
/// ```
/// use kvdiag::{RuleSet, parse::{LogScanner, LogSource}};
/// let rules = RuleSet::builtin()?;
/// let mut scanner = LogScanner::new(LogSource::new("console.log"), &rules.log_filter());
/// scanner.push(b"[    0.1] booting\n[    0.8] Kernel panic - not syncing: VFS: Unable to mount root fs\n");
/// let log = scanner.finish();
/// assert_eq!(log.len(), 2);                 // lines in the stream
/// assert_eq!(log.lines().count(), 2);       // lines kept: the head of a log naming no pod
/// # Ok::<(), kvdiag::LoadError>(())
/// ```
#[derive(Clone, Debug)]
pub struct LogFilter {
    pub(crate) inner: Arc<FilterInner>,
}

#[derive(Debug)]
pub(crate) struct FilterInner {
    pub(crate) patterns: Vec<String>,
    /// Each pattern compiled, run on the lines that hold the literals it needs.
    pub(crate) regexes: Vec<Regex>,
    /// Finds the lines that may hold a literal of some pattern; `None`: check every line.
    prefilter: Option<Prefilter>,
    /// Per pattern, what every match contains: literals it contains all of, and the set of
    /// literals it contains one of (case-insensitive ones lowercased, flagged `true`). A
    /// pattern's regex runs only on lines that hold them.
    needs: Vec<Needs>,
    /// Narrower filters for the streams of named containers: (container, filter), `None`
    /// when every pattern applies to the container.
    by_container: Vec<(String, Option<LogFilter>)>,
    /// The narrower filter for streams of containers no test names.
    other_containers: Option<LogFilter>,
}

/// What every match of one pattern contains: all of the inner lists have one of their
/// literals in it. An empty inner list: no line can match (the pattern is not looked for).
type Needs = Vec<Vec<(memchr::memmem::Finder<'static>, bool)>>;

impl FilterInner {
    /// The patterns whose literals these bytes hold (cleared first): those that could match
    /// them. (ASCII literals are found in a raw line whatever its invalid UTF-8 or prefix.)
    fn candidates(&self, bytes: &[u8], out: &mut Vec<usize>) {
        out.clear();
        match &self.prefilter {
            // Only the patterns whose keys the bytes hold can match them.
            Some(pre) => pre.owners_in(bytes, out),
            None => out.extend(0..self.needs.len()),
        }
        let mut lower: Option<Vec<u8>> = None;
        let mut found = |f: &memchr::memmem::Finder<'_>, ci: bool| {
            if ci {
                let l = lower.get_or_insert_with(|| bytes.to_ascii_lowercase());
                f.find(l).is_some()
            } else {
                f.find(bytes).is_some()
            }
        };
        out.retain(|&i| {
            self.needs[i]
                .iter()
                .all(|alternatives| alternatives.iter().any(|(f, ci)| found(f, *ci)))
        });
    }

    /// Of the `candidates`, the patterns that match `text` (kept in `candidates`).
    fn matching(&self, text: &str, candidates: &mut Vec<usize>) {
        candidates.retain(|&i| self.regexes[i].is_match(text));
    }

    /// The patterns that match `text` (cleared first), read with plain punctuation (see
    /// [`plain_punctuation`](crate::measure::plain_punctuation)).
    fn set_matches(&self, text: &str, out: &mut Vec<usize>) {
        let text = crate::measure::plain_punctuation(text);
        self.candidates(text.as_bytes(), out);
        self.matching(&text, out);
    }
}

impl LogFilter {
    /// Builds a filter from patterns and their regexes (same order).
    pub(crate) fn new(patterns: Vec<String>, regexes: Vec<Regex>) -> LogFilter {
        let needs = patterns.iter().map(|p| needs_of(p)).collect();
        let prefilter = prefilter(patterns.iter().map(String::as_str).enumerate());
        LogFilter {
            inner: Arc::new(FilterInner {
                patterns,
                regexes,
                prefilter,
                needs,
                by_container: Vec::new(),
                other_containers: None,
            }),
        }
    }

    /// This filter with narrower ones for the streams of containers: `scopes` gives, per
    /// pattern, the containers whose streams it applies to (`None`: every stream).
    pub(crate) fn scoped(self, scopes: Vec<Option<BTreeSet<String>>>) -> LogFilter {
        let narrow = |applies: Vec<bool>| -> Option<LogFilter> {
            if applies.iter().all(|a| *a) {
                return None;
            }
            let inner = &self.inner;
            let patterns = inner.patterns.iter().zip(&applies);
            Some(LogFilter {
                inner: Arc::new(FilterInner {
                    patterns: inner.patterns.clone(),
                    regexes: inner.regexes.clone(),
                    prefilter: prefilter(
                        (patterns.enumerate())
                            .filter(|(_, (_, a))| **a)
                            .map(|(i, (p, _))| (i, p.as_str())),
                    ),
                    needs: (inner.needs.iter().zip(&applies))
                        .map(|(n, a)| if *a { n.clone() } else { vec![Vec::new()] })
                        .collect(),
                    by_container: Vec::new(),
                    other_containers: None,
                }),
            })
        };
        let names: BTreeSet<&String> = scopes.iter().flatten().flatten().collect();
        let by_container = names
            .into_iter()
            .map(|name| {
                let applies = scopes
                    .iter()
                    .map(|s| s.as_ref().is_none_or(|s| s.contains(name)))
                    .collect();
                (name.clone(), narrow(applies))
            })
            .collect();
        let other_containers = narrow(scopes.iter().map(Option::is_none).collect());
        let mut inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            Err(shared) => return LogFilter { inner: shared },
        };
        inner.by_container = by_container;
        inner.other_containers = other_containers;
        LogFilter {
            inner: Arc::new(inner),
        }
    }

    /// The filter for the streams of `container`: the patterns of tests that can look at them
    /// (a stream of no container can be looked at by every test).
    pub(crate) fn for_container(&self, container: Option<&str>) -> &LogFilter {
        let Some(c) = container else {
            return self;
        };
        let inner = &self.inner;
        match inner.by_container.iter().find(|(name, _)| name == c) {
            Some((_, f)) => f.as_ref().unwrap_or(self),
            None => inner.other_containers.as_ref().unwrap_or(self),
        }
    }

    /// The patterns compiled, in rule set order.
    pub(crate) fn regexes(&self) -> &[Regex] {
        &self.inner.regexes
    }

    /// The patterns, in rule set order.
    pub fn patterns(&self) -> &[String] {
        &self.inner.patterns
    }

    /// Whether lines are prefiltered by literals (otherwise every line is checked).
    pub fn has_prefilter(&self) -> bool {
        self.inner.prefilter.is_some()
    }
}

impl LogFilter {
    /// Calls `f` with every kept line of `stream` that a pattern matches (index, patterns), in
    /// order. The prefilter runs over the stream's text as one buffer (a literal across two
    /// lines only makes a line a candidate; every candidate is checked on its own).
    pub(crate) fn for_each_match(&self, stream: &LogStream, mut f: impl FnMut(usize, &[usize])) {
        let this = self.for_container(stream.source.writer());
        let mut matched = Vec::new();
        let lines = &stream.lines;
        let mut check = |i: usize, matched: &mut Vec<usize>| {
            if let Some(line) = stream.line(i) {
                this.inner.set_matches(line.text, matched);
                if !matched.is_empty() {
                    f(i, matched);
                }
            }
        };
        let Some(pre) = &this.inner.prefilter else {
            for i in 0..lines.len() {
                check(i, &mut matched);
            }
            return;
        };
        let begin = |sp: &Span| sp.timestamp.map_or(sp.start, |(s, _)| s);
        let text = stream.text.as_bytes();
        let mut search = pre.search(text);
        let mut at = 0;
        while at < text.len() {
            let Some(m) = search.find_at(at) else {
                break;
            };
            let after = lines.partition_point(|sp| begin(sp) <= m);
            let Some(i) = after.checked_sub(1) else {
                at = m + 1;
                continue;
            };
            check(i, &mut matched);
            at = lines.get(i + 1).map_or(text.len(), begin);
        }
    }
}

impl FilterInner {
    /// Whether two filters look for the same patterns.
    pub(crate) fn same(self: &Arc<Self>, other: &Arc<FilterInner>) -> bool {
        Arc::ptr_eq(self, other) || self.patterns == other.patterns
    }
}

/// What scanning a stream found.
#[derive(Clone, Debug)]
pub(crate) struct Scanned {
    /// The filter it was scanned with.
    pub(crate) filter: Arc<FilterInner>,
    /// Per pattern (index in the filter): indices of kept lines (at most [`HITS_KEPT`]) and
    /// the number of lines it matched. Patterns without a hit are absent.
    pub(crate) hits: Vec<(usize, PatternHits)>,
    /// The stream's newest timestamp (see [`LogStream::last_timestamp`]).
    pub(crate) last_timestamp: Option<String>,
}

/// Per-pattern hits while scanning: (line numbers or kept indices, total).
/// What one pattern matched in a stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PatternHits {
    /// Indices of the lines it matched, the first [`HITS_KEPT`].
    pub lines: Vec<usize>,
    /// How many lines it matched.
    pub total: usize,
    /// The number of the last line it matched.
    pub last: usize,
}

/// Per pattern of a filter, what it matched.
pub(crate) type Hits = Vec<PatternHits>;

/// Records that line `number` (at `index`) matched the patterns `matched`; whether it is one
/// of the lines kept for some pattern.
pub(crate) fn record(hits: &mut Hits, matched: &[usize], index: usize, number: usize) -> bool {
    let mut keep = false;
    for &p in matched {
        let Some(h) = hits.get_mut(p) else { continue };
        if h.lines.len() < HITS_KEPT {
            h.lines.push(index);
            keep = true;
        }
        h.total += 1;
        h.last = h.last.max(number);
    }
    keep
}

/// The patterns that matched, with what they matched.
pub(crate) fn finish_hits(hits: Hits) -> Vec<(usize, PatternHits)> {
    hits.into_iter()
        .enumerate()
        .filter(|(_, h)| h.total > 0)
        .collect()
}

impl LogStream {
    /// Keeps only the lines a rule can use (see the module docs); the stream keeps its identity,
    /// line count and newest timestamp. A stream already filtered is returned as it is.
    pub fn filtered(self, filter: &LogFilter) -> LogStream {
        if self.scanned.is_some() {
            return self;
        }
        let filter = filter.for_container(self.source.writer());
        let keep_head = self.source.pod.is_none() && self.source.vm.is_none();
        let last_timestamp = self.last_timestamp();
        let mut hits: Hits = vec![PatternHits::default(); filter.inner.patterns.len()];
        let mut keep = Vec::new();
        filter.for_each_match(&self, |i, matched| {
            let number = self.lines.get(i).map_or(i + 1, |l| l.number);
            if record(&mut hits, matched, i, number) {
                keep.push(i);
            }
        });
        if keep_head {
            keep.extend(0..self.lines.len().min(HEAD_LINES));
            keep.sort_unstable();
            keep.dedup();
        }
        // Hit indices point into the kept lines from now on.
        let position = |i: usize| keep.binary_search(&i).unwrap_or(0);
        for h in &mut hits {
            for l in h.lines.iter_mut() {
                *l = position(*l);
            }
        }
        let (total, cut) = (self.total, self.cut);
        let mut kept = self.excerpt(self.source.clone(), &keep);
        kept.total = total;
        kept.cut = cut;
        kept.scanned = Some(Box::new(Scanned {
            filter: Arc::clone(&filter.inner),
            hits: finish_hits(hits),
            last_timestamp,
        }));
        kept
    }

    /// The hits found while the stream was read, when it was scanned with `filter`'s patterns:
    /// (pattern index, what it matched; line indices are of the kept lines).
    pub(crate) fn hits_for(&self, filter: &LogFilter) -> Option<&[(usize, PatternHits)]> {
        let scanned = self.scanned.as_ref()?;
        if !scanned.filter.same(&filter.inner) {
            return None;
        }
        Some(&scanned.hits)
    }

    /// Whether the stream keeps only the lines a rule can use (it was read through a
    /// [`LogFilter`]); otherwise [`LogStream::lines`] gives every line.
    pub fn is_filtered(&self) -> bool {
        self.scanned.is_some()
    }
}

/// Scans a log as it is read, chunk by chunk, keeping only the lines a rule can use: memory
/// does not grow with the log's size (but for lines that match, at most [`HITS_KEPT`] per
/// pattern). Lines may span chunks. The stream's identity is the caller's: nothing is
/// recognised from the content (use [`LogStream::parse`] and [`LogStream::filtered`] for that).
#[derive(Debug)]
pub struct LogScanner {
    source: LogSource,
    filter: LogFilter,
    keep_head: bool,
    /// The line not yet ended.
    pending: Unended,
    /// Lines seen so far.
    lines: usize,
    text: String,
    spans: Vec<Span>,
    hits: Hits,
    /// The last lines seen (each ending with `\n`), at most [`TAIL_LINES`].
    tail: Vec<u8>,
    matched: Vec<usize>,
    /// Longest line kept, in bytes; a longer one is looked at and kept cut to it.
    max_line: usize,
    /// Lines longer than `max_line`.
    cut: usize,
    /// What to add to a line's index in this stream to get its index in the log it was read
    /// from: non-zero for an excerpt fed by [`LogScanner::run`].
    offset: usize,
}

impl LogScanner {
    /// Starts scanning a stream.
    pub fn new(source: LogSource, filter: &LogFilter) -> LogScanner {
        let keep_head = source.pod.is_none() && source.vm.is_none();
        let filter = filter.for_container(source.writer()).clone();
        LogScanner {
            source,
            keep_head,
            hits: vec![PatternHits::default(); filter.inner.patterns.len()],
            filter,
            pending: Unended::default(),
            lines: 0,
            text: String::new(),
            spans: Vec::new(),
            tail: Vec::new(),
            matched: Vec::new(),
            max_line: DEFAULT_LINE_BYTES,
            cut: 0,
            offset: 0,
        }
    }

    /// Adds complete lines (`blk` ends with `\n`) of an excerpt of a larger log, the first of
    /// which is line `first` (0-based) of that log and the rest its successors: they keep
    /// their numbers in it.
    pub(crate) fn run(&mut self, first: usize, blk: &[u8]) {
        self.offset = first.saturating_sub(self.lines);
        self.block(blk);
    }

    /// Lines longer than `max` bytes are matched and kept cut to `max` (default 64 KiB), as
    /// [`LogStreamBuilder::max_line_bytes`](super::LogStreamBuilder::max_line_bytes) does; a
    /// line without an end holds at most that much.
    pub fn max_line_bytes(mut self, max: usize) -> Self {
        self.max_line = max.max(1);
        self
    }

    /// Adds the next bytes of the log.
    pub fn push(&mut self, mut bytes: &[u8]) {
        if !self.pending.is_empty() {
            match memchr::memchr(b'\n', bytes) {
                None => {
                    self.pending.push(bytes, self.max_line);
                    return;
                }
                Some(i) => {
                    self.pending.push(&bytes[..i], self.max_line);
                    self.end_pending();
                    bytes = &bytes[i + 1..];
                }
            }
        }
        match memchr::memrchr(b'\n', bytes) {
            None => self.pending.push(bytes, self.max_line),
            Some(j) => {
                self.block(&bytes[..=j]);
                self.pending.push(&bytes[j + 1..], self.max_line);
            }
        }
    }

    /// Ends the unfinished line (held cut to the limit, if it was longer).
    fn end_pending(&mut self) {
        let (mut line, cut) = self.pending.take();
        line.push(b'\n');
        if cut {
            self.cut += 1;
        }
        self.block(&line);
    }

    /// Ends the stream (a last line without a newline is a line) and gives it.
    pub fn finish(mut self) -> LogStream {
        if !self.pending.is_empty() {
            self.end_pending();
        }
        let last_timestamp = last_timestamp(&self.tail);
        LogStream {
            source: self.source,
            text: self.text,
            lines: self.spans,
            total: self.lines,
            cut: self.cut,
            scanned: Some(Box::new(Scanned {
                filter: self.filter.inner,
                hits: finish_hits(self.hits),
                last_timestamp,
            })),
        }
    }

    /// Complete lines, each ending with `\n`.
    fn block(&mut self, blk: &[u8]) {
        self.cut += long_lines(blk, self.max_line);
        let mut pos = 0;
        let mut number = self.lines;
        // The head of a log naming nothing is kept whole, line by line.
        while self.keep_head && number < HEAD_LINES && pos < blk.len() {
            let end = memchr::memchr(b'\n', &blk[pos..]).map_or(blk.len(), |i| pos + i);
            self.line(number, &blk[pos..end], true);
            number += 1;
            pos = end + 1;
        }
        // The filter is shared (an Arc), never cloned itself: a cloned regex would start with
        // an empty cache and build its automaton again.
        let inner = Arc::clone(&self.filter.inner);
        match &inner.prefilter {
            Some(pre) => {
                let mut search = pre.search(blk);
                let mut at = pos;
                while at < blk.len() {
                    let Some(m) = search.find_at(at) else {
                        break;
                    };
                    let start = memchr::memrchr(b'\n', &blk[..m]).map_or(0, |i| i + 1);
                    let start = start.max(pos);
                    let end = memchr::memchr(b'\n', &blk[m..]).map_or(blk.len(), |i| m + i);
                    number += memchr::memchr_iter(b'\n', &blk[pos..start]).count();
                    self.line(number, &blk[start..end], false);
                    number += 1;
                    pos = end + 1;
                    at = pos;
                }
                if pos < blk.len() {
                    number += memchr::memchr_iter(b'\n', &blk[pos..]).count();
                }
            }
            None => {
                while pos < blk.len() {
                    let end = memchr::memchr(b'\n', &blk[pos..]).map_or(blk.len(), |i| pos + i);
                    self.line(number, &blk[pos..end], false);
                    number += 1;
                    pos = end + 1;
                }
            }
        }
        self.lines = number;
        self.remember_tail(blk);
    }

    /// Keeps the last [`TAIL_LINES`] lines seen (`blk` ends with `\n`).
    fn remember_tail(&mut self, blk: &[u8]) {
        let mut search_end = blk.len().saturating_sub(1);
        let mut found = 0;
        while found < TAIL_LINES {
            match memchr::memrchr(b'\n', &blk[..search_end]) {
                Some(i) => {
                    found += 1;
                    search_end = i;
                }
                None => break,
            }
        }
        if found == TAIL_LINES {
            // `blk[search_end + 1..]` holds its last TAIL_LINES lines.
            self.tail.clear();
            self.tail.extend_from_slice(&blk[search_end + 1..]);
            return;
        }
        self.tail.extend_from_slice(blk);
        let count = memchr::memchr_iter(b'\n', &self.tail).count();
        if count > TAIL_LINES {
            let mut cut = 0;
            for _ in 0..count - TAIL_LINES {
                cut += memchr::memchr(b'\n', &self.tail[cut..]).map_or(0, |i| i + 1);
            }
            self.tail.drain(..cut);
        }
    }

    /// One line (0-based `index`, without its `\n`): kept when a pattern matches it (or `head`).
    fn line(&mut self, index: usize, raw: &[u8], head: bool) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        // A line is looked at as it is kept: cut to the limit.
        let raw = &raw[..raw.len().min(self.max_line)];
        // Most candidates lack a literal every pattern needs: they are done with before the
        // line is decoded.
        let mut matched = std::mem::take(&mut self.matched);
        // Typographic punctuation is read plain (see `FilterInner::set_matches`).
        let plain: Option<String> = if raw.is_ascii() {
            None
        } else {
            match crate::measure::plain_punctuation(&String::from_utf8_lossy(raw)) {
                std::borrow::Cow::Owned(p) => Some(p),
                std::borrow::Cow::Borrowed(_) => None,
            }
        };
        self.filter
            .inner
            .candidates(plain.as_ref().map_or(raw, |p| p.as_bytes()), &mut matched);
        if !head && matched.is_empty() {
            self.matched = matched;
            return;
        }
        let (line, _) = cut_line(raw, self.max_line, false);
        let (timestamp, content) =
            split_prefix(&line).map_or((None, 0), |(ts, rest)| (Some(ts), rest));
        let text = &line[content..];
        let text = match plain {
            Some(_) => crate::measure::plain_punctuation(text),
            None => std::borrow::Cow::Borrowed(text),
        };
        self.filter.inner.matching(&text, &mut matched);
        let kept_index = self.spans.len();
        let number = index + 1 + self.offset;
        let keep = record(&mut self.hits, &matched, kept_index, number) || head;
        self.matched = matched;
        if !keep {
            return;
        }
        let start = self.text.len();
        self.text.push_str(&line);
        self.spans.push(Span {
            number,
            start: start + content,
            end: self.text.len(),
            timestamp: timestamp.map(|ts| (start, start + ts)),
        });
    }
}

/// How many of the complete lines of `blk` (which ends with `\n`) are longer than `max` bytes
/// (without their `\r\n`). Jumps `max` bytes at a time: short lines are not visited one by one.
pub(crate) fn long_lines(blk: &[u8], max: usize) -> usize {
    let mut count = 0;
    let mut start = 0;
    while start < blk.len() {
        // A line starting at `start` is short when a `\n` ends it within `max` bytes.
        let end = start.saturating_add(max).saturating_add(1).min(blk.len());
        match memchr::memrchr(b'\n', &blk[start..end]) {
            Some(i) => start += i + 1,
            None => {
                let n = memchr::memchr(b'\n', &blk[end..]).map_or(blk.len(), |i| end + i);
                let line = &blk[start..n];
                if line.strip_suffix(b"\r").unwrap_or(line).len() > max {
                    count += 1;
                }
                start = n + 1;
            }
        }
    }
    count
}

/// The newest timestamp of the last lines (each ending with `\n`), as
/// [`LogStream::last_timestamp`] finds it.
fn last_timestamp(tail: &[u8]) -> Option<String> {
    let body = tail.strip_suffix(b"\n").unwrap_or(tail);
    if tail.is_empty() {
        return None;
    }
    body.rsplit(|&b| b == b'\n')
        .take(TAIL_LINES)
        .find_map(|raw| {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line: Cow<'_, str> = String::from_utf8_lossy(raw);
            timestamp_of(&line)
        })
}

/// Finds the lines that may hold one of a set of literals: exact keys (a literal, or for one
/// with letters of either case, every casing of a piece of it) searched together, and the
/// first bytes of typographic punctuation (a line holding some may hold a literal once read
/// plain; such lines are rare).
///
/// The keys are searched with Teddy, Aho-Corasick's SIMD searcher, without its heuristic
/// limit of 64 patterns: with the rule pack's ~90 keys it ran at 2.3–3 GB/s on generated
/// launcher logs where the same keys in an Aho-Corasick automaton, and the literals as one
/// regex alternation (the regex engine's lazy DFA, past its own limit of 64 literals), both
/// ran at 0.6 GB/s.
#[derive(Debug)]
struct Prefilter {
    keys: Keys,
    /// Per key, the patterns (indices in the filter) with a literal that holds it.
    owners: Vec<Vec<usize>>,
    /// First bytes of the UTF-8 forms of [`FANCY_PUNCTUATION`](crate::measure::FANCY_PUNCTUATION)
    /// (at most three, searched with `memchr3`; repeated to fill the array).
    leads: [u8; 3],
}

/// The searcher of a prefilter's keys.
#[derive(Debug)]
enum Keys {
    /// Teddy (x86-64 with SSSE3, aarch64), at most 128 keys.
    Teddy(aho_corasick::packed::Searcher),
    /// Where Teddy cannot be built.
    Automaton(AhoCorasick),
}

impl Keys {
    /// Where the first key at or after `at` starts, and which key it is.
    fn find_at(&self, haystack: &[u8], at: usize) -> Option<(usize, usize)> {
        if at >= haystack.len() {
            return None;
        }
        match self {
            Keys::Teddy(s) => s
                .find_in(haystack, aho_corasick::Span::from(at..haystack.len()))
                .map(|m| (m.start(), m.pattern().as_usize())),
            Keys::Automaton(ac) => ac
                .find(Input::new(haystack).range(at..))
                .map(|m| (m.start(), m.pattern().as_usize())),
        }
    }
}

/// Most letters of either case in the piece of a case-insensitive literal used as its keys
/// (each such letter doubles the keys).
const MAX_FOLDED: usize = 3;

impl Prefilter {
    /// The patterns with a literal holding one of the keys `bytes` holds, in order and once
    /// each (appended to `out`). No two keys start at the same place (none holds another), so
    /// stepping one byte past each find sees every key in `bytes`.
    fn owners_in(&self, bytes: &[u8], out: &mut Vec<usize>) {
        let mut at = 0;
        while let Some((start, key)) = self.keys.find_at(bytes, at) {
            out.extend(self.owners.get(key).into_iter().flatten());
            at = start + 1;
        }
        out.sort_unstable();
        out.dedup();
    }

    /// A search of `haystack` from positions that never decrease.
    fn search<'h>(&'h self, haystack: &'h [u8]) -> Search<'h> {
        Search {
            prefilter: self,
            haystack,
            key: Next::default(),
            lead: Next::default(),
        }
    }
}

/// A prefilter's search of one haystack; remembers the next key and lead byte found, so that
/// neither is searched for twice over the same bytes.
struct Search<'h> {
    prefilter: &'h Prefilter,
    haystack: &'h [u8],
    key: Next,
    lead: Next,
}

/// The first find at or after `from` (`None`: not looked for yet).
#[derive(Default)]
struct Next(Option<(usize, Option<usize>)>);

impl Next {
    /// The first find at or after `at`, from `find` (searching from `at`) unless known.
    fn at(&mut self, at: usize, find: impl FnOnce() -> Option<usize>) -> Option<usize> {
        match self.0 {
            Some((from, found)) if from <= at && found.is_none_or(|f| f >= at) => found,
            _ => {
                let found = find();
                self.0 = Some((at, found));
                found
            }
        }
    }
}

impl Search<'_> {
    /// Where the first key or lead byte at or after `at` starts.
    fn find_at(&mut self, at: usize) -> Option<usize> {
        let h = self.haystack;
        if at >= h.len() {
            return None;
        }
        let keys = &self.prefilter.keys;
        let key = self
            .key
            .at(at, || keys.find_at(h, at).map(|(start, _)| start));
        let [a, b, c] = self.prefilter.leads;
        let lead = self
            .lead
            .at(at, || memchr::memchr3(a, b, c, &h[at..]).map(|i| at + i));
        match (key, lead) {
            (Some(k), Some(l)) => Some(k.min(l)),
            (k, l) => k.or(l),
        }
    }
}

/// The literal prefilter of a set of patterns; `None` when some pattern has no literal every
/// match contains (then every line is checked).
fn prefilter<'a>(patterns: impl IntoIterator<Item = (usize, &'a str)>) -> Option<Prefilter> {
    // (pattern, key of one of its literals)
    let mut keyed: Vec<(usize, Vec<u8>)> = Vec::new();
    for (i, p) in patterns {
        let hir = regex_syntax::ParserBuilder::new().build().parse(p).ok()?;
        let lits = required(&hir)?;
        if lits.len() > MAX_LITERALS || lits.iter().any(|l| l.bytes.len() < MIN_LITERAL) {
            return None;
        }
        keyed.extend(lits.iter().flat_map(Literal::keys).map(|k| (i, k)));
    }
    if keyed.is_empty() {
        return None;
    }
    let mut keys: Vec<Vec<u8>> = keyed.iter().map(|(_, k)| k.clone()).collect();
    let mut leads: Vec<u8> = crate::measure::FANCY_PUNCTUATION
        .iter()
        .map(|c| c.encode_utf8(&mut [0; 4]).as_bytes()[0])
        .collect();
    leads.sort_unstable();
    leads.dedup();
    // More lead bytes than memchr3 takes: the characters themselves are keys.
    if leads.len() > 3 {
        keys.extend(
            (crate::measure::FANCY_PUNCTUATION.iter())
                .filter(|c| leads[3..].contains(&c.encode_utf8(&mut [0; 4]).as_bytes()[0]))
                .map(|c| c.to_string().into_bytes()),
        );
    }
    let leads = [0, 1, 2].map(|i| leads.get(i).or(leads.first()).copied().unwrap_or(b'\n'));
    // A key holding another is dropped: a line holding it holds the other.
    keys.sort_unstable();
    keys.dedup();
    let all = keys.clone();
    keys.retain(|k| {
        !all.iter()
            .any(|o| o.len() < k.len() && memchr::memmem::find(k, o).is_some())
    });
    let mut teddy = aho_corasick::packed::Config::new();
    teddy.heuristic_pattern_limits(false);
    let searcher = match teddy.builder().extend(&keys).build() {
        Some(searcher) => Keys::Teddy(searcher),
        None => AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&keys)
            .ok()
            .map(Keys::Automaton)?,
    };
    let owners = keys
        .iter()
        .map(|k| {
            let mut owners: Vec<usize> = (keyed.iter())
                .filter(|(_, holder)| memchr::memmem::find(holder, k).is_some())
                .map(|(i, _)| *i)
                .collect();
            owners.dedup();
            owners
        })
        .collect();
    Some(Prefilter {
        keys: searcher,
        owners,
        leads,
    })
}

/// What every match of `pattern` contains (see [`FilterInner::needs`]).
fn needs_of(pattern: &str) -> Needs {
    let finder = |bytes: &[u8]| memchr::memmem::Finder::new(bytes).into_owned();
    let Ok(hir) = regex_syntax::ParserBuilder::new().build().parse(pattern) else {
        return Vec::new();
    };
    let mut needs: Needs = musts(&hir)
        .into_iter()
        .map(|l| vec![(finder(&l), false)])
        .collect();
    if let Some(any) = required(&hir).filter(|lits| {
        lits.len() <= MAX_LITERALS && lits.iter().all(|l| l.bytes.len() >= MIN_LITERAL)
    }) {
        needs.push(
            any.into_iter()
                .map(|l| {
                    if l.ci() {
                        (finder(&l.bytes.to_ascii_lowercase()), true)
                    } else {
                        (finder(&l.bytes), false)
                    }
                })
                .collect(),
        );
    }
    needs
}

/// A literal every match of some pattern contains: ASCII bytes, ASCII-case-insensitive when it
/// came from case-insensitive letters.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Literal {
    bytes: Vec<u8>,
    /// Per byte, whether it is a letter of either case.
    folded: Vec<bool>,
}

impl Literal {
    /// Whether some letter is of either case.
    fn ci(&self) -> bool {
        self.folded.contains(&true)
    }

    /// The exact strings a text holding this literal holds one of: the literal itself, or,
    /// when some of its letters are of either case, every casing of its longest piece with at
    /// most [`MAX_FOLDED`] such letters.
    fn keys(&self) -> Vec<Vec<u8>> {
        let (mut piece, mut start, mut folded) = (0..0, 0, 0);
        for (end, &f) in self.folded.iter().enumerate() {
            folded += usize::from(f);
            while folded > MAX_FOLDED {
                folded -= usize::from(self.folded[start]);
                start += 1;
            }
            if end + 1 - start > piece.len() {
                piece = start..end + 1;
            }
        }
        let mut keys = vec![Vec::with_capacity(piece.len())];
        for (&b, &f) in self.bytes[piece.clone()].iter().zip(&self.folded[piece]) {
            if f {
                let upper: Vec<Vec<u8>> = keys
                    .iter()
                    .map(|k| [k.as_slice(), &[b.to_ascii_uppercase()]].concat())
                    .collect();
                keys.iter_mut().for_each(|k| k.push(b.to_ascii_lowercase()));
                keys.extend(upper);
            } else {
                keys.iter_mut().for_each(|k| k.push(b));
            }
        }
        keys
    }
}

/// ASCII literals one of which every match of `hir` contains; `None` when there is no such set.
/// Letters of a case-insensitive class count only when the class holds exactly the ASCII upper
/// and lower case (`k` and `s` also fold to non-ASCII letters, so they end a literal); such a
/// literal is searched case-insensitively.
fn required(hir: &Hir) -> Option<Vec<Literal>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(_) | HirKind::Class(_) => {
            let runs = runs(std::slice::from_ref(hir));
            best(runs.into_iter().map(|r| vec![r]).collect())
        }
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Repetition(_) => None,
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Concat(children) => {
            let mut candidates: Vec<Vec<Literal>> =
                runs(children).into_iter().map(|r| vec![r]).collect();
            candidates.extend(children.iter().filter_map(required));
            best(candidates)
        }
        HirKind::Alternation(children) => {
            let mut all = Vec::new();
            for c in children {
                all.extend(required(c)?);
            }
            Some(all)
        }
    }
}

/// Case-sensitive literals (at least [`MIN_LITERAL`] bytes) that every match of `hir`
/// contains, all of them.
fn musts(hir: &Hir) -> Vec<Vec<u8>> {
    let own = |runs: Vec<Literal>| {
        runs.into_iter()
            .filter(|l| !l.ci() && l.bytes.len() >= MIN_LITERAL)
            .map(|l| l.bytes)
            .collect::<Vec<_>>()
    };
    match hir.kind() {
        HirKind::Literal(_) | HirKind::Class(_) => own(runs(std::slice::from_ref(hir))),
        HirKind::Repetition(rep) if rep.min >= 1 => musts(&rep.sub),
        HirKind::Capture(cap) => musts(&cap.sub),
        HirKind::Concat(children) => {
            let mut all = own(runs(children));
            all.extend(children.iter().flat_map(musts));
            let mut seen = Vec::new();
            all.retain(|l| {
                let new = !seen.contains(l);
                seen.push(l.clone());
                new
            });
            all
        }
        _ => Vec::new(),
    }
}

/// The best of several literal sets: the longest shortest literal, then the fewest literals.
fn best(candidates: Vec<Vec<Literal>>) -> Option<Vec<Literal>> {
    candidates
        .into_iter()
        .filter(|c| !c.is_empty() && c.iter().all(|l| !l.bytes.is_empty()))
        .max_by(|a, b| {
            let min = |c: &Vec<Literal>| c.iter().map(|l| l.bytes.len()).min().unwrap_or(0);
            min(a).cmp(&min(b)).then_with(|| b.len().cmp(&a.len()))
        })
}

/// The maximal runs of ASCII literal bytes in a sequence of nodes (a concatenation).
fn runs(nodes: &[Hir]) -> Vec<Literal> {
    let mut out = Vec::new();
    let mut run = Literal {
        bytes: Vec::new(),
        folded: Vec::new(),
    };
    let end = |run: &mut Literal, out: &mut Vec<Literal>| {
        if !run.bytes.is_empty() {
            out.push(std::mem::replace(
                run,
                Literal {
                    bytes: Vec::new(),
                    folded: Vec::new(),
                },
            ));
        }
    };
    for node in nodes {
        match node.kind() {
            HirKind::Literal(lit) => {
                for &b in lit.0.iter() {
                    if b.is_ascii() {
                        run.bytes.push(b);
                        run.folded.push(false);
                    } else {
                        end(&mut run, &mut out);
                    }
                }
            }
            HirKind::Class(class) => match ascii_letter(class) {
                Some((b, ci)) => {
                    run.bytes.push(b);
                    run.folded.push(ci);
                }
                None => end(&mut run, &mut out),
            },
            _ => end(&mut run, &mut out),
        }
    }
    end(&mut run, &mut out);
    out
}

/// A class that is one ASCII character, or an ASCII letter in both cases (then `true`).
fn ascii_letter(class: &Class) -> Option<(u8, bool)> {
    let chars: Vec<(u32, u32)> = match class {
        Class::Unicode(c) => c
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        Class::Bytes(c) => c
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
    };
    let mut members = Vec::new();
    for (a, b) in chars {
        if b - a > 1 {
            return None;
        }
        members.extend(a..=b);
    }
    let ascii = |c: u32| u8::try_from(c).ok().filter(u8::is_ascii);
    match members.as_slice() {
        [c] => ascii(*c).map(|b| (b, false)),
        [x, y] => {
            let (x, y) = (ascii(*x)?, ascii(*y)?);
            (x.is_ascii_alphabetic() && x != y && x.eq_ignore_ascii_case(&y))
                .then(|| (x.to_ascii_lowercase(), true))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        let hir = regex_syntax::ParserBuilder::new().build().parse(p).ok()?;
        required(&hir).map(|v| {
            v.into_iter()
                .map(|l| String::from_utf8_lossy(&l.bytes).into_owned())
                .collect()
        })
    }

    #[test]
    fn every_literal_a_match_needs() {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(r"kubevirt domain status: \w+\(\d+\)(?::| reason: )Crashed\(\d+\)")
            .expect("parses");
        let m: Vec<String> = musts(&hir)
            .into_iter()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .collect();
        assert_eq!(m, ["kubevirt domain status: ", "Crashed("]);
    }

    #[test]
    fn required_literals() {
        assert_eq!(
            lits(r"\S+: Assertion .+ failed"),
            Some(vec![": Assertion ".into()])
        );
        assert_eq!(
            lits(r"(?i)kernel panic - not syncing: (?P<r>.*)"),
            Some(vec!["ernel panic - not ".into()])
        );
        assert_eq!(lits(r"a|bcd"), Some(vec!["a".into(), "bcd".into()]));
        assert_eq!(lits(r"x*"), None);
        assert_eq!(lits(r"(?:foo|bar)?baz"), Some(vec!["baz".into()]));
    }

    fn filter(patterns: &[&str]) -> LogFilter {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        let regexes = patterns
            .iter()
            .map(|p| Regex::new(p).expect("regex"))
            .collect();
        LogFilter::new(patterns, regexes)
    }

    fn scan(f: &LogFilter, source: LogSource, chunks: &[&[u8]]) -> LogStream {
        let mut s = LogScanner::new(source, f);
        for c in chunks {
            s.push(c);
        }
        s.finish()
    }

    #[test]
    fn typographic_punctuation_is_read_plain_and_kept_as_written() {
        let f = filter(&[r"didn't match Pod's node affinity"]);
        assert!(f.has_prefilter());
        let src = LogSource {
            pod: Some("p".into()),
            ..LogSource::new("l")
        };
        let text = "a\n3 node(s) didn\u{2019}t match Pod\u{2019}s node affinity\nb\n";
        let log = scan(&f, src.clone(), &[text.as_bytes()]);
        let kept: Vec<&str> = log.lines().map(|l| l.text).collect();
        assert_eq!(
            kept,
            vec!["3 node(s) didn\u{2019}t match Pod\u{2019}s node affinity"]
        );
        let whole = LogStream::parse(src, text.as_bytes()).filtered(&f);
        assert_eq!(whole.lines().count(), 1);
    }

    #[test]
    fn scanning_keeps_hits_with_their_numbers_and_counts_every_line() {
        let f = filter(&[
            r"Reaped pid \d+ with status (?:6|9|11)\b",
            r"(?i)kernel panic",
        ]);
        assert!(f.has_prefilter());
        let src = LogSource {
            pod: Some("p".into()),
            ..LogSource::new("l")
        };
        let text =
            b"2024-04-26T12:09:49.683947000Z a\nb\r\nReaped pid 8 with status 9\nKERNEL PANIC x\nc";
        for cut in 0..text.len() {
            let log = scan(&f, src.clone(), &[&text[..cut], &text[cut..]]);
            assert_eq!(log.len(), 5, "cut {cut}");
            let kept: Vec<(usize, &str)> = log.lines().map(|l| (l.number, l.text)).collect();
            assert_eq!(
                kept,
                [(3, "Reaped pid 8 with status 9"), (4, "KERNEL PANIC x")],
                "cut {cut}"
            );
            let whole = LogStream::parse(src.clone(), text).filtered(&f);
            assert_eq!(whole.len(), 5);
            assert_eq!(whole.lines().map(|l| l.number).collect::<Vec<_>>(), [3, 4]);
            assert_eq!(
                log.last_timestamp(),
                Some("2024-04-26T12:09:49.683947000Z".into())
            );
        }
    }

    #[test]
    fn long_lines_are_matched_and_kept_cut_as_when_read_whole() {
        let f = filter(&[r"Reaped pid \d+ with status (?:6|9|11)\b", r"tail-marker"]);
        let src = LogSource {
            pod: Some("p".into()),
            ..LogSource::new("l")
        };
        let max = 40;
        // Matched within the limit, long; matched only past the limit; short; a long line of
        // several characters of two bytes cut in the middle of one; an unended long last line.
        let mut text = Vec::new();
        text.extend_from_slice(b"Reaped pid 8 with status 9 and then much more text\n");
        text.extend_from_slice(b"0123456789012345678901234567890123456789 tail-marker\n");
        text.extend_from_slice(b"Reaped pid 9 with status 11\r\n");
        text.extend_from_slice("Reaped pid 7 with status 6 éééééééééééé\n".as_bytes());
        text.extend_from_slice(b"Reaped pid 1 with status 9 ");
        text.extend_from_slice(&[b'x'; 100]);
        let whole = LogStream::parse_limited(src.clone(), &text, 1, max).filtered(&f);
        let expect: Vec<(usize, String)> = whole
            .lines()
            .map(|l| (l.number, l.text.to_owned()))
            .collect();
        assert_eq!(expect.len(), 4, "{expect:?}");
        assert_eq!(whole.cut_lines(), 4);
        for size in [1, 7, 40, 41, 64, text.len()] {
            let chunks: Vec<&[u8]> = text.chunks(size).collect();
            let mut s = LogScanner::new(src.clone(), &f).max_line_bytes(max);
            for c in &chunks {
                s.push(c);
            }
            assert!(
                s.pending.len() <= max,
                "an unended line holds at most the limit"
            );
            let log = s.finish();
            let kept: Vec<(usize, String)> =
                log.lines().map(|l| (l.number, l.text.to_owned())).collect();
            assert_eq!(kept, expect, "chunks of {size}");
            assert_eq!(log.len(), whole.len(), "chunks of {size}");
            assert_eq!(log.cut_lines(), whole.cut_lines(), "chunks of {size}");
            assert!(log.lines().all(|l| l.text.len() <= max));
        }
    }

    #[test]
    fn the_last_line_a_pattern_matched_is_known_past_the_lines_kept() {
        let f = filter(&[r"login: *$", r"panic"]);
        let src = LogSource {
            pod: Some("p".into()),
            ..LogSource::new("l")
        };
        let mut text = String::from("panic\n");
        for i in 0..HITS_KEPT + 5 {
            text.push_str(&format!("host{i} login: \nnoise\n"));
        }
        let lines = 1 + 2 * (HITS_KEPT + 5);
        let hits = |log: &LogStream| -> Vec<(usize, usize, usize, usize)> {
            let h = log.hits_for(&f).expect("scanned with f");
            h.iter()
                .map(|(p, h)| (*p, h.lines.len(), h.total, h.last))
                .collect()
        };
        let expect = vec![(0, HITS_KEPT, HITS_KEPT + 5, lines - 1), (1, 1, 1, 1)];
        let whole = LogStream::parse(src.clone(), text.as_bytes()).filtered(&f);
        assert_eq!(hits(&whole), expect);
        let scanned = scan(&f, src, &[text.as_bytes()]);
        assert_eq!(hits(&scanned), expect);
    }

    #[test]
    fn logs_naming_nothing_keep_their_head() {
        let f = filter(&["boom"]);
        let log = scan(&f, LogSource::new("l"), &[b"a\nb\nboom\n"]);
        assert_eq!(log.lines().count(), 3);
        assert_eq!(log.len(), 3);
    }

    #[test]
    fn keys_of_a_case_insensitive_literal_are_every_casing_of_a_piece() {
        let keys = |p: &str| -> Vec<String> {
            let hir = regex_syntax::ParserBuilder::new()
                .build()
                .parse(p)
                .expect("parses");
            let mut keys: Vec<String> = (required(&hir).expect("literals").iter())
                .flat_map(Literal::keys)
                .map(|k| String::from_utf8_lossy(&k).into_owned())
                .collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(r"Reaped pid \d+"), ["Reaped pid "]);
        // The longest piece with at most three letters of either case.
        let hw = keys(r"(?i)\bhardware name: (?:red hat )?kubevirt\b");
        assert_eq!(hw.len(), 8);
        assert!(hw.contains(&"ame: ".to_owned()) && hw.contains(&"AmE: ".to_owned()));
        assert_eq!(keys(r"(?i)kernel panic - not syncing").len(), 8);
        assert!(keys(r"(?i)kernel panic - not syncing").contains(&" - NoT ".to_owned()));
        // Only the letter given in both cases varies.
        assert_eq!(
            keys(r"[Ff]ailed to locate"),
            ["Failed to locate", "failed to locate"]
        );
    }

    /// Every line of the repository's logs and captures (with case and punctuation variants
    /// of the rule pack's messages, `tests/data/prefilter`) is kept by the built-in pack's filter exactly when checking
    /// every line (no prefilter) keeps it.
    #[test]
    fn the_prefilter_skips_no_line_a_pattern_matches() {
        let rules = crate::RuleSet::builtin().expect("rules");
        let f = rules.log_filter();
        assert!(f.has_prefilter());
        let inner = &f.inner;
        let every_line = LogFilter {
            inner: Arc::new(FilterInner {
                patterns: inner.patterns.clone(),
                regexes: inner.regexes.clone(),
                prefilter: None,
                needs: inner.needs.clone(),
                by_container: Vec::new(),
                other_containers: None,
            }),
        };
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        // Case and punctuation variants of the pack's messages: tests/data/prefilter.
        let mut text = String::new();
        let mut variants = false;
        let mut files = 0;
        let mut dirs = vec![
            root.join("fixtures"),
            root.join("examples"),
            root.join("crates"),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "log" || e == "txt")
                    && let Ok(t) = std::fs::read_to_string(&path)
                {
                    text.push_str(&t);
                    text.push('\n');
                    files += 1;
                    variants |= path.ends_with("tests/data/prefilter/variants.log");
                }
            }
        }
        assert!(
            files > 100 && variants,
            "{files} logs, variants read: {variants}"
        );
        let src = LogSource {
            pod: Some("p".into()),
            ..LogSource::new("l")
        };
        let kept = |f: &LogFilter| -> Vec<(usize, String)> {
            scan(f, src.clone(), &[text.as_bytes()])
                .lines()
                .map(|l| (l.number, l.text.to_owned()))
                .collect()
        };
        let expect = kept(&every_line);
        assert!(expect.len() > 100, "{} lines matched", expect.len());
        assert_eq!(kept(&f), expect);
    }

    #[test]
    fn without_a_literal_every_line_is_checked() {
        let f = filter(&[r"\d+"]);
        assert!(!f.has_prefilter());
        let src = LogSource {
            vm: Some("v".into()),
            ..LogSource::new("l")
        };
        let log = scan(&f, src, &[b"a\n12\nb\n"]);
        assert_eq!(log.lines().map(|l| l.number).collect::<Vec<_>>(), [2]);
    }
}
