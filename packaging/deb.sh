#!/bin/sh
# Builds the Debian package and the release tarball, with SHA-256 checksums of both:
#   target/debian/pancred_VERSION-1_ARCH.deb
#   target/dist/pancred-VERSION-ARCH-linux.tar.gz (binaries, man pages, completions, docs),
#   target/dist/pancred-VERSION.tar.gz (the committed source, from git), target/dist/SHA256SUMS,
#   target/dist/pancred.rb (packaging/pancred.rb with the source archive's SHA-256)
# It installs cargo-deb from crates.io when it is missing (`cargo install cargo-deb --locked`).
# PANCRED_SKIP_BUILD=1 reuses the release binaries already in target/release.
# PANCRED_PACKAGE_PROFILE=dev packages the debug build instead (stripped, fast compression): the
# same package layout in seconds where the test build is there already, for the test suite.
set -eu
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked

profile=${PANCRED_PACKAGE_PROFILE:-release}
case "$profile" in
  release) out=target/release; build_flag=--release; deb_flags="" ;;
  dev) out=target/debug; build_flag=""; deb_flags="--profile dev --fast --strip" ;;
  *) echo "PANCRED_PACKAGE_PROFILE: release or dev, not $profile" >&2; exit 2 ;;
esac
if [ "${PANCRED_SKIP_BUILD:-}" != 1 ]; then
  # shellcheck disable=SC2086
  cargo build $build_flag --locked --bins --example man
fi

# The generated assets Cargo.toml's [package.metadata.deb] names.
pkg=target/pkg
rm -rf "$pkg"
mkdir -p "$pkg/man" "$pkg/completions"
"$out/examples/man" "$pkg/man" >/dev/null
# pancred-full takes the same command line as pancred: its page is pancred's.
echo '.so man1/pancred.1' >"$pkg/man/pancred-full.1"
"$out/pancred-full" completions bash >"$pkg/completions/pancred"
"$out/pancred-full" completions zsh >"$pkg/completions/_pancred"
"$out/pancred-full" completions fish >"$pkg/completions/pancred.fish"

# (cargo-deb reads the binaries named target/release/ in Cargo.toml from the profile's folder.)
# shellcheck disable=SC2086
deb=$(cargo deb --no-build $deb_flags 2>&1 | tail -n 1)
[ -f "$deb" ] || { echo "cargo deb failed: $deb" >&2; exit 1; }

# The tarball: the same files, laid out for /usr/local (or any prefix).
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
arch=$(uname -m)
name="pancred-$version-$arch-linux"
dist=target/dist
rm -rf "$dist"
mkdir -p "$dist/$name/bin" "$dist/$name/share/man/man1" "$dist/$name/share/doc/pancred" \
  "$dist/$name/share/bash-completion/completions" "$dist/$name/share/zsh/site-functions" \
  "$dist/$name/share/fish/vendor_completions.d"
cp "$out/pancred" "$out/pancred-full" "$dist/$name/bin/"
if command -v strip >/dev/null 2>&1; then strip "$dist/$name/bin/pancred" "$dist/$name/bin/pancred-full"; fi
for page in "$pkg"/man/*.1; do gzip -9n <"$page" >"$dist/$name/share/man/man1/$(basename "$page").gz"; done
cp "$pkg/completions/pancred" "$dist/$name/share/bash-completion/completions/"
cp "$pkg/completions/_pancred" "$dist/$name/share/zsh/site-functions/"
cp "$pkg/completions/pancred.fish" "$dist/$name/share/fish/vendor_completions.d/"
cp README.md LICENSE "$dist/$name/share/doc/pancred/"
mkdir -p "$dist/$name/share/doc/pancred/docs"
cp docs/*.md "$dist/$name/share/doc/pancred/docs/"
tar -C "$dist" --owner=0 --group=0 --numeric-owner --sort=name -czf "$dist/$name.tar.gz" "$name"
rm -rf "${dist:?}/$name"
cp "$deb" "$dist/"
git archive --format=tar --prefix="pancred-$version/" HEAD | gzip -9n >"$dist/pancred-$version.tar.gz"
source_sha=$(sha256sum "$dist/pancred-$version.tar.gz" | cut -d' ' -f1)
sed "s/SOURCE_SHA256/$source_sha/" packaging/pancred.rb >"$dist/pancred.rb"
(cd "$dist" && sha256sum -- *.deb *.tar.gz >SHA256SUMS)

echo "$deb"
echo "$dist/$name.tar.gz"
echo "$dist/SHA256SUMS"
