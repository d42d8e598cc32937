//! Status codes, reply packets and the attributes partners see.

use std::borrow::Cow;
use std::io;

use bytes::{Buf, Bytes};
use russh_sftp::protocol::{File, FileAttributes, Name, Packet, Status, StatusCode};

use crate::jail::VPath;
use crate::layout::Access;

/// A refusal: the status code and message sent back.
#[derive(Debug)]
pub(super) struct Fail {
    code: StatusCode,
    msg: Cow<'static, str>,
}

pub(super) type Res<T> = Result<T, Fail>;

pub(super) fn fail(code: StatusCode, msg: &'static str) -> Fail {
    Fail {
        code,
        msg: Cow::Borrowed(msg),
    }
}

pub(super) fn denied() -> Fail {
    fail(StatusCode::PermissionDenied, "permission denied")
}

/// Maps an OS error to a status. cap-std reports an attempt to leave the root as
/// `PermissionDenied`, which is what the client should see. Messages never carry host paths.
impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        use rustix::io::Errno;
        let errno = e.raw_os_error().map(Errno::from_raw_os_error);
        match e.kind() {
            io::ErrorKind::NotFound => fail(StatusCode::NoSuchFile, "no such file"),
            io::ErrorKind::PermissionDenied => denied(),
            io::ErrorKind::AlreadyExists => fail(StatusCode::Failure, "file exists"),
            _ if errno == Some(Errno::NOTDIR) => fail(StatusCode::NoSuchFile, "no such file"),
            _ if errno == Some(Errno::ISDIR) => fail(StatusCode::Failure, "is a directory"),
            _ if errno == Some(Errno::NOTEMPTY) => fail(StatusCode::Failure, "directory not empty"),
            _ if errno == Some(Errno::LOOP) => denied(),
            _ => {
                tracing::warn!(error = %e, "file-system error answered as failure");
                Fail {
                    code: StatusCode::Failure,
                    msg: Cow::Owned(e.kind().to_string()),
                }
            }
        }
    }
}

/// Parses a client path and hides the server's temporary upload files.
pub(super) fn visible(path: &str) -> Res<VPath> {
    let vp = VPath::parse(path);
    if vp.touches_upload_temp() {
        return Err(fail(StatusCode::NoSuchFile, "no such file"));
    }
    Ok(vp)
}

/// Names a partner may create: no control characters, so every name the pipeline later logs or
/// reports is printable, and at most `max_len` bytes, so the pipeline's result files beside it
/// (`<name>.status.json`, `<name>.<id>.errors.csv`) fit the file system's 255.
pub(super) fn check_new_name(name: &str, max_len: usize) -> Res<()> {
    if name.len() > max_len {
        return Err(Fail {
            code: StatusCode::Failure,
            msg: Cow::Owned(format!(
                "file name too long: {} bytes, at most {max_len}",
                name.len()
            )),
        });
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(fail(
            StatusCode::Failure,
            "invalid file name: control characters",
        ));
    }
    Ok(())
}

pub(super) fn take_string(data: &mut Bytes) -> Res<String> {
    let bad = || fail(StatusCode::BadMessage, "malformed extension request");
    if data.remaining() < 4 {
        return Err(bad());
    }
    let len = data.get_u32() as usize;
    if data.remaining() < len {
        return Err(bad());
    }
    String::from_utf8(data.split_to(len).to_vec()).map_err(|_| bad())
}

pub(super) fn realpath(id: u32, path: &str) -> Packet {
    let shown = VPath::parse(path).display();
    Packet::Name(Name {
        id,
        files: vec![File {
            filename: shown.clone(),
            longname: shown,
            attrs: FileAttributes::empty(),
        }],
    })
}

/// Attributes as a partner sees them: the real type, size and times, but permission bits that
/// describe what the layout lets the partner do (not the host's modes), and no host uid/gid.
pub(super) fn attributes(
    is_dir: bool,
    mode: u32,
    size: u64,
    atime: i64,
    mtime: i64,
    access: Access,
    partner: &str,
) -> FileAttributes {
    let perms = match (access, is_dir) {
        (Access::ReadWrite, false) => 0o644,
        (Access::ReadWrite, true) => 0o755,
        (Access::ReadOnly, false) => 0o444,
        (Access::ReadOnly, true) => 0o555,
        (Access::WriteOnly, false) => 0o200,
        (Access::WriteOnly, true) => 0o300,
    };
    let file_type = mode & 0o170000;
    let clamp = |t: i64| u32::try_from(t.max(0)).unwrap_or(u32::MAX);
    FileAttributes {
        size: Some(size),
        uid: None,
        user: Some(partner.to_string()),
        gid: None,
        group: Some(partner.to_string()),
        permissions: Some(file_type | perms),
        atime: Some(clamp(atime)),
        mtime: Some(clamp(mtime)),
    }
}

pub(super) fn ok(id: u32) -> Packet {
    Packet::Status(Status {
        id,
        status_code: StatusCode::Ok,
        error_message: "Success".to_string(),
        language_tag: "en-US".to_string(),
    })
}

pub(super) fn status(id: u32, f: Fail) -> Packet {
    Packet::Status(Status {
        id,
        status_code: f.code,
        error_message: f.msg.into_owned(),
        language_tag: "en-US".to_string(),
    })
}

pub(super) fn encode(packet: Packet) -> Bytes {
    let id = packet.get_request_id();
    match Bytes::try_from(packet) {
        Ok(bytes) => bytes,
        Err(e) => {
            // Encoding our own reply cannot fail for well-formed values; answer anyway.
            tracing::error!(error = %e, "could not encode a reply");
            Bytes::try_from(status(id, fail(StatusCode::Failure, "internal error")))
                .unwrap_or_default()
        }
    }
}
