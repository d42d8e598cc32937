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
# dir.
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

[sftp]
listen = "127.0.0.1:$port"

[pipeline]
workers = $workers
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
awk -F'|' 'FNR == 1 { for (i = 1; i <= NF; i++) { if ($i == "balance_id") b = i; if ($i == "card_id") c = i }; next }
  { if ($b != "") print "balance|" $b; if ($c != "") print "card|" $c }' "$work"/outbox/*.csv \
  | sort -u | { echo "kind|id"; cat; } >"$work/registry.csv"
"$bin" --config "$work/bankdrop.toml" registry import --partner demo "$work/registry.csv" >/dev/null

cat >"$work/bench.py" <<'PY'
"""Uploads every file of OUTBOX over one paramiko connection and measures end-of-upload → status."""
import ctypes, ctypes.util, json, os, struct, subprocess, sys, threading, time

IN_CREATE, IN_CLOSE_WRITE, IN_MOVED_TO = 0x100, 0x8, 0x80


def watch(dirs):
    """Watcher process: prints `monotonic_ns name` for every file created or renamed in dirs."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(0)
    if fd < 0:
        sys.exit("inotify_init1 failed")
    for d in dirs:
        if libc.inotify_add_watch(fd, d.encode(), IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
            sys.exit("inotify_add_watch %s failed" % d)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    while True:
        buf = os.read(fd, 1 << 16)
        now = time.monotonic_ns()
        i = 0
        while i < len(buf):
            _wd, _mask, _cookie, length = struct.unpack_from("iIII", buf, i)
            name = buf[i + 16:i + 16 + length].rstrip(b"\0").decode()
            i += 16 + length
            if name.endswith(".status.json") and not name.startswith("."):
                out.write("%d %s\n" % (now, name))
        out.flush()


def pct(sorted_values, p):
    """Nearest-rank percentile."""
    k = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(k) - 1]


def main():
    host, port, key_path, outbox, inbox = sys.argv[1:6]
    import paramiko

    results = [os.path.join(inbox, "processed"), os.path.join(inbox, "failed")]
    watcher = subprocess.Popen(
        [sys.executable, __file__, "--watch"] + results, stdout=subprocess.PIPE, text=True
    )
    assert watcher.stdout.readline().strip() == "ready"
    seen, cond = {}, threading.Condition()

    def follow():
        for line in watcher.stdout:
            t, name = line.split(" ", 1)
            with cond:
                seen.setdefault(name.strip()[: -len(".status.json")], int(t))
                cond.notify_all()

    threading.Thread(target=follow, daemon=True).start()
    pace = os.environ.get("PACE") == "1"

    names = sorted(os.listdir(outbox))
    total_bytes = sum(os.path.getsize(os.path.join(outbox, n)) for n in names)
    key = paramiko.Ed25519Key.from_private_key_file(key_path)
    transport = paramiko.Transport((host, int(port)))
    transport.connect(username="demo", pkey=key)
    sftp = paramiko.SFTPClient.from_transport(transport)

    ends, upload_s = {}, []
    start = time.monotonic_ns()
    for n in names:
        t = time.monotonic_ns()
        sftp.put(os.path.join(outbox, n), "transaction/" + n, confirm=False)
        ends[n] = time.monotonic_ns()
        upload_s.append((ends[n] - t) / 1e9)
        if pace:
            with cond:
                cond.wait_for(lambda: n in seen, timeout=60)
    sftp.close()
    transport.close()

    with cond:
        cond.wait_for(lambda: all(n in seen for n in names), timeout=900)
    watcher.kill()
    missing = [n for n in names if n not in seen]
    if missing:
        sys.exit("no status for %d files, e.g. %s" % (len(missing), missing[:3]))
    last = max(seen[n] for n in names)

    outcomes = {}
    for d in results:
        for f in os.listdir(d):
            if f.endswith(".status.json"):
                with open(os.path.join(d, f)) as fh:
                    o = json.load(fh)["outcome"]
                outcomes[o] = outcomes.get(o, 0) + 1

    lat = sorted((seen[n] - ends[n]) / 1e6 for n in names)
    up = sorted(upload_s)
    wall = (last - start) / 1e9
    mb = total_bytes / 1e6
    print("mode             %s" % ("paced: each upload waits for the previous status" if pace else "back to back"))
    print("files            %d (%.0f MB, %s)" % (len(names), mb, ", ".join("%s %d" % kv for kv in sorted(outcomes.items()))))
    print("upload → status  p50 %.1f ms   p99 %.1f ms   max %.1f ms   mean %.1f ms" % (
        pct(lat, 50), pct(lat, 99), lat[-1], sum(lat) / len(lat)))
    print("upload (put)     p50 %.1f ms   p99 %.1f ms   %.1f MB/s of upload time" % (
        pct(up, 50) * 1e3, pct(up, 99) * 1e3, mb / sum(up)))
    print("throughput       %.1f files/s, %.1f MB/s (first upload start → last status, %.1f s)" % (
        len(names) / wall, mb / wall, wall))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--watch"]:
        watch(sys.argv[2:])
    else:
        main()
PY

python3 "$work/bench.py" 127.0.0.1 "$port" "$work/data/demo_ed25519" "$work/outbox" \
  "$work/data/partners/demo/transaction"
