//! The malformed-input corpus, as data: `fixtures/malformed/cases.yaml` lists every case and
//! what the report must say about each file it adds (read, skipped or failed, with the exact
//! reason). Each case is laid out in a temporary folder (its committed files from
//! `fixtures/malformed/<case>/`, plus what its generators write: big files, bombs, links,
//! permissions) and analysed beside `fixtures/oom-killed`:
//!
//! - through the library: the case's records are exactly the expected ones, and the diagnoses
//!   of the good fixture are exactly those it gets alone;
//! - through the real binary, under a 3 GiB address-space limit: it exits with a code (never a
//!   signal or a panic), its JSON is valid and gives the same reasons; committed cases are
//!   rendered as text and markdown too.
//!
//! `KVDIAG_MALFORMED_PRINT=1 cargo test -p kvdiag-cli --test malformed -- --nocapture` prints
//! what every case gives, in the table's format, to review a new case.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kvdiag::{Limits, Report, RuleSet, Snapshot, analyze};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[allow(dead_code)]
    about: String,
    #[serde(default)]
    generate: Vec<String>,
    #[serde(default)]
    limits: CaseLimits,
    expect: Vec<Record>,
    /// What a user who is not root sees, where it differs (permissions).
    #[serde(default)]
    expect_unprivileged: Option<Vec<Record>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseLimits {
    document_bytes: Option<usize>,
    line_bytes: Option<usize>,
    archive_entries: Option<usize>,
    decompressed_bytes: Option<u64>,
}

/// One input of the report: `read`, `skipped` or `failed` names it (relative to the case).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Record {
    #[serde(skip_serializing_if = "Option::is_none")]
    read: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
    /// For read inputs: objects, log or empty.
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    ignored: Option<usize>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

impl Record {
    fn input(&self) -> &str {
        self.read
            .as_deref()
            .or(self.skipped.as_deref())
            .or(self.failed.as_deref())
            .unwrap_or_default()
    }

    fn yaml(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        if let Some(r) = &self.read {
            let mut out = format!(
                "{{read: {}, content: {}",
                q(r),
                self.content.as_deref().unwrap_or("?")
            );
            out += &format!(", count: {}", self.count.unwrap_or_default());
            if let Some(i) = self.ignored.filter(|i| *i > 0) {
                out += &format!(", ignored: {i}");
            }
            if let Some(n) = &self.note {
                out += &format!(", note: {}", q(n));
            }
            out + "}"
        } else if let Some(s) = &self.skipped {
            format!(
                "{{skipped: {}, reason: {}}}",
                q(s),
                q(self.reason.as_deref().unwrap_or(""))
            )
        } else {
            let f = self.failed.as_deref().unwrap_or_default();
            format!(
                "{{failed: {}, reason: {}}}",
                q(f),
                q(self.reason.as_deref().unwrap_or(""))
            )
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn good() -> PathBuf {
    root().join("fixtures/oom-killed")
}

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("the built-in rules load"))
}

fn cases() -> Vec<Case> {
    let text =
        std::fs::read_to_string(root().join("fixtures/malformed/cases.yaml")).expect("cases");
    serde_saphyr::from_str(&text).expect("cases.yaml is valid")
}

/// Copies a committed case folder (files and folders; nothing else is committed).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for e in entries {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

fn write_streamed(path: &Path, mut chunks: impl FnMut(&mut dyn Write)) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    let file = std::fs::File::create(path).expect("create");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    chunks(&mut w);
    w.flush().expect("flush");
}

/// One gzip member of `n` bytes `byte`; repeated, a bomb of `members * n` bytes written fast.
/// One 256 MiB virt-launcher log line, without an end.
fn huge_line(w: &mut dyn Write) {
    let chunk = vec![b'x'; 1 << 20];
    w.write_all(b"{\"component\":\"virt-launcher\",\"msg\":\"")
        .expect("write");
    for _ in 0..256 {
        w.write_all(&chunk).expect("write");
    }
    w.write_all(b"\"}").expect("write");
}

fn gzip_member(byte: u8, n: usize) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![byte; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(zeros.len());
        e.write_all(&zeros[..k]).expect("gz");
        left -= k;
    }
    e.finish().expect("gz")
}

