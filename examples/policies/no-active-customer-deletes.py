#!/usr/bin/env python3
"""A Provisor policy: an active customer is never deprovisioned.

Reads the JSON plan on standard input and denies it when it deletes a customer whose recorded
status is active: suspend it first (status: suspended), apply that, then delete it. Answers
{"allow": true|false, "reasons": [...]} on standard output.
"""
import json
import sys

plan = json.load(sys.stdin)
reasons = [
    f"{change['address']} is active; set status: suspended and apply that before removing it"
    for wave in plan["waves"]
    for change in wave["changes"]
    if change["action"] == "delete" and change["kind"] == "customer" and change["attributes"].get("status") == "active"
]
json.dump({"allow": not reasons, "reasons": reasons}, sys.stdout)
