#!/usr/bin/env bash
# Ingest benchmark (issue 10): what it costs to take a whole program in, against validating it.
#
#   scripts/ingest-bench.sh [ACCOUNTS] [DAYS] [RUNS]     defaults: 100000 accounts, 2 days, 3 runs
#
# Builds release binaries, generates a deposit program (`bankdrop gen --program deposit`), then
# in the same run, RUNS times each, alternating:
#   - baseline: `bankdrop validate` of every file of the program (one process, all files);
#   - `bankdrop ingest` of the program day by day into a fresh data directory (SQLite, the
#     default store): every file validated, checked against what came before, applied, decided;
#   - the floor (when the `sqlite3` shell is installed): SQLite's own `.import` of the same CSV
#     files into tables keyed by each file's first column (balances unkeyed), one transaction a
#     file, same page size and journal: no validation, no types, no lookups, no sums;
#   - with STORE=postgres: `bankdrop ingest` of the program day by day into a fresh database
#     on a throwaway PostgreSQL server this script starts (scripts/pg-scratch.sh: initdb and
#     pg_ctl in a temp dir on a free loopback port, as the `postgres` user under root; fsync
#     on; stopped and removed at exit), `[store] url = "postgres://..."`.
# Prints the best of each, their ratio, the database's size (with its WAL) against the CSV bytes,
# and the peak RSS of the ingest (on PostgreSQL the bankdrop process's own: the server's
# processes are not in it). Environment: KEEP=1 keeps the temp dir; STORE=postgres (or
# STORE=sqlite, the default) as above.
set -euo pipefail
cd "$(dirname "$0")/.."

accounts=${1:-100000}
days=${2:-2}
runs=${3:-3}

cargo build --release -q -p bankdrop-cli
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/bankdrop
work=$(mktemp -d "${TMPDIR:-/tmp}/bankdrop-ingest.XXXXXX")
postgres=0
case "${STORE:-sqlite}" in
  sqlite) ;;
  postgres | postgresql) postgres=1 ;;
  *) echo "ingest-bench: STORE=${STORE} is not sqlite or postgres" >&2; exit 2 ;;
