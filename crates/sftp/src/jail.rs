//! A partner's jail: client paths are normalised lexically against `/` (the partner root), and
//! every file-system access goes through the root directory handle with cap-std, which resolves
//! paths beneath it with `openat2(RESOLVE_BENEATH)` (or an equivalent checked walk). So `..`,
//! absolute paths and symlinks — even one swapped in mid-request — cannot reach outside: the
//! kernel refuses, whatever the string said.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cap_std::fs::Dir;

use crate::layout::{DirRule, Layout};
use crate::names::is_upload_temp;

/// A path inside a partner's tree, as the partner sees it (`/` is the partner root).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct VPath {
    comps: Vec<String>,
}

impl VPath {
    /// Normalises a client path lexically: relative paths are taken from `/` (SFTP has no
    /// working directory; clients ask `realpath(".")` and get `/`), `.` is dropped and `..` stops
    /// at the root, as in a chroot. Nothing on disk is consulted, so the answer never depends on,
    /// nor reveals, the host's layout.
    pub fn parse(client: &str) -> VPath {
        let mut comps: Vec<String> = Vec::new();
        for c in client.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    comps.pop();
                }
                name => comps.push(name.to_string()),
            }
        }
        VPath { comps }
    }

    /// The path as the partner sees it, always absolute.
    pub fn display(&self) -> String {
        if self.comps.is_empty() {
            "/".to_string()
        } else {
            let mut s = String::new();
            for c in &self.comps {
                s.push('/');
                s.push_str(c);
            }
            s
        }
    }

    /// The path relative to the partner root, for cap-std and for events.
    pub fn relative(&self) -> PathBuf {
        if self.comps.is_empty() {
            PathBuf::from(".")
        } else {
            self.comps.iter().collect()
        }
    }

    pub fn components(&self) -> &[String] {
        &self.comps
    }

    pub fn is_root(&self) -> bool {
        self.comps.is_empty()
    }

    /// The last component, `None` for the root.
    pub fn name(&self) -> Option<&str> {
        self.comps.last().map(String::as_str)
    }

    /// The containing directory (the root is its own parent).
    pub fn parent(&self) -> VPath {
        let mut comps = self.comps.clone();
        comps.pop();
        VPath { comps }
    }

    /// Whether any component names one of the server's hidden upload files.
    pub fn touches_upload_temp(&self) -> bool {
        self.comps.iter().any(|c| is_upload_temp(c))
    }
}

/// A partner's root directory handle and layout.
pub(crate) struct Jail {
    root: Dir,
    layout: Arc<Layout>,
}

impl Jail {
    /// Opens the partner root. The host path is used once, here; everything after is relative to
    /// the handle.
    pub fn open(root: &Path, layout: Arc<Layout>) -> io::Result<Jail> {
        let root = Dir::open_ambient_dir(root, cap_std::ambient_authority())?;
        Ok(Jail { root, layout })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The rule of the directory `dir` itself.
    pub fn dir_rule(&self, dir: &VPath) -> DirRule {
        self.layout.dir_rule(dir.components())
    }

    /// Opens a directory beneath the root.
    pub fn open_dir(&self, dir: &VPath) -> io::Result<Dir> {
        if dir.is_root() {
            self.root.try_clone()
        } else {
            self.root.open_dir(dir.relative())
        }
    }

    /// The root handle, for operations that take a relative path.
    pub fn root(&self) -> &Dir {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalisation() {
        for (input, expect) in [
            ("", "/"),
            (".", "/"),
            ("/", "/"),
            ("..", "/"),
            ("../../etc/passwd", "/etc/passwd"),
            ("/etc/passwd", "/etc/passwd"),
            ("a/./b//c/", "/a/b/c"),
            ("a/../../b", "/b"),
            ("transaction/../ach/outgoing", "/ach/outgoing"),
        ] {
            assert_eq!(VPath::parse(input).display(), expect, "{input:?}");
        }
        assert_eq!(VPath::parse("/").relative(), PathBuf::from("."));
        assert_eq!(VPath::parse("/a/b").parent().display(), "/a");
        assert!(VPath::parse("/a/.bankdrop-upload-1/x").touches_upload_temp());
    }
}
