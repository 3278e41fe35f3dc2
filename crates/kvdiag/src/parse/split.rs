//! Logs cut into excerpts as they are read: a virt-handler log into the node's lines and one
//! excerpt per VMI, a node kernel log into the node's lines and one excerpt per pod, each
//! scanned by its own [`LogScanner`] as its lines pass. The result is what reading the log
//! whole, cutting it ([`log_parsed`](super::log_parsed)) and filtering each excerpt
//! ([`LogStream::filtered`]) gives, line numbers, counts and hits included; memory holds the
//! lines a rule can use and, per excerpt, its last lines (for its newest timestamp), never the
//! log.
//!
//! A kernel line joins the excerpt of the pod whose anchor (a line naming its cgroup) is
//! nearest in time, before or after it ([`kernel`]), so the anchors must be known before the
//! lines are given out: a kernel log is read twice, first by [`KernelAnchors`] (which keeps
//! the anchors' line numbers, times and pods only), then by a [`SplitScanner`].

use std::borrow::Cow;
use std::collections::HashMap;

use memchr::memmem::Finder;

use super::filter::{LogFilter, LogScanner, long_lines};
use super::log::{DEFAULT_LINE_BYTES, LogSource, LogStream, Unended, cut_line, split_prefix};
use super::{handler, kernel};

/// Splits chunks into blocks of whole lines (each ending with `\n`), counting lines and the
/// lines longer than the limit as the whole-log reader does; a line across chunks is held
/// cut to the limit.
#[derive(Debug)]
struct Lines {
    pending: Unended,
    max: usize,
    count: usize,
    cut: usize,
}

impl Lines {
    fn new(max: usize) -> Lines {
        Lines {
            pending: Unended::default(),
            max,
            count: 0,
            cut: 0,
        }
    }

    /// Gives `f` the complete lines of the next bytes: (index of the first line, lines).
    fn push(&mut self, mut bytes: &[u8], f: &mut impl FnMut(usize, &[u8])) {
        if !self.pending.is_empty() {
            match memchr::memchr(b'\n', bytes) {
                None => {
                    self.pending.push(bytes, self.max);
                    return;
                }
                Some(i) => {
                    self.pending.push(&bytes[..i], self.max);
                    self.end_pending(f);
                    bytes = &bytes[i + 1..];
                }
            }
        }
        match memchr::memrchr(b'\n', bytes) {
            None => self.pending.push(bytes, self.max),
            Some(j) => {
                self.block(&bytes[..=j], f);
                self.pending.push(&bytes[j + 1..], self.max);
            }
        }
    }

    fn end_pending(&mut self, f: &mut impl FnMut(usize, &[u8])) {
        let (mut line, cut) = self.pending.take();
        line.push(b'\n');
        if cut {
            self.cut += 1;
        }
        self.block(&line, f);
    }

    /// Gives the last line, when it has no `\n`.
    fn finish(&mut self, f: &mut impl FnMut(usize, &[u8])) {
        if !self.pending.is_empty() {
            self.end_pending(f);
        }
    }

    fn block(&mut self, blk: &[u8], f: &mut impl FnMut(usize, &[u8])) {
        self.cut += long_lines(blk, self.max);
        let first = self.count;
        self.count += memchr::memchr_iter(b'\n', blk).count();
        f(first, blk);
    }
}

/// A raw line (without its `\n`) as the whole-log reader holds it: without `\r`, cut to the
/// limit, invalid UTF-8 replaced; and where its text starts (after a kubelet timestamp).
fn decoded(raw: &[u8], max: usize) -> (Cow<'_, str>, usize) {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let raw = &raw[..raw.len().min(max)];
    let (line, _) = cut_line(raw, max, false);
    let content = split_prefix(&line).map_or(0, |(_, rest)| rest);
    (line, content)
}

/// The lines of each complete line of `blk` (ending with `\n`), with their indices: where one
/// of the finders or bytes occurs. Searches go on from where they stopped: each is one pass.
struct Candidates<'a> {
    blk: &'a [u8],
    /// Where each search found its next occurrence (`None`: no more).
    next: Vec<Option<usize>>,
    finders: &'a [Finder<'static>],
    byte: Option<u8>,
    pos: usize,
    index: usize,
}

