#!/usr/bin/env bash
# Measures `provisor validate` on a generated estate against a raw libyaml event parse of the
# same files. Usage: Benchmarks/measure-validate.sh [CUSTOMERS] [USERS_PER_CUSTOMER]
# The estate is generated once under .build/ and reused; delete it to regenerate.
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
out=".build/estate-$customers-$users"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
cc -O2 -o .build/yaml-events Benchmarks/yaml-events.c -lyaml
[ -d "$out" ] || python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out"
sync
echo "estate: $(du -sh "$out" | cut -f1) in $(find "$out" -name '*.yaml' | wc -l) files"
echo "--- raw libyaml events, one thread, no tree"
find "$out" -name '*.yaml' | /usr/bin/time -f "%e s wall, %M KB max RSS" .build/yaml-events
for run in 1 2 3 4 5; do
  /usr/bin/time -f "provisor validate run $run: %e s wall, %U s user, %M KB max RSS" .build/release/provisor validate --timings "$out" >/dev/null
done
.build/release/provisor validate "$out"
