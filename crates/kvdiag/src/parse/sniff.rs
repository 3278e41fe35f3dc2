//! Telling what a log is from its lines when its path did not say: which container wrote it,
//! or whether it is a node's kernel log. Only log *formats* are recognised here (JSON and
//! logfmt fields, klog headers, kernel timestamps and cgroup paths), never what a line means.

use std::sync::LazyLock;

use regex::Regex;

use super::kernel;
use super::log::{LogKind, LogStream};

/// Lines looked at.
pub(super) const SNIFF_LINES: usize = 200;

/// `I0514 10:11:38.091207       1 importer.go:103] msg` (klog, used by CDI).
static KLOG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6}\s+\d+ ([\w.-]+\.go):\d+\] ").ok()
});

/// `[    0.854321] ` (printk time, as a serial console or `dmesg` shows it).
static PRINTK: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^\[\s*\d+\.\d+\] ").ok());

/// Files of the CDI importer binary that appear in its klog positions.
const IMPORTER_SOURCES: &[&str] = &["importer.go", "data-processor.go", "prlimit.go"];

/// Fills in the container (or kind) of a stream whose path said nothing about it.
pub(super) fn identify(stream: &mut LogStream) {
    let src = &stream.source;
    if src.container.is_some() || src.kind.is_some() {
        return;
    }
    if let Some(component) = stream.first_field("component") {
        let container = match component.as_str() {
            c if c.starts_with("virt-launcher") => Some("compute"),
            // virt-tail lines are interleaved with the guest's serial console.
            "virt-tail" => Some("guest-console-log"),
            "virt-handler" => Some("virt-handler"),
            _ => None,
        };
        if let Some(c) = container {
            stream.source.container = Some(c.to_owned());
            return;
        }
    }
    let mut printk = 0;
    let mut meaningful = 0;
    let mut importer = false;
    let mut journal_kernel = 0;
    let mut kernel_cgroup = false;
    for line in stream.lines().take(SNIFF_LINES) {
        let t = line.text;
        if t.trim().is_empty() {
            continue;
        }
        meaningful += 1;
        if kernel::pod_uid(t).is_some() {
            kernel_cgroup = true;
            break;
        }
        if kernel::is_journal_kernel_line(t) {
            journal_kernel += 1;
        }
        if PRINTK.as_ref().is_some_and(|r| r.is_match(t)) {
            printk += 1;
        }
        if let Some(c) = KLOG.as_ref().and_then(|r| r.captures(t)) {
            importer |= IMPORTER_SOURCES.contains(&&c[1]);
        }
    }
    if kernel_cgroup || journal_kernel * 2 > meaningful {
        stream.source.kind = Some(LogKind::Kernel);
    } else if importer {
        stream.source.container = Some("importer".to_owned());
    } else if printk > 0 {
        // Kernel messages mixed with other boot output, without a pod's cgroup: a guest's
        // serial console. A node's dmesg is recognised by its path or its cgroup paths.
        stream.source.container = Some("guest-console-log".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::super::log::LogSource;
    use super::*;

    fn who(text: &str) -> (Option<String>, Option<LogKind>) {
        let mut s = LogStream::parse(LogSource::new("t"), text.as_bytes());
        identify(&mut s);
        (s.source.container, s.source.kind)
    }

    #[test]
    fn formats_name_their_writer() {
        assert_eq!(
            who("{\"component\":\"virt-launcher-monitor\",\"msg\":\"a\"}\n")
                .0
                .as_deref(),
            Some("compute")
        );
        assert_eq!(who("level=info timestamp=2018-07-31T20:29:58.632194Z pos=manager.go:69 component=virt-launcher msg=\"x\"\n").0.as_deref(), Some("compute"));
        assert_eq!(
            who("{\"component\":\"virt-handler\",\"msg\":\"a\"}\n")
                .0
                .as_deref(),
            Some("virt-handler")
        );
        assert_eq!(
            who("I1002 16:29:25.532790       1 importer.go:103] Starting importer\n")
                .0
                .as_deref(),
            Some("importer")
        );
        assert_eq!(
            who("[    0.000000] Linux version 5.14.0\nfedora login:\n")
                .0
                .as_deref(),
            Some("guest-console-log")
        );
        assert_eq!(
            who("May 14 10:12:03 worker-0 kernel: x\nMay 14 10:12:04 worker-0 kernel: y\n").1,
            Some(LogKind::Kernel)
        );
        assert_eq!(
            who("[ 5.1] a /kubepods/burstable/pod11111111-2222-4333-8444-555555555555/c\n").1,
            Some(LogKind::Kernel)
        );
        assert_eq!(who("just some text\n"), (None, None));
    }
}
