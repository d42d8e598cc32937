//! Batch control (type 8), file control (type 9), filler and block count.

use super::{num, num_wide, BatchState, Finding, Rec, State, Validator, HASH_MODULUS};
use crate::layout::{
    adv_batch_control as abc, adv_file_control as afc, batch_control as bc, batch_header as bh,
    file_control as fc, Field,
};

/// Where a control layout keeps the values the validator compares: the ordinary
/// controls and the ADV ones (public Nacha layout, moov-io/ach `advBatchControl.go`,
/// `advFileControl.go`, spec 06 §9 source basis) differ in their totals and in what the
/// batch control repeats from its header.
struct ControlLayout {
    layout: &'static [Field],
    /// Batch control fields that repeat the batch header's.
    from_header: &'static [(Field, Field)],
    entry_addenda_count: Field,
    entry_hash: Field,
    total_debit: Field,
    total_credit: Field,
}

const BATCH_CONTROL: ControlLayout = ControlLayout {
    layout: bc::LAYOUT,
    from_header: &[
        (bc::SERVICE_CLASS_CODE, bh::SERVICE_CLASS_CODE),
        (bc::COMPANY_IDENTIFICATION, bh::COMPANY_IDENTIFICATION),
        (bc::ODFI, bh::ODFI),
        (bc::BATCH_NUMBER, bh::BATCH_NUMBER),
    ],
    entry_addenda_count: bc::ENTRY_ADDENDA_COUNT,
    entry_hash: bc::ENTRY_HASH,
    total_debit: bc::TOTAL_DEBIT,
    total_credit: bc::TOTAL_CREDIT,
};

/// The ADV batch control has no company identification (its ACH operator data is free).
const ADV_BATCH_CONTROL: ControlLayout = ControlLayout {
    layout: abc::LAYOUT,
    from_header: &[
        (bc::SERVICE_CLASS_CODE, bh::SERVICE_CLASS_CODE),
        (bc::ODFI, bh::ODFI),
        (bc::BATCH_NUMBER, bh::BATCH_NUMBER),
    ],
    entry_addenda_count: bc::ENTRY_ADDENDA_COUNT,
    entry_hash: bc::ENTRY_HASH,
    total_debit: abc::TOTAL_DEBIT,
    total_credit: abc::TOTAL_CREDIT,
};

const FILE_CONTROL: ControlLayout = ControlLayout {
    layout: fc::LAYOUT,
    from_header: &[],
    entry_addenda_count: fc::ENTRY_ADDENDA_COUNT,
    entry_hash: fc::ENTRY_HASH,
    total_debit: fc::TOTAL_DEBIT,
    total_credit: fc::TOTAL_CREDIT,
};

const ADV_FILE_CONTROL: ControlLayout = ControlLayout {
    layout: afc::LAYOUT,
    from_header: &[],
    entry_addenda_count: fc::ENTRY_ADDENDA_COUNT,
    entry_hash: fc::ENTRY_HASH,
    total_debit: afc::TOTAL_DEBIT,
    total_credit: afc::TOTAL_CREDIT,
};

/// A declared control value compared with the computed one.
struct Compare {
    field: Field,
    code: &'static str,
    what: &'static str,
    computed: Option<u64>,
}

