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

    engine.main()      # standard input; with --amqp URL --queue NAME, a RabbitMQ queue

A handler returns the outputs (a dict of strings and numbers, or None); raising `Retry` answers
"retryable" (Provisor sends the message again later, with the same id), raising `Refuse`
answers "failed" with the reason, and any other exception answers "failed" with its text and
writes the traceback to standard error. Only standard error may be used for logging
(`engine.log(...)`): standard output carries the protocol.

`main()` serves standard input (`run()`), or with `--amqp URL --queue NAME` (and `--ca FILE`,
`--cert FILE`, `--key FILE` for TLS; the password from PROVISOR_AMQP_PASSWORD) consumes
Provisor's messages from a RabbitMQ queue instead, connecting outbound (`serve()`). Queue serving
needs pika (Debian: python3-pika); everything else is the standard library.
"""

import io
import json
import os
import ssl
import sys
import time
import traceback
import urllib.parse

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

    def main(self, arguments=None):
        """Serves the queue `--amqp URL --queue NAME` names (with `--ca`, `--cert`, `--key`), or
        else standard input. Other arguments are left to the engine."""
        arguments = sys.argv[1:] if arguments is None else arguments

        def value(flag):
            return arguments[arguments.index(flag) + 1] if flag in arguments[:-1] else None

        url = value("--amqp")
        if url is None:
            self.run()
            return
        queue = value("--queue")
        if not queue:
            sys.exit("--amqp needs --queue NAME, the engine's queue in its Engine manifest (amqp.queue)")
        self.serve(url, queue, ca=value("--ca"), cert=value("--cert"), key=value("--key"))

    def run(self, input=sys.stdin, output=sys.stdout):
        """Answers every line of `input` until it ends."""
        for line in input:
            self._answer(line, output)

    def serve(self, url, queue, ca=None, cert=None, key=None, password=None, retry=1.0, stop=lambda: False):
        """Answers Provisor's messages from the RabbitMQ queue `queue` (declared durable and
        quorum, as Provisor declares it): each message's lines are answered as on standard input,
        the answer published, confirmed, to its `reply_to` with its correlation id, and only
        then is the message acknowledged. A consumer that dies after acting and before answering
        gets the message again and answers it as a replay. A lost broker is connected to again
        every `retry` seconds; `stop()` ends the loop."""
        try:
            import pika
        except ImportError:
            sys.exit("serving a queue needs pika, the RabbitMQ client (Debian: apt-get install python3-pika)")
        parameters = self._amqp_parameters(pika, url, ca, cert, key, password or os.environ.get("PROVISOR_AMQP_PASSWORD", ""))
        where = self._redacted(url)
        while not stop():
            try:
                connection = pika.BlockingConnection(parameters)
                channel = connection.channel()
                channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
                channel.basic_qos(prefetch_count=1)
                channel.confirm_delivery()
                self.log(f"serving queue {queue} on {where}")
                for method, properties, body in channel.consume(queue, inactivity_timeout=1):
                    if stop():
                        break
                    if method is None:
                        continue
                    answer = io.StringIO()
                    for line in body.decode("utf-8", "replace").splitlines():
                        self._answer(line, answer)
                    if properties.reply_to:
                        try:
                            channel.basic_publish(
                                "", properties.reply_to, answer.getvalue().encode("utf-8"),
                                pika.BasicProperties(correlation_id=properties.correlation_id or properties.message_id, delivery_mode=2),
                                mandatory=True)
                        except pika.exceptions.UnroutableError:
                            # A read's private reply queue whose run has ended: nobody to answer.
                            self.log(f"the answer to {properties.message_id or 'a message'} has nobody to go to: no queue {properties.reply_to}")
                    channel.basic_ack(method.delivery_tag)
                connection.close()
            except (pika.exceptions.AMQPError, OSError) as error:
                self.log(f"{where}: {type(error).__name__} {error}; connecting again in {retry:g} s")
                time.sleep(retry)

    @staticmethod
    def _redacted(url):
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
        return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.replace(":" + parts.password + "@", ":(sensitive)@")))

    @staticmethod
    def _amqp_parameters(pika, url, ca, cert, key, password):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
            sys.exit(f"--amqp {Engine._redacted(url)} is not a RabbitMQ address; write amqp://USER@HOST:PORT/VHOST or amqps://…")
        tls = parts.scheme == "amqps"
        vhost = urllib.parse.unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        options = None
        if tls:
            try:
                context = ssl.create_default_context(cafile=ca)
                if cert:
                    context.load_cert_chain(cert, key)
            except (OSError, ssl.SSLError) as error:
                sys.exit(f"cannot use the TLS files (--ca {ca}, --cert {cert}, --key {key}): {error.strerror or error}")
            options = pika.SSLOptions(context, parts.hostname)
        return pika.ConnectionParameters(
            host=parts.hostname, port=parts.port or (5671 if tls else 5672), virtual_host=vhost,
            credentials=pika.PlainCredentials(urllib.parse.unquote(parts.username or "guest"), parts.password or password),
            ssl_options=options, heartbeat=30, blocked_connection_timeout=30)

    def _answer(self, line, output):
        if not line.strip():
            return
        try:
            message = json.loads(line)
            identifier = message["id"]
            action = message["action"]
        except (ValueError, KeyError, TypeError):
            self._write(output, {"id": "", "status": "failed", "error": "not a provisioning message: it needs id and action"})
            return
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
