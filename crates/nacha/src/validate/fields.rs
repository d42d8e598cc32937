//! Generic format checks driven by the layout tables.

use super::{show_field, Finding, Rec, Validator};
use crate::date::{Date, Time};
use crate::layout::{Field, Kind};

impl Validator {
    /// Checks every field of `layout` against its [`Kind`]. Semantic fields are left
    /// to the record's own checks. Nothing is checked for a record of the wrong length.
    pub(super) fn check_layout(&mut self, r: &Rec, layout: &[Field], out: &mut dyn FnMut(Finding)) {
        self.check_layout_except(r, layout, None, out);
    }

    /// [`Validator::check_layout`] without the field named `skip`, which the record's own checks
    /// judge (e.g. an ENR batch's blank effective entry date).
    pub(super) fn check_layout_except(
        &mut self,
        r: &Rec,
        layout: &[Field],
        skip: Option<&str>,
        out: &mut dyn FnMut(Finding),
    ) {
        if !r.check_fields {
            return;
        }
        for f in layout.iter().filter(|f| Some(f.name) != skip) {
            self.check_field(r, f, out);
        }
    }

    /// Checks one field's format; returns whether it passed.
    pub(super) fn check_field(&mut self, r: &Rec, f: &Field, out: &mut dyn FnMut(Finding)) -> bool {
        let v = f.get(r.b);
        let (code, msg): (&'static str, String) = match f.kind {
            Kind::Semantic => return true,
            Kind::Const(c) => {
                if v == c {
                    return true;
                }
                (
                    "constant",
                    format!(
                        "{} must be {}, found {}",
                        f.name,
                        super::show(c),
                        show_field(f.name, v)
                    ),
                )
            }
            Kind::Numeric => {
                if v.iter().all(u8::is_ascii_digit) {
                    return true;
                }
                (
                    "numeric",
                    format!(
                        "{} must be {} digits, found {}",
                        f.name,
                        f.len,
                        show_field(f.name, v)
                    ),
                )
            }
            Kind::Alnum | Kind::Required => {
                if !is_printable(v) {
                    (
                        "alphanumeric",
                        format!(
                            "{} contains a character outside printable ASCII: {}",
                            f.name,
                            show_field(f.name, v)
                        ),
                    )
                } else if f.kind == Kind::Required && is_blank(v) {
                    ("required", format!("{} is mandatory but blank", f.name))
                } else {
                    return true;
                }
            }
            Kind::Date => {
                if Date::from_yymmdd(v).is_some() {
                    return true;
                }
                (
                    "date",
                    format!(
                        "{} must be a YYMMDD date, found {}",
                        f.name,
                        show_field(f.name, v)
                    ),
                )
            }
            Kind::OptTime => {
                if is_blank(v) || Time::from_hhmm(v).is_some() {
                    return true;
                }
                (
                    "time",
                    format!(
                        "{} must be HHMM or blank, found {}",
                        f.name,
                        show_field(f.name, v)
                    ),
                )
            }
            Kind::OptJulian | Kind::Julian => {
                let blank_ok = f.kind == Kind::OptJulian && is_blank(v);
                let ok = blank_ok || super::num(v).is_some_and(|d| (1..=366).contains(&d));
                if ok {
                    return true;
                }
                (
                    "date",
                    format!(
                        "{} must be {}a Julian day 001-366, found {}",
                        f.name,
                        if f.kind == Kind::OptJulian {
                            "blank or "
                        } else {
                            ""
                        },
                        show_field(f.name, v)
                    ),
                )
            }
            Kind::Blank => {
                if is_blank(v) {
                    return true;
                }
                if !is_printable(v) {
                    (
                        "alphanumeric",
                        format!("{} contains a character outside printable ASCII", f.name),
                    )
                } else {
                    (
                        "reserved_not_blank",
                        format!(
                            "{} is reserved and should be blank, found {}",
                            f.name,
                            show_field(f.name, v)
                        ),
                    )
                }
            }
        };
        self.emit(out, r.line, r.rt(), f.name, code, msg);
        false
    }
}

/// Printable ASCII: the standard allows any byte above 0x1F; bytes above 0x7E are
/// not ASCII at all.
pub(crate) fn is_printable(v: &[u8]) -> bool {
    v.iter().all(|b| (0x20..0x7f).contains(b))
}

pub(crate) fn is_blank(v: &[u8]) -> bool {
    v.iter().all(|b| *b == b' ')
}