impl Validator {
    pub(super) fn batch_control(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        match self.state {
            State::InBatch => {}
            State::AfterFileControl => {
                return self.out_of_order(r, out, "batch control after the file control record")
            }
            _ => return self.out_of_order(r, out, "batch control without a batch header"),
        }
        self.close_entry(out);
        let Some(batch) = self.batch.clone() else {
            return;
        };
        let cl = if batch.adv {
            &ADV_BATCH_CONTROL
        } else {
            &BATCH_CONTROL
        };
        self.check_layout(r, cl.layout, out);
        if batch.entries == 0 {
            self.emit(
                out,
                batch.line,
                '5',
                "record",
                "empty_batch",
                "batch has no entry detail records".into(),
            );
        }
        for &(c, h) in cl.from_header {
            let (declared, expected) = (c.get(r.b), h.get(&batch.header));
            // Tools disagree on justifying the company identification, and IAT
            // writers often leave it blank in the control: compare the trimmed text.
            let differs = if c.name == bc::COMPANY_IDENTIFICATION.name {
                let d = trim(declared);
                !(d == trim(expected) || (d.is_empty() && batch.sec == Some(crate::SecCode::Iat)))
            } else {
                declared != expected
            };
            if differs {
                let msg = format!(
                    "{} differs from the batch header's (line {})",
                    c.name, batch.line
                );
                self.emit(out, r.line, '8', c.name, "batch_control_mismatch", msg);
            }
        }
        let compares = [
            Compare {
                field: cl.entry_addenda_count,
                code: "entry_addenda_count",
                what: "entry and addenda records in the batch",
                computed: Some(batch.entry_addenda),
            },
            Compare {
                field: cl.entry_hash,
                code: "entry_hash",
                what: "sum of receiving DFI identifications (rightmost 10 digits)",
                computed: (!batch.hash_unknown).then_some(batch.hash),
            },
            Compare {
                field: cl.total_debit,
                code: "total_debit",
                what: "sum of debit entry amounts",
                computed: (!batch.amount_unknown).then_some(batch.debit),
            },
            Compare {
                field: cl.total_credit,
                code: "total_credit",
                what: "sum of credit entry amounts",
                computed: (!batch.amount_unknown).then_some(batch.credit),
            },
        ];
        let declared = self.compare_all(r, out, &compares);
        self.add_to_file(&batch, declared);
        self.batch = None;
        self.state = State::BetweenBatches;
    }

    /// Compares declared with computed values; returns the declared ones (or the
    /// computed ones where the declared field is unreadable).
    fn compare_all(
        &mut self,
        r: &Rec,
        out: &mut dyn FnMut(Finding),
        cs: &[Compare],
    ) -> [Option<u64>; 4] {
        let mut declared = [None; 4];
        for (i, c) in cs.iter().enumerate() {
            let bytes = c.field.get(r.b);
            let d = if c.field.len > 19 {
                // ADV totals are 20 digits: one above u64::MAX still differs from any sum
                // computed here (sums saturate), so it reads as the largest value.
                let digits = bytes.iter().all(u8::is_ascii_digit);
                num_wide(bytes).or_else(|| digits.then_some(u64::MAX))
            } else {
                num(bytes)
            };
            if let (Some(d), Some(v)) = (d, c.computed) {
                if d != v {
                    let shown = digits(bytes);
                    let msg = format!("{} is {shown}, but the {} is {v}", c.field.name, c.what);
                    self.emit(out, r.line, r.rt(), c.field.name, c.code, msg);
                }
            }
            if let Some(slot) = declared.get_mut(i) {
                *slot = d.or(c.computed);
            }
        }
        declared
    }

    /// Adds a closed batch to the file totals (declared values where known).
    fn add_to_file(&mut self, batch: &BatchState, declared: [Option<u64>; 4]) {
        let t = &mut self.totals;
        t.entry_addenda = t
            .entry_addenda
            .saturating_add(declared[0].unwrap_or(batch.entry_addenda));
        match declared[1] {
            Some(h) => t.hash = (t.hash + h % HASH_MODULUS) % HASH_MODULUS,
            None => t.hash_unknown = true,
        }
        match (declared[2], declared[3]) {
            (Some(d), Some(c)) => {
                t.debit = t.debit.saturating_add(d);
                t.credit = t.credit.saturating_add(c);
            }
            _ => t.amount_unknown = true,
        }
    }

    /// Closes a batch that has no batch control (already reported): its computed
    /// values stand in for the missing control so the file totals do not cascade.
    pub(super) fn close_batch(&mut self, out: &mut dyn FnMut(Finding)) {
        self.close_entry(out);
        if let Some(batch) = self.batch.take() {
            let computed = [
                Some(batch.entry_addenda),
                (!batch.hash_unknown).then_some(batch.hash),
                (!batch.amount_unknown).then_some(batch.debit),
                (!batch.amount_unknown).then_some(batch.credit),
            ];
            self.add_to_file(&batch, computed);
        }
        self.state = State::BetweenBatches;
    }

