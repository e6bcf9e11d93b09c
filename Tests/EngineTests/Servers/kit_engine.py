#!/usr/bin/env python3
"""An engine written on the Python engine kit (engines/kit/provisor_engine.py), for the exec
protocol conformance tests. It keeps its tenants in memory and its answered ids in STATE (the
first argument), so a replayed id is answered without acting twice, also after a restart.
User flaky's services answer "retryable" the first time; user broken's raise an error; a second
provision of one address is refused. It counts every provision it carries out on stderr."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "engines", "kit"))
from provisor_engine import Engine, Refuse, Retry  # noqa: E402

engine = Engine(state=sys.argv[1])
tenants = {}
tried = set()


@engine.handles("provision")
def provision(message):
    address = message["address"]
    if "/user/flaky/" in address and address not in tried:
        tried.add(address)
        raise Retry("the tenant API is busy", after=0)
    if "/user/broken/" in address:
        raise KeyError("tenantId")
    if address in tenants:
        raise Refuse(f"{address} already exists")
    tenants[address] = message.get("attributes", {})
    engine.log("provisioned", address)
    return {"tenantId": "t-" + address.split("/")[3]}


@engine.handles("deprovision")
def deprovision(message):
    tenants.pop(message["address"], None)


@engine.observes
def observe():
    return [{"address": address, "attributes": {"displayName": attributes.get("displayName", "")}} for address, attributes in sorted(tenants.items())]


@engine.reports_subscriptions
def subscriptions():
    return [{"id": "sub-1", "customer": "JBL", "sku": "SPB", "quantity": 3, "term": "P1M", "termEnd": "2026-12-31T00:00:00Z"}]


engine.main(sys.argv[2:])
