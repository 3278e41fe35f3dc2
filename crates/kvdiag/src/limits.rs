//! Explicit bounds on what one input may cost: a hostile or broken capture (an alias bomb, a
//! 100,000-deep nesting, a 256 MB line, a gzip bomb) is reported as a skip or a failure with its
//! reason, never a crash, a hang, an exhausted memory or a silent truncation.
//!
//! The core applies the document, nesting, alias and line limits; `kvdiag-fs` applies the
//! archive limits (entries, decompressed bytes and ratio) while it reads. Every default is
//! documented in the README, and the `kvdiag` command exposes the ones a user may need to raise.
//!
//! ```
//! use kvdiag::{Hint, Limits, Snapshot};
//! let mut limits = Limits::default();
//! limits.document_bytes = 16;
//! let mut builder = Snapshot::builder();
//! builder.limits(limits);
//! let added = builder.add_input("big.yaml", b"kind: Pod\nmetadata: {name: a}\n", &Hint::Document);
//! let e = added.failure().ok_or("the document should be refused")?;
//! assert!(e.message.starts_with("document larger than the document size limit"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// One mebibyte.
const MIB: usize = 1024 * 1024;

/// The bounds applied while reading inputs. Build one with [`Limits::default`] and change the
/// fields you need; the defaults suit real must-gathers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest JSON or YAML input parsed as a document, in bytes (default 64 MiB: a document
    /// is held whole while it is parsed, so this bounds the memory one document takes). A
    /// bigger document fails with the reason; logs are not documents and are not bound by it.
    pub document_bytes: usize,
    /// Deepest nesting of sequences and mappings in a YAML document (default 64, at most
    /// [`Limits::MAX_DEPTH`]). Kubernetes objects nest less than 30 levels, `managedFields`
    /// included. Every depth allowed is safe on the 2 MiB stack of a worker thread (rayon's
    /// default), in any build: each level may take 20 KiB of stack in an unoptimised build, so
    /// beyond 64 levels a YAML document is parsed on a thread of its own whose stack is sized
    /// for the limit. JSON has serde_json's own limit (127 nested levels).
    pub depth: usize,
    /// Most parser events replayed from YAML aliases (`*ref`) in one input (default 100,000).
    /// `kubectl` and must-gather never write aliases; an alias bomb fails at this bound.
    pub alias_expansion: usize,
    /// Longest log line kept, in bytes (default 64 KiB). A longer line is kept cut to this
    /// length, and the report says how many lines of which input were cut.
    pub line_bytes: usize,
    /// Most entries read from one archive (default 1,000,000); an archive with more is not read
    /// and fails with the reason.
    pub archive_entries: usize,
    /// Most bytes decompressed from one archive (the archives read inside it included) or one
    /// `.gz` file, and held from standard input (default 16 GiB).
    pub decompressed_bytes: u64,
    /// Highest ratio of decompressed to compressed bytes (default 200), checked once more than
    /// [`Limits::RATIO_FLOOR`] bytes came out: a gzip or zip bomb fails at this bound.
    pub compression_ratio: u64,
}

impl Limits {
    /// Deepest nesting a caller may set.
    pub const MAX_DEPTH: usize = 256;

    /// Decompressed bytes below which the compression ratio is not checked: small, very
    /// repetitive files (an empty log padded with newlines) are not bombs.
    pub const RATIO_FLOOR: u64 = 64 * MIB as u64;

    /// The nesting depth in force: the one set, capped at [`Limits::MAX_DEPTH`].
    pub fn effective_depth(&self) -> usize {
        self.depth.clamp(1, Self::MAX_DEPTH)
    }

    /// The line length in force (at least one byte).
    pub fn effective_line_bytes(&self) -> usize {
        self.line_bytes.max(1)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            document_bytes: 64 * MIB,
            depth: 64,
            alias_expansion: 100_000,
            line_bytes: 64 * 1024,
            archive_entries: 1_000_000,
            decompressed_bytes: 16 * 1024 * MIB as u64,
            compression_ratio: 200,
        }
    }
}

/// A byte count for people: `512 MiB`, `64 KiB`, `100 bytes`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    for (unit, size) in UNITS {
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} bytes")
}

/// Reads a byte size as users write it: `512M`, `512MiB`, `2G`, `64k`, `1000` (bytes).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return None,
    };
    number.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print_as_people_write_them() {
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("2GiB"), Some(2 << 30));
        assert_eq!(parse_bytes("64k"), Some(64 << 10));
        assert_eq!(parse_bytes("100"), Some(100));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("99999999999999999999T"), None);
        assert_eq!(human_bytes(512 << 20), "512 MiB");
        assert_eq!(human_bytes(64 << 10), "64 KiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(100), "100 bytes");
    }

    #[test]
    fn depth_is_capped_for_the_stack() {
        let mut l = Limits {
            depth: 100_000,
            ..Limits::default()
        };
        assert_eq!(l.effective_depth(), Limits::MAX_DEPTH);
        l.depth = 0;
        assert_eq!(l.effective_depth(), 1);
    }
}
