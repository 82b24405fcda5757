#!/usr/bin/env bash
# Benchmarks `pancred token` against pancloud 1.5.1 (the peer), measured in the same run.
#
#   1. Cached token: whole-process time of `pancred token` (release build, file store) and of
#      pancloud reading the same credentials file (`Credentials(...).access_token`), with
#      hyperfine; medians and their ratio.
#   2. Burst: 64 processes at once ask for the token of a profile whose token just expired, against
#      a local provider that rotates refresh tokens and counts calls (benches/counting_provider.py);
#      pancred, then pancloud run the same way.
#
# Needs hyperfine, python3 (with venv) and cargo. The pancloud peer comes from $PANCRED_TEST_PYTHON,
# else a venv this script creates under target/bench. Results: target/bench/*.json and stdout.
# Knobs: RUNS (hyperfine runs, default 300), BURST (processes, default 64), DELAY (provider answer
# delay in seconds, default 0.2).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/bench
RUNS=${RUNS:-300}
BURST=${BURST:-64}
DELAY=${DELAY:-0.2}
mkdir -p "$OUT"

command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release --quiet --bins
BIN=$ROOT/target/release/pancred

PY=${PANCRED_TEST_PYTHON:-}
if [ -z "$PY" ]; then
  VENV=$OUT/pancloud-venv
  if ! "$VENV/bin/python" -c 'import pancloud, tinydb; assert pancloud.__version__ == "1.5.1"' 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check 'pancloud==1.5.1' 'tinydb<4'
  fi
  PY=$VENV/bin/python
fi

