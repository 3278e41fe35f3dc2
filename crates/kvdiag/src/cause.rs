//! The stable vocabulary of every diagnosis: cause codes and severities.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a VM fails: the stable cause codes of the output contract. Rules name one of these;
/// programs can match on them.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Cause {
    /// virt-launcher (or QEMU inside it) killed for memory.
    OomKilled,
    /// Pod memory limit below guest memory plus overhead.
    LauncherLimitsTooLow,
    /// The guest kernel panicked.
    GuestKernelPanic,
    /// No bootable device, dracut timeout, root file system not found, bootloader errors.
    GuestBootFailure,
    /// QEMU terminated by a signal, an assertion, or closed the monitor unexpectedly.
    QemuCrash,
    /// libvirt or QEMU refused the domain configuration.
    LibvirtConfigError,
    /// No usable KVM device where the VM must run.
    KvmUnavailable,
    /// A DataVolume the VM needs is not ready yet.
    DvNotReady,
    /// A DataVolume import, clone or upload is failing or failed.
    DvImportFailed,
    /// A PVC the VM references does not exist.
    PvcNotFound,
    /// A container disk (or launcher) image cannot be pulled.
    ImagePullFailed,
    /// No node tolerates the pod.
    UnschedulableTaint,
    /// No node has enough cpu, memory or devices.
    UnschedulableResources,
    /// Node selectors, affinity or topology rules exclude every node.
    UnschedulableAffinity,
    /// The VM has been starting far longer than expected.
    StuckStarting,
    /// The VM has been stopping far longer than expected.
    StuckStopping,
    /// Deletion of the VM, VMI or pod is blocked.
    StuckTerminating,
    /// CrashLoopBackOff with no specific cause found.
    CrashloopUnknown,
}

impl Cause {
    /// Every cause code.
    pub const ALL: [Cause; 18] = [
        Cause::OomKilled,
        Cause::LauncherLimitsTooLow,
        Cause::GuestKernelPanic,
        Cause::GuestBootFailure,
        Cause::QemuCrash,
        Cause::LibvirtConfigError,
        Cause::KvmUnavailable,
        Cause::DvNotReady,
        Cause::DvImportFailed,
        Cause::PvcNotFound,
        Cause::ImagePullFailed,
        Cause::UnschedulableTaint,
        Cause::UnschedulableResources,
        Cause::UnschedulableAffinity,
        Cause::StuckStarting,
        Cause::StuckStopping,
        Cause::StuckTerminating,
        Cause::CrashloopUnknown,
    ];

    /// The code as written in rules and reports, e.g. `oom-killed`.
    pub fn code(self) -> &'static str {
        match self {
            Cause::OomKilled => "oom-killed",
            Cause::LauncherLimitsTooLow => "launcher-limits-too-low",
            Cause::GuestKernelPanic => "guest-kernel-panic",
            Cause::GuestBootFailure => "guest-boot-failure",
            Cause::QemuCrash => "qemu-crash",
            Cause::LibvirtConfigError => "libvirt-config-error",
            Cause::KvmUnavailable => "kvm-unavailable",
            Cause::DvNotReady => "dv-not-ready",
            Cause::DvImportFailed => "dv-import-failed",
            Cause::PvcNotFound => "pvc-not-found",
            Cause::ImagePullFailed => "image-pull-failed",
            Cause::UnschedulableTaint => "unschedulable-taint",
            Cause::UnschedulableResources => "unschedulable-resources",
            Cause::UnschedulableAffinity => "unschedulable-affinity",
            Cause::StuckStarting => "stuck-starting",
            Cause::StuckStopping => "stuck-stopping",
            Cause::StuckTerminating => "stuck-terminating",
            Cause::CrashloopUnknown => "crashloop-unknown",
        }
    }

    /// The cause with this code.
    pub fn from_code(code: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

/// How bad a diagnosis is. Ordered: `Info < Warning < Error < Critical`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is broken.
    Info,
    /// May cause or precede a failure.
    Warning,
    /// The VM does not work as intended.
    Error,
    /// The VM is down or keeps crashing.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::Error,
        Severity::Warning,
        Severity::Info,
    ];

    /// The name as written in rules, reports and `--fail-on`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }

    /// The severity with this name.
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for c in Cause::ALL {
            assert_eq!(Cause::from_code(c.code()), Some(c));
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::json!(c.code()))
            );
        }
        assert!(Severity::Critical > Severity::Error && Severity::Warning > Severity::Info);
    }
}
