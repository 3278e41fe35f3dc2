//! Node kernel logs (`dmesg`, `journalctl -k`): the lines about one pod are cut out into an
//! excerpt of their own, so that what the kernel did to a pod's processes reaches that pod's VM
//! and no other.
//!
//! A kernel line names a pod through its memory cgroup: `/kubepods/<qos>/pod<uid>/...`
//! (cgroupfs) or `kubepods-<qos>-pod<uid with _>.slice` (systemd). Such a line is an *anchor*.
//! The kernel prints a report (for example about a cgroup running out of memory) as a burst of
//! lines of which only some name the cgroup, so every line printed within [`WINDOW_SECONDS`] of
//! an anchor joins the excerpt of the nearest anchor's pod. Lines without a readable time join
//! nothing but their own anchor. Kernel times are seconds since boot (`[12345.678901]`) or a
//! wall clock without year (`May 14 10:12:03 host kernel:`); only distances between lines of
//! the same log are used, never the capture time.

use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::log::{LogKind, LogSource, LogStream};

/// Lines printed this close (seconds) to an anchor belong to its report.
pub const WINDOW_SECONDS: f64 = 1.0;

static POD_CGROUP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"kubepods(?:-[a-z]+)?-pod([0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12})\.slice|/kubepods/(?:[a-z]+/)?pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    )
    .ok()
});

/// `[  123.456789]` at the start of a line (`dmesg`).
static MONOTONIC: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\[\s*(\d+)\.(\d+)\]").ok());

/// `May 14 10:12:03 host kernel: ` (`journalctl -k`) or `[Tue May 14 10:12:03 2024] ` (`dmesg -T`).
static WALL_CLOCK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\[\w{3} )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})",
    )
    .ok()
});

/// `<Mon> <day> <hh:mm:ss> <host> kernel: `: a kernel journal line.
static JOURNAL_KERNEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} \S+ kernel: ")
        .ok()
});

/// The uid of the pod whose cgroup a line names.
pub fn pod_uid(line: &str) -> Option<String> {
    let caps = POD_CGROUP.as_ref()?.captures(line)?;
    caps.get(1)
        .map(|m| m.as_str().replace('_', "-"))
        .or_else(|| caps.get(2).map(|m| m.as_str().to_owned()))
}

/// Whether a line has the shape of a kernel journal line.
/// The host a journal line names: `May 14 10:12:03 HOST kernel: `.
static JOURNAL_HOST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} (\S+) \S+?(?:\[\d+\])?: ")
        .ok()
});

/// The host that wrote a syslog-style journal line, if it is one.
pub fn journal_host(line: &str) -> Option<&str> {
    let caps = JOURNAL_HOST.as_ref()?.captures(line)?;
    caps.get(1).map(|m| m.as_str())
}

pub(super) fn is_journal_kernel_line(line: &str) -> bool {
    JOURNAL_KERNEL.as_ref().is_some_and(|r| r.is_match(line))
}

/// The line's time in seconds, comparable only with other lines of the same log.
pub(super) fn seconds(line: &str) -> Option<f64> {
    if let Some(c) = MONOTONIC.as_ref()?.captures(line) {
        return format!("{}.{}", &c[1], &c[2]).parse().ok();
    }
    let c = WALL_CLOCK.as_ref()?.captures(line)?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == &c[1])?;
    let n = |i: usize| c[i].parse::<f64>().ok();
    Some((month as f64 * 31.0 + n(2)?) * 86_400.0 + n(3)? * 3_600.0 + n(4)? * 60.0 + n(5)?)
}

/// The identity of the excerpt of a kernel log (of `log`) about one pod.
pub(super) fn pod_source(log: &LogSource, uid: String) -> LogSource {
    LogSource {
        node: log.node.clone(),
        pod_uid: Some(uid),
        kind: Some(LogKind::Kernel),
        ..LogSource::new(Arc::clone(&log.origin))
    }
}

/// The pod of the anchor nearest in time to line `line` (0-based) of time `time`, within
/// [`WINDOW_SECONDS`] (a line that is an anchor is its own nearest): `anchors` in line order,
/// each (line, time, pod), all those that may be that near; the first of equally near ones.
/// The whole-log split and the read-time scanner decide alike by it.
pub(super) fn nearest(
    line: usize,
    time: Option<f64>,
    anchors: impl Iterator<Item = (usize, Option<f64>, usize)>,
) -> Option<usize> {
    anchors
        .filter_map(|(a, at, p)| {
            if a == line {
                return Some((0.0, p));
            }
            let d = (time? - at?).abs();
            (d <= WINDOW_SECONDS).then_some((d, p))
        })
        .min_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, p)| p)
}

