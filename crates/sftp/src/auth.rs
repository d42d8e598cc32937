//! Partners, their public keys, and the server's host key.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey, PublicKey};

use crate::error::Error;

/// A partner: one SFTP user, one jail.
#[derive(Debug, Clone)]
pub struct Partner {
    /// The partner's name; also its SFTP user name.
    pub name: String,
    /// The root of the partner's tree on the host. Partners never see this path: to them it is `/`.
    pub root: PathBuf,
    /// Every public key that may log in as this partner (RSA, ECDSA, Ed25519; several allowed so
    /// keys can be rotated without downtime).
    pub keys: Vec<PublicKey>,
}

impl Partner {
    /// A partner with keys given in OpenSSH `authorized_keys` format
    /// (`ssh-ed25519 AAAA… comment`).
    pub fn with_openssh_keys<S: AsRef<str>>(
        name: impl Into<String>,
        root: impl Into<PathBuf>,
        keys: impl IntoIterator<Item = S>,
    ) -> Result<Self, Error> {
        Ok(Partner {
            name: name.into(),
            root: root.into(),
            keys: keys
                .into_iter()
                .map(|k| parse_public_key(k.as_ref()))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether `key` is one of this partner's keys. Comments are ignored; only the key matters.
    pub(crate) fn has_key(&self, key: &PublicKey) -> bool {
        self.keys.iter().any(|k| k.key_data() == key.key_data())
    }
}

/// Parses one public key in OpenSSH format (`ssh-rsa AAAA… comment`, as in a `.pub` file or an
/// `authorized_keys` line). RSA, ECDSA (P-256/384/521) and Ed25519 keys are accepted.
pub fn parse_public_key(line: &str) -> Result<PublicKey, Error> {
    let key = PublicKey::from_openssh(line.trim()).map_err(|e| Error::PublicKey(e.to_string()))?;
    match key.algorithm() {
        Algorithm::Rsa { .. } | Algorithm::Ecdsa { .. } | Algorithm::Ed25519 => Ok(key),
        other => Err(Error::PublicKey(format!(
            "{} keys are not accepted (RSA, ECDSA and Ed25519 are)",
            other.as_str()
        ))),
    }
}

/// Where the server looks partners up at login. The lead's store implements it; tests use
/// [`StaticPartners`].
pub trait PartnerStore: Send + Sync {
    /// The partner whose SFTP user name is `user`, if any.
    fn lookup(&self, user: &str) -> Option<Partner>;
}

/// A fixed set of partners, keyed by name.
#[derive(Debug, Clone, Default)]
pub struct StaticPartners {
    partners: HashMap<String, Partner>,
}

impl StaticPartners {
    /// A store holding these partners.
    pub fn new(partners: impl IntoIterator<Item = Partner>) -> Self {
        StaticPartners {
            partners: partners.into_iter().map(|p| (p.name.clone(), p)).collect(),
        }
    }
}

impl PartnerStore for StaticPartners {
    fn lookup(&self, user: &str) -> Option<Partner> {
        self.partners.get(user).cloned()
    }
}

/// Loads the host key, or generates an Ed25519 key and keeps it (mode 0600) if the file does not
/// exist, so partners see the same host key across restarts.
pub(crate) fn load_or_generate_host_key(path: &Path) -> Result<PrivateKey, Error> {
    load_or_generate_key(path, "host key")
}

/// Loads or generates (Ed25519, 0600) the private key at `path`; `what` names it in the log.
fn load_or_generate_key(path: &Path, what: &str) -> Result<PrivateKey, Error> {
    let fail = |reason: String| Error::HostKey {
        path: path.to_path_buf(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
            if meta.permissions().mode() & 0o077 != 0 {
                // Like sshd: a private key others can read is a key others may have copied.
                return Err(fail(format!(
                    "permissions {:o} are too open (must be 0600)",
                    meta.permissions().mode() & 0o777
                )));
            }
            PrivateKey::from_openssh(text.as_bytes()).map_err(|e| fail(e.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
                .map_err(|e| fail(e.to_string()))?;
            let text = key
                .to_openssh(LineEnding::LF)
                .map_err(|e| fail(e.to_string()))?;
            match write_private(path, text.as_bytes()) {
                Ok(()) => {}
                // Another node sharing the data directory wrote one first: all serve its key.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return load_or_generate_key(path, what);
                }
                Err(e) => return Err(fail(e.to_string())),
            }
            tracing::info!(path = %path.display(), "generated a new Ed25519 {what}");
            Ok(key)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Generates an Ed25519 client key pair: the private key at `path` (mode 0600, OpenSSH format,
/// usable with `sftp -i`) and the public key at `path.pub`. Returns the public key line. An
/// existing key at `path` is kept and its public half returned.
pub fn generate_key_pair(path: &Path) -> Result<String, Error> {
    let key = load_or_generate_key(path, "client key")?;
    let public = key
        .public_key()
        .to_openssh()
        .map_err(|e| Error::PublicKey(e.to_string()))?;
    let mut pub_path = path.as_os_str().to_owned();
    pub_path.push(".pub");
    std::fs::write(&pub_path, format!("{public}\n")).map_err(|e| Error::HostKey {
        path: pub_path.into(),
        reason: e.to_string(),
    })?;
    Ok(public)
}

/// Writes a secret atomically with mode 0600: a crash leaves either no key or a whole one. It
/// never replaces a key (`AlreadyExists`): processes starting together keep the first one.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("tmp{:08x}", rand::random::<u32>()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        // A link, unlike a rename, fails when the name exists.
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b";

    #[test]
    fn parses_and_matches_keys_ignoring_comments() {
        let p = Partner::with_openssh_keys("acme", "/x", [ED]).unwrap();
        let other_comment = parse_public_key(&ED.replace("a@b", "other")).unwrap();
        assert!(p.has_key(&other_comment));
        assert!(parse_public_key("ssh-ed25519 garbage").is_err());
        assert!(parse_public_key("").is_err());
    }

    #[test]
    fn host_key_is_generated_once_with_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("keys/host_ed25519");
        let a = load_or_generate_host_key(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let b = load_or_generate_host_key(&path).unwrap();
        assert_eq!(a.public_key().key_data(), b.public_key().key_data());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_or_generate_host_key(&path).is_err());
    }

    #[test]
    fn nodes_starting_together_all_serve_the_first_host_key() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("host_ed25519");
        let start = std::sync::Barrier::new(8);
        let keys: Vec<Vec<u8>> = std::thread::scope(|s| {
            let nodes: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        let k = load_or_generate_host_key(&path).unwrap();
                        k.public_key().to_bytes().unwrap()
                    })
                })
                .collect();
            nodes.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let on_disk = load_or_generate_host_key(&path).unwrap();
        let on_disk = on_disk.public_key().to_bytes().unwrap();
        assert!(
            keys.iter().all(|k| *k == on_disk),
            "nodes serve different host keys"
        );
        let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "temporary files left: {names:?}");
    }
}
