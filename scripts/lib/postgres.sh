# Sourced by scripts/test: a private PostgreSQL cluster for the tests' second pass, on 127.0.0.1 and a
# free port, in a temporary directory, with durability off (it holds only throw-away test databases).
# start_test_postgres exports TSNVR_TEST_DATABASE_URL (the server's maintenance database; tests/conftest.py
# makes one database per test from it); stop_test_postgres stops the cluster and removes its directory.
# Needs apt_install from scripts/lib/venv.sh.

TEST_PG_DIR=""
TEST_PG_RUN=()
# the test files that exercise the database (storage, the API areas, migrations); not the recorder,
# LPR or browser tests, whose database work is the same rows these write
POSTGRES_TEST_FILES=(
  tests/test_migrations.py tests/test_storage.py tests/test_auth.py tests/test_push.py tests/test_find_api.py
  tests/test_find_plates.py tests/test_find_eventlog.py tests/test_find_objects.py tests/test_find_similar.py
  tests/test_find_recorded.py tests/test_export.py tests/test_channels_api.py tests/test_channel_rename.py
  tests/test_enum.py tests/test_status.py tests/test_info.py tests/test_settings.py tests/test_zones.py
  tests/test_events_ws.py tests/test_storage_files.py tests/test_robustness.py tests/test_fuzz.py
)

start_test_postgres() {
  apt_install postgresql
  local bindir port
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  TEST_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tsnvr-test-pg.XXXXXX")"
  if [ "$(id -u)" -eq 0 ]; then  # PostgreSQL refuses to run as root: run it as the postgres user
    chown postgres: "$TEST_PG_DIR"
    TEST_PG_RUN=(runuser -u postgres --)
  fi
  "${TEST_PG_RUN[@]}" "$bindir/initdb" -D "$TEST_PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync \
    > "$TEST_PG_DIR/initdb.log" 2>&1 || { cat "$TEST_PG_DIR/initdb.log" >&2; return 1; }
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${TEST_PG_RUN[@]}" "$bindir/pg_ctl" -D "$TEST_PG_DIR/data" -l "$TEST_PG_DIR/server.log" -w -s \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $TEST_PG_DIR -c fsync=off -c synchronous_commit=off" \
    -o "-c full_page_writes=off -c max_connections=200" start \
    || { cat "$TEST_PG_DIR/server.log" >&2; return 1; }
  export TSNVR_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
}

stop_test_postgres() {
  [ -n "$TEST_PG_DIR" ] || return 0
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  "${TEST_PG_RUN[@]}" "$bindir/pg_ctl" -D "$TEST_PG_DIR/data" -m fast -w -s stop || true
  rm -rf "$TEST_PG_DIR"
  TEST_PG_DIR=""
}