/// The whole kernel log followed by one excerpt per pod it names, in order of first mention.
pub(super) fn split(stream: LogStream) -> Vec<LogStream> {
    let times: Vec<Option<f64>> = stream.lines().map(|l| seconds(l.text)).collect();
    let mut anchors: Vec<(usize, usize)> = Vec::new(); // (line index, pod index)
    let mut pods: Vec<String> = Vec::new();
    for (i, line) in stream.lines().enumerate() {
        if let Some(uid) = pod_uid(line.text) {
            let p = pods.iter().position(|u| *u == uid).unwrap_or_else(|| {
                pods.push(uid);
                pods.len() - 1
            });
            anchors.push((i, p));
        }
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); pods.len()];
    for (i, t) in times.iter().enumerate() {
        let near = anchors.iter().map(|&(a, p)| (a, times[a], p));
        if let Some(p) = nearest(i, *t, near) {
            members[p].push(i);
        }
    }
    let mut out = Vec::with_capacity(pods.len() + 1);
    let out_lines: Vec<usize> = members.iter().flatten().copied().collect();
    for (uid, lines) in pods.into_iter().zip(members) {
        out.push(stream.excerpt(pod_source(&stream.source, uid), &lines));
    }
    // The node keeps the lines no pod's excerpt took: what the kernel said about the node.
    let taken: std::collections::HashSet<usize> = out_lines.into_iter().collect();
    let of_node: Vec<usize> = (0..times.len()).filter(|i| !taken.contains(i)).collect();
    let mut node = stream.excerpt(stream.source.clone(), &of_node);
    node.total = stream.total;
    node.cut = stream.cut;
    out.insert(0, node);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DMESG: &str = "\
[ 1000.000000] unrelated line
[ 2259869.372374] qemu-kvm report begins
[ 2259869.372505] stats for /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0d5f3c1e_1234_4000_8000_000000000001.slice:
[ 2259869.372600] record:task_memcg=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0d5f3c1e_1234_4000_8000_000000000001.slice/crio-ab.scope,task=qemu-kvm,pid=3561385,uid=107
[ 2259869.372693] process 3561385 (qemu-kvm) report ends
[ 2259900.000000] task in /kubepods/besteffort/pod11111111-2222-4333-8444-555555555555/abc
[ 2259999.000000] later, unrelated
";

    #[test]
    fn cgroup_paths_name_pods() {
        assert_eq!(
            pod_uid("x /kubepods.slice/kubepods-pod0d5f3c1e_1234_4000_8000_000000000001.slice y")
                .as_deref(),
            Some("0d5f3c1e-1234-4000-8000-000000000001")
        );
        assert_eq!(
            pod_uid("/kubepods/burstable/pod11111111-2222-4333-8444-555555555555/c").as_deref(),
            Some("11111111-2222-4333-8444-555555555555")
        );
        assert_eq!(pod_uid("/kubepods.slice/kubepods-burstable.slice"), None);
    }

    #[test]
    fn lines_near_an_anchor_form_the_pods_excerpt() {
        let s = LogStream::parse(LogSource::new("dmesg"), DMESG.as_bytes());
        let parts = split(s);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].len(), 7);
        let first: Vec<usize> = parts[1].lines().map(|l| l.number).collect();
        assert_eq!(first, [2, 3, 4, 5]);
        assert_eq!(
            parts[1].source.pod_uid.as_deref(),
            Some("0d5f3c1e-1234-4000-8000-000000000001")
        );
        let second: Vec<usize> = parts[2].lines().map(|l| l.number).collect();
        assert_eq!(second, [6]);
    }

    #[test]
    fn journal_times_are_read() {
        assert!(is_journal_kernel_line("May 14 10:12:03 worker-0 kernel: x"));
        assert_eq!(
            seconds("May  1 00:00:01 h kernel: x"),
            Some((4.0 * 31.0 + 1.0) * 86_400.0 + 1.0)
        );
        assert!(seconds("[Tue May 14 10:12:03 2024] x").is_some());
    }
}
