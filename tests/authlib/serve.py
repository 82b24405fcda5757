"""A second OAuth 2.0 server for pancred's client assertion tests: Authlib (PyPI) on Flask, its
RFC 7523 client authentication (`JWTBearerClientAssertion`) guarding a client_credentials token
endpoint. Prints `listening PORT` once it accepts connections.

Env: AUTHLIB_CLIENT_KEY  the client's private key (PEM); its public half verifies `key-service`'s
                         assertions.
Test knobs: GET /test/counts (tokens issued, token_requests), POST /test/token-delay?ms=
"""
import logging
import os
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from cryptography.hazmat.primitives import serialization
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

CLIENT_ID = "key-service"
ASSERTION = JWTBearerClientAssertion.CLIENT_AUTH_METHOD

with open(os.environ["AUTHLIB_CLIENT_KEY"], "rb") as f:
    PUBLIC_PEM = serialization.load_pem_private_key(f.read(), None).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

counts = {"client_credentials": 0, "token_requests": 0}
delay = {"ms": 0}
seen_jti = set()
lock = threading.Lock()


class Client(ClientMixin):
    def get_client_id(self):
        return CLIENT_ID

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s == "api:read")

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return False

    def check_endpoint_auth_method(self, method, endpoint):
        return method == ASSERTION

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type == "client_credentials"


class Assertion(JWTBearerClientAssertion):
    def get_audiences(self):
        return [TOKEN_URL]

    def resolve_client_public_key(self, client):
        return PUBLIC_PEM

    def validate_jti(self, claims, jti):
        with lock:
            if jti in seen_jti:
                return False
            seen_jti.add(jti)
            return True


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = [ASSERTION]


def query_client(client_id):
    return Client() if client_id == CLIENT_ID else None


def save_token(token, req):
    with lock:
        counts["client_credentials"] += 1


logging.getLogger("werkzeug").setLevel(logging.ERROR)
app = Flask(__name__)
server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
server.register_client_auth_method(ASSERTION, Assertion())
server.register_grant(ClientCredentials)


@app.post("/token")
def token():
    with lock:
        counts["token_requests"] += 1
    if delay["ms"]:
        time.sleep(delay["ms"] / 1000)
    return server.create_token_response()


@app.get("/test/counts")
def get_counts():
    return jsonify(counts)


@app.post("/test/token-delay")
def token_delay():
    delay["ms"] = int(request.args.get("ms", "0"))
    return jsonify(delay)


http = make_server("127.0.0.1", 0, app, threaded=True)
TOKEN_URL = f"http://127.0.0.1:{http.server_port}/token"
print(f"listening {http.server_port}", flush=True)
http.serve_forever()
