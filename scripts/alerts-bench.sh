#!/usr/bin/env bash
# Alerts never slow intake (issue 12): the same intake (scripts/latency-bench.sh) of files that
# are each rejected, so each raises a `file_rejected` alert written with its decision, measured
# three ways in one run:
#   none   no webhook: every alert is marked delivered at once (the baseline);
#   down   a webhook on a port nothing listens on: every alert fails and is retried all along;
#   slow   a live webhook that answers each post after 200 ms.
#
#   scripts/alerts-bench.sh [FILES] [ROWS]        defaults: 300 files of 2000 rows
#
# Needs python3 with paramiko, like latency-bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-300}
rows=${2:-2000}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

slow_port=$(free_port)
python3 - "$slow_port" <<'PY' &
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(0.2)
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
receiver=$!
trap 'kill $receiver 2>/dev/null || true' EXIT

hook() {
  printf '[alerts]\nretry_max = "2s"\n[[alerts.webhooks]]\nname = "bench"\nkind = "json"\nurl = "http://127.0.0.1:%s/hook"\n' "$1"
}
for run in none down slow; do
  case $run in
    none) extra="" ;;
    down) extra=$(hook "$(free_port)") ;;
    slow) extra=$(hook "$slow_port") ;;
  esac
  echo "== alerts-bench: $run"
  CONFIG_EXTRA="$extra" REGISTER=0 scripts/latency-bench.sh "$files" "$rows" | grep -v '^latency-bench: generat'
done
