//! Entry detail (type 6) checks.

use super::{num, show, EntryState, Finding, Rec, State, Validator, HASH_MODULUS};
use crate::layout::{adv_entry as ae, entry as en, iat_entry as ie, Field};
use crate::sec::Direction;
use crate::txcode::{adv_is_credit, family_is_credit, TxCode, TxKind};
use crate::{routing, SecCode};

/// The entry layout for a batch's SEC code (positions 40–76 vary).
pub(crate) fn entry_layout(sec: Option<SecCode>) -> &'static [Field] {
    match sec {
        Some(SecCode::Ccd | SecCode::Ack) => en::CCD,
        Some(SecCode::Ctx | SecCode::Atx | SecCode::Enr | SecCode::Trx) => en::CTX,
        Some(SecCode::Cie) => en::CIE,
        Some(SecCode::Arc | SecCode::Boc | SecCode::Pop | SecCode::Rck | SecCode::Xck) => en::CHECK,
        Some(SecCode::Iat) => ie::LAYOUT,
        Some(SecCode::Adv) => ae::LAYOUT,
        _ => en::STANDARD,
    }
}

impl Validator {
    pub(super) fn entry(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        match self.state {
            State::InBatch => {}
            State::AfterFileControl => {
                return self.out_of_order(r, out, "entry detail after the file control record")
            }
            _ => return self.out_of_order(r, out, "entry detail outside a batch"),
        }
        self.close_entry(out);
        let Some(batch) = self.batch.as_ref() else {
            return;
        };
        if batch.adv {
            return self.adv_entry(r, out);
        }
        let sec = batch.sec;
        let service_class = batch.service_class;
        let odfi = *crate::layout::batch_header::ODFI
            .get(&batch.header)
            .first_chunk::<8>()
            .unwrap_or(&[b' '; 8]);
        let last_trace = batch.last_trace;
        self.check_layout(r, entry_layout(sec), out);
        self.summary.entries += 1;

        let code = num(en::TRANSACTION_CODE.get(r.b)).and_then(|c| u8::try_from(c).ok());
        let tx = code.and_then(TxCode::new);
        let amount = num(en::AMOUNT.get(r.b));
        if let (Some(c), None) = (code, tx) {
            let (code, msg) = if adv_is_credit(c).is_some() {
                let msg = format!("ADV transaction code {c} belongs in an ADV batch");
                ("transaction_code_not_allowed", msg)
            } else {
                let msg = format!("transaction code {c:02} is not a Nacha transaction code");
                ("transaction_code", msg)
            };
            self.emit(out, r.line, '6', en::TRANSACTION_CODE.name, code, msg);
        }
        if let Some(tx) = tx {
            self.transaction_rules(r, out, tx, sec, service_class, amount);
        }

        let rdfi = self.rdfi_check_digit(r, out);
        let indicator = self.addenda_indicator(r, out);

        let trace = num(en::TRACE_NUMBER.get(r.b));
        if let Some(t) = trace {
            if en::TRACE_NUMBER.get(r.b)[..8] != odfi && odfi.iter().all(u8::is_ascii_digit) {
                self.emit(
                    out,
                    r.line,
                    '6',
                    en::TRACE_NUMBER.name,
                    "trace_odfi",
                    format!(
                        "trace number does not start with the batch's originating DFI identification {}",
                        show(&odfi)
                    ),
                );
            }
            if let Some(prev) = last_trace {
                if t <= prev {
                    let msg = format!("trace number {t:015} does not ascend (previous {prev:015})");
                    self.emit(out, r.line, '6', en::TRACE_NUMBER.name, "trace_order", msg);
                }
            }
        }

        if sec == Some(SecCode::Web) && tx.is_some_and(|t| !t.credit && t.kind == TxKind::Live) {
            let d = en::DISCRETIONARY_DATA.get(r.b);
            if !matches!(d, b"R " | b" R" | b"S " | b" S" | b"R" | b"S") {
                let msg = format!(
                    "a WEB debit needs payment type code R or S, found {}",
                    show(d)
                );
                self.emit(
                    out,
                    r.line,
                    '6',
                    en::DISCRETIONARY_DATA.name,
                    "payment_type_code",
                    msg,
                );
            }
        }

        let declared_addenda = match sec {
            Some(SecCode::Iat) => num(ie::NUMBER_OF_ADDENDA_RECORDS.get(r.b)),
            Some(s) if s.states_addenda_count() => num(en::CTX_ADDENDA_COUNT.get(r.b)),
            _ => None,
        };

        if let Some(a) = amount {
            self.file_amount(r, out, a);
        }

        let Some(batch) = self.batch.as_mut() else {
            return;
        };
        batch.entries += 1;
        batch.entry_addenda += 1;
        match rdfi {
            Some(v) => batch.hash = (batch.hash + v) % HASH_MODULUS,
            None => batch.hash_unknown = true,
        }
        match (amount, code.and_then(family_is_credit)) {
            (Some(a), Some(true)) => {
                batch.credit = batch.credit.saturating_add(a);
                self.summary.total_credit_cents = self.summary.total_credit_cents.saturating_add(a);
            }
            (Some(a), Some(false)) => {
                batch.debit = batch.debit.saturating_add(a);
                self.summary.total_debit_cents = self.summary.total_debit_cents.saturating_add(a);
            }
            _ => batch.amount_unknown = true,
        }
        if trace.is_some() {
            batch.last_trace = trace;
        }
        batch.entry = Some(EntryState {
            line: r.line,
            trace,
            tx,
            indicator,
            declared_addenda,
            iat_next: 10,
            ..EntryState::default()
        });
    }

