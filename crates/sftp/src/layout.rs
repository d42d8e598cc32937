//! The per-partner folder layout (decision D6) and the access rule of every folder.
//!
//! The layout is data (it lives in `config/bankdrop.toml`), so a bank operator can correct a
//! folder name or an access right without recompiling.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The CSV file types of decision D5, each of which gets an inbox folder in [`Layout::default_d6`].
pub const DEFAULT_FILE_TYPES: [&str; 12] = [
    "customer",
    "customer_relationship",
    "application",
    "account",
    "authorized_user",
    "collateral",
    "card",
    "balance",
    "transaction",
    "transaction_update",
    "non_posted_transaction",
    "sales_response",
];

/// What a partner may do in a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// List, read, upload, rename and delete.
    ReadWrite,
    /// List and read only; every change is refused with `SSH_FX_PERMISSION_DENIED`.
    ReadOnly,
    /// Upload, rename and delete, but not list or read back (a drop box).
    WriteOnly,
}

impl Access {
    /// Whether files may be read and the folder listed.
    pub fn can_read(self) -> bool {
        matches!(self, Access::ReadWrite | Access::ReadOnly)
    }

    /// Whether files may be created, changed, renamed or removed.
    pub fn can_write(self) -> bool {
        matches!(self, Access::ReadWrite | Access::WriteOnly)
    }
}

/// One folder of a partner's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderRule {
    /// Path relative to the partner's root, `/`-separated, e.g. `transaction/processed`.
    pub path: String,
    /// What the partner may do with the files directly inside this folder.
    pub access: Access,
    /// Files completed here are reported as [`crate::IntakeEvent::Arrived`] (a drop folder the
    /// pipeline processes, `documents/` included: each document is checked and decided).
    #[serde(default)]
    pub inbox: bool,
    /// The partner may create and remove sub-folders below this folder; they inherit its access
    /// but are never inboxes. Off by default: the layout is fixed by configuration.
    #[serde(default)]
    pub subdirs: bool,
}

impl FolderRule {
    fn new(path: impl Into<String>, access: Access, inbox: bool) -> Self {
        FolderRule {
            path: path.into(),
            access,
            inbox,
            subdirs: false,
        }
    }

    fn components(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').filter(|c| !c.is_empty())
    }
}

/// The folders of every partner's tree and the rules for upload names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Every folder with its access rule. Folders not listed (the root, `ach/`) are read-only.
    pub folders: Vec<FolderRule>,
    /// Name endings (compared without regard to ASCII case) that clients use while a transfer is
    /// in progress. Such files, and every dot-file, are never reported as arrived; renaming one to
    /// a real name is the moment it arrives.
    #[serde(default = "default_temp_suffixes")]
    pub temp_suffixes: Vec<String>,
    /// The prefix the file pipeline puts before a name while it processes the file (bankdrop's
    /// `.claim-`): such a file is listed under its own name, read-only, so a partner sees it in
    /// its folder until it is decided. `None`: listed as it is (a dot-file).
    #[serde(default)]
    pub processing_prefix: Option<String>,
}

