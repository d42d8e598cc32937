//! Claiming a file (the first stage): rename it to `.claim-<name>` in its folder, so a partner
//! uploading the same name again while it is processed creates a new file (and a new event)
//! instead of changing the bytes under the validator. Over SFTP the claimed file is still
//! listed under its own name, read-only.

use crate::config::Inbox;
use crate::fsio::in_locked_dir;
use crate::names::claim_name;
use crate::{io_err, Result};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use store::{NewFile, PartnerRow};
use validate::filename::{FileName, Prefix};
use validate::schema::Schemas;

/// A file taken for processing: its bytes are at `work` until it is published.
pub(crate) struct Claim<'a> {
    pub partner: &'a PartnerRow,
    pub inbox: &'a Inbox,
    /// Where the partner put it, relative to the partner root (`card/<name>`).
    pub rel: String,
    /// Where its bytes are while it is processed, relative to the partner root.
    pub work: String,
    /// Its name as uploaded.
    pub name: String,
    /// Its name parsed (D5), or why it does not parse.
    pub parsed: std::result::Result<FileName, String>,
    /// When the upload completed.
    pub received: DateTime<Utc>,
    /// The lease it is processed under, if any: its decision commits only while this node
    /// still holds it.
    pub lease: Option<Fence>,
}

/// A lease a decision is fenced by: its key (`partner/path`, kind `file`) and its node.
#[derive(Debug, Clone)]
pub(crate) struct Fence {
    pub key: String,
    pub node: String,
}

/// Names a client uses while uploading, never processed (issue 4).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        || [".part", ".filepart", ".tmp"]
            .iter()
            .any(|s| name.ends_with(s))
}

impl<'a> Claim<'a> {
    fn new(
        schemas: &Schemas,
        partner: &'a PartnerRow,
        inbox: &'a Inbox,
        rel: &str,
        work: String,
        received: DateTime<Utc>,
    ) -> Claim<'a> {
        let name = split(rel).1.to_string();
        // A document's name is its own (spec 01 §14.1), never a D5 name.
        let parsed = if inbox.file_type == crate::documents::DOCUMENT {
            Err("a document".to_string())
        } else {
            schemas.parse_file_name(&name)
        };
        Claim {
            partner,
            inbox,
            rel: rel.to_string(),
            work,
            parsed,
            name,
            received,
            lease: None,
        }
    }

    /// The file's type: from its name (D5), or its folder's for a document.
    pub fn file_type(&self) -> Option<&str> {
        match &self.parsed {
            Ok(f) => Some(&f.file_type),
            Err(_) if self.inbox.file_type == crate::documents::DOCUMENT => {
                Some(crate::documents::DOCUMENT)
            }
            Err(_) => None,
        }
    }

    /// The partner's root.
    pub fn root(&self) -> PathBuf {
        PathBuf::from(&self.partner.root)
    }

    /// The claimed bytes.
    pub fn path(&self) -> PathBuf {
        self.root().join(&self.work)
    }

    /// The file's date (`YYYY-MM-DD`), when its name carries one.
    pub fn file_date(&self) -> Option<&str> {
        match self.parsed.as_ref().map(|f| &f.prefix) {
            Ok(Prefix::Date(d)) => Some(d.as_str()),
            _ => None,
        }
    }

    /// [`Claim::file_date`] as a date.
    pub fn date(&self) -> Option<NaiveDate> {
        self.file_date()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }

    /// `received` as the status file shows it.
    pub fn received_at(&self) -> String {
        self.received.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Its ledger row as claimed; the hash and size are set when its bytes are read.
    pub fn new_file(&self) -> NewFile {
        let parsed = self.parsed.as_ref().ok();
        NewFile {
            partner: self.partner.name.clone(),
            path: self.rel.clone(),
            name: self.name.clone(),
            file_type: self.file_type().map(str::to_string),
            prefix: parsed.map(FileName::ledger_prefix),
            version: parsed.map(|f| f.version),
            sha256: String::new(),
            bytes: 0,
            received_at: self.received_at(),
        }
    }
}

fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

/// Where the file at `rel` is while claimed, relative to the partner root (`card/.claim-<name>`).
pub(crate) fn claimed_rel(rel: &str) -> String {
    let (folder, name) = split(rel);
    format!("{folder}/{}", claim_name(name))
}

/// The claim a crash left for the name at `rel` (an older upload of it: it goes first).
pub(crate) fn leftover<'a>(
    schemas: &Schemas,
    partner: &'a PartnerRow,
    inbox: &'a Inbox,
    rel: &str,
) -> Option<Claim<'a>> {
    let work = claimed_rel(rel);
    let path = Path::new(&partner.root).join(&work);
    if !path.exists() {
        return None;
    }
    let received = ctime(&path).unwrap_or_else(|_| Utc::now());
    Some(Claim::new(schemas, partner, inbox, rel, work, received))
}

/// Claims the upload at `rel`; `None` when it is gone.
pub(crate) fn claim<'a>(
    schemas: &Schemas,
    partner: &'a PartnerRow,
    inbox: &'a Inbox,
    rel: &str,
) -> Result<Option<Claim<'a>>> {
    let root = Path::new(&partner.root);
    let work = claimed_rel(rel);
    let path = root.join(rel);
    // ctime, not mtime: a client can set mtime (`put -p`), nobody can set ctime, and the
    // upload's final rename set it. Read it before the claim rename changes it.
    let received = match ctime(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path)(e)),
    };
    let folder = path.parent().unwrap_or(root);
    let renamed = in_locked_dir(folder, || std::fs::rename(&path, root.join(&work)));
    match renamed {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path)(e)),
    }
    Ok(Some(Claim::new(
        schemas, partner, inbox, rel, work, received,
    )))
}

/// When the inode last changed: the upload's final rename (clients cannot set it).
fn ctime(path: &Path) -> std::io::Result<DateTime<Utc>> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok(DateTime::from_timestamp(m.ctime(), m.ctime_nsec() as u32).unwrap_or_else(Utc::now))
}

/// Hex sha256 and size of a file, read on its own (the paths that decide without validating).
pub(crate) fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut r = Hashing::new(File::open(path)?);
    std::io::copy(&mut r, &mut std::io::sink())?;
    Ok(r.finish())
}

/// Hashes the bytes read through it: one read of a file both validates and hashes it.
pub(crate) struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Hashing<R> {
    pub(crate) fn new(inner: R) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            bytes: 0,
        }
    }

    /// Reads what the consumer left unread (a reader that stopped early), then gives the hex
    /// digest and size of everything.
    pub(crate) fn drain(mut self) -> std::io::Result<(String, u64)> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok(self.finish())
    }

    fn finish(self) -> (String, u64) {
        let hex = self
            .hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        (hex, self.bytes)
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_read_still_hashes_the_whole_file() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut r = Hashing::new(&bytes[..]);
        let mut first = [0u8; 1000];
        r.read_exact(&mut first).unwrap();
        let (hex, n) = r.drain().unwrap();
        let want: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!((hex, n), (want, bytes.len() as u64));
    }
}
