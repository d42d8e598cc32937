# A throwaway PostgreSQL server for the benchmarks (issue 11), to be sourced:
#
#   . scripts/pg-scratch.sh
#   pg_scratch_start                 # a cluster in a new temp dir, on a free loopback port
#   pg_scratch_createdb NAME         # then $PG_URL/NAME is a database url for [store] url
#   pg_scratch_size NAME             # its size in bytes (pg_database_size)
#   pg_scratch_stop                  # stops the server and removes the dir
#
# The binaries are Debian's (the newest /usr/lib/postgresql/<version>/bin), or those under
# $BANKDROP_PG_BIN, or those on PATH: the same search as crates/pgtest. Nothing is downloaded.
# initdb refuses to run as root, so under root the cluster belongs to the `postgres` user and
# every server command runs as it (`runuser -u postgres --`).
#
# Settings: everything PostgreSQL ships with, durability included (fsync, synchronous_commit,
# full_page_writes stay on), except two sizes a bulk load wants on a machine of this size:
# shared_buffers = 1GB (the default 128MB is sized for small machines; SQLite's side gets the
# OS page cache and its own 64 MiB writer cache) and max_wal_size = 2GB (at the default 1GB
# a load checkpoints every 30 s or so, and the server log says to raise it; the WAL may take
# that much disk beside the data: $PG_SCRATCH_MAX_WAL_SIZE sets another size). initdb runs
# with --no-sync: that only skips syncing the fresh cluster's files once, before the server
# starts.

# The directory holding initdb and pg_ctl.
pg_scratch_bin() {
  if [ -n "${BANKDROP_PG_BIN:-}" ]; then echo "$BANKDROP_PG_BIN"; return; fi
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return; fi
  local initdb
  initdb=$(command -v initdb) || return 1
  dirname "$initdb"
}

# A PostgreSQL program as the cluster's user.
pg_scratch_run() {
  local program=$1
  shift
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$PG_SCRATCH_BIN/$program" "$@"
  else
    "$PG_SCRATCH_BIN/$program" "$@"
  fi
}

# A TCP port nothing listens on now (the server's bind may still lose a race: start retries).
pg_scratch_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_scratch_start() {
  PG_SCRATCH_BIN=$(pg_scratch_bin) || {
    echo "pg-scratch: no PostgreSQL binaries (apt-get install postgresql)" >&2
    return 1
  }
  PG_SCRATCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/bankdrop-pg.XXXXXX")
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_SCRATCH_DIR"; fi
  pg_scratch_run initdb -A trust -U postgres -E UTF8 --no-sync -D "$PG_SCRATCH_DIR/data" \
    >"$PG_SCRATCH_DIR/initdb.log" 2>&1 || {
    cat "$PG_SCRATCH_DIR/initdb.log" >&2
    return 1
  }
  local wal=${PG_SCRATCH_MAX_WAL_SIZE:-2GB}
  PG_SCRATCH_SETTINGS="shared_buffers=1GB max_wal_size=$wal"
  local try
  for try in 1 2 3 4 5; do
    PG_PORT=$(pg_scratch_port)
    if pg_scratch_run pg_ctl -w -t 60 -l "$PG_SCRATCH_DIR/server.log" -D "$PG_SCRATCH_DIR/data" \
      -o "-p $PG_PORT -k $PG_SCRATCH_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=1GB -c max_wal_size=$wal" \
      start >/dev/null; then
      PG_URL="postgres://postgres@127.0.0.1:$PG_PORT"
      export PG_SCRATCH_BIN PG_SCRATCH_DIR PG_SCRATCH_SETTINGS PG_PORT PG_URL
      echo "pg-scratch: PostgreSQL $("$PG_SCRATCH_BIN/postgres" --version | awk '{print $3}') at $PG_URL ($PG_SCRATCH_SETTINGS; fsync on)" >&2
      return 0
    fi
  done
  tail -20 "$PG_SCRATCH_DIR/server.log" >&2
  return 1
}

pg_scratch_createdb() {
  pg_scratch_run createdb -h "$PG_SCRATCH_DIR" -p "$PG_PORT" -U postgres "$1"
}

pg_scratch_size() {
  pg_scratch_run psql -At -h "$PG_SCRATCH_DIR" -p "$PG_PORT" -U postgres -d "$1" \
    -c "SELECT pg_database_size(current_database())"
}

pg_scratch_stop() {
  if [ -n "${PG_SCRATCH_DIR:-}" ] && [ -d "$PG_SCRATCH_DIR/data" ]; then
    pg_scratch_run pg_ctl -m fast -w -D "$PG_SCRATCH_DIR/data" stop >/dev/null 2>&1 ||
      pg_scratch_run pg_ctl -m immediate -w -D "$PG_SCRATCH_DIR/data" stop >/dev/null 2>&1
    rm -rf "$PG_SCRATCH_DIR"
  fi
  PG_SCRATCH_DIR=
}
