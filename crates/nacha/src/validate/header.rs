//! File header (type 1) and batch header (type 5) checks.

use super::{num, show, BatchState, Finding, Rec, State, Validator};
use crate::date::Date;
use crate::layout::{batch_header as bh, file_header as fh, iat_batch_header as ibh};
use crate::routing;
use crate::SecCode;

impl Validator {
    pub(super) fn file_header(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        match self.state {
            State::Start => self.state = State::BetweenBatches,
            State::AfterFileControl => {
                return self.out_of_order(r, out, "file header after the file control record")
            }
            _ => self.out_of_order(r, out, "a second file header record"),
        }
        self.check_layout(r, fh::LAYOUT, out);
        if !r.check_fields {
            return;
        }
        let dest = fh::IMMEDIATE_DESTINATION.get(r.b);
        // The standard form is a space and a 9-digit routing number; a 10-digit
        // value is tolerated (some operators write a leading zero or a company number).
        let digits = dest.strip_prefix(b" ").unwrap_or(dest);
        if !digits.iter().all(u8::is_ascii_digit) || digits.len() < 9 {
            self.emit(
                out,
                r.line,
                '1',
                fh::IMMEDIATE_DESTINATION.name,
                "numeric",
                "immediate_destination must be a space and a 9-digit routing number".into(),
            );
        } else if digits.len() == 9 && !routing::is_valid_bytes(digits) {
            self.emit(
                out,
                r.line,
                '1',
                fh::IMMEDIATE_DESTINATION.name,
                "check_digit",
                "immediate_destination routing number has a wrong check digit".into(),
            );
        }
        let m = fh::FILE_ID_MODIFIER.get(r.b)[0];
        if !(m.is_ascii_uppercase() || m.is_ascii_digit()) {
            let msg = format!("file_id_modifier must be A-Z or 0-9, found {}", show(&[m]));
            self.emit(
                out,
                r.line,
                '1',
                fh::FILE_ID_MODIFIER.name,
                "invalid_value",
                msg,
            );
        }
    }

