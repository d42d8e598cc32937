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
    /// Bytes below this offset have had writeback started; `None` when not wanted.
    writeback_from: Option<u64>,
    times: Option<(SystemTime, SystemTime)>,
    committed: bool,
}

impl Upload {
    /// Creates the temporary file in `dir` (already opened beneath the partner root) for the
    /// target `path`, whose last component is `name`.
    pub fn create(dir: Dir, path: VPath, name: String, mode: UploadMode) -> io::Result<Upload> {
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
            writeback_from: mode.writeback.then_some(0),
            times: None,
            committed: false,
        };
        if mode.keep_existing {
            // The upload replaces the file only at close, so a resumed transfer starts from a
            // copy of what is there now (copy_file_range on Linux: no data through user space).
            match upload.dir.open(&upload.name) {
                Ok(existing) => {
                    let mut existing = existing.into_std();
                    upload.end = io::copy(&mut existing, &mut upload.file)?;
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

    /// Where a write of `len` bytes at `offset` would end (`None` if past `u64::MAX`).
    pub fn end_of_write(&self, offset: u64, len: usize) -> Option<u64> {
        let offset = if self.append { self.end } else { offset };
        offset.checked_add(len as u64)
    }

    pub fn write(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        let offset = if self.append { self.end } else { offset };
        // A client may send any offset: refuse one whose end does not fit rather than overflow.
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
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

    pub fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.flush()?;
        self.file.set_len(len)?;
        self.end = len;
        Ok(())
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
