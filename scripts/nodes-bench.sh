#!/usr/bin/env bash
# Intake with one node and with two (issue 11): files a second from the first upload to the last
# status file, over one PostgreSQL.
#
#   scripts/nodes-bench.sh [FILES] [ROWS] [RUNS]     defaults: 300 files of 5000 rows, 2 runs
#
# Builds release binaries, generates FILES transaction files of ROWS rows (distinct dates), then
# RUNS times, alternating, each on a fresh data directory and, on PostgreSQL, a fresh database of
# one throwaway server (scripts/pg-scratch.sh: durability on, as SQLite's commits are synced):
#   - sqlite: one node on the default store (the baseline), two upload connections to it;
#   - pg-1:   one node on PostgreSQL, two upload connections to it;
#   - pg-2:   two nodes on PostgreSQL and one data directory, one upload connection to each.
# Every node has the default two pipeline workers. The uploads and the status watcher are
# scripts/intake-bench.py. Prints each run, then the best files/s of each setup and the ratios.
#
# Environment: KEEP=1 keeps the temp dir. Needs python3 with paramiko and PostgreSQL's binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

files=${1:-300}
rows=${2:-5000}
runs=${3:-2}

python3 -c 'import paramiko' 2>/dev/null || {
  echo "nodes-bench: needs python3 with paramiko (pip install paramiko)" >&2
  exit 2
}
cargo build --release -q -p bankdrop-cli
bin=$PWD/target/release/bankdrop
# shellcheck source=scripts/pg-scratch.sh
. scripts/pg-scratch.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/bankdrop-nodes.XXXXXX")
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_all
  pg_scratch_stop
  if [ "${KEEP:-0}" = 1 ]; then echo "nodes-bench: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "nodes-bench: generating $files transaction files of $rows rows"
mkdir -p "$work/outbox"
python3 - "$files" <<'PY' | xargs -P "$(nproc)" -n 2 sh -c \
  "\"$bin\" gen --type transaction --rows $rows --date \"\$0\" --seed \"\$1\" --out \"$work/outbox\" 2>/dev/null"
import datetime, sys
first = datetime.date(2020, 1, 1)
for i in range(int(sys.argv[1])):
    print(first + datetime.timedelta(days=i), 1000 + i)
PY
echo "nodes-bench: $(find "$work/outbox" -type f | wc -l) files, $(du -sh "$work/outbox" | cut -f1)"
# The balances and cards the transactions name exist (created outside files, D8).
awk -F'|' 'FNR == 1 { for (i = 1; i <= NF; i++) { if ($i == "balance_id") b = i; if ($i == "card_id") c = i }; next }
  { if ($b != "") print "balance|" $b; if ($c != "") print "card|" $c }' "$work"/outbox/*.csv |
  sort -u | { echo "kind|id"; cat; } >"$work/registry.csv"

# start_node DIR NAME URL: a `serve` node on a free port; its port is in $node_port once it
# listens. (Not called in a command substitution: its pid must reach `pids` in this shell.)
start_node() {
  local dir=$1 name=$2 url=$3 port
  port=$(free_port)
  {
    echo "data_dir = \"$dir/data\""
    printf '\n[web]\nenabled = false\n\n[metrics]\nenabled = false\n\n[sftp]\nlisten = "127.0.0.1:%s"\n\n[cluster]\nnode = "%s"\n' "$port" "$name"
    if [ -n "$url" ]; then printf '\n[store]\nurl = "%s"\n' "$url"; fi
  } >"$dir/$name.toml"
  (cd "$dir" && exec "$bin" --config "$dir/$name.toml" serve >"$dir/$name.out" 2>"$dir/$name.err") &
  pids+=($!)
  for _ in $(seq 1 500); do
    grep -q 'bankdrop: SFTP on' "$dir/$name.out" 2>/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$dir/$name.err" >&2; exit 1; }
    sleep 0.02
  done
  grep -q 'bankdrop: SFTP on' "$dir/$name.out" || { echo "node $name did not start" >&2; exit 1; }
  node_port=$port
}

# run SETUP N: one measured run; prints intake-bench's report and records files/s.
run() {
  local setup=$1 n=$2 dir url="" ports
  dir="$work/$setup-$n"
  mkdir -p "$dir"
  if [ "$setup" != sqlite ]; then
    pg_scratch_createdb "${setup/-/_}_$n"
    url="$PG_URL/${setup/-/_}_$n"
  fi
  local a
  start_node "$dir" a "$url"
  a=$node_port
  "$bin" --config "$dir/a.toml" registry import --partner demo "$work/registry.csv" >/dev/null
  case $setup in
    pg-2) start_node "$dir" b "$url"; ports="$a,$node_port" ;;
    *) ports="$a,$a" ;;
  esac
  echo "--- $setup, run $n (ports $ports)"
  python3 scripts/intake-bench.py 127.0.0.1 "$ports" "$dir/data/demo_ed25519" "$work/outbox" \
    "$dir/data/partners/demo/transaction" | tee "$dir/report.txt"
  awk '/^throughput/ { print $2 }' "$dir/report.txt" >>"$work/$setup.fps"
  stop_all
  rm -rf "$dir/data"
}

pg_scratch_start
echo "nodes-bench: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= runs; i++)); do
  for setup in sqlite pg-1 pg-2; do run "$setup" "$i"; done
done
best() { sort -g "$work/$1.fps" | tail -1; }
s=$(best sqlite)
p1=$(best pg-1)
p2=$(best pg-2)
echo
echo "nodes-bench: best of $runs, files/s from the first upload to the last status"
echo "  sqlite, one node       $s"
echo "  postgresql, one node   $p1  ($(python3 -c "print('%.2f' % ($p1 / $s))")x sqlite)"
echo "  postgresql, two nodes  $p2  ($(python3 -c "print('%.2f' % ($p2 / $p1))")x one node)"
