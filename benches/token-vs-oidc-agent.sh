#!/usr/bin/env bash
# A cached access token, whole process: `pancred token` against oidc-agent's `oidc-token` (a
# resident daemon and a small C client), measured in one run on the same oidc-provider
# (tests/js/provider.mjs), with /bin/true as the floor and pancloud 1.5.1 when its venv exists.
#
#   1. Installs oidc-agent-cli (and hyperfine, perf, time) from Debian when missing, builds the
#      release binary, starts the test provider on a free loopback port.
#   2. Two grants by the code flow (login and consent posted by benches/oidc_login.py): one stays
#      with pancred (file store), the other's refresh token goes to oidc-agent
#      (`oidc-gen --flow=refresh --no-save`), whose daemon runs for this script only.
#   3. hyperfine, ROUNDS rounds of RUNS runs each, the order of the commands turned every round
#      so that neither side always runs first; medians over every run, and their ratios.
#   4. perf stat (task-clock, page faults; where perf may count) and peak RSS (/usr/bin/time).
#   5. The same cached path on the keyring store (gnome-keyring on a private D-Bus, as
#      tests/run.sh starts it; `pancred` reads the access token's copy in the kernel keyring,
#      timed beside the file store and oidc-token), on a Redis server and a memcached on free ports; `kubectl-credential`,
#      `exec -- /bin/true` and `git-credential get` (through `sh -c`, beside `oidc-token` run the
#      same way: hyperfine 1.15 cannot feed stdin otherwise); and
#      `pancred-full` (the whole program, which `pancred` runs for everything it does not answer
#      itself) directly, on each store.
#
# Usage: bash benches/token-vs-oidc-agent.sh   Knobs: ROUNDS (default 10), RUNS (default 50),
# PEER_RUNS (pancloud's runs per round, default 5),
# PANCRED_BIN (a pancred binary to measure instead of building target/release/pancred),
# PANCRED_COMPARE ("LABEL=PATH ...": other pancred builds measured in the same rounds).
# Results: stdout (a table) and target/bench/token-vs-oidc-agent*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/target/bench
ROUNDS=${ROUNDS:-10}
RUNS=${RUNS:-50}
PEER_RUNS=${PEER_RUNS:-5}
mkdir -p "$OUT"

