#!/usr/bin/env bash
# Measures `provisor drift` on a generated estate read back from simulated engines: the estate
# is recorded as state (provisor-record-state), each engine's tenant model is seeded from it
# with DRIFT resources of each kind drifted out of band (seed-simulated.py), then drift is timed
# with peak memory, in the human and JSON formats.
# Usage: Benchmarks/measure-drift.sh [CUSTOMERS] [USERS_PER_CUSTOMER] [RUNS] [DRIFT]
# The estate is generated once under .build/ and reused; delete it to regenerate.
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
runs=${3:-3}
drift=${4:-100}
out=".build/estate-$customers-$users"
state=".build/estate-$customers-$users.drift.db"
engines=".build/estate-$customers-$users.engines"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
swift build -c release --product provisor-simulated-engine >/dev/null
swift build -c release --product provisor-record-state >/dev/null
[ -d "$out" ] || python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out"
rm -rf "$state" "$state-wal" "$state-shm" "$engines"
.build/release/provisor-record-state "$out" "$state"
python3 Benchmarks/seed-simulated.py "$state" "$engines" --drift "$drift"
echo "engine logs: $(du -sh "$engines" | cut -f1)"
for format in human json; do
  for run in $(seq "$runs"); do
    status=0
    /usr/bin/time -f "drift ($format) run $run: %e s wall, %U s user, %M KB max RSS" \
      .build/release/provisor drift --format "$format" --state "$state" --manifests "$out" --simulate "$engines" > ".build/drift-report.$format" || status=$?
    [ "$status" -eq 2 ] || { echo "error: drift exited $status, expected 2"; exit 1; }
  done
done
tail -n 1 .build/drift-report.human
