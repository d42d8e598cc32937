//! Addenda (type 7) checks: 02, 05, 98, 99 and IAT 10–18.

use super::fields::{is_blank, is_printable};
use super::{num, show, EntryState, Finding, Rec, State, Validator};
use crate::layout::addenda as ad;
use crate::reasons::{self, ReturnKind};
use crate::txcode::{TxCode, TxKind};
use crate::{routing, SecCode};

/// What the addenda checks need to know about the entry they belong to.
struct Ctx {
    sec: Option<SecCode>,
    entry: EntryState,
}

impl Validator {
    pub(super) fn addenda(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        match self.state {
            State::InBatch => {}
            State::AfterFileControl => {
                return self.out_of_order(r, out, "addenda after the file control record")
            }
            _ => return self.out_of_order(r, out, "addenda outside a batch"),
        }
        let Some(batch) = self.batch.as_mut() else {
            return;
        };
        let sec = batch.sec;
        let Some(entry) = batch.entry.as_mut() else {
            return self.out_of_order(
                r,
                out,
                "addenda record not preceded by an entry detail record",
            );
        };
        entry.addenda += 1;
        batch.entry_addenda += 1;
        self.summary.addenda += 1;
        let mut ctx = Ctx {
            sec,
            entry: entry.clone(),
        };

        if ctx.entry.indicator == Some(0) && !ctx.entry.indicator_reported {
            if let Some(e) = self.batch.as_mut().and_then(|b| b.entry.as_mut()) {
                e.indicator_reported = true;
            }
            self.emit(
                out,
                ctx.entry.line,
                '6',
                crate::layout::entry::ADDENDA_RECORD_INDICATOR.name,
                "addenda_indicator",
                "addenda record indicator is 0 but addenda records follow".into(),
            );
        }

        let type_bytes = ad::TYPE_CODE.get(r.b);
        let type_code = num(type_bytes).and_then(|v| u8::try_from(v).ok());
        let Some((tc, layout)) = type_code.and_then(|t| ad::layout(t).map(|l| (t, l))) else {
            let msg = format!(
                "addenda type code {} is not 02, 05, 10-18, 98 or 99",
                show(type_bytes)
            );
            self.emit(out, r.line, '7', ad::TYPE_CODE.name, "addenda_type", msg);
            return;
        };
        self.type_allowed(r, out, tc, &ctx);
        // Dishonored and contested returns have addenda 99 layouts of their own.
        let layout = if tc == 99 {
            ad::layout_99(ad::RETURN_REASON_CODE.get(r.b))
        } else {
            layout
        };
        self.check_layout(r, layout, out);
        match tc {
            2 => self.addenda_02(r, out, &mut ctx),
            5 => self.addenda_05(r, out, &mut ctx),
            98 => self.addenda_98(r, out, &mut ctx),
            99 => self.addenda_99(r, out, &mut ctx),
            _ => self.addenda_iat(r, out, tc, &mut ctx),
        }
        if let Some(e) = self.batch.as_mut().and_then(|b| b.entry.as_mut()) {
            let indicator_reported = e.indicator_reported;
            *e = ctx.entry;
            e.indicator_reported = indicator_reported;
        }
    }

