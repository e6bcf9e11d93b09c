#!/usr/bin/env python3
"""A webhook engine for the http adapter's tests, on 127.0.0.1 at a free port.

Prints "PORT <n>" once listening. Each path behaves differently:
  /ok            200 with outputs {"ticket": "T-1"}
  /flaky         500 the first time each Idempotency-Key is seen, then 200
  /busy          429 with Retry-After: 1 the first time each key is seen, then 200
  /bad           400 with a JSON error body
  /slow          waits 30 s before answering 200
A GET reads the engine back:
  /observe       200 with two resources
  /observe-bad   200 with a body that is not {"resources": [...]}
  /observe-down  503
  /subscriptions      200 with one subscription (5 licences, 3 of them refundable)
  /subscriptions-bad  200 with a subscription that has no quantity
With SECRET set, a GET must be signed over "GET <url>", else 401.
Every request must carry an Idempotency-Key; when SECRET is set, also a valid
X-Provisor-Signature (sha256=<hex HMAC-SHA256 of the body>), else 401. Each request is
appended to the JSON-lines file named by LOG: path, key, signature_ok, status, time.
"""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("SECRET", "").encode()
LOG = os.environ["LOG"]
seen = set()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Idempotency-Key")
        signature = self.headers.get("X-Provisor-Signature", "")
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        signature_ok = hmac.compare_digest(signature, expected)
        first = (self.path, key) not in seen
        seen.add((self.path, key))
        if not key:
            status, reply, headers = 400, b'{"error": "no Idempotency-Key"}', ()
        elif SECRET and not signature_ok:
            status, reply, headers = 401, b'{"error": "bad signature"}', ()
        elif self.path == "/ok":
            status, reply, headers = 200, b'{"outputs": {"ticket": "T-1"}}', ()
        elif self.path == "/flaky":
            status, reply, headers = (500, b"try later", ()) if first else (200, b"{}", ())
        elif self.path == "/busy":
            status, reply, headers = (429, b"slow down", (("Retry-After", "1"),)) if first else (200, b"{}", ())
        elif self.path == "/bad":
            status, reply, headers = 400, b'{"error": "unknown plan business-ultra"}', ()
        elif self.path == "/slow":
            time.sleep(30)
            status, reply, headers = 200, b"{}", ()
        else:
            status, reply, headers = 404, b"no such path", ()
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "key": key, "signature_ok": signature_ok, "status": status,
                                  "time": time.time(), "body": json.loads(body)}) + "\n")
        self.answer(status, reply, headers)


    def do_GET(self):
        url = "http://" + self.headers.get("Host", "") + self.path
        expected = "sha256=" + hmac.new(SECRET, ("GET " + url).encode(), hashlib.sha256).hexdigest()
        signature_ok = hmac.compare_digest(self.headers.get("X-Provisor-Signature", ""), expected)
        if SECRET and not signature_ok:
            status, reply = 401, b'{"error": "bad signature"}'
        elif self.path == "/observe":
            status, reply = 200, json.dumps({"resources": [
                {"address": "customer/JBL/user/alice", "attributes": {"displayName": "Alice J.", "licences": 2}},
                {"address": "customer/JBL", "attributes": {}}]}).encode()
        elif self.path == "/observe-bad":
            status, reply = 200, b'{"tenants": []}'
        elif self.path == "/subscriptions":
            status, reply = 200, json.dumps({"subscriptions": [
                {"id": "sub-jbl-spb", "customer": "JBL", "sku": "SPB", "term": "P1M", "termEnd": "2026-12-21T00:00:00Z",
                 "quantity": 5, "costPrice": 16, "autoRenew": True, "trial": False,
                 "batches": [{"quantity": 2, "addedAt": "2026-10-21T00:00:00Z"},
                             {"quantity": 3, "addedAt": "2026-11-20T00:00:00Z", "refundableUntil": "2026-11-27T00:00:00Z"}]}]}).encode()
        elif self.path == "/subscriptions-bad":
            status, reply = 200, json.dumps({"subscriptions": [{"id": "sub-x", "customer": "JBL", "sku": "SPB", "term": "P1M"}]}).encode()
        else:
            status, reply = 503, b"maintenance"
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "method": "GET", "signature_ok": signature_ok, "status": status,
                                  "time": time.time()}) + "\n")
        self.answer(status, reply)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