WORK=$(mktemp -d)
PROVIDER_PID=""
cleanup() {
  [ -n "$PROVIDER_PID" ] && kill "$PROVIDER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

export HOME=$WORK/home PANCRED_STORE=file PAN_CREDENTIALS_DBFILE=$WORK/credentials.json
unset PAN_ACCESS_TOKEN PAN_CLIENT_ID PAN_CLIENT_SECRET PAN_REFRESH_TOKEN PAN_DEVELOPER_TOKEN PANCRED_PROFILE
mkdir -p "$HOME"

jwt() { # jwt EXP -> an unsigned JWT with that exp
  "$PY" -c 'import base64,json,sys
b=lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
print(b({"alg":"none"})+"."+b({"exp":int(sys.argv[1]),"sub":"bench"})+".c2ln")' "$1"
}

write_profile() { # write_profile ACCESS_TOKEN TOKEN_URL
  printf '{"profile":"bench","client_id":"bench-client","client_secret":"bench-secret","refresh_token":"rt-0","access_token":"%s","token_url":"%s"}' \
    "$1" "$2" >"$WORK/init.json"
  "$BIN" --profile bench init --from "$WORK/init.json" --write >/dev/null
}

# --- 1. cached token -----------------------------------------------------------------------------
TOKEN=$(jwt $(($(date +%s) + 86400)))
write_profile "$TOKEN" "http://127.0.0.1:9"
PEER_READ="from pancloud import Credentials; print(Credentials(profile='bench', storage_params={'dbfile': '$PAN_CREDENTIALS_DBFILE'}).access_token)"
[ "$("$BIN" --profile bench token)" = "$TOKEN" ] || { echo "pancred printed the wrong token" >&2; exit 1; }
[ "$("$PY" -c "$PEER_READ")" = "$TOKEN" ] || { echo "pancloud printed the wrong token" >&2; exit 1; }

hyperfine --shell=none --warmup 10 --runs "$RUNS" --export-json "$OUT/token-cached.json" \
  -n "pancred token" "$BIN --profile bench token" \
  -n "pancloud 1.5.1 access_token" "$PY -c \"$PEER_READ\"" >&2

"$PY" - "$OUT/token-cached.json" <<'PYEOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["pancred token"], r["pancloud 1.5.1 access_token"]
print("cached token, whole process, median of %d runs:" % len(a["times"]))
print("  pancred token                 %7.2f ms (mean %.2f, stddev %.2f)" % (a["median"]*1e3, a["mean"]*1e3, a["stddev"]*1e3))
print("  pancloud 1.5.1 .access_token  %7.2f ms (mean %.2f, stddev %.2f)" % (b["median"]*1e3, b["mean"]*1e3, b["stddev"]*1e3))
print("  ratio (pancloud / pancred)    %7.1fx" % (b["median"] / a["median"]))
PYEOF

# --- 2. burst after expiry -----------------------------------------------------------------------
"$PY" -u benches/counting_provider.py "$DELAY" >"$WORK/provider.out" &
PROVIDER_PID=$!
for _ in $(seq 100); do grep -q listening "$WORK/provider.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/listening/ {print $2}' "$WORK/provider.out")
API=http://127.0.0.1:$PORT
# pancloud's HTTP client appends the port itself ("{url}:{port}{path}").
# Python's start-up and imports take long enough to spread 64 processes over seconds, letting the
# first one's refresh land before the others look; so each pancloud process imports, says it is
# ready, and waits for a common start signal before reading the file (pancred needs no such help).
PEER_REFRESH="import os, sys, time
from pancloud import Credentials
open(os.environ['READY'], 'w').close()
while not os.path.exists('$WORK/go'):
    time.sleep(0.005)
open_creds = lambda: Credentials(profile='bench', storage_params={'dbfile': '$PAN_CREDENTIALS_DBFILE'},
                                 token_url='http://127.0.0.1', port=$PORT)
c = open_creds()
if c.jwt_is_expired(c.access_token):
    c.refresh()
    c = open_creds()
print(c.access_token)"

burst() { # burst NAME CMD... : 64 at once on a just-expired token
  local name=$1; shift
  write_profile "$(jwt $(($(date +%s) - 5)))" "$API"
  "$PY" -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$API/reset?rt=rt-0', method='POST'))"
  rm -rf "$WORK/$name"; mkdir -p "$WORK/$name"
  local start end
  local pids=()
  rm -f "$WORK/go"
  start=$(date +%s.%N)
  for i in $(seq "$BURST"); do
    ( set +e; READY=$WORK/$name/$i.ready "$@" >"$WORK/$name/$i.out" 2>"$WORK/$name/$i.err"; echo $? >"$WORK/$name/$i.rc" ) &
    pids+=($!)
  done
  if [ "$name" = pancloud ]; then
    until [ "$(find "$WORK/$name" -name '*.ready' | wc -l)" -ge "$BURST" ]; do sleep 0.05; done
  fi
  touch "$WORK/go"
  wait "${pids[@]}" || true
  end=$(date +%s.%N)
  "$PY" - "$WORK/$name" "$API" "$name" "$BURST" "$start" "$end" "$OUT/burst-$name.json" <<'PYEOF'
import base64, json, os, sys, time, urllib.request
d, api, name, n, start, end, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
rcs = [int(open(os.path.join(d, "%d.rc" % i)).read()) for i in range(1, n + 1)]
toks = [open(os.path.join(d, "%d.out" % i)).read().strip() for i in range(1, n + 1)]
def valid(t):
    try:
        p = t.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["exp"] > time.time()
    except Exception:
        return False
ok = [t for rc, t in zip(rcs, toks) if rc == 0 and valid(t)]
counts = json.load(urllib.request.urlopen(api + "/counts"))
res = {"tool": name, "processes": n, "succeeded": len(ok), "distinct_tokens": len(set(ok)),
       "provider_calls": counts["calls"], "provider_ok": counts["ok"], "provider_rejected": counts["rejected"],
       "wall_seconds": round(end - start, 3)}
json.dump(res, open(out, "w"), indent=2)
print("  %-8s %d/%d printed a valid token, %d distinct; provider: %d refresh call(s), %d rejected (invalid_grant); %.2f s" % (
    name, res["succeeded"], n, res["distinct_tokens"], res["provider_calls"], res["provider_rejected"], res["wall_seconds"]))
PYEOF
}

echo "burst: $BURST processes at once on a just-expired token (provider rotates refresh tokens, answers after ${DELAY}s;"
echo "       pancloud processes start together after their imports):"
burst pancred "$BIN" --profile bench token
burst pancloud "$PY" -c "$PEER_REFRESH"
