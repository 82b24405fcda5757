#!/usr/bin/env bash
# Proves that the compiler keeps the faces from writing (clippy.toml `disallowed-methods`): a
# copy of the tree in which a CLI file, a TUI file and a sandbox file call store writes and raw
# file writers, in the forms a grep would miss, must fail `cargo clippy -D warnings` on every one
# of those lines, and on no line that only reads. Reuses the build in target/ (only pancred
# itself is checked again). Usage: bash tests/layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r Cargo.toml Cargo.lock clippy.toml src assets benches examples "$WORK/"

# Each line marked `// WRITE` must be refused; the line marked `// READ` must not be.
cat >>"$WORK/src/cli/profiles.rs" <<'EOF'

#[allow(dead_code)]
fn scratch_cli(store: &crate::store::SharedStore, p: &crate::Profile, path: &std::path::Path) {
    use crate::store::file;
    let _ = store.load("a"); // READ
    let _ = store.remove("a"); // WRITE
    let _ = crate::store::Store::upsert(&**store, p); // WRITE
    let _ = ("// not a comment", store.upsert(p)); // WRITE
    let _ = store.set_default_profile("a"); // WRITE
    let _ = store.rename("a", "b"); // WRITE
    let _ = file::FileStore::new(path); // WRITE
    let _ = crate::files::write_atomic(path, b"{}"); // WRITE
    let _ = std::fs::write(path, b"{}"); // WRITE
    let _ = std::fs::File::create(path); // WRITE
    let _ = std::fs::OpenOptions::new().write(true).open(path); // WRITE
    let _ = std::fs::remove_file(path); // WRITE
    let _ = tokio::fs::write(path, b"{}"); // WRITE
}
EOF
cat >>"$WORK/src/tui/app.rs" <<'EOF'

#[allow(dead_code)]
fn scratch_tui(p: &crate::Profile) {
    if let Ok(opened) = crate::store::open(&Default::default()) {
        let _ = opened.store.upsert(p); // WRITE
    }
}
EOF
cat >>"$WORK/src/sandbox/demo.rs" <<'EOF'

#[allow(dead_code)]
fn scratch_sandbox(store: std::sync::Arc<crate::store::memory::MemoryStore>, p: &Profile) {
    use crate::store::Store;
    let _ = store.upsert(p); // WRITE
}
EOF

out=$WORK/clippy.txt
if (cd "$WORK" && CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target} cargo clippy --lib --message-format short \
  -- -D warnings >"$out" 2>&1); then
  echo "layers: clippy accepted a face that writes" >&2
  exit 1
fi
fail=0
for f in src/cli/profiles.rs src/tui/app.rs src/sandbox/demo.rs; do
  while IFS=: read -r line _; do
    if ! grep -q "^$f:$line:.*disallowed" "$out"; then
      echo "layers: not refused: $f:$line: $(sed -n "${line}p" "$WORK/$f")" >&2
      fail=1
    fi
  done < <(grep -n '// WRITE$' "$WORK/$f")
  while IFS=: read -r line _; do
    if grep -q "^$f:$line:" "$out"; then
      echo "layers: a read was refused: $f:$line" >&2
      fail=1
    fi
  done < <(grep -n '// READ$' "$WORK/$f")
done
if [ "$fail" = 1 ]; then
  cat "$out" >&2
  exit 1
fi
echo "layers: clippy refuses all $(grep -c '// WRITE$' "$WORK"/src/{cli/profiles.rs,tui/app.rs,sandbox/demo.rs} | awk -F: '{s+=$2} END {print s}') face writes"
