//! Names of the server's own temporary upload files, and the sweep that removes stale ones.

use std::path::Path;
use std::time::{Duration, SystemTime};

use cap_std::fs::Dir;

use crate::error::Error;
use crate::layout::Layout;

/// Prefix of the hidden file an upload is written to until its handle is closed. Names with this
/// prefix are invisible to partners (not listed, not openable) and never reported as arrived.
pub const UPLOAD_TEMP_PREFIX: &str = ".bankdrop-upload-";

/// A fresh temporary name; 64 random bits make collisions between sessions negligible, and the
/// create-new open that uses it fails rather than clobber if one ever happens.
pub(crate) fn new_temp_name() -> String {
    format!("{UPLOAD_TEMP_PREFIX}{:016x}", rand::random::<u64>())
}

/// Whether a path component is one of the server's temporary upload names.
pub(crate) fn is_upload_temp(name: &str) -> bool {
    name.starts_with(UPLOAD_TEMP_PREFIX)
}

/// Deepest sub-folder level the sweep descends into (folders with `subdirs` only).
const SWEEP_DEPTH: usize = 16;

/// Removes temporary upload files left in a partner's writable folders by a server that stopped
/// without cleaning up (crash, SIGKILL). Call it only while no session of this partner is
/// uploading on this server: the server does so at a login when the partner has no other
/// session open. Returns how many files were removed.
///
/// With `older_than` zero every temporary file goes: this server is the only one writing the
/// tree. Otherwise (several nodes share it) only files unchanged for `older_than` go: an upload
/// in progress on another node changes at each write, and one idle longer than that node's idle
/// timeout has lost its connection. Unchanged means the inode's ctime, which a client cannot set
/// (`put -p` sets mtime before the upload closes).
pub fn remove_stale_uploads(
    root: &Path,
    layout: &Layout,
    older_than: Duration,
) -> Result<usize, Error> {
    let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority())
        .map_err(|e| Error::io("open partner root", root, e))?;
    let mut removed = 0;
    for rule in layout.writable_folders() {
        let depth = if rule.subdirs { SWEEP_DEPTH } else { 0 };
        // One damaged folder (missing, or a symlink leading out) does not stop the others.
        match dir
            .open_dir(&rule.path)
            .and_then(|f| sweep(&f, depth, older_than))
        {
            Ok(n) => removed += n,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(
                folder = %root.join(&rule.path).display(), error = %e, "cannot sweep folder"
            ),
        }
    }
    Ok(removed)
}

/// Whether `meta`'s inode has not changed for `older_than` (always, for zero).
fn unchanged_for(meta: &cap_std::fs::Metadata, older_than: Duration) -> bool {
    use cap_std::fs::MetadataExt;
    if older_than.is_zero() {
        return true;
    }
    let changed = std::time::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(meta.ctime()).unwrap_or(0))
        + Duration::from_nanos(u64::try_from(meta.ctime_nsec()).unwrap_or(0));
    SystemTime::now()
        .duration_since(changed)
        .is_ok_and(|age| age >= older_than)
}

fn sweep(dir: &Dir, depth: usize, older_than: Duration) -> std::io::Result<usize> {
    let mut removed = 0;
    for entry in dir.entries()? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        // file_type() does not follow symlinks, so a planted link is neither removed through nor
        // descended into.
        let file_type = entry.file_type()?;
        if file_type.is_file() && is_upload_temp(name) {
            if unchanged_for(&entry.metadata()?, older_than) {
                dir.remove_file(name)?;
                removed += 1;
            }
        } else if file_type.is_dir() && depth > 0 {
            removed += sweep(&dir.open_dir(name)?, depth - 1, older_than)?;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_removes_only_temp_files_in_writable_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let layout = Layout::default_d6();
        layout.create_tree(tmp.path()).unwrap();
        let inbox = tmp.path().join("transaction");
        std::fs::write(inbox.join(new_temp_name()), b"x").unwrap();
        std::fs::write(inbox.join("keep.csv"), b"x").unwrap();
        // A read-only folder is the pipeline's: never swept.
        std::fs::write(
            tmp.path()
                .join("reports")
                .join(format!("{UPLOAD_TEMP_PREFIX}1")),
            b"x",
        )
        .unwrap();
        // Another node's upload in progress: kept while it is fresh.
        let hour = Duration::from_secs(3600);
        assert_eq!(remove_stale_uploads(tmp.path(), &layout, hour).unwrap(), 0);
        assert_eq!(std::fs::read_dir(&inbox).unwrap().count(), 4);
        std::thread::sleep(Duration::from_millis(30));
        let aged = Duration::from_millis(20);
        assert_eq!(remove_stale_uploads(tmp.path(), &layout, aged).unwrap(), 1);
        std::fs::write(inbox.join(new_temp_name()), b"x").unwrap();
        assert_eq!(
            remove_stale_uploads(tmp.path(), &layout, Duration::ZERO).unwrap(),
            1
        );
        assert!(inbox.join("keep.csv").exists());
        assert_eq!(std::fs::read_dir(&inbox).unwrap().count(), 3); // keep.csv, processed, failed
    }
}
