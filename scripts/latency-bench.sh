#!/usr/bin/env bash
# Latency benchmark (issue 4): the time from the end of an upload to its status file.
#
#   scripts/latency-bench.sh [FILES] [ROWS]        defaults: 1000 files of 10000 rows
#
# Builds and starts a release `bankdrop serve` in a temp dir on a free loopback port, generates
# FILES transaction files of ROWS rows (distinct dates, so none is `already_accepted`, D5), uploads
# them one after another over one paramiko connection, and records for each the moment its
# upload's close returned. A separate watcher process (inotify on transaction/processed and
# transaction/failed) records the moment each `<name>.status.json` appears; both use
# CLOCK_MONOTONIC. Prints p50, p99 and max of (status − upload end), and the throughput.
#
# By default the uploads go back to back, so the latency includes the queue that builds up when
# uploads outpace processing. PACE=1 waits for each file's status before the next upload: the
# latency of one file on an idle server.
#
# Environment: WORKERS (pipeline workers, default 2), PACE=1 (see above), KEEP=1 keeps the temp
# dir, CONFIG_EXTRA (appended to the server's configuration), REGISTER=0 (the transactions'
# balances are not registered: every file is rejected, as scripts/alerts-bench.sh wants).
# Needs python3 with paramiko (pip install paramiko).
set -euo pipefail
cd "$(dirname "$0")/.."

files=${1:-1000}
rows=${2:-10000}
workers=${WORKERS:-2}

python3 -c 'import paramiko' 2>/dev/null || {
  echo "latency-bench: needs python3 with paramiko (pip install paramiko)" >&2
  exit 2
}
cargo build --release -q -p bankdrop-cli
bin=$PWD/target/release/bankdrop

work=$(mktemp -d "${TMPDIR:-/tmp}/bankdrop-latency.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "latency-bench: kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/bankdrop.toml" <<TOML
data_dir = "$work/data"

[web]
enabled = false

[metrics]
enabled = false

[sftp]
listen = "127.0.0.1:$port"

[pipeline]
workers = $workers

${CONFIG_EXTRA:-}
TOML

echo "latency-bench: generating $files transaction files of $rows rows in $work/outbox"
mkdir -p "$work/outbox"
t0=$(date +%s.%N)
python3 - "$files" <<'PY' | xargs -P "$(nproc)" -n 2 sh -c \
  "\"$bin\" gen --type transaction --rows $rows --date \"\$0\" --seed \"\$1\" --out \"$work/outbox\" 2>/dev/null"
import datetime, sys
first = datetime.date(2020, 1, 1)
for i in range(int(sys.argv[1])):
    print(first + datetime.timedelta(days=i), 1000 + i)
PY
echo "latency-bench: generated $(find "$work/outbox" -type f | wc -l) files, $(du -sh "$work/outbox" | cut -f1), in $(python3 -c "import time; print('%.1f s' % (time.time() - $t0))")"

(cd "$work" && exec "$bin" --config "$work/bankdrop.toml" serve >"$work/serve.out" 2>"$work/serve.err") &
server_pid=$!
for _ in $(seq 1 500); do
  grep -q 'bankdrop: SFTP on' "$work/serve.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.02
done
grep -q 'bankdrop: SFTP on' "$work/serve.out" || { echo "server did not start" >&2; exit 1; }
echo "latency-bench: release server pid $server_pid on port $port, $workers pipeline workers"
# The balances and cards the generated transactions name exist: registered as created outside
# files (D8), so every file is accepted and applied, the path this benchmark is about.
[ "${REGISTER:-1}" = 1 ] && awk -F'|' 'FNR == 1 { for (i = 1; i <= NF; i++) { if ($i == "balance_id") b = i; if ($i == "card_id") c = i }; next }
  { if ($b != "") print "balance|" $b; if ($c != "") print "card|" $c }' "$work"/outbox/*.csv \
  | sort -u | { echo "kind|id"; cat; } >"$work/registry.csv"
[ "${REGISTER:-1}" = 1 ] && "$bin" --config "$work/bankdrop.toml" registry import --partner demo "$work/registry.csv" >/dev/null

python3 scripts/intake-bench.py 127.0.0.1 "$port" "$work/data/demo_ed25519" "$work/outbox" \
  "$work/data/partners/demo/transaction"