    pub(super) fn batch_header(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        match self.state {
            State::Start => {
                self.out_of_order(r, out, "batch header before the file header");
            }
            State::InBatch => {
                self.out_of_order(
                    r,
                    out,
                    "batch header inside an open batch: the previous batch has no batch control",
                );
                self.close_batch(out);
            }
            State::AfterFileControl => {
                return self.out_of_order(r, out, "batch header after the file control record")
            }
            State::BetweenBatches => {}
        }
        self.state = State::InBatch;
        self.summary.batches += 1;
        self.totals.batches += 1;

        let sec_bytes = bh::SEC_CODE.get(r.b);
        let sec = SecCode::from_bytes(sec_bytes);
        let layout = if sec == Some(SecCode::Iat) {
            ibh::LAYOUT
        } else {
            bh::LAYOUT
        };
        // An ENR batch may leave its effective entry date blank (automated enrollment entries
        // settle on no date); any other batch, or a filled one, is checked as a date.
        let date = bh::EFFECTIVE_ENTRY_DATE;
        let enr_blank = sec == Some(SecCode::Enr) && date.get(r.b).iter().all(|b| *b == b' ');
        self.check_layout_except(r, layout, enr_blank.then_some(date.name), out);

        let service_class =
            num(bh::SERVICE_CLASS_CODE.get(r.b)).and_then(|v| u16::try_from(v).ok());
        if let Some(sc) = service_class {
            let known = matches!(sc, 200 | 220 | 225 | 280);
            let adv_mismatch = known && ((sc == 280) != (sec == Some(SecCode::Adv)));
            if !known || (adv_mismatch && sec.is_some()) {
                let msg = if known {
                    format!(
                        "service class {sc} does not fit SEC code {}",
                        show(sec_bytes)
                    )
                } else {
                    format!("service class {sc} is not 200, 220, 225 or 280")
                };
                self.emit(
                    out,
                    r.line,
                    '5',
                    bh::SERVICE_CLASS_CODE.name,
                    "service_class_code",
                    msg,
                );
            }
        }
        match sec {
            None => {
                let msg = format!("{} is not a standard entry class code", show(sec_bytes));
                self.emit(out, r.line, '5', bh::SEC_CODE.name, "sec_code", msg);
            }
            Some(s) if !self.policy.allows(s) => {
                let msg = format!("SEC code {s} is not allowed for this program");
                self.emit(
                    out,
                    r.line,
                    '5',
                    bh::SEC_CODE.name,
                    "sec_code_not_allowed",
                    msg,
                );
            }
            Some(_) => {}
        }
        if sec == Some(SecCode::Iat) {
            self.iat_header_values(r, out);
        }
        let adv = sec == Some(SecCode::Adv);
        match self.adv_file {
            None => self.adv_file = Some(adv),
            Some(file_adv) if file_adv != adv => {
                // An ADV file (its file control has the ADV layout) holds ADV batches only,
                // as moov-io/ach `file.go` builds it: a file cannot be both.
                let msg = if file_adv {
                    format!("SEC code {} in a file whose first batch is ADV: an ADV file holds ADV batches only", show(sec_bytes))
                } else {
                    "an ADV batch in a file whose first batch is not ADV: an ADV file holds ADV batches only".to_string()
                };
                self.emit(out, r.line, '5', bh::SEC_CODE.name, "adv_mixed", msg);
            }
            Some(_) => {}
        }
        let status = bh::ORIGINATOR_STATUS_CODE.get(r.b)[0];
        if adv && matches!(status, b'1' | b'2') {
            // ADV files are prepared by an ACH operator: status 0 (spec 06 §9.3).
            let msg = format!(
                "originator_status_code of an ADV batch must be 0, found {}",
                show(&[status])
            );
            self.emit(
                out,
                r.line,
                '5',
                bh::ORIGINATOR_STATUS_CODE.name,
                "invalid_value",
                msg,
            );
        } else if !matches!(status, b'0' | b'1' | b'2') {
            let msg = format!(
                "originator_status_code must be 0, 1 or 2, found {}",
                show(&[status])
            );
            self.emit(
                out,
                r.line,
                '5',
                bh::ORIGINATOR_STATUS_CODE.name,
                "invalid_value",
                msg,
            );
        }
        if let Some(n) = num(bh::BATCH_NUMBER.get(r.b)) {
            if let Some(prev) = self.last_batch_number {
                if n <= prev {
                    let msg = format!("batch number {n} does not ascend (previous batch {prev})");
                    self.emit(out, r.line, '5', bh::BATCH_NUMBER.name, "batch_number", msg);
                }
            }
            self.last_batch_number = Some(n);
        }
        self.effective_date(r, out);

        self.batch = Some(BatchState {
            line: r.line,
            header: *r.b,
            sec,
            adv,
            service_class,
            entries: 0,
            entry_addenda: 0,
            hash: 0,
            hash_unknown: false,
            debit: 0,
            credit: 0,
            amount_unknown: false,
            last_trace: None,
            entry: None,
        });
    }

    fn iat_header_values(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        let fx = ibh::FOREIGN_EXCHANGE_INDICATOR.get(r.b);
        if !matches!(fx, b"FV" | b"VF" | b"FF") {
            let msg = format!(
                "foreign_exchange_indicator must be FV, VF or FF, found {}",
                show(fx)
            );
            self.emit(
                out,
                r.line,
                '5',
                ibh::FOREIGN_EXCHANGE_INDICATOR.name,
                "invalid_value",
                msg,
            );
        }
        let fxr = ibh::FOREIGN_EXCHANGE_REFERENCE_INDICATOR.get(r.b);
        if !matches!(fxr, b"1" | b"2" | b"3") {
            let msg = format!(
                "foreign_exchange_reference_indicator must be 1, 2 or 3, found {}",
                show(fxr)
            );
            let name = ibh::FOREIGN_EXCHANGE_REFERENCE_INDICATOR.name;
            self.emit(out, r.line, '5', name, "invalid_value", msg);
        }
    }

    fn effective_date(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        let Some(today) = self.policy.today else {
            return;
        };
        let Some(date) = Date::from_yymmdd(bh::EFFECTIVE_ENTRY_DATE.get(r.b)) else {
            return;
        };
        let age = today.days_since_epoch() - date.days_since_epoch();
        if age > i64::from(self.policy.max_effective_date_age_days) {
            let msg = format!(
                "effective entry date {date} is {age} day(s) before {today}; at most {} allowed",
                self.policy.max_effective_date_age_days
            );
            let name = bh::EFFECTIVE_ENTRY_DATE.name;
            self.emit(out, r.line, '5', name, "effective_date_past", msg);
        } else if age == 0 && !self.policy.same_day_allowed {
            let msg = format!("effective entry date {date} is today: same-day entries are not allowed for this program");
            let name = bh::EFFECTIVE_ENTRY_DATE.name;
            self.emit(out, r.line, '5', name, "same_day_not_allowed", msg);
        }
    }
}
