#!/usr/bin/env bash
# Install and start what the annotation tests need on a Debian machine: Chromium (browser test)
# and a PostgreSQL server with a test role and database. Idempotent: run it as often as you like.
#
#   eval "$(scripts/test-services.sh)"     # exports PHOTOGENIC_TEST_PG_URL
#
# Everything but the final `export ...` line goes to stderr. Needs root (or sudo) for apt and
# for starting the cluster. Override the names with PG_TEST_USER / PG_TEST_PASSWORD / PG_TEST_DB.
set -euo pipefail

PG_TEST_USER=${PG_TEST_USER:-photogenic}
PG_TEST_PASSWORD=${PG_TEST_PASSWORD:-photogenic}
PG_TEST_DB=${PG_TEST_DB:-photogenic_test}

log() { echo "test-services: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) for: $*"; exit 1
  fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (apt)"
  as_root apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {found=1} END {exit !found}'; then
  log "creating cluster $version/main"
  as_root pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online" {found=1} END {exit !found}'; then
  log "starting cluster $version/main"
  as_root pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

for _ in $(seq 1 30); do
  as_postgres psql -p "$port" -Atqc "select 1" >/dev/null 2>&1 && break
  sleep 1
done

as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -Atq >&2 <<SQL
SELECT 'CREATE ROLE "$PG_TEST_USER" LOGIN PASSWORD ''$PG_TEST_PASSWORD'''
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_TEST_USER') \gexec
ALTER ROLE "$PG_TEST_USER" LOGIN PASSWORD '$PG_TEST_PASSWORD';
SELECT 'CREATE DATABASE "$PG_TEST_DB" OWNER "$PG_TEST_USER"'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_TEST_DB') \gexec
SQL

url="postgresql+psycopg://$PG_TEST_USER:$PG_TEST_PASSWORD@127.0.0.1:$port/$PG_TEST_DB"
log "PostgreSQL $version ready on port $port; chromium: $(command -v chromium)"
echo "export PHOTOGENIC_TEST_PG_URL=$url"
