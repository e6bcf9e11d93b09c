#!/usr/bin/env python3
"""A notification receiver for the notification tests, on 127.0.0.1 at a free port.

Prints "PORT <n>" once listening. Every POST is appended to the JSON-lines file named by LOG:
path, the X-Provisor-* headers, content_type, body (parsed JSON) and, when SECRET is set,
signature_ok: whether X-Provisor-Signature is sha256=<hex HMAC-SHA256 of "TIMESTAMP.BODY">
with TIMESTAMP from X-Provisor-Timestamp, as a receiver should check it.
  /broken   answers 500 "receiver is broken" (and records nothing)
  anything else answers 200 "ok"
"""
import hashlib
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("SECRET", "").encode()
LOG = os.environ["LOG"]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/broken":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"receiver is broken")
            return
        record = {
            "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "headers": {k: v for k, v in self.headers.items() if k.lower().startswith("x-provisor-")},
            "body": json.loads(body),
        }
        if SECRET:
            timestamp = self.headers.get("X-Provisor-Timestamp", "")
            expected = "sha256=" + hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            record["signature_ok"] = hmac.compare_digest(expected, self.headers.get("X-Provisor-Signature", ""))
        with open(LOG, "a") as log:
            log.write(json.dumps(record) + "\n")
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
