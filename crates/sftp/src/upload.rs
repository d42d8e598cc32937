//! One upload: a hidden temporary file in the target folder, written through a buffer, renamed
//! onto the real name only when the client closes the handle. Dropped without a commit (the
//! connection died, the session ended) it removes its temporary file, so a partial upload is never
//! visible to the partner or the pipeline.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::time::{Duration, SystemTime};

use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};

use crate::jail::VPath;
use crate::names::new_temp_name;

/// Data is gathered up to this size before it is written: clients send 32–255 KiB pieces.
const BUFFER_CAPACITY: usize = 1 << 20;
/// Writeback is started in steps of this many bytes (with `UploadMode::writeback`).
const WRITEBACK_STEP: u64 = 8 << 20;

/// Separate stretches written past the first unwritten byte that one upload may have (clients
/// writing out of order, e.g. several threads on one handle); more is refused.
const MAX_FRAGMENTS: usize = 1024;

/// Why a write (or a size change) of an upload is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The file would grow past the maximum upload size.
    TooLarge,
    /// The write starts too far past the first unwritten byte: it would leave a hole.
    TooFarAhead,
    /// Too many separate written stretches.
    Fragmented,
    /// A size change would grow the file (leaving a hole of bytes never sent).
    Grow,
}

impl Refused {
    pub(crate) fn text(self) -> &'static str {
        match self {
            Refused::TooLarge => "file too large: over the maximum upload size",
            Refused::TooFarAhead => {
                "write too far past the end of the data written so far (it would leave a hole)"
            }
            Refused::Fragmented => "too many out-of-order writes on one upload",
            Refused::Grow => "an upload can be shortened by setting its size, not lengthened",
        }
    }
}

/// What an upload may grow to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// Largest file.
    pub max_size: u64,
    /// How far past the first unwritten byte a write may start.
    pub max_ahead: u64,
}

/// Which bytes of an upload have been written: everything below `prefix`, and a few stretches
/// past it. A hole (a stretch never written) is never allowed to grow past `Bounds::max_ahead`
/// and must be gone by close, so an upload cannot become a sparse file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    prefix: u64,
    /// Sorted, disjoint, not touching each other or the prefix.
    ahead: Vec<(u64, u64)>,
}

impl Written {
    fn admit(&self, start: u64, end: u64, bounds: Bounds) -> Result<(), Refused> {
        if end > bounds.max_size {
            return Err(Refused::TooLarge);
        }
        if start > self.prefix.saturating_add(bounds.max_ahead) {
            return Err(Refused::TooFarAhead);
        }
        if start > self.prefix && self.ahead.len() >= MAX_FRAGMENTS {
            return Err(Refused::Fragmented);
        }
        Ok(())
    }

    fn add(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        if start <= self.prefix {
            self.prefix = self.prefix.max(end);
        } else {
            // Insert, then merge stretches that now overlap or touch.
            let at = self.ahead.partition_point(|s| s.0 < start);
            self.ahead.insert(at, (start, end));
            let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.ahead.len());
            for s in self.ahead.drain(..) {
                match merged.last_mut() {
                    Some(last) if s.0 <= last.1 => last.1 = last.1.max(s.1),
                    _ => merged.push(s),
                }
            }
            self.ahead = merged;
        }
        while let Some(&(s, e)) = self.ahead.first() {
            if s > self.prefix {
                break;
            }
            self.prefix = self.prefix.max(e);
            self.ahead.remove(0);
        }
    }

    /// The file was cut to `len` bytes.
    fn truncate(&mut self, len: u64) {
        self.prefix = self.prefix.min(len);
        self.ahead.retain(|s| s.0 < len);
        if let Some(last) = self.ahead.last_mut() {
            last.1 = last.1.min(len);
        }
    }

    /// One past the last byte written.
    fn end(&self) -> u64 {
        self.ahead.last().map_or(self.prefix, |s| s.1)
    }

    /// Bytes below the end never written.
    fn holes(&self) -> u64 {
        let mut covered = self.prefix;
        for s in &self.ahead {
            covered += s.1 - s.0;
        }
        self.end() - covered
    }
}

/// How the client opened the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UploadMode {
    /// Start from the existing file's bytes (no O_TRUNC on an existing file: resume, `reput`).
    pub keep_existing: bool,
    /// Every write goes to the end, whatever its offset.
    pub append: bool,
    /// The upload will be fsynced at close: start writing it back to disk as it arrives, so the
    /// final fsync waits only for the tail.
    pub writeback: bool,
}

