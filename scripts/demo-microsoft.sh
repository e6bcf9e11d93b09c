#!/usr/bin/env bash
# The Microsoft part of `make demo`: examples/microsoft (one tenant, ten users on Business
# Premium) reconciled through provisor-engine-microsoft against the local stand-in of Partner
# Center and Graph (engines/microsoft/standin.py), then right-sized after a technician bought
# three licences too many: two two days ago (refundable) and one ten days ago (not any more).
set -euo pipefail
cd "$(dirname "$0")/.."
provisor=.build/debug/provisor
work=.build/demo-microsoft
rm -rf "$work" && mkdir -p "$work" && cp -R examples/microsoft/manifests examples/microsoft/provisor.yaml "$work/"
STANDIN_PARTNER_TENANT=nexuscloud.onmicrosoft.com STANDIN_CLIENT_ID=6f1c8e2a-4b7d-4e0a-9c55-2d1f0b3a7e91 \
  STANDIN_CLIENT_SECRET=demo-only-secret STANDIN_PAGE_SIZE=4 python3 engines/microsoft/standin.py > "$work/standin.port" &
standin=$!
trap 'kill $standin 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q PORT "$work/standin.port" 2>/dev/null && break; sleep 0.1; done
base="http://127.0.0.1:$(awk '{print $2}' "$work/standin.port")"
export MICROSOFT_LOGIN_URL=$base MICROSOFT_PARTNER_CENTER_URL=$base MICROSOFT_GRAPH_URL=$base
export MICROSOFT_APPLICATION_SECRET=demo-only-secret CBK_PASSWORD=Demo-only-password-1
control() { python3 - "$base/_standin/$1" "${2:-{\}}" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST")
print(urllib.request.urlopen(request).read().decode())
PY
}
# What Microsoft holds: `show tenant` or `show subscription`.
show() { control state | python3 -c '
import json, sys
state, what = json.load(sys.stdin), sys.argv[1]
if what == "tenant":
    for customer in state["customers"]:
        print("  customer", customer["companyProfile"]["domain"], customer["id"])
    users = [user for tenant in state["users"].values() for user in tenant.values()]
    print("  %d users, %d licences assigned" % (len(users), sum(len(user["assignedLicenses"]) for user in users)))
for subscriptions in state["subscriptions"].values():
    for s in subscriptions:
        renewal = s["scheduledNextTermInstructions"]
        print("  %s %s: %d licences, %d refundable%s" % (s["offerName"], s["termDuration"], s["quantity"],
              s["refundableQuantity"]["totalQuantity"], ", renews with %d" % renewal["quantity"] if renewal else ""))
' "$1"; }
echo "$provisor reconcile --config $work/provisor.yaml --actor demo"
$provisor reconcile --config "$work/provisor.yaml" --actor demo | tail -n 2
echo "--- in Partner Center and Graph: the tenant, ten users with a licence each, and the subscription"
show tenant
tenant=$(control state | python3 -c 'import json,sys; print(json.load(sys.stdin)["customers"][0]["id"])')
echo "--- a technician buys 3 more: 2 two days ago, 1 ten days ago (past the 7-day window)"
control clock '{"advanceDays": 8}' >/dev/null    # Microsoft's clock a week on: the first ten are past the window too
control purchase "{\"tenant\": \"$tenant\", \"sku\": \"SPB\", \"quantity\": 2, \"daysAgo\": 2}" >/dev/null
control purchase "{\"tenant\": \"$tenant\", \"sku\": \"SPB\", \"quantity\": 1, \"daysAgo\": 10}" >/dev/null
show subscription
echo "$provisor rightsize --dry-run --config $work/provisor.yaml"
$provisor rightsize --dry-run --config "$work/provisor.yaml" || [ $? -eq 2 ]
echo "$provisor rightsize --config $work/provisor.yaml --actor demo"
$provisor rightsize --config "$work/provisor.yaml" --actor demo | tail -n 1
show subscription
