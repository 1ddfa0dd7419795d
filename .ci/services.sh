#!/usr/bin/env bash
# Installs (when missing) and starts the services the tests need: PostgreSQL and Redis.
# Prints the environment to export: SPARRING_TEST_POSTGRES_URL and SPARRING_TEST_REDIS_URL.
set -euo pipefail

need=()
command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

pgbin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | tail -n 1)")
pgdata=${SPARRING_PGDATA:-/tmp/sparring-pg}
pgport=${SPARRING_PGPORT:-55432}
id postgres >/dev/null 2>&1 || useradd --system --home /nonexistent postgres
if ! su postgres -s /bin/sh -c "'$pgbin/pg_ctl' status -D '$pgdata'" >/dev/null 2>&1; then
  rm -rf "$pgdata" && mkdir -p "$pgdata" && chown postgres "$pgdata"
  su postgres -s /bin/sh -c "'$pgbin/initdb' -D '$pgdata' -U postgres -A trust >/dev/null"
  su postgres -s /bin/sh -c "'$pgbin/pg_ctl' -D '$pgdata' -l '$pgdata/log' -w \
    -o '-p $pgport -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' start >/dev/null"
fi

redisport=${SPARRING_REDISPORT:-56379}
if ! redis-cli -p "$redisport" ping >/dev/null 2>&1; then
  redis-server --port "$redisport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
fi

echo "export SPARRING_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$pgport/postgres"
echo "export SPARRING_TEST_REDIS_URL=redis://127.0.0.1:$redisport/0"
echo "export SPARRING_REDIS_SERVER=$(command -v redis-server)"
