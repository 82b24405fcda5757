#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (Debian packages, the
# pancloud peer and django-oauth-toolkit in venvs, the npm test provider), then formatting, lints
# and every test, with a real Secret Service (gnome-keyring on a private D-Bus), a kernel keyring
# session, Redis and memcached.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=never
STATE=$ROOT/target/test-env
mkdir -p "$STATE"

step() { printf '\n== %s\n' "$*"; }

step "Debian packages"
pkgs=(gnome-keyring dbus dbus-x11 libsecret-tools keyutils redis-server redis-sentinel memcached openssl tmux hyperfine chromium python3-venv git strace curl openssh-server openssh-client zsh fish faketime man-db groff-base lintian ruby dpkg-dev)
# kubectl for the exec-plugin tests: the machine's own when it has one (package kubectl, 1.22+),
# else Debian's kubernetes-client (1.20). Both ship /usr/bin/kubectl: never install one over the other.
command -v kubectl >/dev/null 2>&1 || pkgs+=(kubernetes-client)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

step "pancloud 1.5.1 (the peer) in a venv"
VENV=$STATE/pancloud-venv
if ! "$VENV/bin/python" -c 'import pancloud, tinydb; assert pancloud.__version__ == "1.5.1"' 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check 'pancloud==1.5.1' 'tinydb<4'
fi
export PANCRED_TEST_PYTHON=$VENV/bin/python

step "django-oauth-toolkit (the second real provider) in a venv"
DOT_VENV=$STATE/dot-venv
if ! cmp -s tests/dot/requirements.txt "$DOT_VENV/requirements.txt"; then
  rm -rf "$DOT_VENV"
  python3 -m venv "$DOT_VENV"
  "$DOT_VENV/bin/pip" install -q --disable-pip-version-check -r tests/dot/requirements.txt
  cp tests/dot/requirements.txt "$DOT_VENV/requirements.txt"
fi
export PANCRED_TEST_DOT_PYTHON=$DOT_VENV/bin/python

step "Authlib (a second RFC 7523 client authentication) in a venv"
AUTHLIB_VENV=$STATE/authlib-venv
if ! cmp -s tests/authlib/requirements.txt "$AUTHLIB_VENV/requirements.txt"; then
  rm -rf "$AUTHLIB_VENV"
  python3 -m venv "$AUTHLIB_VENV"
  "$AUTHLIB_VENV/bin/pip" install -q --disable-pip-version-check -r tests/authlib/requirements.txt
  cp tests/authlib/requirements.txt "$AUTHLIB_VENV/requirements.txt"
fi
export PANCRED_TEST_AUTHLIB_PYTHON=$AUTHLIB_VENV/bin/python

if [ -f tests/js/package-lock.json ]; then
  step "npm ci (oidc-provider, playwright-core)"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  export PANCRED_TEST_JS=$ROOT/tests/js
fi
export PANCRED_TEST_CHROMIUM=/usr/bin/chromium

step "cargo fmt --check"
cargo fmt --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
step "only the engine writes: clippy refuses a face that writes (tests/layers.sh)"
bash tests/layers.sh

step "the engine alone (--no-default-features): the example, clippy, and no face's crates"
cargo build --no-default-features --example fresh_token
cargo clippy --no-default-features --all-targets -- -D warnings
faces=$(cargo tree --no-default-features -e normal --prefix none --format '{p}' \
  | awk '{print $1}' | grep -xE 'ratatui|crossterm|clap|clap_complete|axum|redis|keyring-core|rusqlite' | sort -u || true)
if [ -n "$faces" ]; then
  echo "cargo tree --no-default-features pulls in: $faces" >&2
  exit 1
fi

step "Redis on a free loopback port"
REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
  --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
trap 'kill "$(cat "$STATE/redis.pid" 2>/dev/null)" 2>/dev/null || true; kill "${MEMCACHED_PID:-}" 2>/dev/null || true' EXIT
export PANCRED_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/
export PANCRED_TEST_REDIS_SERVER=$(command -v redis-server)

step "memcached on a free loopback port"
MEMCACHED_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -u root -U 0 >"$STATE/memcached.log" 2>&1 &
MEMCACHED_PID=$!
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $MEMCACHED_PORT), 1)" 2>/dev/null && break
  sleep 0.1
done
export PANCRED_TEST_MEMCACHED_URL=memcache://127.0.0.1:$MEMCACHED_PORT

# Every external part above is required: a test that cannot find one fails instead of skipping.
export PANCRED_REQUIRE_ALL=1

step "cargo test (inside a private D-Bus session with an unlocked gnome-keyring, and a kernel keyring session)"
KR=$(mktemp -d)
mkdir -p "$KR/data" "$KR/runtime" && chmod 700 "$KR/runtime"
export XDG_DATA_HOME=$KR/data XDG_RUNTIME_DIR=$KR/runtime
cargo build --all-targets --quiet
dbus-run-session -- keyctl session - sh -c '
  printf %s pancred-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  cargo test --all-targets --no-fail-fast
'

# The Debian package and release tarball: from the debug build just tested (about 50 s, lintian
# included), and from a release build (minutes) when asked.
step "Debian package from the debug build, installed with dpkg -i into a clean root (tests/package.sh)"
PANCRED_PACKAGE_PROFILE=dev tests/package.sh
if [ "${PANCRED_TEST_PACKAGE:-}" = 1 ]; then
  step "Debian package, release tarball, Homebrew formula from a release build (tests/package.sh)"
  tests/package.sh
fi
