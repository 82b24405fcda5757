"""Django settings of the django-oauth-toolkit provider the pancred tests run (see serve.py).

Everything lives in a temporary folder named by PANCRED_DOT_STATE; the issuer and the signing key
come from serve.py through the environment.
"""

import os

STATE = os.environ["PANCRED_DOT_STATE"]
ISSUER = os.environ["PANCRED_DOT_ISSUER"]

SECRET_KEY = "pancred-tests-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ROOT_URLCONF = "pancred_dot.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]

MIDDLEWARE = [
    "pancred_dot.knobs.TestKnobs",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(os.path.dirname(__file__)), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(STATE, "db.sqlite3"),
        # The burst tests send many requests at once; wait for SQLite's write lock.
        "OPTIONS": {"timeout": 60},
    }
}

LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": open(os.path.join(STATE, "oidc.key")).read(),
    "PKCE_REQUIRED": True,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("PROVIDER_ACCESS_TTL", "3600")),
    # RFC 9207: `iss` on every authorization response, announced in the metadata.
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "SCOPES": {
        "openid": "OpenID Connect",
        "offline_access": "Stay signed in",
        "api:read": "Read the API",
    },
}