impl<'a> Candidates<'a> {
    fn new(blk: &'a [u8], first: usize, finders: &'a [Finder<'static>], byte: Option<u8>) -> Self {
        let mut next: Vec<Option<usize>> = finders.iter().map(|f| f.find(blk)).collect();
        next.push(byte.and_then(|b| memchr::memchr(b, blk)));
        Candidates {
            blk,
            next,
            finders,
            byte,
            pos: 0,
            index: first,
        }
    }
}

impl Iterator for Candidates<'_> {
    /// (index of the line, its start, the position of its `\n`).
    type Item = (usize, usize, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let (blk, pos) = (self.blk, self.pos);
        for (i, at) in self.next.iter_mut().enumerate() {
            if at.is_some_and(|a| a < pos) {
                *at = match self.finders.get(i) {
                    Some(f) => f.find(&blk[pos..]),
                    None => self.byte.and_then(|b| memchr::memchr(b, &blk[pos..])),
                }
                .map(|j| pos + j);
            }
        }
        let m = self.next.iter().flatten().copied().min()?;
        let start = memchr::memrchr(b'\n', &blk[pos..m]).map_or(pos, |i| pos + i + 1);
        let end = memchr::memchr(b'\n', &blk[m..]).map_or(blk.len().saturating_sub(1), |i| m + i);
        self.index += memchr::memchr_iter(b'\n', &blk[pos..start]).count();
        let index = self.index;
        self.index += 1;
        self.pos = end + 1;
        Some((index, start, end))
    }
}

/// One anchor of a kernel log: a line naming a pod's cgroup.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    line: usize,
    time: Option<f64>,
    pod: usize,
}

/// The first reading of a node kernel log: the lines that name a pod's cgroup (anchors), their
/// times and pods. Memory: a few words per anchor.
#[derive(Debug)]
pub struct KernelAnchors {
    max: usize,
    lines: Lines,
    anchors: Vec<Anchor>,
    pods: Vec<String>,
    pod_index: HashMap<String, usize>,
    /// Every cgroup path a line can name holds this.
    finders: [Finder<'static>; 1],
}

impl KernelAnchors {
    /// Starts reading a kernel log whose lines are held cut to `max_line` bytes (as the
    /// [`SplitScanner`] that reads it next).
    pub fn new(max_line: usize) -> KernelAnchors {
        KernelAnchors {
            max: max_line.max(1),
            lines: Lines::new(max_line.max(1)),
            anchors: Vec::new(),
            pods: Vec::new(),
            pod_index: HashMap::new(),
            finders: [Finder::new(b"kubepods").into_owned()],
        }
    }

    /// Adds the next bytes of the log.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut lines = std::mem::replace(&mut self.lines, Lines::new(1));
        lines.push(bytes, &mut |first, blk| self.block(first, blk));
        self.lines = lines;
    }

    /// Ends the log.
    pub fn finish(mut self) -> KernelAnchors {
        let mut lines = std::mem::replace(&mut self.lines, Lines::new(1));
        lines.finish(&mut |first, blk| self.block(first, blk));
        self.lines = lines;
        self
    }

    fn block(&mut self, first: usize, blk: &[u8]) {
        let max = self.max;
        let found: Vec<(usize, usize, usize)> =
            Candidates::new(blk, first, &self.finders, None).collect();
        for (index, start, end) in found {
            let (line, content) = decoded(&blk[start..end], max);
            let text = &line[content..];
            let Some(uid) = kernel::pod_uid(text) else {
                continue;
            };
            let pod = match self.pod_index.get(&uid) {
                Some(p) => *p,
                None => {
                    self.pods.push(uid.clone());
                    self.pod_index.insert(uid, self.pods.len() - 1);
                    self.pods.len() - 1
                }
            };
            self.anchors.push(Anchor {
                line: index,
                time: kernel::seconds(text),
                pod,
            });
        }
    }

