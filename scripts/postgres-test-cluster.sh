#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the PostgreSQL state tests: on 127.0.0.1 only, run by an
# unprivileged user (the `postgres` account when started as root), with password authentication
# and TLS (a self-signed certificate made for it).
#
#   eval "$(scripts/postgres-test-cluster.sh start DIR)"   # prints the variables the tests read
#   scripts/postgres-test-cluster.sh stop DIR
#
# The tests read PROVISOR_TEST_POSTGRES_URL (the URL with its password) and
# PROVISOR_TEST_POSTGRES_CA (the certificate that signed the server's). The cluster does not
# fsync (throw-away data) unless PROVISOR_POSTGRES_FSYNC=on, as the benchmarks set.
set -euo pipefail
command=${1:?usage: $0 start|stop DIR}
dir=$(mkdir -p "${2:?usage: $0 start|stop DIR}" && cd "$2" && pwd)

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$bindir" ] || bindir=$(dirname "$(command -v initdb || echo /nonexistent/initdb)")
[ -x "$bindir/initdb" ] || { echo "error: PostgreSQL's initdb was not found (install the Debian package postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  password=$(openssl rand -hex 16)
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '%s\n' "$password" > "$dir/password"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/password"
  as_owner "$bindir/initdb" -D "$dir/data" -U provisor --auth=scram-sha-256 --pwfile="$dir/password" -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/password"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/data/server.key" -out "$dir/data/server.crt" 2>/dev/null
  cp "$dir/data/server.crt" "$dir/ca.crt"
  chmod 600 "$dir/data/server.key"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/data/server.key" "$dir/data/server.crt"
  cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
fsync = ${PROVISOR_POSTGRES_FSYNC:-off}
max_connections = 200
CONF
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "export PROVISOR_TEST_POSTGRES_URL='postgres://provisor:$password@127.0.0.1:$port/postgres'"
  echo "export PROVISOR_TEST_POSTGRES_CA='$dir/ca.crt'"
  ;;
stop)
  [ -d "$dir/data" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
