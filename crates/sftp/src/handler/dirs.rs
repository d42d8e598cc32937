//! Folder and name operations: listing, remove, mkdir/rmdir, rename and posix-rename.

use std::io;

use cap_std::fs::MetadataExt;
use russh_sftp::protocol::{File, Handle, Name, Packet, StatusCode};

use super::reply::{attributes, check_new_name, denied, fail, ok, visible, Res};
use super::{OpenHandle, SftpHandler, READDIR_BATCH};
use crate::jail::VPath;
use crate::layout::DirRule;
use crate::names::is_upload_temp;

impl SftpHandler {
    pub(super) fn opendir(&mut self, id: u32, path: &str) -> Res<Packet> {
        let vp = visible(path)?;
        if !self.jail.dir_rule(&vp).access.can_read() {
            return Err(denied());
        }
        let slot = self.handle_slot()?;
        let entries = self.listing(&vp)?;
        let listed = self
            .budgets
            .take_listing(entries.len())
            .map_err(|r| fail(StatusCode::Failure, r.text()))?;
        let handle = self.add_handle(
            OpenHandle::Dir {
                entries: entries.into_iter(),
                path: vp,
                _listed: listed,
            },
            slot,
        );
        Ok(Packet::Handle(Handle { id, handle }))
    }

    /// What a listing of `vp` shows, read at once under the folder's shared lock ([`snapshot`]):
    /// no upload in progress; a file being processed under its own name, read-only, unless a
    /// new upload of that name is there too (then that one only).
    fn listing(&self, vp: &VPath) -> Res<Vec<Listed>> {
        let entries = snapshot(&self.jail.open_dir(vp)?)?;
        let prefix = self.jail.layout().processing_prefix.as_deref();
        let names: std::collections::HashSet<&str> =
            entries.iter().map(|(n, _)| n.as_str()).collect();
        let mut out = Vec::with_capacity(entries.len());
        for (name, meta) in &entries {
            if is_upload_temp(name) {
                continue;
            }
            let shown = prefix
                .and_then(|p| name.strip_prefix(p))
                .filter(|n| !n.is_empty());
            match shown {
                Some(shown) if names.contains(shown) => {}
                Some(shown) => out.push(Listed {
                    name: shown.to_string(),
                    meta: meta.clone(),
                    processing: true,
                }),
                None => out.push(Listed {
                    name: name.clone(),
                    meta: meta.clone(),
                    processing: false,
                }),
            }
        }
        Ok(out)
    }

    pub(super) fn readdir(&mut self, id: u32, handle: &str) -> Res<Packet> {
        let partner = self.partner.clone();
        let jail = &self.jail;
        let (entries, dir) = match self.handles.get_mut(handle).map(|(h, _)| h) {
            Some(OpenHandle::Dir { entries, path, .. }) => (entries, path.clone()),
            Some(_) => return Err(fail(StatusCode::Failure, "not a folder")),
            None => return Err(fail(StatusCode::Failure, "invalid handle")),
        };
        let rule = jail.dir_rule(&dir);
        let mut files = Vec::new();
        for Listed {
            name,
            meta,
            processing,
        } in entries.by_ref()
        {
            let access = if processing {
                crate::layout::Access::ReadOnly
            } else if meta.is_dir() {
                let mut child = dir.components().to_vec();
                child.push(name.clone());
                jail.layout().dir_rule(&child).access
            } else {
                rule.access
            };
            let attrs = attributes(
                meta.is_dir(),
                meta.mode(),
                meta.size(),
                meta.atime(),
                meta.mtime(),
                access,
                &partner,
            );
            files.push(File::new(name, attrs));
            if files.len() == READDIR_BATCH {
                break;
            }
        }
        if files.is_empty() {
            return Err(fail(StatusCode::Eof, "end of folder"));
        }
        Ok(Packet::Name(Name { id, files }))
    }

    pub(super) fn remove(&mut self, id: u32, path: &str) -> Res<Packet> {
        let vp = visible(path)?;
        let name = vp.name().ok_or_else(denied)?;
        if !self.jail.dir_rule(&vp.parent()).access.can_write() {
            return Err(denied());
        }
        let dir = self.jail.open_dir(&vp.parent())?;
        if dir.symlink_metadata(name)?.is_dir() {
            return Err(fail(StatusCode::Failure, "is a directory"));
        }
        dir.remove_file(name)?;
        Ok(ok(id))
    }

