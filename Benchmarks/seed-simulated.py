#!/usr/bin/env python3
"""Benchmark helper: gives simulated engines the tenant models a full apply of a recorded state
would have left (without sending 350,000 messages first), then drifts a few resources out of
band, so `provisor drift` can be measured on a large estate.

Usage: seed-simulated.py STATE_DB ENGINES_DIR [--drift N]
Writes ENGINES_DIR/<engine>/log.jsonl for every engine the state records resources on, in the
simulated engine's own log format (one "applied" entry per resource, secrets kept as
"(sensitive)"), then, with --drift N, N "out-of-band" entries of each kind: a changed
lastName on users, a removed user service, an extra user. Prints what it drifted.
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
arguments = parser.parse_args()

database = sqlite3.connect(arguments.state)
logs = {}
users, services = [], []


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
for handle in logs.values():
    handle.close()
print(f"seeded {len(logs)} engines; drifted {min(arguments.drift, len(users))} changed, "
      f"{min(arguments.drift, len(services))} missing, {min(arguments.drift, len(users))} unmanaged")
