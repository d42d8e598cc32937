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
        let entries = self.jail.open_dir(&vp)?.entries()?;
        let handle = self.add_handle(OpenHandle::Dir { entries, path: vp }, slot);
        Ok(Packet::Handle(Handle { id, handle }))
    }

    pub(super) fn readdir(&mut self, id: u32, handle: &str) -> Res<Packet> {
        let partner = self.partner.clone();
        let jail = &self.jail;
        let (entries, dir) = match self.handles.get_mut(handle).map(|(h, _)| h) {
            Some(OpenHandle::Dir { entries, path }) => (entries, path.clone()),
            Some(_) => return Err(fail(StatusCode::Failure, "not a folder")),
            None => return Err(fail(StatusCode::Failure, "invalid handle")),
        };
        let rule = jail.dir_rule(&dir);
        let mut files = Vec::new();
        for entry in entries.by_ref() {
            let entry = entry?;
            let mut name = entry.file_name().to_string_lossy().into_owned();
            if is_upload_temp(&name) {
                continue;
            }
            // A file being processed shows under its own name, read-only; when a new upload of
            // that name is there too, the listing shows that one only.
            let processing = jail
                .layout()
                .processing_prefix
                .as_deref()
                .and_then(|p| name.strip_prefix(p))
                .filter(|n| !n.is_empty())
                .map(str::to_string);
            if let Some(shown) = &processing {
                if jail.open_dir(&dir).is_ok_and(|d| d.exists(shown)) {
                    continue;
                }
                name.clone_from(shown);
            }
            // An entry removed since the listing started is simply skipped.
            let Ok(meta) = entry.metadata() else { continue };
            let access = if processing.is_some() {
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
