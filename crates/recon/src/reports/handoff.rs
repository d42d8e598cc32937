//! Writing a big report on the other core: the caller fills 1 MiB buffers, a thread of its own
//! writes them out, so formatting rows and the kernel's copying overlap.

use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

const CHUNK: usize = 1 << 20;
/// Buffers that may wait for the writer: enough to ride out a sync of the file (a few
/// milliseconds a megabyte, [`SyncEvery`]) without stopping the caller.
const AHEAD: usize = 16;

/// The caller's side: a `Write` that hands full buffers to the writer thread.
struct Chunked {
    buf: Vec<u8>,
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
}

impl Chunked {
    fn send(&mut self) -> io::Result<()> {
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.buf, next);
        self.full
            .send(full)
            .map_err(|_| io::Error::other("the report writer stopped"))
    }
}

impl Write for Chunked {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `fill` with a writer whose bytes reach `out` through a thread of their own, in order.
/// The first error of either side is returned; `out` has every byte `fill` wrote when it is
/// `Ok`.
pub fn through_thread<W, T, E>(
    out: &mut W,
    fill: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E>
where
    W: Write + Send,
    E: From<io::Error>,
{
    let (full_tx, full_rx) = sync_channel::<Vec<u8>>(AHEAD);
    let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(AHEAD);
    std::thread::scope(|s| {
        let writer = s.spawn(move || -> io::Result<()> {
            for mut buf in full_rx {
                out.write_all(&buf)?;
                buf.clear();
                let _ = empty_tx.try_send(buf);
            }
            out.flush()
        });
        let mut w = Chunked {
            buf: Vec::with_capacity(CHUNK),
            full: full_tx,
            empty: empty_rx,
        };
        let result = fill(&mut w).and_then(|t| {
            if !w.buf.is_empty() {
                w.send()?;
            }
            Ok(t)
        });
        drop(w);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the report writer panicked")));
        match (result, written) {
            (Ok(t), Ok(())) => Ok(t),
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e.into()),
        }
    })
}

/// A file that is synced every `every` bytes written, so that when the whole of it must be
/// durable (the atomic rename of a report) only its last stretch is left to write back: the
/// disk writes while the rows are still being made, not after.
pub struct SyncEvery<'f> {
    file: &'f mut std::fs::File,
    every: usize,
    since: usize,
}

impl<'f> SyncEvery<'f> {
    /// `file`, synced every `every` bytes.
    pub fn new(file: &'f mut std::fs::File, every: usize) -> SyncEvery<'f> {
        SyncEvery {
            file,
            every,
            since: 0,
        }
    }
}

impl Write for SyncEvery<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.file.write(data)?;
        self.since += n;
        if self.since >= self.every {
            self.since = 0;
            self.file.sync_data()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_arrives_in_order() {
        let mut out = Vec::new();
        let n = through_thread::<_, _, io::Error>(&mut out, |w| {
            for i in 0..300_000u32 {
                writeln!(w, "{i}")?;
            }
            Ok(7)
        })
        .unwrap();
        assert_eq!(n, 7);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 300_000);
        assert!(text.lines().enumerate().all(|(i, l)| l == i.to_string()));
    }

    #[test]
    fn a_synced_file_gets_every_byte_through_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let mut file = std::fs::File::create(&path).unwrap();
        let mut synced = SyncEvery::new(&mut file, 1000);
        through_thread::<_, _, io::Error>(&mut synced, |w| {
            for i in 0..5000u32 {
                writeln!(w, "{i}")?;
            }
            Ok(())
        })
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.lines().enumerate().all(|(i, l)| l == i.to_string()));
        assert_eq!(text.lines().count(), 5000);
    }

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_writer_fails_the_fill() {
        let r = through_thread::<_, (), io::Error>(&mut Broken, |w| {
            for _ in 0..10_000_000u32 {
                w.write_all(b"0123456789")?;
            }
            Ok(())
        });
        assert!(r.is_err());
    }
}
