#!/usr/bin/env bash
# Ensures a PostgreSQL 15 server from Debian runs on loopback and prints a
# connection URL for the test database. Installs the packages when missing.
# Machines here run as root and PostgreSQL refuses root, so the server runs
# as Debian's "postgres" user through pg_ctlcluster.
set -euo pipefail

PGVER=15
DB=cloudtrailcc_test
PASSWORD=cloudtrailcc

log() { echo "testdb: $*" >&2; }

if [ ! -x "/usr/lib/postgresql/$PGVER/bin/postgres" ] || [ ! -f "/usr/share/postgresql/$PGVER/extension/file_fdw.control" ]; then
  log "installing postgresql-$PGVER"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "postgresql-$PGVER" postgresql-contrib >&2
fi

if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PGVER main"; then
  log "creating cluster $PGVER/main"
  pg_createcluster "$PGVER" main >&2
fi

if ! pg_lsclusters -h | awk -v v="$PGVER" '$1==v && $2=="main" {print $4}' | grep -qx online; then
  log "starting cluster $PGVER/main on 127.0.0.1"
  pg_ctlcluster "$PGVER" main start -o "-c listen_addresses=127.0.0.1" >&2
fi

PORT=$(pg_lsclusters -h | awk -v v="$PGVER" '$1==v && $2=="main" {print $3}')

as_pg() { (cd / && su postgres -s /bin/sh -c "$1"); }
as_pg "psql -qAtX -p $PORT -c \"ALTER USER postgres PASSWORD '$PASSWORD'\"" >/dev/null
if [ "$(as_pg "psql -qAtX -p $PORT -c \"SELECT 1 FROM pg_database WHERE datname = '$DB'\"")" != "1" ]; then
  as_pg "createdb -p $PORT $DB" >&2
fi

echo "postgres://postgres:$PASSWORD@127.0.0.1:$PORT/$DB?sslmode=disable"