    pub(super) fn nine(&mut self, r: &Rec, out: &mut dyn FnMut(Finding)) {
        let all_nines = r.b.iter().all(|b| *b == b'9') && r.check_fields;
        if self.state == State::AfterFileControl {
            if all_nines {
                self.filler += 1;
                if self.filler == 10 {
                    self.emit(
                        out,
                        r.line,
                        '9',
                        "record",
                        "excess_filler",
                        "more filler records than needed to complete the last block".into(),
                    );
                }
            } else {
                self.emit(
                    out,
                    r.line,
                    '9',
                    "record",
                    "filler_content",
                    "a record after the file control must be filler: 94 '9' characters".into(),
                );
            }
            return;
        }
        if all_nines {
            return self.out_of_order(r, out, "filler record before the file control record");
        }
        match self.state {
            State::Start => self.out_of_order(r, out, "file control before the file header"),
            State::InBatch => {
                self.out_of_order(
                    r,
                    out,
                    "file control inside an open batch: batch control missing",
                );
                self.close_batch(out);
            }
            _ => {}
        }
        self.state = State::AfterFileControl;
        self.file_control_line = Some(r.line);
        // The file's first batch decides (a mixed file is reported on its batch header).
        let cl = if self.adv_file == Some(true) {
            &ADV_FILE_CONTROL
        } else {
            &FILE_CONTROL
        };
        self.check_layout(r, cl.layout, out);
        self.declared_block_count = num(fc::BLOCK_COUNT.get(r.b));
        let t = self.totals.clone();
        let compares = [
            Compare {
                field: cl.entry_addenda_count,
                code: "entry_addenda_count",
                what: "sum of the batch entry/addenda counts",
                computed: Some(t.entry_addenda),
            },
            Compare {
                field: cl.entry_hash,
                code: "entry_hash",
                what: "sum of the batch entry hashes (rightmost 10 digits)",
                computed: (!t.hash_unknown).then_some(t.hash),
            },
            Compare {
                field: cl.total_debit,
                code: "total_debit",
                what: "sum of the batch debit totals",
                computed: (!t.amount_unknown).then_some(t.debit),
            },
            Compare {
                field: cl.total_credit,
                code: "total_credit",
                what: "sum of the batch credit totals",
                computed: (!t.amount_unknown).then_some(t.credit),
            },
        ];
        self.compare_all(r, out, &compares);
        if let Some(n) = num(fc::BATCH_COUNT.get(r.b)) {
            if n != t.batches {
                let msg = format!("batch_count is {n}, but the file has {} batches", t.batches);
                self.emit(out, r.line, '9', fc::BATCH_COUNT.name, "batch_count", msg);
            }
        }
    }

    /// End-of-file checks that need the total record count.
    pub(super) fn check_blocks(&mut self, out: &mut dyn FnMut(Finding), next_line: u64) {
        let records = self.summary.records;
        // A file whose filler is missing still states the block count it would have
        // once padded, so the expected count rounds up.
        let expected = records.div_ceil(10);
        if let (Some(declared), Some(line)) = (self.declared_block_count, self.file_control_line) {
            if declared != expected {
                let msg = format!(
                    "block_count is {declared}, but {records} records make {expected} block(s)"
                );
                self.emit(out, line, '9', fc::BLOCK_COUNT.name, "block_count", msg);
            }
        }
        if !records.is_multiple_of(10) {
            let missing = 10 - records % 10;
            let msg = format!(
                "{records} records is not a multiple of 10: {missing} filler record(s) missing"
            );
            self.emit(out, next_line, '9', "record", "missing_filler", msg);
        }
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| *c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|c| *c != b' ').map_or(start, |i| i + 1);
    &b[start..end.max(start)]
}

/// A numeric field's digits without leading zeros, as a message shows the value (a
/// 20-digit ADV total may not fit a `u64`).
fn digits(b: &[u8]) -> String {
    let start = b.iter().position(|c| *c != b'0').unwrap_or(b.len());
    match &b[start..] {
        [] => "0".to_string(),
        rest => String::from_utf8_lossy(rest).into_owned(),
    }
}
