#!/usr/bin/env python3
"""The nightly reconciliation of one day recomputed by DuckDB from the CSV files, as a baseline
for `bankdrop-bench recon-run` (crates/bench/README.md).

    bankdrop-bench recon-fill --db /tmp/nr/db.sqlite --keep-csv
    scripts/duckdb-recon.py --csv-dir /tmp/nr/db-csv --date 2026-03-03 \
        [--planted /tmp/nr/db.sqlite.planted.json] [--ours reports/2026-03-03_balance_reconciliation.csv]

Day D (decision D9: a file dated T carries day T-1) is read from three pipe-delimited files:
the balance file dated D (what each balance opens from), the transaction file dated D+1 summed
per balance under the deposit formulas of spec 05 §3.3, and the balance file dated D+1 (what
the partner reports). A deposit balance breaks on a component when reported != opening +
activity (tolerance 0). Amounts are read as DECIMAL(18, 8), exact for decision D3's up to 8
fractional digits (the store's typed money columns use the same 10^-8 units); no float.

Prints one line per break, `balance_id|component|expected|reported`, in balance id then
component order, then `elapsed <seconds> s` (the query alone, `SET threads=<N>`, default 2,
from connecting to the last row fetched) and `peak_rss <MiB> MiB` (the whole process).
With --planted the breaks must be exactly the planted ones (component `balance`); with --ours
they must be those of bankdrop's balance reconciliation report, with the same amounts. Exit 1
when a check fails.
"""

import argparse
import datetime
import json
import resource
import sys
import time

import duckdb

BALANCE_COLUMNS = [
    "account_id", "client_balance_id", "id", "client_balance_name",
    "client_settlement_bank_account_id", "created_at", "status", "status_reason", "type",
    "balance", "rewards_balance", "interest_accrued_balance", "dispute_balance",
    "charge_off_balance", "past_due_balance", "outstanding_principal", "outstanding_fees",
    "effective_at",
]
TRANSACTION_COLUMNS = [
    "client_transaction_id", "balance_id", "card_id", "client_settlement_group_id",
    "client_settlement_bank_account_id", "bin", "amount", "amount_in_usd", "currency",
    "principal_amount", "fee_amount", "interest_amount", "rewards_amount", "type", "fee_type",
    "action", "transfer_type", "transfer_ids", "settlement_date", "effective_at",
    "settlement_amount", "settlement_currency",
]
MONEY = "DECIMAL(18, 8)"
# The deposit components in report order (recon's default `deposit_components`).
COMPONENTS = [
    "balance", "rewards_balance", "interest_accrued_balance", "dispute_balance",
    "charge_off_balance",
]
# spec 05 §3.3, as crates/recon/src/formulas.rs states them. A null type is "any other type":
# it counts in a `not in` filter (recon's reading), so `coalesce(type, '')`.
ACTIVITY = {
    "balance": "sum(amount) FILTER (WHERE coalesce(type, '') NOT IN ('interest_accrued', 'dispute_won'))",
    "rewards_balance": "sum(rewards_amount) FILTER (WHERE type IN ('rewards_earned', 'rewards_spent', "
    "'rewards_redeemed', 'debit', 'refund', 'credit'))",
    "interest_accrued_balance": "coalesce(sum(amount) FILTER (WHERE type = 'interest_accrued'), 0) "
    "- coalesce(sum(amount) FILTER (WHERE type = 'interest_paid'), 0)",
    "dispute_balance": "sum(amount) FILTER (WHERE type IN ('dispute_provisional', 'dispute_won', 'dispute_lost'))",
    "charge_off_balance": "sum(amount) FILTER (WHERE type IN ('charge_off', 'charge_off_recovery'))",
}


def read_csv(path, columns, wanted, money):
    """`read_csv` of a pipe-delimited partner file: every column VARCHAR but the money ones."""
    types = ", ".join(f"'{c}': '{money if c in wanted else 'VARCHAR'}'" for c in columns)
    return (
        f"read_csv('{path}', delim='|', header=true, quote='\"', escape='\"', "
        f"nullstr='', columns={{{types}}})"
    )