    /// Routing check digit (positions 4–12, the same in every entry layout); returns the
    /// RDFI identification for the entry hash.
    fn rdfi_check_digit(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) -> Option<u64> {
        let rdfi = num(en::RDFI.get(r.b));
        if let (Some(_), Some(cd)) = (rdfi, num(en::CHECK_DIGIT.get(r.b))) {
            if routing::check_digit(en::RDFI.get(r.b)).map(u64::from) != Some(cd) {
                self.emit(
                    out,
                    r.line,
                    '6',
                    en::CHECK_DIGIT.name,
                    "check_digit",
                    "check digit does not match the receiving DFI identification".into(),
                );
            }
        }
        rdfi
    }

    /// The addenda record indicator (position 79 in every entry layout): 0 or 1.
    fn addenda_indicator(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) -> Option<u8> {
        match en::ADDENDA_RECORD_INDICATOR.get(r.b)[0] {
            b'0' => Some(0),
            b'1' => Some(1),
            other => {
                let msg = format!(
                    "addenda_record_indicator must be 0 or 1, found {}",
                    show(&[other])
                );
                let name = en::ADDENDA_RECORD_INDICATOR.name;
                self.emit(out, r.line, '6', name, "invalid_value", msg);
                None
            }
        }
    }

    /// Adds an entry amount to the file's sum for the program maximum.
    fn file_amount(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), amount: u64) {
        self.totals.all_amounts = self.totals.all_amounts.saturating_add(amount);
        if let Some(max) = self.policy.max_file_amount {
            if self.totals.all_amounts > max && !self.totals.max_reported {
                self.totals.max_reported = true;
                let msg = format!(
                    "file total reaches {} cents here, above the program maximum of {max} cents",
                    self.totals.all_amounts
                );
                self.emit(out, r.line, '6', en::AMOUNT.name, "max_file_amount", msg);
            }
        }
    }

    /// An entry of an ADV batch: public Nacha layout (moov-io/ach `advEntryDetail.go`,
    /// `batchADV.go`), spec 06 §9 source basis. Codes 81–88 only (odd credits, even
    /// debits), 12-digit amount, sequence numbers ascending instead of trace numbers; an
    /// addenda 99 is its only addenda (the addenda checks refuse the others for ADV).
    fn adv_entry(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        let last_seq = self.batch.as_ref().and_then(|b| b.last_trace);
        self.check_layout(r, ae::LAYOUT, out);
        self.summary.entries += 1;

        let field = en::TRANSACTION_CODE.name;
        let code = num(en::TRANSACTION_CODE.get(r.b)).and_then(|c| u8::try_from(c).ok());
        let credit = code.and_then(adv_is_credit);
        match (code, credit) {
            (Some(c), None) if TxCode::new(c).is_some() => {
                let msg = format!(
                    "transaction code {c:02} is not an ADV code (81-88), as an ADV batch requires"
                );
                self.emit(out, r.line, '6', field, "transaction_code_not_allowed", msg);
            }
            (Some(c), None) => {
                let msg = format!("transaction code {c:02} is not a Nacha transaction code");
                self.emit(out, r.line, '6', field, "transaction_code", msg);
            }
            _ => {}
        }
        let rdfi = self.rdfi_check_digit(r, out);
        let indicator = self.addenda_indicator(r, out);
        let seq = num(ae::SEQUENCE_NUMBER.get(r.b));
        if let (Some(s), Some(prev)) = (seq, last_seq) {
            if s <= prev {
                let msg = format!("sequence number {s:04} does not ascend (previous {prev:04})");
                let name = ae::SEQUENCE_NUMBER.name;
                self.emit(out, r.line, '6', name, "trace_order", msg);
            }
        }
        let amount = num(ae::AMOUNT.get(r.b));
        if let Some(a) = amount {
            self.file_amount(r, out, a);
        }

        let Some(batch) = self.batch.as_mut() else {
            return;
        };
        batch.entries += 1;
        batch.entry_addenda += 1;
        match rdfi {
            Some(v) => batch.hash = (batch.hash + v) % HASH_MODULUS,
            None => batch.hash_unknown = true,
        }
        // A code outside 81-88 has no ADV family: the totals are not checked rather than
        // reported a second time.
        match (amount, credit) {
            (Some(a), Some(true)) => {
                batch.credit = batch.credit.saturating_add(a);
                self.summary.total_credit_cents = self.summary.total_credit_cents.saturating_add(a);
            }
            (Some(a), Some(false)) => {
                batch.debit = batch.debit.saturating_add(a);
                self.summary.total_debit_cents = self.summary.total_debit_cents.saturating_add(a);
            }
            _ => batch.amount_unknown = true,
        }
        if seq.is_some() {
            batch.last_trace = seq;
        }
        batch.entry = Some(EntryState {
            line: r.line,
            indicator,
            iat_next: 10,
            ..EntryState::default()
        });
    }

    fn transaction_rules(
        &mut self,
        r: &Rec,
        out: &mut dyn FnMut(Finding),
        tx: TxCode,
        sec: Option<SecCode>,
        service_class: Option<u16>,
        amount: Option<u64>,
    ) {
        let field = en::TRANSACTION_CODE.name;
        let c = tx.code;
        let mut not_allowed = |v: &mut Self, why: String| {
            v.emit(out, r.line, '6', field, "transaction_code_not_allowed", why);
        };
        if let Some(s) = sec {
            if s == SecCode::Cor {
                if tx.kind != TxKind::ReturnOrNoc {
                    not_allowed(self, format!("transaction code {c} is not a return/NOC code, as a COR batch requires"));
                }
            } else {
                match s.direction() {
                    Direction::DebitOnly if tx.credit => not_allowed(
                        self,
                        format!("{s} batches carry debits only; {c} is a credit"),
                    ),
                    Direction::CreditOnly if !tx.credit => not_allowed(
                        self,
                        format!("{s} batches carry credits only; {c} is a debit"),
                    ),
                    _ => {}
                }
                if tx.kind == TxKind::ZeroDollarRemittance && !s.allows_zero_dollar_remittance() {
                    not_allowed(
                        self,
                        format!("zero-dollar remittance code {c} is not allowed in {s} batches"),
                    );
                }
            }
        }
        let zero_required = tx.requires_zero_amount() || sec == Some(SecCode::Cor);
        if zero_required && amount.is_some_and(|a| a != 0) {
            let msg = format!("transaction code {c} requires a zero amount");
            self.emit(out, r.line, '6', en::AMOUNT.name, "nonzero_amount", msg);
        }
        let mismatch = match service_class {
            Some(220) => !tx.credit,
            Some(225) => tx.credit,
            _ => false,
        };
        if mismatch {
            let (sc, what) = if tx.credit {
                (225, "credit")
            } else {
                (220, "debit")
            };
            let msg = format!("transaction code {c} is a {what} in a service class {sc} batch");
            self.emit(out, r.line, '6', field, "service_class_mismatch", msg);
        }
    }

    /// Final checks on the current entry once its addenda are known.
    pub(super) fn close_entry(&mut self, out: &mut dyn FnMut(Finding)) {
        let Some(batch) = self.batch.as_mut() else {
            return;
        };
        let Some(e) = batch.entry.take() else {
            return;
        };
        let sec = batch.sec;
        let indicator_field = en::ADDENDA_RECORD_INDICATOR.name;
        if e.indicator == Some(1) && e.addenda == 0 {
            self.emit(
                out,
                e.line,
                '6',
                indicator_field,
                "addenda_indicator",
                "addenda record indicator is 1 but no addenda record follows".into(),
            );
            return;
        }
        let is_return = e.tx.is_some_and(|t| t.kind == TxKind::ReturnOrNoc);
        let missing = match sec {
            Some(SecCode::Cor) if !e.has_98 => Some("a COR entry needs an addenda 98"),
            Some(SecCode::Iat) if e.iat_next <= 16 && !e.has_99 => {
                Some("an IAT entry needs addenda 10 to 16")
            }
            Some(s) if s != SecCode::Cor && is_return && !e.has_99 => {
                Some("a return entry needs an addenda 99")
            }
            _ => None,
        };
        if let Some(why) = missing {
            self.emit(
                out,
                e.line,
                '6',
                indicator_field,
                "missing_addenda",
                why.into(),
            );
        }
        if let Some(declared) = e.declared_addenda {
            if declared != e.addenda {
                let msg = format!(
                    "entry states {declared} addenda records but {} follow",
                    e.addenda
                );
                let name = if sec == Some(SecCode::Iat) {
                    ie::NUMBER_OF_ADDENDA_RECORDS.name
                } else {
                    en::CTX_ADDENDA_COUNT.name
                };
                self.emit(out, e.line, '6', name, "addenda_count", msg);
            }
        }
    }
}
