#!/usr/bin/env bash
# Load and abuse test of the SFTP intake (issue 9): does one partner, or a stranger, keep the
# others out?
#
#   scripts/load-test.sh [CLIENTS]        default 50
#
# Builds and starts a release `bankdrop serve` in a temp dir on a free loopback port, with
# partners load0..load9 (one shared key), acme (the abuser) and beta (the bystander), then runs:
#
#   uploads   CLIENTS concurrent clients (partners load0..9, from 127.0.0.10-17), 5 small files each
#   auth      a flood of logins with an unknown key from 127.0.0.100-103 (past 60 a minute an
#             address is turned away at accept)
#   idle      60 TCP connections that send nothing (127.0.0.110-113) and 8 logged-in acme
#             connections that send nothing, held past the login timeout (10 s here)
#   handles   acme: 8 connections × 4 SFTP sessions, each opening folders until refused
#
# During every phase beta logs in, uploads a file and lists its inbox, over and over, from
# 127.0.0.1. The server's RSS (VmRSS, VmHWM) and open descriptors are sampled every 100 ms.
# Prints, per phase: peak RSS, peak descriptors, beta's successes/failures and worst latency.
#
# Environment: KEEP=1 keeps the temp dir; LEAK=1 makes the login flood keep every refused
# connection open (as an attacker would) instead of closing it. Needs python3 with paramiko (pip install paramiko)
# and ssh-keygen. Everything stays on 127/8; every loop is bounded; nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."

clients=${1:-50}

python3 -c 'import paramiko' 2>/dev/null || {
  echo "load-test: needs python3 with paramiko (pip install paramiko)" >&2
  exit 2
}
target=${CARGO_TARGET_DIR:-target}
cargo build --release -q -p bankdrop-cli
bin=$(cd "$target/release" && pwd)/bankdrop

