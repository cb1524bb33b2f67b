#!/usr/bin/env bash
# A private, throw-away PostgreSQL cluster on 127.0.0.1 for the storage tests.
#   scripts/peers/postgres.sh start   -> prints "DIR PORT" (cluster in DIR, listening on PORT)
#   scripts/peers/postgres.sh stop DIR -> stops that cluster and deletes DIR
# initdb and postgres refuse to run as root: as root the cluster belongs to the `postgres` user
# (created by Debian's postgresql package); as any other user it runs as that user.
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "postgres.sh: PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/setup.sh)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  local dir=$1
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    # Idempotence: clean up clusters left behind by runs that were killed (their owner is gone).
    for old in /tmp/opsource-pg.*; do
      [ -d "$old" ] || continue
      owner=$(cat "$old/owner" 2>/dev/null || echo "")
      if [ -z "$owner" ] || ! kill -0 "$owner" 2>/dev/null; then stop_cluster "$old"; fi
    done

    dir=$(mktemp -d /tmp/opsource-pg.XXXXXX)
    echo "${OPSOURCE_PG_OWNER:-$PPID}" >"$dir/owner"
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    # A free port: bind port 0 and read what the kernel chose.
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; stop_cluster "$dir"; exit 1; }
    # -F: no fsync (test data is thrown away); listen on loopback only; socket in the private dir.
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-k $dir -h 127.0.0.1 -p $port -F" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; stop_cluster "$dir"; exit 1; }
    echo "$dir $port"
    ;;
  stop)
    dir=${2:?usage: postgres.sh stop DIR}
    case "$dir" in /tmp/opsource-pg.*) stop_cluster "$dir" ;; *) echo "postgres.sh: refusing to remove $dir" >&2; exit 1 ;; esac
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 1
    ;;
esac