if [ -z "${PANCRED_BENCH_INSIDE:-}" ]; then
  need=()
  command -v oidc-token >/dev/null || need+=(oidc-agent-cli)
  command -v hyperfine >/dev/null || need+=(hyperfine)
  [ -x /usr/bin/time ] || need+=(time)
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v memcached >/dev/null || need+=(memcached)
  command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring dbus dbus-x11)
  command -v perf >/dev/null || need+=(linux-perf)
  if ((${#need[@]})); then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends "${need[@]}"
  fi
  [ -d tests/js/node_modules/oidc-provider ] || (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
  if [ -z "${PANCRED_BIN:-}" ]; then
    cargo build --release --quiet --bins
    export PANCRED_BIN=$ROOT/target/release/pancred
  fi
  TMP=$(mktemp -d)
  trap 'sleep 0.2; rm -rf "$TMP" 2>/dev/null || true' EXIT
  mkdir -p "$TMP/data" "$TMP/runtime" "$TMP/home" && chmod 700 "$TMP/runtime"
  export XDG_DATA_HOME=$TMP/data XDG_RUNTIME_DIR=$TMP/runtime HOME=$TMP/home \
    XDG_CONFIG_HOME=$TMP/home/.config XDG_STATE_HOME=$TMP/home/.local/state TMPDIR=$TMP
  export PANCRED_BENCH_INSIDE=1
  # The keyring rows need a Secret Service: a private D-Bus session with gnome-keyring unlocked.
  dbus-run-session -- sh -c '
    printf %s pancred-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec bash benches/token-vs-oidc-agent.sh'
  exit
fi

BIN=$PANCRED_BIN
WORK=$HOME
PIDS=()
cleanup() {
  # The bench profile's access token copy in the kernel keyring goes with it.
  "$BIN" --store keyring --profile bench remove --yes >/dev/null 2>&1 || true
  [ -n "${OIDCD_PID:-}" ] && kill "$OIDCD_PID" 2>/dev/null || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
unset PAN_ACCESS_TOKEN PAN_CLIENT_ID PAN_CLIENT_SECRET PAN_REFRESH_TOKEN PAN_DEVELOPER_TOKEN \
  PANCRED_PROFILE PANCRED_REDIS_URL PANCRED_KEYRING
export PANCRED_STORE=file PAN_CREDENTIALS_DBFILE=$WORK/credentials.json
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- the provider and two grants -----------------------------------------------------------------
(cd tests/js && exec node provider.mjs) >"$WORK/provider.out" 2>"$WORK/provider.err" &
PIDS+=($!)
for _ in $(seq 300); do grep -q listening "$WORK/provider.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/listening/ {print $2}' "$WORK/provider.out")
[ -n "$PORT" ] || { echo "the test provider did not start" >&2; cat "$WORK/provider.err" >&2; exit 1; }
ISSUER=http://127.0.0.1:$PORT
CLIENT=basic-client
SECRET=basic-client-secret-0123456789abcdef0123456789abcdef
REDIRECT=http://127.0.0.1:9/callback
SCOPE="openid offline_access api:read"

grant() { # grant PROFILE: a code-flow login stored in the pancred profile PROFILE
  printf '{"profile":"%s","dialect":"oauth2","issuer":"%s","client_id":"%s","client_secret":"%s","client_auth":"client_secret_basic","redirect_uri":"%s","scope":"%s"}' \
    "$1" "$ISSUER" "$CLIENT" "$SECRET" "$REDIRECT" "$SCOPE" >"$WORK/init.json"
  "$BIN" --profile "$1" init --from "$WORK/init.json" --write >/dev/null 2>&1
  local url code
  url=$("$BIN" --profile "$1" auth-url 2>/dev/null)
  code=$(python3 benches/oidc_login.py "$url" "$REDIRECT")
  "$BIN" --profile "$1" exchange --code "$code" >/dev/null 2>&1
}
grant bench
grant agent-grant
AGENT_RT=$(python3 -c 'import json,sys
for d in json.load(open(sys.argv[1]))["profiles"].values():
    if d["profile"] == "agent-grant": print(d["refresh_token"])' "$PAN_CREDENTIALS_DBFILE")
"$BIN" --profile agent-grant remove --yes >/dev/null 2>&1

# --- oidc-agent with the other grant -------------------------------------------------------------
eval "$(oidc-agent --quiet --no-autoload)" >/dev/null
OIDC_REFRESH_TOKEN=$AGENT_RT oidc-gen --iss "$ISSUER" --client-id "$CLIENT" --client-secret "$SECRET" \
  --rt-env --scope "$SCOPE" --redirect-uri http://localhost:8080 --no-save --no-url-call \
  --prompt=none --confirm-default bench-agent >"$WORK/oidc-gen.out" 2>&1 </dev/null ||
  { cat "$WORK/oidc-gen.out" >&2; exit 1; }
unset AGENT_RT

PANCRED_TOKEN=$("$BIN" --profile bench token)
AGENT_TOKEN=$(oidc-token bench-agent)
for t in "$PANCRED_TOKEN" "$AGENT_TOKEN"; do
  case $t in eyJ*.*.*) ;; *) echo "not an access token from the provider: ${t:0:12}..." >&2; exit 1 ;; esac
done
[ "$PANCRED_TOKEN" != "$AGENT_TOKEN" ] || { echo "both printed the same token" >&2; exit 1; }

# --- the other stores: the same profile copied into the keyring, Redis and memcached ---------------
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
  --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
for _ in $(seq 50); do [ -s "$WORK/redis.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/redis.pid")")
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/
MEMCACHED_PORT=$(free_port)
memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -d -P "$WORK/memcached.pid" $([ "$(id -u)" = 0 ] && echo -u root)
for _ in $(seq 50); do [ -s "$WORK/memcached.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$WORK/memcached.pid")")
MEMCACHED_URL=memcache://127.0.0.1:$MEMCACHED_PORT
"$BIN" --store keyring import --copy --from "$PAN_CREDENTIALS_DBFILE" >/dev/null 2>&1
"$BIN" --store redis --redis-url "$REDIS_URL" import --copy --from "$PAN_CREDENTIALS_DBFILE" >/dev/null 2>&1
[ "$("$BIN" --store keyring --profile bench token)" = "$PANCRED_TOKEN" ]
[ "$("$BIN" --store redis --redis-url "$REDIS_URL" --profile bench token)" = "$PANCRED_TOKEN" ]
"$BIN" --store memcached --memcached-url "$MEMCACHED_URL" import --copy --from "$PAN_CREDENTIALS_DBFILE" >/dev/null 2>&1
[ "$("$BIN" --store memcached --memcached-url "$MEMCACHED_URL" --profile bench token)" = "$PANCRED_TOKEN" ]
# Whether the small program answers the keyring row itself (its copy in the kernel keyring).
if command -v strace >/dev/null &&
  strace -f -qq -e trace=execve "$BIN" --store keyring --profile bench token 2>&1 >/dev/null |
  grep -q 'pancred-full"'; then
  echo "note: pancred handed the cached keyring token to pancred-full (no kernel keyring copy)" >&2
fi

# --- timing ------------------------------------------------------------------------------------------
# Two groups, each timed in its own hyperfine call: the file store's rows with their peers, then
# the rows whose store is another daemon (gnome-keyring, Redis), so that the daemons' own work
# after each request does not land in the first group's times.
# (The keyring row of the small program reads the kernel keyring, not gnome-keyring: it is timed
# in the first group, beside the rows it is compared with.)
names=("pancred token (file)" "oidc-token (oidc-agent)" "/bin/true"
  "pancred kubectl-credential (file)" "pancred exec -- /bin/true (file)"
  "pancred token (keyring)")
cmds=("$BIN --profile bench token" "$(command -v oidc-token) bench-agent" "/bin/true"
  "$BIN --profile bench kubectl-credential" "$BIN --profile bench exec -- /bin/true"
  "$BIN --store keyring --profile bench token")
# The whole program run directly (what `pancred` hands every other command to): on the file store
# it shows what the small executable saves, on the keyring and Redis what the hand-over costs.
FULL=$(dirname "$BIN")/pancred-full
if [ -x "$FULL" ]; then
  names+=("pancred-full token (file)" "pancred-full exec -- /bin/true (file)")
  cmds+=("$FULL --profile bench token" "$FULL --profile bench exec -- /bin/true")
fi
# Other builds of pancred side by side (before/after a change): PANCRED_COMPARE="LABEL=PATH ...".
for pair in ${PANCRED_COMPARE:-}; do
  names+=("pancred token (file, ${pair%%=*})")
  cmds+=("${pair#*=} --profile bench token")
done
first=${#names[@]}
names+=("pancred token (redis)" "pancred token (memcached)")
cmds+=("$BIN --store redis --redis-url $REDIS_URL --profile bench token"
  "$BIN --store memcached --memcached-url $MEMCACHED_URL --profile bench token")
if [ -x "$FULL" ]; then
  names+=("pancred-full token (keyring)" "pancred-full token (redis)" "pancred-full token (memcached)")
  cmds+=("$FULL --store keyring --profile bench token"
    "$FULL --store redis --redis-url $REDIS_URL --profile bench token"
    "$FULL --store memcached --memcached-url $MEMCACHED_URL --profile bench token")
fi
for pair in ${PANCRED_COMPARE:-}; do
  names+=("pancred token (redis, ${pair%%=*})")
  cmds+=("${pair#*=} --store redis --redis-url $REDIS_URL --profile bench token")
done
n=${#names[@]}
PY=${PANCRED_TEST_PYTHON:-$ROOT/target/test-env/pancloud-venv/bin/python}
PEER_READ="from pancloud import Credentials; print(Credentials(profile='bench', storage_params={'dbfile': '$PAN_CREDENTIALS_DBFILE'}).access_token)"
if [ -x "$PY" ] && [ "$("$PY" -c "$PEER_READ" 2>/dev/null)" = "$PANCRED_TOKEN" ]; then
  names+=("pancloud 1.5.1 (file)")
  cmds+=("$PY -c \"$PEER_READ\"")
fi
rm -f "$OUT"/token-vs-oidc-agent.round*.json
for r in $(seq 0 $((ROUNDS - 1))); do
  echo "round $((r + 1))/$ROUNDS" >&2
  for group in "0 $first" "$first $((n - first))"; do
    read -r from size <<<"$group"
    args=()
    for k in $(seq 0 $((size - 1))); do
      i=$((from + (k + r) % size))
      args+=(-n "${names[$i]}" "${cmds[$i]}")
    done
    hyperfine -N --warmup 10 --runs "$RUNS" --style none \
      --export-json "$OUT/token-vs-oidc-agent.round$r.$from.json" "${args[@]}" >/dev/null
    sleep 0.5
  done
  # git's helper reads its request on stdin, which hyperfine 1.15 can only give through a shell:
  # both sides run through `sh -c` (hyperfine subtracts the shell's own start).
  printf 'protocol=https\nhost=git.example\n\n' >"$WORK/git-request"
  git_args=(-n "pancred git-credential get (file, through sh)"
    "$BIN --profile bench git-credential get < $WORK/git-request"
    -n "oidc-token (oidc-agent, through sh)" "$(command -v oidc-token) bench-agent < /dev/null")
  ((r % 2)) && git_args=("${git_args[@]:3:3}" "${git_args[@]:0:3}")
  hyperfine --warmup 10 --runs "$RUNS" --style none \
    --export-json "$OUT/token-vs-oidc-agent.round$r.git.json" "${git_args[@]}" >/dev/null
  # pancloud takes a hundred times longer: fewer runs of it, in every round too.
  if [ ${#names[@]} -gt "$n" ]; then
    hyperfine -N --warmup 1 --runs "$PEER_RUNS" --style none \
      --export-json "$OUT/token-vs-oidc-agent.round$r.peer.json" -n "${names[$n]}" "${cmds[$n]}" >/dev/null
  fi
done
n=${#names[@]}

# perf stat and peak RSS, one command at a time.
: >"$WORK/extra.tsv"
for i in $(seq 0 $((n - 1))); do
  read -r -a argv <<<"${cmds[$i]}"
  [ "${names[$i]}" = "pancloud 1.5.1 (file)" ] && argv=("$PY" -c "$PEER_READ")
  rss=$(/usr/bin/time -f %M "${argv[@]}" 2>&1 >/dev/null | tail -1)
  tc=- pf=-
  reps=50; [ "${names[$i]}" = "pancloud 1.5.1 (file)" ] && reps=5
  if perf stat -x, -e task-clock,page-faults -r "$reps" -o "$WORK/perf.csv" "${argv[@]}" >/dev/null 2>&1; then
    tc=$(awk -F, '$3=="task-clock" {printf "%.2f", $1}' "$WORK/perf.csv")
    pf=$(awk -F, '$3=="page-faults" {printf "%d", $1}' "$WORK/perf.csv")
  fi
  printf '%s\t%s\t%s\t%s\n' "${names[$i]}" "$rss" "${tc:--}" "${pf:--}" >>"$WORK/extra.tsv"
done

python3 - "$OUT" "$WORK/extra.tsv" "$ROUNDS" <<'PY'
import glob, json, statistics, sys
out, extra, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = {}
for f in sorted(glob.glob(out + "/token-vs-oidc-agent.round*.json")):
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
med = {k: statistics.median(v) for k, v in times.items()}
info = {}
for line in open(extra):
    name, rss, tc, pf = line.rstrip("\n").split("\t")
    info[name] = (rss, tc, pf)
p, a, t = med["pancred token (file)"], med["oidc-token (oidc-agent)"], med["/bin/true"]
print("cached access token, whole process: median of %d runs each (%d rounds, order turned; pancloud %d runs)" % (len(times["pancred token (file)"]), rounds, len(times.get("pancloud 1.5.1 (file)", []))))
print()
print("| command | median | vs oidc-token | vs /bin/true | task-clock | page faults | peak RSS |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, m in med.items():
    rss, tc, pf = info.get(name, ("-", "-", "-"))
    rss = "%.1f MiB" % (int(rss) / 1024) if rss.isdigit() else "-"
    tc = tc + " ms" if tc != "-" else "-"
    print("| %s | %.2f ms | %.2fx | %.1fx | %s | %s | %s |" % (name, m * 1e3, m / a, m / t, tc, pf, rss))
print()
print("pancred / oidc-token: %.2fx (goal: at most 0.80x)" % (p / a))
k, r, fr = (med.get(n) for n in ("pancred token (keyring)", "pancred token (redis)", "pancred-full token (redis)"))
if k:
    print("pancred token (keyring) / oidc-token: %.2fx (goal: at most 1.0x)" % (k / a))
    print("pancred token (keyring) / pancred token (file): %.2fx (goal: at most 1.5x)" % (k / p))
if r and fr:
    print("pancred token (redis) / pancred-full token (redis): %.2fx (goal: at most 1.0x)" % (r / fr))
m, fm = med.get("pancred token (memcached)"), med.get("pancred-full token (memcached)")
if m and fm:
    print("pancred token (memcached) / pancred-full token (memcached): %.2fx" % (m / fm))
g, ga = med.get("pancred git-credential get (file, through sh)"), med.get("oidc-token (oidc-agent, through sh)")
if g and ga:
    print("pancred git-credential get / oidc-token, both through sh: %.2fx" % (g / ga))
if "pancloud 1.5.1 (file)" in med:
    print("pancloud / pancred:   %.1fx" % (med["pancloud 1.5.1 (file)"] / p))
json.dump({"median_seconds": med, "rss_tc_pf": info}, open(out + "/token-vs-oidc-agent.json", "w"), indent=2)
PY
