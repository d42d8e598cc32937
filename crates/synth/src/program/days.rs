//! One file date's files: entities on the first date, then balances, transactions and the
//! non-posted snapshot every date.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use validate::schema::Schema;

use super::breaks::{self, Plan};
use super::ledger::{self, State, Tx};
use super::sheet::Sheet;
use super::{fmt_money, Manifest, PlantedBreak, ProgramError, ProgramKind, ProgramOptions};
use crate::{text, Rng};

/// The schemas of the files a program writes.
pub(super) struct Schemas<'a> {
    pub customer: &'a Schema,
    pub account: &'a Schema,
    pub balance: &'a Schema,
    pub transaction: &'a Schema,
    /// Deposit programs only (spec 05 §7: non-posted transactions are deposit-only).
    pub non_posted: Option<&'a Schema>,
}

/// Program-wide names; `tag` keeps different seeds' ids apart.
struct Ids {
    tag: String,
    next_tx: u64,
}

impl Ids {
    fn customer(&self, i: usize) -> String {
        format!("cus-{}-{i:06}", self.tag)
    }
    fn account(&self, i: usize) -> String {
        format!("acct-{}-{i:06}", self.tag)
    }
    fn balance(&self, i: usize) -> String {
        format!("bal-{}-{i:06}", self.tag)
    }
    /// A transaction id never used before in the program (spec 05 §3.1).
    fn transaction(&mut self) -> String {
        self.next_tx += 1;
        format!("txn-{}-{:09}", self.tag, self.next_tx)
    }
}

/// The state carried from one file date to the next.
pub(super) struct Generator<'a> {
    opts: &'a ProgramOptions,
    schemas: Schemas<'a>,
    out: &'a Path,
    rng: Rng,
    ids: Ids,
    plans: BTreeMap<(u64, u64), Plan>,
    /// Per balance: yesterday's *reported* values, the next day's opening (decision D9).
    states: Vec<State>,
    /// Per balance: non-posted credits listed yesterday, which post today.
    pending: Vec<Vec<(String, Decimal)>>,
    created_at: String,
    manifest: Manifest,
}

impl<'a> Generator<'a> {
    /// A generator; `write_program` has checked the options.
    pub fn new(opts: &'a ProgramOptions, schemas: Schemas<'a>, out: &'a Path) -> Generator<'a> {
        // Separate streams: planting breaks does not change which transactions are drawn.
        let mut break_rng = Rng::new(opts.seed ^ 0xB4EA_C5B4_EA5C_0001);
        let plans = breaks::choose(
            u64::from(opts.breaks),
            u64::from(opts.days),
            u64::from(opts.accounts),
            opts.kind.breakable().len(),
            &mut break_rng,
        );
        let n = opts.accounts as usize;
        let first_activity = opts.start.pred_opt().unwrap_or(opts.start);
        Generator {
            opts,
            schemas,
            out,
            rng: Rng::new(opts.seed),
            ids: Ids {
                tag: format!("{:08x}", Rng::new(!opts.seed).next_u64() >> 32),
                next_tx: 0,
            },
            plans,
            states: vec![State::default(); n],
            pending: vec![Vec::new(); n],
            created_at: format!("{first_activity}T14:00:00Z"),
            manifest: Manifest {
                kind: opts.kind,
                days: opts.days,
                accounts: opts.accounts,
                seed: opts.seed,
                start: opts.start.to_string(),
                files: Vec::new(),
                breaks: Vec::new(),
            },
        }
    }

    /// The manifest so far.
    pub fn finish(self) -> Manifest {
        self.manifest
    }

    fn open(
        &mut self,
        schema: &'a Schema,
        file_date: NaiveDate,
    ) -> Result<Sheet<'a>, ProgramError> {
        let rel = format!("{file_date}/{file_date}_{}_v1.csv", schema.file_type);
        let sheet = Sheet::create(schema, &self.out.join(&rel))?;
        self.manifest.files.push(rel);
        Ok(sheet)
    }