esac
cleanup() {
  if [ "$postgres" = 1 ]; then pg_scratch_stop; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "ingest-bench: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
if [ "$postgres" = 1 ]; then
  . scripts/pg-scratch.sh
  pg_scratch_start
fi

"$bin" gen --program deposit --days "$days" --accounts "$accounts" --out "$work/prog" >/dev/null
csv_bytes=$(find "$work/prog" -name '*.csv' -printf '%s\n' | awk '{s += $1} END {print s}')
rows=$(find "$work/prog" -name '*.csv' -exec cat {} + | wc -l)
echo "ingest-bench: $accounts accounts, $days days: $csv_bytes bytes of CSV, $rows lines"

# The floor's script: one table per file type, named after it, keyed by its first column (a
# balance file's rows repeat their ids from day to day, so that table has no key).
floor_sql() {
  echo "PRAGMA page_size=32768; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
  echo ".mode csv"
  echo ".separator |"
  for f in "$work"/prog/*/*.csv; do
    t=$(basename "$f" .csv | sed 's/^[0-9-]*_//; s/_v[0-9]*$//')
    case " $seen " in *" $t "*) ;; *)
      seen="$seen $t"
      cols=$(head -1 "$f" | sed 's/|/,/g')
      if [ "$t" = balance ]; then echo "CREATE TABLE \"$t\"($cols);"
      else echo "CREATE TABLE \"$t\"($cols, PRIMARY KEY($(head -1 "$f" | cut -d'|' -f1))) WITHOUT ROWID;"; fi ;;
    esac
    printf 'BEGIN;\n.import --skip 1 %s %s\nCOMMIT;\n' "$f" "$t"
  done
}
seen=
have_sqlite3=0
if command -v sqlite3 >/dev/null; then have_sqlite3=1; floor_sql >"$work/floor.sql"; fi

now() { date +%s.%N; }
best_floor=
best_validate=
best_ingest=
best_pg=
peak=
pg_peak=
db_bytes=
pg_bytes=

# `bankdrop ingest` of every day of the program with config $1 (the data dir's partner `bench`
# added first); sets `total` (seconds) and raises `peak_var`'s peak RSS (KiB).
ingest_days() {
  local config=$1 dir=$2 day t0 t1 kib
  ssh-keygen -q -t ed25519 -N '' -f "$dir/key" >/dev/null
  "$bin" --config "$config" partner add bench --key "$dir/key.pub" >/dev/null
  total=0
  for day in "$work"/prog/*/; do
    t0=$(now)
    /usr/bin/time -f '%M' -o "$dir/rss" "$bin" --config "$config" ingest --partner bench "$day"*.csv \
      >"$dir/ingest.out" 2>"$dir/ingest.err" || { cat "$dir/ingest.out"; tail -5 "$dir/ingest.err"; exit 1; }
    t1=$(now)
    total=$(echo "$total + $t1 - $t0" | bc)
    kib=$(cat "$dir/rss")
    if [ -z "${!peak_var}" ] || [ "$kib" -gt "${!peak_var}" ]; then printf -v "$peak_var" %s "$kib"; fi
  done
}
for run in $(seq "$runs"); do
  t0=$(now)
  "$bin" validate "$work"/prog/*/*.csv >/dev/null
  t1=$(now)
  v=$(echo "$t1 - $t0" | bc)

  d="$work/run$run"
  mkdir -p "$d"
  f=
  if [ "$have_sqlite3" = 1 ]; then
    t0=$(now)
    sqlite3 "$d/floor.sqlite" <"$work/floor.sql" >/dev/null
    t1=$(now)
    f=$(echo "$t1 - $t0" | bc)
    floor_bytes=$(find "$d" -maxdepth 1 -name 'floor.sqlite*' -printf '%s\n' | awk '{s += $1} END {print s}')
    rm -f "$d"/floor.sqlite*
    if [ -z "$best_floor" ] || (($(echo "$f < $best_floor" | bc))); then best_floor=$f; fi
  fi
  printf 'data_dir = "%s/data"\n[demo]\npartner = false\n' "$d" >"$d/bankdrop.toml"
  peak_var=peak
  ingest_days "$d/bankdrop.toml" "$d"
  size=$(find "$d/data" -maxdepth 1 -name 'bankdrop.sqlite*' -printf '%s\n' | awk '{s += $1} END {print s}')
  printf '  run %d: validate %.3f s, ingest %.3f s (%.1fx), database %d bytes%s\n' "$run" "$v" "$total" \
    "$(echo "$total / $v" | bc -l)" "$size" "${f:+; sqlite3 .import floor $(printf %.3f "$f") s}"
  if [ "$postgres" = 1 ]; then
    sqlite_total=$total
    p="$work/pg$run"
    mkdir -p "$p"
    pg_scratch_createdb "bench$run"
    pg_empty=$(pg_scratch_size "bench$run")
    printf 'data_dir = "%s/data"\n[demo]\npartner = false\n[store]\nurl = "%s/bench%d"\n' \
      "$p" "$PG_URL" "$run" >"$p/bankdrop.toml"
    peak_var=pg_peak
    ingest_days "$p/bankdrop.toml" "$p"
    # Beyond what an empty database takes (PostgreSQL's catalogs, about 7.5 MB).
    pg_size=$(($(pg_scratch_size "bench$run") - pg_empty))
    printf '  run %d: ingest on PostgreSQL %.3f s (%.1fx validate, %.2fx SQLite ingest), database %d bytes\n' \
      "$run" "$total" "$(echo "$total / $v" | bc -l)" "$(echo "$total / $sqlite_total" | bc -l)" "$pg_size"
    if [ -z "$best_pg" ] || (($(echo "$total < $best_pg" | bc))); then best_pg=$total; fi
    pg_bytes=$pg_size
    rm -rf "$p/data/partners"
    total=$sqlite_total
  fi
  if [ -z "$best_validate" ] || (($(echo "$v < $best_validate" | bc))); then best_validate=$v; fi
  if [ -z "$best_ingest" ] || (($(echo "$total < $best_ingest" | bc))); then best_ingest=$total; fi
  db_bytes=$size
  rm -rf "$d/data/partners"
done
printf 'best of %d: validate %.3f s, ingest %.3f s: ingest costs %.2fx validate\n' "$runs" \
  "$best_validate" "$best_ingest" "$(echo "$best_ingest / $best_validate" | bc -l)"
if [ -n "$best_floor" ]; then
  printf 'floor: sqlite3 .import of the same files %.3f s (%.2fx validate; ingest is %.2fx it), %d bytes (%.2fx the CSV)\n' \
    "$best_floor" "$(echo "$best_floor / $best_validate" | bc -l)" "$(echo "$best_ingest / $best_floor" | bc -l)" \
    "$floor_bytes" "$(echo "$floor_bytes / $csv_bytes" | bc -l)"
fi
printf 'database %d bytes for %d bytes of CSV: %.2fx; ingest peak RSS %.1f MiB\n' "$db_bytes" \
  "$csv_bytes" "$(echo "$db_bytes / $csv_bytes" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
if [ "$postgres" = 1 ]; then
  printf 'PostgreSQL (%s): ingest %.3f s, %.2fx validate, %.2fx the SQLite ingest; database %d bytes (%.2fx the CSV); bankdrop peak RSS %.1f MiB\n' \
    "$PG_SCRATCH_SETTINGS, fsync on" "$best_pg" "$(echo "$best_pg / $best_validate" | bc -l)" \
    "$(echo "$best_pg / $best_ingest" | bc -l)" "$pg_bytes" "$(echo "$pg_bytes / $csv_bytes" | bc -l)" \
    "$(echo "$pg_peak / 1024" | bc -l)"
fi
