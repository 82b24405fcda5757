#!/usr/bin/env bash
# Memory and idle CPU of the real TUI with N profiles (default 1,000) in a pancloud file store,
# in a 120x35 tmux terminal: peak and current resident memory once the list is drawn, and CPU
# time used over 10 idle seconds with the store watcher on (it always is: inotify on the file's
# folder and a change check once a second), then over 10 seconds in which another process
# rewrites an unrelated file in the same folder ten times a second (events the watcher must
# wake for and ignore).
# Run: bash benches/tui_memory.sh [N]   (builds the release binary first; PANCRED_BIN=PATH
# measures that binary instead)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
if [ -n "${PANCRED_BIN:-}" ]; then
  BIN=$PANCRED_BIN
else
  cargo build --release --quiet
  BIN=$PWD/target/release/pancred
fi
DIR=$(mktemp -d)
SOCK=pancred-mem-$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$DIR"' EXIT
python3 - "$DIR/credentials.json" "$N" <<'PY'
import base64, json, sys, time
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time()); n = int(sys.argv[2])
def jwt(c): return b64(b'{"alg":"RS256","typ":"JWT"}') + "." + b64(json.dumps(c).encode()) + ".c2ln"
docs = {}
for i in range(n):
    exp = now + (i * 37) % 7200 - 600
    docs[str(i + 1)] = {"profile": f"tenant-{i:05}", "client_id": f"client-{i:05}",
        "client_secret": f"secret-{i}", "refresh_token": f"refresh-{i}",
        "access_token": jwt({"sub": f"user-{i}", "aud": "api", "iss": "https://id.example",
                              "iat": exp - 3600, "exp": exp})}
json.dump({"profiles": docs}, open(sys.argv[1], "w"))
PY
tmux -L "$SOCK" new-session -d -s m -x 120 -y 35 \
  "exec env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME=$DIR PANCRED_STORE=file PAN_CREDENTIALS_DBFILE=$DIR/credentials.json $BIN"
PID=$(tmux -L "$SOCK" list-panes -t m -F '#{pane_pid}')
for _ in $(seq 1 300); do
  tmux -L "$SOCK" capture-pane -p -t m | grep -q "Profiles ($N)" && break
  sleep 0.1
done
tmux -L "$SOCK" capture-pane -p -t m | grep -q "Profiles ($N)" || { echo "the list never appeared"; exit 1; }
sleep 1
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
t0=$(ticks); sleep 10; t1=$(ticks)
echo "profiles:        $N"
grep -E 'VmHWM|VmRSS' "/proc/$PID/status" | sed 's/^Vm//'
awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "idle CPU:        %.2f%% over 10 s (%d ms), watcher on\n", (b - a) * 100 / hz / 10, (b - a) * 1000 / hz }'
# Another program busy in the same folder: the watcher wakes, sees it is not the store, sleeps.
( for _ in $(seq 1 100); do echo x > "$DIR/other.txt"; sleep 0.1; done ) &
NOISE=$!
t0=$(ticks); wait "$NOISE"; t1=$(ticks)
awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "noisy folder:    %.2f%% over 10 s (%d ms), 100 writes beside the store\n", (b - a) * 100 / hz / 10, (b - a) * 1000 / hz }'
