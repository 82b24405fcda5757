"""Logs in as alice at the test oidc-provider (tests/js/provider.mjs) and consents, starting from
an authorization URL, without a browser: its login and consent forms are posted over HTTP with a
cookie jar (as tests/common/oidc.rs does). Prints the `code` of the final redirect.

    python3 benches/oidc_login.py AUTH_URL REDIRECT_PREFIX
"""
import html.parser
import http.cookiejar
import sys
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class FirstForm(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action, self.fields, self.inside, self.done = None, [], False, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and self.action is None:
            self.action, self.inside = a.get("action") or "", True
        elif tag == "input" and self.inside and a.get("name"):
            name = a["name"]
            value = {"login": "alice", "username": "alice", "password": "alice-password"}.get(
                name, a.get("value") or "")
            self.fields.append((name, value))

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


def main(auth_url, prefix):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    url, data = auth_url, None
    for _ in range(20):
        try:
            resp = opener.open(urllib.request.Request(url, data=data))
            status, headers, body = resp.status, resp.headers, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, e.headers, e.read().decode()
        if 300 <= status < 400:
            target = urllib.parse.urljoin(url, headers["Location"])
            if target.startswith(prefix):
                q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
                if "error" in q:
                    sys.exit("the provider answered %s: %s" % (q["error"], q.get("error_description")))
                print(q["code"])
                return
            url, data = target, None
            continue
        if status != 200:
            sys.exit("HTTP %d at %s" % (status, url))
        form = FirstForm()
        form.feed(body)
        if form.action is None:
            sys.exit("no form at %s" % url)
        url = urllib.parse.urljoin(url, form.action) if form.action else url
        data = urllib.parse.urlencode(form.fields).encode()
    sys.exit("no redirect to %s after 20 steps" % prefix)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
