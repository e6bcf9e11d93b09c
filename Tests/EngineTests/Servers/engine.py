#!/usr/bin/env python3
"""An exec engine for the exec adapter's tests. MODE (first argument) chooses its behaviour:
  ok        answers each message: succeeded, with outputs {"seen": <n>}
  garbled   answers with a line that is not JSON
  wrong-id  answers for another message id
  crash     writes to stderr and exits 3 without answering
  silent    reads and never answers
  refuse    answers failed with an error text
"""
import json
import sys

mode = sys.argv[1]
count = 0
for line in sys.stdin:
    message = json.loads(line)
    count += 1
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