work=$(mktemp -d "${TMPDIR:-/tmp}/bankdrop-load.XXXXXX")
server_pid=
load_pid=
cleanup() {
  for pid in $load_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "load-test: kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/bankdrop.toml" <<TOML
data_dir = "$work/data"

[demo]
partner = false

[web]
enabled = false

[metrics]
enabled = false

[sftp]
listen = "127.0.0.1:$port"
# The shipped limits, but timeouts short enough to see them work within the run.
login_timeout = "10s"
idle_timeout = "20s"

[pipeline]
workers = 1
TOML

for k in load acme beta stranger; do
  ssh-keygen -q -N "" -t ed25519 -C "$k" -f "$work/$k"
done
for i in $(seq 0 9); do
  "$bin" --config "$work/bankdrop.toml" partner add "load$i" --key "$work/load.pub" >/dev/null
done
"$bin" --config "$work/bankdrop.toml" partner add acme --key "$work/acme.pub" >/dev/null
"$bin" --config "$work/bankdrop.toml" partner add beta --key "$work/beta.pub" >/dev/null

(cd "$work" && exec "$bin" --config "$work/bankdrop.toml" serve >"$work/serve.out" 2>"$work/serve.err") &
server_pid=$!
for _ in $(seq 1 500); do
  grep -q 'bankdrop: SFTP on' "$work/serve.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.02
done
grep -q 'bankdrop: SFTP on' "$work/serve.out" || { echo "server did not start" >&2; exit 1; }
echo "load-test: release server pid $server_pid on port $port, $clients upload clients"

cat >"$work/load.py" <<'PY'
"""The phases; see scripts/load-test.sh."""
import os, socket, sys, threading, time

import paramiko
from paramiko.sftp import CMD_OPENDIR

host, port, pid, work, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
key = lambda name: paramiko.Ed25519Key.from_private_key_file(os.path.join(work, name))
KEYS = {n: key(n) for n in ("load", "acme", "beta", "stranger")}


def connect(user, keyname, src="127.0.0.1", timeout=15):
    sock = socket.create_connection((host, port), timeout=timeout, source_address=(src, 0))
    t = paramiko.Transport(sock)
    t.banner_timeout = timeout
    t.auth_timeout = timeout
    t.connect(username=user, pkey=KEYS[keyname])
    return t


class Sampler(threading.Thread):
    """Peak RSS and descriptors of the server while a phase runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lock = threading.Lock()
        self.reset()
        self.running = True

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.rss = self.hwm = self.fds = 0

    def run(self):
        while self.running:
            try:
                status = open("/proc/%d/status" % pid).read()
                vals = {l.split(":")[0]: l.split()[1] for l in status.splitlines() if l.startswith(("VmRSS", "VmHWM"))}
                fds = len(os.listdir("/proc/%d/fd" % pid))
            except (FileNotFoundError, ProcessLookupError):
                return
            with self.lock:
                self.rss = max(self.rss, int(vals["VmRSS"]))
                self.hwm = max(self.hwm, int(vals["VmHWM"]))
                self.fds = max(self.fds, fds)
            time.sleep(0.1)


class Beta(threading.Thread):
    """The bystander: log in, upload, list, log out, again and again."""

    def __init__(self, phase):
        super().__init__(daemon=True)
        self.phase, self.ok, self.failed, self.worst, self.errors = phase, 0, 0, 0.0, []
        self.stop = threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            t0 = time.monotonic()
            try:
                t = connect("beta", "beta")
                s = paramiko.SFTPClient.from_transport(t)
                with s.open("transaction/beta-%s-%d.csv" % (self.phase, n), "w") as f:
                    f.write(b"a|b\n1|2\n")
                s.listdir("transaction")
                s.close()
                t.close()
                self.ok += 1
            except Exception as e:  # any failure is what this measures
                self.failed += 1
                self.errors.append("%s: %s" % (type(e).__name__, e))
            self.worst = max(self.worst, time.monotonic() - t0)
            self.stop.wait(0.2)


def uploads():
    done, failed = [0], [0]
    lock = threading.Lock()

    def client(i):
        try:
            t = connect("load%d" % (i % 10), "load", "127.0.0.%d" % (10 + i % 8))
            s = paramiko.SFTPClient.from_transport(t)
            for j in range(5):
                with s.open("transaction/c%d-%d.csv" % (i, j), "w") as f:
                    f.write(b"x|y\n" * 512)
                with lock:
                    done[0] += 1
            s.close()
            t.close()
        except Exception:
            with lock:
                failed[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    return "%d files uploaded by %d clients, %d clients failed" % (done[0], clients, failed[0])


def auth():
    counts = {"refused key": 0, "turned away at accept": 0, "other": 0}
    lock = threading.Lock()
    attempts = iter(range(480))

    def worker(w):
        for i in attempts:
            src = "127.0.0.%d" % (100 + i % 4)
            sock = socket.create_connection((host, port), timeout=5, source_address=(src, 0))
            t = paramiko.Transport(sock)
            t.banner_timeout = 5
            try:
                t.connect(username="acme", pkey=KEYS["stranger"])
                kind = "other"
            except paramiko.AuthenticationException:
                kind = "refused key"
            except (paramiko.SSHException, EOFError, OSError):
                kind = "turned away at accept"
            finally:
                # LEAK=1: an attacker keeps each refused connection open until the server
                # closes it at the login timeout.
                if os.environ.get("LEAK") != "1":
                    t.close()
            with lock:
                counts[kind] += 1

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(16)]
    [t.start() for t in threads]
    [t.join(180) for t in threads]
    return ", ".join("%s %d" % kv for kv in counts.items())


def idle():
    raw = []
    for i in range(60):
        s = socket.create_connection((host, port), timeout=5, source_address=("127.0.0.%d" % (110 + i % 4), 0))
        raw.append(s)
    logged_in, quiet = [], []
    for _ in range(8):
        try:
            l = connect("acme", "acme")
            # An SFTP session that then sends nothing (kept referenced: collected, it closes).
            quiet.append(paramiko.SFTPClient.from_transport(l))
            logged_in.append(l)
        except Exception:
            pass
    t0 = time.monotonic()
    closed_at = {}
    while time.monotonic() - t0 < 14:
        for i, s in enumerate(raw):
            if i in closed_at:
                continue
            s.setblocking(False)
            try:
                while True:
                    b = s.recv(4096)
                    if not b:
                        closed_at[i] = time.monotonic() - t0
                        break
            except BlockingIOError:
                pass
            except OSError:
                closed_at[i] = time.monotonic() - t0
        time.sleep(0.2)
    for s in raw:
        s.close()
    alive = sum(1 for l in logged_in if l.is_active())
    for l in logged_in:
        l.close()
    del quiet
    worst = max(closed_at.values()) if closed_at else float("nan")
    return "%d/60 silent connections closed by the server (last after %.1f s); %d/%d idle logins still open at 14 s (idle timeout 20 s)" % (
        len(closed_at), worst, alive, len(logged_in))


def handles():
    conns, logins, sessions, granted, refused, messages = [], 0, 0, 0, 0, set()
    for c in range(10):
        try:
            t = connect("acme", "acme", "127.0.0.%d" % (120 + c % 4))
        except Exception as e:
            messages.add("login: %s" % type(e).__name__)
            continue
        conns.append(t)
        opened = 0
        for _ in range(6):
            try:
                s = paramiko.SFTPClient.from_transport(t)
            except Exception:
                break
            sessions += 1
            opened += 1
            for _ in range(300):
                try:
                    s._request(CMD_OPENDIR, "/")
                    granted += 1
                except IOError as e:
                    refused += 1
                    messages.add(str(e))
                    break
            conns.append(s)
        logins += opened > 0
    time.sleep(5)  # held while beta keeps going
    for x in conns:
        try:
            x.close()
        except Exception:
            pass
    return "acme got %d logins (of 10 tried), %d sessions (6 tried on each), %d handles; refused: %s" % (
        logins, sessions, granted, "; ".join(sorted(messages)))


sampler = Sampler()
sampler.start()
rows = []
for n, (name, phase) in enumerate((("uploads", uploads), ("auth", auth), ("idle", idle), ("handles", handles))):
    if n:
        time.sleep(12)  # past the login timeout: what one phase left open is gone
    sampler.reset()
    beta = Beta(name)
    beta.start()
    t0 = time.monotonic()
    what = phase()
    beta.stop.set()
    beta.join(30)
    with sampler.lock:
        rss, hwm, fds = sampler.rss, sampler.hwm, sampler.fds
    rows.append((name, time.monotonic() - t0, rss, hwm, fds, beta.ok, beta.failed, beta.worst))
    print("phase %-8s %s" % (name, what))
    for e in beta.errors[:3]:
        print("         beta error: %s" % e)
    sys.stdout.flush()
sampler.running = False

print()
print("%-8s %7s %12s %12s %9s %8s %8s %11s" % ("phase", "secs", "peak RSS", "VmHWM", "peak fds", "beta ok", "failed", "worst beta"))
for name, secs, rss, hwm, fds, ok, failed, worst in rows:
    print("%-8s %7.1f %9.1f MB %9.1f MB %9d %8d %8d %9.2f s" % (name, secs, rss / 1024, hwm / 1024, fds, ok, failed, worst))
PY

# paramiko logs every refused banner with a traceback on stderr: keep it in the temp dir.
python3 "$work/load.py" 127.0.0.1 "$port" "$server_pid" "$work" "$clients" 2>"$work/load.err" &
load_pid=$!
wait "$load_pid"
load_pid=
