//! Documents (spec 01 §14.1): a file a partner puts into `documents/` is accepted only when its
//! name ends in an accepted extension (PDF, JPG, JPEG, PNG, HTML; any case: a project default,
//! the case rule is an open question) and its first bytes are that kind of document. The
//! content decides, not the name: a program renamed `id.pdf` is refused
//! (`document_type_not_allowed`), and so are PDF bytes named `id.png`
//! (`document_content_mismatch`). Only the first [`SNIFF_BYTES`] are looked at; the rest is
//! hashed as it streams by.

use std::io::Read;
use validate::report::code;
use validate::{Outcome, Report};

/// The file type of documents in the ledger, status files and metrics.
pub const DOCUMENT: &str = "document";

/// The drop folder of documents (decision D6).
pub const FOLDER: &str = "documents";

/// Bytes read to recognise a document: HTML may begin with a BOM and some white space.
pub(crate) const SNIFF_BYTES: usize = 1024;

/// An accepted kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `%PDF-`.
    Pdf,
    /// `FF D8 FF`.
    Jpeg,
    /// `89 50 4E 47 0D 0A 1A 0A`.
    Png,
    /// `<!doctype html` or `<html` after an optional BOM and white space.
    Html,
}

impl Kind {
    /// The name recorded in the store and shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Jpeg => "jpeg",
            Kind::Png => "png",
            Kind::Html => "html",
        }
    }

    /// The kind a file name's extension promises (compared without regard to ASCII case).
    pub fn by_extension(name: &str) -> Option<Kind> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "pdf" => Some(Kind::Pdf),
            "jpg" | "jpeg" => Some(Kind::Jpeg),
            "png" => Some(Kind::Png),
            "html" => Some(Kind::Html),
            _ => None,
        }
    }

    /// The kind the first bytes of a file are, if any.
    pub fn sniff(head: &[u8]) -> Option<Kind> {
        if head.starts_with(b"%PDF-") {
            return Some(Kind::Pdf);
        }
        if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(Kind::Jpeg);
        }
        if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            return Some(Kind::Png);
        }
        let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
        let text = &text[start..];
        for tag in [&b"<!doctype html"[..], b"<html"] {
            let Some(prefix) = text.get(..tag.len()) else {
                continue;
            };
            // The tag must end there: `<htmlx` is not HTML.
            let next = text.get(tag.len()).copied();
            if prefix.eq_ignore_ascii_case(tag)
                && next.is_some_and(|b| b == b'>' || b.is_ascii_whitespace())
            {
                return Some(Kind::Html);
            }
        }
        None
    }
}

/// The extensions accepted, for messages.
const EXTENSIONS: &str = ".pdf, .jpg, .jpeg, .png or .html (any case)";

/// What the first bytes look like, for a refusal's message: a known program format by name.
fn describe(head: &[u8]) -> String {
    let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02X}")).collect();
    let what = if head.starts_with(b"\x7FELF") {
        ": an ELF program"
    } else if head.starts_with(b"MZ") {
        ": a Windows program"
    } else if head.starts_with(b"#!") {
        ": a script"
    } else {
        ""
    };
    format!("they begin `{}`{what}", hex.join(" "))
}

/// Reads up to [`SNIFF_BYTES`] from `r` (fewer only at its end).
pub(crate) fn read_head(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    r.by_ref().take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The decision on a document named `name` whose first bytes are `head`: its kind, or the
/// rejection's report.
pub(crate) fn judge(name: &str, head: &[u8]) -> Result<Kind, Report> {
    let refuse = |code, m: String| Err(Report::file_error(DOCUMENT, code, m));
    let Some(promised) = Kind::by_extension(name) else {
        return refuse(
            code::DOCUMENT_TYPE_NOT_ALLOWED,
            format!("a document's name must end in {EXTENSIONS}"),
        );
    };
    if head.is_empty() {
        return refuse(
            code::DOCUMENT_TYPE_NOT_ALLOWED,
            "the file is empty: no PDF, JPEG, PNG or HTML document".into(),
        );
    }
    match Kind::sniff(head) {
        None => refuse(
            code::DOCUMENT_TYPE_NOT_ALLOWED,
            format!(
                "the bytes are not a PDF, JPEG, PNG or HTML document ({}); only those are accepted",
                describe(head)
            ),
        ),
        Some(found) if found != promised => refuse(
            code::DOCUMENT_CONTENT_MISMATCH,
            format!(
                "the name says {} but the bytes are {}; name the file after its content",
                promised.name(),
                found.name()
            ),
        ),
        Some(found) => Ok(found),
    }
}

/// The report of an accepted document.
pub(crate) fn accepted(bytes: u64) -> Report {
    Report {
        file_type: DOCUMENT.to_string(),
        outcome: Outcome::Accepted,
        rows: 0,
        bytes,
        error_count: 0,
        warning_count: 0,
        errors: Vec::new(),
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_and_must_agree_with_the_extension() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0];
        assert_eq!(judge("a.PDF", b"%PDF-1.7\n").ok(), Some(Kind::Pdf));
        assert_eq!(
            judge("a.Jpg", &[0xFF, 0xD8, 0xFF, 0xE0]).ok(),
            Some(Kind::Jpeg)
        );
        assert_eq!(
            judge("a.jpeg", &[0xFF, 0xD8, 0xFF, 0xE1]).ok(),
            Some(Kind::Jpeg)
        );
        assert_eq!(judge("a.png", &png).ok(), Some(Kind::Png));
        assert_eq!(
            judge("a.html", b"\xEF\xBB\xBF \n<!DOCTYPE html>").ok(),
            Some(Kind::Html)
        );
        assert_eq!(judge("a.html", b"<HTML lang=en>").ok(), Some(Kind::Html));
        let code_of = |n: &str, b: &[u8]| judge(n, b).unwrap_err().errors[0].code;
        assert_eq!(code_of("a.html", b"<htmlx>"), "document_type_not_allowed");
        assert_eq!(
            code_of("id.pdf", b"\x7FELF\x02\x01"),
            "document_type_not_allowed"
        );
        assert_eq!(
            code_of("id.pdf", b"MZ\x90\x00"),
            "document_type_not_allowed"
        );
        assert_eq!(code_of("id.png", b"%PDF-1.4"), "document_content_mismatch");
        assert_eq!(code_of("id.exe", b"%PDF-1.4"), "document_type_not_allowed");
        assert_eq!(code_of("id.htm", b"<html>"), "document_type_not_allowed");
        assert_eq!(code_of("id.pdf", b""), "document_type_not_allowed");
        let m = judge("id.pdf", b"\x7FELF\x02\x01").unwrap_err().errors[0]
            .message
            .clone();
        assert!(m.contains("`7F 45 4C 46 02 01`: an ELF program"), "{m}");
    }
}