    /// How many lines name a pod's cgroup.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether no line names a pod's cgroup.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }
}

/// How lines are given out to the excerpts.
#[derive(Debug)]
enum Route {
    /// By the VMI a virt-handler line names.
    Handler {
        vmis: HashMap<(String, String), usize>,
        finders: Box<[Finder<'static>; 1]>,
    },
    /// By the nearest anchor of a kernel log.
    Kernel {
        anchors: Vec<Anchor>,
        /// (time, anchor) of the anchors with a time, by time.
        by_time: Vec<(f64, usize)>,
    },
}

/// Cuts a virt-handler or node kernel log into its excerpts as it is read and scans each (see
/// the module docs).
///
/// ```
/// use kvdiag::{RuleSet, parse::{LogSource, SplitScanner}};
/// let rules = RuleSet::builtin()?;
/// let source = LogSource { container: Some("virt-handler".into()), ..LogSource::new("h.log") };
/// let mut scanner = SplitScanner::handler(source, &rules.log_filter());
/// scanner.push(b"{\"msg\":\"up\"}\n{\"kind\":\"VirtualMachineInstance\",\"namespace\":\"n\",\"name\":\"a\",\"msg\":\"x\"}\n");
/// let logs = scanner.finish();
/// assert_eq!(logs.len(), 2);                       // the node's lines, then VMI n/a's
/// assert_eq!(logs[1].source.vm.as_deref(), Some("a"));
/// # Ok::<(), kvdiag::LoadError>(())
/// ```
#[derive(Debug)]
pub struct SplitScanner {
    source: LogSource,
    /// Longest line kept, in bytes.
    max: usize,
    filter: LogFilter,
    lines: Lines,
    node: LogScanner,
    parts: Vec<LogScanner>,
    route: Route,
    /// Reused for the anchors near a kernel line.
    scratch: Vec<usize>,
}

impl SplitScanner {
    /// Starts reading a virt-handler log (of a node: its source names no VM).
    pub fn handler(source: LogSource, filter: &LogFilter) -> SplitScanner {
        let route = Route::Handler {
            vmis: HashMap::new(),
            finders: Box::new([Finder::new(b"namespace").into_owned()]),
        };
        SplitScanner::new(source, filter, route, Vec::new())
    }

    /// Starts the second reading of a node kernel log, whose first reading found `anchors`;
    /// the lines are held cut to the limit the anchors were read with.
    pub fn kernel(source: LogSource, filter: &LogFilter, anchors: KernelAnchors) -> SplitScanner {
        let max = anchors.max;
        let parts = anchors
            .pods
            .into_iter()
            .map(|uid| {
                LogScanner::new(kernel::pod_source(&source, uid), filter).max_line_bytes(max)
            })
            .collect();
        let mut by_time: Vec<(f64, usize)> = anchors
            .anchors
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.time.map(|t| (t, i)))
            .collect();
        by_time.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let route = Route::Kernel {
            anchors: anchors.anchors,
            by_time,
        };
        SplitScanner::new(source, filter, route, parts).max_line_bytes(max)
    }

    fn new(
        source: LogSource,
        filter: &LogFilter,
        route: Route,
        parts: Vec<LogScanner>,
    ) -> SplitScanner {
        SplitScanner {
            node: LogScanner::new(source.clone(), filter),
            source,
            filter: filter.clone(),
            max: DEFAULT_LINE_BYTES,
            lines: Lines::new(DEFAULT_LINE_BYTES),
            parts,
            route,
            scratch: Vec::new(),
        }
    }

    /// Lines longer than `max` bytes are matched and kept cut to `max` (see
    /// [`LogScanner::max_line_bytes`]).
    pub fn max_line_bytes(mut self, max: usize) -> Self {
        let max = max.max(1);
        self.max = max;
        self.lines.max = max;
        self.node = LogScanner::new(self.source.clone(), &self.filter).max_line_bytes(max);
        self.parts = std::mem::take(&mut self.parts)
            .into_iter()
            .map(|p| p.max_line_bytes(max))
            .collect();
        self
    }

