"""Test knobs beside the provider's own endpoints (the same as tests/js/provider.mjs has):

  GET  /test/counts          -> grants served (refresh, refresh_errors, code), /token requests
                                received (token_requests), metadata documents served (metadata)
  POST /test/token-delay?ms= -> every later token request waits that long first (0 turns it off)
"""

import json
import threading
import time

from django.http import HttpResponse

_lock = threading.Lock()
COUNTS = {"refresh": 0, "refresh_errors": 0, "code": 0, "token_requests": 0, "metadata": 0}
DELAY_MS = [0]


def _count(key):
    with _lock:
        COUNTS[key] += 1


class TestKnobs:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/test/counts":
            with _lock:
                return HttpResponse(json.dumps(COUNTS), content_type="application/json")
        if request.path == "/test/token-delay":
            DELAY_MS[0] = int(request.GET.get("ms", "0"))
            return HttpResponse(json.dumps({"ms": DELAY_MS[0]}), content_type="application/json")
        if "/.well-known/" in request.path:
            _count("metadata")
        if request.path != "/o/token/":
            return self.get_response(request)
        _count("token_requests")
        if DELAY_MS[0] > 0:
            time.sleep(DELAY_MS[0] / 1000)
        grant = request.POST.get("grant_type", "")
        response = self.get_response(request)
        ok = response.status_code == 200
        if grant == "refresh_token":
            _count("refresh" if ok else "refresh_errors")
        elif grant == "authorization_code" and ok:
            _count("code")
        return response
