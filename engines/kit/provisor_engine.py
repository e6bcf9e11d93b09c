"""The engine side of Provisor's exec protocol, for engines written in Python (docs/engines.md).

Provisor starts the engine's program and writes one JSON message per line on its standard
input; the program answers each with one JSON result line on standard output, and answers the
`observe` and `subscriptions` requests with one line per item and a final status line. This
module does that part: an engine registers a function per action and calls `run()`.

    from provisor_engine import Engine, Refuse, Retry

    engine = Engine(state="state/applied.jsonl")   # remembers answered ids: a replay is not redone

    @engine.handles("provision")
    def provision(message):
        if message["address"] in TENANTS:
            raise Refuse(f"{message['address']} already exists")
        TENANTS[message["address"]] = message["attributes"]
        return {"tenantId": "t-123"}                # outputs Provisor records

    @engine.handles("deprovision")
    def deprovision(message):
        TENANTS.pop(message["address"], None)

    @engine.observes
    def observe():
        return [{"address": a, "attributes": v} for a, v in TENANTS.items()]

    engine.run()

A handler returns the outputs (a dict of strings and numbers, or None); raising `Retry` answers
"retryable" (Provisor sends the message again later, with the same id), raising `Refuse`
answers "failed" with the reason, and any other exception answers "failed" with its text and
writes the traceback to standard error. Only standard error may be used for logging
(`engine.log(...)`): standard output carries the protocol.
"""

import json
import os
import sys
import traceback

__all__ = ["Engine", "Retry", "Refuse"]


class Retry(Exception):
    """A temporary failure: Provisor retries the message, waiting `after` seconds when given."""

    def __init__(self, reason, after=None):
        super().__init__(reason)
        self.after = after


class Refuse(Exception):
    """A terminal failure: the message is wrong or cannot be done; Provisor reports it."""


class Engine:
    def __init__(self, state=None):
        self._handlers = {}
        self._observe = None
        self._subscriptions = None
        self._state = state
        self._answered = {}
        if state and os.path.exists(state):
            with open(state, encoding="utf-8") as log:
                for line in log:
                    entry = json.loads(line)
                    self._answered[entry["id"]] = entry.get("outputs") or {}

    def handles(self, action):
        """Registers the function that carries out `action` (provision, update, deprovision,
        adjust-subscription) for one message."""
        def register(function):
            self._handlers[action] = function
            return function
        return register

    def observes(self, function):
        """Registers the function that lists every resource the engine holds, as
        {"address", "attributes"} dicts (never sensitive values)."""
        self._observe = function
        return function

    def reports_subscriptions(self, function):
        """Registers the function that lists the licence subscriptions the engine holds, each as
        schemas/subscription.schema.json describes."""
        self._subscriptions = function
        return function

    def log(self, *parts):
        print(*parts, file=sys.stderr, flush=True)

    def run(self, input=sys.stdin, output=sys.stdout):
        """Answers every line of `input` until it ends."""
        for line in input:
            if not line.strip():
                continue
            try:
                message = json.loads(line)
                identifier = message["id"]
                action = message["action"]
            except (ValueError, KeyError, TypeError):
                self._write(output, {"id": "", "status": "failed", "error": "not a provisioning message: it needs id and action"})
                continue
            if action in ("observe", "subscriptions"):
                self._read(output, identifier, action)
            else:
                self._apply(output, identifier, action, message)

    def _apply(self, output, identifier, action, message):
        if identifier in self._answered:
            # A message sent again (after a crash or a lost answer) is not done twice.
            self._write(output, self._result(identifier, "succeeded", outputs=self._answered[identifier]))
            return
        handler = self._handlers.get(action)
        if handler is None:
            self._write(output, self._result(identifier, "failed", error=f"this engine does not handle '{action}' messages"))
            return
        try:
            outputs = handler(message) or {}
        except Retry as retry:
            self._write(output, self._result(identifier, "retryable", error=str(retry), retry_after=retry.after))
            return
        except Refuse as refusal:
            self._write(output, self._result(identifier, "failed", error=str(refusal)))
            return
        except Exception as error:  # noqa: BLE001 - an engine's bug is a failed message, not a dead engine
            self.log(traceback.format_exc())
            self._write(output, self._result(identifier, "failed", error=f"the engine failed: {error}"))
            return
        self._answered[identifier] = outputs
        if self._state:
            with open(self._state, "a", encoding="utf-8") as log:
                log.write(json.dumps({"id": identifier, "outputs": outputs}) + "\n")
        self._write(output, self._result(identifier, "succeeded", outputs=outputs))

    def _read(self, output, identifier, action):
        source, key = (self._observe, "resource") if action == "observe" else (self._subscriptions, "subscription")
        if source is None:
            self._write(output, self._result(identifier, "failed", error=f"this engine cannot answer '{action}' requests"))
            return
        try:
            items = list(source())
        except Exception as error:  # noqa: BLE001 - a failed reading is reported, never taken as empty
            self.log(traceback.format_exc())
            self._write(output, self._result(identifier, "failed", error=f"the engine could not be read: {error}"))
            return
        for item in items:
            output.write(json.dumps({"id": identifier, key: item}, sort_keys=True) + "\n")
        self._write(output, self._result(identifier, "succeeded", count=len(items)))

    @staticmethod
    def _result(identifier, status, error=None, outputs=None, count=None, retry_after=None):
        result = {"id": identifier, "status": status}
        if error is not None:
            result["error"] = error
        if outputs:
            result["outputs"] = outputs
        if count is not None:
            result["count"] = count
        if retry_after is not None:
            result["retryAfterSeconds"] = retry_after
        return result

    @staticmethod
    def _write(output, result):
        output.write(json.dumps(result, sort_keys=True) + "\n")
        output.flush()
