#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite: `pg-cluster.sh start DIR` makes one in DIR
# (initdb, TLS with a self-signed certificate, a free port on 127.0.0.1), starts it and prints
# its URL; `pg-cluster.sh stop DIR` stops it and removes DIR. As root, the server runs as the
# `postgres` user (PostgreSQL refuses to run as root). Needs Debian's postgresql (any version).
set -euo pipefail
cmd=${1:?start, stop, url or with}; dir=${2:?a folder or a command}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "no PostgreSQL server (Debian's postgresql) is installed" >&2; exit 1; }
as=()
if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi

case "$cmd" in
start)
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U tandem --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # TLS, so that sslmode=require can be tested: a self-signed certificate for 127.0.0.1.
  if command -v openssl >/dev/null; then
    openssl req -new -x509 -days 2 -nodes -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
      -keyout "$dir/data/server.key" -out "$dir/data/server.crt" >/dev/null 2>&1
    cp "$dir/data/server.crt" "$dir/ca.crt"
    chmod 600 "$dir/data/server.key"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/data/server.key" "$dir/data/server.crt"
    echo "ssl = on" >> "$dir/data/postgresql.conf"
  fi
  # A role that logs in with a password (the rest of the cluster trusts loopback), to test
  # passwords taken from the environment.
  { echo "host all tandem_pw 127.0.0.1/32 scram-sha-256"; cat "$dir/data/pg_hba.conf"; } > "$dir/pg_hba.conf"
  cp "$dir/pg_hba.conf" "$dir/data/pg_hba.conf"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/data/pg_hba.conf"
  # A free port: asked of the kernel, then tried (another process may take it meanwhile).
  for attempt in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    if "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir/data -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" \
         -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
      echo "$port" > "$dir/port"
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U tandem tandem
      "$bin/psql" -q -h 127.0.0.1 -p "$port" -U tandem -d tandem -c "CREATE ROLE tandem_pw LOGIN PASSWORD 'tandem-pw-2026'" >/dev/null
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U tandem -O tandem_pw tandem_pw
      cat > "$dir/env" <<ENV
export TANDEM_TEST_POSTGRES=postgres://tandem@127.0.0.1:$port/tandem
export TANDEM_TEST_POSTGRES_DIR=$dir
export TANDEM_TEST_POSTGRES_PASSWORD_URL=postgres://tandem_pw@127.0.0.1:$port/tandem_pw
ENV
      echo "postgres://tandem@127.0.0.1:$port/tandem"
      exit 0
    fi
  done
  cat "$dir/server.log" >&2 2>/dev/null || true
  echo "could not start PostgreSQL" >&2; exit 1
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
url)
  echo "postgres://tandem@127.0.0.1:$(cat "$dir/port")/tandem"
  ;;
with)
  # `pg-cluster.sh with COMMAND…` (DIR unused: a temporary folder is made): runs the command
  # with a cluster started for it (TANDEM_TEST_POSTGRES…, TANDEM_BENCH_POSTGRES), stops the
  # cluster however the command ends, and exits with the command's status. When the cluster
  # cannot start, the command runs without it (its PostgreSQL tests then say why they skip).
  shift
  top=$(mktemp -d /tmp/tandem-pg.XXXXXX); chmod 755 "$top"
  trap '"$0" stop "$top/cluster"; rm -rf "$top"' EXIT INT TERM
  if "$0" start "$top/cluster" >/dev/null; then
    . "$top/cluster/env"; export TANDEM_BENCH_POSTGRES=$TANDEM_TEST_POSTGRES
    echo "PostgreSQL runs as a throwaway cluster at $TANDEM_TEST_POSTGRES"
  else
    echo "PostgreSQL could not be started (see above): what needs it is skipped"
  fi
  status=0; "$@" || status=$?
  exit $status
  ;;
*) echo "usage: pg-cluster.sh start|stop|url DIR, or pg-cluster.sh with COMMAND…" >&2; exit 2 ;;
esac
