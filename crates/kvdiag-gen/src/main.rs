//! `kvdiag-gen`: writes a synthetic CNV must-gather for benchmarks. See the crate docs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Write a synthetic, realistically shaped CNV must-gather (`--vms_details` layout).
///
/// Deterministic: the same arguments write the same bytes. Sizes take a suffix K, M or G
/// (powers of 1024).
#[derive(Debug, Parser)]
#[command(name = "kvdiag-gen")]
struct Args {
    /// Directory to write into (created); the must-gather is `OUT/must-gather.local.<n>`.
    #[arg(long)]
    out: PathBuf,
    /// Number of VMs.
    #[arg(long, default_value_t = 2000)]
    vms: usize,
    /// Number of VM namespaces (default: one per 25 VMs).
    #[arg(long)]
    namespaces: Option<usize>,
    /// Number of worker nodes.
    #[arg(long, default_value_t = 24)]
    nodes: usize,
    /// Bytes of VM logs (launcher compute and guest console logs) in total.
    #[arg(long, default_value = "800M", value_parser = parse_size)]
    log_bytes: u64,
    /// Bytes of operator (virt-handler) logs in total (default: a tenth of --log-bytes).
    #[arg(long, value_parser = parse_size)]
    operator_log_bytes: Option<u64>,
    /// Bytes of the first node's virt-handler log, as one large file (default: its share of
    /// --operator-log-bytes).
    #[arg(long, value_parser = parse_size)]
    handler_log_bytes: Option<u64>,
    /// Bytes of the first node's kernel log (`dmesg`), with a memory cgroup report naming a
    /// pod every 5,000 lines (default: the sample's few lines).
    #[arg(long, value_parser = parse_size)]
    kernel_log_bytes: Option<u64>,
    /// Write a `sysinfo.tgz` per node.
    #[arg(long)]
    sysinfo: bool,
    /// Bytes of a virt-launcher log saved as JSON lines, `OUT/loose/compute.json`.
    #[arg(long, value_parser = parse_size)]
    json_log_bytes: Option<u64>,
    /// Bytes of ConfigMaps and Secrets in total (default: a twentieth of --log-bytes).
    #[arg(long, value_parser = parse_size)]
    irrelevant_bytes: Option<u64>,
    /// Percentage of failing VMs.
    #[arg(long, default_value_t = 10)]
    failing_percent: u32,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("`{s}` is not a size"))?;
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("`{s}`: unknown unit (K, M, G)")),
    };
    Ok(n << shift)
}

fn main() -> ExitCode {
    let a = Args::parse();
    let config = kvdiag_gen::Config {
        vms: a.vms,
        namespaces: a.namespaces.unwrap_or(a.vms.div_ceil(25)).max(1),
        nodes: a.nodes,
        log_bytes: a.log_bytes,
        operator_log_bytes: a.operator_log_bytes.unwrap_or(a.log_bytes / 10),
        handler_log_bytes: a.handler_log_bytes.unwrap_or(0),
        kernel_log_bytes: a.kernel_log_bytes.unwrap_or(0),
        sysinfo: a.sysinfo,
        json_log_bytes: a.json_log_bytes.unwrap_or(0),
        irrelevant_bytes: a.irrelevant_bytes.unwrap_or(a.log_bytes / 20),
        failing_percent: a.failing_percent.min(100),
        seed: a.seed,
    };
    match kvdiag_gen::generate(&config, &a.out) {
        Ok(summary) => {
            let expected = a.out.join("expected.yaml");
            if let Err(e) = std::fs::write(&expected, summary.expected_yaml()) {
                eprintln!("kvdiag-gen: {}: {e}", expected.display());
                return ExitCode::from(2);
            }
            println!(
                "{}: {} files, {} bytes; expectations in {}",
                summary.root.display(),
                summary.files,
                summary.bytes,
                expected.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kvdiag-gen: {e}");
            ExitCode::from(2)
        }
    }
}
