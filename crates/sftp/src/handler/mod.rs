//! The SFTP (version 3) request handler of one session. Synchronous on purpose: it runs on the
//! session's own worker thread, so file-system calls never block the async runtime, and requests
//! are answered in the order they came (as OpenSSH's `sftp-server` does).
//!
//! Every request is answered; a client can only ever get a status code back, never crash or
//! stall the server.

use std::collections::HashMap;

use bytes::Bytes;
use russh_sftp::protocol::{ExtendedReply, Packet, StatusCode, Version};
use tokio::sync::mpsc;

use crate::jail::{Jail, VPath};
use crate::limits::{HandleBudgets, HandleSlot, Refusal};
use crate::upload::{Bounds, Upload};
use crate::IntakeEvent;
use reply::{encode, fail, ok, realpath, status, take_string, Res};

/// Largest SFTP packet a client may send (OpenSSH's `SFTP_MAX_MSG_LENGTH`); also announced in
/// `limits@openssh.com`.
pub(crate) const MAX_PACKET: u32 = 256 * 1024;
/// Largest read or write, announced in `limits@openssh.com`. OpenSSH's client uses it as its
/// transfer size, so it matters for throughput: it is what OpenSSH's own server announces.
const MAX_IO: u32 = MAX_PACKET - 1024;
/// Names per SSH_FXP_NAME answer to READDIR.
const READDIR_BATCH: usize = 100;

const EXT_POSIX_RENAME: &str = "posix-rename@openssh.com";
const EXT_LIMITS: &str = "limits@openssh.com";
const EXT_FSYNC: &str = "fsync@openssh.com";

mod dirs;
mod files;
mod reply;
#[cfg(test)]
mod tests;

enum OpenHandle {
    Read(std::fs::File, VPath),
    Upload(Box<Upload>),
    Dir {
        entries: std::vec::IntoIter<dirs::Listed>,
        path: VPath,
        /// The listing's entries in the partner's budget, for as long as the folder is open.
        _listed: crate::limits::ListingSlot,
    },
}

/// What the server allows and guarantees for uploads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UploadPolicy {
    /// fsync data and folder before an upload becomes visible.
    pub fsync: bool,
    /// How large an upload may grow, and how far ahead of its data it may be written.
    pub bounds: Bounds,
    /// Longest name a partner may create.
    pub max_name_len: usize,
    /// Open handles per session.
    pub max_handles: usize,
}

/// One SFTP session's state.
pub(crate) struct SftpHandler {
    partner: String,
    jail: Jail,
    events: mpsc::Sender<IntakeEvent>,
    policy: UploadPolicy,
    /// Each open handle holds its share of the partner's and the server's handle budgets.
    handles: HashMap<String, (OpenHandle, HandleSlot)>,
    budgets: HandleBudgets,
    next_handle: u64,
    /// Handle refusals of this session, reported once at its end (one log line, not thousands).
    refused_handles: Option<(Refusal, u64)>,
}

impl SftpHandler {
    pub fn new(
        partner: String,
        jail: Jail,
        events: mpsc::Sender<IntakeEvent>,
        policy: UploadPolicy,
        budgets: HandleBudgets,
    ) -> Self {
        SftpHandler {
            partner,
            jail,
            events,
            policy,
            handles: HashMap::new(),
            budgets,
            next_handle: 0,
            refused_handles: None,
        }
    }

    /// The first handle refusal of the session and how many there were.
    pub fn refused_handles(&self) -> Option<(Refusal, u64)> {
        self.refused_handles
    }

    /// Answers one request (its bytes after the length field) with an encoded response packet,
    /// length included.
    pub fn handle(&mut self, mut request: Bytes) -> Bytes {
        // Every request has its id right after the type. Taken from the bytes, it answers even a
        // request that does not decode, or a packet that is not a request (STATUS, ATTRS…, for
        // which russh-sftp reports id 0).
        let id = if request.len() >= 5 {
            u32::from_be_bytes([request[1], request[2], request[3], request[4]])
        } else {
            0
        };
        let response = match Packet::try_from(&mut request) {
            Ok(packet) => self.dispatch(packet).unwrap_or_else(|f| status(id, f)),
            Err(_) => status(id, fail(StatusCode::BadMessage, "malformed request")),
        };
        encode(response)
    }

