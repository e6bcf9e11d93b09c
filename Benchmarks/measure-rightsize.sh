#!/usr/bin/env bash
# Measures `provisor rightsize` on a generated estate: the estate is recorded as state
# (provisor-record-state), the simulated engines are seeded from it with one subscription per
# customer and licensed SKU, some of them with too many or too few licences
# (seed-simulated.py --subscriptions), then a dry run is timed with peak memory in the human and
# JSON formats, and one run that applies the decisions (on a copy of the engines).
# Usage: Benchmarks/measure-rightsize.sh [CUSTOMERS] [USERS_PER_CUSTOMER] [RUNS]
# The estate is generated once under .build/ and reused; delete it to regenerate.
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
runs=${3:-2}
day=2026-11-21
out=".build/estate-$customers-$users"
state=".build/estate-$customers-$users.rightsize.db"
engines=".build/estate-$customers-$users.licences"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
swift build -c release --product provisor-simulated-engine >/dev/null
swift build -c release --product provisor-record-state >/dev/null
[ -d "$out" ] || python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out"
rm -rf "$state" "$state-wal" "$state-shm" "$engines" "$engines.applied"
.build/release/provisor-record-state "$out" "$state"
python3 Benchmarks/seed-simulated.py "$state" "$engines" --subscriptions "$day"
rightsize=(.build/release/provisor rightsize --state "$state" --manifests "$out" --at "$day")
for format in human json; do
  for run in $(seq "$runs"); do
    status=0
    /usr/bin/time -f "rightsize --dry-run ($format) run $run: %e s wall, %U s user, %M KB max RSS" \
      "${rightsize[@]}" --dry-run --format "$format" --simulate "$engines" > ".build/rightsize-report.$format" || status=$?
    [ "$status" -eq 2 ] || { echo "error: rightsize exited $status, expected 2"; exit 1; }
  done
done
grep '^Decisions' .build/rightsize-report.human
cp -r "$engines" "$engines.applied"
/usr/bin/time -f "rightsize (applying): %e s wall, %U s user, %M KB max RSS" \
  "${rightsize[@]}" --simulate "$engines.applied" --actor benchmark --timings > .build/rightsize-applied.txt
tail -n 2 .build/rightsize-applied.txt
status=0
"${rightsize[@]}" --dry-run --simulate "$engines.applied" > /dev/null || status=$?
[ "$status" -eq 0 ] || { echo "error: after applying, a dry run exited $status, expected 0"; exit 1; }
echo "after applying: nothing left to right-size"