    fn type_allowed(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), tc: u8, ctx: &Ctx) {
        let Some(sec) = ctx.sec else {
            return;
        };
        let why = match tc {
            2 if !sec.allows_addenda_02() => Some(format!("addenda 02 is not used with {sec}")),
            5 if sec.max_addenda_05().is_none() => {
                Some(format!("addenda 05 is not allowed with {sec}"))
            }
            98 if sec != SecCode::Cor => Some("addenda 98 belongs in a COR batch".to_string()),
            99 if sec == SecCode::Cor => Some("addenda 99 is not used in a COR batch".to_string()),
            99 if ctx.entry.tx.is_some_and(|t| t.kind != TxKind::ReturnOrNoc) => Some(
                "addenda 99 follows an entry whose transaction code is not a return code"
                    .to_string(),
            ),
            10..=18 if sec != SecCode::Iat => Some(format!("addenda {tc} belongs in an IAT batch")),
            _ => None,
        };
        if let Some(msg) = why {
            self.emit(
                out,
                r.line,
                '7',
                ad::TYPE_CODE.name,
                "addenda_type_not_allowed",
                msg,
            );
        }
    }

    /// Compares an addenda trace number (02, 98, 99) with its entry's.
    fn same_trace(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), ctx: &Ctx) {
        if let (Some(t), Some(et)) = (num(ad::TRACE_NUMBER.get(r.b)), ctx.entry.trace) {
            if t != et {
                let msg = format!("addenda trace number {t:015} differs from its entry's {et:015}");
                self.emit(
                    out,
                    r.line,
                    '7',
                    ad::TRACE_NUMBER.name,
                    "addenda_trace",
                    msg,
                );
            }
        }
    }

    /// Compares an entry detail sequence number (05, IAT) with its entry's trace.
    fn same_sequence(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), ctx: &Ctx) {
        let f = ad::ENTRY_DETAIL_SEQUENCE_NUMBER;
        if let (Some(s), Some(et)) = (num(f.get(r.b)), ctx.entry.trace) {
            if s != et % 10_000_000 {
                let msg = format!(
                    "entry detail sequence number {s:07} is not the last 7 digits of the entry's trace {et:015}"
                );
                self.emit(out, r.line, '7', f.name, "addenda_trace", msg);
            }
        }
    }

    fn addenda_02(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), ctx: &mut Ctx) {
        ctx.entry.count_02 += 1;
        if ctx.entry.count_02 > 1 {
            let msg = "an entry carries at most one addenda 02".to_string();
            self.emit(out, r.line, '7', ad::TYPE_CODE.name, "addenda_count", msg);
        }
        let d = ad::TRANSACTION_DATE.get(r.b);
        let ok = num(d).is_some_and(|v| {
            let (m, day) = (v / 100, v % 100);
            (1..=12).contains(&m) && (1..=31).contains(&day)
        });
        if !ok && r.check_fields {
            let msg = format!("transaction_date must be MMDD, found {}", show(d));
            self.emit(out, r.line, '7', ad::TRANSACTION_DATE.name, "date", msg);
        }
        self.same_trace(r, out, ctx);
    }

    fn addenda_05(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), ctx: &mut Ctx) {
        ctx.entry.count_05 += 1;
        let n = ctx.entry.count_05;
        if let Some(max) = ctx.sec.and_then(SecCode::max_addenda_05) {
            if n == max + 1 {
                let msg = format!("at most {max} addenda 05 per entry in this batch");
                self.emit(out, r.line, '7', ad::TYPE_CODE.name, "addenda_count", msg);
            }
        }
        let f = ad::ADDENDA_SEQUENCE_NUMBER;
        if let Some(s) = num(f.get(r.b)) {
            if s != u64::from(n) {
                let msg = format!("addenda sequence number {s:04} should be {n:04}");
                self.emit(out, r.line, '7', f.name, "addenda_sequence", msg);
            }
        }
        self.same_sequence(r, out, ctx);
    }

    fn return_or_noc_count(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), ctx: &mut Ctx) {
        ctx.entry.count_9x += 1;
        if ctx.entry.count_9x == 2 {
            let msg = "an entry carries one return (99) or NOC (98) addenda".to_string();
            self.emit(out, r.line, '7', ad::TYPE_CODE.name, "addenda_count", msg);
        }
    }

    fn addenda_98(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), ctx: &mut Ctx) {
        ctx.entry.has_98 = true;
        self.return_or_noc_count(r, out, ctx);
        let code = ad::CHANGE_CODE.get(r.b);
        let code_str = std::str::from_utf8(code).unwrap_or("");
        if !reasons::is_change_code(code_str) {
            let msg = format!("{} is not a change code (C01-C14, C61-C69)", show(code));
            self.emit(out, r.line, '7', ad::CHANGE_CODE.name, "change_code", msg);
        } else if r.check_fields {
            let data = ad::CORRECTED_DATA.get(r.b);
            if !is_printable(data) {
                let msg = "corrected_data contains a character outside printable ASCII".to_string();
                self.emit(
                    out,
                    r.line,
                    '7',
                    ad::CORRECTED_DATA.name,
                    "alphanumeric",
                    msg,
                );
            } else if let Err(why) = corrected_data_ok(code, data) {
                let msg = format!("corrected data for {code_str}: {why}");
                self.emit(
                    out,
                    r.line,
                    '7',
                    ad::CORRECTED_DATA.name,
                    "corrected_data",
                    msg,
                );
            }
        }
        self.same_trace(r, out, ctx);
    }

    fn addenda_99(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), ctx: &mut Ctx) {
        ctx.entry.has_99 = true;
        self.return_or_noc_count(r, out, ctx);
        let code = ad::RETURN_REASON_CODE.get(r.b);
        let code_str = std::str::from_utf8(code).unwrap_or("");
        if !reasons::is_return_code(code_str) {
            let msg = format!("{} is not a return reason code", show(code));
            self.emit(
                out,
                r.line,
                '7',
                ad::RETURN_REASON_CODE.name,
                "return_reason_code",
                msg,
            );
        }
        match reasons::return_kind(code) {
            ReturnKind::Return => {}
            ReturnKind::Dishonored => {
                self.prior_reason(r, out, ad::RETURN_REASON_2);
                return self.same_trace(r, out, ctx);
            }
            ReturnKind::Contested => {
                self.prior_reason(r, out, ad::RETURN_REASON_2);
                self.prior_reason(r, out, ad::DISHONORED_REASON_2);
                let d = ad::DISHONORED_REASON_2.get(r.b);
                let dishonor = [b"R".as_slice(), d].concat();
                if num(d).is_some() && reasons::return_kind(&dishonor) != ReturnKind::Dishonored {
                    let msg = format!(
                        "a contested return answers a dishonored return (R61, R67-R70), not R{}",
                        String::from_utf8_lossy(d)
                    );
                    self.emit(
                        out,
                        r.line,
                        '7',
                        ad::DISHONORED_REASON_2.name,
                        "return_reason_code",
                        msg,
                    );
                }
                return self.same_trace(r, out, ctx);
            }
        }
        let dod = ad::DATE_OF_DEATH.get(r.b);
        if r.check_fields {
            if reasons::has_date_of_death(code) {
                if crate::Date::from_yymmdd(dod).is_none() {
                    let msg = format!(
                        "{code_str} needs a date of death YYMMDD, found {}",
                        show(dod)
                    );
                    self.emit(out, r.line, '7', ad::DATE_OF_DEATH.name, "date", msg);
                }
            } else if !is_blank(dod) {
                let msg = format!(
                    "date_of_death is only used with R14/R15; found {}",
                    show(dod)
                );
                self.emit(
                    out,
                    r.line,
                    '7',
                    ad::DATE_OF_DEATH.name,
                    "reserved_not_blank",
                    msg,
                );
            }
        }
        self.same_trace(r, out, ctx);
    }

    /// A two-digit reason code of an earlier return (dishonored and contested layouts): `R`
    /// and it must be a return reason code.
    fn prior_reason(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), f: crate::layout::Field) {
        let two = f.get(r.b);
        // Not digits: the layout check has reported it.
        if num(two).is_none() {
            return;
        }
        // Digits only (checked above), so the bytes are ASCII.
        let code = format!("R{}", String::from_utf8_lossy(two));
        if !reasons::is_return_code(&code) {
            let msg = format!("{code} is not a return reason code");
            self.emit(out, r.line, '7', f.name, "return_reason_code", msg);
        }
    }

    fn addenda_iat(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), tc: u8, ctx: &mut Ctx) {
        let e = &mut ctx.entry;
        let order_problem = match tc {
            10..=16 => {
                let expected = e.iat_next;
                e.iat_next = tc + 1;
                (tc != expected).then(|| format!("expected addenda {expected} here, found {tc}"))
            }
            17 => {
                e.count_17 += 1;
                if e.iat_next <= 16 {
                    Some(format!(
                        "addenda 17 before the mandatory addenda {}",
                        e.iat_next
                    ))
                } else if e.count_18 > 0 {
                    Some("addenda 17 after addenda 18".to_string())
                } else {
                    None
                }
            }
            _ => {
                e.count_18 += 1;
                (e.iat_next <= 16)
                    .then(|| format!("addenda 18 before the mandatory addenda {}", e.iat_next))
            }
        };
        let (count_17, count_18) = (e.count_17, e.count_18);
        if let Some(msg) = order_problem {
            self.emit(
                out,
                r.line,
                '7',
                ad::TYPE_CODE.name,
                "addenda_sequence",
                msg,
            );
        }
        let (count, max) = match tc {
            17 => (count_17, 2),
            18 => (count_18, 5),
            _ => (0, 0),
        };
        if tc >= 17 {
            if count == max + 1 {
                let msg = format!("at most {max} addenda {tc} per IAT entry");
                self.emit(out, r.line, '7', ad::TYPE_CODE.name, "addenda_count", msg);
            }
            let f = ad::ADDENDA_SEQUENCE_NUMBER;
            if let Some(s) = num(f.get(r.b)) {
                if s != u64::from(count) {
                    let msg = format!("addenda sequence number {s:04} should be {count:04}");
                    self.emit(out, r.line, '7', f.name, "addenda_sequence", msg);
                }
            }
        }
        if matches!(tc, 13 | 14 | 18) {
            let start = ad::IAT_QUALIFIER_START - 1;
            let q = &r.b[start..start + 2];
            if !matches!(q, b"01" | b"02" | b"03") {
                let name = match tc {
                    13 => "originating_dfi_identification_number_qualifier",
                    14 => "receiving_dfi_identification_number_qualifier",
                    _ => "foreign_correspondent_bank_identification_number_qualifier",
                };
                let msg = format!("{name} must be 01, 02 or 03, found {}", show(q));
                self.emit(out, r.line, '7', name, "invalid_value", msg);
            }
        }
        self.same_sequence(r, out, ctx);
    }
}

