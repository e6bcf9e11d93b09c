#!/usr/bin/env bash
# Measures onboarding with `provisor import`: a generated estate is recorded as state and the
# simulated engines are seeded from it (as a full apply would have left them); then its customer
# manifests are taken away and the state dropped, as for a provider that has the tenants but no
# manifests, and import writes them back and adopts everything. Checks that the plan afterwards
# is empty and that a second import changes nothing.
# Usage: Benchmarks/measure-import.sh [CUSTOMERS] [USERS_PER_CUSTOMER]
# The estate is generated once under .build/ and reused; delete it to regenerate.
set -euo pipefail
cd "$(dirname "$0")/.."
customers=${1:-10000}
users=${2:-10}
out=".build/estate-$customers-$users"
work=".build/import-$customers-$users"
command -v /usr/bin/time >/dev/null || { echo "error: needs /usr/bin/time (Debian package 'time')"; exit 1; }
swift build -c release --product provisor >/dev/null
swift build -c release --product provisor-simulated-engine >/dev/null
swift build -c release --product provisor-record-state >/dev/null
[ -d "$out" ] || python3 Benchmarks/generate-estate.py --customers "$customers" --users-per-customer "$users" --out "$out"
rm -rf "$work" && mkdir -p "$work/manifests"
.build/release/provisor-record-state "$out" "$work/provisioned.db" >/dev/null
python3 Benchmarks/seed-simulated.py "$work/provisioned.db" "$work/engines" >/dev/null
# The tenants exist; of the manifests only engines, services and resellers do.
for item in "$out"/*; do [ "$(basename "$item")" = customers ] || cp -R "$item" "$work/manifests/"; done
engines=()
for engine in "$work"/engines/*; do engines+=(--engine "$(basename "$engine")"); done
echo "engines: ${engines[*]}; logs: $(du -sh "$work/engines" | cut -f1)"
provisor=(.build/release/provisor import "${engines[@]}" --manifests "$work/manifests" --state "$work/state.db" --simulate "$work/engines" --actor bench)
/usr/bin/time -f "import --dry-run: %e s wall, %U s user, %M KB max RSS" "${provisor[@]}" --dry-run --format json > "$work/dry-run.json"
/usr/bin/time -f "import: %e s wall, %U s user, %M KB max RSS" "${provisor[@]}" --timings > "$work/import.txt"
tail -n 3 "$work/import.txt"
python3 - "$work/dry-run.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print("customers:", {status: sum(1 for c in report["customers"] if c["status"] == status) for status in ("new", "described", "managed", "skipped")})
print("summary:", report["summary"])
differs = {}
for customer in report["customers"]:
    for note in customer["notes"]:
        if note["kind"] == "differs":
            for part in note["message"].split(" (adopted")[0].split("; "):
                name = part.split(" is ")[0]
                differs[name] = differs.get(name, 0) + 1
print("differs by attribute:", dict(sorted(differs.items(), key=lambda item: -item[1])[:10]))
PY
echo "files written: $(find "$work/manifests/customers" -name '*.yaml' | wc -l)"
status=0
/usr/bin/time -f "plan after import: %e s wall, %M KB max RSS" .build/release/provisor plan --manifests "$work/manifests" --state "$work/state.db" > "$work/plan.txt" || status=$?
tail -n 1 "$work/plan.txt"
[ "$status" -eq 0 ] || { echo "error: the plan after import exited $status, expected 0 (no changes)"; exit 1; }
/usr/bin/time -f "second import: %e s wall, %M KB max RSS" "${provisor[@]}" > "$work/again.txt"
tail -n 1 "$work/again.txt"
