#!/usr/bin/env bash
# Ingest benchmark (issue 10): what it costs to take a whole program in, against validating it.
#
#   scripts/ingest-bench.sh [ACCOUNTS] [DAYS] [RUNS]     defaults: 100000 accounts, 2 days, 3 runs
#
# Builds release binaries, generates a deposit program (`bankdrop gen --program deposit`), then
# in the same run, RUNS times each, alternating:
#   - baseline: `bankdrop validate` of every file of the program (one process, all files);
#   - `bankdrop ingest` of the program day by day into a fresh data directory (SQLite, the
#     default store): every file validated, checked against what came before, applied, decided.
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

now() { date +%s.%N; }
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
  printf '  run %d: validate %.3f s, ingest %.3f s (%.1fx), database %d bytes\n' "$run" "$v" "$total" \
    "$(echo "$total / $v" | bc -l)" "$size"
  if [ -z "$best_validate" ] || (($(echo "$v < $best_validate" | bc))); then best_validate=$v; fi
  if [ -z "$best_ingest" ] || (($(echo "$total < $best_ingest" | bc))); then best_ingest=$total; fi
  db_bytes=$size
  rm -rf "$d/data/partners"
done
printf 'best of %d: validate %.3f s, ingest %.3f s: ingest costs %.2fx validate\n' "$runs" \
  "$best_validate" "$best_ingest" "$(echo "$best_ingest / $best_validate" | bc -l)"
printf 'database %d bytes for %d bytes of CSV: %.2fx; ingest peak RSS %.1f MiB\n' "$db_bytes" \
  "$csv_bytes" "$(echo "$db_bytes / $csv_bytes" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