def query(csv_dir, date):
    opening_date = date.isoformat()
    file_date = (date + datetime.timedelta(days=1)).isoformat()
    bal = lambda d: read_csv(f"{csv_dir}/{d}_balance_v1.csv", BALANCE_COLUMNS, COMPONENTS, MONEY)
    tx = read_csv(
        f"{csv_dir}/{file_date}_transaction_v1.csv",
        TRANSACTION_COLUMNS,
        ["amount", "rewards_amount"],
        MONEY,
    )
    sums = ",\n    ".join(f"{ACTIVITY[c]} AS {c}" for c in COMPONENTS)
    expected = ",\n    ".join(
        f"coalesce(o.{c}, 0) + coalesce(t.{c}, 0) AS e_{c}, coalesce(c.{c}, 0) AS r_{c}"
        for c in COMPONENTS
    )
    rows = "\n  UNION ALL ".join(
        f"SELECT id, {i} AS k, '{c}' AS component, e_{c} AS expected, r_{c} AS reported FROM day"
        for i, c in enumerate(COMPONENTS)
    )
    return f"""
WITH opening AS (SELECT coalesce(client_balance_id, id) AS id, {", ".join(COMPONENTS)} FROM {bal(opening_date)}),
closing AS (SELECT coalesce(client_balance_id, id) AS id, type, {", ".join(COMPONENTS)} FROM {bal(file_date)}),
activity AS (SELECT balance_id AS id,
    {sums}
  FROM {tx} GROUP BY balance_id),
day AS (SELECT c.id,
    {expected}
  FROM closing AS c LEFT JOIN opening AS o ON o.id = c.id LEFT JOIN activity AS t ON t.id = c.id
  WHERE c.type = 'deposit')
SELECT id, component, expected, reported FROM (
  {rows}
) WHERE expected <> reported ORDER BY id, k
"""


def amount(v):
    """A decimal as text without trailing zeros, to compare with bankdrop's exact figures."""
    s = format(v, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv-dir", required=True)
    ap.add_argument("--date", required=True, help="activity date D (YYYY-MM-DD)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--planted", help="<db>.planted.json written by recon-fill")
    ap.add_argument("--ours", help="bankdrop's <D>_balance_reconciliation.csv")
    ap.add_argument("--quiet", action="store_true", help="print only the timing lines")
    args = ap.parse_args()
    date = datetime.date.fromisoformat(args.date)

    sql = query(args.csv_dir, date)
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads={args.threads}")
    breaks = con.execute(sql).fetchall()
    elapsed = time.perf_counter() - t0
    con.close()

    if not args.quiet:
        for b, comp, e, r in breaks:
            print(f"{b}|{comp}|{amount(e)}|{amount(r)}")
    print(f"elapsed {elapsed:.3f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak_rss {peak:.1f} MiB")

    ok = True
    found = [(b, comp) for b, comp, _, _ in breaks]
    if args.planted:
        with open(args.planted) as f:
            planted = [(b, "balance") for b in json.load(f)["planted"]]
        if found != planted:
            print(f"breaks {found} differ from the planted {planted}", file=sys.stderr)
            ok = False
        else:
            print(f"breaks as planted: {len(planted)}")
    if args.ours:
        with open(args.ours) as f:
            lines = f.read().splitlines()[1:]
        # balance_id|account_id|component|opening|activity|expected|reported|difference
        ours = [(c[0], c[2], amount_text(c[5]), amount_text(c[6])) for c in (l.split("|") for l in lines)]
        theirs = [(b, comp, amount(e), amount(r)) for b, comp, e, r in breaks]
        if ours != theirs:
            print(f"DuckDB's breaks {theirs} differ from bankdrop's {ours}", file=sys.stderr)
            ok = False
        else:
            print(f"breaks as bankdrop's report: {len(ours)}")
    sys.exit(0 if ok else 1)


def amount_text(s):
    """bankdrop's exact text (`12.50`) in the form `amount` gives."""
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


if __name__ == "__main__":
    main()
