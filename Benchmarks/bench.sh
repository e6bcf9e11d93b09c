#!/usr/bin/env bash
# Every figure of docs/benchmarks.md's summary table in one run: for each estate size, the
# full-create and no-op plans, drift against simulated engines, the import round trip, the
# apply through the outbox, the HTML report, and PostgreSQL beside SQLite (reading the state
# for a no-op plan, and the apply). Prints the table last, sizes side by side; each script's
# own output is kept in .build/bench-SIZE.log.
# Usage: Benchmarks/bench.sh [CUSTOMERS...]   (default: 1000 10000; USERS=10 users each)
# PostgreSQL is started as a throw-away cluster (measure-postgres.sh); BENCH_NO_POSTGRES=1
# leaves its rows out.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
users=${USERS:-10}
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
# PostgreSQL's rows need its server programs and psql; without them they are left out, said so.
if [ -z "${BENCH_NO_POSTGRES:-}" ] && ! { command -v psql >/dev/null && { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; }; }; then
  echo "note: PostgreSQL is not installed (Debian packages postgresql and postgresql-client), so its rows are left out"
  BENCH_NO_POSTGRES=1
fi
logs=()
for customers in "${sizes[@]}"; do
  log=".build/bench-$customers.log"
  logs+=("$customers=$log")
  echo "== $customers customers of $users users (output in $log)"
  {
    Benchmarks/measure-plan.sh "$customers" "$users" 2
    Benchmarks/measure-drift.sh "$customers" "$users" 1
    Benchmarks/measure-import.sh "$customers" "$users"
    Benchmarks/measure-report.sh "$customers" "$users" 2
    if [ -z "${BENCH_NO_POSTGRES:-}" ]; then
      Benchmarks/measure-postgres.sh "$customers" "$customers" "$users" 2
    else
      Benchmarks/measure-apply.sh "$customers" "$users" outbox
    fi
  } > "$log" 2>&1 || { tail -n 20 "$log"; echo "error: a benchmark failed; its output is in $log"; exit 1; }
done
python3 Benchmarks/bench-table.py "${logs[@]}"
