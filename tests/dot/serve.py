"""A django-oauth-toolkit provider for the pancred tests, on a free loopback port.

Makes a fresh SQLite database and signing key in a temporary folder, creates the user alice
(password `alice-password`) and the clients below, then serves until killed. Prints
`listening PORT` on stdout once it accepts connections.

Clients (the same ids as tests/js/provider.mjs):
  basic-client, post-client: confidential, secret `<id>-secret-0123456789abcdef0123456789abcdef`,
      redirect http://127.0.0.1:9/callback plus PROVIDER_WEB_REDIRECTS (comma-separated)
  native-client: public (PKCE only), redirect http://127.0.0.1/callback, any loopback port (RFC 8252)
"""

import os
import socket
import sys
import tempfile
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

HERE = os.path.dirname(os.path.abspath(__file__))
WEB_REDIRECT = "http://127.0.0.1:9/callback"


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def signing_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def main():
    state = tempfile.mkdtemp(prefix="pancred-dot-")
    with open(os.path.join(state, "oidc.key"), "w") as f:
        f.write(signing_key())
    # Bind first so that the issuer can name the port the OS picked.
    probe = socket.socket()
    probe.bind(("127.0.0.1", int(os.environ.get("PROVIDER_PORT", "0"))))
    port = probe.getsockname()[1]
    probe.close()
    os.environ["PANCRED_DOT_STATE"] = state
    os.environ["PANCRED_DOT_ISSUER"] = f"http://127.0.0.1:{port}/o"
    os.environ["DJANGO_SETTINGS_MODULE"] = "pancred_dot.settings"
    sys.path.insert(0, HERE)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    alice = User.objects.create_user("alice", password="alice-password")
    extra = [r for r in os.environ.get("PROVIDER_WEB_REDIRECTS", "").split(",") if r]
    for cid in ("basic-client", "post-client"):
        Application.objects.create(
            client_id=cid,
            client_secret=f"{cid}-secret-0123456789abcdef0123456789abcdef",
            name=cid,
            user=alice,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join([WEB_REDIRECT, *extra]),
            algorithm=Application.RS256_ALGORITHM,
        )
    Application.objects.create(
        client_id="native-client",
        client_secret="",
        name="native-client",
        user=alice,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://127.0.0.1/callback",
        algorithm=Application.RS256_ALGORITHM,
    )

    from django.core.wsgi import get_wsgi_application

    server = make_server(
        "127.0.0.1", port, get_wsgi_application(), server_class=Server, handler_class=Quiet
    )
    print(f"listening {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