    fn dispatch(&mut self, packet: Packet) -> Res<Packet> {
        match packet {
            Packet::Init(_) => Ok(self.version()),
            Packet::Open(p) => self.open(p.id, &p.filename, p.pflags),
            Packet::Close(p) => self.close(p.id, &p.handle),
            Packet::Read(p) => self.read(p.id, &p.handle, p.offset, p.len),
            Packet::Write(p) => self.write(p.id, &p.handle, p.offset, &p.data),
            Packet::Lstat(p) => self.stat(p.id, &p.path, false),
            Packet::Stat(p) => self.stat(p.id, &p.path, true),
            Packet::Fstat(p) => self.fstat(p.id, &p.handle),
            Packet::SetStat(p) => self.setstat(p.id, &p.path, &p.attrs),
            Packet::FSetStat(p) => self.fsetstat(p.id, &p.handle, &p.attrs),
            Packet::OpenDir(p) => self.opendir(p.id, &p.path),
            Packet::ReadDir(p) => self.readdir(p.id, &p.handle),
            Packet::Remove(p) => self.remove(p.id, &p.filename),
            Packet::MkDir(p) => self.mkdir(p.id, &p.path),
            Packet::RmDir(p) => self.rmdir(p.id, &p.path),
            Packet::RealPath(p) => Ok(realpath(p.id, &p.path)),
            Packet::Rename(p) => self.rename(p.id, &p.oldpath, &p.newpath, false),
            Packet::ReadLink(_) | Packet::Symlink(_) => Err(fail(
                StatusCode::PermissionDenied,
                "symbolic links are not supported",
            )),
            Packet::Extended(p) => self.extended(p.id, &p.request, p.data),
            _ => Err(fail(StatusCode::OpUnsupported, "not a request")),
        }
    }

    fn version(&self) -> Packet {
        let mut version = Version::new();
        for ext in [EXT_POSIX_RENAME, EXT_LIMITS, EXT_FSYNC] {
            version.extensions.insert(ext.to_string(), "1".to_string());
        }
        Packet::Version(version)
    }

    /// A slot for one more open handle, from the session's, the partner's and the server's
    /// budgets. Taken before the file is opened, so a refused open touches nothing.
    fn handle_slot(&mut self) -> Res<HandleSlot> {
        let taken = if self.handles.len() >= self.policy.max_handles {
            Err(Refusal::SessionHandles)
        } else {
            self.budgets.take()
        };
        taken.map_err(|why| {
            let n = self.refused_handles.get_or_insert((why, 0));
            n.1 += 1;
            fail(StatusCode::Failure, why.text())
        })
    }

    fn add_handle(&mut self, handle: OpenHandle, slot: HandleSlot) -> String {
        self.next_handle += 1;
        let name = format!("{:x}", self.next_handle);
        self.handles.insert(name.clone(), (handle, slot));
        name
    }

    fn handle_mut(&mut self, handle: &str) -> Res<&mut OpenHandle> {
        self.handles
            .get_mut(handle)
            .map(|(h, _)| h)
            .ok_or_else(|| fail(StatusCode::Failure, "invalid handle"))
    }

    fn extended(&mut self, id: u32, request: &str, data: Vec<u8>) -> Res<Packet> {
        let mut data = Bytes::from(data);
        match request {
            EXT_POSIX_RENAME => {
                let old = take_string(&mut data)?;
                let new = take_string(&mut data)?;
                self.rename(id, &old, &new, true)
            }
            EXT_LIMITS => {
                let mut reply = Vec::with_capacity(32);
                let handles = u64::try_from(self.policy.max_handles).unwrap_or(u64::MAX);
                for v in [MAX_PACKET.into(), MAX_IO.into(), MAX_IO.into(), handles] {
                    reply.extend_from_slice(&u64::to_be_bytes(v));
                }
                Ok(Packet::ExtendedReply(ExtendedReply { id, data: reply }))
            }
            EXT_FSYNC => {
                let handle = take_string(&mut data)?;
                match self.handle_mut(&handle)? {
                    OpenHandle::Upload(upload) => upload.sync()?,
                    OpenHandle::Read(..) | OpenHandle::Dir { .. } => {}
                }
                Ok(ok(id))
            }
            _ => Err(fail(StatusCode::OpUnsupported, "unsupported extension")),
        }
    }

    /// Reports a completed file when it sits in an inbox under a real (not in-transfer) name.
    fn arrived(&self, path: &VPath) {
        let Some(name) = path.name() else { return };
        if !self.jail.dir_rule(&path.parent()).inbox || self.jail.layout().is_temp_name(name) {
            return;
        }
        let event = IntakeEvent::Arrived {
            partner: self.partner.clone(),
            path: path.relative(),
        };
        // Blocking is right here: this is the session's own thread, and a full queue should slow
        // the client down rather than drop an arrival.
        if self.events.blocking_send(event).is_err() {
            tracing::warn!(partner = %self.partner, path = %path.display(),
                "event receiver gone; the file stays in its inbox for the start-up scan");
        }
    }
}
