//! File operations: open, read, write, close (where an upload becomes visible), stat, setstat.

use std::io;

use cap_std::fs::{MetadataExt, OpenOptions, OpenOptionsExt};
use russh_sftp::protocol::{Attrs, Data, FileAttributes, Handle, OpenFlags, Packet, StatusCode};

use super::reply::{attributes, check_new_name, denied, fail, ok, visible, Fail, Res};
use super::{OpenHandle, SftpHandler, MAX_IO};
use crate::jail::VPath;
use crate::upload::{read_at, Refused, Upload, UploadMode};

impl From<Refused> for Fail {
    fn from(r: Refused) -> Self {
        let code = match r {
            Refused::Grow => StatusCode::OpUnsupported,
            _ => StatusCode::Failure,
        };
        fail(code, r.text())
    }
}

impl SftpHandler {
    pub(super) fn open(&mut self, id: u32, path: &str, flags: OpenFlags) -> Res<Packet> {
        let vp = visible(path)?;
        let name = vp
            .name()
            .ok_or_else(|| fail(StatusCode::Failure, "is a directory"))?
            .to_string();
        let rule = self.jail.dir_rule(&vp.parent());
        let writing = flags.intersects(
            OpenFlags::WRITE | OpenFlags::APPEND | OpenFlags::CREATE | OpenFlags::TRUNCATE,
        );
        let handle = if writing {
            if !rule.access.can_write()
                || (flags.contains(OpenFlags::READ) && !rule.access.can_read())
            {
                return Err(denied());
            }
            check_new_name(&name, self.policy.max_name_len)?;
            let slot = self.handle_slot()?;
            let dir = self.jail.open_dir(&vp.parent())?;
            let existing = match dir.symlink_metadata(&name) {
                Ok(meta) => Some(meta),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => return Err(e.into()),
            };
            match &existing {
                // Never write through a symlink or over a folder.
                Some(meta) if !meta.is_file() => {
                    return Err(fail(StatusCode::Failure, "not a regular file"))
                }
                Some(_) if flags.contains(OpenFlags::CREATE | OpenFlags::EXCLUDE) => {
                    return Err(fail(StatusCode::Failure, "file exists"))
                }
                None if !flags.contains(OpenFlags::CREATE) => {
                    return Err(fail(StatusCode::NoSuchFile, "no such file"))
                }
                _ => {}
            }
            let mode = UploadMode {
                keep_existing: existing.is_some() && !flags.contains(OpenFlags::TRUNCATE),
                append: flags.contains(OpenFlags::APPEND),
                writeback: self.policy.fsync,
            };
            let upload = Upload::create(dir, vp, name, mode, self.policy.bounds)?;
            (OpenHandle::Upload(Box::new(upload)), slot)
        } else {
            if !rule.access.can_read() {
                return Err(denied());
            }
            let slot = self.handle_slot()?;
            let mut options = OpenOptions::new();
            // O_NONBLOCK: opening a FIFO someone placed in the tree must not hang the session.
            options.read(true).custom_flags(
                (rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY).bits() as i32,
            );
            let file = self
                .jail
                .root()
                .open_with(vp.relative(), &options)?
                .into_std();
            if !file.metadata()?.is_file() {
                return Err(fail(StatusCode::Failure, "not a regular file"));
            }
            (OpenHandle::Read(file, vp), slot)
        };
        let handle = self.add_handle(handle.0, handle.1);
        Ok(Packet::Handle(Handle { id, handle }))
    }

    pub(super) fn close(&mut self, id: u32, handle: &str) -> Res<Packet> {
        match self.handles.remove(handle).map(|(h, _)| h) {
            None => Err(fail(StatusCode::Failure, "invalid handle")),
            Some(OpenHandle::Upload(upload)) => {
                let holes = upload.holes();
                if holes > 0 {
                    // Dropping the upload removes its temporary file: nothing arrives.
                    tracing::warn!(partner = %self.partner, path = %upload.path().display(), holes,
                        "upload refused at close: bytes never written");
                    return Err(fail(
                        StatusCode::Failure,
                        "upload refused: part of the file was never written (a hole); send it again",
                    ));
                }
                let path = upload.commit(self.policy.fsync)?;
                tracing::info!(partner = %self.partner, path = %path.display(), "upload complete");
                self.arrived(&path);
                Ok(ok(id))
            }
            Some(_) => Ok(ok(id)),
        }
    }

    pub(super) fn read(&mut self, id: u32, handle: &str, offset: u64, len: u32) -> Res<Packet> {
        let len = len.min(MAX_IO) as usize;
        let data = match self.handle_mut(handle)? {
            OpenHandle::Read(file, _) => read_at(file, offset, len)?,
            OpenHandle::Upload(upload) => upload.read(offset, len)?,
            OpenHandle::Dir { .. } => return Err(fail(StatusCode::Failure, "is a directory")),
        };
        if data.is_empty() && len > 0 {
            return Err(fail(StatusCode::Eof, "end of file"));
        }
        Ok(Packet::Data(Data { id, data }))
    }

