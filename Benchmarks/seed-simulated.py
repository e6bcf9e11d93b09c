#!/usr/bin/env python3
"""Benchmark helper: gives simulated engines the tenant models a full apply of a recorded state
would have left (without sending 350,000 messages first), then drifts a few resources out of
band, so `provisor drift` can be measured on a large estate.

Usage: seed-simulated.py STATE_DB ENGINES_DIR [--drift N] [--subscriptions DATE]
Writes ENGINES_DIR/<engine>/log.jsonl for every engine the state records resources on, in the
simulated engine's own log format (one "applied" entry per resource, secrets kept as
"(sensitive)"), then, with --drift N, N "out-of-band" entries of each kind: a changed
lastName on users, a removed user service, an extra user. Prints what it drifted.

With --subscriptions DATE, every customer also gets one subscription per licensed SKU (the
plan's term, renewing 20 days after DATE), bought 30 days before DATE for the licences assigned,
and then: every 3rd subscription 2 licences too many bought 2 days before DATE (refundable),
every 5th 1 too many bought 30 days before (only at renewal), every 7th 1 too few.
"""
import argparse
import json
import os
import sqlite3
import uuid

parser = argparse.ArgumentParser()
parser.add_argument("state")
parser.add_argument("engines")
parser.add_argument("--drift", type=int, default=0)
parser.add_argument("--subscriptions", metavar="DATE")
arguments = parser.parse_args()

database = sqlite3.connect(arguments.state)
logs = {}
users, services = [], []
licences = {}  # (engine, customer, sku) -> (term, cost, count)


def log(engine):
    if engine not in logs:
        os.makedirs(os.path.join(arguments.engines, engine), exist_ok=True)
        logs[engine] = open(os.path.join(arguments.engines, engine, "log.jsonl"), "w")
    return logs[engine]


def entry(engine, address, kind, record, action="provision", outcome="applied"):
    line = {"id": "seed-" + uuid.uuid4().hex, "action": action, "address": address, "kind": kind, "outcome": outcome,
            "engine": engine, "at": 0}
    if record is not None:
        line["record"] = record
    log(engine).write(json.dumps(line, separators=(",", ":")) + "\n")


for address, kind, customer, engine, text in database.execute(
        "SELECT address, kind, customer, engine, attributes FROM resource ORDER BY address"):
    attributes = {name: "(sensitive)" if isinstance(value, dict) else value for name, value in json.loads(text).items()}
    record = {"kind": kind, "attributes": attributes}
    if customer:
        record["customer"] = customer
    if kind == "user-service" and "plan.license.sku" in attributes:
        record["licence"] = attributes["plan.license.sku"]
        record["user"] = address.split("/")[3]
        key = (engine, customer, attributes["plan.license.sku"])
        term, cost, count = licences.get(key, (attributes.get("plan.license.term", "P1M"), attributes.get("plan.costPrice"), 0))
        licences[key] = (term, cost, count + 1)
    entry(engine, address, kind, record)
    if kind == "user":
        users.append((engine, address, record))
    elif kind == "user-service":
        services.append((engine, address))

step = max(1, len(users) // max(1, arguments.drift))
for engine, address, record in users[::step][:arguments.drift]:
    changed = dict(record, attributes=dict(record["attributes"], lastName="Changed-By-Hand"))
    entry(engine, address, "user", changed, action="update", outcome="out-of-band")
    extra = address + "-extra"
    entry(engine, extra, "user", {"kind": "user", "customer": record["customer"], "attributes": {"displayName": "Extra"}},
          outcome="out-of-band")
step = max(1, len(services) // max(1, arguments.drift))
for engine, address in services[::step][:arguments.drift]:
    entry(engine, address, "user-service", None, action="deprovision", outcome="out-of-band")
if arguments.subscriptions:
    import datetime
    today = datetime.datetime.fromisoformat(arguments.subscriptions).replace(tzinfo=datetime.timezone.utc)
    def iso(date):
        return date.strftime("%Y-%m-%dT%H:%M:%SZ")
    def batch(quantity, added):
        return {"quantity": quantity, "addedAt": iso(added), "refundableUntil": iso(added + datetime.timedelta(days=7))}
    for number, ((engine, customer, sku), (term, cost, count)) in enumerate(sorted(licences.items())):
        batches = [batch(count, today - datetime.timedelta(days=30))]
        if number % 3 == 0:
            batches.append(batch(2, today - datetime.timedelta(days=2)))
        elif number % 5 == 0:
            batches[0]["quantity"] += 1
        elif number % 7 == 0 and count > 1:
            batches[0]["quantity"] -= 1
        subscription = {"id": f"sub-{customer}-{sku}".lower(), "customer": customer, "sku": sku, "term": term, "billingCycle": "monthly",
                        "termEnd": iso(today + datetime.timedelta(days=20)), "autoRenew": True, "trial": False,
                        "quantity": sum(b["quantity"] for b in batches), "batches": batches}
        if cost is not None:
            subscription["costPrice"] = cost
        log(engine).write(json.dumps({"id": "seed-" + uuid.uuid4().hex, "action": "adjust-subscription",
                                      "address": f"customer/{customer}/subscription/{subscription['id']}", "kind": "subscription",
                                      "outcome": "out-of-band", "engine": engine, "at": 0, "subscription": subscription},
                                     separators=(",", ":")) + "\n")
    print(f"seeded {len(licences)} subscriptions")
for handle in logs.values():
    handle.close()
print(f"seeded {len(logs)} engines; drifted {min(arguments.drift, len(users))} changed, "
      f"{min(arguments.drift, len(services))} missing, {min(arguments.drift, len(users))} unmanaged")
