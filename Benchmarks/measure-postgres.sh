#!/usr/bin/env bash
# SQLite and PostgreSQL side by side (release build): reconcile applying a generated estate through
# the outbox adapter from nothing (2,900 customers of 10 users: about 100,000 changes), then the
# no-op plan on the 10,000-customer estate.
# Usage: Benchmarks/measure-postgres.sh [APPLY_CUSTOMERS] [PLAN_CUSTOMERS] [USERS_PER_CUSTOMER] [RUNS]
# PostgreSQL is PROVISOR_BENCH_POSTGRES_URL (a user that may create databases), else a throw-away
# cluster on 127.0.0.1 under .build/bench-postgres, with fsync on like SQLite's synchronous=FULL.
set -euo pipefail
cd "$(dirname "$0")/.."
apply_customers=${1:-2900}
plan_customers=${2:-10000}
users=${3:-10}
runs=${4:-3}
command -v psql >/dev/null || { echo "error: needs psql (Debian package postgresql-client)"; exit 1; }
if [ -z "${PROVISOR_BENCH_POSTGRES_URL:-}" ]; then
  cluster="$(pwd)/.build/bench-postgres"
  scripts/postgres-test-cluster.sh stop "$cluster"; rm -rf "$cluster"
  trap 'scripts/postgres-test-cluster.sh stop "$cluster"' EXIT
  eval "$(PROVISOR_POSTGRES_FSYNC=on scripts/postgres-test-cluster.sh start "$cluster")"
  PROVISOR_BENCH_POSTGRES_URL=$PROVISOR_TEST_POSTGRES_URL
fi
# A new, empty database; prints its URL.
fresh_database() {
  psql -q "$PROVISOR_BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
    "$PROVISOR_BENCH_POSTGRES_URL" "$1"
}
echo "== apply through the outbox: $apply_customers customers of $users users"
Benchmarks/measure-apply.sh "$apply_customers" "$users" outbox
BENCH_DATABASE_URL=$(fresh_database provisor_bench_apply) Benchmarks/measure-apply.sh "$apply_customers" "$users" outbox
echo "== no-op plan: $plan_customers customers of $users users"
BENCH_NOOP_ONLY=1 Benchmarks/measure-plan.sh "$plan_customers" "$users" "$runs"
BENCH_DATABASE_URL=$(fresh_database provisor_bench_plan) Benchmarks/measure-plan.sh "$plan_customers" "$users" "$runs"
