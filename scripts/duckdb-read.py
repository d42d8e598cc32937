#!/usr/bin/env python3
"""A baseline for `bankdrop-bench csv`: DuckDB's typed read of a bankdrop file.

    scripts/duckdb-read.py FILE [--schema schemas/<type>.toml] [--threads 2] [--count-only]

Reads FILE with `read_csv(delim='|', header=true, columns={...})`, every column typed as its
bankdrop schema types it (the schema comes from the file name, `<date>_<type>_<version>.csv`,
unless --schema is given): VARCHAR for text, enums, currencies and lists, DECIMAL(38,8) for
money, BIGINT, DATE, TIMESTAMPTZ for datetimes, BOOLEAN. `SET threads` is 2 by default.

By default every column is counted (`count(col)` for each), so DuckDB must convert every value
to its type; `--count-only` runs `count(*)`, for which DuckDB converts no column at all
(projection pushdown: a bad decimal then goes unnoticed), leaving splitting the lines.

Prints one line: `rows=N query_s=S total_s=T peak_rss_kib=K`, where `query_s` is the query
alone (after `import duckdb` and the connection) and `total_s` includes Python's start-up as far
as this script can see it (from the first line of the script).
"""

import argparse
import re
import sys
import time
from pathlib import Path

START = time.perf_counter()

import tomllib  # noqa: E402

import duckdb  # noqa: E402

# bankdrop column type (schemas/README.md) -> DuckDB type.
DUCK_TYPES = {
    "string": "VARCHAR",
    "enum": "VARCHAR",
    "currency": "VARCHAR",
    "country": "VARCHAR",
    "state": "VARCHAR",
    "list": "VARCHAR",
    "json": "VARCHAR",
    "decimal": "DECIMAL(38,8)",
    "integer": "BIGINT",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    # A date or a datetime in one column: no single DuckDB type reads both.
    "date_or_datetime": "VARCHAR",
    "boolean": "BOOLEAN",
}


def schema_path(file):
    name = Path(file).name
    m = re.match(r"^[^_]+_(.+)_[vV]?\d+(\.csv)?$", name)
    if not m:
        sys.exit(f"{name}: not <date>_<type>_<version>.csv; pass --schema")
    return Path(__file__).resolve().parent.parent / "schemas" / f"{m.group(1)}.toml"


def peak_rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--schema")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--count-only", action="store_true")
    a = p.parse_args()
    with open(a.schema or schema_path(a.file), "rb") as f:
        schema = tomllib.load(f)
    columns = {c["name"]: DUCK_TYPES[c["type"]] for c in schema["columns"]}
    con = duckdb.connect()
    con.execute(f"SET threads={a.threads}")
    if a.count_only:
        select = "count(*)"
    else:
        select = "count(*), " + ", ".join(f'count("{c}")' for c in columns)
    sql = f"SELECT {select} FROM read_csv(?, delim='|', header=true, columns=?)"
    t0 = time.perf_counter()
    row = con.execute(sql, [a.file, columns]).fetchone()
    t1 = time.perf_counter()
    print(
        f"rows={row[0]} query_s={t1 - t0:.6f} total_s={t1 - START:.6f} "
        f"peak_rss_kib={peak_rss_kib()}"
    )


if __name__ == "__main__":
    main()
