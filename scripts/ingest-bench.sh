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
#     file, same page size and journal: no validation, no types, no lookups, no sums.
# Prints the best of each, their ratio, the database's size (with its WAL) against the CSV bytes,
# and the peak RSS of the ingest. Environment: KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

accounts=${1:-100000}
days=${2:-2}
runs=${3:-3}

cargo build --release -q -p bankdrop-cli
bin=$PWD/target/release/bankdrop
work=$(mktemp -d "${TMPDIR:-/tmp}/bankdrop-ingest.XXXXXX")
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then echo "ingest-bench: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

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
peak=
db_bytes=
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
  ssh-keygen -q -t ed25519 -N '' -f "$d/key" >/dev/null
  "$bin" --config "$d/bankdrop.toml" partner add bench --key "$d/key.pub" >/dev/null
  total=0
  for day in "$work"/prog/*/; do
    t0=$(now)
    /usr/bin/time -f '%M' -o "$d/rss" "$bin" --config "$d/bankdrop.toml" ingest --partner bench "$day"*.csv \
      >"$d/ingest.out" 2>"$d/ingest.err" || { cat "$d/ingest.out"; tail -5 "$d/ingest.err"; exit 1; }
    t1=$(now)
    total=$(echo "$total + $t1 - $t0" | bc)
    kib=$(cat "$d/rss")
    if [ -z "$peak" ] || [ "$kib" -gt "$peak" ]; then peak=$kib; fi
  done
  size=$(find "$d/data" -maxdepth 1 -name 'bankdrop.sqlite*' -printf '%s\n' | awk '{s += $1} END {print s}')
  printf '  run %d: validate %.3f s, ingest %.3f s (%.1fx), database %d bytes%s\n' "$run" "$v" "$total" \
    "$(echo "$total / $v" | bc -l)" "$size" "${f:+; sqlite3 .import floor $(printf %.3f "$f") s}"
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