    /// Writes the files of file date number `d` (0-based).
    pub fn day(&mut self, d: u32) -> Result<(), ProgramError> {
        let file_date = self.opts.start + Days::new(u64::from(d));
        let activity = file_date.pred_opt().unwrap_or(file_date);
        let dir = self.out.join(file_date.to_string());
        fs::create_dir_all(&dir).map_err(|e| ProgramError::io(&dir, e))?;
        let first = d == 0;

        // Entities first (decision D7 order): later dates have no new ones, so header only.
        let mut customers = self.open(self.schemas.customer, file_date)?;
        let mut accounts = self.open(self.schemas.account, file_date)?;
        if first {
            self.entities(&mut customers, &mut accounts, activity)?;
        }
        customers.finish()?;
        accounts.finish()?;

        let mut balances = self.open(self.schemas.balance, file_date)?;
        let mut transactions = self.open(self.schemas.transaction, file_date)?;
        let mut non_posted = match self.schemas.non_posted {
            Some(s) => Some(self.open(s, file_date)?),
            None => None,
        };
        for i in 0..self.states.len() {
            let posting = std::mem::take(&mut self.pending[i]);
            let txs = ledger::day(
                self.opts.kind,
                &mut self.states[i],
                first,
                &posting,
                &mut self.rng,
            );
            for t in txs {
                self.transaction_row(&mut transactions, i, t, activity)?;
            }
            self.plant(d, i, file_date, activity);
            self.balance_row(&mut balances, i)?;
            if let Some(sheet) = non_posted.as_mut() {
                self.non_posted_row(sheet, i, file_date, activity)?;
            }
        }
        balances.finish()?;
        transactions.finish()?;
        if let Some(s) = non_posted {
            s.finish()?;
        }
        Ok(())
    }

    /// The account holders (individuals) and one consumer account each; every fifth account is
    /// joint with the next customer. References only these customers (decision D8).
    fn entities(
        &mut self,
        customers: &mut Sheet<'_>,
        accounts: &mut Sheet<'_>,
        activity: NaiveDate,
    ) -> Result<(), ProgramError> {
        let n = self.states.len();
        let tag = self.ids.tag.clone();
        for i in 0..n {
            let rng = &mut self.rng;
            let years = 20 + rng.below(50);
            let born = activity
                .checked_sub_days(Days::new(years * 365 + rng.below(365)))
                .unwrap_or(activity);
            customers.row(&[
                ("client_customer_id", self.ids.customer(i)),
                ("customer_type", "individual".into()),
                ("intended_roles", r#"["account_holder"]"#.into()),
                (
                    "first_name",
                    text::string_for("first_name", false, 0, &tag, rng),
                ),
                (
                    "last_name",
                    text::string_for("last_name", false, 0, &tag, rng),
                ),
                ("date_of_birth", born.to_string()),
                (
                    "occupation",
                    text::string_for("occupation", false, 0, &tag, rng),
                ),
            ])?;
        }
        for i in 0..n {
            let mut holders = vec![self.ids.customer(i)];
            if i % 5 == 4 && n > 1 {
                holders.push(self.ids.customer((i + 1) % n));
            }
            let list: Vec<String> = holders.iter().map(|h| format!("\"{h}\"")).collect();
            accounts.row(&[
                ("client_account_id", self.ids.account(i)),
                ("account_holder_type", "consumer".into()),
                ("account_holders", format!("[{}]", list.join(","))),
                ("currency", "USD".into()),
                ("client_product_name", self.product().into()),
                ("status", "active".into()),
                ("status_reason", "active".into()),
            ])?;
        }
        Ok(())
    }

    fn product(&self) -> &'static str {
        match self.opts.kind {
            ProgramKind::Deposit => "Everyday Checking",
            ProgramKind::Credit => "Personal Line of Credit",
        }
    }

