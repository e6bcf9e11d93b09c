#!/usr/bin/env bash
# Measures `provisor validate` on a generated estate against a raw libyaml event parse of the
# same files. Usage: Benchmarks/measure-validate.sh [CUSTOMERS] [USERS_PER_CUSTOMER]
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
out=".build/estate-$customers-$users"
swift build -c release --product provisor >/dev/null
cc -O2 -o .build/yaml-events Benchmarks/yaml-events.c -lyaml
python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out"
du -sh "$out"
echo "--- raw libyaml events, single thread"
find "$out" -name '*.yaml' -print0 | xargs -0 /usr/bin/time -f "%e s wall, %M KB max RSS" .build/yaml-events
for run in 1 2 3; do
  echo "--- provisor validate, run $run"
  /usr/bin/time -f "%e s wall, %U s user, %M KB max RSS" .build/release/provisor validate "$out"
done
