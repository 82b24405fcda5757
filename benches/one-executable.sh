#!/usr/bin/env bash
# One executable or two? The whole program (`pancred-full`) built several ways, each answering a
# cached token (file store) in the same hyperfine rounds as oidc-agent's `oidc-token`, /bin/true
# and the small `pancred`: benches/token-vs-oidc-agent.sh runs them all (PANCRED_COMPARE), and
# this script adds each build's size, relocations and linking to its table.
#
# The variants form a ladder, each the one before plus one change, so that two rows side by side
# show what one change is worth:
#   as-is       the release profile (lto "thin", codegen-units 4): target/release/pancred-full
#   abort-fat   panic = "abort", lto = "fat", codegen-units = 1 (opt-level 3)
#   ring        + rustls on ring instead of aws-lc-rs (benches/one-executable/ring.patch)
#   static-pie  + glibc linked in: -C target-feature=+crt-static, a static PIE (ASLR kept)
#   no-main     + the C runtime's `main`, no Rust runtime start-up (no-main.patch)
#   opt-s       + opt-level "s" (built only when named in VARIANTS)
# A patched variant is built from a copy of the sources under target/one-executable/; nothing in
# the work tree changes. Each profile and flag set has its own target directory there, and the
# binaries are copied to target/one-executable/bin/.
#
# Usage: bash benches/one-executable.sh
# Knobs: VARIANTS (default "abort-fat ring static-pie no-main"; as-is is always measured),
# BUILD_ONLY=1 (build and list, no timing), NO_BUILD=1 (time the binaries already in
# target/one-executable/bin), and those of token-vs-oidc-agent.sh (ROUNDS, RUNS).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
V=$ROOT/target/one-executable
VARIANTS=${VARIANTS:-abort-fat ring static-pie no-main}
TRIPLE=x86_64-unknown-linux-gnu
mkdir -p "$V/bin"

# spec NAME: sets PATCHES, PROFILE (CARGO_PROFILE_RELEASE_* settings), STATIC and TDIR.
spec() {
  local startup=(CARGO_PROFILE_RELEASE_PANIC=abort CARGO_PROFILE_RELEASE_LTO=fat
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1)
  PATCHES=() PROFILE=("${startup[@]}") STATIC=0 TDIR=$V/t-abort-fat
  case $1 in
    abort-fat) ;;
    ring) PATCHES=(ring) ;;
    static-pie) PATCHES=(ring) STATIC=1 TDIR=$V/t-static ;;
    no-main) PATCHES=(ring no-main) STATIC=1 TDIR=$V/t-no-main ;;
    opt-s) PATCHES=(ring no-main) STATIC=1 TDIR=$V/t-opt-s
      PROFILE+=(CARGO_PROFILE_RELEASE_OPT_LEVEL=s) ;;
    *) echo "unknown variant: $1" >&2; exit 2 ;;
  esac
}

