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
resources but reports two; bad-value reports an attribute whose value is an object.
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


def observe(message):
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
    else:
        reply = {"id": message["id"], "status": "failed", "error": "customer JBL is suspended"}
    print(json.dumps(reply), flush=True)