    fn transaction_row(
        &mut self,
        sheet: &mut Sheet<'_>,
        i: usize,
        t: Tx,
        activity: NaiveDate,
    ) -> Result<(), ProgramError> {
        let id = match t.posted_id {
            Some(id) => id,
            None => self.ids.transaction(),
        };
        // Business hours of the activity day, in UTC: the same calendar day in America/Chicago
        // (decision D9), after the balance was created.
        let s = 1 + self.rng.below(9 * 3600);
        let at = format!(
            "{activity}T{:02}:{:02}:{:02}Z",
            14 + s / 3600,
            s / 60 % 60,
            s % 60
        );
        let amount = fmt_money(t.amount);
        let mut cells = vec![
            ("client_transaction_id", id),
            ("balance_id", self.ids.balance(i)),
            ("amount", amount.clone()),
            // Same value in USD: same sign (spec 05 §5.4).
            ("amount_in_usd", amount),
            ("currency", "USD".to_string()),
            ("type", t.ty.to_string()),
            ("action", "applied".to_string()),
            ("transfer_type", t.transfer_type.to_string()),
            ("effective_at", at),
        ];
        if t.ty == "disbursement" {
            // The loan funds leave that day: a receivable's interest accrues from the
            // disbursement's settlement_date (spec 04 §3.2 `start_date`), which the Sales
            // Request reads.
            cells.push(("settlement_date", activity.to_string()));
        }
        if let Some(f) = t.fee_type {
            cells.push(("fee_type", f.to_string()));
        }
        if let Some(r) = t.rewards {
            cells.push(("rewards_amount", fmt_money(r)));
        }
        if let Some([p, f, int]) = t.parts {
            cells.push(("principal_amount", fmt_money(p)));
            cells.push(("fee_amount", fmt_money(f)));
            cells.push(("interest_amount", fmt_money(int)));
        }
        sheet.row(&cells)
    }

    /// Plants the break chosen for (day `d`, balance `i`), if any: the reported value differs
    /// from the expected one, and the next day opens from the reported value (decision D9), so
    /// it stays one break.
    fn plant(&mut self, d: u32, i: usize, file_date: NaiveDate, activity: NaiveDate) {
        let Some(plan) = self.plans.get(&(u64::from(d), i as u64)) else {
            return;
        };
        let component = self.opts.kind.breakable()[plan.component];
        let st = &mut self.states[i];
        let expected = st.get(component);
        let diff = if plan.down && expected >= plan.size {
            -plan.size
        } else {
            plan.size
        };
        let reported = expected + diff;
        st.set(component, reported);
        self.manifest.breaks.push(PlantedBreak {
            activity_date: activity.to_string(),
            file_date: file_date.to_string(),
            balance_id: self.ids.balance(i),
            account_id: self.ids.account(i),
            component: component.to_string(),
            expected: fmt_money(expected),
            reported: fmt_money(reported),
            difference: fmt_money(diff),
        });
    }

    /// One balance row, in file creation mode: `client_balance_id` set, `id` empty (spec 05
    /// §3.2). Components not generated stay empty (null).
    fn balance_row(&mut self, sheet: &mut Sheet<'_>, i: usize) -> Result<(), ProgramError> {
        let st = &self.states[i];
        let mut cells = vec![
            ("account_id", self.ids.account(i)),
            ("client_balance_id", self.ids.balance(i)),
            ("client_balance_name", self.product().to_string()),
            ("created_at", self.created_at.clone()),
            ("status", "active".to_string()),
            ("status_reason", "active".to_string()),
            ("type", self.opts.kind.as_str().to_string()),
        ];
        for c in self.opts.kind.components() {
            cells.push((*c, fmt_money(st.get(c))));
        }
        sheet.row(&cells)
    }

    /// The day's non-posted snapshot (spec 05 §7.2): about one balance in four has an ACH
    /// credit settled to the FBO but not yet posted; it posts the next day under the same id.
    fn non_posted_row(
        &mut self,
        sheet: &mut Sheet<'_>,
        i: usize,
        file_date: NaiveDate,
        activity: NaiveDate,
    ) -> Result<(), ProgramError> {
        if !self.rng.chance(25) {
            return Ok(());
        }
        let id = self.ids.transaction();
        let amount = Decimal::new(1_000 + self.rng.below(29_001) as i64, 2);
        let text = fmt_money(amount);
        sheet.row(&[
            ("transaction_id", id.clone()),
            ("balance_id", self.ids.balance(i)),
            ("amount", text.clone()),
            ("currency", "USD".into()),
            ("amount_in_usd", text),
            ("type", "credit".into()),
            ("transfer_type", "ach".into()),
            (
                "reconciliation_note",
                "settled to the FBO after the posting cut-off; posts next day".into(),
            ),
            ("settlement_date", activity.to_string()),
            ("generated_at", format!("{file_date}T11:00:00Z")),
            ("effective_at", format!("{file_date}T10:30:00Z")),
        ])?;
        self.pending[i].push((id, amount));
        Ok(())
    }
}
