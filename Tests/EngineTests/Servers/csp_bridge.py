#!/usr/bin/env python3
"""A Microsoft CSP bridge for the end-to-end tests: the http engine the example estate's csp-eu
is, on 127.0.0.1 at a free port, in front of a simulated engine's tenant model (so licences
bought, subscriptions and right-sizing follow the simulated engine's rules).

Prints "PORT <n>" once listening.
  POST /provision      a provisioning message (signed; Idempotency-Key required), carried out by
                       the simulated engine: 200 {"outputs"}, 503 when retryable, 422 when refused
  GET  /subscriptions  200 {"subscriptions": [...]} (signed over "GET <url>")
  GET  /observe        200 {"resources": [...]} (signed over "GET <url>")
Environment: SECRET (the signing key), ENGINE (the provisor-simulated-engine program), STATE
(its state directory), NAME (the engine's name), LOG (a JSON-lines file: one line per request
with method, path, action, signature_ok and status).
"""
import hashlib
import hmac
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["SECRET"].encode()
ENGINE, STATE, NAME, LOG = os.environ["ENGINE"], os.environ["STATE"], os.environ["NAME"], os.environ["LOG"]
engine_lock = threading.Lock()


def ask(line):
    """The simulated engine's answer lines to one request line; one process per request, so the
    state directory is free between requests (operators change it out of band)."""
    with engine_lock:
        done = subprocess.run([ENGINE, "--state-dir", STATE, "--engine", NAME], input=line + "\n", capture_output=True, text=True, timeout=60)
    return [json.loads(text) for text in done.stdout.splitlines() if text.strip()]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, reply, record):
        body = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with open(LOG, "a") as log:
            log.write(json.dumps(dict(record, status=status)) + "\n")

    def signed(self, text):
        expected = "sha256=" + hmac.new(SECRET, text, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("X-Provisor-Signature", ""), expected)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        record = {"method": "POST", "path": self.path, "signature_ok": self.signed(body)}
        if self.path != "/provision":
            return self.answer(404, {"error": "no such path"}, record)
        if not record["signature_ok"] or not self.headers.get("Idempotency-Key"):
            return self.answer(401, {"error": "bad signature or no Idempotency-Key"}, record)
        message = json.loads(body)
        record["action"], record["address"] = message.get("action"), message.get("address")
        result = ask(json.dumps(message))[-1]
        if result["status"] == "succeeded":
            return self.answer(200, {"outputs": result.get("outputs", {})}, record)
        return self.answer(503 if result["status"] == "retryable" else 422, {"error": result.get("error", "")}, record)

    def do_GET(self):
        url = "http://" + self.headers.get("Host", "") + self.path
        record = {"method": "GET", "path": self.path, "signature_ok": self.signed(("GET " + url).encode())}
        if not record["signature_ok"]:
            return self.answer(401, {"error": "bad signature"}, record)
        if self.path not in ("/subscriptions", "/observe"):
            return self.answer(404, {"error": "no such path"}, record)
        action, key, listed = ("subscriptions", "subscription", "subscriptions") if self.path == "/subscriptions" else ("observe", "resource", "resources")
        lines = ask(json.dumps({"id": "bridge-" + action, "action": action}))
        if not lines or lines[-1].get("status") != "succeeded":
            return self.answer(503, {"error": lines[-1].get("error", "") if lines else "the engine did not answer"}, record)
        return self.answer(200, {listed: [line[key] for line in lines[:-1]]}, record)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
