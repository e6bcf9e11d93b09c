#!/usr/bin/env python3
"""An exec engine for the exec adapter's tests. MODE (first argument) chooses its behaviour:
  ok        answers each message: succeeded, with outputs {"seen": <n>}
  garbled   answers with a line that is not JSON
  wrong-id  answers for another message id
  crash     writes to stderr and exits 3 without answering
  silent    reads and never answers
  refuse    answers failed with an error text
An observe request ({"action": "observe"}) is answered in the same modes: ok reports two
resources and their count; refuse, garbled, crash and silent as above; short-count claims three
resources but reports two; bad-value reports an attribute whose value is an object; deep
reports a resource nested 100,000 lists deep, as a hostile or broken engine might.
A subscriptions request ({"action": "subscriptions"}) likewise: ok reports two subscriptions,
bad-value one whose term is not a term.
"""
import json
import sys

mode = sys.argv[1]
count = 0
RESOURCES = [
    {"address": "customer/JBL", "attributes": {"name": "Jones Baker", "seats": 12, "price": 16.0, "active": True,
                                               "aliases": ["jb.example"]}},
    {"address": "customer/JBL/user/alice", "attributes": {"displayName": "Alice J."}},
]


SUBSCRIPTIONS = [
    {"id": "sub-1", "customer": "JBL", "sku": "SPB", "quantity": 13, "term": "P1M", "termEnd": "2026-12-31",
     "costPrice": 16.0, "renewalQuantity": 10, "batches": [{"quantity": 10, "addedAt": "2026-10-01T00:00:00Z"},
                                                           {"quantity": 3, "addedAt": "2026-11-19", "refundableUntil": "2026-11-26"}]},
    {"id": "sub-2", "customer": "JBL", "sku": "SPE_E3", "quantity": 25, "term": "P1Y", "termEnd": "2027-06-30T12:00:00Z", "trial": True},
]


def subscriptions(message):
    if mode in ("ok", "bad-value"):
        held = SUBSCRIPTIONS if mode == "ok" else [dict(SUBSCRIPTIONS[0], term="P2M")]
        for subscription in held:
            print(json.dumps({"id": message["id"], "subscription": subscription}))
        print(json.dumps({"id": message["id"], "status": "succeeded", "count": len(held)}), flush=True)
        return True
    return False


def observe(message):
    if mode == "deep":
        depth = 100_000
        print('{"id": "%s", "resource": {"address": "customer/JBL", "attributes": {"x": %s%s}}}' % (message["id"], "[" * depth, "]" * depth), flush=True)
        print(json.dumps({"id": message["id"], "status": "succeeded", "count": 1}), flush=True)
        return True
    if mode in ("ok", "short-count", "bad-value"):
        resources = RESOURCES if mode != "bad-value" else RESOURCES + [
            {"address": "customer/JBL/user/bob", "attributes": {"quota": {"gb": 10}}}]
        for resource in resources:
            print(json.dumps({"id": message["id"], "resource": resource}))
        claimed = 3 if mode == "short-count" else len(resources)
        print(json.dumps({"id": message["id"], "status": "succeeded", "count": claimed}), flush=True)
        return True
    return False


for line in sys.stdin:
    message = json.loads(line)
    count += 1
    if message.get("action") == "observe" and observe(message):
        continue
    if message.get("action") == "subscriptions" and subscriptions(message):
        continue
    if mode == "ok":
        reply = {"id": message["id"], "status": "succeeded", "outputs": {"seen": count}}
    elif mode == "garbled":
        print("Traceback (most recent call last): oops", flush=True)
        continue
    elif mode == "wrong-id":
        reply = {"id": "pm-00000000000000000000000000000000", "status": "succeeded"}
    elif mode == "crash":
        print("engine: lost the database connection", file=sys.stderr, flush=True)
        sys.exit(3)
    elif mode == "silent":
        continue
    elif mode == "quote-message":
        # A careless engine: its error quotes the whole message, secrets and all, and goes on.
        reply = {"id": message["id"], "status": "failed", "error": "cannot provision " + json.dumps(message) + " " + "x" * 1_000_000}
    else:
        reply = {"id": message["id"], "status": "failed", "error": "customer JBL is suspended"}
    print(json.dumps(reply), flush=True)
