"""A tiny git server stand-in for the git credential tests: git's dumb HTTP protocol for one
repository, behind Basic authentication. HTTPS when CERT and KEY are given, else plain HTTP, on
a free loopback port. Prints `listening PORT` once it accepts connections.

The repository is `/repo.git`, under any folder (`/acme/repo.git`). Every request's
Authorization header (or `-`) is appended to SEEN_FILE. A request without one gets 401 with
`WWW-Authenticate: Basic`; one whose password is the token TOKEN_FILE holds for its path gets the
repository's refs; any other gets 401. TOKEN_FILE holds a token, or lines `/PREFIX/ TOKEN`: the
first line whose prefix begins the path gives its token.

    python3 gitserver.py SEEN_FILE TOKEN_FILE [CERT KEY]
"""
import base64
import http.server
import re
import ssl
import sys

seen_file, token_file = sys.argv[1:3]
REFS = b"0123456789abcdef0123456789abcdef01234567\trefs/heads/main\n"


def expected_token(path):
    with open(token_file) as f:
        text = f.read().strip()
    lines = text.splitlines()
    if len(lines) <= 1 and " " not in text:
        return text
    for line in lines:
        prefix, _, token = line.partition(" ")
        if path.startswith(prefix):
            return token.strip()
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        with open(seen_file, "a") as f:
            f.write((auth or "-") + "\n")
        expected = expected_token(self.path)
        password = None
        if auth.startswith("Basic "):
            try:
                password = base64.b64decode(auth[6:]).decode().split(":", 1)[1]
            except Exception:
                password = None
        if not (expected and password == expected):
            self.answer(401, b"unauthorized\n", [("WWW-Authenticate", 'Basic realm="git"')])
        elif re.match(r"^(/[^?]*)?/repo\.git/info/refs", self.path):
            self.answer(200, REFS, [])
        elif re.match(r"^(/[^?]*)?/repo\.git/HEAD$", self.path):
            self.answer(200, b"ref: refs/heads/main\n", [])
        else:
            self.answer(404, b"not found\n", [])

    def answer(self, code, body, headers):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if len(sys.argv) > 4:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("listening", server.server_address[1], flush=True)
server.serve_forever()