/// Layout of the corrected data field per change code (spec 06 §9.10).
fn corrected_data_ok(code: &[u8], d: &[u8]) -> Result<(), &'static str> {
    let routing_ok = |b: &[u8]| routing::is_valid_bytes(b);
    let tx_ok = |b: &[u8]| {
        num(b)
            .and_then(|v| u8::try_from(v).ok())
            .and_then(TxCode::new)
            .is_some()
    };
    let filled = |b: &[u8]| !is_blank(b);
    match code {
        b"C01" => filled(&d[..17])
            .then_some(())
            .ok_or("account number missing in positions 1-17"),
        b"C02" => routing_ok(&d[..9])
            .then_some(())
            .ok_or("positions 1-9 must be a valid routing number"),
        b"C03" => {
            if !routing_ok(&d[..9]) {
                Err("positions 1-9 must be a valid routing number")
            } else if !is_blank(&d[9..12]) {
                Err("positions 10-12 must be blank")
            } else if !filled(&d[12..29]) {
                Err("account number missing in positions 13-29")
            } else {
                Ok(())
            }
        }
        b"C04" | b"C09" => filled(&d[..22])
            .then_some(())
            .ok_or("positions 1-22 must not be blank"),
        b"C05" => tx_ok(&d[..2])
            .then_some(())
            .ok_or("positions 1-2 must be a transaction code"),
        b"C06" => {
            if !filled(&d[..17]) {
                Err("account number missing in positions 1-17")
            } else if !is_blank(&d[17..20]) {
                Err("positions 18-20 must be blank")
            } else if !tx_ok(&d[20..22]) {
                Err("positions 21-22 must be a transaction code")
            } else {
                Ok(())
            }
        }
        b"C07" => {
            if !routing_ok(&d[..9]) {
                Err("positions 1-9 must be a valid routing number")
            } else if !filled(&d[9..26]) {
                Err("account number missing in positions 10-26")
            } else if !tx_ok(&d[26..28]) {
                Err("positions 27-28 must be a transaction code")
            } else {
                Ok(())
            }
        }
        _ => filled(d)
            .then_some(())
            .ok_or("corrected data must not be blank"),
    }
}
