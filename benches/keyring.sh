#!/usr/bin/env bash
# `pancred token` (a cached, valid token) per store, side by side with the file store (answered by
# `pancred` itself, and by `pancred-full`, the whole program the other stores run; the Secret
# Service store's token is answered by `pancred` from its copy in the kernel keyring) and
# libsecret's own client; prints each row's ratios measured in the same run.
# Starts its own D-Bus session with an unlocked gnome-keyring and a kernel keyring session, like
# tests/run.sh. Usage: bash benches/keyring.sh   (needs gnome-keyring, dbus, libsecret-tools,
# keyutils, hyperfine; builds the release binary)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PANCRED_BENCH_INSIDE:-}" ]; then
  cargo build --release --quiet
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  mkdir -p "$TMP/data" "$TMP/runtime" "$TMP/home" && chmod 700 "$TMP/runtime"
  export XDG_DATA_HOME=$TMP/data XDG_RUNTIME_DIR=$TMP/runtime HOME=$TMP/home XDG_CONFIG_HOME=$TMP/home/.config
  export PANCRED_BENCH_INSIDE=1
  dbus-run-session -- keyctl session - sh -c '
    printf %s pancred-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec bash benches/keyring.sh'
fi
B=$PWD/target/release/pancred
unset PAN_CREDENTIALS_DBFILE PANCRED_STORE PANCRED_PROFILE PANCRED_KEYRING
AT=$(python3 -c "import base64,json,time;e=lambda d:base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b'=').decode();print(e({'alg':'none'})+'.'+e({'exp':int(time.time())+86400})+'.c2ln')")
printf '{"client_id":"cid","client_secret":"cs","refresh_token":"rt","access_token":"%s"}' "$AT" >"$HOME/init.json"
"$B" --store keyring --profile bench init --from "$HOME/init.json" --write >/dev/null 2>&1
"$B" --store file --profile bench init --from "$HOME/init.json" --write >/dev/null 2>&1
"$B" --store sqlite --profile bench init --from "$HOME/init.json" --write >/dev/null 2>&1
PANCRED_KEYRING=keyutils "$B" --store keyring --profile benchku init --from "$HOME/init.json" --write >/dev/null 2>&1
rm "$HOME/init.json"
hyperfine -N --warmup 10 --min-runs 100 --export-json "$HOME/bench.json" \
  -n "pancred token, keyring (Secret Service)" "$B --store keyring --profile bench token" \
  -n "pancred token, auto (Secret Service)" "$B --profile bench token" \
  -n "pancred-full token, keyring (Secret Service)" "$(dirname "$B")/pancred-full --store keyring --profile bench token" \
  -n "secret-tool lookup (libsecret, same entry)" "secret-tool lookup service pancred username bench" \
  -n "pancred token, keyring (keyutils)" "env PANCRED_KEYRING=keyutils $B --store keyring --profile benchku token" \
  -n "pancred token, sqlite" "$B --store sqlite --profile bench token" \
  -n "pancred-full token, file" "$(dirname "$B")/pancred-full --store file --profile bench token" \
  -n "pancred token, file" "$B --store file --profile bench token" >&2
python3 - "$HOME/bench.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["results"]
tool = rows[3]["median"]
# `pancred` answers a cached file-store token itself; every other store runs the whole program
# (`pancred-full`), so the keyring is held to the whole program's file store.
full = rows[-2]["median"]
file = rows[-1]["median"]
print("| command | median | mean | vs pancred-full, file | vs pancred, file | vs secret-tool |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    print("| %s | %.1f ms | %.1f ms | %.2fx | %.2fx | %.2fx |" % (
        r["command"], r["median"] * 1e3, r["mean"] * 1e3, r["median"] / full, r["median"] / file,
        r["median"] / tool))
print()
print("keyring (Secret Service) / the whole program's file store: %.2fx (goal: at most 2x)"
      % (rows[0]["median"] / full))
print("keyring (Secret Service) / pancred's own file-store answer: %.2fx" % (rows[0]["median"] / file))
PY
