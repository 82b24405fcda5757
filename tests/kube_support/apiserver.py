"""A tiny Kubernetes API server stand-in for the kubectl tests: HTTPS on a free loopback port,
every request must carry `Authorization: Bearer TOKEN` with TOKEN the content of TOKEN_FILE
(read at each request). Prints `listening PORT` once it accepts connections; appends each
bearer token it was shown to SEEN_FILE.

    python3 apiserver.py CERT KEY TOKEN_FILE SEEN_FILE
"""
import http.server
import json
import ssl
import sys

cert, key, token_file, seen_file = sys.argv[1:5]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with open(seen_file, "a") as f:
            f.write(token + "\n")
        with open(token_file) as f:
            expected = f.read().strip()
        if token and token == expected:
            self.answer(200, {"kind": "Status", "apiVersion": "v1", "status": "Success",
                              "message": "pancred-stub-ok " + self.path})
        else:
            self.answer(401, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                              "message": "Unauthorized", "reason": "Unauthorized", "code": 401})

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