    pub(super) fn write(&mut self, id: u32, handle: &str, offset: u64, data: &[u8]) -> Res<Packet> {
        match self.handle_mut(handle)? {
            OpenHandle::Upload(upload) => upload.write(offset, data)??,
            OpenHandle::Read(..) => {
                return Err(fail(
                    StatusCode::PermissionDenied,
                    "handle not open for writing",
                ))
            }
            OpenHandle::Dir { .. } => return Err(fail(StatusCode::Failure, "is a directory")),
        }
        Ok(ok(id))
    }

    pub(super) fn stat(&mut self, id: u32, path: &str, follow: bool) -> Res<Packet> {
        let vp = visible(path)?;
        let root = self.jail.root();
        let meta = if vp.is_root() {
            root.dir_metadata()?
        } else if follow {
            root.metadata(vp.relative())?
        } else {
            root.symlink_metadata(vp.relative())?
        };
        let attrs = self.attrs_of(&vp, &meta);
        Ok(Packet::Attrs(Attrs { id, attrs }))
    }

    pub(super) fn fstat(&mut self, id: u32, handle: &str) -> Res<Packet> {
        let (meta, access) = match self.handles.get_mut(handle).map(|(h, _)| h) {
            Some(OpenHandle::Read(file, path)) => {
                let access = self.jail.dir_rule(&path.parent()).access;
                (file.metadata()?, access)
            }
            Some(OpenHandle::Upload(upload)) => {
                let access = self.jail.dir_rule(&upload.path().parent()).access;
                (upload.metadata()?, access)
            }
            Some(OpenHandle::Dir { .. }) => {
                return Err(fail(StatusCode::OpUnsupported, "fstat on a folder"))
            }
            None => return Err(fail(StatusCode::Failure, "invalid handle")),
        };
        let attrs = attributes(
            meta.file_type().is_dir(),
            std::os::unix::fs::MetadataExt::mode(&meta),
            meta.len(),
            std::os::unix::fs::MetadataExt::atime(&meta),
            std::os::unix::fs::MetadataExt::mtime(&meta),
            access,
            &self.partner,
        );
        Ok(Packet::Attrs(Attrs { id, attrs }))
    }

    /// Permissions and owners are accepted and ignored (`put -p` works; a partner cannot make a
    /// file unreadable to the pipeline); times are applied; size changes of a completed file are
    /// refused (the pipeline may already be reading it).
    pub(super) fn setstat(&mut self, id: u32, path: &str, attrs: &FileAttributes) -> Res<Packet> {
        let vp = visible(path)?;
        let meta = if vp.is_root() {
            self.jail.root().dir_metadata()?
        } else {
            self.jail.root().symlink_metadata(vp.relative())?
        };
        let rule = if meta.is_dir() {
            self.jail.dir_rule(&vp)
        } else {
            self.jail.dir_rule(&vp.parent())
        };
        if !rule.access.can_write() || vp.is_root() {
            return Err(denied());
        }
        if attrs.size.is_some() {
            return Err(fail(
                StatusCode::OpUnsupported,
                "the size of a completed file cannot be changed",
            ));
        }
        if let (Some(atime), Some(mtime), true) = (attrs.atime, attrs.mtime, meta.is_file()) {
            let mut options = OpenOptions::new();
            options
                .read(true)
                .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
            let file = self
                .jail
                .root()
                .open_with(vp.relative(), &options)?
                .into_std();
            file.set_times(file_times(atime, mtime))?;
        }
        Ok(ok(id))
    }

    pub(super) fn fsetstat(
        &mut self,
        id: u32,
        handle: &str,
        attrs: &FileAttributes,
    ) -> Res<Packet> {
        let writable_read_handle = match self.handles.get(handle).map(|(h, _)| h) {
            Some(OpenHandle::Read(_, path)) => {
                Some(self.jail.dir_rule(&path.parent()).access.can_write())
            }
            _ => None,
        };
        match self.handle_mut(handle)? {
            OpenHandle::Upload(upload) => {
                if let Some(size) = attrs.size {
                    upload.set_len(size)??;
                }
                if let (Some(atime), Some(mtime)) = (attrs.atime, attrs.mtime) {
                    upload.set_times(atime, mtime);
                }
            }
            OpenHandle::Read(file, _) => {
                if writable_read_handle != Some(true) {
                    return Err(denied());
                }
                if attrs.size.is_some() {
                    return Err(fail(
                        StatusCode::OpUnsupported,
                        "the size of a completed file cannot be changed",
                    ));
                }
                if let (Some(atime), Some(mtime)) = (attrs.atime, attrs.mtime) {
                    file.set_times(file_times(atime, mtime))?;
                }
            }
            OpenHandle::Dir { .. } => return Err(denied()),
        }
        Ok(ok(id))
    }

    pub(super) fn attrs_of(&self, vp: &VPath, meta: &cap_std::fs::Metadata) -> FileAttributes {
        let access = if meta.is_dir() {
            self.jail.dir_rule(vp).access
        } else {
            self.jail.dir_rule(&vp.parent()).access
        };
        attributes(
            meta.is_dir(),
            meta.mode(),
            meta.size(),
            meta.atime(),
            meta.mtime(),
            access,
            &self.partner,
        )
    }
}

pub(super) fn file_times(atime: u32, mtime: u32) -> std::fs::FileTimes {
    let t = |s: u32| std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::from(s));
    std::fs::FileTimes::new()
        .set_accessed(t(atime))
        .set_modified(t(mtime))
}
