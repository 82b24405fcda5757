#!/usr/bin/env bash
# Makes the README's screen capture from a real run: `pancred demo` in a 120x35 tmux, captured as
# text (assets/demo.txt) and, through an HTML rendering and headless Chromium, as assets/demo.png.
# Usage: assets/capture/capture-demo.sh [PANCRED_BINARY]   (default: target/release/pancred)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-target/release/pancred}
COLS=120 ROWS=35
WORK=$(mktemp -d)
SOCK=pancred-capture-$$
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

tmux -L "$SOCK" -f /dev/null new-session -d -x $COLS -y $ROWS "env TERM=xterm-256color $BIN demo"
for _ in $(seq 300); do
  tmux -L "$SOCK" capture-pane -p | grep -q 'pancloud-valid' && break
  sleep 0.1
done
# Move to the expired profile so the detail pane shows the most telling state, then settle.
${CAPTURE_KEYS:+tmux -L "$SOCK" send-keys $CAPTURE_KEYS}
sleep 1.5
tmux -L "$SOCK" capture-pane -p > assets/demo.txt
tmux -L "$SOCK" capture-pane -p -e > "$WORK/demo.ansi"
tmux -L "$SOCK" send-keys q

python3 assets/capture/ansi2html.py $COLS < "$WORK/demo.ansi" > "$WORK/demo.html"
# 14px DejaVu Sans Mono is 8.43px wide and set 16px high (so box lines join); plus the padding.
W=$(( (COLS * 843 + 99) / 100 + 28 )) H=$(( ROWS * 16 + 24 ))
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars \
  --force-device-scale-factor=1 --window-size=$W,$H --screenshot="$WORK/demo.png" \
  "file://$WORK/demo.html" >/dev/null 2>&1
cp "$WORK/demo.png" assets/demo.png
ls -l assets/demo.txt assets/demo.png