    /// Folders may be made only where the layout allows sub-folders (none by default).
    pub(super) fn subfolder_parent(&self, vp: &VPath) -> Res<(cap_std::fs::Dir, String)> {
        let name = vp.name().ok_or_else(denied)?.to_string();
        let rule: DirRule = self.jail.dir_rule(&vp.parent());
        if !(rule.subdirs && rule.access.can_write()) || self.is_layout_folder(vp) {
            return Err(denied());
        }
        Ok((self.jail.open_dir(&vp.parent())?, name))
    }

    pub(super) fn is_layout_folder(&self, vp: &VPath) -> bool {
        let path = vp.components().join("/");
        self.jail.layout().folders.iter().any(|r| r.path == path)
    }

    pub(super) fn mkdir(&mut self, id: u32, path: &str) -> Res<Packet> {
        let vp = visible(path)?;
        let (dir, name) = self.subfolder_parent(&vp)?;
        check_new_name(&name, self.policy.max_name_len)?;
        dir.create_dir(&name)?;
        Ok(ok(id))
    }

    pub(super) fn rmdir(&mut self, id: u32, path: &str) -> Res<Packet> {
        let vp = visible(path)?;
        let (dir, name) = self.subfolder_parent(&vp)?;
        dir.remove_dir(&name)?;
        Ok(ok(id))
    }

    /// SSH_FXP_RENAME refuses to replace an existing name (as OpenSSH does);
    /// `posix-rename@openssh.com` replaces it atomically.
    pub(super) fn rename(&mut self, id: u32, old: &str, new: &str, replace: bool) -> Res<Packet> {
        let (ov, nv) = (visible(old)?, visible(new)?);
        let (Some(oname), Some(nname)) = (ov.name(), nv.name()) else {
            return Err(denied());
        };
        let (orule, nrule) = (
            self.jail.dir_rule(&ov.parent()),
            self.jail.dir_rule(&nv.parent()),
        );
        if !orule.access.can_write() || !nrule.access.can_write() {
            return Err(denied());
        }
        check_new_name(nname, self.policy.max_name_len)?;
        let odir = self.jail.open_dir(&ov.parent())?;
        let ndir = self.jail.open_dir(&nv.parent())?;
        let meta = odir.symlink_metadata(oname)?;
        if meta.is_dir() {
            if !(orule.subdirs && nrule.subdirs) || self.is_layout_folder(&ov) {
                return Err(denied());
            }
        } else if !meta.is_file() {
            return Err(denied());
        }
        // Both names are single components relative to folder handles opened beneath the root,
        // so the kernel cannot resolve them anywhere else.
        if replace {
            odir.rename(oname, &ndir, nname)?;
        } else {
            rename_noreplace(&odir, oname, &ndir, nname)?;
        }
        if meta.is_file() {
            self.arrived(&nv);
        }
        Ok(ok(id))
    }
}

fn rename_noreplace(
    odir: &cap_std::fs::Dir,
    oname: &str,
    ndir: &cap_std::fs::Dir,
    nname: &str,
) -> io::Result<()> {
    match rustix::fs::renameat_with(odir, oname, ndir, nname, rustix::fs::RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        // A file system without RENAME_NOREPLACE: check, then rename (a race only with the
        // partner's own concurrent sessions).
        Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => {
            match ndir.symlink_metadata(nname) {
                Ok(_) => Err(io::Error::from(io::ErrorKind::AlreadyExists)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => odir.rename(oname, ndir, nname),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// One entry of a listing, as it will be shown.
pub(super) struct Listed {
    name: String,
    meta: cap_std::fs::Metadata,
    /// A file being processed (its claim name), shown read-only under its own name.
    processing: bool,
}

/// Every entry of `dir` with its metadata, read while holding the folder's `flock`, shared.
/// The pipeline claims a file by renaming it in its folder (`X` → `.claim-X`) under the same
/// lock, exclusive: a listing read across such a rename could otherwise show neither name (the
/// directory's order is by hash), and a partner who lists to see what arrived would send the
/// file again. An entry removed before its metadata is read is left out.
fn snapshot(dir: &cap_std::fs::Dir) -> io::Result<Vec<(String, cap_std::fs::Metadata)>> {
    use rustix::fs::{flock, openat, FlockOperation, Mode, OFlags};
    // The jail's handles are not open for reading (O_PATH): lock an open of the folder itself.
    let lock = openat(
        dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    flock(&lock, FlockOperation::LockShared)?;
    let read = (|| {
        let mut out = Vec::new();
        for entry in dir.entries()? {
            let entry = entry?;
            let Ok(meta) = entry.metadata() else { continue };
            out.push((entry.file_name().to_string_lossy().into_owned(), meta));
        }
        Ok(out)
    })();
    // Closing `lock` releases it.
    drop(lock);
    read
}