pub(crate) struct Upload {
    dir: Dir,
    /// The target, as the partner sees it.
    path: VPath,
    name: String,
    temp: String,
    file: File,
    buf: Vec<u8>,
    buf_offset: u64,
    /// One past the last byte written so far (for append mode).
    end: u64,
    append: bool,
    written: Written,
    bounds: Bounds,
    /// Bytes below this offset have had writeback started; `None` when not wanted.
    writeback_from: Option<u64>,
    times: Option<(SystemTime, SystemTime)>,
    committed: bool,
}

impl Upload {
    /// Creates the temporary file in `dir` (already opened beneath the partner root) for the
    /// target `path`, whose last component is `name`.
    pub fn create(
        dir: Dir,
        path: VPath,
        name: String,
        mode: UploadMode,
        bounds: Bounds,
    ) -> io::Result<Upload> {
        let temp = new_temp_name();
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true).mode(0o640);
        let file = dir.open_with(&temp, &options)?.into_std();
        let mut upload = Upload {
            dir,
            path,
            name,
            temp,
            file,
            buf: Vec::new(),
            buf_offset: 0,
            end: 0,
            append: mode.append,
            written: Written::default(),
            bounds,
            writeback_from: mode.writeback.then_some(0),
            times: None,
            committed: false,
        };
        if mode.keep_existing {
            // The upload replaces the file only at close, so a resumed transfer starts from a
            // copy of what is there now (copy_file_range on Linux: no data through user space).
            match upload.dir.open(&upload.name) {
                Ok(existing) => {
                    let existing = existing.into_std();
                    // Never copy more than an upload may hold (the file may have been placed
                    // by someone else, or the limit lowered since).
                    let mut limited = io::Read::take(existing, bounds.max_size);
                    upload.end = io::copy(&mut limited, &mut upload.file)?;
                    upload.written.add(0, upload.end);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(upload)
    }

    pub fn path(&self) -> &VPath {
        &self.path
    }

    /// Writes `data` at `offset` (at the end in append mode). `Ok(Err(_))`: refused by the
    /// bounds, nothing written.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> io::Result<Result<(), Refused>> {
        let offset = if self.append { self.end } else { offset };
        // A client may send any offset: refuse one whose end does not fit rather than overflow.
        let Some(end) = offset.checked_add(data.len() as u64) else {
            return Ok(Err(Refused::TooLarge));
        };
        if let Err(r) = self.written.admit(offset, end, self.bounds) {
            return Ok(Err(r));
        }
        self.write_unchecked(offset, end, data)?;
        self.written.add(offset, end);
        metrics::counter!(crate::metrics::BYTES_RECEIVED).increment(data.len() as u64);
        Ok(Ok(()))
    }

    fn write_unchecked(&mut self, offset: u64, end: u64, data: &[u8]) -> io::Result<()> {
        let contiguous = self.buf_offset.checked_add(self.buf.len() as u64) == Some(offset);
        if !(contiguous && self.buf.len() + data.len() <= BUFFER_CAPACITY) {
            self.flush()?;
            self.buf_offset = offset;
        }
        if data.len() >= BUFFER_CAPACITY {
            self.file.write_all_at(data, offset)?;
            self.end = self.end.max(end);
            self.start_writeback();
        } else {
            if self.buf.capacity() == 0 {
                self.buf.reserve_exact(BUFFER_CAPACITY);
            }
            self.buf.extend_from_slice(data);
        }
        self.end = self.end.max(end);
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.file.write_all_at(&self.buf, self.buf_offset)?;
            self.buf.clear();
        }
        self.start_writeback();
        Ok(())
    }

