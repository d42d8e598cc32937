#!/usr/bin/env bash
# Crash soak: runs a crash test N times, each with its own kill schedule:
#   - crates/cli/tests/crash.rs (default): one node SIGKILLed at random moments while 200 files
#     are uploaded and processed, on SQLite;
#   - crates/cli/tests/nodes.rs (SOAK_TEST=nodes): three nodes over one PostgreSQL, 300 files,
#     random nodes SIGKILLed and restarted.
#
#   scripts/crash-soak.sh [N] [FIRST_SEED]     N runs (default 20), seeds FIRST_SEED.. (default 1)
#
# SOAK_CARGO_FLAGS adds cargo flags (e.g. SOAK_CARGO_FLAGS=--release). Logs of failed runs are
# kept and their paths printed; the exit status is 0 only when every run passed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-20}
first=${2:-1}
test=${SOAK_TEST:-crash}
case $test in crash | nodes) ;; *) echo "SOAK_TEST is crash or nodes" >&2; exit 2 ;; esac
# shellcheck disable=SC2206
flags=(${SOAK_CARGO_FLAGS:-})

cargo test "${flags[@]}" -p bankdrop-cli --test "$test" --no-run >/dev/null 2>&1 ||
  cargo test "${flags[@]}" -p bankdrop-cli --test "$test" --no-run

pass=0
failed=()
logs=$(mktemp -d "${TMPDIR:-/tmp}/crash-soak.XXXXXX")
t0=$(date +%s)
for ((i = 0; i < runs; i++)); do
  seed=$((first + i))
  log="$logs/seed-$seed.log"
  s0=$(date +%s)
  if BANKDROP_CRASH_SEED=$seed BANKDROP_NODES_SEED=$seed cargo test "${flags[@]}" -q -p bankdrop-cli --test "$test" \
    -- --nocapture >"$log" 2>&1; then
    pass=$((pass + 1))
    summary=$(grep -o 'passed in .*' "$log" | head -1 || true)
    echo "seed $seed: ok ($(($(date +%s) - s0)) s) ${summary}"
    rm -f "$log"
  else
    failed+=("$seed")
    echo "seed $seed: FAILED ($(($(date +%s) - s0)) s), log: $log"
  fi
done
total=$(($(date +%s) - t0))
echo "$test soak: $pass of $runs runs passed in ${total} s (seeds $first..$((first + runs - 1)))"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed seeds: ${failed[*]} (rerun one: BANKDROP_CRASH_SEED=N BANKDROP_NODES_SEED=N cargo test -p bankdrop-cli --test $test -- --nocapture)"
  exit 1
fi
rmdir "$logs" 2>/dev/null || true
