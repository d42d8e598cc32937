//! Reading and writing typed values in fixed-width fields.

use crate::error::{Error, ParseError};
use crate::layout::{Field, RECORD_LEN};
use crate::validate::show;

/// A 94-byte record buffer.
pub(crate) type Buf = [u8; RECORD_LEN];

/// Text field, trailing spaces removed.
pub(crate) fn text(rec: &Buf, f: Field) -> String {
    String::from_utf8_lossy(f.get(rec)).trim_end().to_string()
}

/// Text field, leading and trailing spaces removed (right-justified identifiers).
pub(crate) fn trimmed(rec: &Buf, f: Field) -> String {
    String::from_utf8_lossy(f.get(rec)).trim().to_string()
}

/// Numeric field.
pub(crate) fn number(rec: &Buf, f: Field) -> Result<u64, ParseError> {
    crate::validate::num(f.get(rec)).ok_or_else(|| ParseError {
        field: f.name,
        message: format!("not numeric: {}", show(f.get(rec))),
    })
}

/// Numeric field narrowed to a smaller integer type.
pub(crate) fn number_as<T: TryFrom<u64>>(rec: &Buf, f: Field) -> Result<T, ParseError> {
    let v = number(rec, f)?;
    T::try_from(v).map_err(|_| ParseError {
        field: f.name,
        message: format!("{v} is out of range"),
    })
}

/// Numeric field of up to 20 digits (ADV control totals); checked, never wraps.
pub(crate) fn number_wide(rec: &Buf, f: Field) -> Result<u64, ParseError> {
    let v = f.get(rec);
    crate::validate::num_wide(v).ok_or_else(|| ParseError {
        field: f.name,
        message: if v.iter().all(u8::is_ascii_digit) {
            format!("{} is out of range", show(v))
        } else {
            format!("not numeric: {}", show(v))
        },
    })
}

/// `YYMMDD` date field.
pub(crate) fn date(rec: &Buf, f: Field) -> Result<crate::Date, ParseError> {
    crate::Date::from_yymmdd(f.get(rec)).ok_or_else(|| ParseError {
        field: f.name,
        message: format!("not a YYMMDD date: {}", show(f.get(rec))),
    })
}

/// Writes left-justified, space-filled text.
pub(crate) fn put_text(rec: &mut Buf, f: Field, value: &str) -> Result<(), Error> {
    let b = value.as_bytes();
    check_text(f, b)?;
    let dst = f.get_mut(rec);
    dst.fill(b' ');
    dst[..b.len()].copy_from_slice(b);
    Ok(())
}

/// Writes right-justified, space-filled text (immediate destination and origin).
pub(crate) fn put_right(rec: &mut Buf, f: Field, value: &str) -> Result<(), Error> {
    let b = value.as_bytes();
    check_text(f, b)?;
    let dst = f.get_mut(rec);
    dst.fill(b' ');
    let start = dst.len() - b.len();
    dst[start..].copy_from_slice(b);
    Ok(())
}

/// Writes a right-justified, zero-filled number.
pub(crate) fn put_num(rec: &mut Buf, f: Field, value: u64) -> Result<(), Error> {
    let s = value.to_string();
    if s.len() > f.len {
        return Err(Error::Field {
            field: f.name,
            reason: format!("{value} has more than {} digits", f.len),
        });
    }
    let dst = f.get_mut(rec);
    dst.fill(b'0');
    let start = dst.len() - s.len();
    dst[start..].copy_from_slice(s.as_bytes());
    Ok(())
}

fn check_text(f: Field, b: &[u8]) -> Result<(), Error> {
    if b.len() > f.len {
        return Err(Error::Field {
            field: f.name,
            reason: format!("{} characters do not fit in {}", b.len(), f.len),
        });
    }
    if !b.iter().all(|c| (0x20..0x7f).contains(c)) {
        return Err(Error::Field {
            field: f.name,
            reason: "only printable ASCII characters are allowed".into(),
        });
    }
    Ok(())
}

/// A fresh record: the type code, everything else blank.
pub(crate) fn blank(record_type: u8) -> Buf {
    let mut b = [b' '; RECORD_LEN];
    b[0] = record_type;
    b
}
