//! The names the pipeline gives a partner's file on disk: its claimed copy while it is processed,
//! its place in `processed/` or `failed/`, and the temporary names results are written under.
//! Every one of them fits the file system's 255 bytes, whatever name the file came with, so a
//! file can always be decided.

use sha2::{Digest, Sha256};

/// Prefix of a file claimed for processing (hidden: a dot-name is never an upload).
pub const CLAIM_PREFIX: &str = ".claim-";

/// The longest name a file system allows for one path component (Linux NAME_MAX).
const NAME_MAX: usize = 255;

/// Bytes of a long name kept at the front of its shortened form.
const KEEP: usize = 150;

/// The longest result suffix the pipeline adds to a final name: `.<ledger id>` (an i64 has up to
/// 19 digits) and `.status.json`.
pub const RESULT_SUFFIX_MAX: usize = 1 + 19 + ".status.json".len();

/// A name's stand-in where the name itself does not fit: `~` and 16 hex digits of its sha256.
fn hashed(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut out = String::with_capacity(17);
    out.push('~');
    for b in &digest[..8] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The name a file is claimed under in its folder: `.claim-<name>`, or `.claim-~<hash>` when
/// that would be longer than the file system allows.
pub fn claim_name(name: &str) -> String {
    if CLAIM_PREFIX.len() + name.len() <= NAME_MAX {
        format!("{CLAIM_PREFIX}{name}")
    } else {
        format!("{CLAIM_PREFIX}{}", hashed(name))
    }
}

/// Whether a claim name stands in for a name too long to keep (`.claim-~<hash>`).
pub fn is_hashed_claim(claim: &str) -> bool {
    claim
        .strip_prefix(CLAIM_PREFIX)
        .and_then(|rest| rest.strip_prefix('~'))
        .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The name a file keeps in `processed/` or `failed/`: its own when results fit beside it
/// (`max_len` bytes at most), otherwise its first 150 bytes and `~<ledger id>`, so that
/// `<name>.status.json` can always be written. The status file still carries the whole name.
pub fn final_name(name: &str, id: i64, max_len: usize) -> String {
    if name.len() <= max_len && name.len() + RESULT_SUFFIX_MAX <= NAME_MAX {
        return name.to_string();
    }
    let mut cut = KEEP.min(name.len());
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}~{id}", &name[..cut])
}

/// A short temporary name for writing `target` atomically in its folder: a dot-name (never an
/// upload, never listed as a result) of fixed length, the same for the same target so that a
/// crash's leftover is overwritten by the next attempt rather than piling up.
pub fn temp_name(target: &str) -> String {
    format!(".bankdrop-tmp{}", hashed(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_fits_the_file_system() {
        for len in [1, 200, 201, 229, 230, 248, 249, 255] {
            let name = "n".repeat(len);
            assert!(claim_name(&name).len() <= NAME_MAX, "claim of {len}");
            let fin = final_name(&name, i64::MAX, 200);
            assert!(fin.len() + RESULT_SUFFIX_MAX <= NAME_MAX, "final of {len}");
            assert!(temp_name(&format!("{fin}.status.json")).len() <= 40);
        }
        assert_eq!(claim_name("a.csv"), ".claim-a.csv");
        assert!(!is_hashed_claim(".claim-a.csv"));
        assert!(is_hashed_claim(&claim_name(&"x".repeat(249))));
        assert_eq!(final_name("a.csv", 7, 200), "a.csv");
        assert_eq!(
            final_name(&"é".repeat(120), 7, 200),
            format!("{}~7", "é".repeat(75))
        );
        assert_eq!(temp_name("x"), temp_name("x"));
        assert_ne!(temp_name("x"), temp_name("y"));
    }
}
