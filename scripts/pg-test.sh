#!/bin/sh
# Starts a throwaway PostgreSQL server for the tests (Debian's packages) and
# prints a URL to it: `export HUB_TEST_DATABASE_URL=$(./scripts/pg-test.sh)`.
# Tests create a database of their own in it. Running it again reuses the
# server when it is up; `./scripts/pg-test.sh clean` also drops the
# databases earlier test runs left (hub_test_*), `./scripts/pg-test.sh stop`
# stops it.
#
# The server listens on 127.0.0.1 only, trusts local connections (it holds
# nothing but test data) and keeps its files in $PG_TEST_DIR.
set -eu

port=${PG_TEST_PORT:-54329}
dir=${PG_TEST_DIR:-/tmp/youth-hub-pg-$port}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed: apt-get install postgresql" >&2
    exit 1
fi

# PostgreSQL will not run as root: run it as the postgres user then.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "${1:-}" = stop ]; then
    [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2
    exit 0
fi

if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
        as_owner "$bin/initdb" -D "$dir/data" -U hub --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            exit 1
        }
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=256MB" \
        start >&2 || {
        cat "$dir/server.log" >&2
        exit 1
    }
fi
url="postgres://hub@127.0.0.1:$port/postgres"
if [ "${1:-}" = clean ]; then
    psql "$url" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'hub\_test\_%'" |
        while read -r db; do psql "$url" -qc "DROP DATABASE \"$db\"" >&2 || true; done
fi
echo "$url"
