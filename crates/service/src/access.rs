//! Who may log in as a partner (spec 01 §2.3): its public keys, the address ranges it may
//! connect from, and the host key partners check the server against (spec 01 §2.1 step 3).
//! `bankdrop partner` and `bankdrop host-key` call these and print what they return; the SFTP
//! server gets its partners through [`partner`].

use crate::config::Config;
use crate::error::{Context, Result};
use bankdrop_sftp::{fingerprint_line, parse_public_key, HashAlg, IpRange, Partner, PublicKey};
use std::net::SocketAddr;
use store::{Db, PartnerRow, Partners};

/// The prefix of the fingerprints `ssh-keygen -l` prints and `partner key remove` takes.
pub const SHA256: &str = "SHA256:";

/// The partner the SFTP server checks a login against, from its stored row. Keys that are not
/// usable (an RSA key under 2,048 bits stored before that rule) are left out, so they cannot log
/// in, and the partner's other keys still can. An allow-list entry that does not parse (only a
/// hand-edited database has one) refuses every login of the partner: dropping the entry could
/// leave the list empty, which would admit any address.
pub fn partner(row: PartnerRow) -> Option<Partner> {
    let mut keys = Vec::with_capacity(row.keys.len());
    for line in &row.keys {
        match parse_public_key(line) {
            Ok(k) => keys.push(k),
            Err(e) => {
                tracing::warn!(partner = %row.name, key = %fingerprint_of(line), error = %e,
                    "stored key refused");
            }
        }
    }
    let allow_from = match parse_ranges(&row.allow_from) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(partner = %row.name, error = %e,
                "the stored allow-list is unusable; every login of the partner is refused");
            return None;
        }
    };
    Some(Partner {
        name: row.name,
        root: row.root.into(),
        keys,
        allow_from,
    })
}

/// The SHA256 fingerprint of a stored key line, or `unparsable key`.
fn fingerprint_of(line: &str) -> String {
    PublicKey::from_openssh(line.trim()).map_or_else(
        |_| "unparsable key".to_string(),
        |k| k.fingerprint(HashAlg::Sha256).to_string(),
    )
}

/// One line per stored key, as `ssh-keygen -lf` prints its `.pub` file
/// (`256 SHA256:… user@host (ED25519)`). A key the server would refuse is followed by
/// `  [refused: why]`.
pub fn describe_keys(row: &PartnerRow) -> Vec<String> {
    row.keys
        .iter()
        .map(|line| match PublicKey::from_openssh(line.trim()) {
            Ok(key) => {
                let described = fingerprint_line(&key, key.comment().as_str_lossy());
                match parse_public_key(line) {
                    Ok(_) => described,
                    Err(e) => format!("{described}  [refused: {e}]"),
                }
            }
            Err(e) => format!("unparsable key  [refused: {e}]"),
        })
        .collect()
}

/// Checks public key lines (the text of `.pub` files) before they are stored: each must be an
/// RSA (at least 2,048 bits), ECDSA or Ed25519 key. Returns them trimmed.
pub fn check_keys(partner: &str, lines: &[String]) -> Result<Vec<String>> {
    lines
        .iter()
        .map(|k| {
            parse_public_key(k)
                .with_context(|| format!("partner {partner}: not a usable public key"))?;
            Ok(k.trim().to_string())
        })
        .collect()
}

/// Adds keys to an existing partner (spec 01 §2.3: several keys per partner, so a key can be
/// rotated without downtime). The running server accepts them at the next login.
pub fn add_keys(store: &Db, partner: &str, lines: &[String]) -> Result<Vec<String>> {
    let lines = check_keys(partner, lines)?;
    existing(store, partner)?;
    for k in &lines {
        store.add_key(partner, k)?;
    }
    Ok(lines
        .iter()
        .filter_map(|l| PublicKey::from_openssh(l).ok())
        .map(|k| fingerprint_line(&k, k.comment().as_str_lossy()))
        .collect())
}