    /// Adds the next bytes of the log.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut lines = std::mem::replace(&mut self.lines, Lines::new(1));
        lines.push(bytes, &mut |first, blk| self.block(first, blk));
        self.lines = lines;
    }

    /// Ends the log and gives its excerpts: the node's lines under the log's identity, line
    /// count and count of cut lines first, then one per VMI or pod, in order of first mention.
    pub fn finish(mut self) -> Vec<LogStream> {
        let mut lines = std::mem::replace(&mut self.lines, Lines::new(1));
        lines.finish(&mut |first, blk| self.block(first, blk));
        let mut node = self.node.finish();
        node.total = lines.count;
        node.cut = lines.cut;
        let mut out = Vec::with_capacity(self.parts.len() + 1);
        out.push(node);
        for part in self.parts {
            let mut excerpt = part.finish();
            // The cut lines are counted once, on the whole log.
            excerpt.cut = 0;
            out.push(excerpt);
        }
        out
    }

    /// Gives out complete lines, the first of index `first`.
    fn block(&mut self, first: usize, blk: &[u8]) {
        match &self.route {
            Route::Handler { .. } => self.handler_block(first, blk),
            Route::Kernel { anchors, .. } if anchors.is_empty() => self.node.run(first, blk),
            Route::Kernel { .. } => self.kernel_block(first, blk),
        }
    }

    fn handler_block(&mut self, first: usize, blk: &[u8]) {
        let Route::Handler { vmis, finders } = &mut self.route else {
            return;
        };
        let max = self.max;
        // The node's run not yet given: (start, index of its first line).
        let mut run = (0, first);
        for (index, start, end) in Candidates::new(blk, first, &finders[..], Some(b'\\')) {
            let (line, content) = decoded(&blk[start..end], max);
            let Some(key) = handler::vmi_of(&line[content..]) else {
                continue;
            };
            if run.0 < start {
                self.node.run(run.1, &blk[run.0..start]);
            }
            let part = match vmis.get(&key) {
                Some(p) => *p,
                None => {
                    let source = handler::vmi_source(&self.source, key.0.clone(), key.1.clone());
                    self.parts
                        .push(LogScanner::new(source, &self.filter).max_line_bytes(max));
                    vmis.insert(key, self.parts.len() - 1);
                    self.parts.len() - 1
                }
            };
            if let Some(p) = self.parts.get_mut(part) {
                p.run(index, &blk[start..=end]);
            }
            run = (end + 1, index + 1);
        }
        if run.0 < blk.len() {
            self.node.run(run.1, &blk[run.0..]);
        }
    }

    fn kernel_block(&mut self, first: usize, blk: &[u8]) {
        let Route::Kernel { anchors, by_time } = &self.route else {
            return;
        };
        let max = self.max;
        let mut near = std::mem::take(&mut self.scratch);
        // The run not yet given: (start, index of its first line, its excerpt).
        let mut run: (usize, usize, Option<usize>) = (0, first, None);
        let mut start = 0;
        let mut index = first;
        while start < blk.len() {
            let end = memchr::memchr(b'\n', &blk[start..]).map_or(blk.len() - 1, |i| start + i);
            let raw = &blk[start..end];
            let time = printk_seconds(raw, max).or_else(|| {
                let (line, content) = decoded(raw, max);
                kernel::seconds(&line[content..])
            });
            near.clear();
            // The anchors that may be within the window (a wider range, then the exact test).
            if let Some(t) = time {
                let window = kernel::WINDOW_SECONDS * 2.0;
                let from = by_time.partition_point(|(at, _)| at.total_cmp(&(t - window)).is_lt());
                near.extend(
                    by_time[from..]
                        .iter()
                        .take_while(|(at, _)| at.total_cmp(&(t + window)).is_le())
                        .map(|(_, a)| *a),
                );
            }
            if let Ok(own) = anchors.binary_search_by(|a| a.line.cmp(&index)) {
                near.push(own);
            }
            let to = if near.is_empty() {
                None
            } else {
                near.sort_unstable();
                near.dedup();
                let candidates = near.iter().filter_map(|&a| anchors.get(a));
                kernel::nearest(index, time, candidates.map(|a| (a.line, a.time, a.pod)))
            };
            if to != run.2 {
                if run.0 < start {
                    give(&mut self.node, &mut self.parts, run, &blk[run.0..start]);
                }
                run = (start, index, to);
            }
            start = end + 1;
            index += 1;
        }
        if run.0 < blk.len() {
            give(&mut self.node, &mut self.parts, run, &blk[run.0..]);
        }
        self.scratch = near;
    }
}

