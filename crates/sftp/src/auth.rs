//! Partners, their public keys, and the server's host key.

use std::collections::HashMap;
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, EcdsaCurve, HashAlg, PrivateKey, PublicKey};

use crate::allow::IpRange;
use crate::error::Error;

/// The shortest RSA modulus accepted, in bits (spec 01 §0.1, §2.3: "2048 and 4096 bits are both
/// supported"; shorter keys are within reach of a well-funded attacker).
pub const MIN_RSA_BITS: u32 = 2048;

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
    /// The address ranges the partner may connect from (spec 01 §2.3). Empty: any address.
    pub allow_from: Vec<IpRange>,
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
            allow_from: Vec::new(),
        })
    }

    /// The partner, allowed to connect only from `ranges` (none: from anywhere).
    pub fn allowed_from(mut self, ranges: impl IntoIterator<Item = IpRange>) -> Self {
        self.allow_from = ranges.into_iter().collect();
        self
    }

    /// Whether a connection from `ip` may log in as this partner: its allow-list is empty or
    /// holds the address.
    pub fn admits(&self, ip: IpAddr) -> bool {
        crate::allow::admits(&self.allow_from, ip)
    }

    /// Whether `key` is one of this partner's keys. Comments are ignored; only the key matters.
    pub(crate) fn has_key(&self, key: &PublicKey) -> bool {
        self.keys.iter().any(|k| k.key_data() == key.key_data())
    }
}

/// Parses one public key in OpenSSH format (`ssh-rsa AAAA… comment`, as in a `.pub` file or an
/// `authorized_keys` line). RSA of at least [`MIN_RSA_BITS`] bits, ECDSA (P-256/384/521) and
/// Ed25519 keys are accepted (spec 01 §2.3). The server parses stored keys with this at every
/// login too, so a short RSA key already in the store cannot log in.
pub fn parse_public_key(line: &str) -> Result<PublicKey, Error> {
    let key = PublicKey::from_openssh(line.trim()).map_err(|e| Error::PublicKey(e.to_string()))?;
    match key.algorithm() {
        Algorithm::Rsa { .. } => match key_bits(&key) {
            bits if bits < MIN_RSA_BITS => Err(Error::RsaKeyTooShort { bits }),
            _ => Ok(key),
        },
        Algorithm::Ecdsa { .. } | Algorithm::Ed25519 => Ok(key),
        other => Err(Error::PublicKey(format!(
            "{} keys are not accepted (RSA, ECDSA and Ed25519 are)",
            other.as_str()
        ))),
    }
}

/// The key's size as `ssh-keygen -l` gives it: an RSA key's modulus length, the curve's size for
/// ECDSA (256, 384, 521), 256 for Ed25519.
pub fn key_bits(key: &PublicKey) -> u32 {
    let data = key.key_data();
    if let Some(rsa) = data.rsa() {
        // Counted from the leading byte: ssh-key's own `key_size` rounds up to whole bytes.
        let n = rsa.n().as_positive_bytes().unwrap_or(&[]);
        return match n.first() {
            Some(&top) => (n.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
            None => 0,
        };
    }
    match key.algorithm() {
        Algorithm::Ecdsa { curve } => match curve {
            EcdsaCurve::NistP256 => 256,
            EcdsaCurve::NistP384 => 384,
            EcdsaCurve::NistP521 => 521,
        },
        Algorithm::Dsa => 1024,
        _ => 256,
    }
}

/// The key's line as `ssh-keygen -l` prints it: `256 SHA256:… comment (ED25519)`. `comment` is
/// the key's own comment for a key file, the host name for `ssh-keyscan` output; `no comment`
/// stands in for an empty one, as with `ssh-keygen`.
pub fn fingerprint_line(key: &PublicKey, comment: &str) -> String {
    let kind = match key.algorithm() {
        Algorithm::Rsa { .. } => "RSA",
        Algorithm::Ecdsa { .. } => "ECDSA",
        Algorithm::Ed25519 => "ED25519",
        Algorithm::Dsa => "DSA",
        Algorithm::SkEcdsaSha2NistP256 => "ECDSA-SK",
        Algorithm::SkEd25519 => "ED25519-SK",
        _ => "UNKNOWN",
    };
    let comment = if comment.is_empty() {
        "no comment"
    } else {
        comment
    };
    format!(
        "{} {} {comment} ({kind})",
        key_bits(key),
        key.fingerprint(HashAlg::Sha256)
    )
}

/// The server's public host key from the private key at `path`, generated there first (Ed25519,
/// mode 0600) exactly as the server would if it does not exist yet: partners can be given its
/// fingerprint before the first start.
pub fn host_public_key(path: &Path) -> Result<PublicKey, Error> {
    Ok(load_or_generate_host_key(path)?.public_key().clone())
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

    /// A key from the real `ssh-keygen`, and what `ssh-keygen -lf` says of it.
    fn keygen(dir: &Path, kind: &str, bits: u32) -> (String, String) {
        let path = dir.join(format!("{kind}{bits}"));
        let out = std::process::Command::new("ssh-keygen")
            .args([
                "-q",
                "-t",
                kind,
                "-b",
                &bits.to_string(),
                "-N",
                "",
                "-C",
                "me@host",
            ])
            .arg("-f")
            .arg(&path)
            .output()
            .expect("ssh-keygen is required (apt-get install -y openssh-client)");
        assert!(out.status.success(), "{out:?}");
        let pub_path = path.with_extension("pub");
        let listed = std::process::Command::new("ssh-keygen")
            .arg("-lf")
            .arg(&pub_path)
            .output()
            .unwrap();
        (
            std::fs::read_to_string(&pub_path).unwrap(),
            String::from_utf8(listed.stdout).unwrap().trim().to_string(),
        )
    }

    #[test]
    fn rsa_under_2048_bits_is_refused_and_lines_match_ssh_keygen_spec_01_2_3() {
        let tmp = tempfile::tempdir().unwrap();
        let (short, _) = keygen(tmp.path(), "rsa", 1024);
        match parse_public_key(&short) {
            Err(Error::RsaKeyTooShort { bits: 1024 }) => {}
            other => panic!("a 1024-bit key: {other:?}"),
        }
        for (kind, bits) in [
            ("rsa", 2048),
            ("rsa", 3072),
            ("ecdsa", 521),
            ("ed25519", 256),
        ] {
            let (line, listed) = keygen(tmp.path(), kind, bits);
            let key = parse_public_key(&line).unwrap_or_else(|e| panic!("{kind} {bits}: {e}"));
            assert_eq!(key_bits(&key), bits);
            assert_eq!(fingerprint_line(&key, "me@host"), listed);
        }
        let ed = parse_public_key(&ED.replace(" a@b", "")).unwrap();
        assert!(fingerprint_line(&ed, "").contains(" no comment (ED25519)"));
    }

    #[test]
    fn an_allow_list_admits_its_ranges_only_and_an_empty_one_everyone() {
        let p = Partner::with_openssh_keys("acme", "/x", [ED]).unwrap();
        assert!(p.admits("198.51.100.1".parse().unwrap()));
        let p = p.allowed_from(["127.0.0.1/32".parse().unwrap()]);
        assert!(p.admits("127.0.0.1".parse().unwrap()));
        assert!(!p.admits("127.0.0.2".parse().unwrap()));
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
