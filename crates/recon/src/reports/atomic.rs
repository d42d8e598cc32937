//! Atomic report files: a reader of `reports/` sees the old file or the whole new one, never a
//! half-written one (issue item 5: "written atomically"), and a rerun replaces a report in place
//! (issue item 6: idempotent nightly run).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Error;

/// Writes `path` through `write`: into a temporary file next to it, flushed and synced, then
/// renamed over `path`. On any error the temporary file is removed and `path` is untouched.
/// Two writers of one path at once (the early bank reports and the nightly run, two nodes) each
/// write a temporary file of their own, so neither renames the other's away: the last rename
/// wins, with a whole file either way.
pub fn write_atomically<F>(path: &Path, write: F) -> Result<(), Error>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<(), Error>,
{
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::BadName(format!("{} has no file name", path.display())))?;
    // A dot-prefixed name in the same folder: same file system (rename is atomic), and hidden
    // from a partner's `ls` while it is being written.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable; best effort, not every platform opens directories.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_of_one_path_at_once_each_leave_a_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        std::thread::scope(|t| {
            for i in 0..8u8 {
                let path = &path;
                t.spawn(move || {
                    for _ in 0..50 {
                        write_atomically(path, |w| {
                            // Long enough to overlap the other writers.
                            w.write_all(&vec![b'a' + i; 64 << 10])?;
                            Ok(())
                        })
                        .unwrap();
                    }
                });
            }
        });
        let got = fs::read(&path).unwrap();
        assert_eq!(got.len(), 64 << 10);
        assert!(got.iter().all(|b| *b == got[0]), "one writer's whole file");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }
}
