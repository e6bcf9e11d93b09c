#!/usr/bin/env python3
"""A Provisor policy: only the SKUs the provider sells.

Usage: sku-allow-list.py SKU... (the SKUs allowed). Reads the JSON plan on standard input and
denies it when a service created or updated names a plan.sku or plan.license.sku outside the
list. Answers {"allow": true|false, "reasons": [...]} on standard output.
"""
import json
import sys

allowed = set(sys.argv[1:])
plan = json.load(sys.stdin)
reasons = []
for wave in plan["waves"]:
    for change in wave["changes"]:
        if change["action"] == "delete":
            continue
        for name in ("plan.sku", "plan.license.sku"):
            sku = change["attributes"].get(name)
            if sku is not None and sku not in allowed:
                reasons.append(f"{change['address']} names {name} {sku}, which is not on the allow-list")
json.dump({"allow": not reasons, "reasons": reasons}, sys.stdout)
