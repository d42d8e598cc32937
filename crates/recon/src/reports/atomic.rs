//! Atomic report files: a reader of `reports/` sees the old file or the whole new one, never a
//! half-written one (issue item 5: "written atomically"), and a rerun replaces a report in place
//! (issue item 6: idempotent nightly run).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::Error;

/// Writes `path` through `write`: into a temporary file next to it, flushed and synced, then
/// renamed over `path`. On any error the temporary file is removed and `path` is untouched.
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
    let tmp = path.with_file_name(format!(".{name}.tmp"));
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
