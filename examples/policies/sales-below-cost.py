#!/usr/bin/env python3
"""A Provisor policy: nothing is sold below its cost.

Reads the JSON plan (schemas/plan.schema.json) on standard input and denies it when a service
created or updated would be sold at a plan.salesPrice below its plan.costPrice. Answers
{"allow": true|false, "reasons": [...]} on standard output (docs/operations.md#policies).
"""
import json
import sys
from decimal import Decimal

plan = json.load(sys.stdin)
reasons = []
for wave in plan["waves"]:
    for change in wave["changes"]:
        if change["action"] == "delete":
            continue
        attributes = change["attributes"]
        cost, price = attributes.get("plan.costPrice"), attributes.get("plan.salesPrice")
        if cost is not None and price is not None and Decimal(str(price)) < Decimal(str(cost)):
            reasons.append(f"{change['address']} would be sold at {price}, below its cost of {cost}")
json.dump({"allow": not reasons, "reasons": reasons}, sys.stdout)
