#!/usr/bin/env bash
# Measures `provisor report --html` on a generated estate with its state recorded: wall time and
# peak memory, and the size of the site it writes.
# Usage: Benchmarks/measure-report.sh [CUSTOMERS] [USERS_PER_CUSTOMER] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
runs=${3:-3}
out=".build/estate-$customers-$users"
state=".build/estate-$customers-$users.state.db"
site=".build/report-$customers-$users"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
swift build -c release --product provisor-record-state >/dev/null
[ -d "$out" ] || python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out"
[ -f "$state" ] || .build/release/provisor-record-state "$out" "$state"
# Each run writes a new directory, and the sites are removed only at the end: files created
# just after thousands were deleted cost the file system (ext4) several times more.
rm -rf "$site"-*
for run in $(seq "$runs"); do
  /usr/bin/time -f "report run $run: %e s wall, %U s user, %M KB max RSS" \
    .build/release/provisor report --html "$site-$run" --state "$state" --manifests "$out" --timings >/dev/null
done
echo "site: $(du -sh "$site-1" | cut -f1), $(find "$site-1" -name '*.html' | wc -l) pages"
rm -rf "$site"-*
