//! Durable file operations: write to a temporary name, fsync, rename, fsync the directory.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically: readers see the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, &mut |w| w.write_all(bytes))
}

/// Writes what `fill` writes to `path` atomically, streamed through a buffer.
pub fn write_atomic_with(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("no parent directory"))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    // Short and fixed-length, whatever the target's name (see `names::temp_name`).
    let tmp = dir.join(crate::names::temp_name(name));
    {
        let mut w = io::BufWriter::new(File::create(&tmp)?);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// Moves `from` to `to` (same file system) and makes both directory entries durable.
pub fn move_durable(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    if let Some(d) = to.parent() {
        sync_dir(d)?;
    }
    if let Some(d) = from.parent() {
        sync_dir(d)?;
    }
    Ok(())
}

/// fsync of a directory, so a rename or create in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Runs `f` holding folder `dir`'s `flock`, exclusive. The SFTP server reads a folder's listing
/// under the same lock, shared (`bankdrop_sftp`'s `snapshot`), so a rename inside the folder —
/// a claim, `X` → `.claim-X` — is never seen half done: a listing read across it could show
/// neither name, and a partner who lists to see what arrived would send the file again.
pub fn in_locked_dir<T>(dir: &Path, f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    use rustix::fs::{flock, FlockOperation};
    let d = File::open(dir)?;
    flock(&d, FlockOperation::LockExclusive)?;
    let out = f();
    // Closing `d` releases the lock (it is nobody else's open file).
    drop(d);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::{flock, FlockOperation};
    use std::time::Duration;

    #[test]
    fn a_rename_in_a_folder_waits_while_the_folder_is_being_listed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        fs::write(dir.join("a"), b"x").unwrap();
        // The SFTP server reading the folder's listing: its lock, shared.
        let listing = File::open(&dir).unwrap();
        flock(&listing, FlockOperation::LockShared).unwrap();
        let (done, renamed) = std::sync::mpsc::channel();
        let claimer = {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let r = in_locked_dir(&dir, || fs::rename(dir.join("a"), dir.join(".claim-a")));
                done.send(()).unwrap();
                r
            })
        };
        assert!(renamed.recv_timeout(Duration::from_millis(300)).is_err());
        assert!(dir.join("a").exists(), "renamed during the listing");
        drop(listing);
        renamed.recv_timeout(Duration::from_secs(10)).unwrap();
        claimer.join().unwrap().unwrap();
        assert!(dir.join(".claim-a").exists() && !dir.join("a").exists());
    }
}
