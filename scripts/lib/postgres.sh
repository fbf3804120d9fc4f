# PostgreSQL for the integration tests: a throw-away cluster on a loopback port, owned by this script.
# Sourced, not run.  pg_start exports INTAKE_TEST_POSTGRES_URL; pg_stop stops and deletes the cluster.
#   INTAKE_PG_PORT   port to listen on (default 54329, 127.0.0.1 only)

pg_bin_dir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

pg_start() {
  local bindir
  if ! bindir="$(pg_bin_dir)"; then
    echo "==> installing postgresql" >&2
    local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    bindir="$(pg_bin_dir)" || { echo "PostgreSQL server binaries not found after install" >&2; return 1; }
  fi
  INTAKE_PG_PORT="${INTAKE_PG_PORT:-54329}"
  # A port something already listens on (another cluster, another run) is skipped.
  while (echo > "/dev/tcp/127.0.0.1/$INTAKE_PG_PORT") 2>/dev/null; do INTAKE_PG_PORT=$((INTAKE_PG_PORT + 1)); done
  INTAKE_PG_DIR="$(mktemp -d /tmp/intake-pg.XXXXXX)"
  export INTAKE_PG_DIR INTAKE_PG_PORT INTAKE_PG_BIN="$bindir"
  # The server refuses to run as root: run it as the postgres user when we are root.
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
    chown postgres "$INTAKE_PG_DIR"
    as=(runuser -u postgres --)
  fi
  local pw="intake-test-$RANDOM$RANDOM"
  echo "$pw" > "$INTAKE_PG_DIR/pw"
  chmod 644 "$INTAKE_PG_DIR/pw"
  "${as[@]}" "$bindir/initdb" -D "$INTAKE_PG_DIR/data" -U intake --pwfile="$INTAKE_PG_DIR/pw" \
    --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$INTAKE_PG_DIR/initdb.log" 2>&1 \
    || { cat "$INTAKE_PG_DIR/initdb.log" >&2; return 1; }
  "${as[@]}" "$bindir/pg_ctl" -D "$INTAKE_PG_DIR/data" -l "$INTAKE_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $INTAKE_PG_PORT -k $INTAKE_PG_DIR -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$INTAKE_PG_DIR/server.log" >&2; return 1; }
  "${as[@]}" "$bindir/createdb" -h "$INTAKE_PG_DIR" -p "$INTAKE_PG_PORT" -U intake intake_test
  export INTAKE_TEST_POSTGRES_URL="postgres://intake:$pw@127.0.0.1:$INTAKE_PG_PORT/intake_test"
  echo "==> PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$INTAKE_PG_PORT (data in $INTAKE_PG_DIR)" >&2
}

pg_stop() {
  [ -n "${INTAKE_PG_DIR:-}" ] && [ -d "$INTAKE_PG_DIR/data" ] || return 0
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$INTAKE_PG_BIN/pg_ctl" -D "$INTAKE_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$INTAKE_PG_DIR"
}