/// The time of a raw line that opens with a `dmesg` time (`[  123.456789]`) within the line
/// limit, read without decoding the line: what [`kernel::seconds`] reads from it decoded.
/// `None`: anything else (then the line is decoded and read the slow way).
fn printk_seconds(raw: &[u8], max: usize) -> Option<f64> {
    let rest = raw.strip_prefix(b"[")?;
    let close = rest.iter().take(40).position(|&b| b == b']')?;
    // The line is read cut to the limit: the time must lie within it.
    if close + 2 > max {
        return None;
    }
    let number = rest[..close].trim_ascii_start();
    let dot = number.iter().position(|&b| b == b'.')?;
    let (int, frac) = (&number[..dot], &number[dot + 1..]);
    let digits = |d: &[u8]| !d.is_empty() && d.iter().all(u8::is_ascii_digit);
    if !digits(int) || !digits(frac) {
        return None;
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

/// Gives a run of lines to the node's excerpt or a pod's.
fn give(
    node: &mut LogScanner,
    parts: &mut [LogScanner],
    (_, first, to): (usize, usize, Option<usize>),
    lines: &[u8],
) {
    match to.and_then(|p| parts.get_mut(p)) {
        Some(part) => part.run(first, lines),
        None => node.run(first, lines),
    }
}

#[cfg(test)]
mod tests {
    use super::super::log_parsed;
    use super::*;
    use crate::parse::{LogKind, Parsed};
    use regex::Regex;

    fn filter(patterns: &[&str]) -> LogFilter {
        let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
        let regexes = patterns
            .iter()
            .map(|p| Regex::new(p).expect("regex"))
            .collect();
        LogFilter::new(patterns, regexes)
    }

    /// What a stream holds that a rule or a report can see.
    fn view(logs: &[LogStream]) -> Vec<String> {
        logs.iter()
            .map(|l| {
                let lines: Vec<String> = l
                    .lines()
                    .map(|x| format!("{}:{:?}:{}", x.number, x.timestamp, x.text))
                    .collect();
                format!(
                    "{:?} total={} cut={} last={:?} lines={lines:?} hits={:?}",
                    l.source,
                    l.len(),
                    l.cut_lines(),
                    l.last_timestamp(),
                    l.scanned.as_ref().map(|s| &s.hits)
                )
            })
            .collect()
    }

    fn whole(source: LogSource, text: &[u8], f: &LogFilter, max: usize) -> Vec<String> {
        let parsed = log_parsed(LogStream::parse_limited(source, text, 1, max));
        let Parsed::Logs(logs) = parsed else {
            panic!("not split")
        };
        let logs: Vec<LogStream> = logs.into_iter().map(|l| l.filtered(f)).collect();
        view(&logs)
    }

    fn chunked(text: &[u8], size: usize, mut push: impl FnMut(&[u8])) {
        for c in text.chunks(size.max(1)) {
            push(c);
        }
    }

    #[test]
    fn handler_logs_split_as_they_are_read_as_when_read_whole() {
        let f = filter(&[r"failed to \w+", r"device plugin"]);
        let src = LogSource {
            container: Some("virt-handler".into()),
            pod: Some("virt-handler-x".into()),
            node: Some("w0".into()),
            ..LogSource::new("h")
        };
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&format!(
                "2024-05-14T09:41:31.{i:09}Z {{\"component\":\"virt-handler\",\"kind\":\"VirtualMachineInstance\",\"name\":\"vm{}\",\"namespace\":\"ns\",\"msg\":\"failed to sync {i}\",\"timestamp\":\"2024-05-14T09:41:{:02}Z\"}}\n",
                i % 7,
                i % 60
            ));
            text.push_str(
                "{\"component\":\"virt-handler\",\"msg\":\"device plugin \\\"kvm\\\" up\"}\n",
            );
            if i % 50 == 0 {
                text.push_str("{\"kind\":\"Pod\",\"namespace\":\"ns\",\"name\":\"p\",\"msg\":\"failed to x\"}\r\n");
                text.push_str(&format!("{}\n", "y".repeat(300)));
            }
        }
        text.push_str("{\"namespace\":\"ns\",\"name\":\"vm1\",\"msg\":\"failed to end\"}");
        for max in [64, 100_000] {
            let expect = whole(src.clone(), text.as_bytes(), &f, max);
            if max > 1000 {
                assert_eq!(expect.len(), 8);
            }
            for size in [1, 13, 200, 4096, text.len()] {
                let mut s = SplitScanner::handler(src.clone(), &f).max_line_bytes(max);
                chunked(text.as_bytes(), size, |c| s.push(c));
                assert_eq!(view(&s.finish()), expect, "chunks of {size}, max {max}");
            }
        }
    }

    #[test]
    fn printk_times_are_read_as_the_kernel_reader_reads_them() {
        for line in [
            "[    0.000000] Linux",
            "[2259869.372374] x",
            "[1.5]",
            "[ 1.] x",
            "[ .5] x",
            "[ 1.5 ] x",
            "[\t12.25] x",
            "[ 12.25x] x",
            "May 14 10:12:03 h kernel: x",
            "[ 99999999999999999999999999.1] x",
        ] {
            let (decoded, content) = decoded(line.as_bytes(), 1000);
            let slow = kernel::seconds(&decoded[content..]);
            let fast = printk_seconds(line.as_bytes(), 1000);
            assert!(fast.is_none() || fast == slow, "{line}: {fast:?} {slow:?}");
        }
        assert_eq!(printk_seconds(b"[ 1.5] x", 1000), Some(1.5));
        assert_eq!(printk_seconds(b"[ 1.5] x", 4), None, "cut within the time");
    }

    #[test]
    fn kernel_logs_split_as_they_are_read_as_when_read_whole() {
        let f = filter(&[r"Killed process", r"(?i)out of memory"]);
        let src = LogSource {
            node: Some("w0".into()),
            kind: Some(LogKind::Kernel),
            ..LogSource::new("k")
        };
        let pod = |n: u32| format!("/kubepods/burstable/pod{n:08x}-2222-4333-8444-555555555555/c");
        let mut text = String::new();
        for i in 0..400u32 {
            let t = f64::from(i) * 0.4;
            text.push_str(&format!("[{t:12.6}] line {i}\n"));
            if i % 37 == 0 {
                text.push_str(&format!(
                    "[{t:12.6}] Memory cgroup out of memory: {}\n",
                    pod(i % 3)
                ));
                text.push_str(&format!("[{:12.6}] Killed process {i}\n", t + 0.5));
            }
            if i % 91 == 0 {
                // A line at the same time naming another pod; a line without a time; a time
                // going back.
                text.push_str(&format!("[{t:12.6}] task in {}\n", pod(9)));
                text.push_str("no time here kubepods\n");
                text.push_str("[    1.000000] clock went back\n");
            }
        }
        text.push_str(&format!("May 14 10:12:03 w0 kernel: oom {}", pod(4)));
        for max in [40, 100_000] {
            let expect = whole(src.clone(), text.as_bytes(), &f, max);
            if max > 1000 {
                assert_eq!(expect.len(), 6, "{expect:#?}");
            }
            for size in [1, 17, 512, text.len()] {
                let mut a = KernelAnchors::new(max);
                chunked(text.as_bytes(), size, |c| a.push(c));
                let mut s = SplitScanner::kernel(src.clone(), &f, a.finish());
                chunked(text.as_bytes(), size, |c| s.push(c));
                assert_eq!(view(&s.finish()), expect, "chunks of {size}, max {max}");
            }
        }
    }
}
