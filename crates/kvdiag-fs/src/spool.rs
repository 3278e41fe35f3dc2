//! An archive entry read more than once. A stream cannot be rewound: the bytes read the first
//! times are kept (in memory up to [`MEMORY_BYTES`], then in a temporary file, deleted when
//! done), the last reading replays them and goes on from the stream without keeping anything.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Bytes kept in memory before the spool moves to a temporary file (a loose log's head fits).
const MEMORY_BYTES: usize = 16 << 20;

enum Spool {
    Memory(Vec<u8>),
    File(File),
}

/// A stream that may be opened up to `max_opens` times, each opening reading it from its start.
pub(crate) struct Replay<R> {
    inner: R,
    spool: Spool,
    /// Bytes kept: the first bytes of the stream.
    kept: u64,
    opens: usize,
    max_opens: usize,
    /// The first error the stream itself gave (not the spool's): it ends the archive.
    failed: Option<io::Error>,
}

impl<R: Read> Replay<R> {
    pub(crate) fn new(inner: R, max_opens: usize) -> RefCell<Self> {
        RefCell::new(Replay {
            inner,
            spool: Spool::Memory(Vec::new()),
            kept: 0,
            opens: 0,
            max_opens: max_opens.max(1),
            failed: None,
        })
    }

    /// The first error the stream itself gave, if any (the reader saw a copy of it).
    pub(crate) fn take_failed(&mut self) -> Option<io::Error> {
        self.failed.take()
    }

    /// Reads what no reading took, to the end of the stream: a fault there (damaged data, a
    /// limit) is the entry's, as when it was read whole.
    pub(crate) fn drain(&mut self) -> io::Result<()> {
        io::copy(&mut self.inner, &mut io::sink()).map(drop)
    }

    fn keep(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Spool::Memory(held) = &mut self.spool
            && held.len() + bytes.len() > MEMORY_BYTES
        {
            let mut file = tempfile::tempfile()
                .map_err(|e| io::Error::new(e.kind(), format!("a temporary file: {e}")))?;
            file.write_all(held)?;
            self.spool = Spool::File(file);
        }
        match &mut self.spool {
            Spool::Memory(held) => held.extend_from_slice(bytes),
            Spool::File(file) => {
                file.seek(SeekFrom::End(0))?;
                file.write_all(bytes)?;
            }
        }
        self.kept += bytes.len() as u64;
        Ok(())
    }

    fn kept_at(&mut self, at: u64, buf: &mut [u8]) -> io::Result<usize> {
        let room = usize::try_from(self.kept - at).unwrap_or(usize::MAX);
        let want = buf.len().min(room);
        match &mut self.spool {
            Spool::Memory(held) => {
                let from = usize::try_from(at).unwrap_or(usize::MAX);
                let part = held.get(from..from.saturating_add(want)).unwrap_or(&[]);
                buf[..part.len()].copy_from_slice(part);
                Ok(part.len())
            }
            Spool::File(file) => {
                file.seek(SeekFrom::Start(at))?;
                file.read(&mut buf[..want])
            }
        }
    }
}

/// Opens the stream again from its start: an error past `max_opens`.
pub(crate) fn open<R: Read>(replay: &RefCell<Replay<R>>) -> io::Result<Opened<'_, R>> {
    let mut r = replay.borrow_mut();
    r.opens += 1;
    if r.opens > r.max_opens {
        return Err(io::Error::other(
            "an archive entry cannot be read again (not spooled)",
        ));
    }
    Ok(Opened {
        replay,
        at: 0,
        keep: r.opens < r.max_opens,
    })
}

/// One reading of a [`Replay`].
pub(crate) struct Opened<'a, R> {
    replay: &'a RefCell<Replay<R>>,
    at: u64,
    /// Whether what this reading takes from the stream is kept for a later one.
    keep: bool,
}

impl<R: Read> Read for Opened<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut r = self.replay.borrow_mut();
        if self.at < r.kept {
            let n = r.kept_at(self.at, buf)?;
            self.at += n as u64;
            return Ok(n);
        }
        let n = match r.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                if r.failed.is_none() {
                    r.failed = Some(e);
                }
                return Err(copy);
            }
        };
        if self.keep {
            r.keep(&buf[..n])?;
        }
        self.at += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opening_reads_the_whole_stream_and_the_last_keeps_nothing() {
        let data: Vec<u8> = (0..(MEMORY_BYTES + 300_000))
            .map(|i| (i % 251) as u8)
            .collect();
        let replay = Replay::new(data.as_slice(), 3);
        let mut head = Vec::new();
        open(&replay)
            .and_then(|r| r.take(1000).read_to_end(&mut head))
            .expect("head");
        assert_eq!(head, data[..1000]);
        for _ in 0..2 {
            let mut all = Vec::new();
            open(&replay)
                .and_then(|mut r| r.read_to_end(&mut all))
                .expect("all");
            assert!(all == data);
        }
        assert!(matches!(replay.borrow().spool, Spool::File(_)));
        assert!(open(&replay).is_err(), "a fourth opening");
        let once = Replay::new(data.as_slice(), 1);
        let mut all = Vec::new();
        open(&once)
            .and_then(|mut r| r.read_to_end(&mut all))
            .expect("once");
        assert_eq!(once.borrow().kept, 0);
    }
}
