#!/bin/sh
# Two flwd servers on one PostgreSQL, on one machine (docs/scaling.md):
# a throwaway PostgreSQL in a temp dir (Debian's postgresql package), two
# `flwd :serve` on it, each with its own data directory and port, a run
# posted to the first and followed on the second. Run it from a checkout
# (the servers serve examples/jobs); everything it made is stopped and
# removed when it ends.
#
# PG_PORT, A_PORT and B_PORT choose the ports (default 5433, 8081, 8082);
# FLWD the command (default flwd).
set -eu
PG_PORT=${PG_PORT:-5433}
A=http://127.0.0.1:${A_PORT:-8081}
B=http://127.0.0.1:${B_PORT:-8082}
FLWD=${FLWD:-flwd}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
work=$(mktemp -d)

# initdb and postgres refuse to run as root: as root, they run as the postgres user.
if [ "$(id -u)" = 0 ]; then
  chown postgres "$work"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
a=
b=
cleanup() {
  [ -n "$a" ] && kill "$a" 2>/dev/null
  [ -n "$b" ] && kill "$b" 2>/dev/null
  wait
  as_pg "$PGBIN/pg_ctl" stop -D "$work/pg" -m fast >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. PostgreSQL on 127.0.0.1:$PG_PORT, a database "flwd" owned by the role "flwd".
as_pg "$PGBIN/initdb" -D "$work/pg" -U flwd --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" start -D "$work/pg" -l "$work/pg.log" -w -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $work" >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U flwd flwd

# 2. Two servers on it: one store, a data directory and a port each.
export FLWD_STORE="postgres://flwd@127.0.0.1:$PG_PORT/flwd" FLWD_TOKENS='demo:*'
$FLWD :serve --data-dir "$work/node-a" --bind "${A#http://}" --root examples/jobs --node-lease 5s &
a=$!
$FLWD :serve --data-dir "$work/node-b" --bind "${B#http://}" --root examples/jobs --node-lease 5s &
b=$!
for i in $(seq 600); do
  curl -sf "$A/healthz" >/dev/null && curl -sf "$B/healthz" >/dev/null && break
  sleep 0.2
done

# 3. A run posted to server A, followed on server B until it ends.
id=$(curl -sf -X POST "$A/runs" -H 'Authorization: Bearer demo' -H 'Content-Type: application/json' \
  -d '{"job":"hello-world","args":{"name":"Alice"}}' | sed -n 's/^{"id":"\([^"]*\)".*/\1/p')
echo "posted $id to $A; following it on $B"
$FLWD --remote "$B" --token demo :events --run "$id" --follow
