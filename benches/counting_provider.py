#!/usr/bin/env python3
"""A counting stand-in for the pancloud token API (POST /api/oauth2/RequestToken, JSON bodies),
for the burst benchmark: it rotates refresh tokens, answers after a delay, and counts calls.

Prints `listening PORT`. GET /counts -> {"calls", "ok", "rejected"}; POST /reset?rt=TOKEN.
"""
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DELAY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.2
lock = threading.Lock()
state = {"rt": "rt-0", "n": 0, "calls": 0, "ok": 0, "rejected": 0}


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/counts":
            with lock:
                self.reply(200, {k: state[k] for k in ("calls", "ok", "rejected")})
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if url.path == "/reset":
            with lock:
                state.update(rt=parse_qs(url.query).get("rt", ["rt-0"])[0], calls=0, ok=0, rejected=0)
            return self.reply(200, {})
        if url.path != "/api/oauth2/RequestToken":
            return self.reply(404, {"error": "not_found"})
        with lock:
            state["calls"] += 1
        time.sleep(DELAY)
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": "invalid_request"})
        with lock:
            if body.get("grant_type") != "refresh_token" or body.get("refresh_token") != state["rt"]:
                state["rejected"] += 1
                return self.reply(400, {"error": "invalid_grant", "error_description": "refresh token already used"})
            state["n"] += 1
            state["ok"] += 1
            state["rt"] = "rt-%d" % state["n"]
            token = "%s.%s.c2ln" % (b64({"alg": "none"}), b64({"exp": int(time.time()) + 3600, "n": state["n"]}))
            self.reply(200, {"access_token": token, "refresh_token": state["rt"], "expires_in": 3600})


class Server(ThreadingHTTPServer):
    request_queue_size = 256  # a burst of 64 must not overflow the listen backlog
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