    /// Asks the kernel to start writing the bytes received so far to disk, without waiting.
    /// Only a hint: a failure here is caught by the fsync at commit.
    fn start_writeback(&mut self) {
        let Some(from) = self.writeback_from else {
            return;
        };
        if self.end < from.saturating_add(WRITEBACK_STEP) {
            return;
        }
        let (Ok(offset), Ok(len)) = (i64::try_from(from), i64::try_from(self.end - from)) else {
            return;
        };
        // SAFETY: a plain system call on a descriptor this struct owns and keeps open; no
        // memory is passed.
        unsafe {
            libc::sync_file_range(
                std::os::fd::AsRawFd::as_raw_fd(&self.file),
                offset,
                len,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
        self.writeback_from = Some(self.end);
    }

    /// Reads back (a handle opened read-write); the buffer is written first so reads see it.
    pub fn read(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        self.flush()?;
        read_at(&self.file, offset, len)
    }

    pub fn metadata(&mut self) -> io::Result<std::fs::Metadata> {
        self.flush()?;
        self.file.metadata()
    }

    /// Cuts the upload to `len` bytes; growing it is refused (it would add bytes nobody sent).
    pub fn set_len(&mut self, len: u64) -> io::Result<Result<(), Refused>> {
        if len > self.written.end() {
            return Ok(Err(if len > self.bounds.max_size {
                Refused::TooLarge
            } else {
                Refused::Grow
            }));
        }
        self.flush()?;
        self.file.set_len(len)?;
        self.end = len;
        self.written.truncate(len);
        Ok(Ok(()))
    }

    /// Bytes below the end of the upload that were never written.
    pub fn holes(&self) -> u64 {
        self.written.holes()
    }

    /// Remembers times to set at commit (set now they would be overwritten by later writes).
    pub fn set_times(&mut self, atime: u32, mtime: u32) {
        let t = |s: u32| SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(s));
        self.times = Some((t(atime), t(mtime)));
    }

    pub fn sync(&mut self) -> io::Result<()> {
        self.flush()?;
        self.file.sync_data()
    }

    /// Puts the file in place: flush, optionally fsync, then an atomic rename onto the real name
    /// (replacing a file of that name, as `put` does). On error the temporary file is removed by
    /// `Drop`.
    pub fn commit(mut self, fsync: bool) -> io::Result<VPath> {
        self.flush()?;
        if let Some((atime, mtime)) = self.times {
            self.file.set_times(
                std::fs::FileTimes::new()
                    .set_accessed(atime)
                    .set_modified(mtime),
            )?;
        }
        if fsync {
            // Durable before visible: the pipeline may act on the file as soon as it has its name.
            self.file.sync_data()?;
        }
        self.dir.rename(&self.temp, &self.dir, &self.name)?;
        self.committed = true;
        if fsync {
            // Make the rename itself survive a crash.
            // cap-std holds folders as O_PATH handles, which cannot be fsynced: open "." for it.
            let folder = rustix::fs::openat(
                &self.dir,
                ".",
                rustix::fs::OFlags::RDONLY
                    | rustix::fs::OFlags::DIRECTORY
                    | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )?;
            rustix::fs::fsync(&folder)?;
        }
        Ok(self.path.clone())
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.committed {
            if let Err(e) = self.dir.remove_file(&self.temp) {
                tracing::warn!(path = %self.path.display(), error = %e, "could not remove an unfinished upload");
            }
        }
    }
}

/// Reads up to `len` bytes at `offset`, fewer only at the end of the file.
pub(crate) fn read_at(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut data = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        let Some(at) = offset.checked_add(filled as u64) else {
            break; // past any possible end of file
        };
        match file.read_at(&mut data[filled..], at) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    data.truncate(filled);
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Bounds = Bounds {
        max_size: 1000,
        max_ahead: 100,
    };

    #[test]
    fn in_order_writes_stay_one_prefix() {
        let mut w = Written::default();
        for i in 0..10 {
            w.admit(i * 10, i * 10 + 10, BOUNDS).unwrap();
            w.add(i * 10, i * 10 + 10);
        }
        assert_eq!((w.prefix, w.ahead.len(), w.holes()), (100, 0, 0));
    }

    #[test]
    fn out_of_order_writes_merge_and_holes_are_counted() {
        let mut w = Written::default();
        w.add(20, 30);
        w.add(50, 60);
        assert_eq!(w.holes(), 40); // 0..20 and 30..50
        w.add(30, 50);
        assert_eq!(w.ahead, vec![(20, 60)]);
        w.add(0, 20);
        assert_eq!((w.prefix, w.ahead.len(), w.holes()), (60, 0, 0));
    }

    #[test]
    fn far_writes_and_large_files_are_refused() {
        let mut w = Written::default();
        assert_eq!(w.admit(101, 102, BOUNDS), Err(Refused::TooFarAhead));
        assert!(w.admit(100, 101, BOUNDS).is_ok());
        w.add(0, 950);
        assert_eq!(w.admit(990, 1001, BOUNDS), Err(Refused::TooLarge));
        assert!(w.admit(990, 1000, BOUNDS).is_ok());
    }

    #[test]
    fn fragments_are_capped() {
        let bounds = Bounds {
            max_size: u64::MAX,
            max_ahead: u64::MAX,
        };
        let mut w = Written::default();
        for i in 0..MAX_FRAGMENTS as u64 {
            w.admit(10 + i * 2, 11 + i * 2, bounds).unwrap();
            w.add(10 + i * 2, 11 + i * 2);
        }
        assert_eq!(w.admit(5000, 5001, bounds), Err(Refused::Fragmented));
        // Filling in below the first unwritten byte is always fine.
        assert!(w.admit(0, 10, bounds).is_ok());
    }

    #[test]
    fn truncate_clips_what_was_written() {
        let mut w = Written::default();
        w.add(0, 10);
        w.add(20, 40);
        w.truncate(25);
        assert_eq!(
            (w.prefix, w.ahead.clone(), w.end()),
            (10, vec![(20, 25)], 25)
        );
        w.truncate(5);
        assert_eq!((w.prefix, w.ahead.len(), w.holes()), (5, 0, 0));
    }
}