# The sources of a variant: the work tree itself, or a copy with the variant's patches applied.
sources() {
  local name=$1 dir=$V/src-$1
  shift
  if (($# == 0)); then echo "$ROOT"; return; fi
  # A copy as the last run left it is kept, so that cargo finds nothing to rebuild.
  local stamp
  stamp=$( (cd "$ROOT" && tar -cf - Cargo.toml Cargo.lock src assets examples &&
    for p in "$@"; do cat "benches/one-executable/$p.patch"; done) | sha256sum | cut -c1-16)
  if [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then echo "$dir"; return; fi
  rm -rf "$dir" && mkdir -p "$dir"
  tar -C "$ROOT" --exclude=./target --exclude=./.git --exclude=./tests -cf - . | tar -C "$dir" -xf -
  for p in "$@"; do (cd "$dir" && patch -p1 -s <"$ROOT/benches/one-executable/$p.patch"); done
  echo "$stamp" >"$dir/.stamp"
  echo "$dir"
}

if [ -z "${NO_BUILD:-}" ]; then
echo "building as-is (the release profile)" >&2
cargo build --release --quiet --bins
cp target/release/pancred "$V/bin/pancred-small"
cp target/release/pancred-full "$V/bin/pancred-full-as-is"
for name in $VARIANTS; do
  spec "$name"
  src=$(sources "$name" "${PATCHES[@]}")
  echo "building $name: ${PROFILE[*]}${PATCHES[*]:+, patches: ${PATCHES[*]}}$( ((STATIC)) && echo ", +crt-static")" >&2
  if ((STATIC)); then
    # With --target, RUSTFLAGS reach only the program, not build scripts or proc macros.
    (cd "$src" && env "${PROFILE[@]}" CARGO_TARGET_DIR="$TDIR" \
      RUSTFLAGS="-C target-feature=+crt-static" \
      cargo build --release --quiet --bin pancred-full --target "$TRIPLE")
    cp "$TDIR/$TRIPLE/release/pancred-full" "$V/bin/pancred-full-$name"
  else
    (cd "$src" && env "${PROFILE[@]}" CARGO_TARGET_DIR="$TDIR" \
      cargo build --release --quiet --bin pancred-full)
    cp "$TDIR/release/pancred-full" "$V/bin/pancred-full-$name"
  fi
  # Address-space layout randomisation stays: every build must still be a PIE.
  readelf -h "$V/bin/pancred-full-$name" | grep -q 'Type:.*DYN' ||
    { echo "pancred-full-$name is not a PIE" >&2; exit 1; }
  "$V/bin/pancred-full-$name" --version >/dev/null
done
fi

# Size, relocations (the entries of every relocation section) and how each build is linked.
: >"$V/builds.tsv"
for bin in "$V"/bin/*; do
  relocs=$(readelf -rW "$bin" | grep -o 'contains [0-9]* entr' | awk '{n += $2} END {print n + 0}')
  kind=$(file -b "$bin" | grep -o 'static-pie linked\|dynamically linked' || echo '?')
  printf '%s\t%s\t%s\t%s\n' "$(basename "$bin")" "$(stat -c %s "$bin")" "$relocs" "$kind" >>"$V/builds.tsv"
done
if [ -n "${BUILD_ONLY:-}" ]; then column -t -s $'\t' "$V/builds.tsv"; exit; fi

compare=""
for name in $VARIANTS; do compare+=" $name=$V/bin/pancred-full-$name"; done
echo "load before timing: $(uptime)" | tee "$V/load.txt" >&2
# The small executable hands the setup's commands to the as-is whole program beside it.
PANCRED_BIN=$ROOT/target/release/pancred PANCRED_COMPARE=$compare bash benches/token-vs-oidc-agent.sh |
  tee "$V/bench.txt"
echo "load after timing: $(uptime)" | tee -a "$V/load.txt" >&2

python3 - "$ROOT/target/bench/token-vs-oidc-agent.json" "$V/builds.tsv" "$VARIANTS" <<'PY'
import json, sys
res, builds, variants = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3].split()
med, info = res["median_seconds"], res["rss_tc_pf"]
facts = {}
for line in open(builds):
    name, size, relocs, kind = line.rstrip("\n").split("\t")
    facts[name] = (int(size), int(relocs), kind)
a, t = med["oidc-token (oidc-agent)"], med["/bin/true"]
rows = [("`pancred` (the small executable)", "pancred token (file)", "pancred-small"),
        ("`pancred-full` as is", "pancred-full token (file)", "pancred-full-as-is")]
rows += [("`pancred-full` " + v, "pancred token (file, %s)" % v, "pancred-full-" + v) for v in variants]
print()
print("| build | median | vs oidc-token | vs /bin/true | task-clock | page faults | peak RSS | size | relocations | linked |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for label, key, binname in rows:
    m = med[key]
    rss, tc, pf = info.get(key, ["-", "-", "-"])
    size, relocs, kind = facts[binname]
    print("| %s | %.2f ms | %.2fx | %.2fx | %s ms | %s | %.1f MiB | %.1f MB | %d | %s |" % (
        label, m * 1e3, m / a, m / t, tc, pf, int(rss) / 1024, size / 1e6, relocs, kind))
for label, key in (("`oidc-token`", "oidc-token (oidc-agent)"), ("`/bin/true`", "/bin/true")):
    rss, tc, pf = info.get(key, ["-", "-", "-"])
    print("| %s | %.2f ms | %.2fx | %.2fx | %s ms | %s | %.1f MiB | | | |" % (
        label, med[key] * 1e3, med[key] / a, med[key] / t, tc, pf, int(rss) / 1024))
PY
cat "$V/load.txt"