fn default_temp_suffixes() -> Vec<String> {
    [".part", ".filepart", ".tmp", ".partial"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

impl Default for Layout {
    fn default() -> Self {
        Layout::default_d6()
    }
}

/// What the layout allows in one directory (a resolved [`FolderRule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DirRule {
    pub access: Access,
    pub inbox: bool,
    /// Sub-folders may be created and removed here.
    pub subdirs: bool,
}

impl DirRule {
    const READ_ONLY: DirRule = DirRule {
        access: Access::ReadOnly,
        inbox: false,
        subdirs: false,
    };
}

impl Layout {
    /// The layout of decision D6: an inbox per CSV file type with read-only `processed/` and
    /// `failed/` below it, `ach/outgoing` as the Nacha inbox with read-only `ach/processed`,
    /// `ach/failed` and `ach/incoming`, the `documents/` inbox with read-only `processed/` and
    /// `failed/` below it, and read-only
    /// `bank-account-reports/`, `reports/` and `sales_request/`.
    pub fn default_d6() -> Self {
        let mut folders = Vec::new();
        for file_type in DEFAULT_FILE_TYPES {
            folders.push(FolderRule::new(file_type, Access::ReadWrite, true));
            folders.push(FolderRule::new(
                format!("{file_type}/processed"),
                Access::ReadOnly,
                false,
            ));
            folders.push(FolderRule::new(
                format!("{file_type}/failed"),
                Access::ReadOnly,
                false,
            ));
        }
        folders.push(FolderRule::new("ach/outgoing", Access::ReadWrite, true));
        for ro in [
            "ach/processed",
            "ach/failed",
            "ach/incoming",
            "bank-account-reports",
            "reports",
            "sales_request",
        ] {
            folders.push(FolderRule::new(ro, Access::ReadOnly, false));
        }
        // Documents get a decision like any file (spec 01 §14.1: only PDF, JPEG, PNG, HTML):
        // accepted ones are kept in `documents/processed`, refused ones in `documents/failed`.
        folders.push(FolderRule::new("documents", Access::ReadWrite, true));
        folders.push(FolderRule::new(
            "documents/processed",
            Access::ReadOnly,
            false,
        ));
        folders.push(FolderRule::new("documents/failed", Access::ReadOnly, false));
        Layout {
            folders,
            temp_suffixes: default_temp_suffixes(),
            processing_prefix: None,
        }
    }

    /// Checks that every folder path is relative, free of `.`/`..`/empty components, listed once,
    /// and that inboxes are writable.
    pub fn validate(&self) -> Result<(), Error> {
        let mut seen = HashSet::new();
        for rule in &self.folders {
            if rule.path.starts_with('/') || rule.path.contains('\\') || rule.path.contains('\0') {
                return Err(Error::Layout(format!(
                    "folder {:?} must be a relative path with / separators",
                    rule.path
                )));
            }
            let comps: Vec<&str> = rule.path.split('/').collect();
            if comps
                .iter()
                .any(|c| c.is_empty() || *c == "." || *c == "..")
            {
                return Err(Error::Layout(format!(
                    "folder {:?} has an empty, `.` or `..` component",
                    rule.path
                )));
            }
            if !seen.insert(comps.join("/")) {
                return Err(Error::Layout(format!(
                    "folder {:?} is listed twice",
                    rule.path
                )));
            }
            if rule.inbox && !rule.access.can_write() {
                return Err(Error::Layout(format!(
                    "folder {:?} is an inbox but not writable",
                    rule.path
                )));
            }
        }
        Ok(())
    }

    /// Creates the partner's root and every folder of the layout beneath it (existing ones are
    /// kept). Run when a partner is added; the server also runs it at each login.
    pub fn create_tree(&self, root: &Path) -> Result<(), Error> {
        self.validate()?;
        std::fs::create_dir_all(root).map_err(|e| Error::io("create partner root", root, e))?;
        let dir = cap_std::fs::Dir::open_ambient_dir(root, cap_std::ambient_authority())
            .map_err(|e| Error::io("open partner root", root, e))?;
        for rule in &self.folders {
            // Beneath the root handle, so a symlink planted in the tree cannot redirect creation.
            dir.create_dir_all(&rule.path)
                .map_err(|e| Error::io("create folder", root.join(&rule.path), e))?;
        }
        Ok(())
    }

    /// The rule for the directory with these path components (relative to the partner root).
    pub(crate) fn dir_rule(&self, dir: &[String]) -> DirRule {
        let mut inherited = None;
        let mut inherited_len = 0;
        for rule in &self.folders {
            let mut n = 0;
            let mut prefix = true;
            for c in rule.components() {
                if dir.get(n).map(String::as_str) != Some(c) {
                    prefix = false;
                    break;
                }
                n += 1;
            }
            if !prefix {
                continue;
            }
            if n == dir.len() {
                return DirRule {
                    access: rule.access,
                    inbox: rule.inbox,
                    subdirs: rule.subdirs,
                };
            }
            if rule.subdirs && n > inherited_len {
                inherited = Some(rule);
                inherited_len = n;
            }
        }
        match inherited {
            Some(rule) => DirRule {
                access: rule.access,
                inbox: false,
                subdirs: true,
            },
            None => DirRule::READ_ONLY,
        }
    }

    /// Whether a file name is one a client uses while a transfer is in progress (or a dot-file).
    pub fn is_temp_name(&self, name: &str) -> bool {
        name.starts_with('.')
            || self.temp_suffixes.iter().any(|suffix| {
                name.len() >= suffix.len()
                    && name.is_char_boundary(name.len() - suffix.len())
                    && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
            })
    }

    /// The inbox folders, as paths relative to the partner root.
    pub fn inbox_folders(&self) -> impl Iterator<Item = &str> {
        self.folders
            .iter()
            .filter(|r| r.inbox)
            .map(|r| r.path.as_str())
    }

    /// The writable folders, as paths relative to the partner root.
    pub(crate) fn writable_folders(&self) -> impl Iterator<Item = &FolderRule> {
        self.folders.iter().filter(|r| r.access.can_write())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comps(p: &str) -> Vec<String> {
        p.split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn d6_rules() {
        let l = Layout::default_d6();
        l.validate().unwrap();
        assert_eq!(l.dir_rule(&comps("transaction")).access, Access::ReadWrite);
        assert!(l.dir_rule(&comps("transaction")).inbox);
        assert_eq!(
            l.dir_rule(&comps("transaction/processed")).access,
            Access::ReadOnly
        );
        assert_eq!(l.dir_rule(&comps("ach")).access, Access::ReadOnly);
        assert!(l.dir_rule(&comps("ach/outgoing")).inbox);
        assert_eq!(l.dir_rule(&comps("")).access, Access::ReadOnly);
        assert_eq!(l.dir_rule(&comps("documents")).access, Access::ReadWrite);
        assert!(l.dir_rule(&comps("documents")).inbox);
        assert_eq!(
            l.dir_rule(&comps("documents/processed")).access,
            Access::ReadOnly
        );
        // Unknown folders below an inbox are read-only: sub-folders are off by default.
        assert_eq!(l.dir_rule(&comps("transaction/x")).access, Access::ReadOnly);
        assert_eq!(l.inbox_folders().count(), 14);
    }

    #[test]
    fn subdirs_inherit() {
        let mut l = Layout::default_d6();
        for r in &mut l.folders {
            if r.path == "documents" {
                r.subdirs = true;
            }
        }
        let rule = l.dir_rule(&comps("documents/a/b"));
        assert_eq!(rule.access, Access::ReadWrite);
        assert!(rule.subdirs && !rule.inbox);
    }

    #[test]
    fn temp_names() {
        let l = Layout::default_d6();
        for n in [
            ".x.csv",
            "a.csv.part",
            "a.FILEPART",
            "b.tmp",
            "c.Partial",
            ".part",
        ] {
            assert!(l.is_temp_name(n), "{n}");
        }
        for n in ["a.csv", "2026-01-27_transaction_v1", "part", "tmp.csv"] {
            assert!(!l.is_temp_name(n), "{n}");
        }
    }

    #[test]
    fn validate_rejects_bad_paths() {
        for bad in ["/abs", "a/../b", "a//b", "", "./a"] {
            let l = Layout {
                folders: vec![FolderRule::new(bad, Access::ReadOnly, false)],
                temp_suffixes: vec![],
                processing_prefix: None,
            };
            assert!(l.validate().is_err(), "{bad}");
        }
        let l = Layout {
            folders: vec![FolderRule::new("ro", Access::ReadOnly, true)],
            temp_suffixes: vec![],
            processing_prefix: None,
        };
        assert!(l.validate().is_err());
    }

    #[test]
    fn toml_round_trip() {
        let text = r#"
            temp_suffixes = [".part"]
            [[folders]]
            path = "transaction"
            access = "read_write"
            inbox = true
            [[folders]]
            path = "reports"
            access = "read_only"
        "#;
        let l: Layout = toml::from_str(text).unwrap();
        assert_eq!(l.folders.len(), 2);
        assert!(l.folders[0].inbox && !l.folders[1].inbox);
        let d6 = Layout::default_d6();
        let back: Layout = toml::from_str(&toml::to_string(&d6).unwrap()).unwrap();
        assert_eq!(back, d6);
    }
}
