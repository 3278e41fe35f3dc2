//! Decompression within the limits: a reader that counts what goes into a decompressor, and one
//! that stops what comes out once it passes the decompressed-size limit or the compression
//! ratio limit, with an error that says which (a gzip or zip bomb fails; it never fills memory).

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use kvdiag::Limits;
use kvdiag::limits::human_bytes;

/// The error of a reader stopped at a limit (its message says which).
#[derive(Debug)]
pub(crate) struct LimitReached(String);

impl std::fmt::Display for LimitReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitReached {}

/// Whether an I/O error is a limit reached (rather than damaged data).
pub(crate) fn is_limit(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LimitReached>())
}

/// Counts the bytes read through it into a shared counter (the compressed side).
pub(crate) struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R> Counted<R> {
    pub(crate) fn new(inner: R, count: Arc<AtomicU64>) -> Self {
        Counted { inner, count }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The output of a decompressor, checked against the limits as it is read.
pub(crate) struct Inflated<R> {
    inner: R,
    /// Compressed bytes consumed so far (or the compressed size, when known up front).
    compressed: Arc<AtomicU64>,
    /// Decompressed bytes of the whole archive or file so far (shared by a zip's entries).
    total: Arc<AtomicU64>,
    /// Decompressed bytes of this stream.
    out: u64,
    max_bytes: u64,
    max_ratio: u64,
}

impl<R> Inflated<R> {
    pub(crate) fn new(
        inner: R,
        compressed: Arc<AtomicU64>,
        total: Arc<AtomicU64>,
        limits: &Limits,
    ) -> Self {
        Inflated {
            inner,
            compressed,
            total,
            out: 0,
            max_bytes: limits.decompressed_bytes,
            max_ratio: limits.compression_ratio.max(1),
        }
    }
}

impl<R: Read> Read for Inflated<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let total = self.total.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if total > self.max_bytes {
            return Err(io::Error::other(LimitReached(format!(
                "decompressed data larger than the decompressed size limit ({}; raise it with \
                 --max-decompressed-size): not read further",
                human_bytes(self.max_bytes)
            ))));
        }
        let compressed = self.compressed.load(Ordering::Relaxed).max(1);
        if self.out > Limits::RATIO_FLOOR && self.out / compressed >= self.max_ratio {
            return Err(io::Error::other(LimitReached(format!(
                "decompresses to more than {} times its compressed size (compression ratio \
                 limit; raise it with --max-compression-ratio): a decompression bomb, not read \
                 further",
                self.max_ratio
            ))));
        }
        Ok(n)
    }
}

/// A gzip stream (`.gz`, `.tar.gz`) decompressed within the limits.
pub(crate) fn gunzip<'a, R: Read + 'a>(reader: R, limits: &Limits) -> impl Read + 'a {
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counted::new(reader, Arc::clone(&compressed));
    Inflated::new(
        flate2::read::MultiGzDecoder::new(counted),
        compressed,
        Arc::new(AtomicU64::new(0)),
        limits,
    )
}

/// Compression formats of tar streams and single files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    Gzip,
    /// xz (`liblzma`: the reference implementation, multi-stream files included).
    Xz,
    /// zstd (the reference implementation; windows above 128 MiB are refused, as `zstd -d`
    /// does without `--long`).
    Zstd,
    /// bzip2 (`bzip2` with its pure-Rust backend), multi-stream files included.
    Bzip2,
}

/// A compressed stream decompressed within the limits; `total` counts the decompressed bytes
/// of everything read under one limit (an archive and the archives inside it).
pub(crate) fn decompress<'a, R: Read + Send + 'a>(
    codec: Codec,
    reader: R,
    limits: &Limits,
    total: Arc<AtomicU64>,
) -> io::Result<Box<dyn Read + Send + 'a>> {
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counted::new(reader, Arc::clone(&compressed));
    let decoder: Box<dyn Read + Send + 'a> = match codec {
        Codec::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counted)),
        Codec::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(counted)),
        Codec::Zstd => Box::new(zstd::stream::read::Decoder::new(counted)?),
        Codec::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counted)),
    };
    Ok(Box::new(Inflated::new(decoder, compressed, total, limits)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).expect("write");
        e.finish().expect("gz")
    }

    #[test]
    fn a_bomb_stops_at_the_ratio_and_a_big_stream_at_the_size() {
        let zeros = vec![0u8; 70 << 20];
        let bomb = gz(&zeros);
        let mut out = Vec::new();
        let e = gunzip(bomb.as_slice(), &Limits::default())
            .read_to_end(&mut out)
            .expect_err("a bomb");
        assert!(e.to_string().contains("compression ratio limit"), "{e}");
        let mut limits = Limits::default();
        limits.decompressed_bytes = 1000;
        let e = gunzip(gz(&[b'a'; 5000]).as_slice(), &limits)
            .read_to_end(&mut out)
            .expect_err("too big");
        assert!(
            e.to_string()
                .contains("decompressed size limit (1000 bytes"),
            "{e}"
        );
        let mut ok = Vec::new();
        gunzip(gz(b"hello\n").as_slice(), &Limits::default())
            .read_to_end(&mut ok)
            .expect("small");
        assert_eq!(ok, b"hello\n");
    }

    fn roundtrip(codec: Codec, packed: &[u8], limits: &Limits) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let total = Arc::new(AtomicU64::new(0));
        decompress(codec, packed, limits, total)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn every_codec_reads_and_stops_at_the_limits() {
        let data = b"line one\nline two\n".repeat(100);
        let xz = {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
            e.write_all(&data).expect("xz");
            e.finish().expect("xz")
        };
        let zst = zstd::stream::encode_all(data.as_slice(), 3).expect("zstd");
        let bz = {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
            e.write_all(&data).expect("bz2");
            e.finish().expect("bz2")
        };
        let mut small = Limits::default();
        small.decompressed_bytes = 100;
        for (codec, packed) in [
            (Codec::Gzip, gz(&data)),
            (Codec::Xz, xz),
            (Codec::Zstd, zst),
            (Codec::Bzip2, bz),
        ] {
            let out = roundtrip(codec, &packed, &Limits::default()).expect("reads");
            assert_eq!(out, data, "{codec:?}");
            let e = roundtrip(codec, &packed, &small).expect_err("over the limit");
            assert!(is_limit(&e), "{codec:?}: {e}");
            // Cut short: an error, never a panic.
            assert!(
                roundtrip(codec, &packed[..packed.len() / 2], &Limits::default()).is_err(),
                "{codec:?}"
            );
        }
    }
}
