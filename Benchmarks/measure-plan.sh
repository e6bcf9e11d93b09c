#!/usr/bin/env bash
# Measures `provisor plan` on a generated estate: a no-op plan (everything already recorded)
# and a full-create plan (no state yet), in the human and JSON formats, with peak memory.
# Usage: Benchmarks/measure-plan.sh [CUSTOMERS] [USERS_PER_CUSTOMER] [RUNS]
# The estate is generated once under .build/ and reused; delete it to regenerate.
# With BENCH_DATABASE_URL set (a postgres:// URL of an empty database), the recorded state is
# copied there with `provisor state migrate` (timed) and the no-op plans read it from there.
# BENCH_NOOP_ONLY=1 leaves out the full-create plans.
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
runs=${3:-3}
out=".build/estate-$customers-$users"
state=".build/estate-$customers-$users.state.db"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
swift build -c release --product provisor-record-state >/dev/null
[ -d "$out" ] || python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out"
rm -f "$state" "$state-wal" "$state-shm"
.build/release/provisor-record-state "$out" "$state"
echo "state: $(du -h "$state" | cut -f1)"
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  /usr/bin/time -f "state migrate to PostgreSQL: %e s wall, %U s user, %M KB max RSS" \
    .build/release/provisor state migrate --from "$state" --to env:BENCH_DATABASE_URL | tail -n 1
  for run in $(seq "$runs"); do
    /usr/bin/time -f "no-op plan (human, PostgreSQL) run $run: %e s wall, %U s user, %M KB max RSS" \
      .build/release/provisor plan --timings --state env:BENCH_DATABASE_URL --manifests "$out" >/dev/null || [ $? -eq 2 ]
  done
  exit 0
fi
for format in human json; do
  for run in $(seq "$runs"); do
    /usr/bin/time -f "no-op plan ($format) run $run: %e s wall, %U s user, %M KB max RSS" \
      .build/release/provisor plan --timings --format "$format" --state "$state" --manifests "$out" >/dev/null || [ $? -eq 2 ]
  done
  [ -n "${BENCH_NOOP_ONLY:-}" ] && continue
  for run in $(seq "$runs"); do
    /usr/bin/time -f "full-create plan ($format) run $run: %e s wall, %U s user, %M KB max RSS" \
      .build/release/provisor plan --timings --format "$format" --state "$state.missing" --manifests "$out" >/dev/null || [ $? -eq 2 ]
  done
done