/// Writes what a generator makes, into the case's folder.
fn generate(what: &str, dir: &Path) {
    let deep = |open: &str, close: &str, n: usize| {
        let mut s = String::with_capacity(n * (open.len() + close.len()));
        for _ in 0..n {
            s.push_str(open);
        }
        for _ in 0..n {
            s.push_str(close);
        }
        s
    };
    match what {
        "deep-yaml-flow" => {
            let text = format!("kind: VirtualMachine\nspec: {}\n", deep("[", "]", 100_000));
            std::fs::write(dir.join("vm.yaml"), text).expect("write");
        }
        "deep-yaml-block" => {
            let text = format!("{}x\n", "- ".repeat(100_000));
            std::fs::write(dir.join("vm.yaml"), text).expect("write");
        }
        "deep-json-array" => {
            std::fs::write(dir.join("pods.json"), deep("[", "]", 100_000)).expect("write");
        }
        "deep-json-object" => {
            let text = format!("{}null{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
            std::fs::write(dir.join("pods.json"), text).expect("write");
        }
        "nesting-at-the-limit" => {
            // 60 levels under the top mapping (the limit is 64): accepted, parsed on a worker
            // thread's 2 MiB stack in this unoptimised build.
            let text = format!(
                "kind: VirtualMachine\nmetadata: {{name: deep, namespace: junk}}\nspec: {}\n",
                deep("[", "]", 60)
            );
            std::fs::write(dir.join("vm.yaml"), text).expect("write");
        }
        "huge-line-256mb" => write_streamed(&dir.join("compute.log"), huge_line),
        // The same line in a container log of a must-gather, whose path says whose it is:
        // scanned as it is read, never held whole.
        "huge-line-256mb-container" => write_streamed(
            &dir.join(
                "namespaces/mal/pods/virt-launcher-mal-abcde/compute/compute/logs/current.log",
            ),
            huge_line,
        ),
        "list-100k" => write_streamed(&dir.join("pods.json"), |w| {
            w.write_all(b"{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"items\":[")
                .expect("write");
            for i in 0..100_000 {
                let sep = if i == 0 { "" } else { "," };
                write!(
                    w,
                    "{sep}{{\"metadata\":{{\"name\":\"pod-{i}\",\"namespace\":\"junk\"}},\"status\":{{\"phase\":\"Running\"}}}}"
                )
                .expect("write");
            }
            w.write_all(b"]}").expect("write");
        }),
        "symlink-loop" => {
            std::os::unix::fs::symlink("b.yaml", dir.join("a.yaml")).expect("link");
            std::os::unix::fs::symlink("a.yaml", dir.join("b.yaml")).expect("link");
        }
        "symlink-dir-loop" => {
            std::os::unix::fs::symlink(".", dir.join("loop")).expect("link");
            std::os::unix::fs::symlink("..", dir.join("up")).expect("link");
        }
        "link-to-dev-zero" => {
            std::os::unix::fs::symlink("/dev/zero", dir.join("compute.log")).expect("link");
        }
        "dangling-symlink" => {
            std::os::unix::fs::symlink("missing.yaml", dir.join("vm.yaml")).expect("link");
        }
        "symlink-to-file" => {
            std::fs::create_dir_all(dir.join("real")).expect("mkdir");
            std::fs::write(dir.join("real/events.yaml"), "kind: EventList\nitems: []\n")
                .expect("write");
            std::os::unix::fs::symlink("real/events.yaml", dir.join("events.yaml")).expect("link");
        }
        "unreadable-file" => {
            let p = dir.join("pods.yaml");
            std::fs::write(&p, "kind: PodList\nitems: []\n").expect("write");
            set_mode(&p, 0o000);
        }
        "unreadable-dir" => {
            let d = dir.join("locked");
            std::fs::create_dir_all(&d).expect("mkdir");
            std::fs::write(d.join("pods.yaml"), "kind: PodList\nitems: []\n").expect("write");
            set_mode(&d, 0o000);
        }
        "dirs-as-files" => {
            std::fs::create_dir_all(dir.join("vm.yaml")).expect("mkdir");
            std::fs::create_dir_all(dir.join("mg/namespaces/junk/core/pods.yaml")).expect("mkdir");
            std::fs::create_dir_all(dir.join("mg/timestamp")).expect("mkdir");
        }
        "fifo" => {
            let ok = Command::new("mkfifo")
                .arg(dir.join("compute.log"))
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "mkfifo");
        }
        "gzip-bomb" => {
            // 8 GiB of one letter in about 8 MB: 1,024 gzip members of 8 MiB each. Letters, not
            // zeros: no NUL stops it as binary before the compression ratio limit does.
            let member = gzip_member(b'a', 8 << 20);
            write_streamed(&dir.join("compute.log.gz"), |w| {
                for _ in 0..1024 {
                    w.write_all(&member).expect("write");
                }
            });
        }
        "tar-gz-bomb" => {
            // A tar.gz whose one entry declares 8 GiB of zeros: a header member, then zeros.
            let mut header = tar::Header::new_gnu();
            header.set_path("capture/compute.log").expect("path");
            header.set_size(8 << 30);
            header.set_mode(0o644);
            header.set_cksum();
            let mut first = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            first.write_all(header.as_bytes()).expect("gz");
            let first = first.finish().expect("gz");
            let member = gzip_member(0, 8 << 20);
            write_streamed(&dir.join("capture.tar.gz"), |w| {
                w.write_all(&first).expect("write");
                for _ in 0..1024 {
                    w.write_all(&member).expect("write");
                }
            });
        }
        "many-entries-tar" => {
            let mut b = tar::Builder::new(Vec::new());
            for i in 0..20 {
                let mut h = tar::Header::new_gnu();
                h.set_size(2);
                h.set_mode(0o644);
                h.set_cksum();
                b.append_data(&mut h, format!("capture/{i}.log"), &b"x\n"[..])
                    .expect("append");
            }
            std::fs::write(dir.join("capture.tar"), b.into_inner().expect("tar")).expect("write");
        }
        "zip-bomb" => {
            // One deflated entry of 4 GiB of one letter in about 4 MB, declared 4 GiB - 1.
            let (data, _) = deflate_repeated(b'a', 8 << 20, 512);
            std::fs::write(
                dir.join("capture.zip"),
                zip_one_entry("capture/compute.log", &data, u32::MAX - 1),
            )
            .expect("write");
        }
        "many-entries-zip" => {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for i in 0..20 {
                zip.start_file(
                    format!("capture/{i}.log"),
                    zip::write::SimpleFileOptions::default(),
                )
                .expect("start");
                zip.write_all(b"x\n").expect("write");
            }
            let bytes = zip.finish().expect("zip").into_inner();
            std::fs::write(dir.join("capture.zip"), bytes).expect("write");
        }
        "big-gz-log" => {
            // 2 MiB of varied text: a ratio far below the limit, a size above the case's.
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            for i in 0..40_000u32 {
                writeln!(
                    e,
                    "{{\"msg\":\"line {i} {}\"}}",
                    i.wrapping_mul(2_654_435_761)
                )
                .expect("gz");
            }
            std::fs::write(dir.join("compute.log.gz"), e.finish().expect("gz")).expect("write");
        }
        other => panic!("no generator `{other}`"),
    }
}