/// Removes the partner's keys whose SHA256 fingerprint is `fingerprint` (`SHA256:…` as
/// `ssh-keygen -l` prints it; the prefix may be left out). Refuses to remove the partner's last
/// key unless `last` is set: a partner without a key cannot log in at all. The running server
/// refuses the key from the next login on. Returns the removed keys' fingerprint lines.
pub fn remove_key(store: &Db, partner: &str, fingerprint: &str, last: bool) -> Result<Vec<String>> {
    let wanted = fingerprint.trim();
    let wanted = wanted.strip_prefix(SHA256).unwrap_or(wanted);
    crate::ensure!(
        !wanted.is_empty() && !wanted.contains(':'),
        "`{fingerprint}`: give the key's SHA256 fingerprint as `ssh-keygen -lf KEY.pub` or \
         `bankdrop partner key list {partner}` prints it (SHA256:…)"
    );
    let row = existing(store, partner)?;
    let matching: Vec<(&String, PublicKey)> = row
        .keys
        .iter()
        .filter_map(|line| PublicKey::from_openssh(line.trim()).ok().map(|k| (line, k)))
        .filter(|(_, k)| {
            k.fingerprint(HashAlg::Sha256)
                .to_string()
                .strip_prefix(SHA256)
                == Some(wanted)
        })
        .collect();
    if matching.is_empty() {
        crate::bail!(
            "partner {partner} has no key with fingerprint {SHA256}{wanted} (see `bankdrop \
             partner key list {partner}`)"
        );
    }
    // The same key may be stored twice with different comments: every copy goes, or the key
    // would still log in.
    crate::ensure!(
        last || matching.len() < row.keys.len(),
        "{SHA256}{wanted} is partner {partner}'s last key: without a key the partner cannot log \
         in; add its new key first (`bankdrop partner key add`), or pass --last to remove it anyway"
    );
    let mut removed = Vec::new();
    for (line, key) in matching {
        if store.remove_key(partner, line)? {
            removed.push(fingerprint_line(&key, key.comment().as_str_lossy()));
        }
    }
    Ok(removed)
}

/// Parses allow-list entries (`10.0.0.0/8`, `2001:db8::/32`, a bare address for just that
/// one), refusing any that is not a valid range.
pub fn parse_ranges(texts: &[String]) -> Result<Vec<IpRange>> {
    texts
        .iter()
        .map(|t| t.parse::<IpRange>().map_err(Into::into))
        .collect()
}

/// Sets the ranges `partner` may connect from (spec 01 §2.3), all checked before any is stored;
/// none lets the partner connect from any address. Stored in the canonical form
/// (`127.0.0.1/32`), which it returns. The running server applies it at the next login.
pub fn set_allow_from(store: &Db, partner: &str, ranges: &[String]) -> Result<Vec<IpRange>> {
    let parsed = parse_ranges(ranges)?;
    let mut canonical: Vec<String> = parsed.iter().map(ToString::to_string).collect();
    canonical.dedup();
    store.set_allow_from(partner, &canonical)?;
    Ok(parsed)
}

fn existing(store: &Db, partner: &str) -> Result<PartnerRow> {
    store
        .partner(partner)?
        .with_context(|| format!("no partner `{partner}` (add it with `bankdrop partner add`)"))
}

/// The host as `ssh-keyscan` names it in its output: `host` on port 22, `[host]:port` on any
/// other.
pub fn known_host_name(addr: SocketAddr) -> String {
    match addr.port() {
        22 => addr.ip().to_string(),
        port => format!("[{}]:{port}", addr.ip()),
    }
}

/// The server's host key fingerprint, one line per `[sftp] listen` address, exactly as
/// `ssh-keyscan -p PORT HOST | ssh-keygen -lf -` prints it for that address
/// (`256 SHA256:… [127.0.0.1]:2222 (ED25519)`), for partners to check before their first login
/// (spec 01 §2.1 step 3). Without a host key yet, one is generated as `serve` would, so the
/// fingerprint can be sent before the first start and stays valid.
pub fn host_key_lines(cfg: &Config) -> Result<Vec<String>> {
    let path = cfg.host_key_path();
    let key = bankdrop_sftp::host_public_key(&path)?;
    Ok(cfg
        .sftp
        .listen
        .0
        .iter()
        .map(|addr| fingerprint_line(&key, &known_host_name(*addr)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_named_as_ssh_keyscan_names_them() {
        let name = |s: &str| known_host_name(s.parse().unwrap());
        assert_eq!(name("127.0.0.1:2222"), "[127.0.0.1]:2222");
        assert_eq!(name("192.0.2.1:22"), "192.0.2.1");
        assert_eq!(name("[::1]:2222"), "[::1]:2222");
        assert_eq!(name("[::1]:22"), "::1");
    }

    #[test]
    fn bad_ranges_are_refused_before_anything_is_stored() {
        let ok = parse_ranges(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        assert_eq!(ok[1].to_string(), "::1/128");
        for bad in ["10.0.0.0/33", "garbage", "10.0.0.1/8"] {
            let e = parse_ranges(&["127.0.0.1".into(), bad.into()]).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
