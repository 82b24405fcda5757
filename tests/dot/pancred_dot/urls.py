"""The provider under /o/ (its issuer is http://HOST:PORT/o) and a login page.

The RFC 8414 document is served only as {issuer}/.well-known/oauth-authorization-server (the
form several servers use), not at the path-inserted /.well-known/oauth-authorization-server/o.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