/// A raw deflate stream of `repeats` copies of one sync-flushed block of `n` bytes `byte`, then
/// a final empty block: each copy only refers back to what precedes it, so the copies chain.
fn deflate_repeated(byte: u8, n: usize, repeats: usize) -> (Vec<u8>, u64) {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let input = vec![byte; n];
    let mut block = Vec::with_capacity(n / 100 + 1024);
    c.compress_vec(&input, &mut block, flate2::FlushCompress::Sync)
        .expect("deflate");
    let mut out = Vec::with_capacity(block.len() * repeats + 2);
    for _ in 0..repeats {
        out.extend_from_slice(&block);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    (out, (n * repeats) as u64)
}

/// A zip of one deflated entry, written by hand (the CRC is never reached).
fn zip_one_entry(name: &str, data: &[u8], declared: u32) -> Vec<u8> {
    let size = u32::try_from(data.len()).expect("small");
    let name_len = u16::try_from(name.len()).expect("short");
    let mut z = Vec::new();
    let le16 = |z: &mut Vec<u8>, v: u16| z.extend_from_slice(&v.to_le_bytes());
    let le32 = |z: &mut Vec<u8>, v: u32| z.extend_from_slice(&v.to_le_bytes());
    le32(&mut z, 0x0403_4b50);
    for v in [20u16, 0, 8, 0, 0] {
        le16(&mut z, v);
    }
    for v in [0u32, size, declared] {
        le32(&mut z, v);
    }
    le16(&mut z, name_len);
    le16(&mut z, 0);
    z.extend_from_slice(name.as_bytes());
    z.extend_from_slice(data);
    let cd = u32::try_from(z.len()).expect("small");
    le32(&mut z, 0x0201_4b50);
    for v in [20u16, 20, 0, 8, 0, 0] {
        le16(&mut z, v);
    }
    for v in [0u32, size, declared] {
        le32(&mut z, v);
    }
    for v in [name_len, 0, 0, 0, 0] {
        le16(&mut z, v);
    }
    le32(&mut z, 0);
    le32(&mut z, 0);
    z.extend_from_slice(name.as_bytes());
    let cd_size = u32::try_from(z.len()).expect("small") - cd;
    le32(&mut z, 0x0605_4b50);
    for v in [0u16, 0, 1, 1] {
        le16(&mut z, v);
    }
    le32(&mut z, cd_size);
    le32(&mut z, cd);
    le16(&mut z, 0);
    z
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Whether this process reads files whatever their mode (root, CAP_DAC_OVERRIDE): CI runs so.
fn privileged(dir: &Path) -> bool {
    let p = dir.join(".probe");
    std::fs::write(&p, "x").expect("write");
    set_mode(&p, 0o000);
    let ok = std::fs::read(&p).is_ok();
    set_mode(&p, 0o644);
    let _ = std::fs::remove_file(&p);
    ok
}

fn limits_of(case: &Case) -> Limits {
    let mut l = Limits::default();
    let c = &case.limits;
    if let Some(n) = c.document_bytes {
        l.document_bytes = n;
    }
    if let Some(n) = c.line_bytes {
        l.line_bytes = n;
    }
    if let Some(n) = c.archive_entries {
        l.archive_entries = n;
    }
    if let Some(n) = c.decompressed_bytes {
        l.decompressed_bytes = n;
    }
    l
}

fn flags_of(case: &Case) -> Vec<String> {
    let c = &case.limits;
    let mut f = Vec::new();
    if let Some(n) = c.document_bytes {
        f.extend(["--max-document-size".to_owned(), n.to_string()]);
    }
    if let Some(n) = c.line_bytes {
        f.extend(["--max-line-length".to_owned(), n.to_string()]);
    }
    if let Some(n) = c.archive_entries {
        f.extend(["--max-archive-entries".to_owned(), n.to_string()]);
    }
    if let Some(n) = c.decompressed_bytes {
        f.extend(["--max-decompressed-size".to_owned(), n.to_string()]);
    }
    f
}

/// The records of the inputs under `dir`, named relative to it.
fn records(report: &Report, dir: &Path) -> Vec<Record> {
    let prefix = format!("{}/", dir.display());
    let rel = |s: &str| s.strip_prefix(&prefix).map(str::to_owned);
    let i = &report.inputs;
    let mut out = Vec::new();
    for r in &i.read {
        let Some(name) = rel(&r.source) else { continue };
        let content = serde_json::to_value(r.content).ok();
        out.push(Record {
            read: Some(name),
            content: content.and_then(|c| c.as_str().map(str::to_owned)),
            count: Some(r.count),
            ignored: Some(r.ignored),
            note: r.note.clone(),
            ..Record::default()
        });
    }
    for p in &i.skipped {
        if let Some(name) = rel(&p.source) {
            out.push(Record {
                skipped: Some(name),
                reason: Some(p.reason.to_string()),
                ..Record::default()
            });
        }
    }
    for p in &i.failed {
        if let Some(name) = rel(&p.source) {
            out.push(Record {
                failed: Some(name),
                reason: Some(p.reason.to_string()),
                ..Record::default()
            });
        }
    }
    out.sort();
    out
}

/// An expected record with the defaults a table entry leaves out.
fn normalise(mut r: Record) -> Record {
    if r.read.is_some() {
        r.ignored.get_or_insert(0);
    }
    r
}

/// The good fixture is read within the default limits, the case within its own.
fn analyse(case: &Case, dir: &Path) -> Report {
    let mut builder = Snapshot::builder();
    kvdiag_fs::add_path(&mut builder, &good()).expect("good fixture");
    builder.limits(limits_of(case));
    kvdiag_fs::add_path(&mut builder, dir).expect("case folder");
    analyze(rules(), &builder.build())
}

/// Runs the binary on the good fixture and the case under a 3 GiB address-space limit.
fn run_binary(case: &Case, dir: &Path, format: &str) -> std::process::Output {
    let mut args: Vec<String> = vec![
        "analyze".into(),
        "-o".into(),
        format.into(),
        "--fail-on".into(),
        "never".into(),
    ];
    args.extend(flags_of(case));
    args.push(good().display().to_string());
    args.push(dir.display().to_string());
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 3145728 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_kvdiag"))
        .args(&args)
        .output()
        .expect("kvdiag runs")
}

#[test]
fn every_malformed_case_is_reported_exactly_and_changes_no_other_diagnosis() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let print = std::env::var_os("KVDIAG_MALFORMED_PRINT").is_some();
    let base = std::env::temp_dir().join(format!("kvdiag-malformed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).expect("temp");
    let privileged = privileged(&base);

    let mut alone = Snapshot::builder();
    kvdiag_fs::add_path(&mut alone, &good()).expect("good fixture");
    let baseline = analyze(rules(), &alone.build());
    assert!(!baseline.diagnoses.is_empty());
    let good_subjects: Vec<_> = baseline
        .subjects
        .iter()
        .map(|s| s.subject.clone())
        .collect();

    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(
            names.insert(case.name.clone()),
            "two cases named {}",
            case.name
        );
        let dir = base.join(&case.name);
        copy_dir(&root().join("fixtures/malformed").join(&case.name), &dir);
        for g in &case.generate {
            generate(g, &dir);
        }
        let mut p = Vec::new();
        let report = analyse(case, &dir);
        let got = records(&report, &dir);
        let expected = match (&case.expect_unprivileged, privileged) {
            (Some(e), false) => e.clone(),
            _ => case.expect.clone(),
        };
        let mut expected: Vec<Record> = expected.into_iter().map(normalise).collect();
        expected.sort();
        if print {
            println!("- name: {}\n  expect:", case.name);
            for r in &got {
                println!("    - {}", r.yaml());
            }
        } else if got != expected {
            p.push(format!(
                "records differ:\n  expected:\n{}\n  got:\n{}",
                expected
                    .iter()
                    .map(|r| format!("    - {}", r.yaml()))
                    .collect::<Vec<_>>()
                    .join("\n"),
                got.iter()
                    .map(|r| format!("    - {}", r.yaml()))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
        // A must-gather-shaped case is a capture of its own: subjects then name their
        // capture, which is not a change of diagnosis.
        let kept: Vec<_> = report
            .diagnoses
            .iter()
            .cloned()
            .map(|mut d| {
                d.subject.capture = None;
                d
            })
            .filter(|d| good_subjects.contains(&d.subject))
            .collect();
        if kept != baseline.diagnoses {
            p.push("the good fixture's diagnoses changed".into());
        }

        let out = run_binary(case, &dir, "json");
        match out.status.code() {
            Some(0) => {}
            code => p.push(format!(
                "the binary exited with {code:?} (signal or error): {}",
                String::from_utf8_lossy(&out.stderr)
            )),
        }
        match serde_json::from_slice::<serde_json::Value>(&out.stdout) {
            Ok(json) => {
                let text = json["inputs"].to_string();
                for r in &expected {
                    if let Some(reason) = &r.reason {
                        let quoted = serde_json::to_string(reason).unwrap_or_default();
                        if !text.contains(&quoted) {
                            p.push(format!(
                                "the binary's JSON lacks {} for {}",
                                quoted,
                                r.input()
                            ));
                        }
                    }
                }
            }
            Err(e) => p.push(format!("the binary's JSON does not parse: {e}")),
        }
        // The other formats render the same report; the generated (big) cases only once.
        if case.generate.is_empty() {
            for format in ["text", "markdown"] {
                let out = run_binary(case, &dir, format);
                if out.status.code() != Some(0) {
                    p.push(format!("{format}: the binary exited with {:?}", out.status));
                }
            }
        }
        if !p.is_empty() {
            problems.insert(case.name.clone(), p);
        }
        // Big generated files go as soon as they are checked.
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+rwx")
            .arg(&dir)
            .status();
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_dir_all(&base);
    let report: Vec<String> = problems
        .iter()
        .map(|(name, p)| format!("{name}:\n  {}", p.join("\n  ")))
        .collect();
    assert!(
        report.is_empty(),
        "{} case(s) failed:\n{}",
        report.len(),
        report.join("\n")
    );
}
